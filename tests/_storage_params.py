"""Backends to parametrize storage-dependent tests over (shared by test folders).

Use from any test folder::

    from tests._storage_params import open_backend, storage_params

    @pytest.fixture(params=storage_params())
    def storage(request, tmp_path):
        with open_backend(request.param, tmp_path) as s:
            yield s

Each param is a factory ``(tmp_path) -> Storage`` with an id ("memory",
"sqlite", "redis", "postgres"). Server backends join as
``pytest.param(factory, id="redis", marks=pytest.mark.redis)`` so that
``-m "not redis"`` deselects them; each test folder gets its own key prefix
(Redis) or an emptied schema (PostgreSQL) on the shared test server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.servers import emptied_postgres_backend, postgres_backend, redis_backend

from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.storage.sqlite import SQLiteStorage

__all__ = ["BackendFactory", "open_backend", "storage_params"]

#: Builds a fresh, empty backend; the argument is a private temporary folder.
BackendFactory = Callable[[Path], Storage]


def memory_backend(tmp_path: Path) -> Storage:
    return MemoryStorage()


def sqlite_backend(tmp_path: Path) -> Storage:
    return SQLiteStorage(tmp_path / "a2p-test.db", timeout=10)


def storage_params(*, fresh_schema: bool = False) -> list[Any]:
    """``pytest.param`` objects, one per backend: ids "memory", "sqlite",
    "redis" and "postgres". The server backends carry their marker (deselect
    with ``-m "not redis and not postgres"``); their servers start on first
    use (``tests/servers.py``) and a missing server skips locally, fails under
    ``CI=true``.

    PostgreSQL opens one schema per test process, emptied for each new test
    folder (:func:`tests.servers.emptied_postgres_backend`); with
    ``fresh_schema=True`` a schema of its own per test folder instead, for a
    test that keeps stores of two folders open at once."""
    postgres = postgres_backend if fresh_schema else emptied_postgres_backend
    return [
        pytest.param(memory_backend, id="memory"),
        pytest.param(sqlite_backend, id="sqlite"),
        pytest.param(redis_backend, id="redis", marks=pytest.mark.redis),
        pytest.param(postgres, id="postgres", marks=pytest.mark.postgres),
    ]


@contextmanager
def open_backend(factory: BackendFactory, tmp_path: Path) -> Iterator[Storage]:
    """Open a backend from a param's factory and close it afterwards."""
    storage = factory(tmp_path)
    try:
        yield storage
    finally:
        storage.close()
