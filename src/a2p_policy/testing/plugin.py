"""The a2p_policy pytest plugin: fixtures for projects built on the library.

Registered through the ``pytest11`` entry point, so installing a2p_policy is
enough; in a project that does not install the entry point, add
``-p a2p_policy.testing.plugin`` (or ``pytest_plugins =
["a2p_policy.testing.plugin"]`` in the root ``conftest.py``).

Fixtures

``a2p_clock``
    A :class:`~a2p_policy.ManualClock` at Monday 2026-01-05 12:00 UTC.
    Every rule of the library reads time from the injected clock (DESIGN:
    time only from the clock), so a test moves time with ``advance``.
``a2p_storage``
    The storage of the test: a new in-memory one, or the backend named by
    ``--a2p-storage URI`` (or the ``a2p_storage`` ini option) to run the same
    tests against SQLite, Redis or PostgreSQL. ``{tmp_path}`` in the URI is
    replaced by the test's temporary directory
    (``--a2p-storage "sqlite:///{tmp_path}/a2p.db"`` gives each test a fresh
    database). Closed after the test.
``a2p_engine_options``
    Keyword arguments for the engine (default ``{}``); override this fixture
    to configure ``a2p_engine``.
``a2p_engine``
    A :class:`~a2p_policy.PolicyEngine` on ``a2p_storage`` and ``a2p_clock``.
``a2p_engine_factory``
    A function that builds a fresh engine (new in-memory storage and clock
    unless given; other keyword arguments go to the engine). Session-scoped:
    for hypothesis tests, where one function-scoped engine would leak state
    between examples (and hypothesis refuses function-scoped fixtures).
``tollfree_fake``
    An :class:`~a2p_policy.InMemoryTollFreeTransport` (the fake API) on the
    test's storage and clock; ``approve``/``reject`` play the reviewer.
``tollfree_client``
    A :class:`~a2p_policy.TollFreeVerificationClient` on ``tollfree_fake``.

Loading the plugin imports only pytest and this package's data tables; the
library is imported when a fixture is first used, and hypothesis never (the
strategies live in :mod:`a2p_policy.testing.strategies`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from a2p_policy.testing._data import CLOCK_START

if TYPE_CHECKING:
    from a2p_policy._clock import ManualClock
    from a2p_policy._engine import PolicyEngine
    from a2p_policy._tollfree.client import TollFreeVerificationClient
    from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
    from a2p_policy.storage.base import Storage

__all__ = [
    "DEFAULT_STORAGE_URI",
    "a2p_clock",
    "a2p_engine",
    "a2p_engine_factory",
    "a2p_engine_options",
    "a2p_storage",
    "pytest_addoption",
    "pytest_report_header",
    "tollfree_client",
    "tollfree_fake",
]

#: The storage used when no ``--a2p-storage`` is given.
DEFAULT_STORAGE_URI = "memory://"
_TMP_PLACEHOLDER = "{tmp_path}"

EngineFactory = Callable[..., "PolicyEngine"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("a2p_policy", "a2p_policy test kit")
    group.addoption(
        "--a2p-storage",
        action="store",
        dest="a2p_storage",
        default=None,
        metavar="URI",
        help=(
            "storage URI for the a2p_storage fixture (default memory://); "
            "{tmp_path} is replaced by the test's temporary directory"
        ),
    )
    parser.addini(
        "a2p_storage",
        "storage URI for the a2p_storage fixture (see --a2p-storage)",
        default="",
    )


def _configured_uri(config: pytest.Config) -> str | None:
    value = config.getoption("a2p_storage", default=None) or config.getini("a2p_storage")
    if not value:
        return None
    return str(value).strip() or None


def pytest_report_header(config: pytest.Config) -> str | None:
    uri = _configured_uri(config)
    if not uri:
        return None
    from a2p_policy.storage.uri import redact_uri

    return f"a2p_policy: a2p_storage = {redact_uri(uri)}"  # never print a password


@pytest.fixture
def a2p_clock() -> ManualClock:
    """A manual clock at Monday 2026-01-05 12:00 UTC."""
    from a2p_policy._clock import ManualClock

    return ManualClock(CLOCK_START)


@pytest.fixture
def a2p_storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    """The test's storage: in-memory, or the ``--a2p-storage`` URI."""
    from a2p_policy.storage.uri import open_storage

    uri = _configured_uri(request.config) or DEFAULT_STORAGE_URI
    if _TMP_PLACEHOLDER in uri:
        tmp: Path = request.getfixturevalue("tmp_path")
        uri = uri.replace(_TMP_PLACEHOLDER, tmp.as_posix())
    storage = open_storage(uri)
    try:
        yield storage
    finally:
        storage.close()


@pytest.fixture
def a2p_engine_options() -> dict[str, Any]:
    """Extra keyword arguments for ``a2p_engine`` (override to configure)."""
    return {}


@pytest.fixture
def a2p_engine(
    a2p_storage: Storage, a2p_clock: ManualClock, a2p_engine_options: dict[str, Any]
) -> PolicyEngine:
    """A PolicyEngine on the test's storage and clock."""
    from a2p_policy._engine import PolicyEngine

    options = dict(a2p_engine_options)
    options.setdefault("storage", a2p_storage)
    options.setdefault("clock", a2p_clock)
    return PolicyEngine(**options)


@pytest.fixture(scope="session")
def a2p_engine_factory() -> EngineFactory:
    """``make(**options) -> PolicyEngine``: a fresh engine per call, on a new
    in-memory storage and a new clock at the usual start unless ``storage`` /
    ``clock`` are given. Session-scoped, so hypothesis tests may use it (call
    it inside the test, once per example)."""

    def make(**options: Any) -> PolicyEngine:
        from a2p_policy._clock import ManualClock
        from a2p_policy._engine import PolicyEngine
        from a2p_policy.storage.memory import MemoryStorage

        if options.get("storage") is None:
            options["storage"] = MemoryStorage()
        if options.get("clock") is None:
            options["clock"] = ManualClock(CLOCK_START)
        return PolicyEngine(**options)

    return make


@pytest.fixture
def tollfree_fake(a2p_storage: Storage, a2p_clock: ManualClock) -> InMemoryTollFreeTransport:
    """The in-memory fake of the toll-free verification API."""
    from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport

    return InMemoryTollFreeTransport(storage=a2p_storage, clock=a2p_clock)


@pytest.fixture
def tollfree_client(
    tollfree_fake: InMemoryTollFreeTransport, a2p_storage: Storage, a2p_clock: ManualClock
) -> TollFreeVerificationClient:
    """A TollFreeVerificationClient talking to ``tollfree_fake``."""
    from a2p_policy._tollfree.client import TollFreeVerificationClient

    return TollFreeVerificationClient(tollfree_fake, clock=a2p_clock, storage=a2p_storage)
