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
    assert data["memory"]["scale"]["messages"] == 200
    names = {t["name"] for t in data["targets"]}
    assert "authorize memory >= 0.5x limits fixed" in names
    assert "round trips per authorize, redis <= 2" in names
    assert any(n.startswith("authorize_bulk/msg, ") for n in names)
    # Interleaved rounds: every row measured in every round.
    assert all(r["rounds"] == 1 and len(r["us_per_op_rounds"]) == 1 for r in data["results"])
    assert "target" in capsys.readouterr().out


def test_rounds_are_interleaved_and_ratios_are_per_round() -> None:
    suite = _load()
    order: list[tuple[str, int]] = []

    def runner(name: str) -> object:
        return lambda r: order.append((name, r))

    ref = suite.Item("peer", suite.REFERENCE, "memory", runner("ref"), 1)
    ours = suite.Item("ours", "x", "memory", runner("ours"), 1)
    suite.interleave([ref, ours], 3)
    assert order == [("ref", 0), ("ours", 0), ("ref", 1), ("ours", 1), ("ref", 2), ("ours", 2)]
    # Drift: the machine slows down twice over; the per-round ratio stays 0.5.
    ref.times, ours.times = [1.0, 2.0, 4.0], [2.0, 4.0, 8.0]
    rows = {r["subject"]: r for r in suite.rows_of([ref, ours])}
    assert rows["x"]["ratio_to_limits_fixed"] == 0.5
    assert rows["x"]["us_per_op"] == 4.0 * 1e6


def test_round_trip_counter_counts_redis_commands_and_pipelines() -> None:
    pytest.importorskip("redis")
    import redis.client

    suite = _load()
    counter = suite.RoundTrips()
    counter.install()
    try:
        client = redis.client.Redis(host="127.0.0.1", port=1)  # never connected
        pipe = client.pipeline()
        pipe.set("a", "1")  # buffered: no round trip
        assert counter.count == 0
        with pytest.raises(redis.exceptions.ConnectionError):
            client.get("a")
        assert counter.count == 1
        with pytest.raises(redis.exceptions.ConnectionError):
            pipe.execute()
        assert counter.count == 2
    finally:
        counter.uninstall()
    assert "wrapper" not in redis.client.Redis.execute_command.__name__
