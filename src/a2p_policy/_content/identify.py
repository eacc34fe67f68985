"""Does a message identify its sender, and does it tell how to opt out?

Why: the initial message to a contact must name the party that obtained the
consent and carry "Reply STOP to unsubscribe" or an equivalent with a
standard opt-out keyword ("Lack of Sender Identification" and "Lack of
Opt-Out Language" in sources.md [appeal];
"Mandatory Opt-Out Language & Sender Information addition" in
sources.md [policy]; sources.md: composing). The
composer appends each only when it is missing, and the linter warns when it is
missing, so both use these detectors: robust to case and spacing of the brand
("ABC Company", "abc company", "ABCCompany", "A.B.C. Company LLC") and to the
usual opt-out wordings ("Reply STOP", "Text STOP to cancel", "STOP to opt
out", "opt out: STOP").
"""

from __future__ import annotations

import functools
import re
from typing import Final

from a2p_policy._content.normalize import normalize_text
from a2p_policy._content.vocabulary import LEGAL_SUFFIXES, OPT_OUT_PATTERNS, SENDER_PATTERNS
from a2p_policy._errors import InvalidArgument

__all__ = ["brand_pattern", "has_opt_out", "has_sender_id", "mentions_brand"]

_OPT_OUT: Final = re.compile("|".join(f"(?:{p})" for p in OPT_OUT_PATTERNS))
_SENDER: Final = re.compile("|".join(f"(?:{p})" for p in SENDER_PATTERNS), re.MULTILINE)
_TOKEN: Final = re.compile(r"[^\W_]+")
_MAX_BRAND = 200


def opt_out_in(normalized: str) -> bool:
    """True when the normalized (lower-case) text carries an opt-out instruction."""
    return _OPT_OUT.search(normalized) is not None


def sender_hint_in(original: str) -> bool:
    """True when the original text seems to name its sender (no brand known)."""
    return _SENDER.search(original) is not None


def brand_pattern(brand: str) -> re.Pattern[str]:
    """A pattern finding ``brand`` in normalized text, in any case or spacing.

    Raises :class:`~a2p_policy.InvalidArgument` for a brand that is
    not a str, has no letter or digit, or is longer than 200 characters.
    """
    if not isinstance(brand, str):
        raise InvalidArgument(f"brand must be a str, got {type(brand).__name__}")
    return _brand_pattern(brand)


@functools.lru_cache(maxsize=1024)
def _brand_pattern(brand: str) -> re.Pattern[str]:
    if len(brand) > _MAX_BRAND:
        raise InvalidArgument(f"brand is longer than {_MAX_BRAND} characters")
    tokens = _TOKEN.findall(normalize_text(brand).text)
    if not tokens:
        raise InvalidArgument(f"brand must contain a letter or digit, got {brand!r}")
    core = list(tokens)
    while len(core) > 1 and core[-1] in LEGAL_SUFFIXES:
        core.pop()
    if len(core) > 1 and core[0] == "the":
        core.pop(0)

    def word(token: str) -> str:
        body = r"[\W_]*".join(re.escape(c) for c in token)
        return f"(?:{body})?" if token == "and" else body

    sep = r"[\W_]*"
    pattern = sep.join(word(t) for t in core)
    return re.compile(rf"(?<![^\W_]){pattern}(?![^\W_])")


def mentions_brand(normalized: str, brand: str) -> bool:
    """True when the normalized text names ``brand`` (see :func:`brand_pattern`)."""
    return brand_pattern(brand).search(normalized) is not None


def has_opt_out(text: str) -> bool:
    """True when ``text`` carries a standard opt-out instruction."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    return opt_out_in(normalize_text(text).text)


def has_sender_id(text: str, brand: str | None = None) -> bool:
    """True when ``text`` identifies its sender: names ``brand`` when given,
    else looks like it names someone ("from ABC Company", "Thanks, ABC")."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    if brand is None:
        return sender_hint_in(text)
    return mentions_brand(normalize_text(text).text, brand)
