"""The worked examples of docs/webhooks.md run as written (from the
repository root) and print what the page says they print."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "webhooks.md"


def test_webhooks_doc_examples_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    outputs = re.findall(r"```text\n(.*?)```", text, re.S)
    assert len(blocks) == len(outputs) == 4
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    try:
        for block, expected in zip(blocks, outputs, strict=True):
            exec(compile(block, str(DOC), "exec"), {})
            assert capsys.readouterr().out == expected
    finally:
        sys.modules.pop("app", None)
