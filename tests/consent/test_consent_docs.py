"""The worked examples of docs/consent.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "consent.md"


@pytest.mark.skipif(not DOC.exists(), reason="docs/consent.md not present")
def test_consent_doc_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 6
    exec(compile("\n".join(blocks), str(DOC), "exec"), {})
    out = capsys.readouterr().out
    assert "Missing evidence: none" in out
    assert "['GRANT', 'REVOKE', 'REINSTATE']" in out
    assert "('privacy.sharing', 'BLOCK', (0, 63))" in out
