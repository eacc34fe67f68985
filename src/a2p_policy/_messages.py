"""Value objects of the engine: outbound messages, decisions, results.

attrs frozen/slots classes: they are created once per message on the hot
path, so no pydantic validation here beyond what each field needs (phone
numbers are normalized, enums checked).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from a2p_policy._errors import InvalidPhoneNumber
from a2p_policy._findings import Finding
from a2p_policy._limits.monitor import SUSPENSION_EXEMPT_KINDS
from a2p_policy._phone import SenderType, normalize_phone, normalize_sender, sender_type
from a2p_policy._usecases import UseCase
from a2p_policy._validation import (
    InvalidField,
    InvalidPhoneField,
    check_account,
    check_body,
    check_state,
    check_text,
    enum_by_name,
)

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
#: (sources.md [policy], suspension section).
EXEMPT_FROM_SUSPENSION: frozenset[MessageKind] = frozenset(
    MessageKind[name] for name in SUSPENSION_EXEMPT_KINDS
)


def _check(validator: Callable[[object, str], object], name: str):  # type: ignore[no-untyped-def]
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        validator(value, name)

    return check


def _phone(field: str, normalize: Callable[[str], str], value: object) -> str:
    try:
        return normalize(value)  # type: ignore[arg-type]
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneField(f"{field}: {exc}", field) from exc


def _sender(value: object) -> str:
    return _phone("sender", normalize_sender, value)


def _to(value: object) -> str:
    return _phone("to", normalize_phone, value)


def _kind(value: object) -> MessageKind:
    kind = enum_by_name(MessageKind, value)
    if kind is None:
        raise InvalidField(
            f"kind must be a MessageKind ({', '.join(k.name for k in MessageKind)}), got {value!r}",
            "kind",
        )
    return kind


def _use_case(value: object) -> UseCase:
    use_case = enum_by_name(UseCase, value)
    if use_case is None:
        raise InvalidField(f"use_case must be a UseCase, got {value!r}", "use_case")
    return use_case


def _body(value: object) -> str:
    return check_body(value, "body")


def _state(value: object) -> str | None:
    return check_state(value, "state")


@attrs.frozen(slots=True)
class OutboundMessage:
    """A message an application wants to send.

    ``OutboundMessage(account, sender, to, body, *, brand, kind=BULK,
    use_case=UseCase.ACCOUNT_NOTIFICATIONS, state=None)``.

    Everything ``authorize`` would refuse for its shape is refused here, at
    construction, by the shared validators of :mod:`a2p_policy._validation`
    (errors name the field: ``InvalidField.field`` /
    ``InvalidPhoneField.field``):

    * ``account``: non-empty, at most 200 characters, no control characters.
    * ``sender``: our number, any :class:`~a2p_policy.SenderType`:
      normalized by :func:`~a2p_policy.normalize_sender` (E.164, or
      the digits of a short code).
    * ``to``: the recipient, normalized to E.164.
    * ``body``: a str with at least one visible character.
    * ``state``: the recipient's state when known, for the quiet-hours state
      packs (otherwise the area code decides): a US state, DC, a US
      territory or a Canadian province/territory, stored upper-case.
    """

    account: str = attrs.field(validator=_check(check_account, "account"))
    sender: str = attrs.field(converter=_sender)
    to: str = attrs.field(converter=_to)
    body: str = attrs.field(converter=_body)
    brand: str = attrs.field(kw_only=True, validator=_check(check_text, "brand"))
    kind: MessageKind = attrs.field(kw_only=True, default=MessageKind.BULK, converter=_kind)
    use_case: UseCase = attrs.field(
        kw_only=True, default=UseCase.ACCOUNT_NOTIFICATIONS, converter=_use_case
    )
    state: str | None = attrs.field(kw_only=True, default=None, converter=_state)

    @property
    def sender_type(self) -> SenderType:
        """The kind of number ``sender`` is."""
        return sender_type(self.sender)


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
