"""Inbound keywords: opt-out, opt-in and help, with a certainty.

Why a certainty: the FCC lets a consumer revoke consent by "any reasonable
means", so an inbound text that clearly asks to stop must be honored even
when it is not a bare keyword, while a long message that merely contains an
opt-out word ("I'll stop by at 5") must not silently unsubscribe anyone. The
classifier therefore says *what* it found and *how sure* it is, and callers
choose (:attr:`KeywordMatch.honor` is the safe default).

Sources
- Keyword sets and the whole-body, case-insensitive match: sources.md: keywords;
  sources.md [appeal] (the standard
  opt-out keywords STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT);
  sources.md [policy] ("Opt-Out Keyword", and
  "Revoke DND for a Contact": START, YES, UNSTOP lift a permanent DND).
  REVOKE, OPTOUT and "OPT OUT" come from the FCC consent-revocation rule as
  adopted by carriers (sources.md: keywords).
- Toll-free profile (only START and UNSTOP re-subscribe; no HELP reply while
  opted out; the carrier confirms the opt-out itself): sources.md: keywords.
- Pitfalls this module is tested against ("Stop. Thank you" missed, "STOP
  this bill" taken as an opt-out): DESIGN.md, "Pitfalls others hit".

How a body is read (every step is precompiled per :class:`KeywordConfig`):

1. Unicode is folded: NFKD (full-width letters, ligatures), combining marks and
   format characters (zero-width spaces and joiners, BOM, soft hyphen,
   variation selectors) are dropped, apostrophes are removed ("don't" ->
   "DONT") and the text is upper-cased.
2. The body is cut into word tokens; everything else (whitespace,
   punctuation, emoji, symbols) only separates words.
3. EXACT: the tokens of the whole body are one keyword.
4. PROBABLE: a sentence (split on ``. ! ? ;`` and line breaks) is exactly a
   keyword ("Stop. Thank you"); or a short sentence is a keyword plus filler
   words only ("please stop texting me", "STOP thanks"); or a short sentence
   holds a "reasonable means" phrase ("remove me from your list") that no
   negation precedes.
5. POSSIBLE: an opt-out keyword or phrase anywhere else ("STOP this bill",
   "I'll stop by at 5"), or a review phrase ("wrong number").
6. Doubt: in a body of several sentences, a keyword sentence asked as a
   question ("Stop? No way, keep them coming") or answered by a negation in
   the next sentence ("Quit? Never." / "End. No!") is at most POSSIBLE:
   Twilio does not act on it either, and revoking consent the sender did not
   ask to revoke is a wrong answer too. The whole body "Stop?" stays EXACT.
   A phrase asked as a question ("Can you remove me from your list?") is
   still a request; only a negation after it makes it POSSIBLE.
7. Disguise: an opt-out or opt-in keyword written to dodge filters (``ST0P``,
   ``5TOP``, ``S T O P``, ``S.T.O.P.``, ``s-t-o-p``, small capitals
   ``ꜱᴛᴏᴘ``) is a POSSIBLE match (reason OBFUSCATED): never acted on
   silently, always flagged for review, as the FCC's "any reasonable means"
   rule asks. Only a disguised word is read this way: plain words that merely
   contain the letters ("spot", "stops", "postpone") are not.

Opt-out wins over help and opt-in at any certainty (compliance fails closed:
a possible opt-out is reviewed, never lost). Re-subscribing needs a clear
keyword, so a non-exact opt-in is at most POSSIBLE.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import ClassVar

import attrs

from a2p_policy._content.normalize import LEET, normalize_text
from a2p_policy._errors import ConfigurationError, InvalidArgument

__all__ = [
    "DEFAULT_ANSWER_NEGATIONS",
    "DEFAULT_FILLER_WORDS",
    "DEFAULT_HELP_KEYWORDS",
    "DEFAULT_NEGATIONS",
    "DEFAULT_OPT_IN_KEYWORDS",
    "DEFAULT_OPT_IN_PHRASES",
    "DEFAULT_OPT_OUT_KEYWORDS",
    "DEFAULT_OPT_OUT_PHRASES",
    "DEFAULT_REVIEW_PHRASES",
    "STILL_STOPPING_WORDS",
    "TOLL_FREE_OPT_IN_KEYWORDS",
    "Certainty",
    "KeywordClassifier",
    "KeywordConfig",
    "KeywordKind",
    "KeywordMatch",
    "MatchReason",
    "classify_inbound",
    "fold_text",
]

# ---------------------------------------------------------------------------
# Data tables
# ---------------------------------------------------------------------------

#: Opt-out keywords. sources.md: keywords; the first six from
#: sources.md [appeal] ("standard
#: opt-out keyword, such as STOPALL, UNSUBSCRIBE, CANCEL, END, and QUIT");
#: REVOKE, OPTOUT, "OPT OUT" and "OPT-OUT" from the FCC revocation rule.
DEFAULT_OPT_OUT_KEYWORDS: tuple[str, ...] = (
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT OUT",
    "OPT-OUT",
)

#: Opt-in keywords. sources.md [policy],
#: "Revoke DND for a Contact" (START, YES, UNSTOP).
DEFAULT_OPT_IN_KEYWORDS: tuple[str, ...] = ("START", "YES", "UNSTOP")

#: Toll-free senders: only START and UNSTOP re-subscribe (sources.md: keywords).
TOLL_FREE_OPT_IN_KEYWORDS: tuple[str, ...] = ("START", "UNSTOP")

#: Help keywords. sources.md: keywords.
DEFAULT_HELP_KEYWORDS: tuple[str, ...] = ("HELP", "INFO")

#: "Any reasonable means" (FCC, sources.md: keywords): phrases that clearly ask to
#: stop. PROBABLE opt-out in a short sentence, POSSIBLE in a long one.
#: Sentences made of an opt-out keyword plus filler words ("please stop
#: texting me") are covered by :data:`DEFAULT_FILLER_WORDS` instead.
DEFAULT_OPT_OUT_PHRASES: tuple[str, ...] = (
    "UNSUB",
    "REMOVE ME",
    "REMOVE MY NUMBER",
    "TAKE ME OFF",
    "TAKE MY NUMBER OFF",
    "DELETE MY NUMBER",
    "LOSE MY NUMBER",
    "OPT ME OUT",
    "DONT TEXT ME",
    "DO NOT TEXT ME",
    "DONT TEXT THIS NUMBER",
    "DO NOT TEXT THIS NUMBER",
    "DONT MESSAGE ME",
    "DO NOT MESSAGE ME",
    "DONT CONTACT ME",
    "DO NOT CONTACT ME",
    "DONT SEND ME",
    "DO NOT SEND ME",
    "NO MORE TEXTS",
    "NO MORE TEXT",
    "NO MORE MESSAGES",
    "NO MORE MSGS",
    "NO MORE SMS",
    "LEAVE ME ALONE",
    "STOP TEXTING",
    "STOP MESSAGING",
    "STOP CONTACTING",
    "STOP SENDING",
    "QUIT TEXTING",
    "QUIT MESSAGING",
    "I WANT OUT",
)

#: Replies that suggest messages should stop but are not a clear request:
#: always a POSSIBLE opt-out, flagged for review, never honored silently.
DEFAULT_REVIEW_PHRASES: tuple[str, ...] = (
    "WRONG NUMBER",
    "WRONG PERSON",
    "NOT INTERESTED",
    "NO LONGER INTERESTED",
)

#: Phrases asking to re-subscribe. Re-subscribing needs a clear keyword, so
#: these are at most a POSSIBLE opt-in.
DEFAULT_OPT_IN_PHRASES: tuple[str, ...] = (
    "OPT IN",
    "OPT ME IN",
    "OPT ME BACK IN",
    "RESUBSCRIBE",
    "SUBSCRIBE ME",
)

#: The words for a text message, in the filler words and the still-stopping words.
_MESSAGE_WORDS = (
    "TEXT",
    "TEXTS",
    "TEXTING",
    "MESSAGE",
    "MESSAGES",
    "MESSAGING",
    "MSG",
    "MSGS",
    "SMS",
)

#: Words that add no meaning next to a keyword ("STOP please", "stop texting
#: me", "HELP me"). A short sentence made only of a keyword and these words is
#: a PROBABLE match.
DEFAULT_FILLER_WORDS: tuple[str, ...] = (
    "PLEASE",
    "PLS",
    "PLZ",
    "PLEASEE",
    "NOW",
    "IT",
    "ALL",
    "ME",
    "US",
    "MY",
    "NUMBER",
    "THANKS",
    "THANK",
    "YOU",
    "THX",
    "TY",
    "OK",
    "OKAY",
    "ASAP",
    "AGAIN",
    "ANYMORE",
    "ANY",
    "MORE",
    "IMMEDIATELY",
    "RIGHT",
    "AWAY",
    "JUST",
    "SIR",
    "MAAM",
    *_MESSAGE_WORDS,
    "SENDING",
    "CONTACTING",
    "CALLING",
    "SUBSCRIPTION",
    "FROM",
    "THIS",
    "THESE",
    "LIST",
)

#: Words that, right before a phrase, turn a request around ("please don't
#: stop texting me"): the phrase then counts only as POSSIBLE.
DEFAULT_NEGATIONS: tuple[str, ...] = (
    "DONT",
    "NOT",
    "NEVER",
    "CANT",
    "CANNOT",
    "WONT",
    "DIDNT",
    "DOESNT",
    "WOULDNT",
    "SHOULDNT",
)

#: Words that, opening the sentence after a keyword sentence, take it back
#: ("Cancel? No, just reschedule"). Used together with the negations.
DEFAULT_ANSWER_NEGATIONS: tuple[str, ...] = ("NO", "NOPE", "NAH", "DO NOT", "DOES NOT")

#: Words that, in a sentence opening with a negation, show it goes on asking
#: to stop ("Stop. Never text me again", "Stop! Not interested", "STOP. No
#: more"): such a sentence does not take the keyword back.
STILL_STOPPING_WORDS: tuple[str, ...] = (
    *_MESSAGE_WORDS,
    "CONTACT",
    "CONTACTING",
    "CALL",
    "CALLS",
    "CALLING",
    "SEND",
    "SENDING",
    "EMAIL",
    "BOTHER",
    "BOTHERING",
    "MORE",
    "AGAIN",
    "ANYMORE",
    "LONGER",
    "INTERESTED",
    "SPAM",
    "NUMBER",
)

#: Default number of words above which a sentence is "long": its phrases and
#: keyword-plus-filler matches drop from PROBABLE to POSSIBLE.
DEFAULT_MAX_PROBABLE_WORDS = 12

# ---------------------------------------------------------------------------
# Enums and the result
# ---------------------------------------------------------------------------


class KeywordKind(enum.Enum):
    """What an inbound message asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NONE = "none"


class Certainty(enum.Enum):
    """How sure the classifier is (EXACT > PROBABLE > POSSIBLE)."""

    EXACT = "exact"
    PROBABLE = "probable"
    POSSIBLE = "possible"

    @property
    def rank(self) -> int:
        """3 for EXACT, 2 for PROBABLE, 1 for POSSIBLE (for comparisons)."""
        return _RANK[self]


_RANK: dict[Certainty, int] = {
    Certainty.EXACT: 3,
    Certainty.PROBABLE: 2,
    Certainty.POSSIBLE: 1,
}

_KIND_PRIORITY: dict[KeywordKind, int] = {
    KeywordKind.OPT_OUT: 3,
    KeywordKind.HELP: 2,
    KeywordKind.OPT_IN: 1,
    KeywordKind.NONE: 0,
}


class MatchReason(enum.Enum):
    """Which rule produced a match (for logs and review queues)."""

    KEYWORD = "keyword"  # the whole body is a keyword
    KEYWORD_SENTENCE = "keyword_sentence"  # one sentence is a keyword
    KEYWORD_WITH_FILLER = "keyword_with_filler"  # keyword + filler words
    PHRASE = "phrase"  # a reasonable-means phrase
    LONG_TEXT = "long_text"  # keyword or phrase inside longer text
    REVIEW_PHRASE = "review_phrase"  # a phrase that only suggests stopping
    NEGATED = "negated"  # a phrase right after a negation ("don't stop ...")
    QUESTION = "question"  # a keyword sentence asked, or answered "no" ("Stop? No way")
    OBFUSCATED = "obfuscated"  # a disguised keyword ("ST0P", "S T O P", "ꜱᴛᴏᴘ")
    NONE = "none"


@attrs.frozen(slots=True)
class KeywordMatch:
    """The classification of one inbound body.

    ``keyword`` is the upper-case canonical keyword (or phrase) that matched,
    None when ``kind`` is NONE; ``certainty`` is None when ``kind`` is NONE.
    """

    kind: KeywordKind
    keyword: str | None = None
    certainty: Certainty | None = None
    reason: MatchReason = MatchReason.NONE

    NO_MATCH: ClassVar[KeywordMatch]

    @property
    def honor(self) -> bool:
        """True when the caller should act on it by default: every EXACT
        match, and PROBABLE opt-outs (FCC "reasonable means")."""
        if self.certainty is Certainty.EXACT:
            return True
        return self.kind is KeywordKind.OPT_OUT and self.certainty is Certainty.PROBABLE

    @property
    def needs_review(self) -> bool:
        """True when something was found that is not honored by default
        (a human or a rule of the caller's should decide)."""
        return self.kind is not KeywordKind.NONE and not self.honor

    @property
    def is_opt_out(self) -> bool:
        return self.kind is KeywordKind.OPT_OUT

    @property
    def is_opt_in(self) -> bool:
        return self.kind is KeywordKind.OPT_IN

    @property
    def is_help(self) -> bool:
        return self.kind is KeywordKind.HELP


KeywordMatch.NO_MATCH = KeywordMatch(KeywordKind.NONE)

# ---------------------------------------------------------------------------
# Text folding
# ---------------------------------------------------------------------------

_APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u02bc\u02bb`\u00b4\u2032")
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
#: Upper-case Cyrillic and Greek letters that look like Latin ones ("SТОР"
#: typed with Cyrillic Т, О, Р). Applied to bodies and configured words alike.
_HOMOGLYPHS = str.maketrans(
    "АВЕЅІЈКМНОРСТХУ" + "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "ABESIJKMHOPCTXY" + "ABEZHIKMNOPTYX",
)
_TOKEN = re.compile(r"[^\W_]+")
_SENTENCE_SPLIT = re.compile(r"([.!?;\n\r\u2028\u2029\u3002\uff01\uff1f\u061f\u00a1\u00bf]+)")
_QUESTION_MARKS = frozenset("?\uff1f\u061f")


def _small_capitals() -> dict[int, str]:
    """Latin small capitals (U+1D00 block, U+A730 ...) -> the ASCII capital
    they show: "ꜱᴛᴏᴘ" reads STOP. Built from the Unicode character names."""
    table: dict[int, str] = {}
    for cp in (*range(0x0260, 0x02B0), *range(0x1D00, 0x1D2C), *range(0xA730, 0xA7B0)):
        name = unicodedata.name(chr(cp), "")
        prefix = "LATIN LETTER SMALL CAPITAL "
        if name.startswith(prefix) and len(name) == len(prefix) + 1:
            table[cp] = name[-1]
    return table


_SMALL_CAPITALS = _small_capitals()
_STILL_STOPPING = frozenset(STILL_STOPPING_WORDS)
#: What a disguise needs (content.normalize reads these back): a leet
#: symbol next to a letter ("ST0P", "$TOP"), or three single characters in a
#: row with one or two separators between them ("S T O P", "s-t-o-p").
_LEET_CLASS = "[" + re.escape("".join(sorted(LEET))) + "]"
_LEET_NOT_BANG = "[" + re.escape("".join(sorted(k for k in LEET if k != "!"))) + "]"
_DISGUISE_HINT = re.compile(
    # "!" only counts before a letter: "thanks!" is no disguise, "qu!t" may be.
    rf"[^\W\d_]{_LEET_NOT_BANG}|{_LEET_CLASS}[^\W\d_]"
    r"|(?<![\w@$])[\w@$][ .\-_*]{1,2}[\w@$][ .\-_*]{1,2}[\w@$](?![\w@$])"
)


def fold_text(text: str) -> str:
    """Fold ``text`` for matching: compatibility-decompose, drop combining
    marks, zero-width and other format characters, drop apostrophes, and
    upper-case. ASCII text takes a fast path."""
    if text.isascii():
        return text.translate(_APOSTROPHES).upper()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _DROP_CATEGORIES)
    upper = kept.translate(_APOSTROPHES).upper()
    if upper.isascii():
        return upper
    # Upper-casing can yield new decomposable letters (e.g. "ǰ" -> "J̌").
    again = unicodedata.normalize("NFKD", upper)
    kept = "".join(c for c in again if unicodedata.category(c) not in _DROP_CATEGORIES)
    return kept.translate(_HOMOGLYPHS)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold_text(text))


def _canonical(value: object, what: str) -> tuple[str, str]:
    """(canonical upper-case form, token form) of a configured keyword/phrase."""
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a str, got {type(value).__name__}: {value!r}")
    token_form = " ".join(_tokens(value))
    if not token_form:
        raise ConfigurationError(f"{what} {value!r} has no letters or digits")
    canonical = " ".join(fold_text(value).split())
    return canonical, token_form


def _to_words(value: object) -> tuple[str, ...]:
    """attrs converter: a str or an iterable of str -> tuple of canonical forms
    (order kept, duplicates dropped). Type errors are raised by validation."""
    if isinstance(value, str):
        items: Iterable[object] = (value,)
    elif isinstance(value, Iterable):
        items = value
    else:
        raise ConfigurationError(
            f"keywords and phrases must be a str or an iterable of str, got {value!r}"
        )
    out: dict[str, None] = {}
    for item in items:
        canonical, _ = _canonical(item, "keyword or phrase")
        out.setdefault(canonical, None)
    return tuple(out)


def _check_max_words(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    # Bounded so that the per-sentence keyword-plus-filler match stays cheap.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ConfigurationError(f"{attribute.name} must be an int from 1 to 100, got {value!r}")


def _check_bool(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{attribute.name} must be a bool, got {value!r}")


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@attrs.frozen(slots=True)
class KeywordConfig:
    """Which words and phrases mean what. Immutable; derive variants with
    :meth:`with_keywords` or :func:`attrs.evolve`.

    Keywords and phrases are stored upper-case; matching ignores case,
    accents, punctuation and spacing ("opt-out" and "OPT OUT" are the same
    words). A keyword may belong to one kind only (ConfigurationError).

    The three booleans are reply policy for the caller (sources.md: keywords): on a
    toll-free number the carrier handles STOP and confirms it itself, and HELP
    gets no reply while the contact is opted out.
    """

    opt_out: tuple[str, ...] = attrs.field(default=DEFAULT_OPT_OUT_KEYWORDS, converter=_to_words)
    opt_in: tuple[str, ...] = attrs.field(default=DEFAULT_OPT_IN_KEYWORDS, converter=_to_words)
    help: tuple[str, ...] = attrs.field(default=DEFAULT_HELP_KEYWORDS, converter=_to_words)
    opt_out_phrases: tuple[str, ...] = attrs.field(
        default=DEFAULT_OPT_OUT_PHRASES, converter=_to_words
    )
    review_phrases: tuple[str, ...] = attrs.field(
        default=DEFAULT_REVIEW_PHRASES, converter=_to_words
    )
    opt_in_phrases: tuple[str, ...] = attrs.field(
        default=DEFAULT_OPT_IN_PHRASES, converter=_to_words
    )
    help_phrases: tuple[str, ...] = attrs.field(default=(), converter=_to_words)
    filler_words: tuple[str, ...] = attrs.field(default=DEFAULT_FILLER_WORDS, converter=_to_words)
    negations: tuple[str, ...] = attrs.field(default=DEFAULT_NEGATIONS, converter=_to_words)
    max_probable_words: int = attrs.field(
        default=DEFAULT_MAX_PROBABLE_WORDS, validator=_check_max_words
    )
    confirm_opt_out: bool = attrs.field(default=True, validator=_check_bool)
    reply_help_when_opted_out: bool = attrs.field(default=True, validator=_check_bool)
    carrier_handles_stop: bool = attrs.field(default=False, validator=_check_bool)

    def __attrs_post_init__(self) -> None:
        # Fail closed: the standard opt-out words can be added to, never removed.
        missing = [w for w in DEFAULT_OPT_OUT_KEYWORDS if w not in self.opt_out]
        if missing:
            raise ConfigurationError(
                f"opt_out must keep the standard opt-out keywords; missing {missing}. "
                "Add words with with_keywords(opt_out=[...]) instead of replacing the set."
            )
        seen: dict[str, str] = {}
        for kind_name, words in (
            ("opt_out", self.opt_out),
            ("opt_in", self.opt_in),
            ("help", self.help),
        ):
            for word in words:
                token_form = " ".join(_tokens(word))
                other = seen.setdefault(token_form, kind_name)
                if other != kind_name:
                    raise ConfigurationError(
                        f"keyword {word!r} is configured both as {other} and as {kind_name}; "
                        "a keyword may mean one thing only"
                    )

    @classmethod
    def default(cls) -> KeywordConfig:
        """The sources.md: keywords keyword sets and reasonable-means phrases
        (one shared instance per class: configurations are immutable)."""
        return _default_config(cls)

    @classmethod
    def toll_free(cls) -> KeywordConfig:
        """Toll-free senders (carrier-handled STOP): only START and UNSTOP
        re-subscribe (YES does not), no HELP reply while opted out, and no
        library confirmation (the carrier sends its own). sources.md: keywords."""
        return cls(
            opt_in=TOLL_FREE_OPT_IN_KEYWORDS,
            confirm_opt_out=False,
            reply_help_when_opted_out=False,
            carrier_handles_stop=True,
        )

    def for_toll_free(self) -> KeywordConfig:
        """This configuration for toll-free senders, whose STOP the carrier
        handles: YES does not re-subscribe (only START and UNSTOP and the
        other opt-in words), no HELP reply while opted out, and no library
        confirmation (the carrier sends its own)."""
        return attrs.evolve(
            self,
            opt_in=tuple(k for k in self.opt_in if k.upper() != "YES"),
            confirm_opt_out=False,
            reply_help_when_opted_out=False,
            carrier_handles_stop=True,
        )

    def with_keywords(
        self,
        *,
        opt_out: Iterable[str] = (),
        opt_in: Iterable[str] = (),
        help: Iterable[str] = (),
        opt_out_phrases: Iterable[str] = (),
        review_phrases: Iterable[str] = (),
        opt_in_phrases: Iterable[str] = (),
        help_phrases: Iterable[str] = (),
        filler_words: Iterable[str] = (),
        negations: Iterable[str] = (),
    ) -> KeywordConfig:
        """A copy with words added (never removed), e.g. Spanish:
        ``cfg.with_keywords(opt_out=["ALTO", "PARAR", "CANCELAR"], help=["AYUDA"])``.
        """

        def plus(current: tuple[str, ...], extra: Iterable[str], name: str) -> tuple[str, ...]:
            if isinstance(extra, str):
                extra = (extra,)
            if not isinstance(extra, Iterable):
                raise ConfigurationError(f"{name} must be an iterable of str, got {extra!r}")
            return current + tuple(extra)

        return attrs.evolve(
            self,
            opt_out=plus(self.opt_out, opt_out, "opt_out"),
            opt_in=plus(self.opt_in, opt_in, "opt_in"),
            help=plus(self.help, help, "help"),
            opt_out_phrases=plus(self.opt_out_phrases, opt_out_phrases, "opt_out_phrases"),
            review_phrases=plus(self.review_phrases, review_phrases, "review_phrases"),
            opt_in_phrases=plus(self.opt_in_phrases, opt_in_phrases, "opt_in_phrases"),
            help_phrases=plus(self.help_phrases, help_phrases, "help_phrases"),
            filler_words=plus(self.filler_words, filler_words, "filler_words"),
            negations=plus(self.negations, negations, "negations"),
        )

    def keywords(self, kind: KeywordKind) -> tuple[str, ...]:
        """The keywords of one kind (empty for NONE)."""
        if kind is KeywordKind.OPT_OUT:
            return self.opt_out
        if kind is KeywordKind.OPT_IN:
            return self.opt_in
        if kind is KeywordKind.HELP:
            return self.help
        if isinstance(kind, KeywordKind):
            return ()
        raise InvalidArgument(f"kind must be a KeywordKind, got {kind!r}")


# ---------------------------------------------------------------------------
# Classifier
# ---------------------------------------------------------------------------


def _alternation(token_forms: Iterable[str]) -> str:
    """Regex alternation of token sequences, longest first, whole tokens."""
    forms = sorted(set(token_forms), key=lambda f: (-len(f), f))
    return "|".join(re.escape(f) for f in forms)


@attrs.frozen(slots=True)
class _KindRules:
    """Precompiled matchers for one kind."""

    kind: KeywordKind
    keyword_canon: dict[str, str]  # token form -> canonical keyword
    filler_re: re.Pattern[str] | None  # fullmatch: keyword + filler words only
    anywhere_re: re.Pattern[str] | None  # search: a keyword as whole tokens
    phrase_re: re.Pattern[str] | None  # search: phrases as whole tokens
    phrase_canon: dict[str, str]
    phrase_certainty: Certainty  # when short and not negated
    max_non_exact: Certainty  # cap for every non-exact match of this kind


def _build_kind(
    kind: KeywordKind,
    keywords: tuple[str, ...],
    phrases: tuple[str, ...],
    filler_alt: str,
    *,
    phrase_certainty: Certainty,
    max_non_exact: Certainty,
    keyword_anywhere: bool,
) -> _KindRules:
    keyword_canon: dict[str, str] = {}
    for word in keywords:
        keyword_canon.setdefault(" ".join(_tokens(word)), word)
    phrase_canon: dict[str, str] = {}
    for phrase in phrases:
        phrase_canon.setdefault(" ".join(_tokens(phrase)), phrase)
    filler_re = anywhere_re = phrase_re = None
    if keyword_canon:
        k = _alternation(keyword_canon)
        # Atomic groups keep a word that is both a keyword and a filler from
        # making the regex backtrack exponentially.
        tail = f"{k}|{filler_alt}" if filler_alt else k
        head = rf"(?:(?>(?:{filler_alt})(?= )) )*" if filler_alt else ""
        filler_re = re.compile(rf"{head}(?P<kw>{k})(?: (?>(?:{tail})(?= |$)))*+")
        if keyword_anywhere:
            anywhere_re = re.compile(rf"(?:^| )(?P<kw>{k})(?= |$)")
    if phrase_canon:
        p = _alternation(phrase_canon)
        phrase_re = re.compile(rf"(?:^| )(?P<kw>{p})(?= |$)")
    return _KindRules(
        kind=kind,
        keyword_canon=keyword_canon,
        filler_re=filler_re,
        anywhere_re=anywhere_re,
        phrase_re=phrase_re,
        phrase_canon=phrase_canon,
        phrase_certainty=phrase_certainty,
        max_non_exact=max_non_exact,
    )


_ASCII_STRIP = " \t\n\r\x0b\x0c" + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


class KeywordClassifier:
    """Classifies inbound bodies with one :class:`KeywordConfig`.

    Everything is compiled once here; :meth:`classify` runs on every inbound
    message. Instances hold no mutable state and are safe to share between
    threads.
    """

    __slots__ = (
        "_answer_negations",
        "_config",
        "_exact",
        "_fast",
        "_kinds",
        "_max_words",
        "_negations",
        "_obfuscation_words",
        "_review_canon",
        "_review_re",
    )

    def __init__(self, config: KeywordConfig | None = None) -> None:
        if config is None:
            config = KeywordConfig()
        if not isinstance(config, KeywordConfig):
            raise ConfigurationError(
                f"config must be a KeywordConfig, got {type(config).__name__}: {config!r}"
            )
        self._config = config
        self._max_words = config.max_probable_words
        filler_alt = _alternation(" ".join(_tokens(w)) for w in config.filler_words)
        # In the order the kinds are tried: (kind, keywords, phrases, how sure
        # a phrase or other non-exact match is at most, keyword anywhere).
        kinds = (
            (KeywordKind.OPT_OUT, config.opt_out, config.opt_out_phrases, Certainty.PROBABLE, True),
            (KeywordKind.HELP, config.help, config.help_phrases, Certainty.PROBABLE, False),
            (KeywordKind.OPT_IN, config.opt_in, config.opt_in_phrases, Certainty.POSSIBLE, False),
        )
        self._kinds: tuple[_KindRules, ...] = tuple(
            _build_kind(
                kind,
                keywords,
                phrases,
                filler_alt,
                phrase_certainty=most,
                max_non_exact=most,
                keyword_anywhere=anywhere,
            )
            for kind, keywords, phrases, most, anywhere in kinds
        )
        review = [" ".join(_tokens(p)) for p in config.review_phrases]
        self._negations = frozenset(" ".join(_tokens(n)) for n in config.negations)
        self._answer_negations = self._negations | {
            " ".join(_tokens(n)) for n in DEFAULT_ANSWER_NEGATIONS
        }
        # Words whose disguised spelling ("ST0P", "S T O P") is read back:
        # every word of the opt-out and opt-in keywords, lower case.
        self._obfuscation_words = frozenset(
            word.lower()
            for words in (config.opt_out, config.opt_in)
            for keyword in words
            for word in _tokens(keyword)
        )
        # Whole-body exact matches: token form -> prebuilt result; literal
        # upper-case forms ("OPT-OUT") keep their own spelling.
        exact: dict[str, KeywordMatch] = {}
        fast: dict[str, KeywordMatch] = {}
        for rules in self._kinds:
            for token_form, canonical in rules.keyword_canon.items():
                exact.setdefault(
                    token_form,
                    KeywordMatch(rules.kind, canonical, Certainty.EXACT, MatchReason.KEYWORD),
                )
        for kind, words in (
            (KeywordKind.OPT_OUT, config.opt_out),
            (KeywordKind.OPT_IN, config.opt_in),
            (KeywordKind.HELP, config.help),
        ):
            for word in words:
                fast[word] = KeywordMatch(kind, word, Certainty.EXACT, MatchReason.KEYWORD)
        self._exact = exact
        self._fast = fast
        self._review_re = (
            re.compile(rf"(?:^| )(?P<kw>{_alternation(review)})(?= |$)") if review else None
        )
        self._review_canon = {" ".join(_tokens(p)): p for p in reversed(config.review_phrases)}

    @property
    def config(self) -> KeywordConfig:
        return self._config

    def classify(self, body: str) -> KeywordMatch:
        """Classify one inbound body. Never raises for a ``str``; any other
        type raises :class:`~a2p_policy.InvalidArgument`."""
        if not isinstance(body, str):
            raise InvalidArgument(
                f"inbound body must be a str, got {type(body).__name__}: {body!r:.80}"
            )
        if body.isascii():
            hit = self._fast.get(body.strip(_ASCII_STRIP).upper())
            if hit is not None:
                return hit
        signals = self._signals(body)
        return signals[0] if signals else KeywordMatch.NO_MATCH

    def signals(self, body: str) -> tuple[KeywordMatch, ...]:
        """Every kind found in ``body`` with its best certainty, best first
        (the first one is what :meth:`classify` returns). Empty when nothing
        was found."""
        if not isinstance(body, str):
            raise InvalidArgument(
                f"inbound body must be a str, got {type(body).__name__}: {body!r:.80}"
            )
        return self._signals(body)

    # -- internals ---------------------------------------------------------

    def _signals(self, body: str, *, reread: bool = True) -> tuple[KeywordMatch, ...]:
        folded = fold_text(body)
        tokens = _TOKEN.findall(folded)
        if not tokens:
            return ()
        joined = " ".join(tokens)
        exact = self._exact.get(joined)
        if exact is not None:
            literal = folded.strip()
            literal = _strip_non_word(literal)
            fast = self._fast.get(literal)
            return (fast if fast is not None and fast.kind is exact.kind else exact,)
        sentences = self._sentences(folded)
        found: list[KeywordMatch] = []
        for rules in self._kinds:
            best = self._best_for_kind(rules, sentences, joined)
            if best is not None:
                found.append(best)
        if self._review_re is not None:
            m = self._review_re.search(joined)
            if m is not None:
                review = KeywordMatch(
                    KeywordKind.OPT_OUT,
                    self._review_canon.get(m.group("kw"), m.group("kw")),
                    Certainty.POSSIBLE,
                    MatchReason.REVIEW_PHRASE,
                )
                if not any(f.kind is KeywordKind.OPT_OUT for f in found):
                    found.append(review)
        if reread and not any(f.kind is KeywordKind.OPT_OUT for f in found):
            for disguised in self._disguised(body, folded):
                if all(f.kind is not disguised.kind for f in found):
                    found.append(disguised)
        found.sort(key=_sort_key)
        return tuple(found)

    def _sentences(self, folded: str) -> list[tuple[str, bool, bool]]:
        """(words, asked, denied) of each sentence in order. In a body of
        more than one sentence, a sentence is asked when it ends in a question
        mark ("Stop? ...") and denied when the next one opens with a negation
        ("... No way")."""
        parts = _SENTENCE_SPLIT.split(folded)
        raw: list[tuple[list[str], str]] = []
        for index in range(0, len(parts), 2):
            words = _TOKEN.findall(parts[index])
            if words:
                end = parts[index + 1] if index + 1 < len(parts) else ""
                raw.append((words, end))
        several = len(raw) > 1
        sentences: list[tuple[str, bool, bool]] = []
        for index, (words, end) in enumerate(raw):
            asked = denied = False
            if several:
                asked = not _QUESTION_MARKS.isdisjoint(end)
                if index + 1 < len(raw):
                    denied = self._takes_back(raw[index + 1][0])
            sentences.append((" ".join(words), asked, denied))
        return sentences

    def _takes_back(self, words: list[str]) -> bool:
        """True when a sentence answers "no" to the one before it: it opens
        with a negation ("No way, keep them coming", "Never.") and does not
        go on asking to stop ("Never text me again", "Not interested", "No
        more texts": an opt-out or review phrase or a word of
        :data:`STILL_STOPPING_WORDS`)."""
        if words[0] not in self._answer_negations and (
            " ".join(words[:2]) not in self._answer_negations
        ):
            return False
        if not _STILL_STOPPING.isdisjoint(words):
            return False
        joined = " ".join(words)
        opt_out = self._kinds[0]
        return not any(
            pattern is not None and pattern.search(joined) is not None
            for pattern in (opt_out.anywhere_re, opt_out.phrase_re, self._review_re)
        )

    def _disguised(self, body: str, folded: str) -> tuple[KeywordMatch, ...]:
        """Opt-out and opt-in keywords spelled to dodge filters, read back:
        each is a POSSIBLE match (reason OBFUSCATED), never honored.
        ``folded`` is ``fold_text(body)``."""
        undone = body if body.isascii() else body.translate(_SMALL_CAPITALS)
        changed = undone != body
        if not changed and _DISGUISE_HINT.search(folded) is None:
            return ()  # no leet symbol inside a word, no run of single letters
        normalized = normalize_text(undone, self._obfuscation_words)
        if normalized.signals:
            undone = normalized.plain
            changed = True
        if not changed:
            return ()
        found: list[KeywordMatch] = []
        for match in self._signals(undone, reread=False):
            if match.kind in (KeywordKind.OPT_OUT, KeywordKind.OPT_IN):
                found.append(
                    KeywordMatch(
                        match.kind, match.keyword, Certainty.POSSIBLE, MatchReason.OBFUSCATED
                    )
                )
        return tuple(found)

    def _best_for_kind(  # noqa: PLR0911, PLR0912  # the certainty ladder, one exit per rung
        self, rules: _KindRules, sentences: list[tuple[str, bool, bool]], joined: str
    ) -> KeywordMatch | None:
        cap = rules.max_non_exact
        # A keyword sentence asked or denied ("Stop? No way") is POSSIBLE; a
        # phrase only when denied ("Can you remove me?" is still a request).
        doubted_hit: KeywordMatch | None = None
        # PROBABLE-level rules, sentence by sentence.
        for sentence, asked, denied in sentences:
            canonical = rules.keyword_canon.get(sentence)
            if canonical is not None:
                if not (asked or denied):
                    return KeywordMatch(rules.kind, canonical, cap, MatchReason.KEYWORD_SENTENCE)
                doubted_hit = doubted_hit or KeywordMatch(
                    rules.kind, canonical, Certainty.POSSIBLE, MatchReason.QUESTION
                )
        long_hit: KeywordMatch | None = None
        for sentence, asked, denied in sentences:
            short = sentence.count(" ") < self._max_words
            if short and rules.filler_re is not None:
                m = rules.filler_re.fullmatch(sentence)
                if m is not None:
                    canonical = rules.keyword_canon.get(m.group("kw"), m.group("kw"))
                    if not (asked or denied):
                        return KeywordMatch(
                            rules.kind, canonical, cap, MatchReason.KEYWORD_WITH_FILLER
                        )
                    doubted_hit = doubted_hit or KeywordMatch(
                        rules.kind, canonical, Certainty.POSSIBLE, MatchReason.QUESTION
                    )
                    continue  # its phrases are the same doubted words
            if rules.phrase_re is not None:
                for m in rules.phrase_re.finditer(sentence):
                    phrase = m.group("kw")
                    canonical = rules.phrase_canon.get(phrase, phrase)
                    if not short:
                        reason = MatchReason.LONG_TEXT
                    elif self._negated(sentence, m.start("kw")):
                        reason = MatchReason.NEGATED
                    elif denied:
                        reason = MatchReason.QUESTION
                    else:
                        certainty = (
                            rules.phrase_certainty
                            if _RANK[rules.phrase_certainty] <= _RANK[cap]
                            else cap
                        )
                        return KeywordMatch(rules.kind, canonical, certainty, MatchReason.PHRASE)
                    long_hit = long_hit or KeywordMatch(
                        rules.kind, canonical, Certainty.POSSIBLE, reason
                    )
        if doubted_hit is not None:
            return doubted_hit
        if long_hit is not None:
            return long_hit
        if rules.anywhere_re is not None:
            m = rules.anywhere_re.search(joined)
            if m is not None:
                canonical = rules.keyword_canon.get(m.group("kw"), m.group("kw"))
                return KeywordMatch(
                    rules.kind, canonical, Certainty.POSSIBLE, MatchReason.LONG_TEXT
                )
        return None

    def _negated(self, sentence: str, start: int) -> bool:
        """True when a negation word comes right before position ``start``
        (allowing one word in between: "don't ever text me")."""
        before = sentence[:start].split()
        return any(word in self._negations for word in before[-2:])

    def __repr__(self) -> str:
        return f"KeywordClassifier({self._config!r})"


def _strip_non_word(text: str) -> str:
    start = 0
    end = len(text)
    while start < end and not _is_word_char(text[start]):
        start += 1
    while end > start and not _is_word_char(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _sort_key(match: KeywordMatch) -> tuple[int, int, int]:
    # Opt-out first at any certainty (fail closed), then certainty, then kind.
    opt_out_first = 0 if match.kind is KeywordKind.OPT_OUT else 1
    rank = _RANK[match.certainty] if match.certainty is not None else 0
    return (opt_out_first, -rank, -_KIND_PRIORITY[match.kind])


_DEFAULT_CONFIGS: dict[type[KeywordConfig], KeywordConfig] = {}


def _default_config(cls: type[KeywordConfig]) -> KeywordConfig:
    found = _DEFAULT_CONFIGS.get(cls)
    if found is None:  # two threads may both build one: they are equal
        found = _DEFAULT_CONFIGS.setdefault(cls, cls())
    return found


@functools.lru_cache(maxsize=32)
def shared_classifier(config: KeywordConfig) -> KeywordClassifier:
    """One compiled classifier per configuration and process (classifiers
    are immutable; compiling one takes about a millisecond, and an
    application may build an engine per tenant or per request)."""
    return KeywordClassifier(config)


@functools.lru_cache(maxsize=32)
def shared_toll_free_classifier(config: KeywordConfig) -> KeywordClassifier:
    """:func:`shared_classifier` of ``config.for_toll_free()`` (cached too:
    deriving the toll-free configuration costs as much as compiling)."""
    return shared_classifier(config.for_toll_free())


_DEFAULT = shared_classifier(KeywordConfig())


def classify_inbound(body: str) -> KeywordMatch:
    """Classify an inbound SMS body with the default keyword sets (sources.md: keywords).

    Never raises for a ``str``; any other type raises
    :class:`~a2p_policy.InvalidArgument`.
    """
    return _DEFAULT.classify(body)
