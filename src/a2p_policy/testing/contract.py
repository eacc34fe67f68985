"""The storage port's contract as a reusable pytest base class.

A third-party backend proves it honours the port the same way the library's
own four backends do: subclass :class:`StorageContract` in a test module and
override the ``storage`` fixture to yield a fresh, empty backend::

    import pytest
    from a2p_policy.testing.contract import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            store = MyStorage(tmp_path / "db")
            yield store
            store.close()

Every test of the class then runs against that backend: counters
(``reserve`` never passes its limit, ``release`` never below 0), hashes,
values (``put_if_absent``, ``compare_and_set``), logs (versions,
``expect_version``, paging), recency sets, TTLs, argument checking
(``InvalidArgument`` everywhere, nothing written), lifecycle, property
tests of the invariants (``reserve`` never passes its limit, sums, logs and
values round-trip any text, recency-set counts), fuzzing with junk arguments
(an answer or an ``A2PPolicyError``, nothing else), and the key
scheme (keys built by :func:`~a2p_policy.storage.base.make_key` from hostile
parts never collide and read back). The contract itself is the docstrings of
:mod:`a2p_policy.storage.base`; :class:`~a2p_policy.storage.memory.MemoryStorage`
is the reference. Needs pytest and hypothesis (the ``test`` extra).

Some tests sleep briefly (TTLs of 50 ms to 1 s); a backend whose TTLs are
coarser than that should document it and skip those tests by name.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2p_policy._errors import A2PPolicyError, InvalidArgument
from a2p_policy.storage.base import (
    MAX_KEY_LENGTH,
    CommitPlan,
    Reservation,
    Storage,
    make_key,
)

__all__ = ["HOSTILE_CHARACTERS", "StorageContract", "hostile_key_parts"]

_BAD_KEYS: list[Any] = ["", None, 5, b"k", "x" * (MAX_KEY_LENGTH + 1), ["k"]]

#: Characters that forged or broke keys in the past: the separator, Redis
#: hash-tag braces and glob characters, the escape itself, NUL, line breaks,
#: quotes and a lone surrogate.
HOSTILE_CHARACTERS: tuple[str, ...] = (
    ":",
    "{",
    "}",
    "*",
    "?",
    "[",
    "]",
    "\\",
    "%",
    "\x00",
    "\n",
    "\r",
    "\t",
    '"',
    "'",
    " ",
    "\udc80",
)


def hostile_key_parts() -> st.SearchStrategy[str]:
    """Key parts made mostly of :data:`HOSTILE_CHARACTERS`, sometimes very
    long (up to 10,000 characters), never empty."""
    alphabet = st.sampled_from(HOSTILE_CHARACTERS) | st.characters(codec="utf-8")
    short = st.text(alphabet, min_size=1, max_size=12)
    long = st.builds(
        lambda c, n: c * n, st.sampled_from(HOSTILE_CHARACTERS), st.integers(1, 10_000)
    )
    return short | long | st.sampled_from(["n:p", "n", "p:q", "q", "%3A", "%25"])


_TUPLES = st.lists(st.lists(hostile_key_parts(), min_size=1, max_size=3), min_size=1, max_size=8)

#: Hypothesis examples reuse the test's backend: each example uses fresh keys.
_FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _key() -> str:
    return f"prop:{uuid.uuid4().hex}"


OPS = st.lists(
    st.tuples(st.sampled_from(["reserve", "release"]), st.integers(0, 2**40)),
    max_size=25,
)


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
    "snapshot": lambda s, a, b, c: s.snapshot(a, b, c),
    "commit": lambda s, a, b, c: s.commit(a),
}

#: CommitPlan without its type hints: the bad plans below are deliberate.
_Plan: Any = CommitPlan
_BAD_PLANS: list[Any] = [
    None,
    {"guards": []},
    _Plan(guards=[("k",)]),
    _Plan(guards=[("", None)]),
    _Plan(guards=[("k", 5)]),
    _Plan(guards="k"),
    _Plan(reserve=("k", 1, 1)),
    _Plan(reserve=Reservation("k", -1, 1)),
    _Plan(reserve=Reservation("k", 1, -1)),
    _Plan(reserve=Reservation("k", 1, 1, ttl=0)),
    _Plan(puts=[("k", None, 0)]),
    _Plan(puts=[("k", "v", 1.5)]),
    _Plan(puts=[("k", "v", True)]),
    _Plan(puts=[("k", "v")]),
    _Plan(counts=[("k", "", 1, 0)]),
    _Plan(counts=[("k", "f", 2**63, 0)]),
    _Plan(counts=[("k", "f", 1, "1")]),
    _Plan(put_ttl=-1.0),
    _Plan(count_ttl=float("nan")),
]


class StorageContract:
    """The storage port's contract; override :meth:`storage` (see the module
    docstring). Not collected by itself (its name does not start with
    ``Test``); a subclass named ``Test...`` is."""

    @pytest.fixture
    def storage(self) -> Storage:
        """A fresh, empty backend per test; subclasses must override it
        (usually as a ``yield`` fixture that closes the backend after)."""
        raise NotImplementedError("override the storage fixture in your StorageContract subclass")

    # ------------------------------------------------------------------ key scheme

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=_FIXTURE_OK,
    )
    @given(tuples=_TUPLES)
    def test_hostile_key_parts_never_share_a_key_and_read_back(
        self, storage: Storage, tuples: list[list[str]]
    ) -> None:
        run = uuid.uuid4().hex  # examples share the backend: a fresh namespace each
        distinct = list(dict.fromkeys(tuple(t) for t in tuples))
        keys = [make_key("contract", run, *t) for t in distinct]
        assert len(set(keys)) == len(keys)  # distinct tuples, distinct keys
        assert all(len(k) <= MAX_KEY_LENGTH for k in keys)
        values = {k: f"value {i} {k}" for i, k in enumerate(keys)}
        for i, k in enumerate(keys):
            storage.put(k, values[k])
            storage.append(k, values[k])
            storage.add_counts(k, {"n": i + 1})
            assert storage.reserve(k, i + 1, 1000) == (i + 1, i + 1)
        assert storage.get_many(keys) == [values[k] for k in keys]
        assert storage.last_many(keys) == [(1, values[k]) for k in keys]
        assert storage.get_counts(keys) == [{"n": i + 1} for i in range(len(keys))]
        for i, k in enumerate(keys):
            assert storage.get(k) == values[k]
            assert storage.get_counter(k) == i + 1
            assert storage.read(k) == [(1, values[k])]

    def test_keys_with_nul_and_newline_work_in_bulk_reads(self, storage: Storage) -> None:
        keys = ["dnd:a\x00b:+14155550123", "dnd:a\nb:+14155550123", "dnd:a:+14155550123"]
        for i, k in enumerate(keys):
            storage.put(k, f"v{i}")
            storage.append(k, f"e{i}")
            storage.add_counts(k, {"f": i + 1})
        assert storage.get_many(keys) == ["v0", "v1", "v2"]
        assert storage.last_many(keys) == [(1, "e0"), (1, "e1"), (1, "e2")]
        assert storage.get_counts(keys) == [{"f": 1}, {"f": 2}, {"f": 3}]

    # ------------------------------------------------------------------ reserve

    def test_reserve_grants_until_limit_then_partially_then_nothing(self, storage: Storage) -> None:
        s = storage
        assert s.reserve("c", 4, 10) == (4, 4)
        assert s.reserve("c", 4, 10) == (4, 8)
        assert s.reserve("c", 4, 10) == (2, 10)  # partial grant
        assert s.reserve("c", 4, 10) == (0, 10)
        assert s.get_counter("c") == 10

    def test_reserve_amount_zero_only_reads(self, storage: Storage) -> None:
        s = storage
        assert s.reserve("c", 0, 10) == (0, 0)
        assert s.delete("c") is False  # reading created nothing
        s.reserve("c", 3, 10)
        assert s.reserve("c", 0, 10) == (0, 3)
        assert s.get_counter("c") == 3

    def test_reserve_limit_zero_grants_nothing(self, storage: Storage) -> None:
        s = storage
        assert s.reserve("c", 5, 0) == (0, 0)
        assert s.get_counter("c") == 0
        assert s.delete("c") is False

    def test_reserve_with_lower_limit_than_current_grants_nothing(self, storage: Storage) -> None:
        s = storage
        s.reserve("c", 8, 10)
        assert s.reserve("c", 1, 5) == (0, 8)
        assert s.get_counter("c") == 8

    def test_reserve_huge_numbers(self, storage: Storage) -> None:
        s = storage
        assert s.reserve("c", 10**30, 1000) == (1000, 1000)
        assert s.release("c", 10**30) == 0

    def test_release_never_below_zero(self, storage: Storage) -> None:
        s = storage
        s.reserve("c", 5, 10)
        assert s.release("c", 2) == 3
        assert s.release("c", 10) == 0
        assert s.get_counter("c") == 0
        assert s.reserve("c", 4, 10) == (4, 4)

    def test_release_missing_counter_is_zero_and_creates_nothing(self, storage: Storage) -> None:
        s = storage
        assert s.release("nope", 3) == 0
        assert s.release("nope", 0) == 0
        assert s.get_counter("nope") == 0
        assert s.delete("nope") is False

    def test_release_then_reserve_reuses_capacity(self, storage: Storage) -> None:
        s = storage
        assert s.reserve("c", 10, 10) == (10, 10)
        assert s.release("c", 4) == 6
        assert s.reserve("c", 10, 10) == (4, 10)

    def test_counters_are_independent_per_key(self, storage: Storage) -> None:
        s = storage
        s.reserve("a", 3, 10)
        s.reserve("b", 7, 10)
        assert (s.get_counter("a"), s.get_counter("b")) == (3, 7)

    # ------------------------------------------------------------------ hashes

    def test_add_counts_adds_and_returns_whole_hash(self, storage: Storage) -> None:
        s = storage
        assert s.add_counts("h", {"sent": 2}) == {"sent": 2}
        assert s.add_counts("h", {"sent": 1, "failed": 1}) == {"sent": 3, "failed": 1}
        assert s.add_counts("h", {"sent": -5}) == {"sent": -2, "failed": 1}
        assert s.add_counts("h", {}) == {"sent": -2, "failed": 1}

    def test_get_counts_in_order_with_missing_as_empty(self, storage: Storage) -> None:
        s = storage
        s.add_counts("h1", {"x": 1})
        s.add_counts("h2", {"y": 2}, ttl=3600)
        assert s.get_counts(["h2", "missing", "h1", "h2"]) == [{"y": 2}, {}, {"x": 1}, {"y": 2}]
        assert s.get_counts([]) == []

    def test_add_counts_zero_delta_creates_field(self, storage: Storage) -> None:
        s = storage
        assert s.add_counts("h", {"a": 0}) == {"a": 0}
        assert s.get_counts(["h"]) == [{"a": 0}]

    # ------------------------------------------------------------------ values

    def test_put_get_overwrite(self, storage: Storage) -> None:
        s = storage
        assert s.get("v") is None
        s.put("v", "1")
        s.put("v", "2", ttl=3600)
        assert s.get("v") == "2"
        s.put("v", "")
        assert s.get("v") == ""  # the empty string is a value, not absence

    def test_get_many_in_order(self, storage: Storage) -> None:
        s = storage
        s.put("a", "A")
        s.put("b", "B")
        assert s.get_many(["b", "x", "a", "b"]) == ["B", None, "A", "B"]
        assert s.get_many([]) == []

    def test_put_many_sets_all_last_writer_wins(self, storage: Storage) -> None:
        s = storage
        s.put("a", "old", ttl=0.05)
        s.put_many({"a": "A", "b": "B"})
        s.put_many({"c": "C"}, ttl=3600)
        s.put_many({})
        assert s.get_many(["a", "b", "c"]) == ["A", "B", "C"]
        assert s.put_if_absent("b", "x") is False
        time.sleep(0.1)
        assert s.get("a") == "A"  # put_many without ttl made it persistent

    def test_put_many_is_all_or_nothing_on_bad_items(self, storage: Storage) -> None:
        s = storage
        bad: Any = {"ok": "v", "": "v"}
        with pytest.raises(InvalidArgument):
            s.put_many(bad)
        assert s.get("ok") is None

    def test_put_many_expires(self, storage: Storage) -> None:
        s = storage
        s.put_many({"a": "1", "b": "2"}, ttl=0.05)
        time.sleep(0.12)
        assert s.get_many(["a", "b"]) == [None, None]

    def test_put_if_absent_only_first_wins(self, storage: Storage) -> None:
        s = storage
        assert s.put_if_absent("k", "first") is True
        assert s.put_if_absent("k", "second") is False
        assert s.get("k") == "first"
        assert s.delete("k") is True
        assert s.put_if_absent("k", "third", ttl=60) is True
        assert s.get("k") == "third"

    def test_compare_and_set(self, storage: Storage) -> None:
        s = storage
        assert s.compare_and_set("k", "x", "y") is False  # absent != "x"
        assert s.get("k") is None
        assert s.compare_and_set("k", None, "1") is True  # None: create if absent
        assert s.compare_and_set("k", None, "2") is False
        assert s.compare_and_set("k", "2", "3") is False
        assert s.compare_and_set("k", "1", "2", ttl=60) is True
        assert s.get("k") == "2"
        assert s.compare_and_set("k", "2", None) is True  # None value deletes
        assert s.get("k") is None
        assert s.compare_and_set("k", None, None) is True  # absent stays absent
        s.put("k", "v")
        assert s.compare_and_set("k", None, None) is False
        assert s.get("k") == "v"

    def test_compare_and_set_on_empty_string_is_not_absence(self, storage: Storage) -> None:
        s = storage
        s.put("k", "")
        assert s.compare_and_set("k", None, "x") is False
        assert s.compare_and_set("k", "", "x") is True

    def test_delete_removes_every_kind_and_reports(self, storage: Storage) -> None:
        s = storage
        assert s.delete("k") is False
        for setup in (
            lambda: s.reserve("k", 1, 5),
            lambda: s.add_counts("k", {"a": 1}),
            lambda: s.put("k", "v"),
            lambda: s.append("k", "e"),
            lambda: s.touch("k", "m", 10.0, 5.0),
        ):
            setup()
            assert s.delete("k") is True
            assert s.delete("k") is False
        assert s.get_counter("k") == 0
        assert s.get_counts(["k"]) == [{}]
        assert s.get("k") is None
        assert s.read("k") == []
        assert s.touch("k", "other", 10.0, 5.0) == 1

    def test_delete_released_to_zero_counter_still_exists(self, storage: Storage) -> None:
        s = storage
        s.reserve("k", 2, 5)
        s.release("k", 2)
        assert s.delete("k") is True

    # ------------------------------------------------------------------ logs

    def test_append_versions_start_at_one(self, storage: Storage) -> None:
        s = storage
        assert [s.append("log", e) for e in "abc"] == [1, 2, 3]
        assert s.read("log") == [(1, "a"), (2, "b"), (3, "c")]

    def test_append_expect_version(self, storage: Storage) -> None:
        s = storage
        assert s.append("log", "x", expect_version=1) is None  # empty log is version 0
        assert s.read("log") == []
        assert s.last_many(["log"]) == [None]
        assert s.delete("log") is False  # a failed append leaves nothing behind
        assert s.append("log", "a", expect_version=0) == 1
        assert s.append("log", "b", expect_version=0) is None  # conflict
        assert s.append("log", "b", expect_version=1) == 2
        assert s.append("log", "c", expect_version=1) is None
        assert s.append("log", "c", expect_version=5) is None
        assert s.append("log", "c") == 3
        assert s.append("log", "d", expect_version=3) == 4
        assert s.read("log") == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]

    def test_append_huge_expect_version_conflicts(self, storage: Storage) -> None:
        s = storage
        s.append("log", "a")
        assert s.append("log", "b", expect_version=2**70) is None
        assert s.read("log") == [(1, "a")]

    def test_read_paging(self, storage: Storage) -> None:
        s = storage
        for i in range(1, 8):
            s.append("log", f"e{i}")
        assert s.read("log", after=0, limit=3) == [(1, "e1"), (2, "e2"), (3, "e3")]
        assert s.read("log", after=3, limit=3) == [(4, "e4"), (5, "e5"), (6, "e6")]
        assert s.read("log", after=6, limit=3) == [(7, "e7")]
        assert s.read("log", after=7, limit=3) == []
        assert s.read("log", after=100) == []
        assert s.read("log", after=2, limit=0) == []
        assert s.read("log", after=5) == [(6, "e6"), (7, "e7")]
        assert s.read("log", after=0, limit=10**30) == s.read("log")
        assert s.read("missing") == []

    def test_read_pages_cover_log_exactly_once(self, storage: Storage) -> None:
        s = storage
        entries = [f"e{i}" for i in range(23)]
        for e in entries:
            s.append("log", e)
        seen: list[tuple[int, str]] = []
        after = 0
        for _ in range(len(entries) + 1):  # bounded: a broken backend fails, not hangs
            page = s.read("log", after=after, limit=5)
            if not page:
                break
            assert all(v > after for v, _ in page)
            seen.extend(page)
            after = page[-1][0]
        assert seen == list(enumerate(entries, start=1))

    def test_last_many_order_and_missing(self, storage: Storage) -> None:
        s = storage
        s.append("a", "a1")
        s.append("b", "b1")
        s.append("a", "a2")
        s.append("b", "b2")
        s.append("b", "b3")
        assert s.last_many(["b", "none", "a", "b"]) == [(3, "b3"), None, (2, "a2"), (3, "b3")]
        assert s.last_many([]) == []

    def test_logs_keep_entries_verbatim(self, storage: Storage) -> None:
        s = storage
        odd = [
            "",
            " ",
            "{}",
            "null",
            "line\nbreak",
            "nul\x00byte",
            "émoji 🚀",
            "'; DROP TABLE logs; --",
        ]
        for e in odd:
            s.append("log", e)
        assert [e for _, e in s.read("log")] == odd
        assert s.last_many(["log"]) == [(len(odd), odd[-1])]

    # ------------------------------------------------------------------ recency sets

    def test_touch_counts_distinct_members_in_window(self, storage: Storage) -> None:
        s = storage
        assert s.touch("set", "a", 100.0, 10.0) == 1
        assert s.touch("set", "a", 101.0, 10.0) == 1  # same member
        assert s.touch("set", "b", 105.0, 10.0) == 2
        assert s.touch("set", "c", 111.0, 10.0) == 2  # a (last 101) is at the cutoff: gone
        assert s.touch("set", "d", 200.0, 10.0) == 1

    def test_touch_cutoff_is_inclusive(self, storage: Storage) -> None:
        s = storage
        s.touch("set", "a", 0.0, 5.0)
        assert s.touch("set", "b", 5.0, 5.0) == 1  # a seen at exactly at - window
        s.touch("set2", "a", 0.0, 5.0)
        assert s.touch("set2", "b", 4.999, 5.0) == 2

    def test_touch_out_of_order_times_keep_latest_sighting(self, storage: Storage) -> None:
        s = storage
        assert s.touch("set", "a", 100.0, 10.0) == 1
        assert s.touch("set", "a", 50.0, 10.0) == 1  # older sighting does not move a back
        # at=108, cutoff=98: a (100) still inside
        assert s.touch("set", "b", 108.0, 10.0) == 2
        # late event at 60: cutoff 50, nobody forgotten; c counted
        assert s.touch("set", "c", 60.0, 10.0) == 3
        # at=111: cutoff 101 forgets a (100) and c (60); b (108) stays
        assert s.touch("set", "d", 111.0, 10.0) == 2

    def test_touch_window_per_call(self, storage: Storage) -> None:
        s = storage
        s.touch("set", "a", 0.0, 1000.0)
        s.touch("set", "b", 50.0, 1000.0)
        assert s.touch("set", "c", 100.0, 60.0) == 2  # narrower window forgets a

    def test_touch_negative_and_fractional_times(self, storage: Storage) -> None:
        s = storage
        assert s.touch("set", "a", -10.5, 1.0) == 1
        assert s.touch("set", "b", -10.0, 1.0) == 2
        assert s.touch("set", "c", -9.5, 1.0) == 2

    # ------------------------------------------------------------------ TTL

    def test_expired_records_read_as_missing(self, storage: Storage) -> None:
        s = storage
        s.reserve("c", 5, 10, ttl=0.05)
        s.add_counts("h", {"a": 1}, ttl=0.05)
        s.put("v", "x", ttl=0.05)
        assert s.put_if_absent("p", "x", ttl=0.05) is True
        s.reserve("keep", 5, 10, ttl=3600)
        s.put("keep", "y", ttl=3600)
        time.sleep(0.12)
        assert s.get_counter("c") == 0
        assert s.reserve("c", 7, 10) == (7, 7)  # a fresh window, not 5 + 7
        assert s.get_counts(["h"]) == [{}]
        assert s.add_counts("h", {"a": 1}) == {"a": 1}
        assert s.get("v") is None
        assert s.get_many(["v", "keep"]) == [None, "y"]
        assert s.put_if_absent("p", "again") is True
        assert s.get_counter("keep") == 5
        assert s.release("c", 0) == 7

    def test_expired_record_delete_reports_false(self, storage: Storage) -> None:
        s = storage
        s.put("v", "x", ttl=0.05)
        time.sleep(0.12)
        assert s.delete("v") is False
        assert s.compare_and_set("v", "x", "y") is False
        assert s.compare_and_set("v", None, "y") is True

    def test_put_without_ttl_clears_previous_ttl(self, storage: Storage) -> None:
        s = storage
        s.put("v", "x", ttl=0.05)
        s.put("v", "y")
        s.put("w", "x", ttl=0.05)
        assert s.compare_and_set("w", "x", "z") is True  # no ttl: persistent now
        time.sleep(0.12)
        assert s.get("v") == "y"
        assert s.get("w") == "z"

    def test_reserve_without_ttl_keeps_counter_ttl(self, storage: Storage) -> None:
        s = storage
        s.reserve("c", 1, 10, ttl=0.05)
        s.reserve("c", 1, 10)  # ttl None: the window key keeps expiring
        time.sleep(0.12)
        assert s.get_counter("c") == 0

    def test_touch_window_expires_idle_set(self, storage: Storage) -> None:
        s = storage
        s.touch("set", "a", 1000.0, 0.05)
        time.sleep(0.12)
        # after the window passed on the backend's clock the set may be dropped;
        # either way the answer follows the caller's times
        assert s.touch("set", "b", 1000.01, 0.05) in (1, 2)
        assert s.touch("set2", "a", 1000.0, 3600.0) == 1

    def test_ttl_gc_does_not_disturb_live_keys(self, storage: Storage) -> None:
        """Many short-lived window keys expire while long-lived keys keep their
        exact state (keyed correctness does not depend on GC)."""
        s = storage
        for day in range(30):
            s.reserve(f"ramp:acct:{day}", 3, 10, ttl=0.02)
            s.put(f"idem:{day}", "done", ttl=0.02)
        s.reserve("ramp:acct:today", 4, 10, ttl=3600)
        s.append("consent:+15551234567", "opt-in")
        time.sleep(0.08)
        for day in range(30):
            assert s.reserve(f"ramp:acct:{day}", 0, 10) == (0, 0)
            assert s.put_if_absent(f"idem:{day}", "again") is True
        assert s.reserve("ramp:acct:today", 10, 10) == (6, 10)
        assert s.last_many(["consent:+15551234567"]) == [(1, "opt-in")]

    # ------------------------------------------------------------------ lifecycle

    def test_ping_and_close_idempotent(self, storage: Storage) -> None:
        s = storage
        assert s.ping() is True
        s.close()
        s.close()
        assert s.ping() is False

    def test_satisfies_protocol(self, storage: Storage) -> None:
        assert isinstance(storage, Storage)

    # ------------------------------------------------------------------ bad arguments

    @pytest.mark.parametrize("key", _BAD_KEYS, ids=repr)
    def test_bad_keys_rejected_everywhere(self, storage: Storage, key: Any) -> None:
        s: Any = storage
        calls: list[Callable[[], object]] = [
            lambda: s.reserve(key, 1, 1),
            lambda: s.release(key, 1),
            lambda: s.get_counter(key),
            lambda: s.add_counts(key, {"a": 1}),
            lambda: s.get_counts([key]),
            lambda: s.get(key),
            lambda: s.get_many([key]),
            lambda: s.put(key, "v"),
            *([] if isinstance(key, list) else [lambda: s.put_many({key: "v"})]),
            lambda: s.put_if_absent(key, "v"),
            lambda: s.compare_and_set(key, None, "v"),
            lambda: s.delete(key),
            lambda: s.append(key, "e"),
            lambda: s.read(key),
            lambda: s.last_many([key]),
            lambda: s.touch(key, "m", 1.0, 1.0),
        ]
        for call in calls:
            with pytest.raises(InvalidArgument):
                call()

    def test_longest_key_accepted(self, storage: Storage) -> None:
        key = "k" * MAX_KEY_LENGTH
        storage.put(key, "v")
        assert storage.get(key) == "v"

    @pytest.mark.parametrize(
        "call",
        [
            lambda s: s.reserve("k", -1, 5),
            lambda s: s.reserve("k", 1, -5),
            lambda s: s.reserve("k", 1.5, 5),
            lambda s: s.reserve("k", True, 5),
            lambda s: s.reserve("k", "1", 5),
            lambda s: s.reserve("k", 1, None),
            lambda s: s.reserve("k", 1, 5, ttl=0),
            lambda s: s.reserve("k", 1, 5, ttl=-1),
            lambda s: s.reserve("k", 1, 5, ttl=float("nan")),
            lambda s: s.reserve("k", 1, 5, ttl="60"),
            lambda s: s.release("k", -1),
            lambda s: s.release("k", None),
            lambda s: s.add_counts("k", {"": 1}),
            lambda s: s.add_counts("k", {"a": 1.0}),
            lambda s: s.add_counts("k", {"a": True}),
            lambda s: s.add_counts("k", {1: 1}),
            lambda s: s.add_counts("k", [("a", 1)]),
            lambda s: s.add_counts("k", None),
            lambda s: s.get_counts("k"),
            lambda s: s.get_counts(None),
            lambda s: s.get_many("k"),
            lambda s: s.get_many(b"k"),
            lambda s: s.put("k", None),
            lambda s: s.put("k", 5),
            lambda s: s.put("k", b"v"),
            lambda s: s.put_if_absent("k", None),
            lambda s: s.put_many({"k": None}),
            lambda s: s.put_many({"k": 1}),
            lambda s: s.put_many([("k", "v")]),
            lambda s: s.put_many(None),
            lambda s: s.put_many({"k": "v"}, ttl=0),
            lambda s: s.compare_and_set("k", 5, "v"),
            lambda s: s.compare_and_set("k", None, 5),
            lambda s: s.append("k", None),
            lambda s: s.append("k", "e", expect_version=-1),
            lambda s: s.append("k", "e", expect_version=1.0),
            lambda s: s.read("k", after=-1),
            lambda s: s.read("k", limit=-1),
            lambda s: s.read("k", after=None),
            lambda s: s.last_many("k"),
            lambda s: s.touch("k", None, 1.0, 1.0),
            lambda s: s.touch("k", "m", float("nan"), 1.0),
            lambda s: s.touch("k", "m", float("inf"), 1.0),
            lambda s: s.touch("k", "m", 1.0, 0),
            lambda s: s.touch("k", "m", 1.0, -1.0),
            lambda s: s.touch("k", "m", "1", 1.0),
            lambda s: s.touch("k", "m", 1.0, True),
        ],
    )
    def test_bad_arguments_raise_invalid_argument(self, storage: Storage, call: Any) -> None:
        with pytest.raises(InvalidArgument):
            call(storage)
        # and nothing was written
        assert storage.get_counter("k") == 0
        assert storage.get("k") is None
        assert storage.read("k") == []
        assert storage.delete("k") is False

    def test_invalid_argument_is_value_error_and_library_error(self, storage: Storage) -> None:
        with pytest.raises(ValueError, match="key"):
            storage.get("")
        with pytest.raises(A2PPolicyError):
            storage.get("")

    # ------------------------------------------------------------------ decisions

    def test_snapshot_reads_values_logs_and_counters_in_order(self, storage: Storage) -> None:
        s = storage
        s.put("v1", "a")
        s.put("v3", "")
        s.append("l1", "x")
        s.append("l1", "y")
        s.reserve("c1", 4, 10)
        snap = s.snapshot(["v1", "v2", "v3", "v1"], ["l1", "l2"], ["c1", "c2"])
        assert snap.values == ["a", None, "", "a"]
        assert snap.logs == [(2, "y"), None]
        assert snap.counters == [4, 0]
        assert s.snapshot([]) == ([], [], [])
        assert s.snapshot([], ["l1"]) == ([], [(2, "y")], [])

    def test_snapshot_of_expired_keys_reads_missing(self, storage: Storage) -> None:
        s = storage
        s.put("v", "a", ttl=0.05)
        s.reserve("c", 2, 5, ttl=0.05)
        time.sleep(0.15)
        assert s.snapshot(["v"], [], ["c"]) == ([None], [], [0])

    def test_commit_applies_every_part_in_order(self, storage: Storage) -> None:
        s = storage
        s.put("g1", "one")
        plan = CommitPlan(
            guards=[("g1", "one"), ("g2", None)],
            reserve=Reservation("day", 3, 2, ttl=100.0),
            puts=[("m0", "v0", 0), ("m1", "v1", 1), ("m2", "v2", 2), ("always", "x", -1)],
            put_ttl=100.0,
            counts=[("h", "sent", 1, 1), ("h", "other", 5, 0), ("h2", "zero", 0, 0)],
            count_ttl=100.0,
        )
        done = s.commit(plan)
        assert done.applied
        assert (done.granted, done.used) == (2, 2)
        assert done.current == ["one", None]
        assert done.counts == [{"sent": 3, "other": 5}, {"sent": 3, "other": 5}, {}]
        assert s.get_many(["m0", "m1", "m2", "always"]) == ["v0", "v1", None, "x"]
        assert s.get_counter("day") == 2
        # a zero delta writes nothing: the hash does not exist
        assert s.get_counts(["h", "h2"]) == [{"sent": 3, "other": 5}, {}]
        again = s.commit(plan)
        assert (again.granted, again.used) == (0, 2)
        assert again.counts[0] == {"sent": 4, "other": 10}

    def test_commit_with_a_stale_guard_writes_nothing(self, storage: Storage) -> None:
        s = storage
        s.put("g", "new")
        plan = CommitPlan(
            guards=[("g", "old"), ("absent", None)],
            reserve=Reservation("day", 1, 5),
            puts=[("m", "v", -1)],
            counts=[("h", "sent", 1, 0)],
        )
        done = s.commit(plan)
        assert not done.applied
        assert (done.granted, done.used, done.counts) == (0, 0, [])
        assert done.current == ["new", None]
        assert s.get_counter("day") == 0
        assert s.get("m") is None
        assert s.get_counts(["h"]) == [{}]
        assert s.commit(plan._replace(guards=[("g", "new")])).applied

    def test_commit_without_reservation_grants_nothing(self, storage: Storage) -> None:
        s = storage
        done = s.commit(CommitPlan(puts=[("a", "1", 0), ("b", "2", -1)], counts=[("h", "f", 2, 7)]))
        assert done.applied
        assert (done.granted, done.used) == (0, 0)
        assert s.get_many(["a", "b"]) == [None, "2"]
        assert done.counts == [{"f": 2}]
        assert s.commit(CommitPlan()) == (True, 0, 0, [], [])

    def test_commit_is_all_or_nothing_when_a_count_overflows(self, storage: Storage) -> None:
        s = storage
        s.add_counts("h", {"f": 2**63 - 2})
        plan = CommitPlan(
            reserve=Reservation("day", 1, 5),
            puts=[("m", "v", -1)],
            counts=[("h2", "g", 1, 0), ("h", "f", 5, 0)],
        )
        with pytest.raises(InvalidArgument):
            s.commit(plan)
        assert s.get_counter("day") == 0
        assert s.get("m") is None
        assert s.get_counts(["h", "h2"]) == [{"f": 2**63 - 2}, {}]

    def test_commit_puts_expire_with_put_ttl(self, storage: Storage) -> None:
        s = storage
        s.commit(CommitPlan(puts=[("m", "v", -1)], put_ttl=0.05))
        s.commit(CommitPlan(puts=[("keep", "v", -1)]))
        time.sleep(0.15)
        assert s.get_many(["m", "keep"]) == [None, "v"]

    @pytest.mark.parametrize("plan", _BAD_PLANS)
    def test_bad_commit_plans_raise_invalid_argument(self, storage: Storage, plan: Any) -> None:
        with pytest.raises(InvalidArgument):
            storage.commit(plan)
        assert storage.get("k") is None
        assert storage.get_counter("k") == 0
        assert storage.get_counts(["k"]) == [{}]

    def test_bad_snapshot_arguments_raise_invalid_argument(self, storage: Storage) -> None:
        calls: list[Callable[[], object]] = [
            lambda: storage.snapshot("k"),
            lambda: storage.snapshot(["k"], "l"),
            lambda: storage.snapshot(["k"], [], [""]),
            lambda: storage.snapshot([None]),  # type: ignore[list-item]
        ]
        for call in calls:
            with pytest.raises(InvalidArgument):
                call()

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(
        start=st.integers(0, 30),
        amount=st.integers(0, 30),
        limit=st.integers(0, 40),
        ranks=st.lists(st.integers(-1, 35), max_size=12),
        fixed=st.integers(-5, 5),
        per=st.integers(-2, 3),
    )
    def test_commit_grants_like_reserve_and_writes_only_granted_ranks(
        self,
        storage: Storage,
        start: int,
        amount: int,
        limit: int,
        ranks: list[int],
        fixed: int,
        per: int,
    ) -> None:
        s = storage
        day, hash_key = _key(), _key()
        s.reserve(day, start, 2**40)
        puts = [(f"{hash_key}:{i}", str(rank), rank) for i, rank in enumerate(ranks)]
        done = s.commit(
            CommitPlan(
                reserve=Reservation(day, amount, limit),
                puts=puts,
                counts=[(hash_key, "n", fixed, per)],
            )
        )
        granted = min(amount, max(0, limit - start))
        assert done.applied
        assert done.granted == granted
        assert done.used == start + granted
        assert s.get_counter(day) == start + granted
        written = s.get_many([k for k, _, _ in puts])
        assert written == [v if r < 0 or r < granted else None for _, v, r in puts]
        delta = fixed + per * granted
        assert done.counts == [{"n": delta} if delta else {}]

    # ------------------------------------------------------------------ properties

    @settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(limit=st.integers(0, 2**40) | st.integers(0, 50), ops=OPS)
    def test_reserve_never_passes_limit(self, storage: Storage, limit: int, ops: Any) -> None:
        s = storage
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

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(amounts=st.lists(st.integers(0, 30), max_size=40), limit=st.integers(0, 200))
    def test_reserve_total_granted_is_min_of_demand_and_limit(
        self, storage: Storage, amounts: list[int], limit: int
    ) -> None:
        key = _key()
        total = sum(storage.reserve(key, a, limit)[0] for a in amounts)
        assert total == min(sum(amounts), limit)
        assert storage.get_counter(key) == total

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(
        deltas=st.lists(
            st.dictionaries(st.text(min_size=1, max_size=4), st.integers(-(2**40), 2**40)),
            max_size=8,
        )
    )
    def test_add_counts_sums_per_field(
        self, storage: Storage, deltas: list[dict[str, int]]
    ) -> None:
        key = _key()
        want: dict[str, int] = {}
        for d in deltas:
            for f, v in d.items():
                want[f] = want.get(f, 0) + v
            assert storage.add_counts(key, d) == want
        assert storage.get_counts([key]) == [want]

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(entries=st.lists(st.text(max_size=20), max_size=15), page=st.integers(1, 6))
    def test_log_round_trips_any_text_in_order(
        self, storage: Storage, entries: list[str], page: int
    ) -> None:
        key = _key()
        for i, e in enumerate(entries, start=1):
            assert storage.append(key, e) == i
        assert storage.read(key) == list(enumerate(entries, start=1))
        paged: list[tuple[int, str]] = []
        after = 0
        for _ in range(len(entries) + 1):  # bounded: a broken backend fails, not hangs
            chunk = storage.read(key, after=after, limit=page)
            if not chunk:
                break
            assert len(chunk) <= page
            assert all(v > after for v, _ in chunk)
            paged.extend(chunk)
            after = chunk[-1][0]
        assert paged == list(enumerate(entries, start=1))
        last = (len(entries), entries[-1]) if entries else None
        assert storage.last_many([key]) == [last]

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(value=st.text(), other=st.text())
    def test_values_round_trip_any_text(self, storage: Storage, value: str, other: str) -> None:
        key = _key()
        assert storage.put_if_absent(key, value) is True
        assert storage.get(key) == value
        assert storage.compare_and_set(key, value, other) is True
        assert storage.get_many([key]) == [other]

    @settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(
        events=st.lists(
            st.tuples(st.sampled_from("abcde"), st.floats(-1e6, 1e6, allow_nan=False)),
            min_size=1,
            max_size=20,
        ),
        window=st.floats(0.001, 1e5),
    )
    def test_touch_counts_members_seen_inside_window(
        self, storage: Storage, events: list[tuple[str, float]], window: float
    ) -> None:
        key = _key()
        seen: dict[str, float] = {}
        for member, at in events:
            seen[member] = max(at, seen.get(member, at))
            seen = {m: t for m, t in seen.items() if t > at - window}
            count = storage.touch(key, member, at, window)
            assert count == len(seen)
            assert count >= 1

    @settings(max_examples=300, deadline=None, suppress_health_check=_FIXTURE_OK)
    @given(op=st.sampled_from(sorted(_CALLS)), a=JUNK, b=JUNK, c=JUNK)
    def test_fuzz_any_arguments_answer_or_raise_library_error(
        self, storage: Storage, op: str, a: Any, b: Any, c: Any
    ) -> None:
        with contextlib.suppress(A2PPolicyError):
            _CALLS[op](storage, a, b, c)
