"""The limit components behave the same on every storage backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params

from a2p_policy._clock import ManualClock
from a2p_policy._limits.monitor import HealthLevel, MonitorStatus, RateMonitor, RateWindow
from a2p_policy._limits.quiet_hours import QuietHours
from a2p_policy._limits.ramp import RampMode, RampSchedule, RampUpLimiter
from a2p_policy._usecases import UseCase
from a2p_policy.storage.base import Storage


@pytest.fixture(params=storage_params())
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as s:
        yield s


def test_ramp_calendar(storage: Storage, clock: ManualClock) -> None:
    r = RampUpLimiter(storage=storage, clock=clock)
    r.record_success("a")
    g = r.reserve("a", 150)
    assert (g.granted, g.denied, g.used) == (100, 50, 100)
    assert r.release("a", 10) == 90
    clock.advance(timedelta(days=1))
    assert r.limit_for("a") == 250
    r.set_override("a", 7)
    assert r.reserve("a", 10).granted == 7
    r.set_override("a", None)
    assert r.remaining("a") == 243


def test_ramp_level_unlock(storage: Storage, clock: ManualClock) -> None:
    r = RampUpLimiter(RampSchedule(mode=RampMode.LEVEL_UNLOCK), storage=storage, clock=clock)
    assert r.reserve("a", 100).restricted_until == clock.now() + timedelta(hours=24)
    assert r.reserve("a").granted == 0
    clock.advance(timedelta(hours=24))
    assert r.reserve("a", 300).granted == 250


def _collector(events: list[HealthLevel]) -> Callable[[str, MonitorStatus], None]:
    def collect(account: str, status: MonitorStatus) -> None:
        events.append(status.level)

    return collect


def test_monitor(storage: Storage, clock: ManualClock) -> None:
    for window in (RateWindow.utc_day(), RateWindow.rolling()):
        m = RateMonitor(storage=storage, clock=clock, window=window, prefix=f"m{window.bucket}")
        events: list[HealthLevel] = []
        m.subscribe(_collector(events))
        m.record_sent("a", 200)
        m.record_opt_out("a", 2)
        assert m.status("a").level is HealthLevel.WARNING
        m.record_opt_out("a", 3)
        st = m.status("a")
        assert st.level is HealthLevel.SUSPENDED
        assert st.suspended_until == datetime(2026, 1, 6, tzinfo=UTC)
        assert events == [HealthLevel.WARNING, HealthLevel.SUSPENDED]


def test_quiet_hours_cap(storage: Storage, clock: ManualClock) -> None:
    clock.set(datetime(2026, 1, 5, 15, 0, tzinfo=UTC))  # 10:00 in Miami
    q = QuietHours(storage=storage, clock=clock)
    results = [q.reserve("+13055550123", use_case=UseCase.MARKETING).allowed for _ in range(4)]
    assert results == [True, True, True, False]
