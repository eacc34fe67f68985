"""Choosing a backend by URI: a small registry keyed by scheme, and the one
helper that takes secrets out of a URI before it reaches an error or a log.

``open_storage("memory://")``, ``open_storage("sqlite:///var/lib/app/a2p.db")``
(``sqlite:///:memory:`` for a private in-memory database),
``redis://host:6379/0`` and ``postgresql://user@host/db``. A backend class
registers its schemes when it is defined (``schemes = ("redis", "rediss")``
on a :class:`~a2p_policy.storage.backend.StorageBackend` subclass); the
built-in ones are imported on first use, so ``import a2p_policy`` needs none
of their drivers. Third parties may also call :func:`register_storage`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Final
from urllib.parse import SplitResult, parse_qsl, urlsplit

from a2p_policy._errors import InvalidArgument
from a2p_policy.storage.base import Storage

__all__ = [
    "StorageFactory",
    "join_uri",
    "open_storage",
    "redact_uri",
    "register_storage",
    "resolve_storage",
    "split_uri",
]

StorageFactory = Callable[[str], Storage]

_REGISTRY: dict[str, StorageFactory] = {}

#: Built-in schemes and the module whose backend class registers them.
_BUILTIN: Final[dict[str, str]] = {
    "memory": "a2p_policy.storage.memory",
    "sqlite": "a2p_policy.storage.sqlite",
    "redis": "a2p_policy.storage.redis",
    "rediss": "a2p_policy.storage.redis",
    "postgresql": "a2p_policy.storage.postgres",
    "postgres": "a2p_policy.storage.postgres",
}

#: Query or conninfo options whose value is a secret.
_SECRET_OPTIONS: Final = frozenset({"password", "passwd", "pass", "pwd", "secret", "token"})
_CONNINFO_SECRET: Final = re.compile(
    r"\b(password|passwd|pass|pwd|secret|token)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)", re.IGNORECASE
)
#: ``scheme://user:password@``: the password runs to the last ``@`` before
#: the query (a password with an unencoded ``/`` or ``@`` is still hidden).
#: The password of a URI's user info, whatever its scheme (even a missing or
#: malformed one, as in an error about that very URI).
_USERINFO_SECRET: Final = re.compile(r"^([^:/?#@]*://[^:/@?#]*):[^?#]*@")
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def redact_uri(uri: object) -> str:
    """``uri`` with every secret replaced by ``***``, for errors and logs.

    The password of the user info (``postgresql://app:***@db/app``, found
    even when it holds ``/``, ``:`` or ``@`` that a URI parser would misread),
    secret query options (``?password=***``) and ``password=...`` in a libpq
    ``key=value`` string. Anything that cannot be parsed is shown as
    ``<unparsable URI>`` rather than risk showing a secret.
    """
    if not isinstance(uri, str):
        return f"<{type(uri).__name__}>"
    if "://" not in uri:
        return _CONNINFO_SECRET.sub(r"\1\2***", uri)
    out = _USERINFO_SECRET.sub(r"\1:***@", uri, count=1)
    try:
        parts = urlsplit(out)
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(name.lower() in _SECRET_OPTIONS for name, _ in pairs):
                query = "&".join(
                    f"{name}=***" if name.lower() in _SECRET_OPTIONS else f"{name}={value}"
                    for name, value in pairs
                )
    except ValueError:
        return "<unparsable URI>"
    if query == parts.query and not parts.fragment:
        return out
    return join_uri(parts.scheme, parts.netloc, parts.path, query)


def join_uri(scheme: str, netloc: str, path: str, query: str) -> str:
    """``scheme://netloc/path?query``, keeping ``//`` even with no host
    (``sqlite:////abs.db``, ``unix:///run/redis.sock``), unlike ``urlunsplit``."""
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def split_uri(uri: object, schemes: tuple[str, ...], what: str) -> SplitResult:
    """``urlsplit(uri)`` for a backend's ``from_uri``: refuses a non-str, a
    malformed URI or another scheme with InvalidArgument naming the redacted
    URI."""
    if not isinstance(uri, str):
        raise InvalidArgument(f"{what} URI must be a str, got {type(uri).__name__}")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise InvalidArgument(f"malformed {what} URI {redact_uri(uri)}: {exc}") from exc
    if parts.scheme.lower() not in schemes:
        raise InvalidArgument(
            f"not a {what} URI ({' or '.join(s + '://' for s in schemes)}): {redact_uri(uri)}"
        )
    return parts


def register_storage(scheme: str, factory: StorageFactory) -> None:
    """Make ``open_storage`` build ``factory(uri)`` for URIs of ``scheme``."""
    if not isinstance(scheme, str) or not scheme or not callable(factory):
        raise InvalidArgument("register_storage needs a scheme string and a callable")
    _REGISTRY[scheme.lower()] = factory


def _known() -> str:
    return ", ".join(sorted(set(_REGISTRY) | set(_BUILTIN)))


def open_storage(uri: str) -> Storage:
    """Open the storage backend named by ``uri``.

    Raises :class:`~a2p_policy.InvalidArgument` (a ``ValueError``) for
    an unknown scheme or a malformed URI; the URI in the message is redacted.
    """
    match = _SCHEME.match(uri) if isinstance(uri, str) else None
    if match is None:
        raise InvalidArgument(
            f"storage URI must look like 'scheme://...', got {redact_uri(uri)}; "
            f"known schemes: {_known()}"
        )
    scheme = match.group(1).lower()
    factory = _REGISTRY.get(scheme)
    if factory is None and scheme in _BUILTIN:
        importlib.import_module(_BUILTIN[scheme])  # its backend class registers the scheme
        factory = _REGISTRY.get(scheme)
    if factory is None:
        raise InvalidArgument(
            f"unknown storage scheme {scheme!r} in {redact_uri(uri)}; known: {_known()}"
        )
    return factory(uri)


def resolve_storage(storage: Storage | str | None) -> Storage:
    """Accept a Storage, a URI, or None (a new in-memory storage)."""
    if storage is None:
        from a2p_policy.storage.memory import MemoryStorage

        return MemoryStorage()
    if isinstance(storage, str):
        return open_storage(storage)
    if isinstance(storage, Storage):
        return storage
    raise InvalidArgument(
        f"storage must be a Storage, a URI string or None, got {type(storage).__name__}"
    )
