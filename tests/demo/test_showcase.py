"""The demo's showcase (a composed first message, a lint finding with its
rejection code) and the notes under its table."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from a2p_policy._cli import main
from a2p_policy._demo import (
    DEMO_COLUMN_NOTES,
    SHOWCASE_BODY,
    SHOWCASE_LINT_BODY,
    demo_showcase,
)


def test_showcase_composes_sender_id_and_opt_out() -> None:
    show = demo_showcase("Harbor Fitness")
    assert show.composed.startswith(SHOWCASE_BODY)
    assert "Harbor Fitness" in show.composed
    assert "STOP" in show.composed
    assert len(show.appended) == 2
    for part in show.appended:
        assert part in show.composed
    assert show.composed.splitlines()[-len(show.appended) :] == list(show.appended)


def test_showcase_lint_finding_has_its_rejection_code() -> None:
    show = demo_showcase()
    assert show.lint_body == SHOWCASE_LINT_BODY
    assert show.finding_severity == "BLOCK"
    assert show.finding_rule == "url.shortener"
    assert show.finding_code == 30449
    text = "\n".join(show.lines())
    assert "url.shortener, rejection code 30449" in text


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=30
    )
)
def test_showcase_names_any_brand(brand: str) -> None:
    brand = " ".join(brand.split())
    assume(len(brand) >= 2)
    show = demo_showcase(brand)
    assert brand in show.composed
    assert show.finding_code == 30449


def test_every_table_column_is_explained() -> None:
    from a2p_policy._cli import _DEMO_COLUMNS

    notes = "\n".join(DEMO_COLUMN_NOTES)
    for _, title, _ in _DEMO_COLUMNS:
        assert title in notes, title
    assert "counted as errors" in notes


def test_demo_command_prints_the_showcase_and_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out, err = io.StringIO(), io.StringIO()
    code = main(["demo", "--days", "1", "--contacts", "150", "--quiet"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert DEMO_COLUMN_NOTES[0] in text
    assert "| Reply STOP to unsubscribe" in text
    assert "rejection code 30449" in text
    assert text.index("columns:") < text.index("A first message") < text.index("Summary")
