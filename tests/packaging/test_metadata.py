"""Package metadata a newcomer and an index rely on (pyproject.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import a2p_policy

ROOT = Path(__file__).resolve().parents[2]


def _project() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project: dict[str, Any] = data["project"]
    project["_setuptools"] = data["tool"]["setuptools"]
    return project


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_core_dependencies_are_the_small_set() -> None:
    # regex: grapheme clusters for segment counting (as Twilio counts them).
    assert _names(_project()["dependencies"]) == {
        "pydantic",
        "attrs",
        "phonenumbers",
        "holidays",
        "regex",
    }


def test_extras() -> None:
    extras = _project()["optional-dependencies"]
    assert {"twilio", "redis", "postgres", "testing", "docs", "dev"} <= set(extras)
    assert _names(extras["twilio"]) == {"twilio"}
    assert {"pytest", "hypothesis"} <= _names(extras["testing"])
    dev = " ".join(extras["dev"])
    for needed in ("pytest-xdist", "pytest-markdown-docs", "build", "twilio", "redis", "postgres"):
        assert needed in dev, needed


def test_license_is_an_spdx_expression_with_its_file() -> None:
    project = _project()
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert not any(c.startswith("License ::") for c in project["classifiers"])


def test_version_has_one_source() -> None:
    project = _project()
    assert "version" not in project
    assert "version" in project["dynamic"]
    assert project["_setuptools"]["dynamic"]["version"] == {"attr": "a2p_policy.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", a2p_policy.__version__)


def test_every_supported_python_is_classified() -> None:
    project = _project()
    assert project["requires-python"] == ">=3.11"
    classifiers = set(project["classifiers"])
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
