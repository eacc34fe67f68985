"""Shared helpers of the Messenger tests: numbers, messages, consent, engines.

The clock stands at Monday 2026-01-05 18:00 UTC (10:00 in San Francisco,
the 415 numbers used here): inside the federal quiet-hours window, so
marketing is allowed unless a test moves the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from a2p_policy._clock import ManualClock
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._engine import PolicyEngine
from a2p_policy._messages import MessageKind, OutboundMessage
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.base import Storage

DAYTIME = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
#: 23:00 in San Francisco: marketing is deferred to 08:00 local.
NIGHT = datetime(2026, 1, 6, 7, 0, tzinfo=UTC)
ACCOUNT = "acct-1"
BRAND = "Acme"
SENDER = "+14155550199"
TO = "+14155550100"
TO2 = "+14155550101"


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
) -> OutboundMessage:
    return OutboundMessage(account, sender, to, body, brand=brand, kind=kind, use_case=use_case)


def grant(
    engine: PolicyEngine,
    to: str = TO,
    *,
    account: str = ACCOUNT,
    brand: str = BRAND,
    scopes: Iterable[UseCase] = (UseCase.ACCOUNT_NOTIFICATIONS,),
    express: bool = False,
) -> None:
    """Record a verbal, first-party consent of ``to`` for ``brand``, held by
    ``account`` (the one place consent is built in these tests)."""
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


def make_engine(storage: Storage, clock: ManualClock | None = None) -> PolicyEngine:
    return PolicyEngine(storage=storage, clock=clock or ManualClock(DAYTIME))


def used(engine: PolicyEngine, account: str = ACCOUNT) -> int:
    """Messages of today's ramp-up quota used by ``account``."""
    return engine.ramp.peek(account, 0).used


def counted_sent(engine: PolicyEngine, account: str = ACCOUNT) -> int:
    """Sends the rate monitor counted for ``account`` in its window."""
    return engine.monitor.peek(account).sent
