"""Fixtures for the storage contract suite: every backend, same tests.

``any_storage`` is a fresh, empty backend per test; ``shared_storage`` is
one backend per module for hypothesis tests (function-scoped fixtures do not
reset between examples, so those tests use a fresh key per example instead).
Backends come from :func:`tests._storage_params.storage_params`; a server
backend is added there with its marker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params

from a2p_policy.storage.base import Storage


@pytest.fixture(params=storage_params())
def any_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as storage:
        yield storage


@pytest.fixture(params=storage_params())
def backend_factory(request: pytest.FixtureRequest) -> BackendFactory:
    """The factory itself, for tests that open several instances."""
    factory: BackendFactory = request.param
    return factory


@pytest.fixture(scope="module", params=storage_params())
def shared_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path_factory.mktemp("shared")) as storage:
        yield storage
