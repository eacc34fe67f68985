"""Choosing a backend by URI: a small registry keyed by scheme.

``open_storage("memory://")``, ``open_storage("sqlite:///var/lib/app/a2p.db")``
(``sqlite:///:memory:`` for a private in-memory database), later
``redis://`` and ``postgresql://``. Drivers are imported lazily by their
factory, so ``import a2p_policy`` needs none of them. Third parties add
schemes with :func:`register_storage`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from a2p_policy.errors import InvalidArgument
from a2p_policy.storage.base import Storage

__all__ = ["StorageFactory", "open_storage", "register_storage", "resolve_storage"]

StorageFactory = Callable[[str], Storage]

_REGISTRY: dict[str, StorageFactory] = {}


def register_storage(scheme: str, factory: StorageFactory) -> None:
    """Make ``open_storage`` build ``factory(uri)`` for URIs of ``scheme``."""
    if not isinstance(scheme, str) or not scheme or not callable(factory):
        raise InvalidArgument("register_storage needs a scheme string and a callable")
    _REGISTRY[scheme.lower()] = factory


def open_storage(uri: str) -> Storage:
    """Open the storage backend named by ``uri``.

    Raises :class:`~a2p_policy.errors.InvalidArgument` (a ``ValueError``) for
    an unknown scheme or a malformed URI.
    """
    if not isinstance(uri, str) or "://" not in uri:
        raise InvalidArgument(
            f"storage URI must look like 'scheme://...', got {uri!r}; known schemes: "
            + ", ".join(sorted(_REGISTRY))
        )
    scheme = urlsplit(uri).scheme.lower() if ":" in uri else ""
    factory = _REGISTRY.get(scheme)
    if factory is None:
        raise InvalidArgument(
            f"unknown storage scheme {scheme!r} in {uri!r}; known: " + ", ".join(sorted(_REGISTRY))
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


def _memory(uri: str) -> Storage:
    from a2p_policy.storage.memory import MemoryStorage

    return MemoryStorage()


def _sqlite(uri: str) -> Storage:
    from a2p_policy.storage.sqlite import SQLiteStorage

    storage: Storage = SQLiteStorage.from_uri(uri)
    return storage


register_storage("memory", _memory)
register_storage("sqlite", _sqlite)


def _redis(uri: str) -> Storage:
    from a2p_policy.storage.redis import RedisStorage

    storage: Storage = RedisStorage.from_uri(uri)
    return storage


def _postgres(uri: str) -> Storage:
    from a2p_policy.storage.postgres import PostgresStorage

    storage: Storage = PostgresStorage.from_uri(uri)
    return storage


register_storage("redis", _redis)
register_storage("rediss", _redis)
register_storage("postgresql", _postgres)
register_storage("postgres", _postgres)
