"""Issue 16: the content items the toll-free articles list, and the phrase
table's matching rules (plurals, spacing, hyphens, look-alikes, gaps,
prefixes) as properties.

Sources: Twilio, "Toll-Free verification rejections and resubmission",
"Rejection types ineligible for resubmission" (30443 "Submission includes
mortgage, auto, student, personal, payday or other loans being marketed";
30441 "nudity, pornography, sex toys, or other adult content"; 30464
"Cryptocurrency, NFTs, Block chain and other similar currencies").
"""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._content.linter import (
    ContentLinter,
    compile_terms,
    literal_first,
    near_spans,
    term_key,
)
from a2p_policy._content.normalize import CONFUSABLES
from a2p_policy._content.vocabulary import CATEGORIES, PHRASE_TABLE, Near, load_phrase_table
from a2p_policy._errors import ConfigurationError

LINTER = ContentLinter()


def rules_of(text: str) -> set[str]:
    return {f.rule for f in LINTER.lint(text, initial=False)}


# ------------------------------------------------------------ the six items
@pytest.mark.parametrize(
    "text",
    [
        "30-year mortgage loans from 5.9% APR",
        "private student loans for fall tuition",
        "Get pre-qualified for a home loan today",
        "Refinance your mortgage while rates are low",
        "Refinancing your student debt could save you $200/mo",
        "FHA and VA loans with 3.5% down",
        "Student housing loans available now",
    ],
)
def test_mortgage_and_student_loans_are_loan_marketing(text: str) -> None:
    assert "disallowed.loans" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Happy Loan Officer Appreciation Day to our team!",
        "City Auto Repair: your brakes are done",
        "Your library loan is due back Friday",
        "Your mortgage interest statement (Form 1098) is in the portal",
    ],
)
def test_loan_near_misses_pass(text: str) -> None:
    assert "disallowed.loans" not in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "full nudity shows every Friday night",
        "Topless dancers till midnight",
        "Hot XXX videos updated daily",
        "XXX-rated movie marathon tonight",
        "Independent escort, incall and outcall",
        "Our escorts are available 24/7",
        "Book an escort tonight",
        "Discreet escort, call for rates",
    ],
)
def test_adult_content(text: str) -> None:
    assert "shaft.sex" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Adult education classes start Monday",
        "Nude lip liner and nude nail polish are back",
        "The parade will have a police escort",
        "Our staff will escort you to your car after dark",
        "Hi XXX, your order XXX has shipped",
    ],
)
def test_adult_near_misses_pass(text: str) -> None:
    assert "shaft.sex" not in rules_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Learn block chain investing",
        "Block-chain powered rewards",
        "blockchain rewards",
        "BLOCK CHAIN",
        "Mint an NFT today",
        "open your crypto wallet",
        "New meme coin launching at midnight",
    ],
)
def test_cryptocurrency_nft_block_chain(text: str) -> None:
    assert "disallowed.crypto" in rules_of(text)


@pytest.mark.parametrize(
    "text",
    ["Joe's Pizza is now a chain of stores", "supply chain delays", "bike chain tune-up"],
)
def test_chain_near_misses_pass(text: str) -> None:
    assert "disallowed.crypto" not in rules_of(text)


def test_source_sentences_are_in_the_table() -> None:
    assert "mortgage, auto, student, personal, payday" in CATEGORIES["disallowed.loans"].source
    assert "nudity, pornography, sex toys" in CATEGORIES["shaft.sex"].source
    assert "Cryptocurrency, NFTs, Block chain" in CATEGORIES["disallowed.crypto"].source
    for category in CATEGORIES.values():
        assert category.source, category.rule


# ------------------------------------------------------- phrase table file
def _table_text() -> str:
    return resources.files("a2p_policy._content").joinpath(PHRASE_TABLE).read_text("utf-8")


def test_package_table_loads_to_the_categories() -> None:
    loaded = {c.rule: c for c in load_phrase_table(_table_text())}
    for rule, category in CATEGORIES.items():
        assert loaded[rule] == category


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(categories=[]),
        lambda d: d["categories"][0].update(severity="LOUD"),
        lambda d: d["categories"][0].update(tfv_code="30441"),
        lambda d: d["categories"][0].update(rule=""),
        lambda d: d["categories"][0].update(title=None),
        lambda d: d["categories"][0]["phrases"].append("Upper Case"),
        lambda d: d["categories"][0]["phrases"].append("a*b"),
        lambda d: d["categories"][0]["phrases"].append(""),
        lambda d: d["categories"][0].update(phrases="sex"),
        lambda d: d["categories"][0]["patterns"].append("(unclosed"),
        lambda d: d["categories"].append(dict(d["categories"][0])),
    ],
)
def test_malformed_table_is_refused(mutate: object) -> None:
    data = json.loads(_table_text())
    mutate(data)  # type: ignore[operator]
    with pytest.raises(ConfigurationError):
        load_phrase_table(json.dumps(data))


def test_bad_json_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        load_phrase_table("{not json")
    with pytest.raises(ConfigurationError):
        load_phrase_table("[]")


# ------------------------------------------------------ matching properties
_PLAIN = sorted(
    (c.rule, t)
    for c in CATEGORIES.values()
    for t in c.terms
    if "..." not in t and not any(t in e or e in t for e in c.exceptions)
)
_SAFE = st.sampled_from(["Hi", "today", "at Acme", "this week", "Reply", "now", "2x", "for you"])
_LOOKALIKE = {v: k for k, v in CONFUSABLES.items() if k.islower() and len(v) == 1}


def _variant(term: str, data: st.DataObject) -> str:
    """The term as a sender may write it: case, spacing and hyphens, plural."""
    words = term_key(term).split(" ")
    out = words[0]
    for word in words[1:]:
        out += data.draw(st.sampled_from([" ", "-", "  ", " - "])) + word
    if data.draw(st.booleans()):
        out = out.upper()
    elif data.draw(st.booleans()):
        out = out.title()
    if data.draw(st.booleans()) and out[-1].isalpha():
        out += "s" if out[-1].islower() else "S"
    return out


@settings(max_examples=300)
@given(st.sampled_from(_PLAIN), st.data())
def test_every_phrase_is_caught_in_any_spacing_case_and_plural(
    item: tuple[str, str], data: st.DataObject
) -> None:
    rule, term = item
    text = f"{data.draw(_SAFE)} {_variant(term, data)} {data.draw(_SAFE)}"
    assert rule in rules_of(text), text


@settings(max_examples=200)
@given(st.sampled_from(_PLAIN), st.data())
def test_every_phrase_is_caught_with_look_alike_letters(
    item: tuple[str, str], data: st.DataObject
) -> None:
    rule, term = item
    swappable = [i for i, ch in enumerate(term) if ch in _LOOKALIKE]
    if not swappable:
        return
    picked = data.draw(st.sets(st.sampled_from(swappable), min_size=1))
    disguised = "".join(_LOOKALIKE[ch] if i in picked else ch for i, ch in enumerate(term))
    assert rule in rules_of(f"Hi {disguised} today"), disguised


_FILLER = st.lists(st.sampled_from(["private", "fall", "2024", "low-rate", "new"]), max_size=6)


@given(_FILLER)
def test_gap_phrase_spans_at_most_three_words(filler: list[str]) -> None:
    pattern = compile_terms(["student ... loan"])
    assert pattern is not None
    text = " ".join(["student", *filler, "loans"])
    assert (pattern.search(text) is not None) == (len(filler) <= 3), text


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz'", max_size=8))
def test_prefix_phrase_matches_any_ending(ending: str) -> None:
    pattern = compile_terms(["refinanc..."])
    assert pattern is not None
    assert pattern.search(f"we refinanc{ending} today") is not None
    assert pattern.search(f"we prerefinanc{ending} today") is None


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("dispensary", "two dispensaries in town", True),
        ("dispensary", "the dispensary", True),
        ("third party", "third-parties", True),
        ("crypto wallet", "crypto-wallets", True),
        ("crypto wallet", "cryptowallet", True),
        ("day", "days", True),  # vowel + y: a plain s plural
        ("day", "daies", False),
    ],
)
def test_plural_rules(term: str, text: str, found: bool) -> None:
    pattern = compile_terms([term])
    assert pattern is not None
    assert (pattern.search(text) is not None) is found


@given(st.text(max_size=300))
def test_lint_never_raises_and_orders_block_first(text: str) -> None:
    findings = LINTER.lint(text)
    order = [f.severity.name for f in findings]
    assert order == sorted(order, key=["BLOCK", "WARN", "INFO"].index)


_ALL_TERMS = sorted(
    {
        t
        for c in CATEGORIES.values()
        for t in (*c.terms, *c.exceptions, *(p for n in c.near for p in (*n.these, *n.near)))
    }
)
_WORDS = st.sampled_from(["Hi", "at", "Acme", "today", "2", "for", "you", "-", "new", "sale"])


@settings(max_examples=200)
@given(st.lists(st.one_of(st.sampled_from(_ALL_TERMS), _WORDS), min_size=1, max_size=8))
def test_first_letter_gate_never_changes_the_findings(parts: list[str]) -> None:
    """The gate that skips categories whose terms cannot start at any word of
    the text is an optimization only: without it the findings are the same."""
    import attrs

    ungated = ContentLinter(cache_size=0)
    ungated._compiled = tuple(
        attrs.evolve(
            c,
            heads=None,
            near=tuple(attrs.evolve(n, these_heads=None, near_heads=None) for n in c.near),
        )
        for c in ungated._compiled
    )
    text = " ".join(parts)
    assert LINTER.lint(text) == ungated.lint(text)


# ------------------------------------------------------------- near-rules
_NEAR = Near(("loan", "mortgage"), ("apply", "% down"), 3)


def _near_found(text: str, words: int = 3) -> bool:
    return bool(near_spans(Near(_NEAR.these, _NEAR.near, words), text))


@given(
    st.lists(
        st.sampled_from(["today", "for", "a", "new", "fast", "3-day", "2024", ","]), max_size=8
    )
)
def test_near_rule_distance_in_either_order(filler: list[str]) -> None:
    # "3-day" is two words for a near-rule (words are runs of letters and digits)
    count = sum(len(re.findall(r"\w+", w)) for w in filler)
    forward = " ".join(["apply", *filler, "loans"])
    backward = " ".join(["mortgage", *filler, "apply"]) + "!"
    assert _near_found(forward) == (count <= 3), forward
    assert _near_found(backward) == (count <= 3), backward


@given(
    st.lists(
        st.sampled_from(["loan", "apply", "mortgages", "x", "y", "3% down", "-", "."]), max_size=12
    ),
    st.integers(min_value=0, max_value=4),
)
def test_near_rule_agrees_with_a_brute_force_reading(parts: list[str], words: int) -> None:
    """near_spans finds a match exactly when some pair of phrases, one of
    each side, has at most ``words`` words between them."""
    text = " ".join(parts)
    near = Near(_NEAR.these, _NEAR.near, words)
    these = compile_terms(near.these)
    other = compile_terms(near.near)
    assert these is not None
    assert other is not None
    a_spans = [m.span() for m in these.finditer(text)]
    b_spans = [m.span() for m in other.finditer(text)]

    def between(lo: int, hi: int) -> int:
        return len(re.findall(r"\w+", text[lo:hi]))

    expected = any(
        (ae <= bs and between(ae, bs) <= words) or (be <= as_ and between(be, as_) <= words)
        for as_, ae in a_spans
        for bs, be in b_spans
    )
    assert bool(near_spans(near, text)) == expected, text


def test_near_rule_reads_punctuation_as_a_separator() -> None:
    assert _near_found("home buyers: 3% down, conventional mortgages now", 2)
    assert _near_found("need a loan? apply now", 2)
    assert _near_found("mortgage at 3% down", 2)
    assert not _near_found("loan payment posted on 3/1", 2)
    assert not _near_found("loanapply", 2)


@pytest.mark.parametrize(
    "near",
    [
        "not a list",
        ["not an object"],
        [{"these": ["loan"]}],
        [{"these": [], "near": ["apply"]}],
        [{"these": ["Loan"], "near": ["apply"]}],
        [{"these": ["loan"], "near": ["apply"], "words": -1}],
        [{"these": ["loan"], "near": ["apply"], "words": 99}],
        [{"these": ["loan"], "near": ["apply"], "words": True}],
    ],
)
def test_malformed_near_rule_is_refused(near: object) -> None:
    data = json.loads(_table_text())
    data["categories"][0]["near"] = near
    with pytest.raises(ConfigurationError):
        load_phrase_table(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Home buyers: 3% down conventional mortgages available now", "disallowed.loans"),
        ("Get approved for your next car today with our in-house financing", "disallowed.loans"),
        ("New adult DVDs and novelty toys in store", "shaft.sex"),
        ("Watch list: 5 small-cap stocks ready to run", "disallowed.stock_alerts"),
        ("We share your application with our lending partners", "disallowed.lead_generation"),
    ],
)
def test_near_rules_of_the_table(text: str, rule: str) -> None:
    assert rule in rules_of(text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Your loan payment of $312.40 posted on 3/1", "disallowed.loans"),
        ("Your mortgage statement is available online", "disallowed.loans"),
        ("Adult education classes and adult day care", "shaft.sex"),
        ("Back in stock alert: cordless drills", "disallowed.stock_alerts"),
        ("We will never share your information with partners", "disallowed.lead_generation"),
        ("We do not sell your data to third parties", "disallowed.lead_generation"),
    ],
)
def test_near_rule_near_misses(text: str, rule: str) -> None:
    assert rule not in rules_of(text)


_NEAR_PAIRS = sorted(
    {
        (c.rule, a, b)
        for c in CATEGORIES.values()
        for n in c.near
        for a, b in (
            *((t, n.near[0]) for t in n.these),
            *((n.these[0], t) for t in n.near),
        )
    }
)


@pytest.mark.parametrize(
    ("rule", "a", "b"), _NEAR_PAIRS, ids=[f"{r}:{a}+{b}" for r, a, b in _NEAR_PAIRS]
)
def test_each_near_rule_fires_on_its_phrases(rule: str, a: str, b: str) -> None:
    assert rule in rules_of(f"Hi, {a} now {b} here."), (a, b)
    assert rule in rules_of(f"HI, {b.upper()} - {a.upper()}!"), (a, b)


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("% down", "only 3% down", True),
        ("% down", "now % down here", True),
        ("% down", "3% downtown", False),
        ("100%", "100% free", True),
        ("100%", "it is 100%.", True),
        ("100%", "1100% free", False),
        ("loan", "payday loans", True),
        ("loan", "loaner car", False),
    ],
)
def test_phrases_with_symbols_at_either_end(term: str, text: str, found: bool) -> None:
    pattern = compile_terms([term])
    assert pattern is not None
    assert (pattern.search(text) is not None) is found


_GAP_HEADS = sorted(
    {
        t.split(" ")[0].rstrip(".")
        for c in CATEGORIES.values()
        for t in (*c.terms, *c.exceptions)
        if "..." in t
    }
)


@pytest.mark.parametrize(
    "shape",
    [
        lambda w: w + " " + "ab-" * 5000 + "x",
        lambda w: w + " " + "a " * 5000,
        lambda w: w + " -" * 5000,
        lambda w: w + "x" * 15000,
        lambda w: (w + " ") * 3000,
        lambda w: w + " $1" + "1" * 10000 + " " + "1" * 10000 + "%",
        lambda w: w + " " + "*" * 10000,
    ],
)
def test_adversarial_inputs_stay_fast(shape: object) -> None:
    """No phrase, gap, prefix, pattern or near-rule backtracks badly: each
    ~15,000-character adversarial text is linted in well under a second
    (a catastrophic regular expression would take minutes)."""
    import time

    linter = ContentLinter(cache_size=0)
    for head in (*_GAP_HEADS, "invest", "turn", "earn", "make", "f", "loan", "% down"):
        text = shape(head)  # type: ignore[operator]
        started = time.perf_counter()
        linter.lint(text)
        assert time.perf_counter() - started < 2.0, (head, len(text))


_PATTERNS = sorted({p for c in CATEGORIES.values() for p in c.patterns})
_PIECES = st.sampled_from(
    [
        "invest", "turn", "earn", "make", "made", "returns", "return", "for collection of",
        "up to", "credit score", "f", "b", "sh", "n", "u", "ck", "ing", "tch", "gg", "er",
        "idiot", "into", "$", "%", "*", "#", "'", " ", " ", "-", "5", "12", "700", "1.5",
        "k", "a", "per", "person", "daily", "weekly", "roi", "get", "back", "x", "$abc",
        "could", "rip", "put", "deposit", ".", ",", "+", "/", "month", "day",
    ]
)  # fmt: skip


@settings(max_examples=300)
@given(st.sampled_from(_PATTERNS), st.lists(_PIECES, max_size=14))
def test_literal_first_rewrite_matches_the_same(pattern: str, pieces: list[str]) -> None:
    """The speed rewrite of a pattern finds exactly the same matches."""
    text = "".join(pieces)
    original = [m.span() for m in re.finditer(pattern, text)]
    rewritten = [m.span() for m in re.finditer(literal_first(pattern), text)]
    assert original == rewritten, (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bab{2}c", "xabbc abbc"),
        (r"\bfoo?", "fo foo xfoo"),
        (r"\b\d+x", "12x a12x 3x"),
        (r"\b[5-8]\d\d\b", "650 1650 x700 800"),
        (r"\bx|y", "ax y x"),
        (r"\b\d?x", "x 1x a1x"),
    ],
)
def test_literal_first_examples(pattern: str, text: str) -> None:
    assert [m.span() for m in re.finditer(literal_first(pattern), text)] == [
        m.span() for m in re.finditer(pattern, text)
    ]
