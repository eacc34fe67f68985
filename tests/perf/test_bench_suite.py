"""The benchmark suite runs (a tiny smoke run) and writes its JSON, so it
never rots between releases (issue 8: CI runs it in quick mode)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_suite.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_suite_under_test", SUITE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_every_row_and_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = _load()
    out = tmp_path / "suite.json"
    args = ["--quick", "--ops", "40", "--repeat", "1", "--contacts", "40", "--bulk", "120"]
    assert suite.main([*args, "--memory-contacts", "300", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    subjects = {(r["subject"], r["backend"]) for r in data["results"]}
    for needed in (
        ("dict lookup + int increment", "memory"),
        ("limits fixed-window hit", "memory"),
        ("normalize_phone E.164 (cold)", "-"),
        ("classify_inbound", "-"),
        ("RampUpLimiter.reserve", "memory"),
        ("PolicyEngine.authorize", "sqlite"),
    ):
        assert needed in subjects
    assert any(s.startswith("PolicyEngine.authorize_bulk") for s, _ in subjects)
    assert all(r["ops_per_s"] > 0 and r["us_per_op"] > 0 for r in data["results"])
    assert data["memory"]["contacts"] == 300
    assert len(data["targets"]) == 7
    assert "target" in capsys.readouterr().out
