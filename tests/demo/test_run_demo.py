"""run_demo on small runs: arguments, determinism, progress, invariants."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._demo import DemoReport, run_demo
from a2p_policy._errors import InvalidArgument
from a2p_policy._limits.monitor import HealthLevel
from a2p_policy.storage import MemoryStorage

RAMP = (100, 250, 500, 750, 1500, 2250, 3000)


def _small(**kw: Any) -> DemoReport:
    args: dict[str, Any] = {"days": 2, "contacts": 400, "storage": MemoryStorage()}
    args.update(kw)
    return run_demo(**args)


def _comparable(report: DemoReport) -> dict[str, Any]:
    data = report.to_dict()
    data.pop("elapsed_seconds")
    data.pop("storage")
    return data


def test_deterministic_for_a_seed() -> None:
    a = _small(days=3, seed=11)
    b = _small(days=3, seed=11)
    assert _comparable(a) == _comparable(b)
    c = _small(days=3, seed=12)
    assert _comparable(a) != _comparable(c)


def test_progress_reaches_the_total() -> None:
    calls: list[tuple[int, int]] = []
    _small(days=2, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (10, 10)
    assert [d for d, _ in calls] == list(range(1, 11))


def test_default_storage_is_a_new_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report = run_demo(days=1, contacts=120)
    assert report.storage.startswith(f"sqlite:///{tmp_path}")
    assert list(tmp_path.glob("a2p-policy-demo-*/demo.db"))
    assert report.days[0].sent == 100


def test_a_short_bad_day_run_suspends_early() -> None:
    report = _small(days=3, contacts=600, bad_day=2)
    day2 = report.days[1]
    assert day2.peak_level is HealthLevel.SUSPENDED
    assert day2.denied_suspended > 0
    assert report.days[2].sent == report.days[2].limit == 500
    assert report.stale_contacts == 90


def test_no_bad_day() -> None:
    report = _small(days=2, bad_day=None)
    assert report.bad_day is None
    assert report.stale_contacts == 0
    assert all(d.peak_level is not HealthLevel.SUSPENDED for d in report.days)


def test_a_bad_day_after_the_run_imports_nothing() -> None:
    report = _small(days=2, bad_day=9)
    assert report.bad_day is None
    assert report.stale_contacts == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"days": 0},
        {"days": -1},
        {"days": True},
        {"days": "14"},
        {"days": 400},
        {"contacts": 10},
        {"contacts": None},
        {"seed": "7"},
        {"seed": False},
        {"bad_day": 0},
        {"bad_day": 1.5},
        {"progress": 5},
    ],
)
def test_bad_arguments_raise_a_library_error(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        run_demo(**kw)


def test_bad_storage_uri_raises_a_library_error() -> None:
    with pytest.raises(ValueError, match="scheme"):
        run_demo(days=1, contacts=60, storage="nosuch://x")


@settings(max_examples=4)
@given(seed=st.integers(min_value=-(2**40), max_value=2**40), days=st.integers(1, 3))
def test_small_runs_keep_their_invariants(seed: int, days: int) -> None:
    report = _small(days=days, seed=seed, contacts=600, bad_day=None)
    assert len(report.days) == days
    for d, limit in zip(report.days, RAMP, strict=False):
        assert d.limit == limit
        assert d.sent == limit
        assert d.requested == (
            d.sent
            + d.skipped_dnd
            + d.skipped_consent
            + d.denied_limit
            + d.denied_suspended
            + d.denied_other
        )
        assert d.sent == d.delivered + d.failed
        assert 0.0 <= d.error_rate <= 1.0
        assert 0.0 <= d.opt_out_rate <= 1.0
