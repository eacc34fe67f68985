"""Several processes (multiprocessing "spawn") and threads on one SQLite file.

This is the deployment SQLite is for (web workers plus a queue worker on one
host). The races that over-granted other SQLite limiters (check, then write,
in separate transactions) would show up here as a total above the limit,
duplicate log versions or two idempotency winners.
"""

from __future__ import annotations

import multiprocessing
import random
import site
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from a2p_policy.storage.sqlite import SQLiteStorage

_ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
THREADS = 4


def _threads(n: int, work: object) -> None:
    assert callable(work)
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def reserve_worker(path: str, seed: int, reservations: int, limit: int) -> int:
    """One process: THREADS threads sharing one storage; returns total granted."""
    storage = SQLiteStorage(path, timeout=30)
    granted = [0] * THREADS

    def work(i: int) -> None:
        rng = random.Random(seed * 100 + i)
        for _ in range(reservations):
            g, used = storage.reserve("proc:counter", rng.randint(1, 6), limit)
            assert used <= limit
            granted[i] += g

    _threads(THREADS, work)
    storage.close()
    return sum(granted)


def append_worker(path: str, worker: int, target: int) -> list[tuple[int, str]]:
    """Race to append until the log has ``target`` entries; returns our wins."""
    storage = SQLiteStorage(path, timeout=30)
    wins: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        n = 0
        while True:
            last = storage.last_many(["proc:log"])[0]
            version = 0 if last is None else last[0]
            if version >= target:
                return
            entry = f"p{worker}-t{i}-{n}"
            n += 1
            got = storage.append("proc:log", entry, expect_version=version)
            if got is not None:
                with lock:
                    wins.append((got, entry))

    _threads(THREADS, work)
    storage.close()
    return wins


def put_if_absent_worker(path: str, worker: int, rounds: int) -> list[int]:
    """Returns the rounds this process won."""
    storage = SQLiteStorage(path, timeout=30)
    won: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        for r in range(rounds):
            if storage.put_if_absent(f"proc:idem:{r}", f"p{worker}-t{i}"):
                with lock:
                    won.append(r)

    _threads(THREADS, work)
    storage.close()
    return won


def _pool() -> ProcessPoolExecutor:
    # pytest imports this module as ``tests.storage.test_sqlite_processes``
    # (--import-mode=importlib) without putting the project root on sys.path;
    # spawned children need it to unpickle the worker functions.
    return ProcessPoolExecutor(
        PROCESSES,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=site.addsitedir,
        initargs=(str(_ROOT),),
    )


def test_processes_and_threads_reserve_exactly_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")  # not created yet: the workers race to migrate it
    limit = 1000
    with _pool() as pool:
        totals = list(
            pool.map(
                reserve_worker,
                [path] * PROCESSES,
                range(PROCESSES),
                [200] * PROCESSES,
                [limit] * PROCESSES,
            )
        )
    assert sum(totals) == limit
    with SQLiteStorage(path) as storage:
        assert storage.get_counter("proc:counter") == limit


def test_processes_append_expect_version_one_winner_per_version(tmp_path: Path) -> None:
    path = str(tmp_path / "log.db")
    SQLiteStorage(path).close()
    target = 150
    with _pool() as pool:
        results = list(
            pool.map(append_worker, [path] * PROCESSES, range(PROCESSES), [target] * PROCESSES)
        )
    wins = [w for r in results for w in r]
    per_version = Counter(v for v, _ in wins)
    assert sorted(per_version) == list(range(1, target + 1))
    assert set(per_version.values()) == {1}
    with SQLiteStorage(path) as storage:
        log = storage.read("proc:log")
    assert sorted(wins) == log


def test_processes_put_if_absent_exactly_one_true(tmp_path: Path) -> None:
    path = str(tmp_path / "idem.db")
    SQLiteStorage(path).close()
    rounds = 40
    with _pool() as pool:
        results = list(
            pool.map(
                put_if_absent_worker, [path] * PROCESSES, range(PROCESSES), [rounds] * PROCESSES
            )
        )
    won = Counter(r for result in results for r in result)
    assert won == Counter(range(rounds))  # every round: exactly one True in total
