"""Invariants of the keyword classifier (hypothesis) and configuration errors."""

from __future__ import annotations

import string
import time

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument
from a2p_policy._keywords import (
    DEFAULT_HELP_KEYWORDS,
    DEFAULT_OPT_IN_KEYWORDS,
    DEFAULT_OPT_OUT_KEYWORDS,
    Certainty,
    KeywordClassifier,
    KeywordConfig,
    KeywordKind,
    KeywordMatch,
    MatchReason,
    classify_inbound,
    fold_text,
)

ALL_KEYWORDS = DEFAULT_OPT_OUT_KEYWORDS + DEFAULT_OPT_IN_KEYWORDS + DEFAULT_HELP_KEYWORDS
WORDS = [
    "stop",
    "please",
    "texting",
    "me",
    "thanks",
    "help",
    "yes",
    "start",
    "by",
    "at",
    "5",
    "bill",
    "remove",
    "list",
    "the",
    "end",
    "cancel",
    "appointment",
    "don't",
    "info",
    "wrong",
    "number",
    "opt",
    "out",
]
SEPARATORS = [" ", "  ", ". ", "! ", "\n", ", ", "? ", " 🙂 "]

#: Realistic message-like text: words from the domain joined by separators.
messages = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=1, max_size=20
).map(lambda parts: "".join(w + s for w, s in parts).strip())
any_text = st.one_of(st.text(), messages, st.text(alphabet=string.printable))


def _key(match: KeywordMatch) -> tuple[KeywordKind, Certainty | None]:
    return match.kind, match.certainty


def _random_case(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flips[i % len(flips)] else c.lower() for i, c in enumerate(text))


# -- never raises ------------------------------------------------------------------


@given(st.text())
def test_never_raises_on_any_str(body: str) -> None:
    match = classify_inbound(body)
    assert isinstance(match, KeywordMatch)
    assert (match.kind is KeywordKind.NONE) == (match.certainty is None)
    assert (match.kind is KeywordKind.NONE) == (match.keyword is None)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\u200b\ufeff\u0301")))
def test_never_raises_on_odd_unicode(body: str) -> None:
    classify_inbound(body)


def test_lone_surrogates_and_controls() -> None:
    for body in ("\ud800STOP", "STOP\udfff", "\x00STOP\x00", "\u202eSTOP", "S\u0301TOP"):
        classify_inbound(body)
    assert classify_inbound("\x00STOP\x00").kind is KeywordKind.OPT_OUT


@pytest.mark.parametrize(
    "value", [None, 1, 1.5, b"STOP", ["STOP"], object(), {"body": "STOP"}, True]
)
def test_non_str_raises_library_error(value: object) -> None:
    with pytest.raises(InvalidArgument, match="must be a str"):
        classify_inbound(value)  # type: ignore[arg-type]
    with pytest.raises(A2PPolicyError):
        KeywordClassifier().signals(value)  # type: ignore[arg-type]


def test_str_subclass_is_accepted() -> None:
    class Body(str):
        pass

    assert classify_inbound(Body("stop")).kind is KeywordKind.OPT_OUT


def test_long_body_is_fast() -> None:
    started = time.perf_counter()
    match = classify_inbound("I will stop by later. " * 20_000)
    assert time.perf_counter() - started < 5
    assert match.kind is KeywordKind.OPT_OUT
    assert match.certainty is Certainty.POSSIBLE


# -- case, whitespace and punctuation ------------------------------------------------


@given(any_text, st.lists(st.booleans(), min_size=1, max_size=8))
def test_case_insensitive_on_ascii_letters(body: str, flips: list[bool]) -> None:
    assume(body.isascii())
    assert _key(classify_inbound(_random_case(body, flips))) == _key(classify_inbound(body))
    assert _key(classify_inbound(body.upper())) == _key(classify_inbound(body.lower()))


@given(st.sampled_from(ALL_KEYWORDS), st.lists(st.booleans(), min_size=1, max_size=8))
def test_keyword_in_any_case_is_exact(keyword: str, flips: list[bool]) -> None:
    match = classify_inbound(_random_case(keyword, flips))
    assert match.certainty is Certainty.EXACT
    assert match.keyword is not None
    assert fold_text(match.keyword).split() == fold_text(keyword).split()


padding = st.text(alphabet=" \t\n\r.!?,;:…'\"()*-~🙂🛑\u200b", max_size=6)


@given(any_text, padding, padding)
def test_trailing_punctuation_and_whitespace_never_change_the_result(
    body: str, before: str, after: str
) -> None:
    # A trailing "?" may turn the last keyword sentence of a body of several
    # into a question ("Hi. Stop?"): the same kind, at most POSSIBLE (issue 19).
    plain = classify_inbound(body)
    for padded in (body + after, before + body + after):
        got = classify_inbound(padded)
        if "?" in after and _key(got) != _key(plain):
            assert got.kind is plain.kind
            assert got.certainty is Certainty.POSSIBLE
            assert got.reason is MatchReason.QUESTION
        else:
            assert _key(got) == _key(plain)


@given(any_text, st.text(alphabet=" \t\n\r.!,;:…'\"()*-~🙂🛑\u200b", max_size=6), padding)
def test_trailing_padding_without_question_mark_never_changes_the_result(
    body: str, after: str, before: str
) -> None:
    assert _key(classify_inbound(body + after)) == _key(classify_inbound(body))
    assert _key(classify_inbound(before + body + after)) == _key(classify_inbound(body))


@given(st.sampled_from(ALL_KEYWORDS), padding, padding)
def test_padded_keyword_is_exact(keyword: str, before: str, after: str) -> None:
    match = classify_inbound(before + keyword.lower() + after)
    assert match.certainty is Certainty.EXACT


@given(any_text)
def test_exact_implies_the_normalized_body_is_a_keyword(body: str) -> None:
    match = classify_inbound(body)
    if match.certainty is not Certainty.EXACT:
        return
    assert match.keyword is not None
    body_words = "".join(c if c.isalnum() else " " for c in fold_text(body)).split()
    keyword_words = "".join(c if c.isalnum() else " " for c in match.keyword).split()
    assert body_words == keyword_words
    assert match.keyword in KeywordConfig().keywords(match.kind)


@given(any_text)
def test_classify_is_the_first_signal(body: str) -> None:
    classifier = KeywordClassifier()
    signals = classifier.signals(body)
    match = classifier.classify(body)
    if signals:
        assert match == signals[0]
        kinds = [s.kind for s in signals]
        assert len(set(kinds)) == len(kinds)
        if KeywordKind.OPT_OUT in kinds:
            assert kinds[0] is KeywordKind.OPT_OUT
    else:
        assert match == KeywordMatch.NO_MATCH


@given(any_text)
def test_opt_in_is_never_probable(body: str) -> None:
    # Re-subscribing needs a clear keyword: non-exact opt-ins are POSSIBLE.
    for signal in KeywordClassifier().signals(body):
        if signal.kind is KeywordKind.OPT_IN:
            assert signal.certainty in (Certainty.EXACT, Certainty.POSSIBLE)


@given(messages)
def test_honor_is_exact_or_probable_opt_out(body: str) -> None:
    match = classify_inbound(body)
    expected = match.certainty is Certainty.EXACT or (
        match.kind is KeywordKind.OPT_OUT and match.certainty is Certainty.PROBABLE
    )
    assert match.honor is expected
    assert match.needs_review is (match.kind is not KeywordKind.NONE and not expected)


# -- adding keywords never removes a match ------------------------------------------

new_words = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=8)


def _best_per_kind(classifier: KeywordClassifier, body: str) -> dict[KeywordKind, int]:
    return {s.kind: s.certainty.rank for s in classifier.signals(body) if s.certainty}


@settings(max_examples=40)
@given(
    messages,
    st.sampled_from(["opt_out", "opt_in", "help"]),
    st.lists(new_words | st.sampled_from(WORDS), min_size=1, max_size=3),
)
def test_adding_keywords_never_removes_a_match(body: str, kind: str, extra: list[str]) -> None:
    base = KeywordConfig()
    try:
        bigger = base.with_keywords(**{kind: extra})
    except ConfigurationError:
        return  # the new word already means something else
    before = KeywordClassifier(base)
    after = KeywordClassifier(bigger)
    old = before.classify(body)
    new = after.classify(body)
    if old.certainty is Certainty.EXACT:
        assert _key(new) == _key(old)
    if old.kind is KeywordKind.OPT_OUT:
        assert new.kind is KeywordKind.OPT_OUT
        assert new.certainty is not None
        assert old.certainty is not None
        assert new.certainty.rank >= old.certainty.rank
    old_best = _best_per_kind(before, body)
    new_best = _best_per_kind(after, body)
    for k, rank in old_best.items():
        assert new_best.get(k, 0) >= rank


# -- configuration ------------------------------------------------------------------


def test_with_keywords_adds_and_keeps() -> None:
    base = KeywordConfig()
    extended = base.with_keywords(opt_out="alto", help=["ayuda", "AYUDA"])
    assert extended.opt_out == (*base.opt_out, "ALTO")
    assert extended.help == (*base.help, "AYUDA")
    assert base.opt_out == KeywordConfig().opt_out  # the original is unchanged


def test_standard_opt_out_keywords_cannot_be_removed() -> None:
    with pytest.raises(ConfigurationError, match="standard opt-out"):
        KeywordConfig(opt_out=("STOP",))
    with pytest.raises(ConfigurationError, match="standard opt-out"):
        attrs.evolve(KeywordConfig(), opt_out=())
    # Reordering or adding is fine.
    KeywordConfig(opt_out=(*reversed(DEFAULT_OPT_OUT_KEYWORDS), "ALTO"))


def test_conflicting_keyword_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="both"):
        KeywordConfig().with_keywords(help=["stop"])
    with pytest.raises(ConfigurationError, match="both"):
        KeywordConfig(opt_in=("YES", "OPT-OUT"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"opt_out": [1]},
        {"opt_out": ["..."]},
        {"opt_out": [""]},
        {"help": None},
        {"opt_in": 5},
        {"max_probable_words": 0},
        {"max_probable_words": 101},
        {"max_probable_words": True},
        {"max_probable_words": "3"},
        {"confirm_opt_out": "yes"},
        {"reply_help_when_opted_out": 1},
    ],
)
def test_bad_config_raises_configuration_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        KeywordConfig(**kwargs)  # type: ignore[arg-type]


def test_bad_with_keywords_raises_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        KeywordConfig().with_keywords(opt_out=5)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        KeywordConfig().with_keywords(opt_out=[None])  # type: ignore[list-item]


def test_classifier_refuses_non_config() -> None:
    with pytest.raises(ConfigurationError):
        KeywordClassifier({"opt_out": ["STOP"]})  # type: ignore[arg-type]


def test_keywords_accessor() -> None:
    config = KeywordConfig()
    assert config.keywords(KeywordKind.OPT_OUT) == DEFAULT_OPT_OUT_KEYWORDS
    assert config.keywords(KeywordKind.OPT_IN) == DEFAULT_OPT_IN_KEYWORDS
    assert config.keywords(KeywordKind.HELP) == DEFAULT_HELP_KEYWORDS
    assert config.keywords(KeywordKind.NONE) == ()
    with pytest.raises(InvalidArgument):
        config.keywords("opt_out")  # type: ignore[arg-type]


def test_config_is_frozen_and_evolvable() -> None:
    config = KeywordConfig()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.opt_out = ()  # type: ignore[misc]
    smaller = attrs.evolve(config, opt_in=("START",))
    assert KeywordClassifier(smaller).classify("yes").kind is KeywordKind.NONE


def test_max_probable_words_controls_long_sentences() -> None:
    body = "would you please stop texting me"  # 6 words, one of them not filler
    strict = KeywordClassifier(KeywordConfig(max_probable_words=2))
    assert strict.classify("stop texting me").certainty is Certainty.POSSIBLE
    assert KeywordClassifier().classify("stop texting me").certainty is Certainty.PROBABLE
    assert classify_inbound(body).certainty is Certainty.PROBABLE


def test_keyword_that_is_also_a_filler_does_not_blow_up() -> None:
    classifier = KeywordClassifier(
        KeywordConfig(max_probable_words=100).with_keywords(opt_out=["PLEASE"])
    )
    started = time.perf_counter()
    match = classifier.classify("please " * 99 + "x")
    assert time.perf_counter() - started < 2
    assert match.kind is KeywordKind.OPT_OUT
    assert classifier.classify("please please").certainty is Certainty.PROBABLE


def test_fold_text() -> None:
    assert fold_text("ｓｔｏｐ") == "STOP"
    assert fold_text("don’t") == "DONT"
    assert fold_text("S\u200bT\u00adOP") == "STOP"
    assert fold_text("Café") == "CAFE"
