"""Run every ``benchmarks/bench_*.py`` script in turn, on this machine, now.

``python benchmarks/run_all.py [--quick]``: each script prints its own table
(ours side by side with its peers, measured in the same run) and writes a JSON
result file under ``benchmarks/results/``. ``--quick`` is a smoke run of a few
seconds so CI keeps the suite from rotting; its figures are not to be quoted.
``--servers`` starts private Redis and PostgreSQL servers once (as the tests
do) and hands their URIs to every script (``A2P_BENCH_REDIS`` /
``A2P_BENCH_POSTGRES``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmark scripts found", file=sys.stderr)
        return 1
    if "--servers" not in argv:
        return run(scripts, argv)
    sys.path.insert(0, str(HERE))
    from bench_suite import start_servers  # type: ignore[import-not-found]

    servers = start_servers()
    try:
        return run(scripts, [a for a in argv if a != "--servers"])
    finally:
        for server in servers:
            server.destroy()


def run(scripts: list[Path], argv: list[str]) -> int:
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} {' '.join(argv)}", flush=True)
        result = subprocess.run([sys.executable, str(script), *argv], check=False)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
