"""Content test hooks: print the labelled corpus's per-code table in the
terminal summary, so it is visible without ``-s``."""

from __future__ import annotations

import pytest

_TABLES: pytest.StashKey[list[str]] = pytest.StashKey()


@pytest.fixture
def corpus_table_sink(request: pytest.FixtureRequest) -> list[str]:
    """A list whose entries are printed in the terminal summary."""
    return request.config.stash.setdefault(_TABLES, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tables = terminalreporter.config.stash.get(_TABLES, [])
    if tables:
        terminalreporter.section("content corpus: precision and recall per code")
        terminalreporter.write_line(tables[-1])
