"""The worked examples of docs/testing.md run as written: the downstream test
files (blocks starting with ``# name.py``) through pytester, the others with
exec, their output compared with the ``text`` blocks."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
FILE_HEADER = re.compile(r"# ([\w.]+\.py)\n")


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def _plugin_args() -> list[str]:
    installed = any(ep.name == "a2p_policy" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "a2p_policy.testing.plugin"]


def test_downstream_examples_pass(pytester: pytest.Pytester) -> None:
    files = [b for b in _blocks("python") if FILE_HEADER.match(b)]
    assert len(files) == 4
    tests = 0
    for block in files:
        match = FILE_HEADER.match(block)
        assert match is not None
        (pytester.path / match.group(1)).write_text(block, encoding="utf-8")
        tests += block.count("\ndef test_")
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=tests)


def test_snippets_print_what_the_page_says(capsys: pytest.CaptureFixture[str]) -> None:
    snippets = [b for b in _blocks("python") if not FILE_HEADER.match(b)]
    assert len(snippets) == 2
    exec(compile("\n".join(snippets), str(DOC), "exec"), {})
    assert capsys.readouterr().out == "".join(_blocks("text"))
