"""Invariants of the port on every backend, and fuzzing with junk arguments.

Each example uses a fresh key on a module-wide backend (``shared_storage``),
so examples never see each other's state.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy.errors import A2PPolicyError
from a2p_policy.storage.base import Storage


def _key() -> str:
    return f"prop:{uuid.uuid4().hex}"


OPS = st.lists(
    st.tuples(st.sampled_from(["reserve", "release"]), st.integers(0, 2**40)),
    max_size=25,
)


@settings(max_examples=60)
@given(limit=st.integers(0, 2**40) | st.integers(0, 50), ops=OPS)
def test_reserve_never_passes_limit(shared_storage: Storage, limit: int, ops: Any) -> None:
    s = shared_storage
    key = _key()
    counter = 0
    for op, amount in ops:
        if op == "reserve":
            granted, used = s.reserve(key, amount, limit)
            assert 0 <= granted <= amount
            assert granted == min(amount, max(0, limit - counter))
            counter += granted
        else:
            used = s.release(key, amount)
            counter = max(0, counter - amount)
        assert used == counter
        assert 0 <= used <= limit
    assert s.get_counter(key) == counter


@settings(max_examples=40)
@given(amounts=st.lists(st.integers(0, 30), max_size=40), limit=st.integers(0, 200))
def test_reserve_total_granted_is_min_of_demand_and_limit(
    shared_storage: Storage, amounts: list[int], limit: int
) -> None:
    key = _key()
    total = sum(shared_storage.reserve(key, a, limit)[0] for a in amounts)
    assert total == min(sum(amounts), limit)
    assert shared_storage.get_counter(key) == total


@settings(max_examples=40)
@given(
    deltas=st.lists(
        st.dictionaries(st.text(min_size=1, max_size=4), st.integers(-(2**40), 2**40)), max_size=8
    )
)
def test_add_counts_sums_per_field(shared_storage: Storage, deltas: list[dict[str, int]]) -> None:
    key = _key()
    want: dict[str, int] = {}
    for d in deltas:
        for f, v in d.items():
            want[f] = want.get(f, 0) + v
        assert shared_storage.add_counts(key, d) == want
    assert shared_storage.get_counts([key]) == [want]


@settings(max_examples=40)
@given(entries=st.lists(st.text(max_size=20), max_size=15), page=st.integers(1, 6))
def test_log_round_trips_any_text_in_order(
    shared_storage: Storage, entries: list[str], page: int
) -> None:
    key = _key()
    for i, e in enumerate(entries, start=1):
        assert shared_storage.append(key, e) == i
    assert shared_storage.read(key) == list(enumerate(entries, start=1))
    paged: list[tuple[int, str]] = []
    after = 0
    for _ in range(len(entries) + 1):  # bounded: a broken backend fails, not hangs
        chunk = shared_storage.read(key, after=after, limit=page)
        if not chunk:
            break
        assert len(chunk) <= page
        assert all(v > after for v, _ in chunk)
        paged.extend(chunk)
        after = chunk[-1][0]
    assert paged == list(enumerate(entries, start=1))
    last = (len(entries), entries[-1]) if entries else None
    assert shared_storage.last_many([key]) == [last]


@settings(max_examples=40)
@given(value=st.text(), other=st.text())
def test_values_round_trip_any_text(shared_storage: Storage, value: str, other: str) -> None:
    key = _key()
    assert shared_storage.put_if_absent(key, value) is True
    assert shared_storage.get(key) == value
    assert shared_storage.compare_and_set(key, value, other) is True
    assert shared_storage.get_many([key]) == [other]


@settings(max_examples=40)
@given(
    events=st.lists(
        st.tuples(st.sampled_from("abcde"), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=20,
    ),
    window=st.floats(0.001, 1e5),
)
def test_touch_counts_members_seen_inside_window(
    shared_storage: Storage, events: list[tuple[str, float]], window: float
) -> None:
    key = _key()
    seen: dict[str, float] = {}
    for member, at in events:
        seen[member] = max(at, seen.get(member, at))
        seen = {m: t for m, t in seen.items() if t > at - window}
        count = shared_storage.touch(key, member, at, window)
        assert count == len(seen)
        assert count >= 1


# ------------------------------------------------------------------ fuzz

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=5),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)

_CALLS: dict[str, Any] = {
    "reserve": lambda s, a, b, c: s.reserve(a, b, c),
    "reserve_ttl": lambda s, a, b, c: s.reserve("fuzz:r", 1, a, ttl=b),
    "release": lambda s, a, b, c: s.release(a, b),
    "get_counter": lambda s, a, b, c: s.get_counter(a),
    "add_counts": lambda s, a, b, c: s.add_counts(a, b, c),
    "get_counts": lambda s, a, b, c: s.get_counts(a),
    "get": lambda s, a, b, c: s.get(a),
    "get_many": lambda s, a, b, c: s.get_many(a),
    "put": lambda s, a, b, c: s.put(a, b, c),
    "put_many": lambda s, a, b, c: s.put_many(a, b),
    "put_if_absent": lambda s, a, b, c: s.put_if_absent(a, b, c),
    "compare_and_set": lambda s, a, b, c: s.compare_and_set("fuzz:c", a, b, c),
    "delete": lambda s, a, b, c: s.delete(a),
    "append": lambda s, a, b, c: s.append(a, b, expect_version=c),
    "read": lambda s, a, b, c: s.read("fuzz:l", after=a, limit=b),
    "last_many": lambda s, a, b, c: s.last_many(a),
    "touch": lambda s, a, b, c: s.touch("fuzz:t", a, b, c),
}


@settings(max_examples=300)
@given(op=st.sampled_from(sorted(_CALLS)), a=JUNK, b=JUNK, c=JUNK)
def test_fuzz_any_arguments_answer_or_raise_library_error(
    shared_storage: Storage, op: str, a: Any, b: Any, c: Any
) -> None:
    with contextlib.suppress(A2PPolicyError):
        _CALLS[op](shared_storage, a, b, c)
