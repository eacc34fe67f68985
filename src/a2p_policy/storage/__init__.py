"""Pluggable storage: the port (:class:`Storage`) and its backends.

Backends subclass :class:`StorageBackend` and build keys with
:func:`make_key` (every part escaped by :func:`key_part`).
``MemoryStorage`` is imported eagerly; ``SQLiteStorage``, ``RedisStorage``
and ``PostgresStorage`` load on first access so that their drivers (redis,
psycopg) stay optional.
"""

from typing import TYPE_CHECKING, Any

from a2p_policy.storage.backend import StorageBackend
from a2p_policy.storage.base import Storage, key_part, make_key
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.storage.uri import open_storage, redact_uri, register_storage, resolve_storage

if TYPE_CHECKING:
    from a2p_policy.storage.postgres import PostgresStorage
    from a2p_policy.storage.redis import RedisStorage
    from a2p_policy.storage.sqlite import SQLiteStorage

__all__ = [
    "MemoryStorage",
    "PostgresStorage",
    "RedisStorage",
    "SQLiteStorage",
    "Storage",
    "StorageBackend",
    "key_part",
    "make_key",
    "open_storage",
    "redact_uri",
    "register_storage",
    "resolve_storage",
]

_LAZY = {
    "SQLiteStorage": "a2p_policy.storage.sqlite",
    "RedisStorage": "a2p_policy.storage.redis",
    "PostgresStorage": "a2p_policy.storage.postgres",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'a2p_policy.storage' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
