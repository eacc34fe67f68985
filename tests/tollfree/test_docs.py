"""The worked examples of docs/tollfree.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "tollfree.md"


def test_doc_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {"__name__": "tollfree_doc"}
    exec(compile("\n".join(blocks), str(DOC), "exec"), namespace)
