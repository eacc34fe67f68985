"""Smart encoding: UCS-2 culprits, GSM-7 replacements and segments saved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy.compose import GSM7_REPLACEMENTS, count_segments, is_gsm7, smart_encoding
from a2p_policy.errors import InvalidArgument


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


@pytest.mark.parametrize(("ch", "repl"), sorted(GSM7_REPLACEMENTS.items()))
def test_every_replacement_is_gsm7(ch: str, repl: str) -> None:
    assert not is_gsm7(ch)
    assert is_gsm7(repl)


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
