"""Keyword questions (issue 19) and disguised keywords (issue 14).

"Stop? No way, keep them coming" must not revoke consent: a keyword sentence
asked as a question, or answered by a negation, in a body of several sentences
is at most POSSIBLE. "ST0P", "S T O P", "ꜱᴛᴏᴘ" are POSSIBLE opt-outs: flagged
for review (FCC "any reasonable means"), never acted on silently. Every
whole-message keyword stays EXACT.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._keywords import (
    DEFAULT_HELP_KEYWORDS,
    DEFAULT_OPT_IN_KEYWORDS,
    DEFAULT_OPT_OUT_KEYWORDS,
    Certainty,
    KeywordClassifier,
    KeywordKind,
    MatchReason,
    classify_inbound,
)

ALL_KEYWORDS = DEFAULT_OPT_OUT_KEYWORDS + DEFAULT_OPT_IN_KEYWORDS + DEFAULT_HELP_KEYWORDS
OPT_OUT_WORDS = [k for k in DEFAULT_OPT_OUT_KEYWORDS if " " not in k and "-" not in k]
OUT, IN = KeywordKind.OPT_OUT, KeywordKind.OPT_IN

FOLLOW_UPS = [
    "No way, keep them coming",
    "No, just reschedule please",
    "Never. Keep them coming",
    "No!",
    "Nope",
    "Don't you dare",
    "Not a chance",
    "Never",
]


@pytest.mark.parametrize(
    "body",
    [
        "Stop? No way, keep them coming",
        "Cancel? No, just reschedule please",
        "Quit? Never. Keep them coming",
        "End? No!",
    ],
)
def test_issue_questions_are_possible_at_most(body: str) -> None:
    match = classify_inbound(body)
    assert match.kind is OUT
    assert match.certainty is Certainty.POSSIBLE
    assert match.reason is MatchReason.QUESTION
    assert not match.honor
    assert match.needs_review


def test_whole_message_keyword_stays_exact() -> None:
    """Every keyword, in three cases and eight endings, alone in a message:
    EXACT and honored (one test for the ~400 forms; it lists each miss)."""
    forms = [
        case(keyword) + end
        for keyword in ALL_KEYWORDS
        for case in (str.upper, str.lower, str.title)
        for end in ("", ".", "!", "?", "!!", " ", "?!", "...")
    ]
    missed = [
        body
        for body in forms
        if (match := classify_inbound(body)).certainty is not Certainty.EXACT or not match.honor
    ]
    assert len(forms) > 300
    assert missed == []


@given(
    st.sampled_from(OPT_OUT_WORDS),
    st.sampled_from(["?", " ?", "??", "?!"]),
    st.sampled_from(FOLLOW_UPS),
)
def test_asked_keyword_with_any_follow_up_is_never_honored(
    keyword: str, mark: str, follow_up: str
) -> None:
    for body in (f"{keyword}{mark} {follow_up}", f"{keyword.lower()}{mark}\n{follow_up}"):
        match = classify_inbound(body)
        assert match.kind is OUT
        assert match.certainty is Certainty.POSSIBLE
        assert not match.honor


@given(st.sampled_from(OPT_OUT_WORDS), st.sampled_from(["No!", "Never.", "Don't.", "Not now"]))
def test_keyword_answered_by_negation_is_never_honored(keyword: str, negation: str) -> None:
    match = classify_inbound(f"{keyword}. {negation}")
    assert match.kind is OUT
    assert match.certainty is Certainty.POSSIBLE


@given(
    st.sampled_from(OPT_OUT_WORDS),
    st.sampled_from(["Thank you", "Who is this", "Wrong person", "Bye", "Please"]),
)
def test_plain_keyword_sentence_is_still_probable(keyword: str, other: str) -> None:
    """The doubt rule needs a question mark or a negation: without one a
    keyword sentence keeps its PROBABLE (honored) reading."""
    for body in (f"{keyword}. {other}", f"{other}. {keyword}!", f"{other}? {keyword}."):
        match = classify_inbound(body)
        assert match.kind is OUT
        assert match.certainty is Certainty.PROBABLE, body
        assert match.honor


def test_a_later_clear_keyword_still_counts() -> None:
    match = classify_inbound("Stop? Yes. STOP.")
    assert (match.kind, match.certainty) == (OUT, Certainty.PROBABLE)


def test_question_lowers_but_never_removes_the_opt_out() -> None:
    for body in ("Hi. Stop please?", "Hi there. Stop texting me?", "Stop please? ok"):
        match = classify_inbound(body)
        assert match.kind is OUT
        assert match.certainty is Certainty.POSSIBLE


# -- disguised keywords --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "ST0P",
        "5TOP",
        "S T O P",
        "S.T.O.P.",
        "s-t-o-p",
        "\ua731\u1d1b\u1d0f\u1d18",  # small capitals
        "$TOP",
        "st0p it",
        "Please S T O P now",
        "QU1T",
        "C A N C E L",
        "unsub5cribe",
        "0PT 0UT",
        "\u1d07\u0274\u1d05",  # END in small capitals
    ],
)
def test_disguised_opt_out_is_possible_and_reviewed(body: str) -> None:
    match = classify_inbound(body)
    assert match.kind is OUT
    assert match.certainty is Certainty.POSSIBLE
    assert match.reason is MatchReason.OBFUSCATED
    assert not match.honor
    assert match.needs_review


@pytest.mark.parametrize("body", ["5TART", "S T A R T", "Y.E.S.", "un5top"])
def test_disguised_opt_in_is_possible(body: str) -> None:
    match = classify_inbound(body)
    assert (match.kind, match.certainty) == (IN, Certainty.POSSIBLE)
    assert not match.honor


@pytest.mark.parametrize(
    "body",
    [
        "spot",
        "stoop",
        "tops",
        "postpone",
        "Stopwatch is broken",
        "stopp",
        "S T A Y",
        "Meet at 5 today",
        "Top 5 deals",
        "p o t s",
        "I have 2 cats",
        "Tuesday at 10",
        "B.T.W. thanks",
        "F.Y.I.",
        "endless fun",
        "quite good",
        "yesterday",
        "st0ck",
    ],
)
def test_words_that_merely_contain_the_letters_are_not_opt_outs(body: str) -> None:
    match = classify_inbound(body)
    assert match.kind is not OUT
    assert match.kind is not IN


_LEET = {"O": "0", "S": "5", "T": "7", "E": "3", "I": "1", "A": "4"}


@given(st.sampled_from(["STOP", "CANCEL", "QUIT", "UNSUBSCRIBE", "REVOKE", "STOPALL"]), st.data())
def test_any_disguise_of_an_opt_out_is_flagged(keyword: str, data: st.DataObject) -> None:
    style = data.draw(st.sampled_from(["leet", "spaced", "dotted", "dashed"]))
    if style == "leet":
        positions = [i for i, c in enumerate(keyword) if c in _LEET]
        pick = data.draw(st.sets(st.sampled_from(positions), min_size=1))
        body = "".join(_LEET[c] if i in pick else c for i, c in enumerate(keyword))
    else:
        sep = {"spaced": " ", "dotted": ".", "dashed": "-"}[style]
        body = sep.join(keyword)
    body = body.lower() if data.draw(st.booleans()) else body
    match = classify_inbound(body)
    assert match.kind is OUT, body
    assert match.certainty is not None
    assert match.certainty.rank >= Certainty.POSSIBLE.rank
    assert not match.honor or match.certainty is Certainty.PROBABLE
    if match.reason is MatchReason.OBFUSCATED:
        assert match.certainty is Certainty.POSSIBLE


@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([" ", ". ", ", ", "! ", "\n", " - "]),
)
def test_plain_words_are_never_read_as_disguised(words: list[str], sep: str) -> None:
    """Words of two or more plain letters hide nothing: no OBFUSCATED match."""
    match = classify_inbound(sep.join(words))
    assert match.reason is not MatchReason.OBFUSCATED


@given(st.text(max_size=80))
def test_disguise_reading_only_adds_review(body: str) -> None:
    """An OBFUSCATED match is always POSSIBLE, opt-out or opt-in, never honored."""
    for signal in KeywordClassifier().signals(body):
        if signal.reason is MatchReason.OBFUSCATED:
            assert signal.certainty is Certainty.POSSIBLE
            assert signal.kind in (OUT, IN)
            assert not signal.honor


@pytest.mark.parametrize(
    "body",
    [
        "Stop! Not interested",
        "Stop. Never text me again",
        "STOP. No more texts",
        "Stop. Don't contact me",
        "Stop. No more.",
        "Unsubscribe. Never again",
        "Cancel. Not interested anymore",
        "Stop. No stop",
        "Quit. Don't send me anything",
    ],
)
def test_a_negation_that_goes_on_asking_to_stop_takes_nothing_back(body: str) -> None:
    """A following sentence that opens with a negation but still asks to stop
    ("Never text me again") keeps the keyword sentence honored."""
    match = classify_inbound(body)
    assert match.kind is OUT
    assert match.certainty is Certainty.PROBABLE
    assert match.honor


@given(
    st.sampled_from(OPT_OUT_WORDS),
    st.sampled_from(["No", "Never", "Don't", "Not"]),
    st.sampled_from(["text me", "more", "again", "interested", "send anything", "call me"]),
)
def test_negation_plus_stopping_words_stays_probable(
    keyword: str, negation: str, rest: str
) -> None:
    match = classify_inbound(f"{keyword}. {negation} {rest}")
    assert match.kind is OUT
    assert match.certainty is Certainty.PROBABLE
