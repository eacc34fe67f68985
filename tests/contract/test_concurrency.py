"""Thread races on every backend: the atomic operations stay atomic.

Each test starts its threads on a barrier so they really overlap. For SQLite
half the threads use their own ``SQLiteStorage`` instance (their own
connection, so they contend on the file lock) and half share one instance
(the in-process lock). Process races on one SQLite file live in
``tests/storage/test_sqlite_processes.py``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests._storage_params import BackendFactory

from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage

THREADS = 6


def _instances(factory: BackendFactory, tmp_path: Path, n: int) -> list[Storage]:
    """n handles on one store: the same object for memory, alternating shared
    and own connections for file-backed backends."""
    first = factory(tmp_path)
    if isinstance(first, MemoryStorage):
        return [first] * n
    return [first if i % 2 == 0 else factory(tmp_path) for i in range(n)]


def _run(workers: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers))

    def wrap(work: Callable[[], None]) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def _close(stores: list[Storage]) -> None:
    for s in {id(s): s for s in stores}.values():
        s.close()


def test_threads_reserve_exactly_the_limit(backend_factory: BackendFactory, tmp_path: Path) -> None:
    stores = _instances(backend_factory, tmp_path, THREADS)
    limit = 500
    granted = [0] * THREADS

    def worker(i: int) -> Callable[[], None]:
        def work() -> None:
            rng = random.Random(i)
            for _ in range(150):
                g, used = stores[i].reserve("race:counter", rng.randint(1, 5), limit)
                assert used <= limit
                granted[i] += g

        return work

    _run([worker(i) for i in range(THREADS)])
    assert sum(granted) == limit
    assert stores[0].get_counter("race:counter") == limit
    _close(stores)


def test_threads_reserve_and_release_balance(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    stores = _instances(backend_factory, tmp_path, THREADS)
    held = [0] * THREADS

    def worker(i: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(100):
                g, used = stores[i].reserve("race:slots", 2, 7)
                assert used <= 7
                held[i] += g
                if g:
                    stores[i].release("race:slots", g)
                    held[i] -= g

        return work

    _run([worker(i) for i in range(THREADS)])
    assert sum(held) == 0
    assert stores[0].get_counter("race:slots") == 0
    _close(stores)


def test_threads_append_with_expect_version_one_winner_per_version(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    stores = _instances(backend_factory, tmp_path, THREADS)
    target = 60
    wins: list[tuple[int, str]] = []
    lock = threading.Lock()

    def worker(i: int) -> Callable[[], None]:
        def work() -> None:
            n = 0
            while True:
                last = stores[i].last_many(["race:log"])[0]
                version = 0 if last is None else last[0]
                if version >= target:
                    return
                entry = f"w{i}-{n}"
                n += 1
                got = stores[i].append("race:log", entry, expect_version=version)
                if got is not None:
                    assert got == version + 1
                    with lock:
                        wins.append((got, entry))

        return work

    _run([worker(i) for i in range(THREADS)])
    log = stores[0].read("race:log")
    assert [v for v, _ in log] == list(range(1, target + 1))
    per_version = Counter(v for v, _ in wins)
    assert all(n == 1 for n in per_version.values())  # exactly one winner each
    assert sorted(wins) == log  # and the log holds exactly the winners' entries
    _close(stores)


def test_threads_put_if_absent_exactly_one_true(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    stores = _instances(backend_factory, tmp_path, THREADS)
    rounds = 25
    results: list[list[tuple[int, bool]]] = [[] for _ in range(rounds)]
    lock = threading.Lock()

    def worker(i: int) -> Callable[[], None]:
        def work() -> None:
            for r in range(rounds):
                ok = stores[i].put_if_absent(f"race:idem:{r}", f"w{i}")
                with lock:
                    results[r].append((i, ok))

        return work

    _run([worker(i) for i in range(THREADS)])
    for r, outcome in enumerate(results):
        winners = [i for i, ok in outcome if ok]
        assert len(winners) == 1, outcome
        assert stores[0].get(f"race:idem:{r}") == f"w{winners[0]}"
    _close(stores)


def test_threads_compare_and_set_increment_loses_nothing(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    stores = _instances(backend_factory, tmp_path, THREADS)
    per_thread = 30

    def worker(i: int) -> Callable[[], None]:
        def work() -> None:
            done = 0
            while done < per_thread:
                current = stores[i].get("race:cas")
                new = str(int(current or "0") + 1)
                if stores[i].compare_and_set("race:cas", current, new):
                    done += 1

        return work

    _run([worker(i) for i in range(THREADS)])
    assert stores[0].get("race:cas") == str(THREADS * per_thread)
    _close(stores)
