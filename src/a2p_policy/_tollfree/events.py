"""Event Streams webhooks for toll-free verification (CloudEvents batches).

Why: polling is slow and rate-limited; Event Streams pushes each status
change. The sink receives a JSON array of CloudEvents; this module turns it
into typed :class:`VerificationEvent` values, and refuses anything malformed
with a ``ValueError`` (:class:`~a2p_policy.InvalidArgument`) and
nothing else, so a webhook handler can answer 400 on one except clause.
Applying events (idempotently, never backwards) is the client's job
(``TollFreeVerificationClient.apply_event``).

Source: sources.md [tfv-api], "Event Types &
Payload": the four types (``...toll-free-verification.requested``,
``.request-approved``, ``.request-rejected``, ``.expired``), the data keys
(``tollfreeverificationsid``, ``verificationstatus`` in lower case,
``errorcode``, comma-separated ``errorcodes``, semicolon-separated
``errordescription``, ``editallowed``, dates in epoch milliseconds:
``processeddate``, ``rejectiondate``, ``editexpiration``) and the CloudEvents
envelope (``id``, ``type``, ``time``, ``data``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from a2p_policy._errors import InvalidArgument
from a2p_policy._tollfree.instants import check_instant, from_epoch_millis
from a2p_policy._tollfree.models import VerificationStatus

__all__ = [
    "EVENT_PREFIX",
    "EVENT_TYPES",
    "MAX_PAYLOAD_BYTES",
    "VerificationEvent",
    "parse_verification_events",
]

#: Namespace of the toll-free verification event types.
EVENT_PREFIX: Final = "com.twilio.messaging.compliance.toll-free-verification."

#: The four event types and the status each implies when the data has none.
EVENT_TYPES: Final[Mapping[str, VerificationStatus]] = {
    EVENT_PREFIX + "requested": VerificationStatus.IN_REVIEW,
    EVENT_PREFIX + "request-approved": VerificationStatus.TWILIO_APPROVED,
    EVENT_PREFIX + "request-rejected": VerificationStatus.TWILIO_REJECTED,
    EVENT_PREFIX + "expired": VerificationStatus.TWILIO_REJECTED,
}

#: Larger bodies are refused (a batch of verification events is small).
MAX_PAYLOAD_BYTES: Final = 5_000_000


@attrs.frozen(slots=True)
class VerificationEvent:
    """One toll-free verification event.

    ``occurred_at`` is the CloudEvent ``time`` (falling back to the data's
    ``processeddate``); ``expired`` is True for the ``.expired`` type (the
    7-day edit window passed; status stays TWILIO_REJECTED).
    """

    event_id: str
    event_type: str
    verification_sid: str
    status: VerificationStatus
    occurred_at: datetime
    rejection_codes: tuple[int, ...] = ()
    rejection_descriptions: tuple[str, ...] = ()
    edit_allowed: bool | None = None
    edit_expiration: datetime | None = None
    rejected_at: datetime | None = None
    processed_at: datetime | None = None
    phone_number_sid: str | None = None
    phone_number: str | None = None
    account_sid: str | None = None
    customer_profile_sid: str | None = None

    @property
    def expired(self) -> bool:
        return self.event_type == EVENT_PREFIX + "expired"


def parse_verification_events(payload: str | bytes | list[Any]) -> list[VerificationEvent]:
    """Parse an Event Streams delivery into toll-free verification events.

    ``payload`` is the request body (JSON text or bytes) or the parsed JSON
    (a list of CloudEvents; a single event object is accepted too). Events
    of other products in the same batch are skipped; a toll-free event of an
    unknown type, a missing ``id``/``type``/``data``/verification SID, or a
    malformed value raises :class:`~a2p_policy.InvalidArgument` (a
    ``ValueError``) naming the event and the problem. Nothing else is raised.
    """
    try:
        events = _load(payload)
        out: list[VerificationEvent] = []
        for index, raw in enumerate(events):
            event = _parse_one(raw, index)
            if event is not None:
                out.append(event)
        return out
    except InvalidArgument:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        raise InvalidArgument(f"malformed verification event payload: {exc!s:.200}") from None


def _load(payload: object) -> list[Any]:
    if isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
        if len(raw) > MAX_PAYLOAD_BYTES:
            raise InvalidArgument(f"event payload larger than {MAX_PAYLOAD_BYTES} bytes")
        try:
            payload = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidArgument(f"event payload is not UTF-8: {exc}") from None
    if isinstance(payload, str):
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise InvalidArgument(f"event payload larger than {MAX_PAYLOAD_BYTES} characters")
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise InvalidArgument(f"event payload is not JSON: {exc!s:.120}") from None
    if isinstance(payload, Mapping):
        return [payload]
    if isinstance(payload, list | tuple):
        return list(payload)
    raise InvalidArgument(
        "event payload must be JSON text, bytes or a list of CloudEvents, got "
        f"{type(payload).__name__}"
    )


def _parse_one(raw: object, index: int) -> VerificationEvent | None:
    where = f"event #{index}"
    if not isinstance(raw, Mapping):
        raise InvalidArgument(f"{where} is not a JSON object")
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidArgument(f"{where} has no 'type'")
    if not event_type.startswith(EVENT_PREFIX):
        return None  # another product's event in a shared sink
    if event_type not in EVENT_TYPES:
        raise InvalidArgument(f"{where}: unknown toll-free verification event type {event_type!r}")
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id.strip():
        raise InvalidArgument(f"{where} has no 'id'")
    where = f"event {event_id[:60]!r}"
    data = raw.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise InvalidArgument(f"{where}: 'data' is not JSON") from None
    if not isinstance(data, Mapping):
        raise InvalidArgument(f"{where} has no 'data' object")
    sid = data.get("tollfreeverificationsid")
    if not isinstance(sid, str) or not sid.strip():
        raise InvalidArgument(f"{where} has no 'tollfreeverificationsid'")
    raw_status = data.get("verificationstatus")
    status = EVENT_TYPES[event_type] if raw_status is None else _status(raw_status, where)
    processed = _millis(data.get("processeddate"), where, "processeddate")
    occurred = _time(raw.get("time"), where) or processed
    if occurred is None:
        raise InvalidArgument(f"{where} has neither 'time' nor 'data.processeddate'")
    codes = _codes(data.get("errorcodes"), where)
    if not codes:
        codes = _codes(data.get("errorcode"), where)
    descriptions = data.get("errordescription")
    if descriptions is not None and not isinstance(descriptions, str):
        raise InvalidArgument(f"{where}: 'errordescription' must be a string")
    return VerificationEvent(
        event_id=event_id,
        event_type=event_type,
        verification_sid=sid.strip(),
        status=status,
        occurred_at=occurred,
        rejection_codes=codes,
        rejection_descriptions=tuple(
            d.strip() for d in (descriptions or "").split(";") if d.strip()
        ),
        edit_allowed=_bool(data.get("editallowed"), where),
        edit_expiration=_millis(data.get("editexpiration"), where, "editexpiration"),
        rejected_at=_millis(data.get("rejectiondate"), where, "rejectiondate"),
        processed_at=processed,
        phone_number_sid=_opt_str(data.get("phonenumbersid")),
        phone_number=_opt_str(data.get("phonenumber")),
        account_sid=_opt_str(data.get("accountsid")),
        customer_profile_sid=_opt_str(data.get("customerprofilesid")),
    )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _status(value: object, where: str) -> VerificationStatus:
    try:
        return VerificationStatus.parse(value)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}: {exc}") from None


def _bool(value: object, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidArgument(f"{where}: 'editallowed' must be true or false, got {value!r:.40}")


def _millis(value: object, where: str, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return from_epoch_millis(value, f"'{name}'")
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}: {exc}") from None


def _time(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{where}: 'time' must be an RFC 3339 string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{where}: 'time' is not RFC 3339: {value!r:.60}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidArgument(f"{where}: 'time' has no time zone: {value!r:.60}")
    try:
        return check_instant(parsed, "'time'")
    except InvalidArgument as exc:
        raise InvalidArgument(f"{where}: {exc}") from None


def _codes(value: object, where: str) -> tuple[int, ...]:
    if value is None or value == "":
        return ()
    items: list[object]
    if isinstance(value, str):
        items = [p for p in (s.strip() for s in value.split(",")) if p]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    out: list[int] = []
    for item in items:
        if isinstance(item, str) and item.strip().isdigit() and len(item.strip()) <= 9:
            code = int(item.strip())
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10**9:
            code = item
        else:
            raise InvalidArgument(f"{where}: rejection code {item!r:.40} is not an integer")
        if code not in out:
            out.append(code)
    return tuple(out)
