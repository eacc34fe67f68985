"""The worked examples in docs/composer.md run as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_composer_docs_examples_run_and_print_what_they_say() -> None:
    text = (DOCS / "composer.md").read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 4
    for index, block in enumerate(blocks):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"composer.md#{index}", "exec"), {})
        # Every "print(...)  # expected" comment is what was printed.
        printed = out.getvalue().splitlines()
        expected = [
            m.group(1).strip()
            for line in block.splitlines()
            if line.startswith("print(") and (m := re.search(r"\)\s+# (.*)$", line))
        ]
        for want in expected:
            assert any(line.strip().startswith(want) for line in printed), (index, want)
