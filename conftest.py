"""Fixtures for the python blocks of README.md and docs/*.md.

pytest-markdown-docs (``--markdown-docs`` in pyproject.toml) runs every
python block of those pages as a test. Each block runs in a fresh temporary
working directory, so ``sqlite:///a2p.db`` in an example never writes into
the clone. A block that needs a server names a fixture in its fence, e.g.
```` ```{.python fixture:redis_server} ````; the fixture starts a private
server on loopback (tests/servers.py) and exports its address in the
environment variable the example reads (``A2P_REDIS_URL``,
``A2P_POSTGRES_URL``), or skips the block when the server cannot be started
(fails it under ``CI=true``). How to mark a block: docs/testing.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # tests.servers, when pytest is not run from the root
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _markdown_block_in_tmp_dir(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each markdown block (and only those) in its own empty directory."""
    if request.node.get_closest_marker("markdown-docs") is None:
        yield
        return
    here = ROOT if "repo_root" in request.fixturenames else request.getfixturevalue("tmp_path")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(here)
        mp.setenv("A2P_REPO_ROOT", str(ROOT))
        yield


@pytest.fixture
def redis_server(monkeypatch: pytest.MonkeyPatch) -> str:
    """A private Redis for a docs block; its URL is in ``A2P_REDIS_URL``."""
    from tests.servers import shared_redis_uri

    uri = shared_redis_uri()
    monkeypatch.setenv("A2P_REDIS_URL", uri)
    return uri


@pytest.fixture
def postgres_server(monkeypatch: pytest.MonkeyPatch) -> str:
    """A private PostgreSQL for a docs block; its URL is in ``A2P_POSTGRES_URL``."""
    from tests.servers import shared_postgres_uri

    uri = shared_postgres_uri()
    monkeypatch.setenv("A2P_POSTGRES_URL", uri)
    return uri


@pytest.fixture
def storage_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """``A2P_STORAGE_URL`` for a docs block: an SQLite file in its directory."""
    uri = "sqlite:///a2p.db"
    monkeypatch.setenv("A2P_STORAGE_URL", uri)
    return uri


@pytest.fixture
def repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run a docs block from the repository root (as the page says), and
    undo what it adds to ``sys.path`` and ``sys.modules``."""
    monkeypatch.setattr(sys, "path", sys.path.copy())
    before = set(sys.modules)
    yield ROOT
    for name in set(sys.modules) - before:
        if name == "app":
            del sys.modules[name]
