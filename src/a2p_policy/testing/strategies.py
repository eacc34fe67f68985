"""Hypothesis strategies for code built on a2p_policy.

Why: the cases that break SMS compliance code are the awkward ones: a number
typed as ``(415) 555-0123`` instead of E.164, a body one character over a
segment, a curly quote that switches the whole text to UCS-2, ``"Stop!!"``
instead of ``STOP``. These strategies generate such values, and only *valid*
ones, so a failing downstream test points at the downstream code:

* every number from :func:`phone_numbers` passes
  :func:`~a2p_policy.normalize_phone` (real NANP area codes and
  ordinary exchanges; other regions from phonenumbers' example numbers);
* every body from :func:`message_bodies` has the requested encoding and
  segment count (:func:`~a2p_policy.count_segments`);
* every record from :func:`consent_records` validates (first party, express
  consent for marketing, a source URL for web forms: consent/record.py,
  from sources.md [appeal] item 6 and
  sources.md [tfv-rejections], 30446);
* every request from :func:`tollfree_requests` validates, and with
  ``clean=True`` has no BLOCK finding in
  :func:`~a2p_policy._tollfree.precheck.precheck`
  (sources.md [tfv-api], request parameters);
* every body from :func:`inbound_bodies` classifies as the kind asked for
  (sources.md: keywords).

All strategies shrink towards simple values (the first area code, exchange
200, subscriber 0000, short ASCII text). Arguments that accept a value also
accept a strategy for it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, TypeVar

import phonenumbers
from hypothesis import strategies as st

from a2p_policy._compose.segments import GSM7_BASIC, GSM7_EXTENSION, count_segments
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._errors import InvalidArgument
from a2p_policy._keywords import (
    DEFAULT_HELP_KEYWORDS,
    DEFAULT_OPT_IN_KEYWORDS,
    DEFAULT_OPT_OUT_KEYWORDS,
    KeywordKind,
)
from a2p_policy._messages import MessageKind, OutboundMessage
from a2p_policy._phone import TOLL_FREE_AREA_CODES
from a2p_policy._tollfree.models import (
    BUSINESS_TYPES,
    MESSAGE_VOLUMES,
    TollFreeVerificationRequest,
)
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.testing import _data

__all__ = [
    "brands",
    "consent_records",
    "inbound_bodies",
    "message_bodies",
    "notification_bodies",
    "outbound_messages",
    "phone_number_formats",
    "phone_numbers",
    "raw_phone_numbers",
    "tollfree_requests",
]

T = TypeVar("T")
Encoding = Literal["GSM-7", "UCS-2"]

_NANP_REGIONS = frozenset({"US", "CA"})
#: Segments a generated body may span at most (10 parts is already far past
#: what any carrier recommends).
MAX_SEGMENTS = 10
_HEX = "0123456789abcdef"


def _strategy(value: T | st.SearchStrategy[T] | None, default: st.SearchStrategy[T]) -> Any:
    """A value, a strategy, or None (the default strategy)."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


# ------------------------------------------------------------------ phones


def _region(region: object) -> str:
    if not isinstance(region, str) or not region.strip():
        raise InvalidArgument(f"region must be an ISO 3166 alpha-2 code, got {region!r}")
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidArgument(f"region {region!r} is not a region phonenumbers knows")
    return code


@lru_cache(maxsize=64)
def _example_numbers(region: str, toll_free: bool) -> tuple[str, ...]:
    """Valid E.164 numbers near phonenumbers' example numbers of ``region``
    (the last two digits varied), for regions outside the NANP."""
    kinds = (
        (phonenumbers.PhoneNumberType.TOLL_FREE,)
        if toll_free
        else (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    )
    found: list[str] = []
    for kind in kinds:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        nsn = phonenumbers.national_significant_number(example)
        for tail in range(100):
            candidate = f"+{example.country_code}{nsn[:-2]}{tail:02d}"
            parsed = phonenumbers.parse(candidate, None)
            if phonenumbers.is_valid_number(parsed) and (
                phonenumbers.region_code_for_number(parsed) == region
            ):
                e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                if e164 not in found:
                    found.append(e164)
    return tuple(found)


def phone_numbers(toll_free: bool = False, region: str = "US") -> st.SearchStrategy[str]:
    """Valid E.164 numbers (``"+14155550123"``).

    US and CA: a real geographic area code (or, with ``toll_free``, one of
    800/833/844/855/866/877/888), an ordinary exchange (no N11, 555, 950,
    958/959, 976) and any subscriber number. Other regions: numbers next to
    phonenumbers' example numbers for the region. Every value passes
    :func:`~a2p_policy.normalize_phone` unchanged and
    :func:`~a2p_policy.is_toll_free` equals ``toll_free`` for US/CA.
    Shrinks to ``+12012000000``.
    """
    if not isinstance(toll_free, bool):
        raise InvalidArgument(f"toll_free must be a bool, got {toll_free!r}")
    code = _region(region)
    if code in _NANP_REGIONS:
        if toll_free:
            areas: Sequence[str] = tuple(sorted(TOLL_FREE_AREA_CODES))
        else:
            areas = _data.US_AREA_CODES if code == "US" else _data.CA_AREA_CODES
        return st.builds(
            "+1{}{}{:04d}".format,
            st.sampled_from(areas),
            st.sampled_from(_data.EXCHANGES),
            st.integers(0, 9999),
        )
    numbers = _example_numbers(code, toll_free)
    if not numbers:
        kind = "toll-free" if toll_free else "mobile or fixed-line"
        raise InvalidArgument(f"phonenumbers has no {kind} example number for {code}")
    return st.sampled_from(numbers)


def _nanp_formats(e164: str) -> tuple[str, ...]:
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return (
        e164,
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"{area}{exchange}{line}",
        f"1{area}{exchange}{line}",
        f"1-{area}-{exchange}-{line}",
        f"+1 {area} {exchange} {line}",
        f"+1 ({area}) {exchange}-{line}",
        f"+1-{area}-{exchange}-{line}",
        f"tel:{e164}",
        f"  {e164}  ",
        f"\t({area}){exchange}-{line}\n",
    )


def _international_formats(e164: str) -> tuple[str, ...]:
    parsed = phonenumbers.parse(e164, None)
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return (e164, international, f"tel:{e164}", f" {international} ")


def phone_number_formats(
    toll_free: bool = False, region: str = "US"
) -> st.SearchStrategy[tuple[str, str]]:
    """Pairs ``(raw, e164)``: the number of :func:`phone_numbers` as people
    type it (``"(415) 555-0123"``, ``"415.555.0123"``, ``"+1 415 555 0123"``,
    ``"tel:+1..."``, with stray white space) and the E.164 form
    ``normalize_phone(raw)`` must give (with the default region ``"US"``;
    national formats only for US/CA numbers)."""
    code = _region(region)
    formats = _nanp_formats if code in _NANP_REGIONS else _international_formats

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[str, str]:
        e164 = draw(phone_numbers(toll_free, code))
        return draw(st.sampled_from(formats(e164))), e164

    result: st.SearchStrategy[tuple[str, str]] = pairs()
    return result


def raw_phone_numbers(toll_free: bool = False, region: str = "US") -> st.SearchStrategy[str]:
    """The numbers of :func:`phone_numbers` in assorted human formats (see
    :func:`phone_number_formats`); each normalizes with the default region."""
    return phone_number_formats(toll_free, region).map(lambda pair: pair[0])


# ------------------------------------------------------------------ bodies

#: Generation alphabets, simplest first (text shrinks towards "a").
_GSM_COMMON = string.ascii_lowercase + string.ascii_uppercase + string.digits + " .,!?'-:;()&%$@"
_GSM_ALPHABET: tuple[str, ...] = tuple(_GSM_COMMON) + tuple(
    sorted((GSM7_BASIC | GSM7_EXTENSION) - set(_GSM_COMMON))
)
_UCS2_ONLY: tuple[str, ...] = tuple(_data.UCS2_ONLY)


def _capacity(encoding: str, segments: int) -> int:
    if encoding == "GSM-7":
        return 160 if segments == 1 else 153 * segments
    return 70 if segments == 1 else 67 * segments


def _fit(text: str, max_segments: int, keep: int | None = None) -> str:
    """Drop characters from the end (never the one at ``keep``) until the
    text takes at most ``max_segments`` segments."""
    chars = list(text)
    while len(chars) > 1 and count_segments("".join(chars)).segments > max_segments:
        drop = len(chars) - 1
        if keep is not None and drop == keep:
            drop -= 1
        del chars[drop]
        if keep is not None and drop < keep:
            keep -= 1
    return "".join(chars)


def message_bodies(
    encoding: Encoding | None = None,
    *,
    max_segments: int = 1,
    min_size: int = 1,
) -> st.SearchStrategy[str]:
    """Message texts of at most ``max_segments`` segments.

    ``encoding="GSM-7"``: only characters of the GSM 03.38 alphabet
    (extension characters such as ``€`` and ``{`` included, two septets
    each). ``"UCS-2"``: at least one character outside it (curly quotes,
    accented letters, Cyrillic, CJK, emoji). None: either. Every value has
    ``count_segments(text).encoding == encoding`` (when given) and
    ``1 <= segments <= max_segments`` (0 only with ``min_size=0``) and at
    least ``min_size`` characters (at most half the units of
    ``max_segments`` segments, less one per segment).
    Arbitrary text: for bodies the content linter accepts, use
    :func:`notification_bodies`.
    """
    if encoding not in (None, "GSM-7", "UCS-2"):
        raise InvalidArgument(f"encoding must be None, 'GSM-7' or 'UCS-2', got {encoding!r}")
    if (
        isinstance(max_segments, bool)
        or not isinstance(max_segments, int)
        or not 1 <= max_segments <= MAX_SEGMENTS
    ):
        raise InvalidArgument(f"max_segments must be an int from 1 to {MAX_SEGMENTS}")
    # Even a text of min_size two-unit characters must fit (one unit of
    # packing waste per part), so trimming never goes below min_size.
    most = _capacity("UCS-2" if encoding is None else encoding, max_segments) // 2 - max_segments
    if isinstance(min_size, bool) or not isinstance(min_size, int) or not 0 <= min_size <= most:
        raise InvalidArgument(
            f"min_size must be an int from 0 to {most} for {encoding or 'any encoding'} "
            f"and {max_segments} segment(s)"
        )
    if encoding is None:
        return st.one_of(
            message_bodies("GSM-7", max_segments=max_segments, min_size=min_size),
            message_bodies("UCS-2", max_segments=max_segments, min_size=min_size),
        )
    capacity = _capacity(encoding, max_segments)
    single = _capacity(encoding, 1)
    part = _capacity(encoding, 2) // 2
    # Lengths at the segment boundaries (160/161, 306/307 ... or 70/71,
    # 134/135 ...) are drawn often; other lengths shrink towards min_size.
    edges = sorted(
        {n for k in range(1, max_segments + 1) for n in (k * part - 1, k * part, k * part + 1)}
        | {single - 1, single, single + 1}
    )
    edges = [n for n in edges if min_size <= n <= capacity]
    sizes = st.integers(min_size, capacity)
    if edges:
        sizes = st.one_of(sizes, st.sampled_from(edges))
    gsm_chars = st.sampled_from(_GSM_ALPHABET)
    if encoding == "GSM-7":

        @st.composite
        def gsm(draw: st.DrawFn) -> str:
            size = draw(sizes)
            text = draw(st.text(gsm_chars, min_size=size, max_size=size))
            return _fit(text, max_segments)

        gsm_result: st.SearchStrategy[str] = gsm()
        return gsm_result

    any_chars = st.one_of(gsm_chars, st.sampled_from(_UCS2_ONLY))

    @st.composite
    def ucs2(draw: st.DrawFn) -> str:
        size = max(draw(sizes), 1) - 1
        rest = draw(st.text(any_chars, min_size=size, max_size=size))
        forced = draw(st.sampled_from(_UCS2_ONLY))
        at = draw(st.integers(0, len(rest)))
        return _fit(rest[:at] + forced + rest[at:], max_segments, keep=at)

    result: st.SearchStrategy[str] = ucs2()
    return result


@st.composite
def _notification(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(_data.NOTIFICATION_TEMPLATES))
    return template.format(
        n=draw(st.integers(1000, 999_999)),
        day=draw(st.sampled_from(_data.DAYS)),
        time=draw(st.sampled_from(_data.TIMES)),
    )


def notification_bodies() -> st.SearchStrategy[str]:
    """Realistic transactional texts (order, appointment, code, payment
    notices): GSM-7, one segment, and no BLOCK finding of the content linter,
    so a message with consent goes through a default engine."""
    result: st.SearchStrategy[str] = _notification()
    return result


# ------------------------------------------------------------------ brands


def brands() -> st.SearchStrategy[str]:
    """Brand names such as ``"Maple Dental"`` (neutral words: nothing the
    content linter or the TFV precheck objects to)."""
    return st.builds(
        "{} {}".format,
        st.sampled_from(_data.BRAND_FIRST_WORDS),
        st.sampled_from(_data.BRAND_SECOND_WORDS),
    )


def _slug(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in name.lower()).split()
    return "-".join(words) or "example"


# ----------------------------------------------------------------- consent

_CAPTURED_FROM = datetime(2024, 1, 1, tzinfo=UTC)
_CAPTURED_TO = _data.CLOCK_START - timedelta(hours=1)


def consent_records(
    *,
    phone: str | st.SearchStrategy[str] | None = None,
    brand: str | st.SearchStrategy[str] | None = None,
    scopes: frozenset[UseCase] | st.SearchStrategy[frozenset[UseCase]] | None = None,
    method: OptInMethod | st.SearchStrategy[OptInMethod] | None = None,
    express: bool | st.SearchStrategy[bool] | None = None,
    captured_at: datetime | st.SearchStrategy[datetime] | None = None,
    complete: bool = False,
    account: str | st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[ConsentRecord]:
    """Valid :class:`~a2p_policy.ConsentRecord` values.

    Each argument fixes a field (a value or a strategy); the others vary.
    Always first-party; ``express`` is True whenever the scopes include
    MARKETING (when ``express=False`` is given, MARKETING is left out of the
    generated scopes); WEB_FORM records carry a ``source_url``. ``captured_at``
    defaults to a UTC time between 2024-01-01 and an hour before the
    plugin's clock start. ``complete=True`` fills in every proof-of-opt-in
    element (``record.missing_evidence() == []``). ``account`` sets the
    tenant that holds the consent (None: no account, for BRAND-scoped
    ledgers; pass the account of your messages for the engine's default
    ACCOUNT scope).
    """
    if not isinstance(complete, bool):
        raise InvalidArgument("complete must be a bool")
    if express is False and isinstance(scopes, frozenset) and UseCase.MARKETING in scopes:
        raise InvalidArgument("marketing consent must be express: express=False with MARKETING")
    no_marketing = express is False
    scope_choices = [u for u in UseCase if not (no_marketing and u is UseCase.MARKETING)]
    default_scopes = st.frozensets(st.sampled_from(scope_choices), min_size=1, max_size=3)

    @st.composite
    def records(draw: st.DrawFn) -> ConsentRecord:
        the_brand = draw(_strategy(brand, brands()))
        the_scopes = frozenset(draw(_strategy(scopes, default_scopes)))
        the_method = draw(_strategy(method, st.sampled_from(list(OptInMethod))))
        if UseCase.MARKETING in the_scopes:
            if express is False:
                raise InvalidArgument("marketing consent must be express: express=False")
            the_express = True
        else:
            the_express = draw(_strategy(express, st.booleans()))
        slug = _slug(str(the_brand))
        site = f"https://www.{slug}.com"
        optional = st.booleans() if not complete else st.just(True)
        data: dict[str, Any] = {
            "phone": draw(_strategy(phone, phone_numbers())),
            "brand": the_brand,
            "method": the_method,
            "captured_at": draw(
                _strategy(
                    captured_at,
                    st.datetimes(
                        min_value=_CAPTURED_FROM.replace(tzinfo=None),
                        max_value=_CAPTURED_TO.replace(tzinfo=None),
                        timezones=st.just(UTC),
                    ),
                )
            ),
            "scopes": the_scopes,
            "express": the_express,
            "account": draw(_strategy(account, st.none())),
        }
        data.update(_evidence(draw, the_method, str(the_brand), site, optional))
        return ConsentRecord(**data)

    result: st.SearchStrategy[ConsentRecord] = records()
    return result


# ---------------------------------------------------------------- outbound


def outbound_messages(
    *,
    account: str | st.SearchStrategy[str] | None = None,
    sender: str | st.SearchStrategy[str] | None = None,
    to: str | st.SearchStrategy[str] | None = None,
    body: str | st.SearchStrategy[str] | None = None,
    brand: str | st.SearchStrategy[str] | None = None,
    kind: MessageKind | st.SearchStrategy[MessageKind] | None = None,
    use_case: UseCase | st.SearchStrategy[UseCase] | None = None,
) -> st.SearchStrategy[OutboundMessage]:
    """:class:`~a2p_policy.OutboundMessage` values.

    Defaults: account ``"AC1"`` or ``"AC2"``, a local (not toll-free) sender
    and recipient from :func:`phone_numbers`, a body from
    :func:`notification_bodies`, a brand from :func:`brands`, any kind and use
    case. Fix any field with a value or a strategy.
    """
    return st.builds(
        OutboundMessage,
        _strategy(account, st.sampled_from(("AC1", "AC2"))),
        _strategy(sender, phone_numbers()),
        _strategy(to, phone_numbers()),
        _strategy(body, notification_bodies()),
        brand=_strategy(brand, brands()),
        kind=_strategy(kind, st.sampled_from(list(MessageKind))),
        use_case=_strategy(use_case, st.sampled_from(list(UseCase))),
    )


# ---------------------------------------------------------------- toll-free

_NOISY_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=80,
).filter(lambda s: bool(s.strip()))


def _evidence(
    draw: st.DrawFn, method: OptInMethod, brand: str, site: str, optional: st.SearchStrategy[bool]
) -> dict[str, Any]:
    """The evidence fields of a consent record (each present when
    ``optional`` draws True; the source URL of a web form always)."""
    out: dict[str, Any] = {}
    web = method in (OptInMethod.WEB_FORM, OptInMethod.MOBILE_QR_CODE)
    if method is OptInMethod.WEB_FORM or (web and draw(optional)):
        out["source_url"] = f"{site}/{draw(st.sampled_from(_data.OPT_IN_PATHS[:3]))}"
    if draw(optional):
        out["name"] = draw(st.sampled_from(("Jordan Lee", "Sam Rivera", "Alex Chen")))
    if draw(optional):
        out["email"] = f"contact{draw(st.integers(1, 999))}@example.com"
    if draw(optional):
        out["address"] = f"{draw(st.integers(1, 9999))} Main Street, Springfield"
    if web and draw(optional):
        out["ip_address"] = draw(st.ip_addresses(v=4).map(str))
    if method is OptInMethod.VIA_TEXT and draw(optional):
        out["keyword"] = draw(st.sampled_from(("START", "JOIN", "ALERTS")))
    if method in (OptInMethod.VERBAL, OptInMethod.PAPER_FORM) and draw(optional):
        out["details"] = "Script read at the front desk; agreement noted in the CRM."
    if draw(optional):
        out["consent_text"] = (
            f"I agree to receive text messages from {brand}. Msg frequency varies. "
            "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
        )
    if draw(optional):
        out["evidence_url"] = f"{site}/evidence/{draw(st.integers(1, 99_999))}.png"
    return out


def tollfree_requests(
    *,
    clean: bool = True,
    customer_profile: bool | None = None,
    use_cases: Sequence[UseCase] | None = None,
    business_type: str | None = None,
    tollfree_phone_number_sid: str | st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[TollFreeVerificationRequest]:
    """Valid :class:`~a2p_policy.TollFreeVerificationRequest` values.

    ``clean=True`` (default): a well-written submission (brand and opt-out in
    the sample, a specific summary, public opt-in page links, a business type
    with its registration fields) with no BLOCK finding in ``precheck``.
    ``clean=False``: the free-text fields may be arbitrary Unicode text too
    (still accepted by the model; precheck may object). ``customer_profile``:
    True for a ``customer_profile_sid`` (no address fields), False for the
    address and contact fields, None for either. ``use_cases`` and
    ``business_type`` fix those fields.
    """
    if not isinstance(clean, bool):
        raise InvalidArgument("clean must be a bool")
    if customer_profile is not None and not isinstance(customer_profile, bool):
        raise InvalidArgument("customer_profile must be a bool or None")
    if business_type is not None and business_type not in BUSINESS_TYPES:
        raise InvalidArgument(f"business_type must be one of {', '.join(BUSINESS_TYPES)}")
    if use_cases is not None:
        if isinstance(use_cases, str) or not all(isinstance(u, UseCase) for u in use_cases):
            raise InvalidArgument("use_cases must be a sequence of UseCase")
        if not use_cases:
            raise InvalidArgument("use_cases must name at least one UseCase")
    pn = _strategy(
        tollfree_phone_number_sid,
        st.text(_HEX, min_size=32, max_size=32).map(lambda h: "PN" + h),
    )

    result: st.SearchStrategy[TollFreeVerificationRequest] = _requests(
        clean, customer_profile, use_cases, business_type, pn
    )
    return result


@st.composite
def _requests(
    draw: st.DrawFn,
    clean: bool,
    customer_profile: bool | None,
    use_cases: Sequence[UseCase] | None,
    business_type: str | None,
    pn: st.SearchStrategy[str],
) -> TollFreeVerificationRequest:
    """One request for :func:`tollfree_requests` (arguments checked there)."""
    first = draw(st.sampled_from(_data.BRAND_FIRST_WORDS))
    second = draw(st.sampled_from(_data.BRAND_SECOND_WORDS))
    brand = f"{first} {second}"
    name = brand + draw(st.sampled_from(_data.LEGAL_SUFFIXES))
    slug = _slug(brand)
    site = f"https://www.{slug}.com"
    categories = (
        list(dict.fromkeys(u.value for u in use_cases))
        if use_cases is not None
        else draw(
            st.lists(
                st.sampled_from([u.value for u in UseCase]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
    )
    subject = draw(st.sampled_from(_data.SUMMARY_SUBJECTS))
    summary = (
        f"{brand} sends {subject} to customers who signed up on our website, "
        f"about {draw(st.integers(1, 30))} messages per month."
    )
    sample = f"{brand}: {draw(notification_bodies())} Reply STOP to opt out."

    def text(value: str, limit: int) -> str:
        if clean or not draw(st.booleans()):
            return value
        return draw(_NOISY_TEXT)[:limit]

    params: dict[str, Any] = {
        "business_name": text(name, 500),
        "business_website": site,
        "notification_email": f"compliance@{slug}.com",
        "use_case_categories": categories,
        "use_case_summary": text(summary, 500),
        "production_message_sample": text(sample, 1000),
        "opt_in_image_urls": [
            f"{site}/{p}"
            for p in draw(
                st.lists(st.sampled_from(_data.OPT_IN_PATHS), min_size=1, max_size=2, unique=True)
            )
        ],
        "opt_in_type": draw(st.sampled_from([m.value for m in OptInMethod])),
        "message_volume": draw(st.sampled_from(MESSAGE_VOLUMES)),
        "tollfree_phone_number_sid": draw(pn),
    }
    with_profile = customer_profile if customer_profile is not None else draw(st.booleans())
    if with_profile:
        params["customer_profile_sid"] = "BU" + draw(st.text(_HEX, min_size=32, max_size=32))
    else:
        params.update(_address_params(draw, slug))
    the_type = business_type or draw(st.sampled_from(BUSINESS_TYPES))
    params["business_type"] = the_type
    if the_type != "SOLE_PROPRIETOR" or draw(st.booleans()):
        params.update(
            business_registration_number=f"{draw(st.integers(10, 99))}-"
            f"{draw(st.integers(1_000_000, 9_999_999))}",
            business_registration_authority="EIN",
            business_registration_country="US",
        )
    params.update(_optional_request_params(draw, brand, site))
    return TollFreeVerificationRequest(**params)


def _address_params(draw: st.DrawFn, slug: str) -> dict[str, Any]:
    """The business address and contact fields (no customer profile)."""
    params: dict[str, Any] = {
        "business_street_address": f"{draw(st.integers(1, 9999))} Main Street",
        "business_city": draw(st.sampled_from(("Springfield", "Portland", "Toronto"))),
        "business_state_province_region": draw(st.sampled_from(("OR", "CA", "ON"))),
        "business_postal_code": draw(st.sampled_from(("97201", "94105", "M5V 2T6"))),
        "business_country": draw(st.sampled_from(("US", "CA"))),
        "business_contact_first_name": draw(st.sampled_from(("Jordan", "Sam", "Alex"))),
        "business_contact_last_name": draw(st.sampled_from(("Lee", "Rivera", "Chen"))),
        "business_contact_email": f"owner@{slug}.com",
        "business_contact_phone": draw(phone_numbers()),
    }
    if draw(st.booleans()):
        params["business_street_address2"] = f"Suite {draw(st.integers(1, 900))}"
    return params


def _optional_request_params(draw: st.DrawFn, brand: str, site: str) -> dict[str, Any]:
    """The optional fields of a request, each present or not."""
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["opt_in_confirmation_message"] = (
            f"{brand}: You are subscribed to account alerts. Msg frequency varies. "
            "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
        )
    if draw(st.booleans()):
        params["help_message_sample"] = (
            f"{brand}: for help call us or visit {site}/help. Reply STOP to opt out."
        )
    if draw(st.booleans()):
        params["privacy_policy_url"] = f"{site}/privacy"
        params["terms_and_conditions_url"] = f"{site}/terms"
    if draw(st.booleans()):
        params["doing_business_as"] = brand
    if draw(st.booleans()):
        params["opt_in_keywords"] = draw(
            st.lists(st.sampled_from(("START", "JOIN", "ALERTS")), min_size=1, unique=True)
        )
    if draw(st.booleans()):
        params["external_reference_id"] = draw(
            st.text(string.ascii_letters + string.digits, min_size=1, max_size=20)
        )
    if draw(st.booleans()):
        params["age_gated_content"] = False
    return params


# ----------------------------------------------------------------- inbound

_KEYWORDS: dict[KeywordKind, tuple[str, ...]] = {
    KeywordKind.OPT_OUT: DEFAULT_OPT_OUT_KEYWORDS,
    KeywordKind.OPT_IN: DEFAULT_OPT_IN_KEYWORDS,
    KeywordKind.HELP: DEFAULT_HELP_KEYWORDS,
}


@st.composite
def _noisy_case(draw: st.DrawFn, word: str) -> str:
    style = draw(st.sampled_from(("upper", "lower", "title", "mixed")))
    if style == "upper":
        return word.upper()
    if style == "lower":
        return word.lower()
    if style == "title":
        return word.title()
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.lower() if f else c.upper() for c, f in zip(word, flips, strict=True))


def inbound_bodies(kind: KeywordKind | None = None) -> st.SearchStrategy[str]:
    """Inbound texts: a keyword (the library's default opt-out, opt-in and
    help keywords) with noise (any letter case, surrounding white space,
    punctuation, quotes, an emoji) that still classifies as an EXACT match
    of ``kind``; ``KeywordKind.NONE`` gives ordinary replies with no keyword.
    None: any of the keyword kinds."""
    if kind is not None and not isinstance(kind, KeywordKind):
        raise InvalidArgument(f"kind must be a KeywordKind or None, got {kind!r}")
    if kind is KeywordKind.NONE:
        return st.sampled_from(_data.PLAIN_REPLIES)
    kinds = [kind] if kind is not None else list(_KEYWORDS)
    words = [w for k in kinds for w in _KEYWORDS[k]]

    @st.composite
    def bodies(draw: st.DrawFn) -> str:
        word = draw(_noisy_case(draw(st.sampled_from(words))))
        prefix = draw(st.sampled_from(_data.KEYWORD_PREFIXES))
        suffix = draw(st.sampled_from(_data.KEYWORD_SUFFIXES))
        return prefix + word + suffix

    result: st.SearchStrategy[str] = bodies()
    return result
