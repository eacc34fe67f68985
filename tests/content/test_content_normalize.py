"""Normalization: look-alikes, styled letters, invisible characters, leet, spacing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._content.identify import has_opt_out, has_sender_id
from a2p_policy._content.normalize import normalize_text

WATCH = frozenset({"free", "cash", "casino", "cbd"})


def test_ascii_fast_path() -> None:
    n = normalize_text("Hello World", WATCH)
    assert n.text == n.plain == "hello world"
    assert n.offsets is None
    assert n.signals == ()


def test_lookalike_mixed_script_is_a_signal() -> None:
    n = normalize_text("саsino", WATCH)  # Cyrillic с and а
    assert n.text == "casino"
    assert [s.kind for s in n.signals] == ["lookalike"]


def test_whole_foreign_words_are_not_signals() -> None:
    assert normalize_text("Привет, как дела", WATCH).signals == ()


def test_styled_and_invisible() -> None:
    assert [s.kind for s in normalize_text("ＦＲＥＥ", WATCH).signals] == ["styled"]
    n = normalize_text("fr\u200bee", WATCH)
    assert n.text == "free"
    assert [s.kind for s in n.signals] == ["invisible"]


def test_leet_and_spaced_only_for_watch_words() -> None:
    n = normalize_text("fr33 c@sh 2nd 4pm of1768", WATCH)
    assert [s.reads_as for s in n.signals] == ["free", "cash"]
    assert n.plain.startswith("free cash 2nd")
    n = normalize_text("C A S H and F.R.E.E and U.S.A", WATCH)
    assert [s.reads_as for s in n.signals] == ["cash", "free"]
    assert len(n.plain) == len(n.text)


def test_accents_removed() -> None:
    assert normalize_text("Café Olé Ñandú").text == "cafe ole nandu"


def test_detectors() -> None:
    assert has_opt_out("Reply STOP")
    assert not has_opt_out("Stop by anytime")
    assert has_sender_id("Thanks, ACME Dental")
    assert has_sender_id("Hi from ACME")
    assert not has_sender_id("see you soon")
    assert has_sender_id("acme-dental rocks", "ACME Dental LLC")
    assert not has_sender_id("acmedentalx", "ACME Dental")


@given(st.text(max_size=300))
def test_invariants(text: str) -> None:
    n = normalize_text(text, WATCH)
    assert len(n.plain) == len(n.text)
    if n.offsets is not None:
        assert len(n.offsets) == len(n.text)
        assert list(n.offsets) == sorted(n.offsets)
    for signal in n.signals:
        start, end = n.to_original(signal.start, signal.end)
        assert 0 <= start <= end <= len(text)
