"""SMS segment counting: how many billable parts a text is sent as.

Why: carriers bill and rate-limit per segment, and the composer must know
whether appending sender identification and opt-out language pushes a message
into one more part (SPEC section 4, "Segments"; the appended wording itself
comes from reference/phone-messaging-policy-rampup-dnd.txt, "Mandatory
Opt-Out Language & Sender Information addition").

The rules (3GPP TS 23.038 / 23.040, as applied by US carriers):

* A text made only of characters of the GSM 03.38 default alphabet (the basic
  set plus its extension table) is sent as GSM-7. Extension characters
  (``^{}\\[~]|€`` and form feed) take two septets (escape + character).
  One segment holds 160 septets; a concatenated part holds 153 (the user data
  header takes the rest), and an escape pair is never split across parts.
* Anything else is sent as UCS-2, counted in UTF-16 code units: 70 in a
  single segment, 67 per part, and a surrogate pair (an emoji, for example)
  is never split across parts.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

from a2p_policy.errors import InvalidArgument

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SegmentInfo",
    "count_segments",
    "is_gsm7",
]

#: The GSM 03.38 default alphabet (basic set), without the escape code itself.
#: Source: 3GPP TS 23.038 section 6.2.1.
GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

#: The GSM 03.38 extension table: each costs two septets (escape + char).
#: Source: 3GPP TS 23.038 section 6.2.1.1; SPEC section 4.
GSM7_EXTENSION: Final[frozenset[str]] = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

_GSM7_ALL: Final[frozenset[str]] = GSM7_BASIC | GSM7_EXTENSION


@attrs.frozen(slots=True)
class SegmentInfo:
    """How a text is encoded and how many segments it takes.

    ``units`` are septets for GSM-7 and UTF-16 code units for UCS-2;
    ``segments`` is 0 for the empty text; ``per_segment`` is the capacity of
    one segment at this length (160/153 or 70/67) and ``remaining`` the units
    still free in the last segment before another one is needed (None when
    the value was built by hand; not part of equality).
    """

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int
    remaining: int | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def per_segment(self) -> int:
        if self.encoding == "GSM-7":
            return GSM7_SINGLE if self.segments <= 1 else GSM7_PART
        return UCS2_SINGLE if self.segments <= 1 else UCS2_PART

    def __str__(self) -> str:
        return f"{self.segments} segment(s), {self.encoding}, {self.units} units"


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 alphabet."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    return _GSM7_ALL.issuperset(text)


def _pack(costs: list[int] | None, total: int, single: int, part: int) -> tuple[int, int, int]:
    """(segments, units per segment, remaining) for a text of ``total`` units.

    ``costs`` lists the multi-unit characters' costs in order only when some
    character costs more than one unit (None: every character costs one).
    """
    if total == 0:
        return 0, single, single
    if total <= single:
        return 1, single, single - total
    if costs is None:
        segments = -(-total // part)
        return segments, part, segments * part - total
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments += 1
            used = 0
        used += cost
    return segments, part, part - used


def count_segments(text: str) -> SegmentInfo:
    """Encoding, unit count and segment count of ``text`` (see module doc)."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    if _GSM7_ALL.issuperset(text):
        extension = sum(1 for ch in text if ch in GSM7_EXTENSION) if not text.isalnum() else 0
        units = len(text) + extension
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text] if extension else None
        segments, _, remaining = _pack(costs, units, GSM7_SINGLE, GSM7_PART)
        return SegmentInfo("GSM-7", segments, units, remaining)
    try:
        encoded = text.encode("utf-16-le", "surrogatepass")
    except UnicodeEncodeError as exc:  # pragma: no cover - surrogatepass accepts all
        raise InvalidArgument(f"text cannot be encoded as UTF-16: {exc}") from exc
    units = len(encoded) // 2
    wide = units != len(text)
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text] if wide else None
    segments, _, remaining = _pack(costs, units, UCS2_SINGLE, UCS2_PART)
    return SegmentInfo("UCS-2", segments, units, remaining)
