"""The ``a2p-policy`` command line: the demo and quick checks for scripts.

Why a command line
    Most questions about a message or a submission are one-off ("how many
    segments is this?", "what does 30007 mean?", "will this toll-free
    request be rejected?"); answering them should not need a Python session.
    Every command prints a readable answer, or with ``--json`` one JSON
    document on stdout for scripts, and exits with a code a script can test:

    ====  ==============================================================
    0     OK (nothing blocking found)
    1     findings or violations (a BLOCK finding, a validation error)
    2     usage or input errors (bad arguments, missing file, bad JSON)
    ====  ==============================================================

    Bad input never prints a traceback: the message says what was wrong.

Commands (each one calls the library function named; the rules and their
sources are documented in that function's module):

* ``demo``: :func:`a2p_policy.run_demo`, a simulated fortnight of a new
  account on SQLite (sources.md [policy]).
* ``lint TEXT``: :class:`~a2p_policy.ContentLinter` (exit 1 on any
  BLOCK finding).
* ``segments TEXT``: :func:`~a2p_policy.count_segments` and
  :func:`~a2p_policy.smart_encoding`.
* ``classify CODE``: :class:`~a2p_policy.ErrorCodeClassifier`
  (``--tollfree`` for verification rejection codes).
* ``keyword TEXT``: :func:`~a2p_policy.classify_inbound`.
* ``tfv check FILE.json``:
  :class:`~a2p_policy.TollFreeVerificationRequest` validation and
  :func:`~a2p_policy._tollfree.precheck`.
* ``audit optin|privacy|terms FILE``: the consent audits.
* ``storage migrate --print``: the PostgreSQL schema script.

``TEXT`` may be ``-`` to read standard input; so may ``FILE``. Only the
standard library is used (argparse), so the console script starts fast.
"""

from __future__ import annotations

import argparse
import enum
import functools
import json
import math
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from a2p_policy._errors import A2PPolicyError
from a2p_policy._findings import Finding, Severity

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "ProgressBar", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

#: Largest input file read (bytes): forms, policies and requests are small.
MAX_INPUT_BYTES = 5_000_000


class CliError(Exception):
    """A usage or input error: printed as ``a2p-policy: error: ...``, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` returns codes."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message}\n{self.format_usage().strip()}")


# ---------------------------------------------------------------- output
def _write(stream: IO[str], text: str) -> None:
    """Write ``text``; characters the stream cannot encode (a lone surrogate
    from an argument that was not UTF-8, on a strict UTF-8 terminal) are
    written as backslash escapes instead of raising UnicodeEncodeError."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            safe = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
        except LookupError:
            safe = text.encode("ascii", "backslashreplace").decode("ascii")
        stream.write(safe)


class _Out:
    def __init__(self, stdout: IO[str], stderr: IO[str], as_json: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.json = as_json

    def line(self, text: str = "") -> None:
        _write(self.stdout, text + "\n")

    def emit(self, data: Mapping[str, Any]) -> None:
        _write(self.stdout, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "tfv_code": f.tfv_code,
        "field": f.field,
        "fix": f.fix,
        "span": list(f.span) if f.span is not None else None,
    }


def _print_findings(out: _Out, findings: Sequence[Finding], *, none: str) -> None:
    if not findings:
        out.line(none)
        return
    for f in findings:
        code = f" [{f.tfv_code}]" if f.tfv_code else ""
        where = f" ({f.field})" if f.field else ""
        out.line(f"{f.severity.value:5} {f.rule}{code}{where}: {f.message}")
        if f.fix:
            out.line(f"      fix: {f.fix}")


def _blocking(findings: Sequence[Finding]) -> bool:
    return any(f.severity is Severity.BLOCK for f in findings)


# ---------------------------------------------------------------- input
#: Deepest JSON nesting accepted in an input file: a request is an object of
#: strings and lists of strings (depth 2); deeper input is not a request.
MAX_JSON_DEPTH = 32


def _shown(arg: str) -> str:
    """A file name or argument as it may appear in a one-line message."""
    return "standard input" if arg == "-" else _one_line(arg, limit=200)


def _read_stdin(stdin: IO[str]) -> str:
    try:
        text = stdin.read(MAX_INPUT_BYTES + 1)
    except UnicodeDecodeError as exc:
        raise CliError(f"standard input is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise CliError(f"cannot read standard input: {exc.strerror or exc}") from None
    if len(text) > MAX_INPUT_BYTES:
        raise CliError(f"standard input is larger than {MAX_INPUT_BYTES} characters")
    return text


def _read_text(arg: str, stdin: IO[str]) -> str:
    return _read_stdin(stdin) if arg == "-" else arg


def _read_file(arg: str, stdin: IO[str]) -> str:
    if arg == "-":
        return _read_stdin(stdin)
    try:
        path = Path(arg)
        if not path.exists():
            raise CliError(f"no such file: {_shown(arg)}")
        if not path.is_file():
            raise CliError(f"not a regular file: {_shown(arg)}")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise CliError(f"{_shown(arg)} is larger than {MAX_INPUT_BYTES} bytes")
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise CliError(f"cannot read {_shown(arg)}: {exc.strerror or exc}") from None
    except ValueError:  # an embedded NUL in the path
        raise CliError(f"no such file: {_shown(arg)}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise CliError(f"{_shown(arg)} is larger than {MAX_INPUT_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{_shown(arg)} is not UTF-8 text ({exc.reason})") from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _json_depth_exceeds(value: object, limit: int) -> bool:
    """True if ``value`` nests lists/objects deeper than ``limit`` (iterative)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _load_json(raw: str, name: str) -> Any:
    """Parse strict JSON (no NaN/Infinity), refusing input that nests deeper
    than :data:`MAX_JSON_DEPTH` or holds numbers too large to convert: every
    failure is a :class:`CliError` (exit 2), never a traceback."""
    shown = _shown(name)
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise CliError(f"{shown} is nested too deeply to be a request") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{shown} is not valid JSON: {exc}") from None
    except ValueError as exc:  # NaN/Infinity, or an integer with too many digits
        reason = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise CliError(f"{shown} is not valid JSON: {_one_line(reason, limit=120)}") from None
    if _json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise CliError(f"{shown} is nested too deeply to be a request")
    return data


# ---------------------------------------------------------------- progress
class ProgressBar:
    """A one-line progress bar on a terminal stream (no dependency).

    Draws ``[#####.....]  45%  label`` with carriage returns; ``finish()``
    ends the line. Does nothing when ``enabled`` is False.
    """

    def __init__(self, stream: IO[str], *, enabled: bool, width: int = 30) -> None:
        self.stream = stream
        self.enabled = enabled
        self.width = max(5, width)
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, max(0.0, done / total))
        filled = int(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {math.floor(frac * 100):3d}%  step {done}/{total}")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * (self.width + 30) + "\r")
            self.stream.flush()
            self._drawn = False


def _isatty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------- commands
def _cmd_demo(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._demo import run_demo

    storage: str | None = None
    if args.db is not None:
        if not args.db or "\x00" in args.db:
            raise CliError(f"--db must be a file path, got '{_shown(args.db)}'")
        try:
            path = Path(args.db)
            if path.exists() and not args.reuse:
                raise CliError(
                    f"{_shown(args.db)} already exists: the demo needs a new account; give a "
                    "new path (or --reuse to continue in it anyway)"
                )
            if path.exists() and not path.is_file():
                raise CliError(f"{_shown(args.db)} is not a regular file")
            if not path.parent.is_dir():
                raise CliError(f"directory {_shown(str(path.parent))} does not exist")
            resolved = path.resolve()
        except OSError as exc:
            raise CliError(f"cannot use {_shown(args.db)}: {exc.strerror or exc}") from None
        if any(c in str(resolved) for c in "?#%"):
            raise CliError(
                f"--db path {_shown(args.db)} contains '?', '#' or '%', which a storage URI "
                "cannot carry; choose another file name"
            )
        storage = f"sqlite:///{resolved}"
    bad_day = None if args.no_bad_day else args.bad_day
    bar = ProgressBar(out.stderr, enabled=not args.quiet and _isatty(out.stderr))
    started = time.perf_counter()
    try:
        report = run_demo(
            days=args.days,
            storage=storage,
            seed=args.seed,
            contacts=args.contacts,
            bad_day=bad_day,
            progress=bar,
        )
    finally:
        bar.finish()
    elapsed = time.perf_counter() - started
    if out.json:
        data = report.to_dict()
        data["runtime_seconds"] = round(elapsed, 3)
        out.emit(data)
        return EXIT_OK
    _print_demo(out, report, elapsed)
    return EXIT_OK


_DEMO_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("day", "day", 3),
    ("date", "date", 10),
    ("limit", "limit", 5),
    ("requested", "req", 5),
    ("sent", "sent", 5),
    ("skipped_dnd", "dnd", 4),
    ("skipped_consent", "no-cons", 7),
    ("denied_limit", "limit-", 6),
    ("denied_suspended", "susp-", 5),
    ("delivered", "deliv", 5),
    ("failed", "errors", 6),
    ("error_rate", "err%", 6),
    ("opt_outs", "stop", 4),
    ("opt_out_rate", "stop%", 6),
    ("opt_ins", "start", 5),
    ("level", "level", 9),
    ("dnd_total", "on DND", 6),
)


def _print_demo(out: _Out, report: Any, elapsed: float) -> None:
    out.line(
        f"a2p-policy demo: {report.brand} ({report.account}), a new account on {report.storage}"
    )
    out.line(
        f"{report.contacts} contacts with consent records, seed {report.seed}, "
        f"{len(report.days)} days from {report.started_at:%a %Y-%m-%d %H:%M} UTC"
        + (f", bad day {report.bad_day}" if report.bad_day else "")
    )
    out.line()
    header = "  ".join(f"{title:>{w}}" for _, title, w in _DEMO_COLUMNS)
    out.line(header)
    out.line("-" * len(header))
    for d in report.days:
        cells = []
        for key, _, w in _DEMO_COLUMNS:
            value = getattr(d, key)
            if key == "date":
                text = value.isoformat()
            elif key in ("error_rate", "opt_out_rate"):
                text = f"{value * 100:.1f}%"
            elif key == "level":
                text = d.peak_level.name
            else:
                text = str(value)
            cells.append(f"{text:>{w}}")
        out.line("  ".join(cells))
    t = report.totals
    out.line("-" * len(header))
    out.line()
    from a2p_policy._demo import DEMO_COLUMN_NOTES, demo_showcase

    for note in (*DEMO_COLUMN_NOTES, "", *demo_showcase(report.brand).lines()):
        out.line(note)
    out.line()
    out.line("Summary")
    out.line(
        f"  requested {t['requested']}, sent {t['sent']}, delivered {t['delivered']}, "
        f"failed {t['failed']} ({t['errors']} counted as errors)"
    )
    out.line(
        f"  skipped: {t['skipped_dnd']} do-not-disturb, {t['skipped_consent']} no consent; "
        f"denied: {t['denied_limit']} daily limit, {t['denied_suspended']} suspended, "
        f"{t['denied_other']} other rules"
    )
    out.line(
        f"  replies: {t['opt_outs']} opt-outs (STOP), {t['opt_ins']} opt-ins (START), "
        f"{t['help_replies']} HELP, {t['conversation_replies']} one-on-one replies sent"
    )
    out.line(
        f"  do-not-disturb at the end: {t['dnd_permanent']} permanent, "
        f"{t['dnd_temporary']} temporary"
    )
    codes = ", ".join(f"{code}: {n}" for code, n in report.error_codes().items())
    out.line(f"  error codes: {codes or 'none'}")
    for d in report.days:
        if d.note:
            out.line(f"  day {d.day}: {d.note}")
    out.line(f"  runtime {elapsed:.1f} s")


def _cmd_lint(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._content.linter import ContentLinter

    text = _read_text(args.text, stdin)
    linter = ContentLinter(age_gated=args.age_gated)
    findings = linter.lint(text, brand=args.brand, initial=not args.not_initial)
    blocked = _blocking(findings)
    if out.json:
        out.emit({"blocked": blocked, "findings": [_finding_dict(f) for f in findings]})
    else:
        _print_findings(out, findings, none="no findings")
    return EXIT_FINDINGS if blocked else EXIT_OK


def _cmd_segments(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._compose.encoding import smart_encoding
    from a2p_policy._compose.segments import count_segments

    text = _read_text(args.text, stdin)
    info = count_segments(text)
    smart = smart_encoding(text, fold_accents=args.fold_accents)
    if out.json:
        out.emit(
            {
                "encoding": info.encoding,
                "segments": info.segments,
                "units": info.units,
                "characters": len(text),
                "per_segment": info.per_segment,
                "remaining": info.remaining,
                "smart_encoding": {
                    "offending": [[i, ch] for i, ch in smart.offending],
                    "replacements": dict(smart.replacements),
                    "suggested": smart.suggested,
                    "encoding": smart.after.encoding,
                    "segments": smart.after.segments,
                    "saved": smart.saved,
                    "fully_gsm7": smart.fully_gsm7,
                },
            }
        )
        return EXIT_OK
    unit = "septets" if info.encoding == "GSM-7" else "UTF-16 code units"
    out.line(f"encoding: {info.encoding}")
    out.line(f"units:    {info.units} {unit} ({len(text)} characters)")
    out.line(f"segments: {info.segments} (up to {info.per_segment} units each)")
    if info.remaining is not None and info.segments:
        out.line(f"room left in the last segment: {info.remaining}")
    if smart.offending:
        chars = " ".join(sorted({repr(ch) for _, ch in smart.offending}))
        out.line(f"characters outside GSM-7: {chars}")
        if smart.replacements:
            repl = ", ".join(f"{k!r} -> {v!r}" for k, v in smart.replacements.items())
            out.line(f"smart encoding would replace: {repl}")
            out.line(
                f"  giving {smart.after.segments} segment(s) in {smart.after.encoding}"
                f" (saves {smart.saved})"
            )
            out.line(f"  suggested text: {smart.suggested}")
        else:
            out.line("no GSM-7 stand-in for these characters")
    return EXIT_OK


def _fields(obj: object, names: str) -> dict[str, Any]:
    """The attributes of ``obj`` that ``names`` names (separated by spaces),
    as JSON values (an enum by its name)."""
    values = ((name, getattr(obj, name)) for name in names.split())
    return {name: v.name if isinstance(v, enum.Enum) else v for name, v in values}


#: What ``classify --json`` prints of an error code, and with ``--tollfree``.
_ERROR_JSON = "code known description dnd_action is_error retryable category source"
_REJECTION_JSON = "code known description resubmittable correction family source"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cmd_classify(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._codes.classifier import ErrorCodeClassifier
    from a2p_policy._codes.models import ErrorInfo, RejectionInfo

    raw = args.code.strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise CliError(f"CODE must be a number such as 30007, got {args.code!r}")
    clf = ErrorCodeClassifier()
    answer: ErrorInfo | RejectionInfo
    if args.tollfree:
        answer = rejection = clf.tollfree_rejection(raw)
        names = _REJECTION_JSON
        details = [f"resubmittable: {_yes(rejection.resubmittable)}"]
        if rejection.correction:
            details.append(f"correction: {rejection.correction}")
    else:
        answer = info = clf.classify(raw)
        names = _ERROR_JSON
        details = [
            f"do-not-disturb: {info.dnd_action.name}",
            f"counts toward the error rate: {_yes(info.is_error)}",
            f"retryable unchanged: {_yes(info.retryable)}",
        ]
    if out.json:
        out.emit(_fields(answer, names))
        return EXIT_OK
    out.line(f"{answer.code}: {answer.description}" + ("" if answer.known else " (unknown code)"))
    for line in details:
        out.line(line)
    if answer.source:
        out.line(f"source: {answer.source}")
    return EXIT_OK


def _cmd_keyword(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._keywords import classify_inbound

    text = _read_text(args.text, stdin)
    m = classify_inbound(text)
    if out.json:
        out.emit(_fields(m, "kind keyword certainty honor needs_review reason"))
    elif m.certainty is None:
        out.line("NONE: not a keyword (an ordinary message)")
    else:
        action = "act on it" if m.honor else "needs review (not acted on automatically)"
        out.line(f"{m.kind.name} {m.keyword} ({m.certainty.name}): {action}")
    return EXIT_OK


_JSON_TYPES: dict[type, str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _cmd_tfv_check(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from pydantic import ValidationError

    from a2p_policy._tollfree.models import TollFreeVerificationRequest
    from a2p_policy._tollfree.precheck import precheck

    raw = _read_file(args.file, stdin)
    data = _load_json(raw, args.file)
    if not isinstance(data, dict):
        raise CliError(
            f"{_shown(args.file)} must hold a JSON object (the request), got "
            f"{_JSON_TYPES.get(type(data), type(data).__name__)}"
        )
    try:
        request = TollFreeVerificationRequest.model_validate(data)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"]) or "(request)",
                "message": e["msg"],
                "type": e["type"],
            }
            for e in exc.errors(include_url=False, include_input=False)
        ]
        if out.json:
            out.emit({"valid": False, "errors": errors, "findings": [], "blocked": True})
        else:
            out.line(f"{args.file}: {len(errors)} validation error(s)")
            for e in errors:
                out.line(f"  {e['field']}: {e['message']}")
        return EXIT_FINDINGS
    findings = precheck(request, numbers_for_business=args.numbers)
    blocked = _blocking(findings)
    if out.json:
        out.emit(
            {
                "valid": True,
                "errors": [],
                "findings": [_finding_dict(f) for f in findings],
                "blocked": blocked,
            }
        )
    else:
        _print_findings(out, findings, none="no findings: nothing a reviewer is known to reject")
    return EXIT_FINDINGS if blocked else EXIT_OK


def _cmd_audit(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    from a2p_policy._consent.audits import audit_opt_in_form, audit_privacy_policy, audit_terms

    text = _read_file(args.file, stdin)
    if args.what == "optin":
        findings = audit_opt_in_form(
            text,
            checkbox_preselected=args.checkbox_preselected,
            single_message_program=args.single_message,
            brand=args.brand,
        )
    elif args.what == "privacy":
        findings = audit_privacy_policy(text)
    else:
        findings = audit_terms(text)
    blocked = _blocking(findings)
    if out.json:
        out.emit(
            {
                "audit": args.what,
                "blocked": blocked,
                "findings": [_finding_dict(f) for f in findings],
            }
        )
    else:
        _print_findings(out, findings, none=f"{args.what}: every required element found")
    return EXIT_FINDINGS if blocked else EXIT_OK


def _cmd_storage_migrate(args: argparse.Namespace, out: _Out, stdin: IO[str]) -> int:
    if not args.print:
        raise CliError(
            "storage migrate applies nothing itself: use --print and run the script with "
            "psql, or open the storage (migrations run on open unless ?migrate=false)"
        )
    try:
        from a2p_policy.storage import postgres
    except ImportError as exc:
        raise CliError(f"the PostgreSQL storage module is not available ({exc})") from None
    migration_sql: Callable[[], str] | None = getattr(postgres, "migration_sql", None)
    if migration_sql is None:
        raise CliError("the PostgreSQL storage module has no migration_sql()")
    sql = migration_sql()
    if out.json:
        out.emit({"backend": "postgresql", "sql": sql})
    else:
        out.stdout.write(sql if sql.endswith("\n") else sql + "\n")
    return EXIT_OK


# ---------------------------------------------------------------- parser
def _int_arg(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    parser = _Parser(
        prog="a2p-policy",
        description="Policy checks for compliant US/Canada SMS, and a simulated demo.",
        epilog="Exit codes: 0 ok, 1 findings or violations, 2 usage or input errors.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_demo, _add_text_commands, _add_tfv, _add_audit, _add_storage):
        add(sub, common)
    return parser


_Subparsers = Any  # argparse's _SubParsersAction (private type)


def _add_demo(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo",
        parents=[common],
        help="simulate a new account's first fortnight on SQLite",
        description="Simulate a new account's first days on a SQLite file: ramp-up limits, "
        "delivery errors and do-not-disturb, STOP/START replies, and a bad day that "
        "suspends the account until 00:00 UTC.",
    )
    p.add_argument("--days", type=_int_arg(1, 366), default=14, help="days to simulate (14)")
    p.add_argument("--seed", type=_int_arg(-(2**63), 2**63 - 1), default=7, help="random seed")
    p.add_argument("--contacts", type=_int_arg(50, 200_000), default=6000, help="list size (6000)")
    p.add_argument("--db", metavar="PATH", help="SQLite file to create (default: a temp file)")
    p.add_argument("--reuse", action="store_true", help="allow an existing --db file")
    p.add_argument("--bad-day", type=_int_arg(1, 366), default=9, help="the bad day (9)")
    p.add_argument("--no-bad-day", action="store_true", help="no bad day")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cmd_demo)


def _add_text_commands(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lint", parents=[common], help="lint a message body (exit 1 on BLOCK)")
    p.add_argument("text", metavar="TEXT", help="the message body, or - for stdin")
    p.add_argument("--brand", help="the brand that obtained consent")
    p.add_argument("--not-initial", action="store_true", help="not the first message")
    p.add_argument("--age-gated", action="store_true", help="a robust age gate is in place")
    p.set_defaults(handler=_cmd_lint)

    p = sub.add_parser("segments", parents=[common], help="encoding and segment count")
    p.add_argument("text", metavar="TEXT", help="the message body, or - for stdin")
    p.add_argument("--fold-accents", action="store_true", help="offer unaccented letters too")
    p.set_defaults(handler=_cmd_segments)

    p = sub.add_parser("classify", parents=[common], help="explain an error code")
    p.add_argument("code", metavar="CODE", help="a Twilio error code such as 30007")
    p.add_argument(
        "--tollfree", action="store_true", help="a toll-free verification rejection code"
    )
    p.set_defaults(handler=_cmd_classify)

    p = sub.add_parser("keyword", parents=[common], help="classify an inbound message")
    p.add_argument("text", metavar="TEXT", help="the inbound body, or - for stdin")
    p.set_defaults(handler=_cmd_keyword)


def _add_group(
    sub: _Subparsers,
    common: argparse.ArgumentParser,
    name: str,
    help: str,
    *,
    dest: str,
    metavar: str = "COMMAND",
) -> _Subparsers:
    """Add the command ``name`` that has subcommands (``tfv check``...);
    return its subparsers. ``dest`` gets the subcommand's name."""
    p = sub.add_parser(name, parents=[common], help=help)
    return p.add_subparsers(dest=dest, metavar=metavar, parser_class=_Parser)


def _add_tfv(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    tfv = _add_group(sub, common, "tfv", "toll-free verification tools", dest="tfv_command")
    q = tfv.add_parser(
        "check", parents=[common], help="validate and precheck a request (JSON file)"
    )
    q.add_argument("file", metavar="FILE.json", help="the request as JSON, or - for stdin")
    q.add_argument(
        "--numbers",
        type=_int_arg(0, 1_000_000),
        default=None,
        help="toll-free numbers this business has (for the 30479 check)",
    )
    q.set_defaults(handler=_cmd_tfv_check)


def _add_audit(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    audit = _add_group(
        sub, common, "audit", "audit an opt-in form, privacy or terms", dest="what", metavar="KIND"
    )
    q = audit.add_parser("optin", parents=[common], help="an opt-in form's text")
    q.add_argument("file", metavar="FILE", help="a text or HTML file, or - for stdin")
    q.add_argument("--brand", help="the organization the form must name")
    q.add_argument("--checkbox-preselected", action="store_true")
    q.add_argument("--single-message", action="store_true", help="a one-message program (2FA)")
    q.set_defaults(handler=_cmd_audit)
    for kind, text in (("privacy", "a privacy policy"), ("terms", "a terms page")):
        q = audit.add_parser(kind, parents=[common], help=text)
        q.add_argument("file", metavar="FILE", help="a text or HTML file, or - for stdin")
        q.set_defaults(handler=_cmd_audit)


def _add_storage(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    storage = _add_group(sub, common, "storage", "storage tools", dest="storage_command")
    q = storage.add_parser("migrate", parents=[common], help="the PostgreSQL schema (with --print)")
    q.add_argument("--print", action="store_true", help="print the SQL script")
    q.set_defaults(handler=_cmd_storage_migrate)


@functools.lru_cache(maxsize=1)
def _shared_parser() -> argparse.ArgumentParser:
    """One parser for every ``main`` call in a process (building it costs
    milliseconds; parsing does not change it)."""
    return build_parser()


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stdin: IO[str] | None = None,
) -> int:
    """Run the command line; return the exit code (0, 1 or 2)."""
    out_stream = stdout if stdout is not None else sys.stdout
    err_stream = stderr if stderr is not None else sys.stderr
    in_stream = stdin if stdin is not None else sys.stdin
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _shared_parser()
    try:
        if not all(isinstance(a, str) for a in args_list):
            raise CliError("every argument must be a string")
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exc:  # --help
            out_stream.flush()
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        if args.version:
            from a2p_policy import __version__

            out_stream.write(f"a2p-policy {__version__}\n")
            return EXIT_OK
        handler = getattr(args, "handler", None)
        if handler is None:
            raise CliError(
                "missing command\n" + _usage_for(parser, args)
                if args.command
                else "missing command\n" + parser.format_usage().strip()
            )
        out = _Out(out_stream, err_stream, bool(getattr(args, "json", False)))
        code: int = handler(args, out, in_stream)
        return code
    except (CliError, A2PPolicyError, ValueError, RecursionError, MemoryError) as exc:
        _report_error(exc, err_stream, out_stream, as_json="--json" in args_list)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err_stream.write("a2p-policy: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _escape(char: str) -> str:
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")


def _one_line(text: str, *, limit: int = 500) -> str:
    """``text`` on one line: line breaks become " | "; control, format and
    unassigned characters and lone surrogates become backslash escapes (a
    message never moves the cursor or reorders the line); cut at ``limit``."""
    text = re.sub(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+\s*", " | ", text.strip())
    text = "".join(map(_escape, text[: limit * 2]))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _report_error(
    exc: BaseException, err_stream: IO[str], out_stream: IO[str], *, as_json: bool
) -> None:
    """One line ``a2p-policy: error: ...`` on stderr (plus the usage line of
    an argument error), and with ``--json`` one JSON document on stdout."""
    if isinstance(exc, RecursionError | MemoryError):
        message = "the input is too large or nested too deeply"
    else:
        text = str(exc)
        first, _, rest = text.partition("\n")
        usage = (
            rest.strip() if isinstance(exc, CliError) and rest.lstrip().startswith("usage") else ""
        )
        message = _one_line(first if usage else text)
        if usage:
            message += "\n" + _one_line(usage)
    _write(err_stream, f"a2p-policy: error: {message}\n")
    if as_json:
        head = message.split("\n", 1)[0]
        _write(out_stream, json.dumps({"error": head, "exit_code": EXIT_USAGE}) + "\n")


def _usage_for(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    hints = {
        "tfv": "usage: a2p-policy tfv check FILE.json",
        "audit": "usage: a2p-policy audit {optin,privacy,terms} FILE",
        "storage": "usage: a2p-policy storage migrate --print",
    }
    return hints.get(str(args.command), parser.format_usage().strip())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
