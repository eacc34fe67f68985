"""One validator per field, shared by every component.

Bad input is refused where it enters the library (an ``OutboundMessage``, a
parsed webhook, a public method's arguments), with an error that names the
field, rather than deep inside a rule or a storage backend. Each validator
here is the single definition of what its field accepts; components import
it instead of re-implementing the check.

* :func:`check_account`: an account (tenant) id: a str, not blank, at most
  :data:`MAX_ACCOUNT_LENGTH` characters, no control characters.
* :func:`check_state`: a recipient's state or province: one of the 50 US
  states, DC, the inhabited US territories (PR, GU, VI, AS, MP) or a
  Canadian province or territory (ISO 3166-2:CA codes); returned upper-case.
* :func:`check_sid`: a provider SID (``SM...``, ``AC...``, ``MG...``): a str
  of 2 to 64 visible ASCII letters and digits, not blank.
* :func:`check_body`: an outbound body: a str with at least one visible
  character (an empty body would be sent as just the appended lines).
* :func:`check_text`: any other required text field (brand...).

Every error is an :class:`InvalidField` (an
:class:`~a2p_policy.InvalidArgument`, so a ``ValueError``) whose
``field`` attribute names the field.
"""

from __future__ import annotations

import enum
from typing import Self, TypeVar

from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber

__all__ = [
    "CA_PROVINCE_CODES",
    "MAX_ACCOUNT_LENGTH",
    "MAX_SID_LENGTH",
    "STATE_CODES",
    "US_STATE_CODES",
    "InvalidField",
    "InvalidPhoneField",
    "check_account",
    "check_body",
    "check_sid",
    "check_state",
    "check_text",
    "field_of",
    "has_control_characters",
]

#: Longest account id accepted (storage keys stay well under 512 characters).
MAX_ACCOUNT_LENGTH = 200
#: Longest SID accepted (Twilio's are 34 characters).
MAX_SID_LENGTH = 64

#: The 50 US states, DC and the inhabited US territories (USPS codes).
US_STATE_CODES: frozenset[str] = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
    ]
)

#: Canada's ten provinces and three territories (ISO 3166-2:CA, the same
#: two letters Canada Post uses).
CA_PROVINCE_CODES: frozenset[str] = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)

#: Every code accepted for a recipient's ``state``.
STATE_CODES: frozenset[str] = US_STATE_CODES | CA_PROVINCE_CODES


class _FieldError(Exception):
    """An error that names the refused field in ``field`` (kept by pickle)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[Self], tuple[str, str | None]]:
        return (type(self), (str(self), self.field))


class InvalidField(_FieldError, InvalidArgument):
    """A field's value is refused; ``field`` names the field."""


class InvalidPhoneField(_FieldError, InvalidPhoneNumber):
    """A phone number field is refused; ``field`` names the field."""


def field_of(exc: BaseException) -> str | None:
    """The field an error is about, when it says (else None)."""
    field = getattr(exc, "field", None)
    return field if isinstance(field, str) else None


def has_control_characters(value: str) -> bool:
    """True if ``value`` holds a C0/C1 control character (NUL, tab, newline,
    DEL...)."""
    return any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value)


def check_account(account: object, field: str = "account") -> str:
    """Return ``account`` if it is a valid account id (see the module doc)."""
    if not isinstance(account, str):
        raise InvalidField(f"{field} must be a str, got {type(account).__name__}", field)
    if not account.strip():
        raise InvalidField(f"{field} must be a non-empty string", field)
    if len(account) > MAX_ACCOUNT_LENGTH:
        raise InvalidField(
            f"{field} id longer than {MAX_ACCOUNT_LENGTH} characters ({len(account)})", field
        )
    if has_control_characters(account):
        raise InvalidField(f"{field} must not contain control characters", field)
    return account


def check_state(state: object, field: str = "state") -> str | None:
    """None, or ``state`` upper-cased if it is a US state, DC, a US territory
    or a Canadian province/territory code."""
    if state is None:
        return None
    if isinstance(state, str):
        code = state.strip().upper()
        if code in STATE_CODES:
            return code
    shown = state if isinstance(state, str) and len(state) <= 20 else type(state).__name__
    raise InvalidField(
        f"{field} must be a two-letter US state, DC, US territory or Canadian province code "
        f"(e.g. 'CA', 'PR', 'ON') or None, got {shown!r}",
        field,
    )


def check_sid(sid: object, field: str = "sid") -> str:
    """Return ``sid`` stripped if it is 2 to 64 ASCII letters and digits."""
    if not isinstance(sid, str):
        raise InvalidField(f"{field} must be a str, got {type(sid).__name__}", field)
    text = sid.strip()
    if not text:
        raise InvalidField(f"{field} must not be blank", field)
    if not 2 <= len(text) <= MAX_SID_LENGTH or not (text.isascii() and text.isalnum()):
        raise InvalidField(
            f"{field} must be 2 to {MAX_SID_LENGTH} ASCII letters and digits, got {text[:40]!r}",
            field,
        )
    return text


def check_body(body: object, field: str = "body") -> str:
    """Return ``body`` if it is a str with at least one visible character."""
    if not isinstance(body, str):
        raise InvalidField(f"{field} must be a str, got {type(body).__name__}", field)
    if not body.strip():
        raise InvalidField(
            f"{field} must not be empty: an empty message would be sent as just the "
            "appended sender identification and opt-out lines",
            field,
        )
    return body


def check_text(value: object, field: str) -> str:
    """Return ``value`` if it is a non-blank str."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"{field} must be a non-empty string, got {value!r}", field)
    return value


E = TypeVar("E", bound=enum.Enum)


def enum_by_name(enum_type: type[E], value: object) -> E | None:
    """``value`` as a member of ``enum_type``: the member itself, or a
    member's name in any case with surrounding white space ignored; None for
    anything else (the caller raises its own error)."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        return enum_type.__members__.get(value.strip().upper())
    return None


def int_or_none(value: object) -> int | None:
    """An int (not a bool) or a string of digits as an int, else None: the
    error codes of a provider's answer, which may come either way."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
