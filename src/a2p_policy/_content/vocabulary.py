"""Every term list the content rules use, in one place.

Why one module: reviewers, carriers and the platform in the reference
articles judge a message by what it talks about. The words behind each
judgement are data, so they are reviewed, extended and tested here and
nowhere else; the linter (:mod:`a2p_policy._content.linter`) and the toll-free
pre-submission check import them.

Sources
    * Rejection codes and the meaning of each category:
      sources.md [tfv-api] (table of rejection
      codes 30437-30480) and sources.md [tfv-rejections]
      ("Rejection types ineligible for resubmission": what each category
      covers, e.g. 30459 "Cannabis, Marijuana, CBD, THC, Hemp").
    * Public URL shorteners (30449) and non-https links (30471):
      sources.md [tfv-rejections] ("High Risk - Public URL
      Shortener"); the platform's own link domain ``msgsndr.com`` comes from
      the sixth violating example of
      sources.md [appeal] ("Examples of
      message violations").
    * Opt-out keywords and phrasings: sources.md [appeal] ("Lack of Opt-Out
      Language": STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; "Text STOP to cancel") and
      sources.md [policy] ("Reply STOP to
      unsubscribe").
    * Filtering evasion and cold prospecting: sources.md [policy] ("Filtering
      Evasion"; "no cold prospecting message campaigns").

The category phrase table lives in the package data file ``phrases.json``
(one entry per rule: rule id, TFV code, severity, title, the source sentence
it stands for, phrases, exceptions, patterns) so a compliance person can
extend it without touching code; this module loads and validates it at
import time (a malformed table raises ConfigurationError) and keeps the
other lists (shorteners, opt-out and sender phrasings) as constants.

Phrase format: lower case, words separated by single spaces or hyphens (a
space or hyphen in a phrase matches any run of spaces and hyphens, or none,
so "e-cig" also finds "e cig" and "ecig"). Phrases are matched on word
boundaries after normalization (case, accents, look-alike letters,
leetspeak) and a phrase also matches its plural in ``s``/``es`` (and
``y`` -> ``ies``). ``...`` as a whole word stands for up to three other
words ("student ... loan" finds "student housing loans"); ``...`` ending a
word stands for any word ending ("refinanc..." finds "refinancing").
``exceptions`` are phrases in which a phrase is innocent ("massage gun",
"weed control": a match starting inside one does not count); ``patterns``
are regular expressions on the normalized text for what a word list cannot
say; ``near`` rules (:class:`Near`) catch a phrase of one list within N
words of a phrase of another, in either order ("3% down ... mortgages").
Choose phrases for precision: a bare word that ordinary business texts use
("stock", "loan", "shot", "pot", "slots") is not a phrase; a phrase is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Final

import attrs

from a2p_policy._errors import ConfigurationError
from a2p_policy._findings import Severity

__all__ = [
    "CATEGORIES",
    "COLD_OUTREACH",
    "EVASION_WATCHWORDS",
    "LEGAL_SUFFIXES",
    "MAX_NEAR_WORDS",
    "OPT_OUT_KEYWORDS",
    "OPT_OUT_PATTERNS",
    "PHRASE_TABLE",
    "SENDER_PATTERNS",
    "URL_SHORTENERS",
    "WEB_TLDS",
    "Category",
    "Near",
    "load_phrase_table",
]


@attrs.frozen(slots=True)
class Near:
    """Two phrase lists that mean the category when they occur together: a
    phrase of ``these`` within ``words`` words of a phrase of ``near``, in
    either order ("mortgages ... available now", "approved ... financing")."""

    these: tuple[str, ...]
    near: tuple[str, ...]
    words: int = 6


#: The largest ``words`` distance a near-rule may ask for.
MAX_NEAR_WORDS: Final = 12


@attrs.frozen(slots=True)
class Category:
    """A content category: its rule id, TFV rejection code, default severity and terms."""

    rule: str
    tfv_code: int | None
    severity: Severity
    title: str
    terms: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    source: str = ""
    near: tuple[Near, ...] = ()


#: The phrase table, a package data file next to this module.
PHRASE_TABLE: Final = "phrases.json"

_SEVERITIES: Final[Mapping[str, Severity]] = MappingProxyType(
    {"BLOCK": Severity.BLOCK, "WARN": Severity.WARN, "INFO": Severity.INFO}
)
_TERM_CHARS: Final = re.compile(r"[a-z0-9' $%.&-]+")


def _strings(entry: Mapping[str, object], key: str, rule: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigurationError(f"phrase table: {rule}.{key} must be a list of non-empty strings")
    return tuple(value)


def _category(entry: object) -> Category:
    if not isinstance(entry, dict):
        raise ConfigurationError("phrase table: each category must be an object")
    rule, code, severity, title = (entry.get(k) for k in ("rule", "tfv_code", "severity", "title"))
    if not isinstance(rule, str) or not rule:
        raise ConfigurationError("phrase table: a category has no rule id")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        raise ConfigurationError(f"phrase table: {rule}.tfv_code must be an int or null")
    if severity not in _SEVERITIES:
        raise ConfigurationError(f"phrase table: {rule}.severity must be BLOCK, WARN or INFO")
    if not isinstance(title, str) or not title:
        raise ConfigurationError(f"phrase table: {rule}.title must be a non-empty string")
    phrases = _strings(entry, "phrases", rule)
    exceptions = _strings(entry, "exceptions", rule)
    for phrase in (*phrases, *exceptions):
        if phrase != phrase.lower() or not _TERM_CHARS.fullmatch(phrase):
            raise ConfigurationError(
                f"phrase table: {rule}: {phrase!r} must be lower case letters, digits, "
                "spaces and ' $ % . & -"
            )
    patterns = _strings(entry, "patterns", rule)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigurationError(f"phrase table: {rule}: bad pattern {pattern!r}") from exc
    source = entry.get("source", {})
    quote = source.get("quote", "") if isinstance(source, dict) else ""
    near = entry.get("near", [])
    if not isinstance(near, list):
        raise ConfigurationError(f"phrase table: {rule}.near must be a list")
    return Category(
        rule,
        code,
        _SEVERITIES[str(severity)],
        title,
        phrases,
        exceptions,
        patterns,
        quote if isinstance(quote, str) else "",
        tuple(_near(item, rule) for item in near),
    )


def _near(item: object, rule: str) -> Near:
    if not isinstance(item, dict):
        raise ConfigurationError(f"phrase table: {rule}.near entries must be objects")
    these = _strings(item, "these", rule)
    near = _strings(item, "near", rule)
    if not these or not near:
        raise ConfigurationError(f"phrase table: {rule}.near needs 'these' and 'near' phrases")
    for phrase in (*these, *near):
        if phrase != phrase.lower() or not _TERM_CHARS.fullmatch(phrase):
            raise ConfigurationError(
                f"phrase table: {rule}: {phrase!r} must be lower case letters, digits, "
                "spaces and ' $ % . & -"
            )
    words = item.get("words", 6)
    if isinstance(words, bool) or not isinstance(words, int) or not 0 <= words <= MAX_NEAR_WORDS:
        raise ConfigurationError(
            f"phrase table: {rule}.near words must be an int from 0 to {MAX_NEAR_WORDS}"
        )
    return Near(these, near, words)


def load_phrase_table(text: str) -> tuple[Category, ...]:
    """Parse a phrase table (the JSON text of ``phrases.json``) into categories.

    Raises :class:`~a2p_policy.ConfigurationError` on any malformed
    entry: a bad table must stop the import, never silently lint nothing.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(f"phrase table is not valid JSON: {exc}") from exc
    entries = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError("phrase table: 'categories' must be a non-empty list")
    categories = tuple(_category(e) for e in entries)
    rules = [c.rule for c in categories]
    if len(set(rules)) != len(rules):
        raise ConfigurationError("phrase table: a rule id appears twice")
    return categories


_TABLE: Final[tuple[Category, ...]] = load_phrase_table(
    resources.files(__package__).joinpath(PHRASE_TABLE).read_text(encoding="utf-8")
)

#: Every content category by rule id (SHAFT, disallowed and fraud-assessed
#: categories), each with its TFV rejection code and terms; read from
#: ``phrases.json``.
CATEGORIES: Final[Mapping[str, Category]] = MappingProxyType(
    {c.rule: c for c in _TABLE if c.rule != "content.cold_outreach"}
)

#: Cold prospecting (real-estate "do you own ... / I'd like to make you an
#: offer" texts to people who never opted in): the first two violating
#: examples of sources.md [appeal] and
#: "no cold prospecting message campaigns" in
#: sources.md [policy]. No TFV code: a signal.
COLD_OUTREACH: Final[Category] = next(c for c in _TABLE if c.rule == "content.cold_outreach")

#: Public link shorteners (TFV 30449: "free public domain link associated with
#: high abuse rates"; sources.md [tfv-rejections]). A host
#: matches when it equals an entry or is a subdomain of one. ``msgsndr.com`` is
#: the reference platform's own shortener (sources.md [appeal], violating example 6).
URL_SHORTENERS: Final[frozenset[str]] = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "bit.do",
        "tinyurl.com",
        "tiny.cc",
        "tiny.one",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "v.gd",
        "buff.ly",
        "rebrand.ly",
        "rb.gy",
        "cutt.ly",
        "shorturl.at",
        "t.ly",
        "s.id",
        "bl.ink",
        "qrco.de",
        "shorte.st",
        "adf.ly",
        "lnkd.in",
        "tr.im",
        "x.co",
        "soo.gd",
        "clck.ru",
        "u.to",
        "surl.li",
        "shrtco.de",
        "1url.com",
        "po.st",
        "ift.tt",
        "dlvr.it",
        "trib.al",
        "mcaf.ee",
        "db.tt",
        "amzn.to",
        "urlz.fr",
        "tinu.be",
        "shorturl.gg",
        "msgsndr.com",
        "snip.ly",
        "short.gy",
        "lc.cx",
        "2u.pw",
        "ity.im",
        "cli.gs",
        "t2m.io",
        "zpr.io",
        "bitly.is",
    }
)

#: Top-level domains recognised in links written without ``https://``
#: ("acme.com/book"): only these, so "e.g." or "Mr.Smith" are not links.
WEB_TLDS: Final[frozenset[str]] = frozenset(
    {
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "us",
        "ca",
        "io",
        "co",
        "me",
        "info",
        "biz",
        "app",
        "dev",
        "ai",
        "ly",
        "gl",
        "gd",
        "gy",
        "id",
        "to",
        "at",
        "de",
        "in",
        "cc",
        "ru",
        "fr",
        "ee",
        "li",
        "tt",
        "al",
        "ink",
        "be",
        "uk",
        "site",
        "online",
        "shop",
        "store",
        "link",
        "click",
        "live",
        "xyz",
        "top",
        "club",
        "pw",
        "im",
        "cx",
        "gg",
        "health",
        "law",
        "realty",
        "salon",
        "dental",
        "ws",
        "tv",
        "page",
        "one",
    }
)

#: The standard opt-out keywords ("Reply STOP to unsubscribe, or the
#: equivalent using another standard opt-out keyword, such as STOPALL,
#: UNSUBSCRIBE, CANCEL, END, and QUIT": sources.md [appeal], "Lack of Opt-Out Language").
OPT_OUT_KEYWORDS: Final[tuple[str, ...]] = (
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "optout",
    "opt out",
    "revoke",
)

_KW = r"(?:stop\s?all|stop|unsubscribe|cancel|end|quit|opt\W?out|revoke)"
_VERB = r"(?:reply|replying|text|texting|txt|send|sending|respond|msg|message|sms|type)"
_OUT = r"(?:opt\W?out|unsubscribe|unsub|stop|cancel|end|quit|be removed|remove|leave|cease)"

#: Standard opt-out instructions, as regular expressions on the normalized
#: (lower-case) text: "Reply STOP", "Text STOP to cancel", "STOP to opt out",
#: "opt out: STOP", "STOP=end", "STOP2END", "To unsubscribe reply STOP".
#: Non-standard phrasings on purpose are not accepted (they are what the
#: "Filtering Evasion" paragraph of sources.md [policy] forbids).
OPT_OUT_PATTERNS: Final[tuple[str, ...]] = (
    rf"\b{_VERB}\b\W{{0,3}}(?:with\W+)?(?:the\W+word\W+|keyword\W+)?{_KW}\b",
    rf"\b(?!end\W{{0,3}}(?:to|2)\W{{0,3}}end\b){_KW}\W{{0,3}}(?:to|2|=)\W{{0,3}}{_OUT}\b",
    rf"\b{_KW}\W{{0,3}}[:\-]\W{{0,3}}(?:opt\W?out|unsubscribe|unsub)\b",
    rf"\b(?:opt\W?out|unsubscribe|unsub)\b\W{{0,3}}(?:{_VERB}\W+)?(?:stop\s?all|stop)\b",
    rf"\bstop2{_OUT}\b",
)

#: Single words that spam filters watch for and senders disguise ("fr33",
#: "c@sh", "F R E E"): a disguised form of these, or of any single-word
#: category term, is filtering evasion (sources.md [policy], "Filtering
#: Evasion"; sources.md: content).
EVASION_WATCHWORDS: Final[frozenset[str]] = frozenset(
    {
        "free",
        "cash",
        "money",
        "win",
        "winner",
        "won",
        "prize",
        "gift",
        "bonus",
        "claim",
        "offer",
        "deal",
        "credit",
        "loan",
        "loans",
        "debt",
        "urgent",
        "click",
        "viagra",
        "cialis",
        "sex",
        "casino",
        "crypto",
        "bitcoin",
        "weed",
        "cbd",
        "vape",
        "refund",
        "discount",
        "sale",
        "reward",
        "rewards",
        "guaranteed",
        "approved",
        "stop",
        "unsubscribe",
        "porn",
        "bet",
        "lottery",
        "dollars",
    }
)

_NAME = r"[A-Z][\w&'.\-]*(?:\s+(?:&\s+)?[A-Z0-9][\w&'.\-]*){0,4}"

#: How a message names its sender when no brand is given to check against
#: ("it's Kate from ABC Company", "Thanks, ABC Dental", "- ABC Dental",
#: "ABC Dental: your appointment..."): regular expressions on the original
#: text (capitals matter). Source: "Lack of Sender Identification" in
#: sources.md [appeal] and "SenderID" in
#: sources.md [policy] ("Thanks, <Location
#: Name>"). A heuristic: pass ``brand=`` for an exact check.
SENDER_PATTERNS: Final[tuple[str, ...]] = (
    rf"\b(?:[Ff]rom|FROM|[Aa]t|AT|[Ww]ith)\s+(?:[Tt]he\s+|[Yy]our\s+)?{_NAME}",
    rf"(?:^|[\s.!?,])(?:[Tt]hanks|[Tt]hank\s+you|[Rr]egards|[Ss]incerely|[Cc]heers|[Bb]est|"
    rf"[Ww]arm\s+regards|[Yy]ours)\s*[,!.:]?\s*[-—~]?\s*{_NAME}\s*(?:[.!]|\n|$)",
    rf"(?:^|\s)[-—~]\s*{_NAME}\s*(?:[.!]|\n|$)",
    rf"^\s*\[?{_NAME}\]?\s*:\s",
)

#: Legal-form words a brand may carry that a message may leave out
#: ("ABC Dental LLC" is identified by "ABC Dental").
LEGAL_SUFFIXES: Final[frozenset[str]] = frozenset(
    {
        "llc",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "corp",
        "corporation",
        "co",
        "pllc",
        "plc",
        "lp",
        "llp",
        "pc",
        "pa",
        "gmbh",
    }
)
