"""The worked examples in docs/dnd.md and docs/error-codes.md run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["dnd.md", "error-codes.md"]


def _blocks(page: str) -> list[str]:
    path = DOCS / page
    if not path.exists():
        pytest.skip(f"{path} not present")
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", PAGES)
def test_doc_examples_run(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = _blocks(page)
    assert blocks
    for block in blocks:
        exec(compile(block, f"{page}", "exec"), {})
    capsys.readouterr()
