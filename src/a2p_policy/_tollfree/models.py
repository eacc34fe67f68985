"""Toll-free verification (TFV) request and response models.

Why: a submission that breaks one of the API's field rules costs a round
trip (400) at best and a rejection days later at worst, so the request is
validated here, field by field, before anything is sent; and responses are
read in one place so that ``rejection_codes`` and the traffic state mean the
same thing whether they came from the twilio SDK, raw JSON or the fake.

Sources
- sources.md [tfv-api], "Request Parameters"
  (options 2.1 without and 2.2 with a Customer Profile SID): lengths, the
  email pattern, E.164, the enumerations, alphanumeric ExternalReferenceId,
  public reachable opt-in URLs, and the "unnecessary business information"
  rule; "Toll-Free verification status" table for the traffic states;
  "Fetch a verification" (``rejection_reasons``, ``error_code``,
  ``edit_allowed``, ``edit_expiration``).
- sources.md [tfv-rejections], "What happens to my
  traffic": a non-resubmittable rejection blocks the number (error 30032).
- sources.md: toll-free verification (business type and registration fields; the model accepts a
  request without ``business_type``; ``precheck`` reports it).
- The twilio SDK's ``TollfreeVerificationList.create`` (field names, the
  newer parameters and their enumerations).
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber
from a2p_policy._phone import normalize_phone
from a2p_policy._tollfree.instants import check_instant, from_epoch_millis
from a2p_policy._usecases import OptInMethod, UseCase

__all__ = [
    "BUSINESS_PROFILE_FIELDS",
    "BUSINESS_REGISTRATION_AUTHORITIES",
    "BUSINESS_TYPES",
    "EDIT_WINDOW",
    "MESSAGE_VOLUMES",
    "OPT_IN_TYPES",
    "UPDATABLE_FIELDS",
    "USE_CASE_CATEGORIES",
    "VETTING_PROVIDERS",
    "RejectionReason",
    "TollFreeVerification",
    "TollFreeVerificationRequest",
    "TrafficState",
    "VerificationStatus",
    "is_resubmittable",
    "validate_changes",
    "validate_verification_sid",
]

# --------------------------------------------------------------------- tables

#: Monthly volume values the API accepts (compliance API article, MessageVolume).
MESSAGE_VOLUMES: tuple[str, ...] = (
    "10",
    "100",
    "1,000",
    "10,000",
    "100,000",
    "250,000",
    "500,000",
    "750,000",
    "1,000,000",
    "5,000,000",
    "10,000,000+",
)

#: OptInType values (compliance API article, OptInType).
OPT_IN_TYPES: tuple[str, ...] = tuple(m.value for m in OptInMethod)

#: UseCaseCategories values (compliance API article, UseCaseCategories).
USE_CASE_CATEGORIES: tuple[str, ...] = tuple(u.value for u in UseCase)

#: BusinessType values (twilio SDK, TollfreeVerificationInstance.BusinessType).
BUSINESS_TYPES: tuple[str, ...] = (
    "PRIVATE_PROFIT",
    "PUBLIC_PROFIT",
    "SOLE_PROPRIETOR",
    "NON_PROFIT",
    "GOVERNMENT",
)

#: BusinessRegistrationAuthority values (twilio SDK, same class).
BUSINESS_REGISTRATION_AUTHORITIES: tuple[str, ...] = (
    "EIN",
    "CBN",
    "CRN",
    "PROVINCIAL_NUMBER",
    "VAT",
    "ACN",
    "ABN",
    "BRN",
    "SIREN",
    "SIRET",
    "NZBN",
    "USt-IdNr",
    "CIF",
    "NIF",
    "CNPJ",
    "UID",
    "NEQ",
    "OTHER",
)

#: VettingProvider values (twilio SDK).
VETTING_PROVIDERS: tuple[str, ...] = ("CAMPAIGN_VERIFY",)

#: Address and contact fields: absent with a customer profile SID, required
#: without one (except the second address line). Compliance API article,
#: options 2.1 and 2.2 ("unnecessary business information").
BUSINESS_PROFILE_FIELDS: tuple[str, ...] = (
    "business_street_address",
    "business_street_address2",
    "business_city",
    "business_state_province_region",
    "business_postal_code",
    "business_country",
    "business_contact_first_name",
    "business_contact_last_name",
    "business_contact_email",
    "business_contact_phone",
)
_REQUIRED_WITHOUT_PROFILE: tuple[str, ...] = tuple(
    f for f in BUSINESS_PROFILE_FIELDS if f != "business_street_address2"
)

#: The prioritized edit window after a rejection (both TFV articles).
EDIT_WINDOW = timedelta(days=7)

_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_PN_SID = re.compile(r"^PN[0-9a-fA-F]{32}$")
_BU_SID = re.compile(r"^BU[0-9a-fA-F]{32}$")
_HH_SID = re.compile(r"^HH[0-9a-fA-F]{32}$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS)

# ----------------------------------------------------------------- validators


def _enum_value(value: object) -> object:
    """Accept our enums (UseCase.MARKETING) where the API takes their value."""
    return value.value if isinstance(value, enum.Enum) else value


def _one_of(allowed: tuple[str, ...], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    return check


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(r"must be an email address matching ^\S+@\S+\.\S+$")
    return value


def _e164(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPhoneNumber as exc:
        raise ValueError(f"must be a valid E.164 phone number: {exc}") from None


def _country(value: str) -> str:
    code = value.upper()
    if code not in _COUNTRIES:
        raise ValueError(f"must be an ISO 3166 alpha-2 country code such as 'US'; got {value!r}")
    return code


def _alnum(value: str) -> str:
    if not _ALNUM.fullmatch(value):
        raise ValueError("must be alphanumeric (letters and digits only)")
    return value


def _sid(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(
                f"must be a {what} SID: {pattern.pattern[1:3]} followed by 32 hex digits"
            )
        return value

    return check


def public_url_problem(value: str) -> str | None:  # noqa: PLR0911  # one reason per kind of unusable URL
    """Why ``value`` is not a public http(s) URL, or None when it is one."""
    if any(c.isspace() for c in value):
        return "must not contain whitespace"
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http(s) URL (https://...)"
    if not host:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            return "must name a public host (e.g. www.example.com)"
        if not labels[-1].isalpha() or labels[-1] in ("localhost", "local", "internal", "lan"):
            return "must name a public host (e.g. www.example.com)"
        return None
    if not ip.is_global:
        return "must point to a public address, not a private or local one"
    return None


def _public_url(value: str) -> str:
    problem = public_url_problem(value)
    if problem:
        raise ValueError(f"{problem}; reviewers must be able to open it")
    return value


def _strings(values: list[str]) -> list[str]:
    if not values:
        raise ValueError("must contain at least one value")
    return values


Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_email)
]
E164 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_e164)]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_country),
]
PublicUrl500 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_public_url)
]
PublicUrl1000 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(_public_url)
]
OptInTypeValue = Annotated[
    str, BeforeValidator(_enum_value), AfterValidator(_one_of(OPT_IN_TYPES, "opt-in type"))
]
UseCaseValue = Annotated[
    str, BeforeValidator(_enum_value), AfterValidator(_one_of(USE_CASE_CATEGORIES, "use case"))
]
MessageVolumeValue = Annotated[
    str, BeforeValidator(_enum_value), AfterValidator(_one_of(MESSAGE_VOLUMES, "message volume"))
]
BusinessTypeValue = Annotated[
    str, BeforeValidator(_enum_value), AfterValidator(_one_of(BUSINESS_TYPES, "business type"))
]
AuthorityValue = Annotated[
    str,
    BeforeValidator(_enum_value),
    AfterValidator(_one_of(BUSINESS_REGISTRATION_AUTHORITIES, "registration authority")),
]
VettingProviderValue = Annotated[
    str,
    BeforeValidator(_enum_value),
    AfterValidator(_one_of(VETTING_PROVIDERS, "vetting provider")),
]
PhoneNumberSid = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_sid(_PN_SID, "phone number"))
]
CustomerProfileSid = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_sid(_BU_SID, "customer profile"))
]
ReferenceId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_alnum),
]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]

# ------------------------------------------------------------------- request


class TollFreeVerificationRequest(BaseModel):
    """A toll-free verification submission.

    Field names are the twilio SDK's ``create()`` parameter names, values
    what the API takes (strings, lists of strings, a bool), so
    ``client.messaging.v1.tollfree_verifications.create(**req.to_params())``
    works as is. Our enums (``UseCase``, ``OptInMethod``) are accepted as
    input and stored as their API value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    business_name: Text500
    business_website: PublicUrl500
    notification_email: Email
    use_case_categories: Annotated[list[UseCaseValue], AfterValidator(_strings)]
    use_case_summary: Text500
    production_message_sample: Text1000
    opt_in_image_urls: Annotated[list[PublicUrl1000], AfterValidator(_strings)]
    opt_in_type: OptInTypeValue
    message_volume: MessageVolumeValue
    tollfree_phone_number_sid: PhoneNumberSid
    customer_profile_sid: CustomerProfileSid | None = None
    business_street_address: Text100 | None = None
    business_street_address2: Text100 | None = None
    business_city: Text100 | None = None
    business_state_province_region: Text100 | None = None
    business_postal_code: Text100 | None = None
    business_country: Country | None = None
    additional_information: Text500 | None = None
    business_contact_first_name: Text500 | None = None
    business_contact_last_name: Text500 | None = None
    business_contact_email: Email | None = None
    business_contact_phone: E164 | None = None
    external_reference_id: ReferenceId | None = None
    business_registration_number: Text100 | None = None
    business_registration_authority: AuthorityValue | None = None
    business_registration_country: Country | None = None
    business_type: BusinessTypeValue | None = None
    business_registration_phone_number: E164 | None = None
    doing_business_as: Text500 | None = None
    opt_in_confirmation_message: Text1000 | None = None
    help_message_sample: Text1000 | None = None
    privacy_policy_url: PublicUrl500 | None = None
    terms_and_conditions_url: PublicUrl500 | None = None
    age_gated_content: bool | None = None
    opt_in_keywords: list[Keyword] | None = None
    vetting_provider: VettingProviderValue | None = None
    vetting_id: Text500 | None = None

    @field_validator("use_case_categories", "opt_in_image_urls", "opt_in_keywords", mode="before")
    @classmethod
    def _no_bare_string(cls, value: object) -> object:
        if isinstance(value, str | bytes):
            raise ValueError("must be a list of strings, not a single string")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> TollFreeVerificationRequest:
        if self.customer_profile_sid is not None:
            present = [f for f in BUSINESS_PROFILE_FIELDS if getattr(self, f) is not None]
            if present:
                raise ValueError(
                    "unnecessary business information: with customer_profile_sid the "
                    f"business address and contact fields must be absent: {', '.join(present)}"
                )
        else:
            missing = [f for f in _REQUIRED_WITHOUT_PROFILE if getattr(self, f) is None]
            if missing:
                raise ValueError(
                    "missing mandatory fields: without customer_profile_sid these are "
                    f"required: {', '.join(missing)}"
                )
        if self.business_type is not None and self.business_type != "SOLE_PROPRIETOR":
            missing = [
                f
                for f in (
                    "business_registration_number",
                    "business_registration_authority",
                    "business_registration_country",
                )
                if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(
                    f"business_type {self.business_type} requires {', '.join(missing)} "
                    "(only SOLE_PROPRIETOR may omit the registration fields)"
                )
        return self

    def to_params(self) -> dict[str, object]:
        """The SDK keyword arguments: every set field, None left out."""
        return self.model_dump(exclude_none=True)


#: Fields an edit of a rejected verification may change (the SDK's
#: ``update()`` parameters except ``edit_reason``): every request field but
#: the SIDs, which never change, and ``external_reference_id``.
UPDATABLE_FIELDS: tuple[str, ...] = tuple(
    name
    for name in TollFreeVerificationRequest.model_fields
    if name not in ("tollfree_phone_number_sid", "customer_profile_sid", "external_reference_id")
)


def _adapter(name: str) -> TypeAdapter[Any]:
    info = TollFreeVerificationRequest.model_fields[name]
    if info.metadata:
        form: Any = Annotated[(info.annotation, *info.metadata)]
        return TypeAdapter(form)
    plain: Any = info.annotation
    return TypeAdapter(plain)


_ADAPTERS: dict[str, TypeAdapter[Any]] = {name: _adapter(name) for name in UPDATABLE_FIELDS}


def validate_changes(changes: object) -> dict[str, object]:
    """Validate the fields of an edit (``resubmit``) one by one.

    Returns the changes with values in their API form. Raises
    :class:`~a2p_policy.InvalidArgument` naming every bad field: an
    unknown or unchangeable field (SIDs cannot change), a value that breaks
    the field's rule, or no field at all.
    """
    if not isinstance(changes, Mapping):
        raise InvalidArgument(
            f"changes must be a mapping of field name to new value, got {type(changes).__name__}"
        )
    if not changes:
        raise InvalidArgument("no values were submitted: an edit must change at least one field")
    out: dict[str, object] = {}
    problems: list[str] = []
    for name, value in changes.items():
        if not isinstance(name, str) or name not in _ADAPTERS:
            problems.append(f"{name!r} cannot be edited (editable: {', '.join(UPDATABLE_FIELDS)})")
            continue
        if value is None:
            problems.append(f"{name}: None is not a value; leave the field out to keep it")
            continue
        if name in ("use_case_categories", "opt_in_image_urls", "opt_in_keywords") and isinstance(
            value, str | bytes
        ):
            problems.append(f"{name}: must be a list of strings, not a single string")
            continue
        try:
            out[name] = _ADAPTERS[name].validate_python(value)
        except ValidationError as exc:
            problems.append(f"{name}: " + "; ".join(e["msg"] for e in exc.errors()))
        else:
            if name in ("use_case_categories", "opt_in_image_urls") and not out[name]:
                problems.append(f"{name}: must contain at least one value")
    if problems:
        raise InvalidArgument("invalid changes: " + " | ".join(problems))
    return out


def validate_verification_sid(sid: object) -> str:
    """Return ``sid`` if it is a verification SID (HH + 32 hex), else raise."""
    if not isinstance(sid, str) or not _HH_SID.fullmatch(sid):
        raise InvalidArgument(
            f"verification sid must be 'HH' followed by 32 hex digits, got {sid!r:.60}"
        )
    return sid


# ------------------------------------------------------------------ response


class VerificationStatus(enum.Enum):
    """Where a submission is in review (compliance API article, status table)."""

    PENDING_REVIEW = "PENDING_REVIEW"
    IN_REVIEW = "IN_REVIEW"
    TWILIO_APPROVED = "TWILIO_APPROVED"
    TWILIO_REJECTED = "TWILIO_REJECTED"

    @classmethod
    def parse(cls, value: object) -> VerificationStatus:
        """Accept the API's ``TWILIO_APPROVED`` and Event Streams' ``twilio_approved``
        / ``twilio-rejected`` spellings; raise InvalidArgument otherwise."""
        if isinstance(value, VerificationStatus):
            return value
        if isinstance(value, str):
            key = value.strip().upper().replace("-", "_")
            try:
                return cls(key)
            except ValueError:
                pass
        raise InvalidArgument(
            f"unknown verification status {value!r:.60}; expected one of "
            + ", ".join(s.value for s in cls)
        )


class TrafficState(enum.Enum):
    """What the toll-free number may do (compliance API article, status table;
    resubmission article, "What happens to my traffic")."""

    RESTRICTED = "RESTRICTED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    BLOCKED = "BLOCKED"


def is_resubmittable(code: int, edit_allowed: bool | None = None) -> bool:
    """Whether a rejection code allows an edit (codes table; unknown codes
    follow ``edit_allowed`` and are never guessed)."""
    return ErrorCodeClassifier().tollfree_rejection(code, edit_allowed=edit_allowed).resubmittable


class RejectionReason(BaseModel):
    """One entry of ``rejection_reasons``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: int
    reason: str | None = None


def _to_datetime(value: object) -> datetime | None:
    """A response date: ISO 8601 text, epoch milliseconds or a datetime,
    inside the window of :mod:`a2p_policy._tollfree.instants` (else ValueError)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return check_instant(value)
    if isinstance(value, bool):
        raise ValueError("a date must be an ISO 8601 string or epoch milliseconds")
    if isinstance(value, int | float):
        return from_epoch_millis(value, "epoch milliseconds")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 64:
            raise ValueError(f"not an ISO 8601 date: {value!r:.60}")
        # Twilio sends up to nanoseconds ("2023-02-02T18:45:17.051372437Z").
        m = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?", text)
        if m:
            frac = (m.group(2) or "")[:7]
            tz = m.group(3) or "Z"
            text = m.group(1) + frac + ("+00:00" if tz == "Z" else tz)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date: {value!r:.60}") from None
        return check_instant(parsed)
    raise ValueError(f"not a date: {value!r:.60}")


def _to_int_or_none(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("error code must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"error code must be an integer, got {value!r:.40}")


_Instant = Annotated[datetime | None, BeforeValidator(_to_datetime)]

_MAX_LINK_DEPTH = 8


def _nesting(value: object) -> int:
    """How deeply lists/tuples/mappings nest in ``value`` (iterative)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > _MAX_LINK_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


#: The fields of a record that describe its latest rejection.
REJECTION_FIELDS: tuple[str, ...] = (
    "rejection_reason",
    "error_code",
    "rejection_reasons",
    "rejected_on",
    "edit_expiration",
    "edit_allowed",
)

#: Response keys read as-is (the SDK instance's attribute names).
_RESPONSE_FIELDS: tuple[str, ...] = (
    "sid",
    "account_sid",
    "customer_profile_sid",
    "trust_product_sid",
    "regulated_item_sid",
    "date_created",
    "date_updated",
    "status",
    "tollfree_phone_number_sid",
    "tollfree_phone_number",
    "external_reference_id",
    *REJECTION_FIELDS,
    "url",
    "resource_links",
    "vetting_id_expiration",
    *(n for n in TollFreeVerificationRequest.model_fields if n not in ("customer_profile_sid",)),
)


class TollFreeVerification(BaseModel):
    """A verification record as the API answers it.

    Built with :meth:`from_api` from a twilio SDK ``TollfreeVerificationInstance``,
    a parsed JSON object or JSON text. Values are kept as the API gave them
    (no request validation: the API may echo values the request rules would
    refuse, such as ``message_volume`` "2000" in the article's fetch example).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    sid: Annotated[str, StringConstraints(min_length=1)]
    status: VerificationStatus
    account_sid: str | None = None
    customer_profile_sid: str | None = None
    trust_product_sid: str | None = None
    regulated_item_sid: str | None = None
    date_created: _Instant = None
    date_updated: _Instant = None
    tollfree_phone_number_sid: str | None = None
    tollfree_phone_number: str | None = None
    external_reference_id: str | None = None
    business_name: str | None = None
    business_website: str | None = None
    notification_email: str | None = None
    use_case_categories: tuple[str, ...] | None = None
    use_case_summary: str | None = None
    production_message_sample: str | None = None
    opt_in_image_urls: tuple[str, ...] | None = None
    opt_in_type: str | None = None
    message_volume: str | None = None
    business_street_address: str | None = None
    business_street_address2: str | None = None
    business_city: str | None = None
    business_state_province_region: str | None = None
    business_postal_code: str | None = None
    business_country: str | None = None
    additional_information: str | None = None
    business_contact_first_name: str | None = None
    business_contact_last_name: str | None = None
    business_contact_email: str | None = None
    business_contact_phone: str | None = None
    business_registration_number: str | None = None
    business_registration_authority: str | None = None
    business_registration_country: str | None = None
    business_type: str | None = None
    business_registration_phone_number: str | None = None
    doing_business_as: str | None = None
    opt_in_confirmation_message: str | None = None
    help_message_sample: str | None = None
    privacy_policy_url: str | None = None
    terms_and_conditions_url: str | None = None
    age_gated_content: bool | None = None
    opt_in_keywords: tuple[str, ...] | None = None
    vetting_provider: str | None = None
    vetting_id: str | None = None
    vetting_id_expiration: _Instant = None
    rejection_reason: str | None = None
    error_code: Annotated[int | None, BeforeValidator(_to_int_or_none)] = None
    rejection_reasons: tuple[RejectionReason, ...] = ()
    rejected_on: _Instant = None
    edit_expiration: _Instant = None
    edit_allowed: bool | None = None
    url: str | None = None
    resource_links: dict[str, Any] | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> VerificationStatus:
        try:
            return VerificationStatus.parse(value)
        except InvalidArgument as exc:
            raise ValueError(str(exc)) from None

    @field_validator("rejection_reasons", mode="before")
    @classmethod
    def _reasons(cls, value: object) -> object:
        return () if value is None else value

    @field_validator("resource_links", mode="before")
    @classmethod
    def _links(cls, value: object) -> object:
        # The API sends a flat map of names to URLs; anything nested deeply
        # could be read but not written back (pydantic's serializer limit).
        if _nesting(value) > _MAX_LINK_DEPTH:
            raise ValueError(f"resource_links nests deeper than {_MAX_LINK_DEPTH} levels")
        return value

    # -------------------------------------------------------------- builders
    @classmethod
    def from_api(cls, payload: object) -> TollFreeVerification:
        """Build from an SDK instance, a JSON object (Mapping) or JSON text.

        Accepts the article's spelling ``toll_free_phone_number_sid`` too.
        Raises pydantic's ``ValidationError`` (a ``ValueError``) or
        :class:`~a2p_policy.InvalidArgument` for a payload that is not a
        verification record.
        """
        if isinstance(payload, bytes | bytearray):
            try:
                payload = bytes(payload).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidArgument(f"verification payload is not UTF-8: {exc}") from None
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except (ValueError, RecursionError) as exc:
                raise InvalidArgument(f"verification payload is not JSON: {exc}") from None
        if isinstance(payload, Mapping):
            data = dict(payload)
        elif hasattr(payload, "sid") and hasattr(payload, "status"):
            data = {name: getattr(payload, name, None) for name in _RESPONSE_FIELDS}
        else:
            raise InvalidArgument(
                "verification payload must be a twilio TollfreeVerificationInstance, a JSON "
                f"object or JSON text, got {type(payload).__name__}"
            )
        if data.get("tollfree_phone_number_sid") is None and "toll_free_phone_number_sid" in data:
            data["tollfree_phone_number_sid"] = data["toll_free_phone_number_sid"]
        for key in ("use_case_categories", "opt_in_image_urls", "opt_in_keywords"):
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
        return cls.model_validate(data)

    def to_api_json(self) -> dict[str, Any]:
        """The record as the API's JSON (ISO 8601 dates, lists)."""
        return self.model_dump(mode="json")

    # -------------------------------------------------------------- derived
    @property
    def rejection_codes(self) -> tuple[int, ...]:
        """Codes from ``rejection_reasons``, falling back to ``error_code``
        (compliance API article: migrate to ``rejection_reasons``)."""
        codes: list[int] = []
        for reason in self.rejection_reasons:
            if reason.code not in codes:
                codes.append(reason.code)
        if not codes and self.error_code is not None:
            codes.append(self.error_code)
        return tuple(codes)

    @property
    def resubmittable(self) -> bool:
        """True if the rejection can be fixed by an edit: ``edit_allowed`` is
        not false and every code is resubmittable (unknown codes follow
        ``edit_allowed``, never a guess)."""
        if self.status is not VerificationStatus.TWILIO_REJECTED:
            return False
        if self.edit_allowed is False:
            return False
        codes = self.rejection_codes
        if not codes:
            return self.edit_allowed is True
        return all(is_resubmittable(code, self.edit_allowed) for code in codes)

    @property
    def traffic(self) -> TrafficState:
        """PENDING_REVIEW: RESTRICTED; IN_REVIEW: PENDING; TWILIO_APPROVED:
        VERIFIED; TWILIO_REJECTED: RESTRICTED while an edit is possible,
        BLOCKED when a code is not resubmittable or edit_allowed is false."""
        if self.status is VerificationStatus.IN_REVIEW:
            return TrafficState.PENDING
        if self.status is VerificationStatus.TWILIO_APPROVED:
            return TrafficState.VERIFIED
        if self.status is VerificationStatus.TWILIO_REJECTED and not self.resubmittable:
            return TrafficState.BLOCKED
        return TrafficState.RESTRICTED

    @property
    def send_error_code(self) -> int | None:
        """The error a send from this number gets: None once verified, else
        30032 ("Toll-Free Number has not been verified"; compliance API
        article, "Toll-Free verification status")."""
        return None if self.status is VerificationStatus.TWILIO_APPROVED else 30032

    def edit_deadline(self) -> datetime | None:
        """End of the prioritized edit window: ``edit_expiration``, else the
        rejection time plus 7 days; None when not rejected (or no date known).

        Dates are range-checked when parsed (:mod:`a2p_policy._tollfree.instants`),
        so the deadline is always representable; a record built without
        validation (``model_construct``) whose deadline is not raises
        :class:`~a2p_policy.InvalidArgument` rather than guessing.
        """
        if self.status is not VerificationStatus.TWILIO_REJECTED:
            return None
        if self.edit_expiration is not None:
            return self.edit_expiration
        if self.rejected_on is not None:
            try:
                return self.rejected_on + EDIT_WINDOW
            except OverflowError:
                raise InvalidArgument(
                    f"verification {self.sid}: the rejection date {self.rejected_on.isoformat()} "
                    "leaves no representable edit deadline"
                ) from None
        return None
