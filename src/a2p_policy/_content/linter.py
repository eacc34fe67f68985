"""The content linter: what a reviewer or a carrier filter would object to.

Why: a message about a forbidden subject, with a public link shortener or an
``http://`` link, or with disguised words, gets a toll-free verification
rejected and a sender filtered or suspended; an initial message without
sender identification or opt-out language breaks the messaging policy.
Sources, rule by rule:

* ``url.shortener`` (TFV 30449) and ``url.insecure`` (TFV 30471):
  sources.md [tfv-rejections] ("High Risk - Public URL
  Shortener", "High Risk - Non-secured URL"); the platform link domain
  example is violating message 6 of
  sources.md [appeal].
* ``shaft.*`` and ``disallowed.*`` with their codes: the rejection-code table
  of sources.md [tfv-api] and "Rejection types
  ineligible for resubmission" of sources.md [tfv-rejections]; alcohol is
  resubmittable "with robust age gate" (30456).
  Phishing (30480), fraud (30444) and deceptive marketing (30470) are
  assessed by the carrier's fraud team, so words alone only warn.
* ``evasion.obfuscation``: "Filtering Evasion" in
  sources.md [policy].
* ``sender.missing`` / ``optout.missing``: "Lack of Sender Identification"
  and "Lack of Opt-Out Language" in
  sources.md [appeal] (initial messages only).
* ``content.cold_outreach``: the first violating examples of the appeal
  article and "no cold prospecting" in the messaging policy.

Every category's phrases live in the phrase table ``phrases.json``, loaded by
:mod:`a2p_policy._content.vocabulary` (each entry quotes the source sentence
it stands for, e.g. 30443 "Submission includes mortgage, auto, student,
personal, payday or other loans being marketed"). Matching runs on the
normalized text (:mod:`a2p_policy._content.normalize`) with precompiled
trie-shaped regular expressions (plain, gap ``...`` and prefix phrases share
one trie): one pass for every phrase of every category and one for every
pattern decide whether anything is there; then only the categories with a
phrase starting like a word of the text are scanned, and a near-rule only
when words starting like both of its sides are present. A lint is a few
passes over the text, linear in its length; results are cached per distinct
``(text, brand, initial)`` in a bounded LRU.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from a2p_policy._content.identify import brand_pattern, opt_out_in, sender_hint_in
from a2p_policy._content.normalize import NormalizedText, normalize_text
from a2p_policy._content.vocabulary import (
    CATEGORIES,
    COLD_OUTREACH,
    EVASION_WATCHWORDS,
    URL_SHORTENERS,
    WEB_TLDS,
    Category,
    Near,
)
from a2p_policy._errors import ConfigurationError, InvalidArgument
from a2p_policy._findings import Finding, Severity

__all__ = ["RULES", "ContentLinter", "compile_terms", "literal_first", "near_spans", "term_key"]

#: Every rule id the linter can report, with its default severity and TFV code.
RULES: Final[Mapping[str, tuple[Severity, int | None]]] = {
    "url.shortener": (Severity.BLOCK, 30449),
    "url.insecure": (Severity.BLOCK, 30471),
    **{c.rule: (c.severity, c.tfv_code) for c in CATEGORIES.values()},
    COLD_OUTREACH.rule: (COLD_OUTREACH.severity, None),
    "evasion.obfuscation": (Severity.WARN, None),
    "sender.missing": (Severity.WARN, None),
    "optout.missing": (Severity.WARN, None),
}

_URL: Final = re.compile(
    r"(?<![\w@.\-])(?:(?P<scheme>[a-z][a-z0-9+.\-]{1,15})://)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.){1,10}(?P<tld>[a-z]{2,24}))"
    r"(?![\w\-@])(?::\d{1,5})?(?P<path>[/?#][^\s<>\"']*)?"
)
_URL_HINT: Final = re.compile(r"[a-z0-9]\.[a-z]")
_SEPARATOR: Final = re.compile(r"[\s\-_]+")
_MAX_TERMS_SHOWN = 5
_MAX_EVASION_FINDINGS = 10
_CACHE_TEXT_LIMIT = 2000

_FIXES: Final[Mapping[str, str]] = {
    "url.shortener": "use a link on the brand's own domain or the full link",
    "url.insecure": "use an https:// link",
    "evasion.obfuscation": "spell words plainly; disguised words are filtering evasion",
    "sender.missing": "name the brand that obtained the consent (e.g. 'Thanks, ACME')",
    "optout.missing": "add 'Reply STOP to unsubscribe' or an equivalent",
    COLD_OUTREACH.rule: "text only contacts who opted in to hear from you",
}


@functools.lru_cache(maxsize=16384)
def term_key(term: str) -> str:
    """The normalized form of a vocabulary term (lower case, single spaces)."""
    return _SEPARATOR.sub(" ", normalize_text(term).text).strip()


def _trie(terms: Iterable[Sequence[str]]) -> str:
    """One regular expression for ``terms``, each a sequence of atoms (a
    literal character, or a regular-expression fragment of more than one
    character), sharing common prefixes so a search tries each text position
    once per first character rather than once per term."""
    root: dict[str, dict[str, object]] = {}
    for term in terms:
        node: dict[str, object] = root  # type: ignore[assignment]
        for atom in term:
            node = node.setdefault(atom, {})  # type: ignore[assignment]
        node[""] = {}

    def emit(node: Mapping[str, object]) -> str:
        end = "" in node
        branches = []
        for key in sorted(k for k in node if k):
            child = node[key]
            assert isinstance(child, dict)
            head = key if len(key) > 1 else re.escape(key)
            branches.append(head + emit(child))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not end else "(?:" + "|".join(branches) + ")"
        if len(branches) == 1 and not end:
            return body
        return body + "?" if end else body

    return emit(root)


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression matching any of ``terms`` (plural ``s``/``es``,
    and ``ies`` for a final consonant + ``y``, included) on word boundaries of
    normalized text; None for no terms. ``...`` as a word of a term stands for
    up to three other words, ``...`` ending a word for any word ending (see
    :mod:`a2p_policy._content.vocabulary`)."""
    return _compile_keys(_sorted_keys(terms))


_GAP_WORDS: Final = 3
_WORD_SEP: Final = r"[\s\-_]"
# A gap word is anything between spaces; "low-rate" counts as one word. The
# word is possessive (``*+``): a hyphen chain is one word and is never split
# again on backtracking, which keeps the search linear ("a-b-c-...").
_GAP: Final = rf"(?:{_WORD_SEP}+[^\s\-_]+(?:[\-_][^\s\-_]+)*+){{0,{_GAP_WORDS}}}{_WORD_SEP}*"
_SEP: Final = rf"{_WORD_SEP}*"
_ANY_ENDING: Final = r"[\w']*(?:\.\.\.)?"
_CONSONANT_Y: Final = re.compile(r"[b-df-hj-np-tv-z]y$")


def _atoms(key: str) -> tuple[str, ...]:
    """A normalized term as trie atoms: its letters, a separator between
    words, a gap for a ``...`` word, any ending for a word ending in ``...``."""
    atoms: list[str] = []
    for word in key.split(" "):
        if word.strip(".") == "":
            atoms.append(_GAP)
            continue
        if atoms and atoms[-1] != _GAP:
            atoms.append(_SEP)
        if word.endswith("..."):
            # A prefix also matches its own written form ("refinanc..."), so
            # every phrase of the table is found in a text that quotes it.
            atoms.extend(word[:-3])
            atoms.append(_ANY_ENDING)
        else:
            atoms.extend(word)
    return tuple(atoms)


# Word boundaries around a phrase: a phrase that starts (ends) with a symbol
# ("% down", "100%") needs no boundary on that side, since "3% down" has none.
_START_ANY: Final = r"(?:(?=\w)(?<!\w)|(?!\w))"
_END_ANY: Final = r"(?:(?<=\w)(?!\w)|(?<!\w))"


def _keys_regex(keys: tuple[str, ...]) -> str:
    variants = [*keys, *(k[:-1] + "ies" for k in keys if _CONSONANT_Y.search(k))]
    start = r"\b" if all(_is_word(k[0]) for k in keys) else _START_ANY
    end = r"\b" if all(_is_word(k[-1]) or k.endswith("...") for k in keys) else _END_ANY
    return rf"{start}(?:{_trie(_atoms(k) for k in variants)})(?:e?s)?{end}"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@functools.lru_cache(maxsize=256)
def _compile_keys(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keys:
        return None
    return re.compile(_keys_regex(keys))


def _sorted_keys(terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({k for k in (term_key(t) for t in terms) if k}))


_WORD_RUN: Final = re.compile(r"\w+")
_LEAD: Final = re.compile(r"\\b(?:([a-z0-9][a-z0-9' ]*)|(\\d)|(\[[a-z0-9-]+\]))")


def _top_level_alternation(pattern: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


def literal_first(pattern: str) -> str:
    """``pattern`` rewritten to start with its first literal, when it opens
    with ``\\b`` and a literal word, ``\\d`` or a class of word characters:
    ``\\binvest ...`` becomes ``invest(?<!\\winvest) ...``, the same
    matches, but the regular-expression engine then skips straight to the
    places where the literal occurs instead of trying every position."""
    match = _LEAD.match(pattern)
    if match is None or _top_level_alternation(pattern):
        return pattern
    literal, digit, klass = match.groups()
    rest = pattern[match.end() :]
    quantified = rest[:1] in ("*", "+", "?", "{")
    if literal is not None:
        if quantified:  # the quantifier binds the last letter: leave it in the rest
            literal = literal[:-1]
        literal = literal.rstrip(" ")
        if not literal:
            return pattern
        rest = pattern[2 + len(literal) :]
        return f"{re.escape(literal)}(?<!\\w{re.escape(literal)}){rest}"
    head = digit if digit is not None else klass
    if quantified:
        if rest[:1] != "+" or rest[1:2] in ("?", "+"):
            return pattern
        # "\\d+" is one "\\d" and then "\\d*"
        return f"{head}(?<!\\w{head}){head}*{rest[1:]}"
    return f"{head}(?<!\\w{head}){rest}"


@attrs.frozen(slots=True)
class _NearRule:
    """A compiled near-rule: one trie per side and the heads of each side."""

    these: re.Pattern[str]
    near: re.Pattern[str]
    words: int
    these_heads: frozenset[str] | None
    near_heads: frozenset[str] | None

    @classmethod
    def of(cls, near: Near) -> _NearRule:
        these = _compile_keys(_sorted_keys(near.these))
        other = _compile_keys(_sorted_keys(near.near))
        if these is None or other is None:  # pragma: no cover - the loader refuses these
            raise ConfigurationError("a near-rule needs phrases on both sides")
        return cls(these, other, near.words, _term_heads(near.these), _term_heads(near.near))

    def spans(self, text: str, word_starts: Sequence[int]) -> list[tuple[int, int]]:
        """Each phrase of ``these`` with the nearest phrase of ``near`` on
        either side, when at most ``words`` words (runs of letters and
        digits) lie between them; ``word_starts``: where the words of
        ``text`` start, in order."""
        firsts = [m.span() for m in self.these.finditer(text)]
        if not firsts:
            return []
        seconds = [m.span() for m in self.near.finditer(text)]
        if not seconds:
            return []
        starts = [s for s, _ in seconds]
        ends = [e for _, e in seconds]
        out: list[tuple[int, int]] = []
        for start, end in firsts:
            after = bisect.bisect_left(starts, end)
            if after < len(seconds):
                between = bisect.bisect_left(word_starts, starts[after]) - bisect.bisect_left(
                    word_starts, end
                )
                if between <= self.words:
                    out.append((start, ends[after]))
                    continue
            before = bisect.bisect_right(ends, start) - 1
            if before >= 0:
                between = bisect.bisect_left(word_starts, start) - bisect.bisect_left(
                    word_starts, ends[before]
                )
                if between <= self.words:
                    out.append((starts[before], end))
        return out


def near_spans(near: Near, text: str) -> list[tuple[int, int]]:
    """Where the near-rule ``near`` matches ``text`` (already normalized:
    lower case): a phrase of ``near.these`` within ``near.words`` words of a
    phrase of ``near.near``, in either order; words are runs of letters and
    digits, punctuation does not count."""
    rule = _NearRule.of(near)
    return rule.spans(text, [m.start() for m in _WORD_RUN.finditer(text)])


@attrs.frozen(slots=True)
class _Compiled:
    category: Category
    terms: re.Pattern[str] | None
    exceptions: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]
    #: The first (up to) three letters of every term: a term can only match
    #: where a word of the text starts with one of them. None: always scan.
    heads: frozenset[str] | None
    #: Near-rules (tried only when words start like both of their sides).
    near: tuple[_NearRule, ...] = ()


@attrs.frozen(slots=True)
class _Tables:
    """What a configuration compiles to (immutable, shared by every linter
    with the same disabled rules and extra terms)."""

    shorteners: frozenset[str]
    compiled: tuple[_Compiled, ...]
    #: Any term of any enabled category (a prefilter for the category loop).
    any_term: re.Pattern[str] | None
    #: Every category's patterns, tried in turn (the other prefilter). Each is
    #: compiled literal-first, so a search skips to its first letters.
    any_pattern: tuple[re.Pattern[str], ...]
    #: The words that filter-evasion spelling is watched for.
    watch: frozenset[str]


@functools.lru_cache(maxsize=64)
def _tables(
    disabled: frozenset[str], extra_items: tuple[tuple[str, tuple[str, ...]], ...]
) -> _Tables:
    """Compile a configuration once per process: building the tables takes
    milliseconds, and an application builds an engine (hence a linter) per
    tenant or per request, the pre-submission check one per call."""
    extra = dict(extra_items)
    categories = [*CATEGORIES.values(), COLD_OUTREACH]
    compiled = tuple(
        _Compiled(
            c,
            compile_terms((*c.terms, *extra.get(c.rule, ()))),
            compile_terms(c.exceptions),
            tuple(re.compile(literal_first(p)) for p in c.patterns),
            _term_heads((*c.terms, *extra.get(c.rule, ()))),
            tuple(_NearRule.of(n) for n in c.near),
        )
        for c in categories
        if c.rule not in disabled
    )
    any_term = compile_terms(
        t
        for c in categories
        if c.rule not in disabled
        for t in (*c.terms, *extra.get(c.rule, ()), *(p for n in c.near for p in n.these))
    )
    watch = set(EVASION_WATCHWORDS)
    for c in categories:
        for term in (*c.terms, *extra.get(c.rule, ())):
            key = term_key(term)
            if key and " " not in key and "." not in key and len(key) >= 3:
                watch.add(key)
    return _Tables(
        shorteners=URL_SHORTENERS
        | frozenset(t.strip().lower().removeprefix("www.") for t in extra.get("url.shortener", ())),
        compiled=compiled,
        any_term=any_term,
        any_pattern=tuple(p for c in compiled for p in c.patterns),
        watch=frozenset(watch),
    )


_HEAD_LEN: Final = 3
_TOKEN: Final = re.compile(r"\w+")


def _term_heads(terms: Iterable[str]) -> frozenset[str] | None:
    heads: set[str] = set()
    for term in terms:
        key = term_key(term)
        if not key:
            continue
        head = ""
        for ch in key[:_HEAD_LEN]:
            if not (ch.isalnum() or ch == "_"):
                break
            head += ch
        if not head:
            return None
        heads.add(head)
    return frozenset(heads)


def _text_heads(text: str) -> set[str]:
    tokens = _TOKEN.findall(text)
    heads = {t[:3] for t in tokens}
    heads.update([t[:2] for t in tokens])
    heads.update([t[:1] for t in tokens])
    return heads


def _host_is_shortener(host: str, shorteners: frozenset[str]) -> bool:
    host = host.removeprefix("www.")
    if host in shorteners:
        return True
    parts = host.split(".")
    return any(".".join(parts[i:]) in shorteners for i in range(1, len(parts) - 1))


class ContentLinter:
    """Lint message text for content that reviewers and carriers reject.

    ``disabled_rules``: rule ids not to report. ``extra_terms``: more terms per
    category rule id (or more shortener domains under ``"url.shortener"``).
    ``age_gated``: the sender runs a robust age gate (date of birth), so
    alcohol is reported as INFO instead of BLOCK (TFV 30456 is resubmittable
    with one). ``severities``: override a rule's severity. ``cache_size``:
    how many distinct results to keep (0 disables the cache).
    """

    def __init__(  # validates each option in turn
        self,
        *,
        disabled_rules: Iterable[str] = (),
        extra_terms: Mapping[str, Iterable[str]] | None = None,
        age_gated: bool = False,
        severities: Mapping[str, Severity] | None = None,
        cache_size: int = 4096,
    ) -> None:
        if isinstance(disabled_rules, str):
            disabled_rules = (disabled_rules,)
        try:
            disabled = frozenset(disabled_rules)
        except TypeError as exc:
            raise ConfigurationError("disabled_rules must be an iterable of rule ids") from exc
        unknown = sorted(str(r) for r in disabled if r not in RULES)
        if unknown:
            raise ConfigurationError(f"unknown rule id(s) in disabled_rules: {', '.join(unknown)}")
        if not isinstance(age_gated, bool):
            raise ConfigurationError("age_gated must be a bool")
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
            raise ConfigurationError("cache_size must be an int >= 0")
        self._disabled = disabled
        self._age_gated = age_gated
        self._severity: dict[str, Severity] = {rule: sev for rule, (sev, _) in RULES.items()}
        if age_gated:
            self._severity["shaft.alcohol"] = Severity.INFO
        if severities is not None and not isinstance(severities, Mapping):
            raise ConfigurationError("severities must map a rule id to a Severity")
        for rule, severity in (severities or {}).items():
            if rule not in RULES:
                raise ConfigurationError(f"unknown rule id in severities: {rule!r}")
            if not isinstance(severity, Severity):
                raise ConfigurationError(f"severity for {rule!r} must be a Severity")
            self._severity[rule] = severity
        extra = self._check_extra(extra_terms)
        tables = _tables(disabled, tuple(sorted(extra.items())))
        self._shorteners = tables.shorteners
        self._compiled = tables.compiled
        self._any_term = tables.any_term
        self._any_pattern = tables.any_pattern
        self._watch = tables.watch
        self._cached = functools.lru_cache(maxsize=cache_size)(self._lint) if cache_size else None

    @staticmethod
    def _check_extra(extra_terms: object) -> dict[str, tuple[str, ...]]:
        if extra_terms is None:
            return {}
        if not isinstance(extra_terms, Mapping):
            raise ConfigurationError("extra_terms must map a rule id to a list of terms")
        allowed = {*CATEGORIES, COLD_OUTREACH.rule, "url.shortener"}
        out: dict[str, tuple[str, ...]] = {}
        for rule, terms in extra_terms.items():
            if rule not in allowed:
                raise ConfigurationError(
                    f"extra_terms: {rule!r} is not a category rule id "
                    f"({', '.join(sorted(allowed))})"
                )
            if isinstance(terms, str) or not isinstance(terms, Iterable):
                raise ConfigurationError(f"extra_terms[{rule!r}] must be a list of str")
            items = tuple(terms)
            for t in items:
                if not isinstance(t, str) or not term_key(t):
                    raise ConfigurationError(f"extra_terms[{rule!r}]: bad term {t!r}")
            out[rule] = items
        return out

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids this linter reports (all minus the disabled ones)."""
        return tuple(r for r in RULES if r not in self._disabled)

    def lint(self, text: str, *, brand: str | None = None, initial: bool = True) -> list[Finding]:
        """Findings for ``text``, BLOCKs first; deterministic, never raises on a str.

        ``brand``: the brand that obtained consent (exact sender check);
        without it a heuristic looks for a named sender. ``initial``: the
        first message to the contact (sender and opt-out checks apply).
        """
        if not isinstance(text, str):
            raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
        if brand is not None:
            brand_pattern(brand)  # validates
        if not isinstance(initial, bool):
            raise InvalidArgument(f"initial must be a bool, got {type(initial).__name__}")
        if self._cached is not None and len(text) <= _CACHE_TEXT_LIMIT:
            return list(self._cached(text, brand, initial))
        return list(self._lint(text, brand, initial))

    # ------------------------------------------------------------------ rules
    def _finding(
        self, rule: str, message: str, span: tuple[int, int] | None, fix: str | None = None
    ) -> Finding:
        return Finding(
            rule=rule,
            severity=self._severity[rule],
            message=message,
            tfv_code=RULES[rule][1],
            fix=fix if fix is not None else _FIXES.get(rule),
            span=span,
        )

    def _lint(self, text: str, brand: str | None, initial: bool) -> tuple[Finding, ...]:
        norm = normalize_text(text, self._watch)
        findings: list[Finding] = []
        findings.extend(self._urls(norm))
        findings.extend(self._categories(norm))
        findings.extend(self._evasion(norm))
        if initial:
            findings.extend(self._initial(norm, brand))
        order = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}
        findings.sort(key=lambda f: (order[f.severity], f.span[0] if f.span else -1, f.rule))
        return tuple(findings)

    def _urls(self, norm: NormalizedText) -> list[Finding]:
        out: list[Finding] = []
        want_short = "url.shortener" not in self._disabled
        want_http = "url.insecure" not in self._disabled
        if not (want_short or want_http) or _URL_HINT.search(norm.text) is None:
            return out
        seen: set[str] = set()
        for match in _URL.finditer(norm.text):
            scheme, host, tld = match.group("scheme"), match.group("host"), match.group("tld")
            short = _host_is_shortener(host, self._shorteners)
            if scheme is None and tld not in WEB_TLDS and not short:
                continue
            url = match.group()
            span = norm.to_original(*match.span())
            shown = norm.original[span[0] : span[1]]
            if want_short and short and host not in seen:
                seen.add(host)
                out.append(
                    self._finding(
                        "url.shortener", f"public URL shortener {host} in {shown!r}", span
                    )
                )
            if want_http and scheme == "http" and "http:" + url not in seen:
                seen.add("http:" + url)
                out.append(self._finding("url.insecure", f"non-https link {shown!r}", span))
        return out

    def _categories(self, norm: NormalizedText) -> list[Finding]:  # noqa: PLR0912  # one pass over the phrase table: match, exceptions, near-rules
        out: list[Finding] = []
        plain = norm.plain
        any_term = self._any_term is not None and self._any_term.search(plain) is not None
        any_pattern = any(p.search(plain) is not None for p in self._any_pattern)
        if not (any_term or any_pattern):
            return out
        # Only categories with a term starting like a word of the text are
        # scanned (a cheap gate; the scan itself decides).
        heads = _text_heads(plain) if any_term else set()
        word_starts: list[int] | None = None
        for compiled in self._compiled:
            hits: list[tuple[int, int]] = []
            if (
                any_term
                and compiled.terms is not None
                and (compiled.heads is None or not heads.isdisjoint(compiled.heads))
            ):
                hits.extend(m.span() for m in compiled.terms.finditer(plain))
            if any_pattern:
                for pattern in compiled.patterns:
                    hits.extend(m.span() for m in pattern.finditer(plain))
            if any_term:
                for near in compiled.near:
                    if (near.these_heads is None or not heads.isdisjoint(near.these_heads)) and (
                        near.near_heads is None or not heads.isdisjoint(near.near_heads)
                    ):
                        if word_starts is None:
                            word_starts = [m.start() for m in _WORD_RUN.finditer(plain)]
                        hits.extend(near.spans(plain, word_starts))
            if not hits:
                continue
            if compiled.exceptions is not None:
                excused = [m.span() for m in compiled.exceptions.finditer(plain)]
                if excused:
                    hits = [h for h in hits if not any(s <= h[0] < e for s, e in excused)]
                    if not hits:
                        continue
            hits.sort()
            terms: list[str] = []
            for start, end in hits:
                word = plain[start:end].strip()
                if word not in terms:
                    terms.append(word)
                if len(terms) >= _MAX_TERMS_SHOWN:
                    break
            category = compiled.category
            rule = category.rule
            span = norm.to_original(*hits[0])
            message = f"{category.title}: {', '.join(repr(t) for t in terms)}"
            fix = None
            if rule == "shaft.alcohol":
                fix = (
                    "alcohol needs a robust age gate (date of birth, not a yes/no "
                    "question); declare it with ContentLinter(age_gated=True)"
                    if not self._age_gated
                    else "keep the date-of-birth age gate in place"
                )
            elif category.tfv_code is not None:
                fix = "remove this content; the category is not allowed on A2P SMS"
            out.append(self._finding(rule, message, span, fix))
        return out

    def _evasion(self, norm: NormalizedText) -> list[Finding]:
        if "evasion.obfuscation" in self._disabled or not norm.signals:
            return []
        out: list[Finding] = []
        labels = {
            "leet": "digits or symbols inside a word",
            "spaced": "spaced-out letters",
            "lookalike": "look-alike letters from another script",
            "styled": "styled Unicode letters",
            "invisible": "invisible characters inside a word",
        }
        for signal in norm.signals[:_MAX_EVASION_FINDINGS]:
            span = norm.to_original(signal.start, signal.end)
            form = norm.original[span[0] : span[1]]
            out.append(
                self._finding(
                    "evasion.obfuscation",
                    f"{labels.get(signal.kind, signal.kind)}: {form!r} reads as "
                    f"{signal.reads_as!r}",
                    span,
                )
            )
        return out

    def _initial(self, norm: NormalizedText, brand: str | None) -> list[Finding]:
        out: list[Finding] = []
        if "sender.missing" not in self._disabled:
            if brand is not None:
                found = brand_pattern(brand).search(norm.text) is not None
                message = f"the initial message does not name the sender {brand!r}"
            else:
                found = sender_hint_in(norm.original)
                message = "the initial message does not seem to identify its sender"
            if not found:
                out.append(self._finding("sender.missing", message, None))
        if "optout.missing" not in self._disabled and not opt_out_in(norm.text):
            out.append(
                self._finding(
                    "optout.missing",
                    "the initial message has no opt-out instruction with a standard "
                    "keyword (STOP, UNSUBSCRIBE, CANCEL, END, QUIT)",
                    None,
                )
            )
        return out

    def __repr__(self) -> str:
        return (
            f"ContentLinter(disabled_rules={sorted(self._disabled)!r}, "
            f"age_gated={self._age_gated!r})"
        )
