"""The worked examples in docs/keywords.md and docs/phone.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks(name: str) -> list[str]:
    return BLOCK.findall((DOCS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["keywords.md", "phone.md"])
def test_docs_examples_run(name: str) -> None:
    blocks = _blocks(name)
    assert blocks, f"no python examples in {name}"
    for index, block in enumerate(blocks):
        exec(compile(block, f"{name}#{index}", "exec"), {})
