"""Shared test configuration: hypothesis profiles and common fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, settings
from tests._budget import DEV_DEFAULT, profile_name, scale_given_test

from a2p_policy._clock import ManualClock
from a2p_policy.storage.memory import MemoryStorage

# Hypothesis profiles (tests/_budget.py says what each one runs). No
# per-example deadline anywhere: CI machines and ``-n auto`` runs are noisy.
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=DEV_DEFAULT,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(profile_name())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under the ``dev`` profile, run each ``@given`` test's own
    ``max_examples`` divided by five (``tests/_budget.py``); ``ci`` and
    ``thorough`` keep the counts as written."""
    for item in items:
        test = getattr(item, "obj", None)
        if test is not None:
            scale_given_test(test)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at Monday 2026-01-05 12:00 UTC."""
    return ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
def memory_storage() -> Iterator[MemoryStorage]:
    s = MemoryStorage()
    yield s
    s.close()
