"""Smart encoding: which characters force UCS-2, and what to type instead.

Why: one curly quote pasted from a word processor switches a whole message
from GSM-7 (160 characters per segment) to UCS-2 (70), often doubling or
tripling what the send costs and counts against the daily limit (SPEC
section 4, "Segments"; the ramp-up limits of
reference/phone-messaging-policy-rampup-dnd.txt count every message).
This helper lists the offending characters, proposes GSM-7 look-alikes, and
says how many segments the replacement would save. It never changes a text on
its own: the caller decides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from a2p_policy.compose.segments import GSM7_BASIC, GSM7_EXTENSION, SegmentInfo, count_segments
from a2p_policy.errors import InvalidArgument

__all__ = ["GSM7_REPLACEMENTS", "SmartEncoding", "smart_encoding"]

_SPACES = "\u00a0\u1680\u202f\u205f\u3000" + "".join(chr(c) for c in range(0x2000, 0x200B))
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

#: Characters that force UCS-2 and their usual GSM-7 stand-ins: typographic
#: quotes, dashes, spaces, ellipsis and a few symbols that word processors and
#: phones insert on their own. Source: the GSM 03.38 alphabet
#: (3GPP TS 23.038) and the common "smart encoding" tables of SMS providers.
GSM7_REPLACEMENTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u00b4": "'",  # acute accent
        "`": "'",
        "\u2039": "'",
        "\u203a": "'",
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2026": "...",  # ellipsis
        "\u2022": "-",  # bullet
        "\u00b7": "-",  # middle dot
        "\u2122": "TM",
        "\u00ae": "(R)",
        "\u00a9": "(C)",
        "\u00a2": "c",
        "\u00bc": "1/4",
        "\u00bd": "1/2",
        "\u00be": "3/4",
        "\u02c6": "^",
        "\u02dc": "~",
        "\t": " ",
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_INVISIBLE, ""),
    }
)

_GSM7_ALL: Final[frozenset[str]] = GSM7_BASIC | GSM7_EXTENSION


@attrs.frozen(slots=True)
class SmartEncoding:
    """What forcing GSM-7 would take and save.

    ``offending`` lists ``(index, character)`` for every character outside
    the GSM-7 alphabet; ``replacements`` maps each one that has a stand-in to
    it; ``suggested`` is the text with those replaced; ``before``/``after``
    the segment counts; ``saved`` how many segments the replacement saves;
    ``fully_gsm7`` whether ``suggested`` is pure GSM-7.
    """

    offending: tuple[tuple[int, str], ...]
    replacements: Mapping[str, str]
    suggested: str
    before: SegmentInfo
    after: SegmentInfo

    @property
    def saved(self) -> int:
        return self.before.segments - self.after.segments

    @property
    def fully_gsm7(self) -> bool:
        return self.after.encoding == "GSM-7"


def _fold_accent(ch: str) -> str | None:
    """A GSM-7 base letter for an accented letter outside GSM-7 (á -> a)."""
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if base and base != ch and _GSM7_ALL.issuperset(base):
        return base
    return None


def smart_encoding(text: str, *, fold_accents: bool = False) -> SmartEncoding:
    """Analyse ``text``: which characters force UCS-2, and what replacing them saves.

    With ``fold_accents`` accented letters outside GSM-7 (á, ê, ç...) are
    offered their unaccented letter too; off by default because names lose
    their spelling.
    """
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    before = count_segments(text)
    if before.encoding == "GSM-7":
        return SmartEncoding((), MappingProxyType({}), text, before, before)
    offending: list[tuple[int, str]] = []
    replacements: dict[str, str] = {}
    out: list[str] = []
    for index, ch in enumerate(text):
        if ch in _GSM7_ALL:
            out.append(ch)
            continue
        offending.append((index, ch))
        repl = GSM7_REPLACEMENTS.get(ch)
        if repl is None and fold_accents:
            repl = _fold_accent(ch)
        if repl is None:
            out.append(ch)
        else:
            replacements[ch] = repl
            out.append(repl)
    suggested = "".join(out)
    return SmartEncoding(
        tuple(offending),
        MappingProxyType(replacements),
        suggested,
        before,
        count_segments(suggested),
    )
