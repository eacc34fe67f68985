"""The worked examples of the limits docs pages actually run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("ramp-up.md", "rate-monitor.md", "quiet-hours.md")
BLOCKS = [
    pytest.param(block, id=f"{page}-{i}")
    for page in PAGES
    if (DOCS / page).exists()
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S))
]


@pytest.mark.parametrize("code", BLOCKS)
def test_example_runs(code: str) -> None:
    exec(compile(code, "<docs>", "exec"), {"__name__": "docs_example"})


def test_every_page_has_examples() -> None:
    assert len(BLOCKS) >= 10
