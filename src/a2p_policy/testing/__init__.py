"""The a2p_policy test kit: hypothesis strategies, a pytest plugin, helpers.

* :mod:`a2p_policy.testing.strategies`: hypothesis strategies for valid phone
  numbers, message bodies, consent records, outbound messages, toll-free
  verification requests and inbound keyword texts (needs hypothesis).
* :mod:`a2p_policy.testing.plugin`: the pytest plugin (fixtures
  ``a2p_clock``, ``a2p_storage``, ``a2p_engine``, ``a2p_engine_factory``,
  ``tollfree_fake``, ``tollfree_client``; option ``--a2p-storage``).
* :mod:`a2p_policy.testing.contract`: ``StorageContract``, the storage
  port's contract suite as a pytest base class for third-party backends.
* :mod:`a2p_policy.testing._helpers`: ``grant_consent``, ``approve_tollfree``,
  ``example_tollfree_request``, ``sign_twilio_request``, ``inbound_form``,
  ``status_form``.

Every name is importable from here; names are loaded on first use, so
importing this package (as the pytest plugin does) costs nothing and works
without hypothesis installed (only the strategies need it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from a2p_policy.testing._helpers import (
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        approve_tollfree,
        example_tollfree_request,
        grant_consent,
        inbound_form,
        sign_twilio_request,
        status_form,
    )
    from a2p_policy.testing.contract import StorageContract
    from a2p_policy.testing.strategies import (
        brands,
        consent_records,
        inbound_bodies,
        message_bodies,
        notification_bodies,
        outbound_messages,
        phone_number_formats,
        phone_numbers,
        raw_phone_numbers,
        tollfree_requests,
    )

__all__ = [
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "StorageContract",
    "approve_tollfree",
    "brands",
    "consent_records",
    "example_tollfree_request",
    "grant_consent",
    "inbound_bodies",
    "inbound_form",
    "message_bodies",
    "notification_bodies",
    "outbound_messages",
    "phone_number_formats",
    "phone_numbers",
    "raw_phone_numbers",
    "sign_twilio_request",
    "status_form",
    "tollfree_requests",
]

#: Where the names of ``__all__`` live, searched in this order on first use:
#: the helpers need neither hypothesis nor pytest, the strategies need
#: hypothesis, the contract suite pytest and hypothesis.
_MODULES = (
    "a2p_policy.testing._helpers",
    "a2p_policy.testing.strategies",
    "a2p_policy.testing.contract",
)


def __getattr__(name: str) -> Any:
    if name in __all__:
        for module_name in _MODULES:
            module = importlib.import_module(module_name)
            if name in module.__all__:  # its own public names, never an import
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'a2p_policy.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
