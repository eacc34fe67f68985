"""Hostile input on every subcommand: exit 2 with one clean message line,
never a traceback and never exit 1 (issue 14: ``tfv check`` on deeply nested
JSON printed a RecursionError traceback)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from a2p_policy._cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, MAX_INPUT_BYTES, main

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
HOSTILE_FILES: dict[str, bytes] = {
    "deep_array": DEEP_ARRAY.encode(),
    "deep_object": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "deep_in_field": b'{"business_name": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "moderately_deep": b'{"business_name": ' + b"[" * 40 + b"]" * 40 + b"}",
    "nan": b'{"business_name": NaN}',
    "infinity": b'{"message_volume": -Infinity}',
    "huge_int": b'{"business_name": ' + b"9" * 5_000 + b"}",
    "binary": bytes(range(256)),
    "latin1": '{"business_name": "Caf\xe9"}'.encode("latin-1"),
    "utf16": '{"business_name": "x"}'.encode("utf-16"),
    "lone_surrogate_bytes": b'{"business_name": "\xed\xa0\x80"}',
    "array": b"[1, 2]",
    "number": b"12",
    "null": b"null",
    "string": b'"text"',
    "empty": b"",
    "truncated": b'{"business_name": "x',
}


def _run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def _assert_clean_usage_error(code: int, out: str, err: str) -> None:
    assert code == EXIT_USAGE, (code, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("a2p-policy: error: ")
    assert len(lines[0]) < 700
    assert lines[0].isprintable()


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_tfv_check_hostile_file_exits_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / "req.json"
    path.write_bytes(HOSTILE_FILES[name])
    code, out, err = _run(["tfv", "check", str(path)])
    _assert_clean_usage_error(code, out, err)
    code, out, err = _run(["tfv", "check", str(path), "--json"])
    _assert_clean_usage_error(code, out, err)
    assert json.loads(out) == {"error": err.splitlines()[0][19:], "exit_code": EXIT_USAGE}


def test_deeply_nested_json_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_text(DEEP_ARRAY, encoding="utf-8")
    _code, _out, err = _run(["tfv", "check", str(path)])
    assert "nested too deeply" in err
    _code, _out, err = _run(["tfv", "check", "-"], stdin=DEEP_ARRAY)
    assert "standard input is nested too deeply" in err


def test_tfv_check_field_of_the_wrong_type_is_a_validation_error(tmp_path: Path) -> None:
    """A request object whose fields have wrong types is a (clean) validation
    failure: exit 1 with every field named, as documented."""
    path = tmp_path / "req.json"
    path.write_text(
        json.dumps({"business_name": 5, "use_case_categories": {"a": None}, "x": [None]}),
        encoding="utf-8",
    )
    code, out, err = _run(["tfv", "check", str(path), "--json"])
    assert code == EXIT_FINDINGS
    assert err == ""
    fields = {e["field"] for e in json.loads(out)["errors"]}
    assert {"business_name", "use_case_categories", "x"} <= fields


@pytest.mark.parametrize("command", [["tfv", "check"], ["audit", "terms"], ["audit", "optin"]])
def test_oversized_stdin_and_file_exit_2(tmp_path: Path, command: list[str]) -> None:
    big = "x" * (MAX_INPUT_BYTES + 1)
    _assert_clean_usage_error(*_run([*command, "-"], stdin=big))
    path = tmp_path / "big.txt"
    path.write_text(big, encoding="utf-8")
    _assert_clean_usage_error(*_run([*command, str(path)]))


@pytest.mark.parametrize("command", [["tfv", "check"], ["audit", "privacy"]])
@pytest.mark.parametrize(
    "target",
    ["\x00", "a\nb", "x" * 5_000, "/dev/null", "/", "no/such/dir/file.json", "\ud800"],
)
def test_bad_file_arguments_exit_2(command: list[str], target: str) -> None:
    _assert_clean_usage_error(*_run([*command, target]))


def test_not_utf8_stdin_exits_2() -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe{"), encoding="utf-8", errors="strict")
    out, err = io.StringIO(), io.StringIO()
    code = main(["tfv", "check", "-"], stdout=out, stderr=err, stdin=stdin)
    _assert_clean_usage_error(code, out.getvalue(), err.getvalue())
    assert "not UTF-8" in err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--days", "0"],
        ["demo", "--days", "abc"],
        ["demo", "--days", "9" * 5_000],
        ["demo", "--contacts", "1e9"],
        ["demo", "--seed", "0x10"],
        ["demo", "--bad-day", "-1"],
        ["demo", "--db", ""],
        ["demo", "--db", "\x00"],
        ["demo", "--db", "/no/such/dir/a2p.db"],
        ["demo", "--db", "/dev/null", "--reuse"],
        ["demo", "--db", "/"],
        ["demo", "--unknown"],
        ["classify", "\ud800"],
        ["classify", "٣٠٠٠٧"],  # Arabic-Indic digits are not a code
        ["classify", "1" * 5_000],
        ["lint", "x", "--brand", "\x00"],
        ["lint"],
        ["segments"],
        ["keyword"],
        ["audit"],
        ["audit", "cookies", "x"],
        ["storage", "migrate"],
        ["storage"],
        ["tfv"],
        ["tfv", "check"],
        ["tfv", "check", "x.json", "--numbers", "-5"],
        ["tfv", "check", "x.json", "--numbers", "NaN"],
        ["nonsense\n\x1b[31mred"],
    ],
)
def test_bad_arguments_exit_2_with_a_clean_message(argv: list[str]) -> None:
    code, _out, err = _run(argv)
    assert code == EXIT_USAGE, err
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert first.startswith("a2p-policy: error: ")
    assert first.isprintable()
    assert all(line.startswith("usage:") for line in rest)  # at most the usage line
    assert len(rest) <= 1


def test_arguments_that_are_not_strings_exit_2() -> None:
    code, out, err = _run(["lint", b"STOP"])  # type: ignore[list-item]
    _assert_clean_usage_error(code, out, err)


@pytest.mark.parametrize("command", ["lint", "segments", "keyword"])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_lone_surrogates_on_a_strict_utf8_stream(command: str, json_flag: list[str]) -> None:
    """An argument that was not UTF-8 arrives as lone surrogates; a strict
    UTF-8 stdout must not turn that into a UnicodeEncodeError."""
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    err = io.StringIO()
    code = main([command, *json_flag, "--", "STOP \udcff\ud800"], stdout=stdout, stderr=err)
    stdout.flush()
    assert code in (EXIT_OK, EXIT_FINDINGS)
    assert err.getvalue() == ""
    assert raw.getvalue()
    if json_flag:
        json.loads(raw.getvalue().decode("utf-8"))


def test_error_message_with_a_surrogate_on_a_strict_stream() -> None:
    raw = io.BytesIO()
    stderr = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    code = main(["classify", "\udcff"], stdout=io.StringIO(), stderr=stderr)
    stderr.flush()
    assert code == EXIT_USAGE
    assert raw.getvalue().decode("utf-8").startswith("a2p-policy: error: ")


def test_output_on_an_ascii_only_stream() -> None:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    code = main(["segments", "--", "caf\u00e9 \ud800 \U0001f600"], stdout=stdout)
    stdout.flush()
    assert code == EXIT_OK
    assert b"\\xe9" in raw.getvalue() or b"\\u" in raw.getvalue()
