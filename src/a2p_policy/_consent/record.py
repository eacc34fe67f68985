"""Consent records: who agreed to receive what, from whom, and the proof of it.

Why a model and not a dict: consent is the first thing a carrier or Twilio
asks for when an account is suspended, and a record that was accepted without
its proof is worthless later. Sources:

* sources.md [appeal], item 6 "proof of
  opt-in": name, email address, physical address, registration date and time,
  IP address or other method of collection, the complete web URL or the
  details of the other collection method, and a screenshot of the form with
  the consent language. These are :data:`PROOF_ELEMENTS`.
* the same article, "Consent / Opt-in": consent can't be bought, sold or
  exchanged (no purchased lists) -> only :attr:`ConsentSource.FIRST_PARTY`
  is accepted; any other source raises :class:`~a2p_policy.ConsentError`.
* sources.md [tfv-rejections] (rejection 30446, "express
  consent required"): marketing needs a stand-alone affirmative agreement,
  not part of a purchase, terms of service or privacy policy -> a record whose
  scopes include MARKETING must have ``express=True``.
* sources.md [tfv-api] (OptInType): a WEB_FORM
  opt-in must point to the form -> ``source_url`` is required for WEB_FORM.

How the rule errors surface: :class:`~a2p_policy.ConsentError` is not a
``ValueError``, so pydantic does not wrap it: it is raised *directly* from the
field validator of ``source`` and from the ``mode="after"`` model validator
(marketing/express, WEB_FORM/source_url). Malformed fields (a bad phone
number, a naive datetime, an email without ``@``) raise pydantic's
``ValidationError`` naming the field.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from a2p_policy._clock import ensure_aware
from a2p_policy._errors import ConsentError, InvalidArgument
from a2p_policy._phone import normalize_phone
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy._validation import check_account

__all__ = [
    "MAX_BRAND_LENGTH",
    "MAX_TEXT_LENGTH",
    "PROOF_ELEMENTS",
    "ConsentRecord",
    "ConsentScope",
    "ConsentSource",
    "normalize_brand",
]

#: Longest brand name accepted (brands end up in storage keys).
MAX_BRAND_LENGTH: Final = 120
#: Longest short evidence field (name, email, address, keyword, URLs).
MAX_FIELD_LENGTH: Final = 2_000
#: Longest free-text evidence field (consent language, flow details).
MAX_TEXT_LENGTH: Final = 20_000


class ConsentSource(enum.Enum):
    """Where the consent came from. Only FIRST_PARTY is lawful: consent is 1:1
    between the contact and the brand that obtained it (suspension appeal
    article, "Consent / Opt-in"; TFV rejection 30477)."""

    FIRST_PARTY = "FIRST_PARTY"
    PURCHASED_LIST = "PURCHASED_LIST"
    THIRD_PARTY = "THIRD_PARTY"
    LEAD_GENERATOR = "LEAD_GENERATOR"
    AFFILIATE = "AFFILIATE"


class ConsentScope(enum.Enum):
    """How a ledger keys consent.

    ``ACCOUNT`` (the engine's default): by account (tenant), brand and phone.
    Consent is 1:1 between a contact and the business that obtained it, so
    two unrelated businesses that happen to share a brand name in one
    platform never share opt-ins, and a STOP to one account revokes only
    that account's consent.

    ``BRAND``: by brand and phone only, the account ignored: for one business
    that sends under one brand from several accounts (sub-accounts, numbers
    split across accounts) and wants one consent record for all of them.
    """

    ACCOUNT = "ACCOUNT"
    BRAND = "BRAND"


#: The proof-of-opt-in elements (key, label), in report order. Source:
#: sources.md [appeal], item 6 ("Proof
#: of opt-in should include"), plus the consent language the form showed.
PROOF_ELEMENTS: Final[tuple[tuple[str, str], ...]] = (
    ("name", "Name of the end user"),
    ("email", "Email address of the end user"),
    ("address", "Physical address"),
    ("captured_at", "Registration date and time (with time zone)"),
    ("collection_method", "IP address or other method of collection"),
    ("collection_details", "Complete web URL or details of the collection flow"),
    ("consent_text", "Consent language shown to the end user"),
    ("evidence_url", "Screenshot / evidence URL of the opt-in"),
)

#: Opt-in methods collected on a web page, where the IP address and the page
#: URL are the expected proof (a QR code leads to a web form or a templated
#: text, so its URL or flow details count).
_WEB_METHODS: Final = frozenset({OptInMethod.WEB_FORM, OptInMethod.MOBILE_QR_CODE})

_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_WS_RE: Final = re.compile(r"\s+")


def normalize_brand(brand: object, name: str = "brand") -> str:
    """Strip and collapse white space; refuse empty or overlong brands."""
    if not isinstance(brand, str):
        raise InvalidArgument(f"{name} must be a str, got {type(brand).__name__}")
    text = _WS_RE.sub(" ", brand).strip()
    if not text:
        raise InvalidArgument(f"{name} must not be empty")
    if len(text) > MAX_BRAND_LENGTH:
        raise InvalidArgument(f"{name} is longer than {MAX_BRAND_LENGTH} characters")
    if not text.isprintable():
        raise InvalidArgument(f"{name} contains control characters")
    return text


def _enum_value(value: object, enum_cls: type[enum.Enum]) -> object:
    """Accept an enum member, its value, or its name in any case."""
    if isinstance(value, str):
        key = value.strip().upper().replace("-", "_").replace(" ", "_")
        if key in enum_cls.__members__:
            return enum_cls[key]
    return value


def _check_url(value: str, field: str, *, need_path: bool) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field} must be a complete http(s) URL with a host, got {value!r}")
    if " " in value:
        raise ValueError(f"{field} must not contain spaces, got {value!r}")
    if need_path and not parts.path:
        raise ValueError(
            f"{field} must be the complete URL of the page with the form (scheme, host and "
            f"path, e.g. https://example.com/signup), got {value!r}"
        )
    return value


class ConsentRecord(BaseModel):
    """One contact's consent to receive messages from one brand, with its proof.

    Frozen: a record is evidence and never changes; a new grant is a new record.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    phone: str = Field(description="The contact's number, stored as E.164.")
    brand: str = Field(description="The brand (business) that obtained the consent.")
    method: OptInMethod
    captured_at: datetime = Field(description="When consent was given (aware).")
    scopes: frozenset[UseCase] = Field(description="Use-case categories covered.")
    express: bool = Field(strict=True, description="Stand-alone affirmative agreement.")
    source: ConsentSource = ConsentSource.FIRST_PARTY
    account: str | None = Field(
        default=None,
        description=(
            "The tenant (account) that holds the consent. Required when the ledger keys "
            "consent by account (ConsentScope.ACCOUNT, the engine's default)."
        ),
    )
    name: str | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    ip_address: str | None = None
    source_url: str | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    consent_text: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    evidence_url: str | None = Field(default=None, max_length=MAX_FIELD_LENGTH)
    keyword: str | None = Field(default=None, max_length=160)
    details: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)

    # ------------------------------------------------------------ fields
    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"phone must be a str, got {type(value).__name__}")
        return normalize_phone(value)  # InvalidPhoneNumber is a ValueError

    @field_validator("brand", mode="before")
    @classmethod
    def _brand(cls, value: object) -> str:
        try:
            return normalize_brand(value)
        except InvalidArgument as exc:
            raise ValueError(str(exc)) from None

    @field_validator("account", mode="before")
    @classmethod
    def _account(cls, value: object) -> str | None:
        if value is None:
            return None
        try:
            account = check_account(value)
        except InvalidArgument as exc:
            raise ValueError(str(exc)) from None
        if account != account.strip():
            # Account ids are exact keys everywhere (DND, limits, consent):
            # stripping here would file the consent under another account.
            raise ValueError("account must not start or end with white space")
        return account

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, value: object) -> object:
        return _enum_value(value, OptInMethod)

    @field_validator("source", mode="before")
    @classmethod
    def _source_in(cls, value: object) -> object:
        return _enum_value(value, ConsentSource)

    @field_validator("source", mode="after")
    @classmethod
    def _source(cls, value: ConsentSource) -> ConsentSource:
        if value is not ConsentSource.FIRST_PARTY:
            raise ConsentError(
                f"consent from source {value.value} is refused: consent is 1:1 between the "
                "contact and the brand that obtained it and cannot be bought, sold, shared or "
                "exchanged; collect it yourself (source=FIRST_PARTY)"
            )
        return value

    @field_validator("captured_at", mode="after")
    @classmethod
    def _captured_at(cls, value: datetime) -> datetime:
        ensure_aware(value, "captured_at")  # NaiveDatetimeError is a ValueError
        # Its zone is kept, except an offset with seconds (local mean time
        # before 1920, e.g. Africa/Abidjan's -00:16:08): ISO 8601 JSON cuts
        # it to minutes, so a stored record would come back 8 seconds off.
        offset = value.utcoffset()
        if offset is not None and offset.total_seconds() % 60:
            return value.astimezone(UTC)
        return value

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes(cls, value: object) -> object:
        if isinstance(value, UseCase):
            value = [value]
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValueError("scopes must be a non-empty collection of UseCase values")
        items = [_enum_value(v, UseCase) for v in value]
        if not items:
            raise ValueError("scopes must name at least one use case")
        return frozenset(items) if all(isinstance(i, UseCase) for i in items) else items

    @field_validator(
        "name", "address", "consent_text", "details", "keyword", "evidence_url", "source_url"
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str | None) -> str | None:
        return value.upper() if value else None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _EMAIL_RE.fullmatch(value):
            raise ValueError(f"email is not an email address: {value!r}")
        return value

    @field_validator("ip_address", mode="before")
    @classmethod
    def _ip(cls, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return str(value)
        if not isinstance(value, str):
            raise ValueError(f"ip_address must be a str, got {type(value).__name__}")
        text = value.strip()
        if not text:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(f"ip_address is not an IPv4/IPv6 address: {value!r}") from None

    @field_validator("source_url")
    @classmethod
    def _source_url(cls, value: str | None) -> str | None:
        return _check_url(value, "source_url", need_path=True) if value else None

    @field_validator("evidence_url")
    @classmethod
    def _evidence_url(cls, value: str | None) -> str | None:
        return _check_url(value, "evidence_url", need_path=False) if value else None

    # ------------------------------------------------------------ rules
    @model_validator(mode="after")
    def _rules(self) -> ConsentRecord:
        if UseCase.MARKETING in self.scopes and not self.express:
            raise ConsentError(
                "marketing needs express consent: a stand-alone affirmative agreement to "
                "receive marketing messages (not part of a purchase, terms of service or "
                "privacy policy); set express=True only if that is how it was collected"
            )
        if self.method is OptInMethod.WEB_FORM and not self.source_url:
            raise ConsentError(
                "a WEB_FORM opt-in needs source_url: the complete URL of the page with the "
                "opt-in form"
            )
        return self

    # ------------------------------------------------------------ proof
    def missing_evidence(self) -> list[str]:
        """The proof-of-opt-in elements this record lacks (field names).

        Follows the appeal article's list (item 6): ``ip_address`` is expected
        for web and QR opt-ins (other methods are themselves the "other method
        of collection"); the collection details are ``source_url`` for web and
        QR (``details`` also counts for QR), ``keyword`` (or ``details``) for
        a text opt-in, and ``details`` for verbal and paper ones.
        """
        missing = [f for f in ("name", "email", "address") if getattr(self, f) is None]
        if self.method in _WEB_METHODS and self.ip_address is None:
            missing.append("ip_address")
        detail_field = _details_field(self.method)
        if not _has_details(self):
            missing.append(detail_field)
        missing.extend(f for f in ("consent_text", "evidence_url") if getattr(self, f) is None)
        return missing

    def collection_details(self) -> str | None:
        """The URL or flow description that tells how consent was collected."""
        parts: list[str] = []
        if self.source_url:
            parts.append(self.source_url)
        if self.keyword:
            parts.append(f"keyword {self.keyword}")
        if self.details:
            parts.append(self.details)
        return "; ".join(parts) or None


def _details_field(method: OptInMethod) -> str:
    if method in _WEB_METHODS:
        return "source_url"
    if method is OptInMethod.VIA_TEXT:
        return "keyword"
    return "details"


def _has_details(record: ConsentRecord) -> bool:
    if record.method is OptInMethod.WEB_FORM:
        return record.source_url is not None
    if record.method is OptInMethod.MOBILE_QR_CODE:
        return record.source_url is not None or record.details is not None
    if record.method is OptInMethod.VIA_TEXT:
        return record.keyword is not None or record.details is not None
    return record.details is not None


def record_from_json(data: Any) -> ConsentRecord:
    """Rebuild a stored record (a dict from ``model_dump(mode="json")``)."""
    return ConsentRecord.model_validate(data)
