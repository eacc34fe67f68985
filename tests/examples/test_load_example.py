"""The load script of the example app (benchmarks/load_example.py) keeps
running: a small run under gunicorn whose invariants must hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_example.py"


@pytest.mark.skipif(
    shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None
    and shutil.which("gunicorn") is None,
    reason="gunicorn is not installed (dev extra)",
)
def test_load_script_small_run_holds_every_invariant() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--backend", "sqlite", "--sends", "300",
         "--stops", "10", "--callbacks", "40", "--contacts", "40", "--max-seconds", "60"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every invariant holds" in result.stdout
    assert "FAIL" not in result.stdout
