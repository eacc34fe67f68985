"""Pluggable storage: the port (:class:`Storage`) and its backends."""

from a2p_policy.storage.base import Storage, make_key
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.storage.uri import open_storage, register_storage, resolve_storage

__all__ = [
    "MemoryStorage",
    "Storage",
    "make_key",
    "open_storage",
    "register_storage",
    "resolve_storage",
]
