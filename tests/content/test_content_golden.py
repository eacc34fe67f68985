"""Golden cases: the appeal article's six violations and compliant message,
plus this project's own realistic positives and tricky negatives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from a2p_policy._content.linter import ContentLinter
from a2p_policy._findings import Severity

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "golden_cases.json").read_text(encoding="utf-8")
)["cases"]
LINTER = ContentLinter()


def test_enough_cases() -> None:
    appeal = [c for c in CASES if c["source"] == "appeal"]
    assert len([c for c in appeal if c.get("flagged")]) == 6
    assert any(c.get("no_block") for c in appeal)
    assert len([c for c in CASES if c["source"] == "own"]) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_case(case: dict[str, Any]) -> None:
    findings = LINTER.lint(case["text"], brand=case.get("brand"), initial=case.get("initial", True))
    rules = {f.rule for f in findings}
    for rule in case.get("expect", []):
        assert rule in rules, f"{rule} not reported: {[str(f) for f in findings]}"
    for rule in case.get("forbid", []):
        assert rule not in rules, f"{rule} reported: {[str(f) for f in findings]}"
    if case.get("expect") == []:
        assert findings == [], [str(f) for f in findings]
    if case.get("no_block"):
        assert not [f for f in findings if f.severity is Severity.BLOCK]
    if case.get("flagged"):
        assert findings
