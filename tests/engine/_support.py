"""Shared helpers for the PolicyEngine tests (numbers, messages, consent,
storage snapshots).

The clock of these tests stands at Monday 2026-01-05 18:00 UTC: 10:00 in
San Francisco (the 415 numbers used here), inside the federal quiet-hours
window (SPEC section 10), so marketing is allowed unless a test moves the
clock.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from a2p_policy._consent.record import ConsentRecord
from a2p_policy._engine import PolicyEngine
from a2p_policy._messages import MessageKind, OutboundMessage
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.memory import MemoryStorage

__all__ = [
    "ACCOUNT",
    "BRAND",
    "DAYTIME",
    "SENDER",
    "TO",
    "TO2",
    "TOLL_FREE",
    "grant",
    "msg",
    "phone",
    "snapshot",
]

#: 10:00 in America/Los_Angeles on a Monday.
DAYTIME = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
ACCOUNT = "acct-1"
BRAND = "Acme"
#: A local (San Francisco) sender number.
SENDER = "+14155550199"
#: Contacts in San Francisco (one time zone: America/Los_Angeles).
TO = "+14155550100"
TO2 = "+14155550101"
#: A toll-free sender number.
TOLL_FREE = "+18005550100"


def phone(n: int) -> str:
    """The n-th distinct San Francisco contact (n < 10,000)."""
    return f"+1415556{n:04d}"


def msg(
    body: str = "Your order shipped",
    *,
    to: str = TO,
    sender: str = SENDER,
    account: str = ACCOUNT,
    brand: str = BRAND,
    kind: MessageKind = MessageKind.BULK,
    use_case: UseCase = UseCase.ACCOUNT_NOTIFICATIONS,
    state: str | None = None,
) -> OutboundMessage:
    return OutboundMessage(
        account, sender, to, body, brand=brand, kind=kind, use_case=use_case, state=state
    )


def grant(
    engine: PolicyEngine,
    to: str = TO,
    *,
    brand: str = BRAND,
    scopes: Iterable[UseCase] = (UseCase.ACCOUNT_NOTIFICATIONS,),
    express: bool = False,
    account: str = ACCOUNT,
) -> None:
    """Record a verbal, first-party consent of ``to`` for ``brand``, held by
    ``account``."""
    engine.consent.grant(
        ConsentRecord(
            phone=to,
            brand=brand,
            account=account,
            method=OptInMethod.VERBAL,
            captured_at=engine.clock.now(),
            scopes=frozenset(scopes),
            express=express,
        )
    )


def snapshot(storage: MemoryStorage) -> dict[str, Any]:
    """Everything a MemoryStorage holds (counters, hashes, values, logs,
    sorted sets), deep-copied, for before/after comparisons."""
    with storage._lock:
        return copy.deepcopy(
            {
                "counters": storage._counters,
                "hashes": storage._hashes,
                "values": storage._values,
                "logs": storage._logs,
                "sets": storage._sets,
            }
        )
