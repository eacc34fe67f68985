"""The python examples of docs/messenger.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "messenger.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 2
    assert "```mermaid" in text
    namespace: dict[str, object] = {"__name__": "docs_messenger"}
    for block in blocks:
        exec(compile(block, "messenger.md", "exec"), namespace)
    assert namespace["reply"] is not None
