"""The decision operations cost one round trip each on the server backends.

``snapshot`` and ``commit`` exist so that a policy decision reads once and
writes once: on Redis each is one ``EVALSHA``, on PostgreSQL one statement.
Counted twice over:

* on the client, with the benchmark suite's own counter
  (``benchmarks/bench_suite.py``'s ``RoundTrips``: every Redis command or
  pipeline sent, every psycopg ``execute`` and ``COMMIT``);
* on the Redis server, with ``INFO stats`` (requests read from clients)
  and ``INFO commandstats`` (EVALSHA calls).

Also: the exact 64-bit arithmetic of ``commit`` on every backend against
:class:`~a2p_policy.storage.memory.MemoryStorage` (Lua numbers are doubles,
so the Redis script computes counts on decimal limbs; PostgreSQL on
``numeric``), including the all-or-nothing rule when a count leaves the
range.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._storage_params import BackendFactory, open_backend, storage_params
from tests.contract.test_concurrency import _close, _instances, _run

from a2p_policy._errors import InvalidArgument, StorageError
from a2p_policy.storage.base import CommitPlan, Committed, Reservation, Storage
from a2p_policy.storage.memory import MemoryStorage

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_suite.py"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

SERVERS = [p for p in storage_params() if p.id in ("redis", "postgres")]


def _bench_suite() -> ModuleType:
    name = "bench_suite_round_trips"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SUITE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=SERVERS)
def server_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as storage:
        yield storage


@pytest.fixture
def round_trips() -> Iterator[Any]:
    counter = _bench_suite().RoundTrips()
    counter.install()
    try:
        yield counter
    finally:
        counter.uninstall()


def _decision(s: Storage) -> dict[str, Callable[[], object]]:
    """A decision's read and its writes, in every shape a commit can take."""
    s.put("g1", "one")
    s.append("log", "event")
    s.reserve("day", 3, 100)
    s.add_counts("h", {"near": INT64_MAX - 1})
    full = CommitPlan(
        guards=[("g1", "one"), ("g2", None)],
        reserve=Reservation("day", 3, 5, ttl=60.0),
        puts=[("m0", "v", 0), ("m1", "v", 1), ("m9", "v", 9), ("always", "x", -1)],
        put_ttl=60.0,
        counts=[("h", "sent", 1, 1), ("h2", "zero", 0, 0)],
        count_ttl=60.0,
    )
    return {
        "snapshot": lambda: s.snapshot(["g1", "g2", "m0"], ["log", "none"], ["day", "x"]),
        "snapshot of counters only": lambda: s.snapshot([], [], ["day"]),
        "commit": lambda: s.commit(full),
        "commit with a stale guard": lambda: s.commit(full._replace(guards=[("g1", "old")])),
        "commit without reservation": lambda: s.commit(CommitPlan(puts=[("p", "v", -1)])),
        "commit that overflows": lambda: _raises(lambda: s.commit(_overflow())),
    }


def _overflow() -> CommitPlan:
    return CommitPlan(reserve=Reservation("day", 1, 100), counts=[("h", "near", 5, 0)])


def _raises(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        call()


def test_snapshot_and_commit_are_one_round_trip_each(
    server_storage: Storage, round_trips: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent_commits = _sent_commits(monkeypatch)
    for name, call in _decision(server_storage).items():
        call()  # Redis: the first call of a process loads the script (NOSCRIPT, SCRIPT LOAD)
        sent_commits.clear()
        trips, statements = round_trips.per_call(lambda _, call=call: call(), 1)
        assert (name, statements) == (name, 1.0)  # one command / one statement
        # The pool ends every borrow with commit(); on an idle connection
        # psycopg sends nothing, and the bench suite does not count it.
        assert (name, trips) == (name, 1.0)
        assert sent_commits == [False] * len(sent_commits)


def _sent_commits(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each psycopg ``commit()`` had a transaction to send a COMMIT
    for (psycopg returns at once on an idle connection: no round trip)."""
    seen: list[bool] = []
    if importlib.util.find_spec("psycopg") is None:  # pragma: no cover
        return seen
    import psycopg
    from psycopg.pq import TransactionStatus

    original = psycopg.Connection.commit

    def commit(conn: Any) -> None:
        seen.append(conn.pgconn.transaction_status != TransactionStatus.IDLE)
        original(conn)

    monkeypatch.setattr(psycopg.Connection, "commit", commit)
    return seen


def test_the_counter_sees_a_second_round_trip(server_storage: Storage, round_trips: Any) -> None:
    """The counting itself works: two reads are two commands / statements."""
    s = server_storage

    def two(_: int) -> None:
        s.get("a")
        s.get_counter("b")

    _, statements = round_trips.per_call(two, 1)
    assert statements == 2.0


@pytest.mark.redis
def test_redis_server_reads_one_request_per_operation(tmp_path: Path) -> None:
    """Server side: between two ``INFO`` calls the server read two requests
    from its clients (``total_reads_processed``: the operation and the second
    INFO) and ran one EVALSHA (``INFO commandstats``; the commands a script
    calls are counted there too, so only EVALSHA is checked). Two plain reads
    show the measure tells one request from two."""
    (redis_param,) = [p for p in SERVERS if p.id == "redis"]
    factory: BackendFactory = redis_param.values[0]
    with open_backend(factory, tmp_path) as s:
        client = s._redis  # type: ignore[attr-defined]  # the backend's own connection
        calls = _decision(s)
        calls["two plain reads"] = lambda: (s.get("g1"), s.get("g2"))
        for name, call in calls.items():
            call()  # the script is loaded (NOSCRIPT and SCRIPT LOAD, once per process)
            before = _stats(client)
            call()
            after = _stats(client)
            ran = {k: n - before.get(k, 0) for k, n in after.items()}
            if name == "two plain reads":
                assert (ran["reads"], ran["evalsha"]) == (3, 0)
            else:
                assert (name, ran["reads"], ran["evalsha"]) == (name, 2, 1)


def _stats(client: Any) -> dict[str, int]:
    info = client.info("all")  # one request: its own read is in both figures
    return {
        "reads": int(info["total_reads_processed"]),
        "evalsha": int(info.get("cmdstat_evalsha", {}).get("calls", 0)),
    }


# ------------------------------------------------------------------ 64-bit arithmetic

EDGES = st.sampled_from([INT64_MIN, INT64_MIN + 1, -1, 0, 1, 2**53 + 1, INT64_MAX - 1, INT64_MAX])
INT64 = EDGES | st.integers(INT64_MIN, INT64_MAX) | st.integers(-(10**12), 10**12)
FIELD = st.sampled_from(["a", "b"])


@pytest.fixture(scope="module", params=storage_params())
def any_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path_factory.mktemp("round-trips")) as storage:
        yield storage


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dictionaries(FIELD, INT64, max_size=2),
    used=st.integers(0, 2**53) | st.integers(0, 50),
    amount=st.integers(0, 2**53) | st.integers(0, 50),
    limit=st.integers(0, 2**53) | st.integers(0, 100),
    counts=st.lists(st.tuples(FIELD, INT64, INT64 | st.integers(-3, 3)), max_size=4),
)
def test_commit_counts_exactly_like_the_model(
    any_backend: Storage,
    start: dict[str, int],
    used: int,
    amount: int,
    limit: int,
    counts: list[tuple[str, int, int]],
) -> None:
    """Every backend answers a commit with counts near and past the 64-bit
    edges exactly as MemoryStorage does (Python ints), and a commit that
    raises leaves everything as it was. Amounts and limits stay within
    ``2**53``, where Redis clamps them (documented in redis.py)."""
    s, model = any_backend, MemoryStorage()
    day, h, other, put = (f"rt:{uuid.uuid4().hex}:{n}" for n in ("day", "h", "o", "p"))
    for store in (s, model):
        store.add_counts(h, start)
        store.reserve(day, used, used)
    plan = CommitPlan(
        reserve=Reservation(day, amount, limit),
        puts=[(put, "v", -1)],
        counts=[
            (h if i % 2 == 0 else other, f, fixed, per) for i, (f, fixed, per) in enumerate(counts)
        ],
    )
    try:
        want: Committed | None = model.commit(plan)
    except InvalidArgument:
        want = None
    if want is None:
        with pytest.raises(InvalidArgument):
            s.commit(plan)
        assert s.get_counts([h, other]) == [start, {}]
        assert (s.get_counter(day), s.get(put)) == (used, None)
    else:
        assert s.commit(plan) == want
        assert s.get_counts([h, other]) == model.get_counts([h, other])


# ------------------------------------------------------------------ races

RACERS = 6
ROUNDS = 20


@pytest.mark.parametrize("factory", storage_params())
def test_racing_decisions_lose_no_update(factory: BackendFactory, tmp_path: Path) -> None:
    """Threads each read a value with ``snapshot`` and commit its successor
    guarded by what they read (starting from an absent value), reserving one
    unit of a limited counter and counting in a hash: every applied commit is
    seen exactly once in the value, the counter and the hash, and two keys
    guarded and written in opposite orders never deadlock."""
    stores = _instances(factory, tmp_path, RACERS)
    limit = RACERS * ROUNDS // 3
    applied: list[int] = []

    def racer(s: Storage, flip: bool) -> Callable[[], None]:
        def work() -> None:
            for _ in range(ROUNDS):
                for _attempt in range(2000):
                    found = s.snapshot(["seq", "other"]).values
                    n = int(found[0] or 0)
                    guards = [("seq", found[0]), ("other", found[1])]
                    puts = [("seq", str(n + 1), -1), ("other", str(n + 1), 0)]
                    plan = CommitPlan(
                        guards=guards[::-1] if flip else guards,
                        reserve=Reservation("day", 1, limit),
                        puts=puts if flip else puts[::-1],
                        counts=[("h", "commits", 1, 0), ("h", "granted", 0, 1)],
                    )
                    if s.commit(plan).applied:
                        applied.append(1)
                        break

        return work

    try:
        _run([racer(s, i % 2 == 1) for i, s in enumerate(stores)])
        s = stores[0]
        total = len(applied)
        assert total == RACERS * ROUNDS
        assert s.get("seq") == str(total)
        assert s.get_counter("day") == limit
        assert s.get_counts(["h"]) == [{"commits": total, "granted": limit}]
        assert s.get("other") == str(limit)  # the last granted rank-0 put
    finally:
        _close(stores)


# ------------------------------------------------------------------ stored garbage


def _corrupt(s: Any, kind: str) -> None:
    """Store a malformed counter ``day`` or hash field ``h``/``n`` behind the
    backend's back."""
    if hasattr(s, "_redis"):
        from a2p_policy.storage.redis import redis_key

        if kind == "counter":
            s._redis.set(redis_key(s._prefix, "day", "#c"), "12abc")
        else:
            s._redis.hset(redis_key(s._prefix, "h", "#h"), "n", "1.5")
        return
    with s._pool.connection() as conn:
        if kind == "counter":
            conn.execute("UPDATE a2p_counters SET value = -1000 WHERE key = 'day'")
        else:
            conn.execute("""UPDATE a2p_hashes SET fields = '{"n": "abc"}' WHERE key = 'h'""")


@pytest.mark.parametrize("kind", ["counter", "count"])
def test_commit_over_stored_garbage_fails_closed_and_writes_nothing(
    server_storage: Storage, kind: str
) -> None:
    """A malformed stored counter or hash field makes the whole commit raise
    StorageError (never a grant), naming the key, with nothing written."""
    s = server_storage
    s.reserve("day", 1, 10)
    s.add_counts("h", {"n": 1})
    _corrupt(s, kind)
    plan = CommitPlan(
        guards=[("g", None)],
        reserve=Reservation("day", 1, 10),
        puts=[("m", "v", -1)],
        counts=[("other", "x", 1, 0), ("h", "n", 1, 0)],
    )
    with pytest.raises(StorageError, match="day" if kind == "counter" else "'h'"):
        s.commit(plan)
    assert s.get_many(["g", "m"]) == [None, None]
    assert s.get_counts(["other"]) == [{}]


def test_commit_overflow_names_the_field(server_storage: Storage) -> None:
    s = server_storage
    s.add_counts("h", {"n": INT64_MIN + 2})
    plan = CommitPlan(puts=[("m", "v", -1)], counts=[("h", "n", -1, 0), ("h", "n", -2, 0)])
    with pytest.raises(InvalidArgument, match=r"'n'|n of h"):
        s.commit(plan)
    assert s.get_counts(["h"]) == [{"n": INT64_MIN + 2}]
    assert s.get("m") is None


@pytest.mark.redis
def test_redis_decision_scripts_reload_after_script_flush_and_run_once(tmp_path: Path) -> None:
    """After ``SCRIPT FLUSH`` the first EVALSHA answers NOSCRIPT (nothing ran):
    the script is loaded and the commit runs exactly once."""
    (redis_param,) = [p for p in SERVERS if p.id == "redis"]
    factory: BackendFactory = redis_param.values[0]
    with open_backend(factory, tmp_path) as s:
        plan = CommitPlan(reserve=Reservation("day", 2, 10), counts=[("h", "n", 1, 0)])
        assert s.commit(plan).used == 2
        s._redis.script_flush()  # type: ignore[attr-defined]
        assert s.commit(plan)[:3] == (True, 2, 4)
        assert s.get_counts(["h"]) == [{"n": 2}]
        s._redis.script_flush()  # type: ignore[attr-defined]
        assert s.snapshot([], [], ["day"]).counters == [4]


@pytest.mark.parametrize("factory", storage_params())
def test_racing_first_writers_have_one_winner(factory: BackendFactory, tmp_path: Path) -> None:
    """Commits guarded by an absent value and plain ``put_if_absent`` calls
    race for the same fresh keys: exactly one of them wins each key, and the
    key holds the winner's value (an absent guard is as atomic as a
    present one)."""
    stores = _instances(factory, tmp_path, RACERS)
    keys = [f"first:{n}" for n in range(30)]
    wins: list[tuple[str, str]] = []

    def racer(s: Storage, name: str) -> Callable[[], None]:
        def work() -> None:
            for key in keys:
                if name.startswith("commit"):
                    plan = CommitPlan(guards=[(key, None)], puts=[(key, name, -1)])
                    won = s.commit(plan).applied
                else:
                    won = s.put_if_absent(key, name)
                if won:
                    wins.append((key, name))

        return work

    try:
        names = [f"{'commit' if i % 3 else 'put_if_absent'}-{i}" for i in range(RACERS)]
        _run([racer(s, name) for s, name in zip(stores, names, strict=True)])
        assert sorted(k for k, _ in wins) == sorted(keys)
        assert stores[0].get_many(keys) == [dict(wins)[k] for k in keys]
    finally:
        _close(stores)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("before", "concurrent", "expected"),
    [
        # another transaction inserts the key the commit expects absent
        (None, "INSERT INTO a2p_values (key, value) VALUES ('k', 'theirs')", None),
        # another transaction changes the value the commit expects
        ("old", "UPDATE a2p_values SET value = 'theirs' WHERE key = 'k'", "old"),
    ],
)
def test_postgres_commit_waits_for_a_concurrent_writer_of_a_guard(
    tmp_path: Path, before: str | None, concurrent: str, expected: str | None
) -> None:
    """A commit whose guard key another transaction is writing waits for it
    and then sees the new value (stale guard: nothing written) instead of
    checking the old one and overwriting the new one (a lost update)."""
    (pg_param,) = [p for p in SERVERS if p.id == "postgres"]
    factory: BackendFactory = pg_param.values[0]
    with open_backend(factory, tmp_path) as s:
        if before is not None:
            s.put("k", before)
        plan = CommitPlan(guards=[("k", expected)], puts=[("k", "mine", -1)])
        done: list[Committed] = []
        with s._pool.connection() as conn, conn.transaction():  # type: ignore[attr-defined]
            conn.execute(concurrent)
            worker = threading.Thread(target=lambda: done.append(s.commit(plan)))
            worker.start()
            worker.join(0.5)
            assert worker.is_alive()  # the commit waits for the row lock
        worker.join(10)
        assert done == [Committed(False, 0, 0, [], ["theirs"])]
        assert s.get("k") == "theirs"
