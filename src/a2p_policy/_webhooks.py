"""Framework-neutral helpers for Twilio's messaging webhooks.

* :func:`verify_twilio_signature` checks ``X-Twilio-Signature`` with the
  twilio SDK's own ``RequestValidator`` (HMAC-SHA1 of the public URL plus the
  sorted form parameters; HMAC-SHA256 when the request names it in
  ``X-Twilio-Webhooks-Signature-Settings``).
* :func:`public_url` rebuilds the URL Twilio actually called when the app
  runs behind a proxy or load balancer (``X-Forwarded-Proto`` /
  ``X-Forwarded-Host`` / ``X-Forwarded-Port``), the usual reason signature
  checks fail in production; or configure the public base URL explicitly.
* :func:`parse_status_callback` and :func:`parse_inbound_message` turn the
  form posts into typed models (pydantic), including Advanced Opt-Out's
  ``OptOutType`` field.

Works with any framework: pass the form as a mapping of str to str (for a
multi-valued form, a mapping of str to list of str).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from a2p_policy._errors import InvalidArgument, SignatureError
from a2p_policy._optional import require
from a2p_policy._phone import normalize_phone, normalize_sender
from a2p_policy._validation import InvalidField, check_sid

__all__ = [
    "InboundMessage",
    "MessageStatus",
    "OptOutType",
    "StatusCallback",
    "parse_inbound_message",
    "parse_status_callback",
    "public_url",
    "require_twilio_signature",
    "verify_twilio_signature",
]


class MessageStatus(enum.Enum):
    """Twilio's message status words (the ones a status callback reports)."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    RECEIVING = "receiving"
    RECEIVED = "received"
    READ = "read"
    CANCELED = "canceled"
    PARTIALLY_DELIVERED = "partially_delivered"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def is_error(self) -> bool:
        return self in (MessageStatus.UNDELIVERED, MessageStatus.FAILED)


_FINAL = frozenset(
    {MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.READ}
)


class OptOutType(enum.Enum):
    """Advanced Opt-Out's classification of an inbound message."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


def _one(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
        if value is None:
            return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise InvalidArgument(f"form field {name} must be a string, got {type(value).__name__}")
    return value


def _address(value: str, normalize: Any) -> str:
    # Channel addresses (whatsapp:+1..., messenger:...) are kept as given;
    # plain numbers are normalized so they match the rest of the library.
    if ":" in value and not value.lower().startswith("tel:"):
        return value
    result: str = normalize(value)
    return result


class _Webhook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    message_sid: str
    account_sid: str | None = None
    messaging_service_sid: str | None = None
    from_: str
    to: str

    @field_validator("message_sid")
    @classmethod
    def _sid(cls, value: str) -> str:
        return check_sid(value, "MessageSid")

    @field_validator("account_sid", "messaging_service_sid")
    @classmethod
    def _optional_sid(cls, value: str | None) -> str | None:
        # Absent is fine; present but blank or malformed is refused.
        return None if value is None else check_sid(value, "sid")

    #: Which of ``from_`` and ``to`` is our number (a long code, a toll-free
    #: number or a short code); the other is the contact's phone number.
    _our_number: ClassVar[str]

    @field_validator("from_", "to")
    @classmethod
    def _addresses(cls, value: str, info: ValidationInfo) -> str:
        ours = info.field_name == cls._our_number
        return _address(value, normalize_sender if ours else normalize_phone)


class StatusCallback(_Webhook):
    """A message status callback (``StatusCallback`` URL of a message)."""

    status: MessageStatus
    error_code: int | None = None
    error_message: str | None = None

    _our_number = "from_"

    @property
    def is_final(self) -> bool:
        return self.status.is_final


class InboundMessage(_Webhook):
    """An incoming message (the number's or service's inbound webhook)."""

    body: str = ""
    num_media: int = 0
    opt_out_type: OptOutType | None = None

    _our_number = "to"


#: The form field behind each model field, for error messages.
_FORM_NAMES = {
    "message_sid": "MessageSid",
    "account_sid": "AccountSid",
    "messaging_service_sid": "MessagingServiceSid",
    "from_": "From",
    "to": "To",
    "status": "MessageStatus",
    "error_code": "ErrorCode",
    "error_message": "ErrorMessage",
    "body": "Body",
    "num_media": "NumMedia",
    "opt_out_type": "OptOutType",
}


def _parsed(model: type[BaseModel], data: dict[str, Any], what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        loc = errors[0].get("loc", ()) if errors else ()
        name = str(loc[0]) if loc else ""
        field = _FORM_NAMES.get(name, name) or None
        details = "; ".join(
            f"{_FORM_NAMES.get(str(e['loc'][0]), e['loc'][0]) if e.get('loc') else '?'}: "
            f"{e.get('msg', '')}"
            for e in errors
        )
        raise InvalidField(f"malformed {what}: {details}", field) from exc


def _envelope(form: Mapping[str, Any], sid_alias: str) -> dict[str, Any]:
    """The fields every webhook carries (``sid_alias``: the older name of
    ``MessageSid`` in this kind of post)."""
    return {
        "message_sid": _one(form, "MessageSid") or _one(form, sid_alias),
        "account_sid": _one(form, "AccountSid"),
        "messaging_service_sid": _one(form, "MessagingServiceSid"),
        "from_": _one(form, "From"),
        "to": _one(form, "To"),
    }


def parse_status_callback(form: Mapping[str, str]) -> StatusCallback:
    """Parse a status callback form post.

    Accepts ``MessageStatus`` (or the older ``SmsStatus``) and the optional
    ``ErrorCode``. Raises :class:`~a2p_policy.InvalidArgument` (a
    ``ValueError``) naming what is missing or malformed.
    """
    if not isinstance(form, Mapping):
        raise InvalidArgument("form must be a mapping of field names to values")
    status = _one(form, "MessageStatus") or _one(form, "SmsStatus")
    if status is None:
        raise InvalidArgument("status callback without MessageStatus")
    code_raw = _one(form, "ErrorCode")
    code: int | None = None
    if code_raw not in (None, ""):
        try:
            code = int(str(code_raw).strip())
        except ValueError as exc:
            raise InvalidArgument(f"ErrorCode must be a number, got {code_raw!r}") from exc
    data = {
        **_envelope(form, "SmsSid"),
        "status": status.strip().lower(),
        "error_code": code,
        "error_message": _one(form, "ErrorMessage"),
    }
    result: StatusCallback = _parsed(StatusCallback, data, "status callback")
    return result


def parse_inbound_message(form: Mapping[str, str]) -> InboundMessage:
    """Parse an inbound message form post (``From``, ``To``, ``Body``,
    ``MessageSid``, ``NumMedia``, Advanced Opt-Out's ``OptOutType``)."""
    if not isinstance(form, Mapping):
        raise InvalidArgument("form must be a mapping of field names to values")
    opt_out = _one(form, "OptOutType")
    num_media = _one(form, "NumMedia")
    data = {
        **_envelope(form, "SmsMessageSid"),
        "body": _one(form, "Body") or "",
        "num_media": num_media if num_media not in (None, "") else 0,
        "opt_out_type": opt_out.strip().upper() if opt_out else None,
    }
    result: InboundMessage = _parsed(InboundMessage, data, "inbound message")
    return result


def public_url(
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    base_url: str | None = None,
    trust_forwarded: bool = True,
) -> str:
    """The URL Twilio called, as it must be signed.

    ``base_url`` (e.g. ``"https://api.example.com"``), when given, replaces
    the scheme and host of ``url`` outright (the most robust choice behind
    proxies). Otherwise, with ``trust_forwarded``, the ``X-Forwarded-Proto``,
    ``X-Forwarded-Host`` and ``X-Forwarded-Port`` headers (first value of
    each) replace the scheme, host and port. Only trust forwarded headers
    when a proxy you control sets them.
    """
    if not isinstance(url, str) or not url:
        raise InvalidArgument("url must be a non-empty string")
    parts = urlsplit(url)
    scheme, netloc = parts.scheme, parts.netloc
    if base_url is not None:
        base = urlsplit(base_url)
        if not base.scheme or not base.netloc:
            raise InvalidArgument(f"base_url must be absolute, got {base_url!r}")
        scheme, netloc = base.scheme, base.netloc
    elif trust_forwarded and headers:
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        proto = lower.get("x-forwarded-proto", "").split(",")[0].strip()
        host = lower.get("x-forwarded-host", "").split(",")[0].strip()
        port = lower.get("x-forwarded-port", "").split(",")[0].strip()
        if proto:
            scheme = proto
        if host:
            netloc = host
        if port and ":" not in netloc:
            default = {"https": "443", "http": "80"}.get(scheme)
            if port != default:
                netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def verify_twilio_signature(
    url: str,
    params: Mapping[str, Any] | str | None,
    signature: str | None,
    auth_token: str,
    *,
    signature_settings: str | None = None,
) -> bool:
    """True when ``signature`` is Twilio's signature of ``url`` and ``params``.

    ``url`` must be the public URL Twilio called (see :func:`public_url`),
    including the query string. ``params`` is the form (a mapping; multi
    valued forms as mapping of str to list) or, for JSON webhooks, the raw
    body string with ``bodySHA256`` in the URL. ``signature_settings`` is the
    ``X-Twilio-Webhooks-Signature-Settings`` header when present. A missing
    signature or token gives False, never an exception.
    """
    require("twilio", "verify_twilio_signature")  # names the extra when absent
    from twilio.request_validator import RequestValidator, get_signature_algorithm

    if not isinstance(url, str) or not url or not isinstance(auth_token, str) or not auth_token:
        return False
    if not isinstance(signature, str) or not signature:
        return False
    if params is not None and not isinstance(params, Mapping | str):
        return False
    form: Any = params
    if isinstance(params, Mapping):
        form = _MultiDict(params)
    try:
        algorithm = get_signature_algorithm(signature_settings)
        return bool(RequestValidator(auth_token).validate(url, form, signature, algorithm))
    except (ValueError, TypeError, AttributeError, UnicodeError):
        return False


def require_twilio_signature(
    url: str,
    params: Mapping[str, Any] | str | None,
    signature: str | None,
    auth_token: str,
    *,
    signature_settings: str | None = None,
) -> None:
    """Like :func:`verify_twilio_signature` but raises
    :class:`~a2p_policy.SignatureError` when the check fails."""
    if not verify_twilio_signature(
        url, params, signature, auth_token, signature_settings=signature_settings
    ):
        raise SignatureError(
            "X-Twilio-Signature missing or invalid for this URL and form; behind a proxy, "
            "sign against the public URL (see public_url)"
        )


class _MultiDict:
    """Adapts a mapping (values str or list of str) to the validator's getall()."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __iter__(self) -> Any:
        return iter(self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def getall(self, name: str) -> list[str]:
        value = self._data[name]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]
