"""Inbound keyword classification: a table of realistic replies.

Each row is (body, expected kind, expected certainty). The rows include the
pitfalls from DESIGN.md ("Stop. Thank you" missed, "STOP this bill" taken as
an opt-out), the FCC "reasonable means" phrases of SPEC section 2, Unicode
tricks, punctuation and multi-line bodies.
"""

from __future__ import annotations

import pytest

from a2p_policy._keywords import (
    Certainty,
    KeywordClassifier,
    KeywordConfig,
    KeywordKind,
    KeywordMatch,
    MatchReason,
    classify_inbound,
)

OUT = KeywordKind.OPT_OUT
IN = KeywordKind.OPT_IN
HELP = KeywordKind.HELP
NONE = KeywordKind.NONE
EXACT = Certainty.EXACT
PROBABLE = Certainty.PROBABLE
POSSIBLE = Certainty.POSSIBLE

TABLE: list[tuple[str, KeywordKind, Certainty | None]] = [
    # Bare keywords, any case, trimmed.
    ("STOP", OUT, EXACT),
    ("stop", OUT, EXACT),
    (" Stop. ", OUT, EXACT),
    ("STOP!!!", OUT, EXACT),
    ("Stop!", OUT, EXACT),
    ("'STOP'", OUT, EXACT),
    ("stop\n", OUT, EXACT),
    ("\tSTOP ", OUT, EXACT),
    ("StopAll", OUT, EXACT),
    ("Unsubscribe", OUT, EXACT),
    ("unsubscribe.", OUT, EXACT),
    ("Cancel", OUT, EXACT),
    ("END", OUT, EXACT),
    ("quit", OUT, EXACT),
    ("Revoke", OUT, EXACT),
    ("optout", OUT, EXACT),
    ("opt out", OUT, EXACT),
    ("Opt-Out", OUT, EXACT),
    ("OPT  OUT!", OUT, EXACT),
    # Unicode: full-width, zero-width, emoji, accents, look-alike letters.
    ("ＳＴＯＰ", OUT, EXACT),
    ("S\u200bTOP", OUT, EXACT),
    ("\ufeffstop", OUT, EXACT),
    ("🛑 STOP 🛑", OUT, EXACT),
    ("STOP👍", OUT, EXACT),
    ("stöp", OUT, EXACT),
    ("SТОР", OUT, EXACT),  # Cyrillic Т, О, Р
    # Pitfalls and the FCC "reasonable means" (short, clear requests).
    ("Stop. Thank you", OUT, PROBABLE),
    ("Stop, thank you!", OUT, PROBABLE),
    ("STOP please", OUT, PROBABLE),
    ("Please stop", OUT, PROBABLE),
    ("please stop texting me", OUT, PROBABLE),
    ("Stop sending me messages", OUT, PROBABLE),
    ("STOP STOP STOP", OUT, PROBABLE),
    ("unsubscribe me", OUT, PROBABLE),
    ("Cancel my subscription", OUT, PROBABLE),
    ("remove me from your list", OUT, PROBABLE),
    ("Please remove me from this list. Thanks", OUT, PROBABLE),
    ("take me off your list", OUT, PROBABLE),
    ("don't text me anymore", OUT, PROBABLE),
    ("Do not text me again", OUT, PROBABLE),
    ("leave me alone", OUT, PROBABLE),
    ("No more texts!!", OUT, PROBABLE),
    ("unsub", OUT, PROBABLE),
    ("Who is this? Stop.", OUT, PROBABLE),
    ("STOP\nSent from my iPhone", OUT, PROBABLE),
    ("Hi,\nplease stop texting me.\nThanks, Ann", OUT, PROBABLE),
    (
        "I have asked three times already and I keep getting these every single day. STOP",
        OUT,
        PROBABLE,
    ),
    # Merely containing an opt-out word: POSSIBLE, flagged for review.
    ("STOP this bill", OUT, POSSIBLE),
    ("I'll stop by at 5", OUT, POSSIBLE),
    ("Can I cancel my appointment for Tuesday?", OUT, POSSIBLE),
    ("At the end of the day it does not matter", OUT, POSSIBLE),
    ("Please don't stop texting me, I love the deals", OUT, POSSIBLE),
    ("wrong number", OUT, POSSIBLE),
    ("Not interested", OUT, POSSIBLE),
    (
        "I was reading your message about the sale and honestly I would like you to please "
        "stop texting me about it",
        OUT,
        POSSIBLE,
    ),
    # Opt-in.
    ("START", IN, EXACT),
    ("Start.", IN, EXACT),
    ("yes", IN, EXACT),
    ("YES!", IN, EXACT),
    ("unstop", IN, EXACT),
    ("Yes please", IN, POSSIBLE),
    ("start again please", IN, POSSIBLE),
    ("Please opt me back in", IN, POSSIBLE),
    # Help.
    ("HELP", HELP, EXACT),
    ("help?", HELP, EXACT),
    ("Info", HELP, EXACT),
    ("more info", HELP, PROBABLE),
    ("Help me please", HELP, PROBABLE),
    # Opt-out wins over the other kinds (fail closed).
    ("START. STOP.", OUT, PROBABLE),
    ("Help! How do I stop these?", OUT, POSSIBLE),
    # Nothing.
    ("", NONE, None),
    ("   ", NONE, None),
    ("🙂", NONE, None),
    ("...", NONE, None),
    ("ok thanks", NONE, None),
    ("See you at 5", NONE, None),
    ("Can you help me reschedule?", NONE, None),
    ("stopp", NONE, None),
    # Disguised keywords (issue 14): reviewed, never acted on silently.
    ("S T O P", OUT, POSSIBLE),
    ("Stopwatch is broken", NONE, None),
]


@pytest.mark.parametrize(("body", "kind", "certainty"), TABLE, ids=[repr(r[0]) for r in TABLE])
def test_table(body: str, kind: KeywordKind, certainty: Certainty | None) -> None:
    match = classify_inbound(body)
    assert (match.kind, match.certainty) == (kind, certainty)
    if kind is NONE:
        assert match.keyword is None
    else:
        assert match.keyword is not None
        assert match.keyword == match.keyword.upper()


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 60


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("stop", "STOP"),
        ("opt-out", "OPT-OUT"),
        ("opt out", "OPT OUT"),
        ("OPT   OUT", "OPT OUT"),
        ("Stop. Thank you", "STOP"),
        ("please stop texting me", "STOP"),
        ("remove me from your list", "REMOVE ME"),
        ("yes", "YES"),
        ("info", "INFO"),
    ],
)
def test_canonical_keyword(body: str, keyword: str) -> None:
    assert classify_inbound(body).keyword == keyword


def test_honor_and_review_flags() -> None:
    exact = classify_inbound("STOP")
    assert exact.honor
    assert not exact.needs_review
    probable = classify_inbound("Stop. Thank you")
    assert probable.honor
    assert not probable.needs_review
    possible = classify_inbound("STOP this bill")
    assert not possible.honor
    assert possible.needs_review
    probable_help = classify_inbound("more info")
    assert not probable_help.honor
    assert probable_help.needs_review
    none = classify_inbound("hello")
    assert not none.honor
    assert not none.needs_review
    assert none == KeywordMatch.NO_MATCH
    assert classify_inbound("START").is_opt_in
    assert classify_inbound("HELP").is_help
    assert classify_inbound("STOP").is_opt_out


def test_reasons() -> None:
    assert classify_inbound("STOP").reason is MatchReason.KEYWORD
    assert classify_inbound("Stop. Thanks").reason is MatchReason.KEYWORD_SENTENCE
    assert classify_inbound("stop texting me").reason is MatchReason.KEYWORD_WITH_FILLER
    assert classify_inbound("leave me alone").reason is MatchReason.PHRASE
    assert classify_inbound("STOP this bill").reason is MatchReason.LONG_TEXT
    assert classify_inbound("wrong number").reason is MatchReason.REVIEW_PHRASE
    assert classify_inbound("please don't stop texting me").reason is MatchReason.NEGATED
    assert classify_inbound("hi").reason is MatchReason.NONE


# -- Spanish, configured ------------------------------------------------------

SPANISH = KeywordClassifier(
    KeywordConfig().with_keywords(
        opt_out=["ALTO", "PARAR", "CANCELAR", "BAJA"],
        opt_in=["COMENZAR"],
        help=["AYUDA"],
        opt_out_phrases=["NO ME ESCRIBAN", "DEJEN DE ESCRIBIRME"],
        filler_words=["POR", "FAVOR", "GRACIAS", "YA"],
    )
)

SPANISH_TABLE: list[tuple[str, KeywordKind, Certainty | None]] = [
    ("ALTO", OUT, EXACT),
    ("alto.", OUT, EXACT),
    ("Parar", OUT, EXACT),
    ("cancelar", OUT, EXACT),
    ("¡Baja!", OUT, EXACT),
    ("Alto, por favor", OUT, PROBABLE),
    ("Alto. Gracias", OUT, PROBABLE),
    ("Por favor no me escriban más", OUT, PROBABLE),
    ("Dejen de escribirme", OUT, PROBABLE),
    ("¿Cuál es el precio más alto?", OUT, POSSIBLE),
    ("AYUDA", HELP, EXACT),
    ("ayuda por favor", HELP, PROBABLE),
    ("Comenzar", IN, EXACT),
    ("STOP", OUT, EXACT),  # the English words still work
    ("Hola, gracias", NONE, None),
]


@pytest.mark.parametrize(
    ("body", "kind", "certainty"), SPANISH_TABLE, ids=[repr(r[0]) for r in SPANISH_TABLE]
)
def test_spanish_table(body: str, kind: KeywordKind, certainty: Certainty | None) -> None:
    match = SPANISH.classify(body)
    assert (match.kind, match.certainty) == (kind, certainty)


def test_spanish_words_are_not_default() -> None:
    assert classify_inbound("ALTO").kind is NONE
    assert classify_inbound("AYUDA").kind is NONE


# -- Toll-free profile ----------------------------------------------------------


def test_toll_free_profile() -> None:
    config = KeywordConfig.toll_free()
    classifier = KeywordClassifier(config)
    assert classifier.classify("START").kind is IN
    assert classifier.classify("unstop").kind is IN
    assert classifier.classify("YES").kind is NONE  # YES does not re-subscribe
    assert classifier.classify("STOP").kind is OUT
    assert classifier.classify("HELP").kind is HELP
    assert config.opt_in == ("START", "UNSTOP")
    assert not config.confirm_opt_out
    assert not config.reply_help_when_opted_out
    assert config.carrier_handles_stop
    default = KeywordConfig.default()
    assert default.confirm_opt_out
    assert default.reply_help_when_opted_out
    assert not default.carrier_handles_stop


def test_signals_lists_every_kind_best_first() -> None:
    classifier = KeywordClassifier()
    signals = classifier.signals("Help! How do I stop these?")
    assert [s.kind for s in signals] == [OUT, HELP]
    assert signals[0] == classifier.classify("Help! How do I stop these?")
    assert classifier.signals("hello") == ()
