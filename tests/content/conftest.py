"""Content test hooks: print the labelled corpus's per-code table in the
terminal summary, so it is visible without ``-s``."""

from __future__ import annotations

import pytest

#: Where test_content_corpus.py leaves its per-code table for the summary.
CORPUS_TABLE: pytest.StashKey[str] = pytest.StashKey()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    table = terminalreporter.config.stash.get(CORPUS_TABLE, None)
    if table:
        terminalreporter.section("content corpus: precision and recall per code")
        terminalreporter.write_line(table)
