"""Smart encoding: UCS-2 culprits, GSM-7 replacements and segments saved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._compose.encoding import GSM7_REPLACEMENTS, TWILIO_SMART_ENCODING, smart_encoding
from a2p_policy._compose.segments import count_segments, is_gsm7
from a2p_policy._errors import InvalidArgument


def test_curly_quotes_dashes_spaces_ellipsis() -> None:
    text = "We\u2019re open \u201clate\u201d tonight \u2014 see you\u00a0soon\u2026 " + "x" * 60
    advice = smart_encoding(text)
    assert {c for _, c in advice.offending} == {
        "\u2019",
        "\u201c",
        "\u201d",
        "\u2014",
        "\u00a0",
        "\u2026",
    }
    assert advice.suggested.startswith('We\'re open "late" tonight - see you soon...')
    assert advice.before.encoding == "UCS-2"
    assert advice.fully_gsm7
    assert advice.before.segments == 2
    assert advice.after.segments == 1
    assert advice.saved == 1


def test_gsm_text_needs_nothing() -> None:
    advice = smart_encoding("Plain text")
    assert advice.offending == ()
    assert advice.saved == 0
    assert advice.suggested == "Plain text"


def test_emoji_has_no_replacement() -> None:
    advice = smart_encoding("Hi 😀")
    assert advice.offending == ((3, "😀"),)
    assert not advice.fully_gsm7
    assert advice.saved == 0


def test_fold_accents_is_opt_in() -> None:
    assert not smart_encoding("Olá").fully_gsm7
    advice = smart_encoding("Olá", fold_accents=True)
    assert advice.suggested == "Ola"
    assert advice.fully_gsm7


def test_every_replacement_is_gsm7() -> None:
    wrong = [
        (ch, repl)
        for ch, repl in sorted(GSM7_REPLACEMENTS.items())
        if is_gsm7(ch) or not is_gsm7(repl)
    ]
    assert len(GSM7_REPLACEMENTS) > 200
    assert wrong == []


def test_rejects_non_str() -> None:
    with pytest.raises(InvalidArgument):
        smart_encoding(b"x")  # type: ignore[arg-type]


@given(st.text(max_size=300))
def test_never_costs_more(text: str) -> None:
    advice = smart_encoding(text)
    assert advice.after.segments <= advice.before.segments + (1 if advice.replacements else 0)
    assert advice.before == count_segments(text)
    for index, ch in advice.offending:
        assert text[index] == ch
        assert not is_gsm7(ch)


# -- emoji sequences and Twilio's table (issue 19) -----------------------------

EMOJI_SEQUENCES = [
    "👨\u200d👩\u200d👧\u200d👦",
    "👩\u200d❤\ufe0f\u200d👨",
    "🏳\ufe0f\u200d🌈",
    "🧑\u200d🦰",
    "👍🏽",
    "🇺🇸",
    "1\ufe0f\u20e3",
    "*\ufe0f\u20e3",
    "‼\ufe0f",
    "©\ufe0f",
    "™\ufe0f",
    "❤\ufe0f",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
]


def test_family_emoji_is_kept_whole() -> None:
    family = "👨\u200d👩\u200d👧"
    advice = smart_encoding(f"Hi {family} “team”")
    assert advice.suggested == f'Hi {family} "team"'
    assert family in advice.suggested
    assert "\u200d" not in advice.replacements
    assert advice.after.units == advice.before.units


@given(
    st.text(alphabet=st.sampled_from(sorted(GSM7_REPLACEMENTS) + list("abc ,.")), max_size=40),
    st.sampled_from(EMOJI_SEQUENCES),
    st.text(alphabet=st.sampled_from(sorted(GSM7_REPLACEMENTS) + list("abc ,.")), max_size=40),
)
def test_emoji_sequences_survive_smart_encoding(left: str, emoji: str, right: str) -> None:
    advice = smart_encoding(f"{left} {emoji} {right}")
    assert f" {emoji} " in advice.suggested
    assert not advice.fully_gsm7


def test_zero_width_joiner_outside_emoji_is_still_dropped() -> None:
    advice = smart_encoding("ab\u200dc")
    assert advice.suggested == "abc"
    assert advice.fully_gsm7


def test_combining_accent_becomes_the_precomposed_letter() -> None:
    advice = smart_encoding("Caf" + "e\u0301" + " n\u0303")
    assert advice.suggested == "Café ñ"
    assert advice.fully_gsm7
    # A letter with no GSM-7 form keeps its accent unless folding is asked for.
    assert smart_encoding("a\u0301").suggested == "a\u0301"
    assert smart_encoding("a\u0301", fold_accents=True).suggested == "a"


def _lookalike_problem(ch: str, theirs: str) -> str | None:
    if not is_gsm7(theirs):
        return "Twilio's stand-in is not GSM-7"
    ours = GSM7_REPLACEMENTS.get(ch)
    want = " " if theirs and not theirs.strip() else theirs
    if ours != want:
        return f"ours {ours!r}, want {want!r}"
    advice = smart_encoding(f"x{ch}x")
    if advice.suggested != f"x{ours}x" or not advice.fully_gsm7:
        return f"smart_encoding suggests {advice.suggested!r}"
    return None


def test_every_twilio_lookalike_is_covered() -> None:
    """The whole of Twilio's Smart Encoding table: same stand-in, except that
    wide spaces (and the tab) become one space where Twilio writes several
    (one test for the 271 entries; it lists every entry that differs)."""
    problems = {
        ch: problem
        for ch, theirs in sorted(TWILIO_SMART_ENCODING.items())
        if (problem := _lookalike_problem(ch, theirs)) is not None
    }
    assert problems == {}


def test_tables_sizes_and_our_spaces() -> None:
    assert len(TWILIO_SMART_ENCODING) == 271
    assert set(TWILIO_SMART_ENCODING) <= set(GSM7_REPLACEMENTS)
    for space in ("\u00a0", "\u2002", "\u2003", "\u202f", "\u3000", "\t"):
        assert smart_encoding(f"a{space}b").suggested == "a b"
    for ch, repl in {
        "\u02bc": "'",
        "\u00f7": "/",
        "\u3002": ".",
        "\u3001": ",",
        "\uff21": "A",
    }.items():
        assert GSM7_REPLACEMENTS[ch] == repl
