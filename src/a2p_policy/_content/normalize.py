"""Text normalization for matching: case, accents, look-alikes, leetspeak.

Why: carriers filter on words, so senders who want past the filters write
"fr33", "c@sh", "F R E E" or swap Latin letters for Cyrillic ones; the
messaging policy forbids exactly that ("Filtering Evasion",
sources.md [policy]; sources.md: content). Every
content rule therefore reads the text once normalized:

* ``text``: lower case, accents removed, compatibility forms folded
  (fullwidth and mathematical letters become ASCII), look-alike letters of
  other scripts mapped to the Latin letter they imitate, invisible format
  characters dropped;
* ``plain``: ``text`` with disguised watch words spelled out ("fr33" ->
  "free", "F R E E" -> "free   "), of the same length as ``text`` so a match
  in either maps back to the same place in the original;
* ``signals``: each disguise found (the evidence for ``evasion.obfuscation``).

Pure-ASCII text (nearly every message) takes a fast path with no per-character
work. Everything here is linear in the length of the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

__all__ = ["CONFUSABLES", "LEET", "PUNCTUATION", "NormalizedText", "Signal", "normalize_text"]

#: Letters of other scripts that look like Latin letters, mapped to the Latin
#: letter they imitate. Source: a subset of Unicode's confusables.txt
#: (UTS #39) for Cyrillic and Greek, the scripts spammers use most.
CONFUSABLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Cyrillic capitals
        "А": "a",
        "В": "b",
        "Е": "e",
        "К": "k",
        "М": "m",
        "Н": "h",
        "О": "o",
        "Р": "p",
        "С": "c",
        "Т": "t",
        "Х": "x",
        "У": "y",
        "І": "i",
        "Ј": "j",
        "Ѕ": "s",
        "Ԛ": "q",
        "Ԝ": "w",
        "Ү": "y",
        "Һ": "h",
        # Cyrillic small
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "х": "x",
        "у": "y",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
        "һ": "h",
        "ү": "y",
        "ɡ": "g",
        # Greek capitals
        "Α": "a",
        "Β": "b",
        "Ε": "e",
        "Ζ": "z",
        "Η": "h",
        "Ι": "i",
        "Κ": "k",
        "Μ": "m",
        "Ν": "n",
        "Ο": "o",
        "Ρ": "p",
        "Τ": "t",
        "Υ": "y",
        "Χ": "x",
        # Greek small
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ϲ": "c",
        "Ϲ": "c",
        "ϳ": "j",
        # Latin look-alikes outside ASCII
        "ı": "i",
        "ȷ": "j",
        "ℓ": "l",
    }
)

#: Digits and symbols used for letters ("fr33", "c@sh", "w!n"). "1" reads as
#: "i" or "l"; both are tried.
LEET: Final[Mapping[str, str]] = MappingProxyType(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
    }
)

_LEET_I = str.maketrans(dict(LEET))
_LEET_L = str.maketrans({**LEET, "1": "l"})
_LEET_CHARS: Final = frozenset(LEET)
# A token (run of word chars and leet symbols) holding a letter and a leet
# symbol; it starts only at a token start, so each token is scanned a bounded
# number of times (linear).
_LEET_TOKEN = re.compile(
    r"(?<![\w@$!|€])(?=[\w@$!|€]*?[^\W\d_])(?=[\w@$!|€]*?[0-9@$!|€])[\w@$!|€]{3,}"
)
_SPACED_HINT = re.compile(
    r"(?<![\w@$])[a-z0-9@$][ .\-_*]{1,2}[a-z0-9@$][ .\-_*]{1,2}[a-z0-9@$](?![\w@$])"
)
_SINGLE = re.compile(r"(?<![\w@$])[a-z0-9@$](?![\w@$])")
_SPACED_SEPARATORS: Final = frozenset(" .-_*")
_MIN_SPACED = 3
_WORD = re.compile(r"\w+")
_MAX_SIGNALS = 50


@attrs.frozen(slots=True)
class Signal:
    """One disguise: ``kind`` (lookalike, styled, invisible, leet, spaced),
    ``start``/``end`` in normalized coordinates, ``reads_as`` the plain word."""

    kind: str
    start: int
    end: int
    reads_as: str


@attrs.frozen(slots=True)
class NormalizedText:
    """A text prepared for matching (see the module docstring)."""

    original: str
    text: str
    plain: str
    offsets: tuple[int, ...] | None
    signals: tuple[Signal, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``text``/``plain`` to the original text."""
        if self.offsets is None:
            return start, end
        if not self.offsets:
            return 0, 0
        last = len(self.offsets) - 1
        first = self.offsets[min(max(start, 0), last)]
        stop = self.offsets[min(max(end - 1, 0), last)] + 1
        return first, max(first, stop)


def _styled(ch: str) -> bool:
    cp = ord(ch)
    return (
        0xFF01 <= cp <= 0xFF5E  # fullwidth forms
        or 0x1D400 <= cp <= 0x1D7FF  # mathematical alphanumerics
        or 0x24B6 <= cp <= 0x24E9  # circled letters
        or 0x1F130 <= cp <= 0x1F189  # squared / negative letters
    )


#: Typographic punctuation read as its ASCII form (not a disguise).
PUNCTUATION: Final[Mapping[str, str]] = MappingProxyType(
    {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u201c": '"',
     "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
     "\u2014": "-", "\u2212": "-"}
)  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> tuple[str, str]:
    """(normalized form, disguise kind or "") of one non-ASCII character."""
    mapped = CONFUSABLES.get(ch)
    if mapped is not None:
        return mapped, "lookalike"
    punct = PUNCTUATION.get(ch)
    if punct is not None:
        return punct, ""
    if ch.isspace():
        return " ", ""
    category = unicodedata.category(ch)
    if category == "Cf" or ch == "\u034f":
        return "", "invisible"
    nfkd = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in nfkd if not unicodedata.combining(c)).lower()
    base = "".join(c for c in unicodedata.normalize("NFKD", base) if not unicodedata.combining(c))
    kind = "styled" if _styled(ch) and base.isascii() and base.isalnum() else ""
    if not base and category.startswith("M"):
        return "", ""
    return base if base else ch.lower(), kind


def _fold(text: str) -> tuple[str, tuple[int, ...], list[tuple[str, int, int]]]:
    out: list[str] = []
    offsets: list[int] = []
    raw: list[tuple[str, int, int]] = []
    for index, ch in enumerate(text):
        if ch < "\x80":
            out.append(ch.lower())
            offsets.append(index)
            continue
        folded, kind = _fold_char(ch)
        start = len(out)
        for c in folded:
            out.append(c)
            offsets.append(index)
        if kind:
            raw.append((kind, start, len(out)))
    return "".join(out), tuple(offsets), raw


def _script_signals(text: str, raw: list[tuple[str, int, int]]) -> list[Signal]:  # noqa: PLR0912  # one branch per script signal (a flat table)
    """Group per-character disguises into one signal per word."""
    signals: list[Signal] = []
    kinds_at: dict[int, str] = {}
    invisible: list[int] = []
    for kind, start, end in raw:
        if kind == "invisible":
            invisible.append(start)
        for pos in range(start, end):
            kinds_at[pos] = kind
    for match in _WORD.finditer(text):
        s, e = match.span()
        kinds = {kinds_at[p] for p in range(s, e) if p in kinds_at}
        if not kinds:
            continue
        plain_latin = any(p not in kinds_at and "a" <= text[p] <= "z" for p in range(s, e))
        if "styled" in kinds:
            signals.append(Signal("styled", s, e, match.group()))
        elif "lookalike" in kinds and plain_latin:
            signals.append(Signal("lookalike", s, e, match.group()))
        if len(signals) >= _MAX_SIGNALS:
            return signals
    for pos in invisible:
        if 0 < pos < len(text) and text[pos - 1].isalnum() and text[pos].isalnum():
            m_start = pos - 1
            while m_start > 0 and text[m_start - 1].isalnum():
                m_start -= 1
            m_end = pos
            while m_end < len(text) and text[m_end].isalnum():
                m_end += 1
            signals.append(Signal("invisible", m_start, m_end, text[m_start:m_end]))
            if len(signals) >= _MAX_SIGNALS:
                break
    return signals


def _spaced_runs(norm: str) -> list[tuple[int, int]]:
    """Spans of 3+ single characters separated by 1-2 of `` .-_*`` ("f r e e")."""
    runs: list[tuple[int, int]] = []
    first = last = -1
    count = 0
    for match in _SINGLE.finditer(norm):
        pos = match.start()
        gap = norm[last + 1 : pos] if count else ""
        if count and 1 <= len(gap) <= 2 and all(c in _SPACED_SEPARATORS for c in gap):
            last = pos
            count += 1
            continue
        if count >= _MIN_SPACED:
            runs.append((first, last + 1))
        first = last = pos
        count = 1
    if count >= _MIN_SPACED:
        runs.append((first, last + 1))
    return runs


def _deleet(core: str) -> tuple[str, str]:
    return core.translate(_LEET_I), core.translate(_LEET_L)


def _watched(word: str, watchwords: frozenset[str]) -> bool:
    """``word`` is a watch word or the plural (``s``) of one ("n1ggers")."""
    return word in watchwords or (len(word) > 3 and word[-1] == "s" and word[:-1] in watchwords)


def normalize_text(text: str, watchwords: frozenset[str] = frozenset()) -> NormalizedText:  # noqa: PLR0912  # one pass over the characters: a branch per character class
    """Normalize ``text``; disguised forms of ``watchwords`` become signals.

    ``text`` must be a str (the caller checks).
    """
    if text.isascii():
        norm, offsets = text.lower(), None
        raw: list[tuple[str, int, int]] = []
    else:
        norm, offs, raw = _fold(text)
        offsets = offs
    signals = _script_signals(norm, raw) if raw else []
    plain_chars: list[str] | None = None
    if watchwords and not _LEET_CHARS.isdisjoint(norm):
        for match in _LEET_TOKEN.finditer(norm):
            token = match.group()
            core = token.rstrip("!|").lstrip("|")
            if len(core) < 3 or not any(c.isalpha() for c in core):
                continue
            if not any(c in _LEET_CHARS for c in core):
                continue
            start = match.start() + (len(token) - len(token.lstrip("|")))
            for candidate in _deleet(core):
                if _watched(candidate, watchwords):
                    if plain_chars is None:
                        plain_chars = list(norm)
                    plain_chars[start : start + len(core)] = candidate
                    signals.append(Signal("leet", start, start + len(core), candidate))
                    break
            if len(signals) >= _MAX_SIGNALS:
                break
    if watchwords and len(signals) < _MAX_SIGNALS and _SPACED_HINT.search(norm):
        for start, end in _spaced_runs(norm):
            run = norm[start:end]
            collapsed = "".join(c for c in run if c not in _SPACED_SEPARATORS)
            for candidate in (collapsed, *_deleet(collapsed)):
                if _watched(candidate, watchwords):
                    if plain_chars is None:
                        plain_chars = list(norm)
                    plain_chars[start:end] = candidate + " " * (len(run) - len(candidate))
                    signals.append(Signal("spaced", start, end, candidate))
                    break
            if len(signals) >= _MAX_SIGNALS:
                break
    plain = "".join(plain_chars) if plain_chars is not None else norm
    signals.sort(key=lambda s: (s.start, s.end))
    return NormalizedText(text, norm, plain, offsets, tuple(signals))
