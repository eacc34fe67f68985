"""The python examples of docs/storage.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_storage_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    namespace: dict[str, object] = {"__name__": "docs_storage"}
    for block in blocks:
        exec(compile(block, "docs/storage.md", "exec"), namespace)
    # The contract recipe defined a test class built on the public base class.
    from a2p_policy.testing.contract import StorageContract

    recipe = namespace["TestMyStorage"]
    assert isinstance(recipe, type)
    assert issubclass(recipe, StorageContract)
