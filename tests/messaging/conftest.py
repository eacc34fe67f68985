"""Fixtures of the Messenger tests: backends, a manual clock, an engine, a
fake transport and a Messenger wired together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params
from tests.messaging._support import DAYTIME, make_engine

from a2p_policy._clock import ManualClock
from a2p_policy._engine import PolicyEngine
from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger
from a2p_policy.storage.base import Storage

_LOCAL = [p for p in storage_params() if p.id in ("memory", "sqlite")]


@pytest.fixture(params=_LOCAL)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Memory and SQLite: every Messenger behaviour is tested on both."""
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as s:
        yield s


@pytest.fixture(params=storage_params())
def any_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Every backend (memory, SQLite, Redis, PostgreSQL): idempotency and quota return."""
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as s:
        yield s


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DAYTIME)


@pytest.fixture
def engine(storage: Storage, clock: ManualClock) -> PolicyEngine:
    return make_engine(storage, clock)


@pytest.fixture
def transport(clock: ManualClock) -> InMemoryMessagingTransport:
    return InMemoryMessagingTransport(clock=clock)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def messenger(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, sleeps: list[float]
) -> Messenger:
    return Messenger(
        engine, transport, status_callback="https://app.example/status", sleep=sleeps.append
    )


@pytest.fixture(params=storage_params())
def backend_factory(request: pytest.FixtureRequest) -> BackendFactory:
    """A backend's factory, for tests that open several handles on one store."""
    factory: BackendFactory = request.param
    return factory
