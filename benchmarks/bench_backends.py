"""Benchmark: the shared-state backends (SQLite, Redis, PostgreSQL) under the
port's ``reserve`` and the engine's ``authorize``, from 1 and 4 processes,
against the floor of each server in the same run: a bare Redis ``EVAL`` of a
one-line script and a bare PostgreSQL ``SELECT 1`` (one round trip each).

``python benchmarks/bench_backends.py [--quick] [--ops N]``

It starts its own redis-server and PostgreSQL on loopback (``tests/servers.py``;
Debian packages ``redis-server`` and ``postgresql-15``); a backend whose server
cannot start is reported and skipped. Figures: ops/s (total operations over the
slowest process's wall time), and *round trips* per ``authorize`` and per
1000-message ``authorize_bulk``, counted as storage port calls (each port call
is one round trip on Redis and one statement on PostgreSQL; SQLite has no
network and its "round trips" are transactions). The JSON goes to
``benchmarks/results/``. ``--quick`` is a smoke run for CI; do not quote it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import site
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from a2p_policy import LimitsSettings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))


class CountingStorage:
    """Wraps a Storage and counts calls per port operation."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


def _engine(storage: Any, limit: int = 10**9) -> Any:
    """An engine on ``storage`` (a Storage, so the counting proxy works too)."""
    from tests.backends._workers import DAYTIME

    from a2p_policy import ManualClock, PolicyEngine, RampSchedule

    return PolicyEngine(
        storage=storage,
        clock=ManualClock(DAYTIME),
        limits=LimitsSettings(
            schedule=RampSchedule(daily_limits=(limit,), steady_limit=limit), quiet_hours=False
        ),
    )


def worker(kind: str, uri: str, op: str, ops: int, tag: str) -> tuple[int, float]:
    """Run ``ops`` operations of ``op`` on ``uri``; returns (ops, seconds)."""
    from tests.backends._workers import grant, message, phone

    from a2p_policy.storage import open_storage

    call: Callable[[int], object]
    closer: Callable[[], object]
    if op == "floor" and kind == "redis":
        import redis

        client = redis.Redis.from_url(uri.split("?", maxsplit=1)[0])
        call = lambda i: client.eval("return 1", 0)  # noqa: E731
        closer = client.close
    elif op == "floor" and kind == "postgres":
        import psycopg

        conn = psycopg.connect(uri.split("?", maxsplit=1)[0], autocommit=True)
        call = lambda i: conn.execute("SELECT 1").fetchone()  # noqa: E731
        closer = conn.close
    else:
        storage = open_storage(uri)
        closer = storage.close
        if op == "reserve":
            call = lambda i: storage.reserve(f"bench:{tag}:count", 1, 10**12)  # noqa: E731
        else:
            e = _engine(storage)
            grant(e, phone(1))
            m = message(phone(1))
            call = lambda i: e.authorize(m)  # noqa: E731
    call(0)
    start = time.perf_counter()
    for i in range(ops):
        call(i)
    elapsed = time.perf_counter() - start
    closer()
    return ops, elapsed


def round_trips(uri: str) -> dict[str, Any]:
    from tests.backends._workers import grant, message, phone

    from a2p_policy.storage import open_storage

    inner = open_storage(uri)
    counting = CountingStorage(inner)
    e = _engine(counting)
    grant(e, phone(1))
    e.authorize(message(phone(1)))  # warm-up: first-time markers
    counting.calls.clear()
    e.authorize(message(phone(1)))
    single = sum(counting.calls.values())
    single_detail = dict(counting.calls)
    recipients = [phone(2000 + n) for n in range(1000)]
    for p in recipients:
        grant(e, p)
    counting.calls.clear()
    e.authorize_bulk([message(p) for p in recipients])
    bulk = sum(counting.calls.values())
    bulk_detail = dict(counting.calls)
    inner.close()
    return {
        "authorize": single,
        "authorize_bulk_1000": bulk,
        "authorize_detail": single_detail,
        "authorize_bulk_detail": bulk_detail,
    }


def run(pool: ProcessPoolExecutor, kind: str, uri: str, op: str, procs: int, ops: int) -> float:
    results = list(
        pool.map(
            worker,
            [kind] * procs,
            [uri] * procs,
            [op] * procs,
            [ops] * procs,
            [f"{op}{procs}"] * procs,
        )
    )
    return sum(n for n, _ in results) / max(s for _, s in results)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run for CI")
    parser.add_argument("--ops", type=int, default=None, help="operations per process")
    args = parser.parse_args(argv)
    ops = args.ops or (20 if args.quick else 500)

    from tests.servers import PostgresServer, RedisServer, ServerUnavailable

    servers: list[Any] = []
    uris: dict[str, str] = {}
    tmp = tempfile.mkdtemp(prefix="a2p-bench-")
    uris["sqlite"] = f"sqlite:///{tmp}/bench.db?timeout=30"
    for kind, make in (("redis", RedisServer), ("postgres", PostgresServer)):
        try:
            __import__("redis" if kind == "redis" else "psycopg_pool")
            server = make()
        except (ServerUnavailable, ImportError, OSError) as exc:
            print(f"{kind}: skipped ({exc})")
            continue
        servers.append(server)
        uris[kind] = server.uri + ("?prefix=bench:" if kind == "redis" else "?max_size=4")

    table: dict[str, dict[str, Any]] = {}
    try:
        with ProcessPoolExecutor(
            4,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=site.addsitedir,
            initargs=(str(ROOT),),
        ) as pool:
            for kind, uri in uris.items():
                row: dict[str, Any] = {}
                ops_for: Mapping[str, int] = {
                    "floor": ops * 4,
                    "reserve": ops * 2,
                    "authorize": max(ops // 5, 5),
                }
                names = ["reserve", "authorize"] + ([] if kind == "sqlite" else ["floor"])
                for op in names:
                    for procs in (1, 4):
                        row[f"{op}_ops_s_{procs}p"] = round(
                            run(pool, kind, uri, op, procs, ops_for[op]), 1
                        )
                row["round_trips"] = round_trips(uri)
                table[kind] = row
    finally:
        for server in servers:
            server.destroy()

    print(f"\n{'backend':10} {'op':10} {'1 proc ops/s':>14} {'4 procs ops/s':>14}")
    for kind, row in table.items():
        for op in ("floor", "reserve", "authorize"):
            if f"{op}_ops_s_1p" in row:
                label = {"floor": "EVAL 1" if kind == "redis" else "SELECT 1"}.get(op, op)
                print(
                    f"{kind:10} {label:10} {row[f'{op}_ops_s_1p']:>14,.0f} "
                    f"{row[f'{op}_ops_s_4p']:>14,.0f}"
                )
    print("\nround trips (storage port calls):")
    for kind, row in table.items():
        rt = row["round_trips"]
        print(
            f"{kind:10} authorize: {rt['authorize']}  authorize_bulk(1000): "
            f"{rt['authorize_bulk_1000']}  per authorize: {rt['authorize_detail']}"
        )
        print(f"{'':10} bulk detail: {rt['authorize_bulk_detail']}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("bench_backends.quick.json" if args.quick else "bench_backends.json")
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "ops_per_process": ops,
                "results": table,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
