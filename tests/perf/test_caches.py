"""Caches and fast paths never change an answer (issue 8).

Each optimization of the hot paths is checked against the slow computation it
replaces: the NANP prefix fast path against phonenumbers, the trusted consent
decoding against pydantic validation, the quiet-hours per-minute facts, the
ramp's local-day cache, the engine's content cache and its skipped quiet-hours
reservation for uncapped sends, and the storage argument fast paths.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from re import _parser  # type: ignore[attr-defined]

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy import _engine as engine_mod
from a2p_policy import _phone as phone_mod
from a2p_policy._clock import ManualClock
from a2p_policy._consent import ledger as ledger_mod
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._engine import _CONTENT_CACHE_SIZE, PolicyEngine
from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber, StorageError
from a2p_policy._limits._common import next_local_midnight
from a2p_policy._limits.quiet_hours import QuietHours
from a2p_policy._limits.ramp import RampSchedule, RampUpLimiter
from a2p_policy._messages import OutboundMessage
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.base import MAX_KEY_LENGTH, check_items, check_keys
from a2p_policy.storage.memory import MemoryStorage

MONDAY = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
SENDER = "+14155550199"
#: Area codes whose blocks are split below the exchange (Barbados, Jamaica),
#: toll-free, premium, personal, territories, and ordinary geographic ones.
SPECIAL_NPAS = ("246", "876", "658", "800", "900", "500", "533", "340", "787", "264", "808")


def _slow(e164: str) -> tuple[bool, tuple[str, ...]]:
    parsed = phonenumbers.parse(e164, None)
    valid = bool(phonenumbers.is_valid_number(parsed))
    return valid, (phone_mod._zones_of(parsed) if valid else ())


# ---------------------------------------------------------------- phone
def test_nanp_fast_path_is_enabled_for_the_installed_metadata() -> None:
    # Seven digits (NPA-NXX and the thousands digit) decide validity and zones.
    assert phone_mod._nanp_significant_digits() == 7


@pytest.mark.parametrize(
    ("pattern", "tail"),
    [
        (r"\d{4}", 4),
        (r"[2-9]\d{9}|3\d{6}", 6),
        (r"(?:1|2\d)\d{3}", 3),
        (r"246521[0369]\d{3}|246(?:2\d|38)\d{4}", 3),
        (r"12", 0),
        (r"1\d\d", 2),
        (r"(?:5[05]|6\d)", 0),
    ],
)
def test_free_tail_counts_trailing_free_digits(pattern: str, tail: int) -> None:
    assert phone_mod._free_tail(_parser.parse(pattern)) == tail


@settings(max_examples=400)
@given(
    npa=st.one_of(st.sampled_from(SPECIAL_NPAS), st.integers(200, 999).map(str)),
    nxx=st.integers(0, 999),
    line=st.integers(0, 9999),
)
def test_nanp_fast_path_matches_phonenumbers(npa: str, nxx: int, line: int) -> None:
    e164 = f"+1{npa}{nxx:03d}{line:04d}"
    valid, zones = _slow(e164)
    fast_valid, fast_zones = phone_mod._nanp_prefix(e164[:9])
    assert fast_valid == valid
    if valid:
        assert fast_zones == zones
        assert phone_mod.normalize_phone(e164) == e164
        assert phone_mod.recipient_timezones(e164) == zones
    else:
        with pytest.raises(InvalidPhoneNumber):
            phone_mod.normalize_phone(e164)


@pytest.mark.parametrize("block", ["2465210", "2465211", "8766060", "8766061", "2462270"])
def test_blocks_split_by_the_thousands_digit(block: str) -> None:
    for line in ("000", "555", "999"):
        e164 = f"+1{block}{line}"
        assert phone_mod._nanp_prefix(e164[:9])[0] == _slow(e164)[0]


def test_prefix_cache_is_bounded() -> None:
    assert phone_mod._nanp_prefix.cache_info().maxsize == phone_mod.PREFIX_CACHE_SIZE
    assert phone_mod._zones.cache_info().maxsize == phone_mod.CACHE_SIZE


# ---------------------------------------------------------------- consent
@st.composite
def _records(draw: st.DrawFn) -> ConsentRecord:
    express = draw(st.booleans())
    uses = [u for u in UseCase if express or u is not UseCase.MARKETING]
    return ConsentRecord(
        phone=draw(st.sampled_from(["+14155550100", "(212) 555-0142", "+13055550123"])),
        brand=draw(st.sampled_from(["Acme", "Bloom  Florist", "Zoë's Café"])),
        method=OptInMethod.WEB_FORM,
        captured_at=draw(
            st.datetimes(
                min_value=datetime(2020, 1, 1),
                max_value=datetime(2030, 1, 1),
                timezones=st.just(UTC),
            )
        ),
        scopes=draw(st.frozensets(st.sampled_from(uses), min_size=1)),
        express=express,
        name=draw(st.one_of(st.none(), st.sampled_from(["Ana Ruiz", "Li Wei"]))),
        source_url="https://acme.example.com/signup",
        consent_text=draw(st.one_of(st.none(), st.just("I agree to texts from Acme."))),
    )


_RECORDS = _records()


@settings(max_examples=60)
@given(record=_RECORDS)
def test_trusted_decoding_equals_pydantic_validation(record: ConsentRecord) -> None:
    data = ledger_mod._dump(record)
    validated = ConsentRecord.model_validate(data)
    loaded = ledger_mod._load(data)
    assert loaded == validated
    assert loaded is not None
    assert loaded.model_dump() == validated.model_dump()


@pytest.mark.parametrize(
    "change",
    [
        {"method": "CARRIER_PIGEON"},
        {"express": "yes"},
        {"scopes": "MARKETING"},
        {"scopes": ["NOT_A_USE_CASE"]},
        {"captured_at": "2026-01-01T00:00:00"},  # naive
        {"captured_at": 12},
        {"source": "PURCHASED_LIST"},
        {"phone": 14155550100},
        {"unexpected": "field"},
        {"name": 7},
    ],
)
def test_corrupt_stored_records_are_refused(change: dict[str, object]) -> None:
    storage = MemoryStorage()
    ledger = ledger_mod.ConsentLedger(storage, clock=ManualClock(MONDAY))
    record = ConsentRecord(
        phone="+14155550100",
        brand="Acme",
        method=OptInMethod.WEB_FORM,
        captured_at=MONDAY,
        scopes=frozenset({UseCase.MARKETING}),
        express=True,
        source_url="https://acme.example.com/signup",
    )
    ledger.grant(record)
    key = "consent:log:+14155550100:acme"
    _, raw = storage.read(key)[-1]
    import json

    header, _, body = raw.partition("\n")
    assert header.startswith("@3|")
    data = json.loads(body)
    assert data["state"]["record"] == "event"  # written once, in the event
    data["record"].update(change)
    corrupt = MemoryStorage()
    corrupt.append(key, json.dumps(data))
    with pytest.raises(StorageError):
        ledger_mod.ConsentLedger(corrupt).current("+14155550100", "Acme")


# ---------------------------------------------------------------- quiet hours
@settings(max_examples=150)
@given(
    minute=st.integers(0, 60 * 24 * 14),
    seconds=st.lists(st.floats(0, 59.999999, allow_nan=False), min_size=2, max_size=4),
    number=st.sampled_from(["+13055550123", "+14155550100", "+19075550100", "+18005550100"]),
    use_case=st.sampled_from([UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS]),
)
def test_minute_facts_cache_never_changes_a_quiet_hours_answer(
    minute: int, seconds: list[float], number: str, use_case: UseCase
) -> None:
    base = datetime(2026, 3, 6, 0, 0, tzinfo=UTC) + timedelta(minutes=minute)
    reused = QuietHours()
    for s in seconds:
        at = base + timedelta(seconds=s)
        fresh = QuietHours().check(number, at, use_case=use_case)
        assert reused.check(number, at, use_case=use_case) == fresh


def test_minute_facts_cache_is_bounded() -> None:
    quiet = QuietHours()
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for i in range(5_000):
        quiet.check("+14155550100", start + timedelta(minutes=i), use_case=UseCase.MARKETING)
    assert 0 < len(quiet._facts) <= 4_096


def test_instants_before_1970_are_not_cached() -> None:
    quiet = QuietHours()
    quiet.check("+14155550100", datetime(1925, 6, 1, 19, tzinfo=UTC), use_case=UseCase.MARKETING)
    assert not quiet._facts


# ---------------------------------------------------------------- ramp
@settings(max_examples=60)
@given(steps=st.lists(st.integers(1, 7 * 60), min_size=1, max_size=40))
def test_local_day_cache_follows_local_midnight(steps: list[int]) -> None:
    # New York changes to daylight time on 2026-03-08: days of 23 hours.
    schedule = RampSchedule(tz="America/New_York")
    clock = ManualClock(datetime(2026, 3, 6, 12, tzinfo=UTC))
    ramp = RampUpLimiter(schedule, storage=MemoryStorage(), clock=clock)
    for step in steps:
        clock.advance(timedelta(minutes=step * 7))
        now = clock.now()
        grant = ramp.reserve("acct", 1)
        assert grant.resets_at == next_local_midnight(now, schedule.zone)
        day = now.astimezone(schedule.zone).date().isoformat()
        assert ramp.storage.get_counter(f"ramp:count:acct:{day}") >= 1


def test_reserve_refuses_bad_arguments_on_the_fast_path() -> None:
    ramp = RampUpLimiter(storage=MemoryStorage(), clock=ManualClock(MONDAY))
    for account in ("", "   ", 5, None, "x" * 201):
        with pytest.raises(InvalidArgument):
            ramp.reserve(account, 1)  # type: ignore[arg-type]
    for count in (-1, True, 1.0, "1"):
        with pytest.raises(InvalidArgument):
            ramp.reserve("acct", count)  # type: ignore[arg-type]


# ---------------------------------------------------------------- engine
def _engine(**kwargs: object) -> PolicyEngine:
    engine = PolicyEngine(storage=MemoryStorage(), clock=ManualClock(MONDAY), **kwargs)  # type: ignore[arg-type]
    for to in ("+14155550100", "+13055550123"):
        engine.consent.grant(
            ConsentRecord(
                phone=to,
                brand="Acme",
                account="acct",
                method=OptInMethod.WEB_FORM,
                captured_at=MONDAY,
                scopes=frozenset({UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS}),
                express=True,
                source_url="https://acme.example.com/signup",
            )
        )
    engine.ramp.set_override("acct", 10_000)
    return engine


BODIES = [
    "Your order #12 has shipped.",
    "Casino night! Free spins for new players http://bit.ly/x1",
    "Acme: 20% off today. Reply STOP to opt out",
    "Hi",  # an empty body is refused at construction (issue 20)
]


def test_content_cache_gives_the_decisions_of_a_fresh_engine() -> None:
    warm = _engine()
    msgs = [
        OutboundMessage("acct", SENDER, "+14155550100", body, brand="Acme") for body in BODIES * 3
    ]
    for m in msgs:
        assert warm.check(m) == _engine().check(m)
        for initial in (True, False):
            assert warm.content_for(m, initial) == _engine().content_for(m, initial)
    assert warm.authorize_bulk(msgs) == _engine().authorize_bulk(msgs)
    # later messages of the conversation (not initial) hit other entries
    assert warm.authorize_bulk(msgs).decisions[0].initial is False


def test_content_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _CONTENT_CACHE_SIZE == 8_192  # the shipped bound
    size = 64  # the same behaviour on a small bound, in a fraction of the time
    monkeypatch.setattr(engine_mod, "_CONTENT_CACHE_SIZE", size)
    engine = _engine()
    for i in range(size + 10):
        engine.check(OutboundMessage("acct", SENDER, "+14155550100", f"note {i}", brand="Acme"))
    assert engine._content_cached.cache_info().currsize == size  # full, never past, never emptied
    # the most recent body is still remembered
    hits = engine._content_cached.cache_info().hits
    engine.check(OutboundMessage("acct", SENDER, "+14155550100", f"note {size + 9}", brand="Acme"))
    assert engine._content_cached.cache_info().hits == hits + 1


def test_capped_marketing_is_still_reserved_in_bulk() -> None:
    # Florida (305): at most 3 marketing messages per 24 h; California: no cap.
    engine = _engine()
    fl = [
        OutboundMessage("acct", SENDER, "+13055550123", f"Sale {i}: 10% off. Reply STOP to opt out",
                        brand="Acme", use_case=UseCase.MARKETING)
        for i in range(5)
    ]  # fmt: skip
    ca = [
        OutboundMessage("acct", SENDER, "+14155550100", f"Sale {i}: 10% off. Reply STOP to opt out",
                        brand="Acme", use_case=UseCase.MARKETING)
        for i in range(5)
    ]  # fmt: skip
    result = engine.authorize_bulk(fl + ca)
    allowed = [d.allowed for d in result.decisions]
    assert allowed[:5] == [True, True, True, False, False]
    assert all(allowed[5:])
    assert "quiet_hours" in result.decisions[3].codes
    # the reservations were written: a later single send is refused too
    assert not engine.authorize(fl[0]).allowed
    assert engine.authorize(ca[0]).allowed


def test_exempt_use_case_with_a_bad_state_still_raises() -> None:
    # Since issue 20 the bad state is refused when the message is built,
    # before any engine fast path could skip the check.
    with pytest.raises(InvalidArgument):
        OutboundMessage("acct", SENDER, "+14155550100", "Your order shipped.", brand="Acme",
                        state="ZZ")  # fmt: skip


# ---------------------------------------------------------------- storage
def test_key_fast_paths_refuse_what_the_checks_refuse() -> None:
    assert check_keys(("a", "b")) == ["a", "b"]
    assert check_items({"a": "1"}) == [("a", "1")]
    for bad in (["a", ""], ["a", 5], ["x" * (MAX_KEY_LENGTH + 1)], "abc", b"ab", 5):
        with pytest.raises(InvalidArgument):
            check_keys(bad)
    for bad_items in ({"": "1"}, {"a": 1}, {5: "1"}, [("a", "1")]):
        with pytest.raises(InvalidArgument):
            check_items(bad_items)


def test_memory_reserve_fast_path_arguments() -> None:
    store = MemoryStorage()
    assert store.reserve("k", 2, 5, 60) == (2, 2)  # an int ttl is fine
    assert store.reserve("k", 9, 5, 60.0) == (3, 5)
    for args in (("k", True, 5), ("k", 1, -1), ("", 1, 5), ("k", 1.0, 5)):
        with pytest.raises(InvalidArgument):
            store.reserve(*args)
    for ttl in (math.nan, 0.0, -1.0, "60"):
        with pytest.raises(InvalidArgument):
            store.reserve("k", 1, 5, ttl)  # type: ignore[arg-type]
    store.close()
    with pytest.raises(StorageError):
        store.reserve("k", 1, 5)
    with pytest.raises(StorageError):
        store.get_many(["k"])


@settings(max_examples=40, deadline=None)
@given(
    record=_RECORDS,
    steps=st.lists(
        st.sampled_from(["grant", "revoke", "reinstate"]), min_size=1, max_size=6
    ).filter(lambda s: s[0] != "reinstate"),
)
def test_decision_state_decoding_equals_full_decoding(
    record: ConsentRecord, steps: list[str]
) -> None:
    """The state-only decoding behind ``states()`` (issue 13, item 4: a
    larger cache of states alone) gives the state the full decoding gives,
    entry by entry, and the ledger answers the same through both."""
    from a2p_policy._consent.ledger import ConsentLedger

    store = MemoryStorage()
    ledger = ConsentLedger(storage=store, clock=ManualClock(datetime(2030, 6, 1, tzinfo=UTC)))
    phone, brand = record.phone, record.brand
    for step in steps:
        if step == "grant":
            ledger.grant(record)
        elif step == "revoke":
            ledger.revoke(phone, brand)
        else:
            ledger.reinstate(phone, brand)
    _, _, key, _ = ledger._pair(phone, brand)
    entries = store.read(key)
    assert entries  # a grant or a revocation is always recorded
    for version, raw in entries:
        assert ledger_mod._decode_state(version, raw) == ledger_mod._decode(version, raw)[1]
    assert ledger.states([(phone, brand)]) == [ledger.current(phone, brand)]


def test_decision_state_decoding_fails_closed_on_a_corrupt_entry() -> None:
    for raw in ('{"format": 2, "kind": "NOPE"}', "not json", '{"format": 9}'):
        with pytest.raises(StorageError):
            ledger_mod._decode_state(1, raw)
