"""The installed ``a2p-policy`` console script, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _script() -> str:
    here = Path(sys.executable).parent / "a2p-policy"
    found = str(here) if here.exists() else shutil.which("a2p-policy")
    if found is None:  # pragma: no cover - the package is installed editable
        pytest.fail("the a2p-policy console script is not installed (pip install -e .)")
    return found


def _run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run(
        [_script(), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def test_console_script_demo(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    proc = _run("demo", "--days", "2", "--contacts", "400", "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [d["sent"] for d in data["days"]] == [100, 250]
    assert db.is_file()
    assert proc.stderr == ""  # not a terminal: no progress bar


def test_console_script_exit_codes() -> None:
    proc = _run("lint", "-", "--json", stdin="Deal at bit.ly/x")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["blocked"] is True
    proc = _run("classify", "nope")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error" in proc.stderr
