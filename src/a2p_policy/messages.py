"""Value objects of the engine: outbound messages, decisions, results.

attrs frozen/slots classes: they are created once per message on the hot
path, so no pydantic validation here beyond what each field needs (phone
numbers are normalized, enums checked).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from a2p_policy.errors import InvalidArgument
from a2p_policy.findings import Finding
from a2p_policy.phone import normalize_phone
from a2p_policy.usecases import UseCase

__all__ = [
    "EXEMPT_FROM_SUSPENSION",
    "BulkResult",
    "Decision",
    "InboundResult",
    "MessageKind",
    "OutboundMessage",
    "StatusResult",
    "Violation",
]


class MessageKind(enum.Enum):
    """What kind of send a message is; rules treat kinds differently (the
    composer's append policy, suspension exemptions)."""

    BULK = "BULK"
    WORKFLOW = "WORKFLOW"
    CAMPAIGN = "CAMPAIGN"
    CONVERSATION = "CONVERSATION"
    TEST = "TEST"
    RESEND = "RESEND"
    MISSED_CALL_TEXT_BACK = "MISSED_CALL_TEXT_BACK"
    REVIEW_REQUEST = "REVIEW_REQUEST"


#: Kinds that still go out while an account is suspended for its rates
#: (reference/phone-messaging-policy-rampup-dnd.txt, suspension section).
EXEMPT_FROM_SUSPENSION: frozenset[MessageKind] = frozenset(
    {
        MessageKind.CONVERSATION,
        MessageKind.TEST,
        MessageKind.RESEND,
        MessageKind.MISSED_CALL_TEXT_BACK,
    }
)


def _nonempty(name: str):  # type: ignore[no-untyped-def]
    def check(_: object, attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgument(f"{name} must be a non-empty string, got {value!r}")

    return check


def _phone(value: object) -> str:
    return normalize_phone(value)  # type: ignore[arg-type]


def _kind(value: object) -> MessageKind:
    if isinstance(value, MessageKind):
        return value
    if isinstance(value, str):
        try:
            return MessageKind[value.strip().upper()]
        except KeyError:
            pass
    raise InvalidArgument(
        f"kind must be a MessageKind ({', '.join(k.name for k in MessageKind)}), got {value!r}"
    )


def _use_case(value: object) -> UseCase:
    if isinstance(value, UseCase):
        return value
    if isinstance(value, str):
        try:
            return UseCase[value.strip().upper()]
        except KeyError:
            pass
    raise InvalidArgument(f"use_case must be a UseCase, got {value!r}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"body must be a str, got {type(value).__name__}")
    return value


@attrs.frozen(slots=True)
class OutboundMessage:
    """A message an application wants to send.

    ``OutboundMessage(account, sender, to, body, *, brand, kind=BULK,
    use_case=UseCase.ACCOUNT_NOTIFICATIONS)``; ``sender`` and ``to`` are
    normalized to E.164 (``InvalidPhoneNumber`` otherwise). ``state`` is the
    recipient's US state when known (two letters), for the quiet-hours state
    rule packs; otherwise the area code decides.
    """

    account: str = attrs.field(validator=_nonempty("account"))
    sender: str = attrs.field(converter=_phone)
    to: str = attrs.field(converter=_phone)
    body: str = attrs.field(converter=_text)
    brand: str = attrs.field(kw_only=True, validator=_nonempty("brand"))
    kind: MessageKind = attrs.field(kw_only=True, default=MessageKind.BULK, converter=_kind)
    use_case: UseCase = attrs.field(
        kw_only=True, default=UseCase.ACCOUNT_NOTIFICATIONS, converter=_use_case
    )
    state: str | None = attrs.field(kw_only=True, default=None)


@attrs.frozen(slots=True)
class Violation:
    """A rule that refuses the message. ``code`` is stable (``consent.missing``,
    ``dnd.permanent``, ``account.suspended``, ``limit.daily``,
    ``sender.unverified``, ``content.blocked``, ``quiet_hours``...)."""

    code: str
    message: str
    retry_at: datetime | None = None
    findings: tuple[Finding, ...] = ()

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@attrs.frozen(slots=True)
class Decision:
    """The engine's answer for one message.

    ``allowed`` is True only when ``violations`` is empty. ``body`` is the
    composed text to send (sender identification and opt-out language added
    where missing). ``warnings`` are findings that do not refuse the message.
    ``retry_at``, when set, is the earliest time a deferred send could pass
    the rules that refused it (quiet hours, daily limit, suspension).
    """

    allowed: bool
    body: str
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Finding, ...] = ()
    segments: int = 0
    encoding: str = "GSM-7"
    initial: bool = True
    retry_at: datetime | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    @property
    def reason(self) -> str:
        """One line a person can read."""
        if self.allowed:
            return "allowed"
        return "; ".join(str(v) for v in self.violations)


@attrs.frozen(slots=True)
class BulkResult:
    """The answer for a batch: ``decisions`` in input order and counts."""

    decisions: tuple[Decision, ...]
    allowed: int
    skipped_dnd: int
    skipped_consent: int
    denied_limit: int
    denied_other: int
    summary: str

    def __len__(self) -> int:
        return len(self.decisions)


@attrs.frozen(slots=True)
class InboundResult:
    """What the engine did with an inbound message.

    ``reply`` is the text to send back (the single opt-out confirmation, the
    opt-in confirmation or the HELP reply), or None. Send it directly: it is
    allowed even though the contact is now on DND. ``needs_review`` is True
    for a POSSIBLE opt-out that was not honored automatically. ``duplicate``
    is True when the MessageSid was seen before: nothing was changed.
    """

    kind: enum.Enum
    reply: str | None
    keyword: str | None = None
    certainty: enum.Enum | None = None
    honored: bool = False
    needs_review: bool = False
    brands: tuple[str, ...] = ()
    duplicate: bool = False


@attrs.frozen(slots=True)
class StatusResult:
    """What a status callback changed."""

    counted: bool
    dnd: enum.Enum | None = None
    level: enum.Enum | None = None
    duplicate: bool = False
