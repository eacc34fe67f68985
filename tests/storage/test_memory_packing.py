"""MemoryStorage keeps log entries packed (deflated, interned, bare when a
log has one entry); what is read back is always exactly what was written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy.storage import memory
from a2p_policy.storage.memory import PACK_MIN, MemoryStorage

# Any text, including lone surrogates, from short (interned) to long (deflated).
ENTRIES = st.text(st.characters(), max_size=2 * PACK_MIN) | st.text(
    st.characters(), min_size=PACK_MIN, max_size=4 * PACK_MIN
)


@settings(max_examples=300)
@given(entry=ENTRIES)
def test_pack_round_trip(entry: str) -> None:
    assert memory._unpack(memory._pack(entry)) == entry


@settings(max_examples=100)
@given(entries=st.lists(ENTRIES, min_size=1, max_size=5))
def test_logs_read_back_what_was_written(entries: list[str]) -> None:
    store = MemoryStorage()
    for n, e in enumerate(entries):
        assert store.append("log", e, expect_version=n) == n + 1
    assert store.read("log") == list(enumerate(entries, start=1))
    assert store.last_many(["log", "none"]) == [(len(entries), entries[-1]), None]
    assert store.read("log", after=1, limit=1) == list(enumerate(entries, start=1))[1:2]


def test_long_record_like_entries_are_stored_smaller() -> None:
    entry = (
        '{"format":2,"kind":"GRANT","at":"2026-01-05T19:00:00+00:00","phone":"+12122000000",'
        '"brand":"Acme","record":{"method":"WEB_FORM","captured_at":"2026-01-05T19:00:00Z",'
        '"scopes":["ACCOUNT_NOTIFICATIONS","MARKETING"],"express":true},'
        '"state":{"record":"event","granted_at":"2026-01-05T19:00:00+00:00"}}'
    )
    packed = memory._pack(entry)
    assert isinstance(packed, bytes)
    assert len(packed) < len(entry) / 2


def test_short_equal_entries_share_one_string() -> None:
    store = MemoryStorage()
    a = "".join(['{"key":"acme",', '"brand":"Acme"}'])
    b = "".join(['{"key":"acme"', ',"brand":"Acme"}'])
    assert a == b
    assert a is not b
    store.append("one", a)
    store.append("two", b)
    assert store._logs["one"] is store._logs["two"]
