"""The rules of a decision: small functions over a batch, run in one order.

A decision reads everything its rules need once per account and chunk
(:class:`Batch`: the monitor's status, DND entries, consent states and
conversation markers), then runs :data:`RULES` over every message, in this
order, collecting every violation (a message refused by one rule still hears
about the others):

1. :func:`sender_rule`: ``sender.unverified`` / ``sender.blocked``: a
   toll-free sender needs an approved verification (toll-free verification
   article; only when a toll-free client is configured).
2. :func:`suspension_rule`: ``account.suspended``: the rate monitor suspended
   the account; one-on-one conversation replies, test messages, resends and
   missed-call text-back are exempt (ramp-up and DND article, suspension).
3. :func:`dnd_rule`: ``dnd.permanent`` / ``dnd.temporary``.
4. :func:`consent_rule`: ``consent.missing`` / ``consent.revoked`` /
   ``consent.scope`` / ``consent.not_express``.
5. :func:`quiet_hours_rule`: ``quiet_hours``: marketing outside the
   recipient's allowed hours or over a state's frequency cap.
6. :func:`content_rule`: ``content.blocked``: a BLOCK finding of the content
   linter on the composed body.

Then the batch steps of :mod:`a2p_policy._decide` run: the snowshoe check
(committing decisions only), the daily limit (``limit.daily``) and the
commit. To add a rule: write a function ``(engine, batch, candidate) ->
Violation | None`` and put it in :data:`RULES`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from a2p_policy._compose.composer import ComposedMessage
from a2p_policy._consent.ledger import ConsentView
from a2p_policy._dnd import DndEntry, DndKind
from a2p_policy._errors import ConfigurationError
from a2p_policy._findings import Finding
from a2p_policy._limits.monitor import HealthLevel, MonitorStatus
from a2p_policy._limits.quiet_hours import QuietHoursResult
from a2p_policy._messages import OutboundMessage, Violation
from a2p_policy._phone import SenderType, sender_type
from a2p_policy._usecases import UseCase

if TYPE_CHECKING:
    from a2p_policy._engine import PolicyEngine

_log = logging.getLogger("a2p_policy._engine")

__all__ = [
    "RULES",
    "Batch",
    "Candidate",
    "Rule",
    "TollFreeGate",
    "VerificationLookup",
    "consent_rule",
    "content_rule",
    "dnd_rule",
    "quiet_hours_rule",
    "sender_rule",
    "suspension_rule",
]


@attrs.define(slots=True)
class Candidate:
    """One message on its way through the rules."""

    index: int
    pos: int
    msg: OutboundMessage
    initial: bool
    composed: ComposedMessage
    content: Violation | None
    warnings: tuple[Finding, ...]
    violations: list[Violation] = attrs.field(factory=list)
    capped: bool = False


@attrs.define(slots=True)
class Batch:
    """What the rules of one account's chunk read, gathered once."""

    account: str
    now: datetime
    commit: bool
    status: MonitorStatus
    entries: list[DndEntry | None]
    states: list[ConsentView | None]
    markers: list[str | None]
    #: The keys of ``markers`` (one per message).
    marker_keys: list[str]
    sender_cache: dict[str, Violation | None]
    quiet_memo: dict[tuple[object, ...], QuietHoursResult] = attrs.field(factory=dict)
    #: (key, value read) of the values the decision depends on beyond its
    #: messages' own state: the kept level, and in calendar mode the ramp
    #: start and override. The commit is guarded by them.
    guards: list[tuple[str, str | None]] = attrs.field(factory=list)
    #: The day's ramp counter as read (calendar mode), for refused messages
    #: and dry runs.
    used: int = 0


Rule = Callable[["PolicyEngine", Batch, Candidate], "Violation | None"]


# ---------------------------------------------------------------- the rules
def sender_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """A toll-free sender must have an approved verification."""
    gate = engine.tollfree_gate
    if gate is None:
        return None
    return gate.violation(c.msg.sender, batch.sender_cache)


def suspension_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """The account is suspended for its rates; exempt kinds still go out."""
    status = batch.status
    if status.level is not HealthLevel.SUSPENDED or c.msg.kind.name in engine.monitor.exempt_kinds:
        return None
    until = status.suspended_until
    return Violation(
        "account.suspended",
        f"account suspended ({status.reason})" + (f" until {until.isoformat()}" if until else ""),
        retry_at=until,
    )


def dnd_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """The contact is on do-not-disturb."""
    entry = batch.entries[c.pos]
    if entry is None:
        return None
    why = f": {entry.reason}" if entry.reason else ""
    if entry.kind is DndKind.PERMANENT:
        return Violation("dnd.permanent", f"contact is on permanent do-not-disturb{why}")
    return Violation(
        "dnd.temporary",
        f"contact is on temporary do-not-disturb{why}",
        retry_at=entry.expires_at,
    )


def consent_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """Proof of opt-in for this account (or brand), brand and use case."""
    state, msg = batch.states[c.pos], c.msg
    if state is None:
        return Violation(
            "consent.missing", f"no consent on record for {msg.to} with brand {msg.brand!r}"
        )
    if not state.granted:
        when = state.revoked_at.isoformat() if state.revoked_at else "earlier"
        return Violation("consent.revoked", f"{msg.to} revoked consent for {msg.brand!r} ({when})")
    if msg.use_case not in state.scopes:
        return Violation(
            "consent.scope",
            f"consent covers {sorted(u.value for u in state.scopes)}, not {msg.use_case.value}",
        )
    if msg.use_case is UseCase.MARKETING and not state.express:
        return Violation(
            "consent.not_express",
            "marketing needs express consent (a stand-alone affirmative agreement)",
        )
    return None


def quiet_hours_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """Marketing outside the recipient's hours, or over a state's cap (the
    cap itself is reserved at commit; see :mod:`a2p_policy._decide`)."""
    violation, c.capped = quiet_hours_check(engine, c.msg, batch.now, memo=batch.quiet_memo)
    return violation


def content_rule(engine: PolicyEngine, batch: Batch, c: Candidate) -> Violation | None:
    """A BLOCK finding of the linter on the composed body."""
    return c.content


#: The rules, in the order they are reported.
RULES: Final[tuple[Rule, ...]] = (
    sender_rule,
    suspension_rule,
    dnd_rule,
    consent_rule,
    quiet_hours_rule,
    content_rule,
)


# ---------------------------------------------------------------- helpers
def quiet_hours_check(
    engine: PolicyEngine,
    msg: OutboundMessage,
    now: datetime,
    *,
    reserve: bool = False,
    memo: dict[tuple[object, ...], QuietHoursResult] | None = None,
) -> tuple[Violation | None, bool]:
    """(violation or None, whether a frequency cap applies). Without a cap,
    ``QuietHours.reserve`` writes nothing and answers exactly what ``check``
    answered for the same instant, so only capped sends need the
    reservation after the check."""
    quiet = engine.quiet_hours
    if quiet is None:
        return None, False
    state = msg.state  # None or a known code: OutboundMessage checked it
    if msg.use_case in quiet.exempt_use_cases:
        # Exempt (transactional): allowed without any storage access.
        return None, False
    if memo is not None and not reserve:
        result = quiet.check_shared(msg.to, now, use_case=msg.use_case, state=state, memo=memo)
    else:
        method = quiet.reserve if reserve else quiet.check
        result = method(msg.to, now, use_case=msg.use_case, state=state)
    capped = result.sent_in_24h is not None
    if result.allowed:
        return None, capped
    return Violation("quiet_hours", result.reason, retry_at=result.next_allowed_at), capped


# ---------------------------------------------------------------- toll-free
class VerificationLookup(Protocol):
    """What the engine needs of a toll-free verification client (a
    :class:`~a2p_policy.TollFreeVerificationClient` is one)."""

    def get(self, sid: str) -> Any:
        """The locally known verification ``sid`` (HH...), or None."""
        ...

    def fetch(self, sid: str) -> Any:
        """The verification ``sid`` read from the API."""
        ...

    def list(self, **filters: Any) -> Any:
        """Verifications matching ``filters`` (e.g. tollfree_phone_number_sid)."""
        ...


class TollFreeGate:
    """The sender rule's knowledge: toll-free numbers and their
    verifications (any lookup failure fails closed)."""

    def __init__(self, client: VerificationLookup, numbers: Mapping[str, str]) -> None:
        missing = [m for m in ("get", "fetch", "list") if not callable(getattr(client, m, None))]
        if missing:
            raise ConfigurationError(
                "tollfree must be a TollFreeVerificationClient (missing " + ", ".join(missing) + ")"
            )
        self.client = client
        #: E.164 sender -> verification or phone-number SID (checked by TollFreeSettings).
        self.numbers = dict(numbers)

    def violation(self, sender: str, cache: dict[str, Violation | None]) -> Violation | None:
        if sender_type(sender) is not SenderType.TOLL_FREE:
            return None
        if sender in cache:
            return cache[sender]
        cache[sender] = result = self._violation(sender)
        return result

    def _violation(self, sender: str) -> Violation | None:
        from a2p_policy._tollfree.models import TrafficState

        sid = self.numbers.get(sender)
        if sid is None:
            return Violation(
                "sender.unverified",
                f"toll-free sender {sender} has no known verification; submit one and map the "
                "number in tollfree_numbers",
            )
        try:
            verification = self._lookup(sid)
        except Exception as exc:  # fail closed on any lookup failure
            _log.warning("toll-free verification lookup failed for %s: %s", sender, exc)
            return Violation(
                "sender.unverified",
                f"toll-free verification of {sender} could not be read ({type(exc).__name__})",
            )
        if verification is None:
            return Violation(
                "sender.unverified", f"toll-free sender {sender}: verification {sid} not found"
            )
        traffic = verification.traffic
        if traffic is TrafficState.VERIFIED:
            return None
        if traffic is TrafficState.BLOCKED:
            return Violation(
                "sender.blocked",
                f"toll-free sender {sender} was rejected without resubmission "
                f"(codes {list(verification.rejection_codes)}); sends fail with 30032",
            )
        return Violation(
            "sender.unverified",
            f"toll-free sender {sender} is not verified (status {verification.status.value}); "
            "since 2024-01-31 unverified toll-free numbers cannot send in the US/Canada",
        )

    def _lookup(self, sid: str) -> Any:
        if sid.startswith("HH"):
            found = self.client.get(sid)
            return found if found is not None else self.client.fetch(sid)
        found_list = self.client.list(tollfree_phone_number_sid=sid)
        if not found_list:
            return None
        return max(found_list, key=lambda v: v.date_updated or v.date_created or 0)
