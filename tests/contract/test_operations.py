"""The storage port's contract, operation by operation, on every backend.

The tests live in the public :class:`a2p_policy.testing.contract.StorageContract`
(so third-party backends run the very same suite); this module runs it on the
library's four backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params

from a2p_policy.storage.base import Storage
from a2p_policy.testing.contract import StorageContract


class TestBackendContract(StorageContract):
    # One PostgreSQL schema per worker, emptied for each test (the tests use
    # one storage each, through the port only).
    @pytest.fixture(params=storage_params())
    def storage(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
        factory: BackendFactory = request.param
        with open_backend(factory, tmp_path) as storage:
            yield storage
