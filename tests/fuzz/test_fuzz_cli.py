"""Fuzz: the ``a2p-policy`` command line, in-process, with fuzzed arguments
and fuzzed input files. Every run exits 0, 1 or 2; nothing escapes ``main``;
an exit 2 prints one ``a2p-policy: error:`` line (plus at most the usage
line); with ``--json`` stdout holds one JSON document."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz._hostile import fuzz, hostile_json, hostile_json_text, hostile_text

from a2p_policy._cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main

_WORDS = [
    "lint",
    "segments",
    "classify",
    "keyword",
    "tfv",
    "check",
    "audit",
    "optin",
    "privacy",
    "terms",
    "storage",
    "migrate",
    "--print",
    "--json",
    "--tollfree",
    "--brand",
    "--numbers",
    "--not-initial",
    "--age-gated",
    "--fold-accents",
    "--checkbox-preselected",
    "--single-message",
    "--version",
    "-",
    "--",
    "30007",
    "30473",
    "STOP",
]
_COMMANDS: list[list[str]] = [
    ["lint"],
    ["lint", "--not-initial"],
    ["segments"],
    ["keyword"],
    ["classify"],
    ["classify", "--tollfree"],
]
_FILE_COMMANDS: list[list[str]] = [
    ["tfv", "check"],
    ["tfv", "check", "--numbers", "7"],
    ["audit", "optin", "--brand", "Harbor Fitness"],
    ["audit", "privacy"],
    ["audit", "terms"],
]


def _check_run(argv: list[str], stdin: str = "") -> int:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin))
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_USAGE), (argv, code)
    errors = err.getvalue()
    assert "Traceback" not in errors
    if code == EXIT_USAGE:
        first, *rest = errors.splitlines() or [""]
        assert first.startswith("a2p-policy: error: "), errors
        assert first.isprintable(), first
        assert len(rest) <= 1
        assert all(line.startswith("usage:") for line in rest), errors
    if "--json" in argv and "--version" not in argv and (code != EXIT_OK or out.getvalue()):
        json.loads(out.getvalue())
    return code


@fuzz(0.4)
@given(argv=st.lists(st.one_of(st.sampled_from(_WORDS), hostile_text(30)), max_size=6))
def test_fuzzed_argv(argv: list[str]) -> None:
    if any(a in ("-h", "--help") or a.startswith("--h") for a in argv):
        return  # argparse prints help and exits 0; covered elsewhere
    if "demo" in argv:
        return  # the demo runs for seconds; its arguments are fuzzed below
    _check_run(argv, stdin="{}")


@fuzz(0.4)
@given(
    command=st.sampled_from(_COMMANDS),
    text=hostile_text(300),
    as_json=st.booleans(),
    via_stdin=st.booleans(),
)
def test_fuzzed_text_arguments(
    command: list[str], text: str, as_json: bool, via_stdin: bool
) -> None:
    argv = [*command, *(["--json"] if as_json else []), "--", "-" if via_stdin else text]
    code = _check_run(argv, stdin=text if via_stdin else "")
    if command[0] in ("lint", "segments", "keyword") and not via_stdin:
        assert code in (EXIT_OK, EXIT_FINDINGS)


def _request_like() -> st.SearchStrategy[Any]:
    fields = ["business_name", "business_website", "use_case_categories", "opt_in_type", "x"]
    return st.dictionaries(st.sampled_from(fields), hostile_json(), max_size=4)


@fuzz(0.3)
@given(
    command=st.sampled_from(_FILE_COMMANDS),
    content=st.one_of(
        hostile_json_text(),
        _request_like().map(lambda d: json.dumps(d, allow_nan=True)),
        st.binary(max_size=300),
    ),
    as_json=st.booleans(),
    via_stdin=st.booleans(),
)
def test_fuzzed_input_files(
    command: list[str], content: str | bytes, as_json: bool, via_stdin: bool
) -> None:
    flags = ["--json"] if as_json else []
    if via_stdin:
        text = content if isinstance(content, str) else content.decode("utf-8", "replace")
        _check_run([*command, *flags, "-"], stdin=text)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input"
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8", "surrogatepass"))
        else:
            path.write_bytes(content)
        _check_run([*command, *flags, str(path)])


@fuzz(0.1)
@given(
    option=st.sampled_from(["--days", "--seed", "--contacts", "--bad-day"]),
    value=st.one_of(
        st.sampled_from(["0", "-1", "367", "1e3", "0x10", "9" * 5_000, "", "/", "1.5"]),
        hostile_text(30),
    ),
)
def test_fuzzed_demo_numbers(option: str, value: str) -> None:
    """Bad demo numbers are refused before anything runs (exit 2)."""
    limits = {"--days": (1, 366), "--contacts": (50, 200_000), "--bad-day": (1, 366)}
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is not None:
        low, high = limits.get(option, (-(2**63), 2**63 - 1))
        if low <= number <= high:
            return  # a valid number would start a (slow) simulation
    assert _check_run(["demo", "--quiet", option, value]) == EXIT_USAGE


@fuzz(0.1)
@given(name=hostile_text(30), kind=st.sampled_from(["missing-dir", "exists", "dir", "raw"]))
def test_fuzzed_demo_db_paths(name: str, kind: str) -> None:
    """A --db path that cannot be a new database file is refused (exit 2)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        if kind == "missing-dir":
            value = f"{tmp}/no/such/{name}"
        elif kind == "exists":
            (base / "taken.db").write_text("x", encoding="utf-8")
            value = str(base / "taken.db")
        elif kind == "dir":
            value = tmp
        else:
            value = name + "\x00"  # never a valid path
        assert _check_run(["demo", "--quiet", "--db", value]) == EXIT_USAGE
        assert [p.name for p in base.iterdir()] in ([], ["taken.db"])
