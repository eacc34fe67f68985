"""a2p_policy: a policy engine for compliant SMS in the US and Canada.

Public names only; see the documentation for each component.
"""

from a2p_policy.clock import Clock, ManualClock, SystemClock
from a2p_policy.errors import (
    A2PPolicyError,
    ConfigurationError,
    ConsentError,
    DndLocked,
    InvalidArgument,
    InvalidPhoneNumber,
    InvalidTransition,
    NaiveDatetimeError,
    SignatureError,
    StorageError,
    StorageUnavailable,
    TollFreeApiError,
)
from a2p_policy.storage import MemoryStorage, Storage, open_storage, register_storage

__version__ = "0.1.0"

__all__ = [
    "A2PPolicyError",
    "Clock",
    "ConfigurationError",
    "ConsentError",
    "DndLocked",
    "InvalidArgument",
    "InvalidPhoneNumber",
    "InvalidTransition",
    "ManualClock",
    "MemoryStorage",
    "NaiveDatetimeError",
    "SignatureError",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "SystemClock",
    "TollFreeApiError",
    "__version__",
    "open_storage",
    "register_storage",
]
