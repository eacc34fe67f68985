"""Shared test configuration: hypothesis profiles and common fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings

from a2p_policy.clock import ManualClock
from a2p_policy.storage.memory import MemoryStorage

# Shared CI machines are slow and noisy: no per-example deadline.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at Monday 2026-01-05 12:00 UTC."""
    return ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
def memory_storage() -> Iterator[MemoryStorage]:
    s = MemoryStorage()
    yield s
    s.close()
