"""The python blocks of README.md and docs/*.md are tests: the configuration
collects them and the ``<!-- test: ... -->`` comments reach the plugin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pytest_markdown_docs.plugin import extract_fence_tests

ROOT = Path(__file__).resolve().parents[2]
COMMENT = re.compile(r"^<!--\s*test:\s*(.*?)\s*-->$", re.M)
KNOWN_OPTIONS = {"notest", "continuation"}
KNOWN_FIXTURES = {"redis_server", "postgres_server", "storage_url", "repo_root"}


def test_pytest_collects_readme_and_every_docs_page() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ini = config["tool"]["pytest"]["ini_options"]
    assert {"tests", "README.md", "docs"} <= set(ini["testpaths"])
    assert "--markdown-docs" in ini["addopts"]


def test_comment_options_reach_the_plugin(pytestconfig: pytest.Config) -> None:
    parser = pytestconfig.hook.pytest_markdown_docs_markdown_it()
    page = (
        "<!-- test: notest -->\n\n```python\nfragment()\n```\n\n"
        "```python\ny = 2\n```\n\n"
        "<!-- test: continuation fixture:tmp_path -->\n\n```python\nz = y\n```\n\n"
        "<!-- a plain comment -->\n\n```python\nw = 1\n```\n"
    )
    found = list(extract_fence_tests(parser, page, 0, Path("page.md")))
    assert len(found) == 3  # the notest block is not a test
    assert "fragment" not in "".join(t.source for t in found)
    assert "y = 2" in found[1].source
    assert "z = y" in found[1].source
    assert found[1].fixture_names == ("tmp_path",)
    assert found[2].fixture_names == ()
    assert "y = 2" not in found[2].source


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_every_option_comment_is_known_and_precedes_a_python_block(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for match in COMMENT.finditer(text):
        for option in match.group(1).split():
            name = option.removeprefix("fixture:")
            assert option in KNOWN_OPTIONS or name in KNOWN_FIXTURES, (page.name, option)
        after = text[match.end() :].lstrip("\n")
        assert after.startswith("```python\n"), f"{page.name}: {match.group(0)} before no block"
