"""Benchmark: sending limits (``RampUpLimiter.reserve``, ``RateMonitor.record_outcome``)
on the memory and SQLite backends, side by side with the ``limits`` library's
moving-window and fixed-window ``hit()`` measured in the same run.

``python benchmarks/bench_limits.py [--quick] [--ops N] [--repeat R]``

Each figure is the median of R repetitions of N operations (time.perf_counter),
printed as ops/s and µs/op; the JSON goes to ``benchmarks/results/``. Not the
same work: our ``reserve`` reads the ramp start and override and does one atomic
reserve (three port operations), ``record_outcome`` adds to a bucket and reads
the suspension state; ``limits``' ``hit`` is one in-process counter update.
``--quick`` is a smoke run for CI; do not quote its figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from a2p_policy import ManualClock, RampUpLimiter, RateMonitor
from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def measure(op: Callable[[int], object], ops: int, repeat: int) -> dict[str, float]:
    """Median over ``repeat`` runs of ``ops`` calls of ``op(i)``."""
    op(0)  # warm-up (imports, caches, table creation)
    per_op = []
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(ops):
            op(i)
        per_op.append((time.perf_counter() - start) / ops)
    median = statistics.median(per_op)
    return {"us_per_op": median * 1e6, "ops_per_s": 1.0 / median, "ops": ops, "repeat": repeat}


def ours(storage: Storage) -> dict[str, Callable[[int], object]]:
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    ramp = RampUpLimiter(storage=storage, clock=clock)
    ramp.set_override("acct", 10**15)  # never runs out: measures the grant path
    monitor = RateMonitor(storage=storage, clock=clock)
    return {
        "reserve": lambda i: ramp.reserve("acct", 1),
        "record_outcome": lambda i: monitor.record_outcome("acct", delivered=i % 20 != 0),
    }


def peers() -> dict[str, Callable[[int], object]]:
    if importlib.util.find_spec("limits") is None:
        print("the `limits` library is not installed: peer figures skipped", file=sys.stderr)
        return {}
    from limits import parse, storage, strategies

    item = parse("1000000000/day")
    moving = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    fixed = strategies.FixedWindowRateLimiter(storage.MemoryStorage())
    return {
        "limits moving-window hit": lambda i: moving.hit(item, "acct"),
        "limits fixed-window hit": lambda i: fixed.hit(item, "acct"),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run of a few seconds")
    parser.add_argument("--ops", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    ops = args.ops or (300 if args.quick else 5000)
    repeat = args.repeat or (3 if args.quick else 5)

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        backends: list[tuple[str, Callable[[], Storage]]] = [("memory", MemoryStorage)]
        if importlib.util.find_spec("a2p_policy.storage.sqlite") is not None:
            from a2p_policy.storage.sqlite import SQLiteStorage

            backends.append(("sqlite", lambda: SQLiteStorage(Path(tmp) / "bench.db")))
        else:
            print("a2p_policy.storage.sqlite not available: SQLite skipped", file=sys.stderr)
        for backend, make in backends:
            store = make()
            try:
                for name, op in ours(store).items():
                    rows.append(
                        {
                            "subject": f"a2p_policy {name}",
                            "backend": backend,
                            **measure(op, ops, repeat),
                        }
                    )
            finally:
                store.close()
    for name, op in peers().items():
        rows.append({"subject": name, "backend": "memory", **measure(op, ops, repeat)})

    print(f"\n{'subject':<36} {'backend':<8} {'ops/s':>12} {'µs/op':>10}")
    print("-" * 70)
    for r in rows:
        print(
            f"{r['subject']:<36} {r['backend']:<8} {r['ops_per_s']:>12,.0f} {r['us_per_op']:>10.2f}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("bench_limits.quick.json" if args.quick else "bench_limits.json")
    out.write_text(
        json.dumps(
            {
                "benchmark": "limits",
                "quick": args.quick,
                "python": platform.python_version(),
                "machine": platform.platform(),
                "measured_at": datetime.now(UTC).isoformat(),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"\nresults written to {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
