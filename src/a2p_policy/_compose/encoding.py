"""Smart encoding: which characters force UCS-2, and what to type instead.

Why: one curly quote pasted from a word processor switches a whole message
from GSM-7 (160 characters per segment) to UCS-2 (70), often doubling or
tripling what the send costs and counts against the daily limit
(sources.md: composing, "Segments"; the ramp-up limits of
sources.md [policy] count every message).
This helper lists the offending characters, proposes GSM-7 look-alikes, and
says how many segments the replacement would save. It never changes a text on
its own: the caller decides.

How a text is read, one user-perceived character (grapheme cluster) at a time:

1. GSM-7 characters stay.
2. An emoji sequence (ZWJ family, skin tone, flag, keycap, emoji with a
   variation selector) is kept whole: nothing in it is removed or replaced.
3. A letter written with combining marks whose precomposed form is GSM-7
   ("e" + U+0301) becomes that form ("é"); with ``fold_accents`` any other
   accented letter becomes its base letter.
4. Every other character gets its stand-in from :data:`GSM7_REPLACEMENTS`
   when it has one (Twilio's Smart Encoding table plus a few of ours).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Final

import attrs
import regex

from a2p_policy._compose.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SegmentInfo,
    count_segments,
    graphemes,
    has_joining,
    join_surrogates,
)
from a2p_policy._errors import InvalidArgument

__all__ = [
    "GSM7_REPLACEMENTS",
    "TWILIO_SMART_ENCODING",
    "SmartEncoding",
    "is_emoji_sequence",
    "smart_encoding",
]


def _load_table() -> tuple[dict[str, str], dict[str, str]]:
    """(our table, Twilio's table) from ``gsm7_lookalikes.json``."""
    raw = resources.files("a2p_policy._compose").joinpath("gsm7_lookalikes.json").read_text("utf-8")
    ours: dict[str, str] = {}
    twilio: dict[str, str] = {}
    for row in json.loads(raw)["table"]:
        ch = chr(int(row["code"][2:], 16))
        ours[ch] = row["to"]
        if "twilio" in row:
            twilio[ch] = row["twilio"]
    return ours, twilio


_OURS, _TWILIO = _load_table()

#: Characters that force UCS-2 and their GSM-7 stand-ins (284 entries, data in
#: ``gsm7_lookalikes.json``). Sources: every look-alike of Twilio's Smart
#: Encoding table ("Smart Encoding", Twilio Messaging Services docs; the table
#: as shipped in Twilio's segment calculator, npm ``sms-segments-calculator``
#: 1.3.0) with Twilio's stand-in, plus a few of our own (trade-mark and
#: copyright signs, primes, minus, soft hyphen, zero-width joiner outside
#: emoji). One deliberate difference: no-break and other wide spaces (and the
#: tab) become ONE space where Twilio writes two (seven for a tab): a space is
#: what the writer meant, and the extra septets can cost a segment.
GSM7_REPLACEMENTS: Final[Mapping[str, str]] = MappingProxyType(_OURS)

#: Twilio's own Smart Encoding table, unchanged (271 entries), for comparison
#: and tests. Same source as above.
TWILIO_SMART_ENCODING: Final[Mapping[str, str]] = MappingProxyType(_TWILIO)

#: A code point that makes a multi-code-point cluster an emoji sequence
#: (Unicode TR #51: pictographs, skin-tone modifiers, regional-indicator
#: flags, keycaps, variation selectors, tag sequences). Nothing inside such
#: a cluster is ever replaced or removed.
_EMOJI_PART: Final = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}"
    r"\u20e3\ufe0e\ufe0f\U000e0020-\U000e007f]"
)


def is_emoji_sequence(cluster: str) -> bool:
    """True when ``cluster`` (one grapheme cluster) is an emoji sequence of
    more than one code point (ZWJ sequence, skin tone, flag, keycap, emoji
    with a variation selector, tag sequence)."""
    if not isinstance(cluster, str):
        raise InvalidArgument(f"cluster must be a str, got {type(cluster).__name__}")
    return len(cluster) > 1 and _EMOJI_PART.search(cluster) is not None


def _emoji_core(cluster: str) -> str:
    """The emoji sequence that opens ``cluster`` (up to its last emoji
    component), or "" when the cluster is not one. A mark that merely follows
    it in the same cluster (a zero-width non-joiner, say) is not part of it."""
    if not is_emoji_sequence(cluster):
        return ""
    last = max(i for i, ch in enumerate(cluster) if _EMOJI_PART.match(ch))
    core = cluster[: last + 1]
    return core if is_emoji_sequence(core) else ""


_GSM7_ALL: Final[frozenset[str]] = GSM7_BASIC | GSM7_EXTENSION
_NON_GSM7: Final = re.compile("[^" + "".join(sorted(map(re.escape, _GSM7_ALL))) + "]")


@attrs.frozen(slots=True)
class SmartEncoding:
    """What forcing GSM-7 would take and save.

    ``offending`` lists ``(index, character)`` for every character outside
    the GSM-7 alphabet (indexes into the text with surrogate pairs joined,
    i.e. the text itself unless it held a pair as two code points);
    ``replacements`` maps each character (or cluster, for a letter written
    with combining marks) that was given a stand-in to it; ``suggested`` is
    the text with those replaced, emoji sequences always kept whole; ``before``/``after``
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


def _suggest(cluster: str, fold_accents: bool, replacements: dict[str, str]) -> str:
    """The stand-in for one cluster that is not all GSM-7 (see module doc);
    what was replaced is recorded in ``replacements``."""
    out: list[str] = []
    core = _emoji_core(cluster)
    if core:
        out.append(core)  # never split an emoji sequence
        for ch in cluster[len(core) :]:  # marks after it are read one by one
            repl = GSM7_REPLACEMENTS.get(ch)
            if repl is not None:
                replacements[ch] = repl
            out.append(ch if repl is None else repl)
        return "".join(out)
    composed = unicodedata.normalize("NFC", cluster)
    if composed != cluster and _GSM7_ALL.issuperset(composed):
        # The same letter written precomposed ("e" + U+0301 -> "é").
        replacements[cluster] = composed
        return composed
    folded = _fold_accent(composed) if fold_accents and len(cluster) > 1 else None
    if folded is not None:
        replacements[cluster] = folded
        return folded
    for ch in cluster:
        if ch in _GSM7_ALL:
            out.append(ch)
            continue
        repl = GSM7_REPLACEMENTS.get(ch)
        if repl is None and fold_accents:
            repl = _fold_accent(ch)
        if repl is None:
            out.append(ch)
        else:
            replacements[ch] = repl
            out.append(repl)
    return "".join(out)


def smart_encoding(text: str, *, fold_accents: bool = False) -> SmartEncoding:
    """Analyse ``text``: which characters force UCS-2, and what replacing them saves.

    With ``fold_accents`` accented letters outside GSM-7 (á, ê, ç...) are
    offered their unaccented letter too; off by default because names lose
    their spelling.
    """
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    text = join_surrogates(text)
    before = count_segments(text)
    if before.encoding == "GSM-7":
        return SmartEncoding((), MappingProxyType({}), text, before, before)
    offending: list[tuple[int, str]] = []
    replacements: dict[str, str] = {}
    out: list[str] = []
    if not has_joining(text):
        # One cluster per code point: copy GSM-7 runs, look at the rest.
        pos = 0
        for match in _NON_GSM7.finditer(text):
            index = match.start()
            out.append(text[pos:index])
            pos = index + 1
            offending.append((index, text[index]))
            out.append(_suggest(text[index], fold_accents, replacements))
        out.append(text[pos:])
    else:
        index = 0
        for cluster in graphemes(text):
            start = index
            index += len(cluster)
            if _GSM7_ALL.issuperset(cluster):
                out.append(cluster)
                continue
            offending.extend((start + i, ch) for i, ch in enumerate(cluster) if ch not in _GSM7_ALL)
            out.append(_suggest(cluster, fold_accents, replacements))
    suggested = "".join(out)
    return SmartEncoding(
        tuple(offending),
        MappingProxyType(replacements),
        suggested,
        before,
        count_segments(suggested),
    )
