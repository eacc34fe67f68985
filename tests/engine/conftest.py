"""Fixtures of the engine tests: a daytime clock, an engine on memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.engine._support import DAYTIME

from a2p_policy._clock import ManualClock
from a2p_policy._engine import PolicyEngine
from a2p_policy.storage.memory import MemoryStorage


@pytest.fixture
def day_clock() -> ManualClock:
    """A manual clock at Monday 2026-01-05 18:00 UTC (10:00 in San Francisco)."""
    return ManualClock(DAYTIME)


@pytest.fixture
def store() -> Iterator[MemoryStorage]:
    s = MemoryStorage()
    yield s
    s.close()


@pytest.fixture
def engine(store: MemoryStorage, day_clock: ManualClock) -> PolicyEngine:
    """An engine with default settings on ``store`` and ``day_clock``."""
    return PolicyEngine(storage=store, clock=day_clock)
