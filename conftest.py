"""Fixtures for the python blocks of README.md and docs/*.md.

pytest-markdown-docs (``--markdown-docs`` in pyproject.toml) runs every
python block of those pages as a test. Each block runs in a fresh temporary
working directory, so ``sqlite:///a2p.db`` in an example never writes into
the clone.

A block takes the plugin's options (``notest``, ``continuation``,
``fixture:NAME``) from an HTML comment on the line before it, separated by
a blank line, so the fence itself stays a plain ```` ```python ````
(rendered the same by mkdocs and GitHub, invisible to readers)::

    <!-- test: continuation -->

    ```python
    ...

A block that needs a server names a fixture (``fixture:redis_server``,
``fixture:postgres_server``): it starts a private server on loopback
(tests/servers.py) and exports its address in the environment variable the
example reads (``A2P_REDIS_URL``, ``A2P_POSTGRES_URL``), or skips the block
when the server cannot be started (fails it under ``CI=true``). How to mark
a block: docs/testing.md.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import sys
import warnings
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # tests.servers, when pytest is not run from the root
    sys.path.insert(0, str(ROOT))


_OPTIONS = re.compile(r"^<!--\s*test:\s*(?P<options>[^>]*?)\s*-->\s*$")


def _fence_options_from_comments(state: StateCore) -> None:
    """Append the options of a ``<!-- test: ... -->`` comment to the info
    string of the python fence right after it."""
    tokens = state.tokens
    for before, token in itertools.pairwise(tokens):
        if token.type != "fence" or token.info.split()[:1] != ["python"]:
            continue
        if before.type == "html_block" and (found := _OPTIONS.match(before.content.strip())):
            token.info = f"{token.info} {found['options']}"


def pytest_markdown_docs_markdown_it() -> MarkdownIt:
    """The parser pytest-markdown-docs uses, with the comment options."""
    parser = MarkdownIt("commonmark")
    parser.core.ruler.push("a2p_fence_options", _fence_options_from_comments)
    return parser


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> Generator[None, list[pytest.Collector], list[pytest.Collector]]:
    """Python blocks come from the markdown pages only: the plugin's second
    collector for every ``.py`` file (it imports the module and parses each
    docstring as markdown, in every xdist worker) is dropped; the test
    modules' docstrings hold no python blocks."""
    collectors: list[pytest.Collector] = yield
    if file_path.suffix != ".py":
        return collectors
    return [c for c in collectors if type(c).__name__ != "MarkdownDocstringCodeModule"]


# ----------------------------------------------------------------- slow tests
#: Tests marked ``slow`` here (listed once, so their files stay as they are):
#: each takes 2-75 s alone: the 14-day demo end to end, multi-process stress,
#: the benchmark smoke run, the stateful model check on PostgreSQL, the
#: SQLite process pools (tests/limits/test_concurrency.py keeps a
#: multi-process SQLite check in the quick run) and the example app's load
#: script under gunicorn.
SLOW_TESTS: tuple[str, ...] = (
    "tests/demo/test_fortnight.py::",
    "tests/backends/test_stress.py::",
    "tests/perf/test_bench_suite.py::",
    "tests/contract/test_stateful.py::test_backend_matches_model[postgres]",
    "tests/storage/test_sqlite_processes.py::",
    "tests/examples/test_load_example.py::",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (always run under CI=true or A2P_RUN_SLOW=1)",
    )


def _run_slow(config: pytest.Config) -> bool:
    if config.getoption("--run-slow"):
        return True
    if "slow" in (config.getoption("-m") or ""):  # -m slow / -m "not slow": as asked
        return True
    flags = (os.environ.get("CI", ""), os.environ.get("A2P_RUN_SLOW", ""))
    return any(flag.lower() in ("1", "true", "yes") for flag in flags)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark :data:`SLOW_TESTS` ``slow``; skip them unless asked (the README's
    quick command) with the reason saying how to run them."""
    run_slow = _run_slow(config)
    skip = pytest.mark.skip(reason="slow: run with --run-slow (CI=true runs it)")
    for item in items:
        if item.nodeid.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)
        if not run_slow and item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _markdown_block_in_tmp_dir(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each markdown block (and only those) in its own empty directory."""
    if request.node.get_closest_marker("markdown-docs") is None:
        yield
        return
    here = ROOT if "repo_root" in request.fixturenames else request.getfixturevalue("tmp_path")
    # Every object alive before the block goes to the permanent generation, so
    # the collection after it walks only what the block made (a full
    # collection of the worker's heap costs ~0.3 s, per block).
    gc.freeze()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(here)
            mp.setenv("A2P_REPO_ROOT", str(ROOT))
            yield
        # An example may drop an engine without closing its storage (``engine
        # = PolicyEngine(...)`` twice): collect it here, quietly, rather than
        # let CPython 3.13's ResourceWarning for an unclosed SQLite connection
        # fail whichever test the garbage collector happens to run in next.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
    finally:
        gc.unfreeze()


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
