"""Several processes sharing one SQLite file never over-grant (SPEC 6: "under
any concurrency, across threads and processes sharing a store, the granted
count in a day never exceeds that day's limit")."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("a2p_policy.storage.sqlite") is None,
    reason="the SQLite backend (a2p_policy.storage.sqlite) is not available yet",
)

WORKERS = 4

WORKER = textwrap.dedent(
    """
    import json, random, sys
    from datetime import UTC, datetime
    from a2p_policy._clock import ManualClock
    from a2p_policy._limits.monitor import HealthLevel, RateMonitor
    from a2p_policy._limits.quiet_hours import QuietHours
    from a2p_policy._limits.ramp import RampMode, RampSchedule, RampUpLimiter
    from a2p_policy._usecases import UseCase

    uri, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    clock = ManualClock(datetime(2026, 1, 5, 15, 0, tzinfo=UTC))
    cal = RampUpLimiter(storage=uri, clock=clock)
    lvl = RampUpLimiter(RampSchedule(mode=RampMode.LEVEL_UNLOCK), storage=uri, clock=clock)
    mon = RateMonitor(storage=uri, clock=clock)
    events = []
    mon.subscribe(lambda account, status: events.append(status.level.value))
    quiet = QuietHours(storage=uri, clock=clock)
    out = {"calendar": 0, "level": 0, "quiet": 0}
    for _ in range(60):
        out["calendar"] += cal.reserve("acct", rng.randint(1, 9)).granted
        out["level"] += lvl.reserve("acct", rng.randint(1, 9)).granted
        out["quiet"] += quiet.reserve("+13055550123", use_case=UseCase.MARKETING).allowed
        mon.record_sent("acct")
        mon.record_opt_out("acct")  # opt-out rate ~100 %: suspended at 100 sent
    out["events"] = events
    out["level_after"] = lvl.level("acct")
    print(json.dumps(out))
    """
)


def test_processes_sharing_one_sqlite_file_never_over_grant(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.db'}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), uri, str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(WORKERS)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    # 4 workers x 60 tries x >= 1 message each always exhaust the limits.
    assert sum(r["calendar"] for r in results) == 100  # day 1 of the ramp
    assert sum(r["level"] for r in results) == 100  # level 1, then restricted
    assert sum(r["quiet"] for r in results) == 3  # Florida: 3 per contact per 24 h
    assert all(r["level_after"] == 1 for r in results)
    # The one change of level (HEALTHY -> SUSPENDED) was announced by exactly
    # one process.
    events = [e for r in results for e in r["events"]]
    assert events == ["suspended"]
