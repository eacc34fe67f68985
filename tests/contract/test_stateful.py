"""Hypothesis drives every backend with random operations and compares each
answer with a few plain dicts (the model of the port's contract).

Keys are drawn from one small pool for every kind of record so that
``delete`` (which removes every kind at a key) and reuse after delete are
exercised. TTLs are either None or an hour: expiry itself is tested with
real sleeps in ``test_operations.py``; here the TTL code paths must not
change any answer.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests._budget import examples
from tests._storage_params import BackendFactory, storage_params

from a2p_policy.storage.base import CommitPlan, Committed, Reservation, Snapshot, Storage

KEYS = st.sampled_from(["k1", "k2", "k3"])
FIELDS = st.sampled_from(["a", "b", "c"])
TEXTS = st.sampled_from(["", "x", "y", "é", '{"v": 1}'])
MEMBERS = st.sampled_from(["m1", "m2", "m3", "m4"])
TTLS = st.none() | st.just(3600.0)
SMALL = st.integers(min_value=0, max_value=12)
KEY_LISTS = st.lists(KEYS, max_size=4)
GUARDS = st.lists(st.tuples(KEYS, st.none() | TEXTS), max_size=3)
RESERVATIONS = st.none() | st.builds(Reservation, KEYS, SMALL, st.integers(0, 30), TTLS)
PUTS = st.lists(st.tuples(KEYS, TEXTS, st.integers(-1, 6)), max_size=3)
COUNTS = st.lists(st.tuples(KEYS, FIELDS, st.integers(-3, 3), st.integers(-2, 2)), max_size=3)


class StorageModel(RuleBasedStateMachine):
    factory: BackendFactory
    folder: Path

    def __init__(self) -> None:
        super().__init__()
        self.storage: Storage = self.factory(Path(tempfile.mkdtemp(dir=self.folder)))
        self.counters: dict[str, int] = {}
        self.hashes: dict[str, dict[str, int]] = {}
        self.values: dict[str, str] = {}
        self.logs: dict[str, list[str]] = {}
        self.sets: dict[str, dict[str, float]] = {}

    def teardown(self) -> None:
        self.storage.close()

    # -------------------------------------------------------------- counters
    @rule(key=KEYS, amount=SMALL, limit=st.integers(0, 30), ttl=TTLS)
    def reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> None:
        used = self.counters.get(key, 0)
        granted = min(amount, max(0, limit - used))
        if granted:
            self.counters[key] = used + granted
        assert self.storage.reserve(key, amount, limit, ttl) == (granted, used + granted)

    @rule(key=KEYS, amount=SMALL)
    def release(self, key: str, amount: int) -> None:
        used = max(0, self.counters.get(key, 0) - amount)
        if key in self.counters:
            self.counters[key] = used
        assert self.storage.release(key, amount) == used

    @rule(key=KEYS)
    def get_counter(self, key: str) -> None:
        assert self.storage.get_counter(key) == self.counters.get(key, 0)

    # -------------------------------------------------------------- hashes
    @rule(key=KEYS, deltas=st.dictionaries(FIELDS, st.integers(-5, 5), max_size=3), ttl=TTLS)
    def add_counts(self, key: str, deltas: dict[str, int], ttl: float | None) -> None:
        h = dict(self.hashes.get(key, {}))
        for f, d in deltas.items():
            h[f] = h.get(f, 0) + d
        if h:  # no deltas on a missing key creates nothing, in every backend
            self.hashes[key] = h
        assert self.storage.add_counts(key, deltas, ttl) == h

    @rule(keys=st.lists(KEYS, max_size=4))
    def get_counts(self, keys: list[str]) -> None:
        assert self.storage.get_counts(keys) == [self.hashes.get(k, {}) for k in keys]

    # -------------------------------------------------------------- values
    @rule(key=KEYS, value=TEXTS, ttl=TTLS)
    def put(self, key: str, value: str, ttl: float | None) -> None:
        self.values[key] = value
        self.storage.put(key, value, ttl)

    @rule(items=st.dictionaries(KEYS, TEXTS, max_size=3), ttl=TTLS)
    def put_many(self, items: dict[str, str], ttl: float | None) -> None:
        self.values.update(items)
        self.storage.put_many(items, ttl)

    @rule(key=KEYS, value=TEXTS, ttl=TTLS)
    def put_if_absent(self, key: str, value: str, ttl: float | None) -> None:
        expected = key not in self.values
        if expected:
            self.values[key] = value
        assert self.storage.put_if_absent(key, value, ttl) is expected

    @rule(key=KEYS, expected=st.none() | TEXTS, value=st.none() | TEXTS, ttl=TTLS)
    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> None:
        ok = self.values.get(key) == expected
        if ok:
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
        assert self.storage.compare_and_set(key, expected, value, ttl) is ok

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        assert self.storage.get(key) == self.values.get(key)

    @rule(keys=st.lists(KEYS, max_size=4))
    def get_many(self, keys: list[str]) -> None:
        assert self.storage.get_many(keys) == [self.values.get(k) for k in keys]

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        existed = False
        for table in (self.counters, self.hashes, self.values, self.logs, self.sets):
            if table.pop(key, None) is not None:
                existed = True
        assert self.storage.delete(key) is existed

    # -------------------------------------------------------------- logs
    @rule(key=KEYS, entry=TEXTS, expect=st.none() | st.integers(0, 5))
    def append(self, key: str, entry: str, expect: int | None) -> None:
        log = self.logs.get(key, [])
        if expect is not None and expect != len(log):
            assert self.storage.append(key, entry, expect_version=expect) is None
            return
        self.logs[key] = [*log, entry]
        assert self.storage.append(key, entry, expect_version=expect) == len(log) + 1

    @rule(key=KEYS, after=st.integers(0, 6), limit=st.none() | st.integers(0, 4))
    def read(self, key: str, after: int, limit: int | None) -> None:
        everything = list(enumerate(self.logs.get(key, []), start=1))[after:]
        want = everything if limit is None else everything[:limit]
        assert self.storage.read(key, after=after, limit=limit) == want

    @rule(keys=st.lists(KEYS, max_size=4))
    def last_many(self, keys: list[str]) -> None:
        want = [(len(self.logs[k]), self.logs[k][-1]) if self.logs.get(k) else None for k in keys]
        assert self.storage.last_many(keys) == want

    # -------------------------------------------------------------- sets
    @rule(
        key=KEYS,
        member=MEMBERS,
        at=st.integers(0, 60).map(float),
        window=st.sampled_from([1.0, 5.0, 20.0]),
    )
    def touch(self, key: str, member: str, at: float, window: float) -> None:
        members = self.sets.setdefault(key, {})
        members[member] = max(at, members.get(member, at))
        for m in [m for m, t in members.items() if t <= at - window]:
            del members[m]
        assert self.storage.touch(key, member, at, window) == len(members)

    # -------------------------------------------------------------- decisions
    @rule(values=KEY_LISTS, logs=KEY_LISTS, counters=KEY_LISTS)
    def snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> None:
        want = Snapshot(
            [self.values.get(k) for k in values],
            [(len(self.logs[k]), self.logs[k][-1]) if self.logs.get(k) else None for k in logs],
            [self.counters.get(k, 0) for k in counters],
        )
        assert self.storage.snapshot(values, logs, counters) == want

    @rule(
        guards=GUARDS,
        matching=st.booleans(),
        reserve=RESERVATIONS,
        puts=PUTS,
        put_ttl=TTLS,
        counts=COUNTS,
        count_ttl=TTLS,
    )
    def commit(
        self,
        guards: list[tuple[str, str | None]],
        matching: bool,
        reserve: Reservation | None,
        puts: list[tuple[str, str, int]],
        put_ttl: float | None,
        counts: list[tuple[str, str, int, int]],
        count_ttl: float | None,
    ) -> None:
        if matching:  # mostly guards that hold, as a caller's fresh snapshot would
            guards = [(k, self.values.get(k)) for k, _ in guards]
        plan = CommitPlan(guards, reserve, puts, put_ttl, counts, count_ttl)
        current = [self.values.get(k) for k, _ in guards]
        if any(found != expected for found, (_, expected) in zip(current, guards, strict=True)):
            assert self.storage.commit(plan) == Committed(False, 0, 0, [], current)
            return
        granted = used = 0
        if reserve is not None:
            used = self.counters.get(reserve.key, 0)
            granted = min(reserve.amount, max(0, reserve.limit - used))
            used += granted
            if granted:
                self.counters[reserve.key] = used
        for key, value, rank in puts:
            if rank < 0 or rank < granted:
                self.values[key] = value
        for key, field, fixed, per in counts:
            delta = fixed + per * granted
            if delta:
                h = self.hashes.setdefault(key, {})
                h[field] = h.get(field, 0) + delta
        want = Committed(
            True, granted, used, [dict(self.hashes.get(k, {})) for k, *_ in counts], current
        )
        assert self.storage.commit(plan) == want

    # -------------------------------------------------------------- invariants
    @invariant()
    def counters_never_negative(self) -> None:
        for key in ("k1", "k2", "k3"):
            assert self.storage.get_counter(key) >= 0


_runs = itertools.count()


@pytest.mark.parametrize("factory", storage_params())
def test_backend_matches_model(factory: BackendFactory, tmp_path: Path) -> None:
    machine = type(
        f"StorageModel{next(_runs)}",
        (StorageModel,),
        {"factory": staticmethod(factory), "folder": tmp_path},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples(60),  # 12 under the local dev profile
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
