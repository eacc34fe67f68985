"""SMS segment counting: how many billable parts a text is sent as.

Why: carriers bill and rate-limit per segment, and the composer must know
whether appending sender identification and opt-out language pushes a message
into one more part (sources.md: composing, "Segments"; the appended wording itself
comes from sources.md [policy], "Mandatory
Opt-Out Language & Sender Information addition").

The rules (3GPP TS 23.038 / 23.040, as applied by US carriers):

* A text made only of characters of the GSM 03.38 default alphabet (the basic
  set plus its extension table) is sent as GSM-7. Extension characters
  (``^{}\\[~]|€`` and form feed) take two septets (escape + character).
  One segment holds 160 septets; a concatenated part holds 153 (the user data
  header takes the rest), and an escape pair is never split across parts.
* Anything else is sent as UCS-2, counted in UTF-16 code units: 70 in a
  single segment, 67 per part.
* A concatenated message is cut only between user-perceived characters
  (extended grapheme clusters, Unicode UAX #29): an emoji with a skin tone,
  a ZWJ family, a flag, a keycap or a letter with combining accents stays
  in one part, as Twilio's published segment calculator (the npm package
  ``sms-segments-calculator``) does. Two exceptions follow that calculator:
  CR LF may be cut between CR and LF, and a cluster longer than a whole part
  (67 units, e.g. a letter under dozens of combining marks) is cut between
  code points, never inside a surrogate pair (the calculator leaves such a
  part overfull, which no carrier can send).
* A surrogate pair held as two separate code points is read as the one
  character it encodes; a lone surrogate is a character of its own.
* The empty text has 0 segments (Twilio's calculator shows 1: nothing is
  sent, so nothing is billed).

The parity corpus ``tests/data/segments_parity.json`` (generated with that
calculator, see docs/composer.md) pins these counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Final, Literal

import attrs
import regex

from a2p_policy._errors import InvalidArgument

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SegmentInfo",
    "count_segments",
    "graphemes",
    "has_joining",
    "is_gsm7",
    "join_surrogates",
]

#: The GSM 03.38 default alphabet (basic set), without the escape code itself.
#: Source: 3GPP TS 23.038 section 6.2.1.
GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

#: The GSM 03.38 extension table: each costs two septets (escape + char).
#: Source: 3GPP TS 23.038 section 6.2.1.1; sources.md: composing.
GSM7_EXTENSION: Final[frozenset[str]] = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

_GSM7_ALL: Final[frozenset[str]] = GSM7_BASIC | GSM7_EXTENSION

#: One extended grapheme cluster (UAX #29, as implemented by ``regex``).
_CLUSTER: Final = regex.compile(r"\X")
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
#: Code points that can share a cluster with a neighbour (UAX #29 rules GB3
#: to GB13). A text without any is one cluster per code point.
_JOINING: Final = regex.compile(
    r"[\r\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
    r"\p{Grapheme_Cluster_Break=Regional_Indicator}\p{Grapheme_Cluster_Break=L}"
    r"\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}"
    r"\p{Grapheme_Cluster_Break=LV}\p{Grapheme_Cluster_Break=LVT}]"
)


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


@functools.lru_cache(maxsize=4096)
def _joins(ch: str) -> bool:
    return _JOINING.match(ch) is not None


def has_joining(text: str) -> bool:
    """True when some code point of ``text`` may share a cluster with a
    neighbour (none below U+0300 but CR: Latin text takes no regex). When
    False, every code point is a cluster of its own."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    return any(_joins(ch) for ch in set(text) if ch >= "\u0300" or ch == "\r")


def join_surrogates(text: str) -> str:
    """``text`` with every surrogate pair held as two code points joined into
    the one character it encodes; lone surrogates are kept as they are."""
    if _SURROGATES.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def graphemes(text: str) -> Iterator[str]:
    """The user-perceived characters of ``text`` in order, as a message is cut
    into parts: extended grapheme clusters (UAX #29), except that CR LF is two
    (Twilio's calculator cuts between them). Surrogate pairs held as two code
    points are joined first (:func:`join_surrogates`)."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    text = join_surrogates(text)
    if not has_joining(text):
        yield from text
        return
    for cluster in _CLUSTER.findall(text):
        if cluster == "\r\n":
            yield "\r"
            yield "\n"
        else:
            yield cluster


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) >> 1


def _ucs2_costs(text: str) -> list[int]:
    """UTF-16 units of each piece a part boundary may not cut: a grapheme
    cluster, or the code points of a cluster longer than a whole part."""
    costs: list[int] = []
    append = costs.append
    for cluster in _CLUSTER.findall(text):
        if len(cluster) == 1:
            append(2 if cluster > "\uffff" else 1)
            continue
        if cluster == "\r\n":  # may be cut between CR and LF
            costs += (1, 1)
            continue
        cost = len(cluster.encode("utf-16-le", "surrogatepass")) >> 1
        if cost <= UCS2_PART:
            append(cost)
        else:
            costs.extend(2 if ch > "\uffff" else 1 for ch in cluster)
    return costs


def _pack(costs: list[int] | None, total: int, single: int, part: int) -> tuple[int, int, int]:
    """(segments, units per segment, remaining) for a text of ``total`` units.

    ``costs`` lists the costs of the pieces a boundary may not cut, in order,
    only when some piece costs more than one unit (None: every piece costs one).
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
        # Every GSM-7 character is a cluster of its own (CR LF is cut too).
        extension = sum(1 for ch in text if ch in GSM7_EXTENSION) if not text.isalnum() else 0
        units = len(text) + extension
        costs = [2 if ch in GSM7_EXTENSION else 1 for ch in text] if extension else None
        segments, _, remaining = _pack(costs, units, GSM7_SINGLE, GSM7_PART)
        return SegmentInfo("GSM-7", segments, units, remaining)
    text = join_surrogates(text)
    units = _utf16_units(text)
    # Up to one segment nothing is cut; beyond, pack cluster by cluster. A
    # text without joining code points has one cluster per code point, so
    # only surrogate pairs (2 units) need a cost list.
    costs = None
    if units > UCS2_SINGLE:
        if has_joining(text):
            costs = _ucs2_costs(text)
        elif units != len(text):
            costs = [2 if ch > "\uffff" else 1 for ch in text]
    segments, _, remaining = _pack(costs, units, UCS2_SINGLE, UCS2_PART)
    return SegmentInfo("UCS-2", segments, units, remaining)
