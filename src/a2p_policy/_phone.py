"""Phone numbers: normalization to E.164, toll-free detection, time zones.

Source: SPEC section 1; toll-free area codes from
reference/twilio-tfv-messaging-compliance-api.txt (toll-free numbers in the
US and Canada).

Every number that enters the library passes through :func:`normalize_phone`,
so it is on the hot path of every message. Input that already looks like
E.164 takes a fast path (one regex, one cache lookup); every answer, valid or
not, is kept in a bounded LRU cache keyed by the raw input and region.

NANP fast path (exact, not a heuristic): in phonenumbers' metadata for
country code 1, every validity pattern of every region ends in at least three
free digits (any digit matches them; most end in four: NPA-NXX decides, but a few Caribbean
blocks such as 246-521-x are split by the thousands digit), every region's
``leading_digits`` looks at no more than seven digits, and the time-zone table
is keyed by at most ``1`` + six digits. So whether a ``+1`` number with ten
national digits is valid, and which zones it is in, depend only on its first
seven national digits (``+1NPANXXd``): both are computed once per such prefix
(bounded cache) by phonenumbers itself, for a representative number of the
prefix. :func:`_nanp_significant_digits` checks those facts on the installed
metadata (parsing the regular expressions) the first time it is needed; when
they do not hold, every number takes the full phonenumbers path.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import timezone as pn_timezone

from a2p_policy._errors import InvalidPhoneNumber

# The NANP fast path reads phonenumbers' regular expressions with the
# standard library's private regex parser (``re._parser`` since Python 3.11).
# It is private and may move: when it cannot be imported, the fast path is
# off and every number takes the full phonenumbers path (same answers).
try:
    from re import _constants as _C  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the Python version
    _C = None
    _parser = None

__all__ = [
    "CACHE_SIZE",
    "SHORT_CODE_LENGTHS",
    "TOLL_FREE_AREA_CODES",
    "SenderType",
    "is_toll_free",
    "normalize_phone",
    "normalize_sender",
    "recipient_timezones",
    "sender_type",
]

#: Toll-free area codes of the North American Numbering Plan.
TOLL_FREE_AREA_CODES: frozenset[str] = frozenset({"800", "833", "844", "855", "866", "877", "888"})

#: Distinct inputs remembered by the normalization cache: a working set of
#: 131,072 contacts (a sender's list coming back day after day) stays warm,
#: at about 250 bytes an entry (about 33 MB when full).
CACHE_SIZE = 131_072

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_MAX_INPUT = 64
# Inputs longer than this are refused before the cache, so the cache's memory
# stays bounded by CACHE_SIZE * _MAX_RAW characters.
_MAX_RAW = 4 * _MAX_INPUT


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """Return ``raw`` as an E.164 string (``+14155550123``).

    Accepts any common format (``(415) 555-0123``, ``415.555.0123``,
    ``+1 415 555 0123``, ``tel:+14155550123``). Raises
    :class:`~a2p_policy.InvalidPhoneNumber` (a ``ValueError``) when the
    input is not a string or not a valid number for ``default_region``.
    """
    if type(raw) is str and type(default_region) is str:
        if len(raw) > _MAX_RAW or len(default_region) > 8:
            raise InvalidPhoneNumber(
                f"phone number input is too long ({len(raw)} characters): {raw[:20]!r}..."
                if len(raw) > _MAX_RAW
                else f"default_region must be an ISO 3166 alpha-2 code, got {default_region[:20]!r}"
            )
        result = _cached(raw, default_region)
    else:
        if not isinstance(raw, str):
            raise InvalidPhoneNumber(
                f"phone number must be a str, got {type(raw).__name__}: {raw!r}"
            )
        if not isinstance(default_region, str):
            raise InvalidPhoneNumber(
                f"default_region must be a str such as 'US', got {default_region!r}"
            )
        return normalize_phone(str(raw), str(default_region))
    if result[0] is None:
        raise InvalidPhoneNumber(result[1])
    return result[0]


@lru_cache(maxsize=CACHE_SIZE)
def _cached(raw: str, region: str) -> tuple[str | None, str]:  # noqa: PLR0911  # fast path: one early exit per recognised shape
    """(e164, "") or (None, reason). Never raises."""
    if _E164.fullmatch(raw):
        return _validate_e164(raw)
    text = raw.strip()
    if not text:
        return None, "phone number is empty"
    if len(text) > _MAX_INPUT:
        return None, f"phone number is too long ({len(text)} characters): {text[:20]!r}..."
    if text.lower().startswith("tel:"):
        text = text[4:]
    junk = _junk(text)
    if junk is not None:
        return None, f"not a phone number: {raw[:40]!r} ({junk})"
    region_u = region.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", region_u):
        return None, f"default_region must be an ISO 3166 alpha-2 code such as 'US', got {region!r}"
    try:
        parsed = phonenumbers.parse(text, region_u)
    except phonenumbers.NumberParseException as exc:
        return None, f"not a phone number: {raw!r} ({exc})"
    except Exception as exc:  # phonenumbers may raise on exotic input
        return None, f"not a phone number: {raw!r} ({type(exc).__name__})"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"not a valid phone number: {raw!r}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ""


#: Separators people write between digit groups, besides Unicode spaces
#: (Zs) and dashes (Pd): dots, parentheses and slashes, ASCII and full-width.
_SEPARATORS = frozenset(".()/\uff0e\uff08\uff09\uff0f")
_PLUS = frozenset("+\uff0b")


def _junk(text: str) -> str | None:
    """Why ``text`` (stripped, without ``tel:``) is not a plain written phone
    number, or None. Accepted: decimal digits (any script, as phonenumbers
    reads them), an optional leading plus, and separators (spaces, dashes,
    dots, parentheses, slashes). Refused: anything else, notably extensions
    (``x123``, ``ext.``, ``;ext=``), letters (vanity numbers), ``*``, ``#``,
    ``;`` and control characters such as NUL, which phonenumbers would
    otherwise silently drop or read as an extension."""
    body = text[1:] if text[:1] in _PLUS else text
    for ch in body:
        if ch.isdecimal() or ch in _SEPARATORS:
            continue
        category = unicodedata.category(ch)
        if category in ("Zs", "Pd"):
            continue
        if category == "Cc":
            return f"control character U+{ord(ch):04X}"
        if ch in _PLUS:
            return "'+' is allowed only at the start"
        return f"unexpected character {ch!r}"
    return None


def _validate_e164(e164: str) -> tuple[str | None, str]:
    if _NANP.fullmatch(e164) and _nanp_significant_digits():
        if _nanp_prefix(e164[: 2 + _nanp_significant_digits()])[0]:
            return e164, ""
        return None, f"not a valid phone number: {e164!r}"
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as exc:
        return None, f"not a phone number: {e164!r} ({exc})"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"not a valid phone number: {e164!r}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ""


def is_toll_free(number: str) -> bool:
    """True if ``number`` is a US/Canada toll-free number (800, 833, 844,
    855, 866, 877, 888). Any input that is not a valid number gives False."""
    try:
        e164 = normalize_phone(number)
    except InvalidPhoneNumber:
        return False
    return len(e164) == 12 and e164.startswith("+1") and e164[2:5] in TOLL_FREE_AREA_CODES


@lru_cache(maxsize=CACHE_SIZE)
def _zones(e164: str) -> tuple[str, ...]:
    if _NANP.fullmatch(e164) and _nanp_significant_digits():
        return _nanp_prefix(e164[: 2 + _nanp_significant_digits()])[1]
    return _zones_of(phonenumbers.parse(e164, None))


def _zones_of(parsed: phonenumbers.PhoneNumber) -> tuple[str, ...]:
    zones = tuple(
        z
        for z in pn_timezone.time_zones_for_number(parsed)
        if "/" in z and z != pn_timezone.UNKNOWN_TIMEZONE
    )
    return tuple(sorted(set(zones)))


# ---------------------------------------------------------------- NANP fast path
_NANP = re.compile(r"\+1[2-9][0-9]{9}")
#: Distinct ``+1NPANXXd`` prefixes remembered.
PREFIX_CACHE_SIZE = 65_536


@lru_cache(maxsize=PREFIX_CACHE_SIZE)
def _nanp_prefix(prefix: str) -> tuple[bool, tuple[str, ...]]:
    """(valid, zones) of every ``+1`` number starting with ``prefix``
    (``+1`` and the significant national digits), computed by phonenumbers
    on the prefix padded with zeros to ten national digits."""
    national = prefix[2:].ljust(10, "0")
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
    if not phonenumbers.is_valid_number(number):
        return False, ()
    return True, _zones_of(number)


def _free_tail(items: Any) -> int:
    """How many trailing characters the parsed pattern ``items`` leaves free
    (any digit matches them), counted conservatively."""
    free = 0
    for op, av in reversed(list(items)):
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            low, high, sub = av
            if low == high and list(sub) == [(_C.IN, [(_C.CATEGORY, _C.CATEGORY_DIGIT)])]:
                free += low
                continue
            return free
        if op is _C.IN and list(av) == [(_C.CATEGORY, _C.CATEGORY_DIGIT)]:
            free += 1
            continue
        if op is _C.SUBPATTERN:
            return free + _free_tail(av[-1])
        if op is _C.BRANCH:
            return free + min(_free_tail(branch) for branch in av[1])
        return free
    return free


@lru_cache(maxsize=1)
def _nanp_significant_digits() -> int:
    """How many leading national digits decide the validity and zones of a
    +1 number with ten national digits (see the module docstring), or 0
    when the installed metadata does not allow the fast path."""
    if _parser is None or _C is None:  # pragma: no cover - private module moved
        return 0
    try:
        from phonenumbers import tzdata
        from phonenumbers.phonemetadata import PhoneMetadata

        tail = 10
        descs = (
            "general_desc", "fixed_line", "mobile", "toll_free", "premium_rate",
            "shared_cost", "personal_number", "voip", "pager", "uan", "voicemail",
        )  # fmt: skip
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
            meta = PhoneMetadata.metadata_for_region(region)
            if meta is None:
                return 0
            for name in descs:
                desc = getattr(meta, name)
                pattern = None if desc is None else desc.national_number_pattern
                if pattern is not None:
                    tail = min(tail, _free_tail(_parser.parse(pattern)))
        significant = 10 - tail
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]:
            meta = PhoneMetadata.metadata_for_region(region)
            lead = meta.leading_digits if meta is not None else None
            if lead and _parser.parse(lead).getwidth()[1] > significant:
                return 0
        if any(k.startswith("1") and len(k) > 1 + significant for k in tzdata.TIMEZONE_DATA):
            return 0
    except Exception:  # pragma: no cover - unexpected metadata layout: take the slow path
        return 0
    return significant if significant < 10 else 0


def recipient_timezones(number: str) -> tuple[str, ...]:
    """The IANA time zones the number may be in (sorted; several when the
    area code spans zones; every NANP zone for a non-geographic number such as
    a toll-free one; empty when phonenumbers knows none).

    A time rule must hold in every one of them (SPEC 1). Raises
    :class:`~a2p_policy.InvalidPhoneNumber` for an invalid number.
    """
    return _zones(normalize_phone(number))


# ---------------------------------------------------------------- senders
#: Lengths of a US or Canadian common short code.
SHORT_CODE_LENGTHS: tuple[int, ...] = (5, 6)
_SHORT_CODE = re.compile(r"[0-9]{5,6}")


class SenderType(enum.Enum):
    """What kind of number sends the message (our own number).

    * ``LONG_CODE``: a ten-digit geographic number (10DLC in the US) or any
      other valid E.164 number that is not toll-free.
    * ``TOLL_FREE``: a US/Canada toll-free number (800, 833, 844, 855, 866,
      877, 888); it needs an approved toll-free verification.
    * ``SHORT_CODE``: a US or Canadian common short code, five or six digits
      (CTIA / the US Short Code Registry; CWTA's Canadian Common Short Code
      program). Short codes are vetted by the carriers before they go live.
    """

    LONG_CODE = "LONG_CODE"
    TOLL_FREE = "TOLL_FREE"
    SHORT_CODE = "SHORT_CODE"


def _short_code(raw: object) -> str | None:
    """The short code in ``raw`` (five or six ASCII digits, surrounding
    whitespace allowed), or None."""
    if type(raw) is not str or len(raw) > _MAX_INPUT:
        return None
    text = raw.strip()
    return text if _SHORT_CODE.fullmatch(text) else None


def normalize_sender(raw: str, default_region: str = "US") -> str:
    """Our own number (a sender) in its canonical form: the five or six
    digits of a short code (``"12345"``), else E.164 as
    :func:`normalize_phone` gives it (long codes and toll-free numbers).

    Use it wherever our number appears: the sender of an outbound message,
    the ``To`` of an inbound message, the ``From`` of a status callback.
    Raises :class:`~a2p_policy.InvalidPhoneNumber` otherwise.
    """
    code = _short_code(raw)
    if code is not None:
        return code
    return normalize_phone(raw, default_region)


def sender_type(number: str) -> SenderType:
    """The :class:`SenderType` of a sender number in any accepted format
    (``"12345"``, ``"+18005550100"``, ``"(415) 555-0123"``). Raises
    :class:`~a2p_policy.InvalidPhoneNumber` when it is neither a
    short code nor a valid phone number."""
    if _short_code(number) is not None:
        return SenderType.SHORT_CODE
    e164 = normalize_phone(number)
    if len(e164) == 12 and e164.startswith("+1") and e164[2:5] in TOLL_FREE_AREA_CODES:
        return SenderType.TOLL_FREE
    return SenderType.LONG_CODE
