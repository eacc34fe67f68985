"""Components the engine builds or receives share its storage and clock, on
every backend: a QuietHours or SnowshoeDetector with a storage of its own
would keep state-pack caps or snowshoe fingerprints per process behind a
shared store (the injected-component bug of the architecture issue)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, storage_params
from tests.engine._support import grant, msg

from a2p_policy._clock import ManualClock
from a2p_policy._content.snowshoe import SnowshoeDetector
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import ConfigurationError
from a2p_policy._limits.quiet_hours import QuietHours
from a2p_policy._settings import ContentSettings, LimitsSettings
from a2p_policy._usecases import UseCase
from a2p_policy.storage.memory import MemoryStorage

FLORIDA = "+13055550123"  # Miami: the Florida pack caps marketing at 3 per 24 h


@pytest.fixture(params=[p for p in storage_params() if p.id != "memory"])
def factory(request: pytest.FixtureRequest) -> BackendFactory:
    """Backends where two handles share one store (SQLite, Redis, PostgreSQL)."""
    return request.param  # type: ignore[no-any-return]


def test_a_component_on_another_storage_is_refused(day_clock: ManualClock) -> None:
    store = MemoryStorage()
    for settings in (
        {"limits": LimitsSettings(quiet_hours=QuietHours())},
        {"content": ContentSettings(snowshoe=SnowshoeDetector())},
        {"limits": LimitsSettings(quiet_hours=QuietHours(storage=store))},  # other clock
    ):
        with pytest.raises(ConfigurationError, match=r"(storage|clock)"):
            PolicyEngine(storage=store, clock=day_clock, **settings)


def test_components_the_engine_builds_share_its_storage(day_clock: ManualClock) -> None:
    store = MemoryStorage()
    engine = PolicyEngine(storage=store, clock=day_clock, content=ContentSettings(snowshoe=True))
    assert engine.quiet_hours is not None
    assert engine.quiet_hours.storage is store
    assert engine.quiet_hours.clock is day_clock
    assert engine.snowshoe is not None
    assert engine.snowshoe.storage is store


def test_state_pack_caps_are_shared_by_engines_on_one_store(
    factory: BackendFactory, tmp_path: Path, day_clock: ManualClock
) -> None:
    """Two processes' engines (two handles on one backend), each given a
    QuietHours built on its own handle: the Florida cap of 3 marketing
    messages per 24 h holds across both."""
    first, second = factory(tmp_path), factory(tmp_path)
    try:
        engines = [
            PolicyEngine(
                storage=s,
                clock=day_clock,
                limits=LimitsSettings(quiet_hours=QuietHours(storage=s, clock=day_clock)),
            )
            for s in (first, second)
        ]
        grant(engines[0], FLORIDA, scopes=(UseCase.MARKETING,), express=True)
        marketing = msg("Sale today", to=FLORIDA, use_case=UseCase.MARKETING, state="FL")
        allowed = [engines[n % 2].authorize(marketing).allowed for n in range(5)]
        assert allowed == [True, True, True, False, False]
        assert engines[1].check(marketing).codes == ("quiet_hours",)
    finally:
        first.close()
        second.close()
