"""The a2p-policy command line, run in-process: output, --json, exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ProgressBar, main

GOOD_TFV: dict[str, Any] = {
    "business_name": "Harbor Fitness LLC",
    "business_website": "https://www.harborfitness.com",
    "notification_email": "compliance@harborfitness.com",
    "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
    "use_case_summary": (
        "Harbor Fitness texts its gym members class schedule changes, booking "
        "confirmations and membership renewal reminders. Members opt in on our website "
        "sign-up form."
    ),
    "production_message_sample": (
        "Harbor Fitness: your spin class on Tue 6pm is confirmed. Reply STOP to opt out, "
        "HELP for help."
    ),
    "opt_in_image_urls": ["https://www.harborfitness.com/images/sms-opt-in-form.png"],
    "opt_in_type": "WEB_FORM",
    "message_volume": "1,000",
    "tollfree_phone_number_sid": "PN" + "a" * 32,
    "business_street_address": "400 Harbor Way",
    "business_city": "Seattle",
    "business_state_province_region": "WA",
    "business_postal_code": "98101",
    "business_country": "US",
    "business_contact_first_name": "Dana",
    "business_contact_last_name": "Lee",
    "business_contact_email": "dana.lee@harborfitness.com",
    "business_contact_phone": "+12065550143",
    "business_type": "PRIVATE_PROFIT",
    "business_registration_number": "12-3456789",
    "business_registration_authority": "EIN",
    "business_registration_country": "US",
    "privacy_policy_url": "https://www.harborfitness.com/privacy",
    "terms_and_conditions_url": "https://www.harborfitness.com/sms-terms",
    "opt_in_confirmation_message": (
        "Harbor Fitness: you are subscribed to class and account alerts. Msg frequency "
        "varies. Msg & data rates may apply. Reply HELP for help, STOP to cancel."
    ),
    "help_message_sample": (
        "Harbor Fitness: for help email support@harborfitness.com or call 206-555-0143. "
        "Reply STOP to cancel."
    ),
}

GOOD_FORM = (
    "Harbor Fitness class alerts: get class schedule changes and booking reminders by text "
    "from Harbor Fitness. Msg & data rates may apply. Msg frequency varies. Reply HELP for "
    "help, STOP to cancel. See our Privacy Policy at https://www.harborfitness.com/privacy "
    "and SMS Terms at https://www.harborfitness.com/sms-terms."
)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None
) -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin) if stdin is not None else None)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None
) -> tuple[int, Any]:
    code, out, _err = run(capsys, *argv, "--json", stdin=stdin)
    return code, json.loads(out)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- lint
def test_lint_clean_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "lint",
        "Harbor Fitness: class at 6pm is on. Reply STOP to opt out.",
        "--brand",
        "Harbor Fitness",
    )
    assert code == EXIT_OK
    assert "no findings" in out


def test_lint_blocking_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", "Get a loan today: bit.ly/x1")
    assert code == EXIT_FINDINGS
    assert "url.shortener" in out
    assert "BLOCK" in out
    assert "30449" in out


def test_lint_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "lint", "Visit bit.ly/abc now")
    assert code == EXIT_FINDINGS
    assert data["blocked"] is True
    rules = {f["rule"]: f for f in data["findings"]}
    assert rules["url.shortener"]["severity"] == "BLOCK"
    assert rules["url.shortener"]["tfv_code"] == 30449
    code, data = run_json(capsys, "lint", "see you at 5", "--not-initial")
    assert code == EXIT_OK
    assert data == {"blocked": False, "findings": []}


def test_lint_warnings_only_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "lint", "see you at 5")
    assert code == EXIT_OK
    assert {f["rule"] for f in data["findings"]} >= {"optout.missing"}
    assert all(f["severity"] != "BLOCK" for f in data["findings"])


def test_lint_reads_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "lint", "-", stdin="tinyurl.com/abc")
    assert code == EXIT_FINDINGS
    assert any(f["rule"] == "url.shortener" for f in data["findings"])


def test_json_flag_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "lint", "bit.ly/x")
    assert code == EXIT_FINDINGS
    assert json.loads(out)["blocked"] is True


# ---------------------------------------------------------------- segments
def test_segments_gsm7(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "segments", "a" * 161)
    assert code == EXIT_OK
    assert data["encoding"] == "GSM-7"
    assert (data["units"], data["segments"]) == (161, 2)
    assert data["smart_encoding"]["offending"] == []


def test_segments_ucs2_with_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Don’t miss it — " + "x" * 60
    code, data = run_json(capsys, "segments", text)
    assert code == EXIT_OK
    assert data["encoding"] == "UCS-2"
    assert data["segments"] == 2
    smart = data["smart_encoding"]
    assert smart["fully_gsm7"] is True
    assert smart["segments"] == 1
    assert smart["saved"] == 1
    assert "’" not in smart["suggested"]
    code, out, _ = run(capsys, "segments", text)
    assert "UCS-2" in out
    assert "smart encoding" in out


def test_segments_empty_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "segments", "")
    assert code == EXIT_OK
    assert data["segments"] == 0


# ---------------------------------------------------------------- classify
@pytest.mark.parametrize(
    ("code", "dnd"),
    [("30003", "TEMPORARY"), ("30005", "TEMPORARY"), ("30006", "TEMPORARY"),
     ("30004", "PERMANENT"), ("21610", "PERMANENT"), ("30007", "NONE"), ("30008", "NONE")],
)  # fmt: skip
def test_classify_dnd_actions(capsys: pytest.CaptureFixture[str], code: str, dnd: str) -> None:
    rc, data = run_json(capsys, "classify", code)
    assert rc == EXIT_OK
    assert data["code"] == int(code)
    assert data["known"] is True
    assert data["dnd_action"] == dnd


def test_classify_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "classify", "30007")
    assert rc == EXIT_OK
    assert "filtered" in out.lower()
    assert "do-not-disturb: NONE" in out


def test_classify_unknown_code(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data = run_json(capsys, "classify", "12345")
    assert rc == EXIT_OK
    assert data["known"] is False
    assert data["dnd_action"] == "NONE"


def test_classify_tollfree(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data = run_json(capsys, "classify", "30445", "--tollfree")
    assert rc == EXIT_OK
    assert data["known"] is True
    assert data["resubmittable"] is True
    assert data["correction"]
    rc, out, _ = run(capsys, "classify", "30445", "--tollfree")
    assert "resubmittable: yes" in out


@pytest.mark.parametrize("bad", ["abc", "-5", "3.5", "", "1234567890123"])
def test_classify_malformed_code(capsys: pytest.CaptureFixture[str], bad: str) -> None:
    rc, _out, err = run(capsys, "classify", bad)
    assert rc == EXIT_USAGE
    assert "error" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- keyword
@pytest.mark.parametrize(
    ("body", "kind", "certainty"),
    [("STOP", "OPT_OUT", "EXACT"), ("start", "OPT_IN", "EXACT"), ("HELP", "HELP", "EXACT"),
     ("See you at the gym", "NONE", None)],
)  # fmt: skip
def test_keyword(
    capsys: pytest.CaptureFixture[str], body: str, kind: str, certainty: str | None
) -> None:
    rc, data = run_json(capsys, "keyword", body)
    assert rc == EXIT_OK
    assert data["kind"] == kind
    assert data["certainty"] == certainty


def test_keyword_text(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "keyword", "please stop texting me")
    assert rc == EXIT_OK
    assert out.startswith("OPT_OUT")
    rc, out, _ = run(capsys, "keyword", "hello")
    assert out.startswith("NONE")


# ---------------------------------------------------------------- tfv check
def test_tfv_check_clean_request(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "req.json", json.dumps(GOOD_TFV))
    rc, out, _ = run(capsys, "tfv", "check", path)
    assert rc == EXIT_OK
    assert "no findings" in out
    rc, data = run_json(capsys, "tfv", "check", path)
    assert data == {"valid": True, "errors": [], "findings": [], "blocked": False}


def test_tfv_check_blocking_finding(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    req = dict(GOOD_TFV, production_message_sample="Harbor Fitness: book at bit.ly/hf1 STOP to end")
    path = write(tmp_path, "req.json", json.dumps(req))
    rc, data = run_json(capsys, "tfv", "check", path)
    assert rc == EXIT_FINDINGS
    assert data["valid"] is True
    assert data["blocked"] is True
    assert any(f["tfv_code"] == 30449 for f in data["findings"])


def test_tfv_check_validation_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    req = dict(GOOD_TFV, opt_in_type="SMOKE_SIGNALS", notification_email="not-an-email")
    del req["message_volume"]
    path = write(tmp_path, "req.json", json.dumps(req))
    rc, out, _err = run(capsys, "tfv", "check", path)
    assert rc == EXIT_FINDINGS
    assert "opt_in_type:" in out
    assert "notification_email:" in out
    assert "message_volume:" in out
    rc, data = run_json(capsys, "tfv", "check", path)
    assert data["valid"] is False
    assert data["blocked"] is True
    fields = {e["field"] for e in data["errors"]}
    assert {"opt_in_type", "notification_email", "message_volume"} <= fields


def test_tfv_check_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    rc, data = run_json(capsys, "tfv", "check", "-", stdin=json.dumps(GOOD_TFV))
    assert rc == EXIT_OK
    assert data["valid"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), ("", "not valid JSON"),
     ('"text"', "JSON object")],
)  # fmt: skip
def test_tfv_check_bad_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, "req.json", content)
    rc, out, err = run(capsys, "tfv", "check", path)
    assert rc == EXIT_USAGE
    assert message in err
    assert "Traceback" not in err
    rc, out, err = run(capsys, "tfv", "check", path, "--json")
    assert rc == EXIT_USAGE
    assert json.loads(out)["exit_code"] == EXIT_USAGE


def test_tfv_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "tfv", "check", str(tmp_path / "nope.json"))
    assert rc == EXIT_USAGE
    assert "no such file" in err
    rc, _, err = run(capsys, "tfv", "check", str(tmp_path))
    assert rc == EXIT_USAGE


def test_tfv_check_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_bytes(b"\xff\xfe{\x00")
    rc, _, err = run(capsys, "tfv", "check", str(path))
    assert rc == EXIT_USAGE
    assert "UTF-8" in err


def test_tfv_without_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "tfv")
    assert rc == EXIT_USAGE
    assert "tfv check" in err


# ---------------------------------------------------------------- audits
def test_audit_optin_complete_form(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "form.txt", GOOD_FORM)
    rc, data = run_json(capsys, "audit", "optin", path, "--brand", "Harbor Fitness")
    assert rc == EXIT_OK, data
    assert data["audit"] == "optin"
    assert data["blocked"] is False


def test_audit_optin_missing_elements(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "form.txt", "Enter your phone number to get texts.")
    rc, data = run_json(capsys, "audit", "optin", path)
    assert rc == EXIT_FINDINGS
    rules = {f["rule"] for f in data["findings"]}
    assert {"optin.stop", "optin.help", "optin.rates", "optin.frequency"} <= rules
    rc, data = run_json(capsys, "audit", "optin", path, "--single-message")
    rules = {f["rule"] for f in data["findings"]}
    assert "optin.stop" not in rules
    assert "optin.help" not in rules
    rc, data = run_json(capsys, "audit", "optin", "-", "--checkbox-preselected", stdin=GOOD_FORM)
    assert "optin.checkbox" in {f["rule"] for f in data["findings"]}


def test_audit_privacy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = write(tmp_path, "p1.txt", "We may share your mobile number with our partners.")
    rc, out, _ = run(capsys, "audit", "privacy", bad)
    assert rc == EXIT_FINDINGS
    assert "privacy.sharing" in out
    good = write(
        tmp_path,
        "p2.txt",
        "No mobile information will be shared with third parties or affiliates for "
        "marketing or promotional purposes.",
    )
    rc, data = run_json(capsys, "audit", "privacy", good)
    assert rc == EXIT_OK
    assert data["findings"] == []


def test_audit_terms(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "Terms of service. Be nice.")
    rc, data = run_json(capsys, "audit", "terms", path)
    assert rc == EXIT_FINDINGS
    assert {"terms.stop", "terms.help", "terms.carriers"} <= {f["rule"] for f in data["findings"]}


def test_audit_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "audit")[0] == EXIT_USAGE
    assert run(capsys, "audit", "cookies", "x")[0] == EXIT_USAGE
    assert run(capsys, "audit", "terms", str(tmp_path / "missing.txt"))[0] == EXIT_USAGE


# ---------------------------------------------------------------- storage
def test_storage_migrate_print(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "storage", "migrate", "--print")
    assert rc == EXIT_OK
    assert "CREATE TABLE" in out
    rc, data = run_json(capsys, "storage", "migrate", "--print")
    assert data["backend"] == "postgresql"
    assert "CREATE TABLE" in data["sql"]


def test_storage_migrate_needs_print(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "storage", "migrate")
    assert rc == EXIT_USAGE
    assert "--print" in err


def test_storage_migrate_without_the_module(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import a2p_policy.storage as storage_pkg

    monkeypatch.setitem(sys.modules, "a2p_policy.storage.postgres", None)
    monkeypatch.delattr(storage_pkg, "postgres", raising=False)
    rc, _, err = run(capsys, "storage", "migrate", "--print")
    assert rc == EXIT_USAGE
    assert "not available" in err


# ---------------------------------------------------------------- demo
def test_demo_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    rc, data = run_json(
        capsys, "demo", "--days", "3", "--contacts", "700", "--db", str(db), "--quiet"
    )
    assert rc == EXIT_OK
    assert db.is_file()
    assert [d["sent"] for d in data["days"]] == [100, 250, 500]
    assert [d["limit"] for d in data["days"]] == [100, 250, 500]
    assert data["totals"]["sent"] == 850
    assert data["runtime_seconds"] > 0
    assert data["storage"] == f"sqlite:///{db.resolve()}"


def test_demo_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, err = run(
        capsys,
        "demo",
        "--days",
        "2",
        "--contacts",
        "400",
        "--bad-day",
        "2",
        "--db",
        str(tmp_path / "d.db"),
    )
    assert rc == EXIT_OK
    assert "Summary" in out
    assert "SUSPENDED" in out
    assert "runtime" in out
    lines = [ln for ln in out.splitlines() if ln.strip().startswith(("1 ", "2 "))]
    assert len(lines) == 2
    assert "2026-03-02" in lines[0]
    assert err == ""  # no progress bar when stderr is not a terminal


def test_demo_refuses_an_existing_db(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "used.db"
    db.write_bytes(b"")
    rc, _, err = run(capsys, "demo", "--days", "1", "--db", str(db))
    assert rc == EXIT_USAGE
    assert "already exists" in err
    rc, _, err = run(capsys, "demo", "--days", "1", "--db", str(tmp_path / "no" / "x.db"))
    assert rc == EXIT_USAGE
    assert "does not exist" in err


@pytest.mark.parametrize(
    "argv",
    [["--days", "0"], ["--days", "x"], ["--contacts", "5"], ["--bad-day", "-1"],
     ["--seed", "1.5"], ["--frobnicate"]],
)  # fmt: skip
def test_demo_bad_arguments(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    rc, _, err = run(capsys, "demo", *argv)
    assert rc == EXIT_USAGE
    assert "error" in err
    assert "Traceback" not in err


def test_progress_bar() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True, width=10)
    bar(5, 10)
    assert "[#####.....]" in stream.getvalue()
    assert "50%" in stream.getvalue()
    bar(10, 10)
    assert "100%" in stream.getvalue()
    bar.finish()
    assert stream.getvalue().endswith("\r")
    quiet = io.StringIO()
    off = ProgressBar(quiet, enabled=False)
    off(1, 2)
    off.finish()
    assert quiet.getvalue() == ""


# ---------------------------------------------------------------- usage
def test_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys)
    assert rc == EXIT_USAGE
    assert "missing command" in err


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "frobnicate", "--json")
    assert rc == EXIT_USAGE
    assert "invalid choice" in err
    assert json.loads(out)["exit_code"] == EXIT_USAGE


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--help")
    assert rc == EXIT_OK
    assert "demo" in out
    assert "Exit codes" in out
    rc, out, _ = run(capsys, "lint", "--help")
    assert rc == EXIT_OK
    assert "TEXT" in out
    rc, out, _ = run(capsys, "--version")
    assert rc == EXIT_OK
    assert out.startswith("a2p-policy ")


# ---------------------------------------------------------------- fuzz
_WORDS = st.sampled_from(
    ["lint", "segments", "classify", "keyword", "tfv", "check", "audit", "optin", "privacy",
     "terms", "storage", "migrate", "--print", "--json", "--tollfree", "--brand", "-", "--",
     "30007", "--not-initial", "--help", "x"]
)  # fmt: skip


@settings(max_examples=150)
@given(argv=st.lists(st.one_of(_WORDS, st.text(max_size=30)), max_size=5))
def test_fuzz_argv_never_raises(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    if "demo" in argv or "--help" in argv or "-h" in argv:
        return
    code = main(argv, stdout=out, stderr=err, stdin=io.StringIO("{}"))
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_USAGE)
    assert "Traceback" not in err.getvalue()


@settings(max_examples=100)
@given(text=st.text(max_size=400), command=st.sampled_from(["lint", "segments", "keyword"]))
def test_fuzz_text_commands(text: str, command: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    # TEXT "-" means standard input: give it one (pytest's own stdin refuses reads).
    stdin = io.StringIO(text)
    code = main([command, "--json", "--", text], stdout=out, stderr=err, stdin=stdin)
    assert code in (EXIT_OK, EXIT_FINDINGS)
    json.loads(out.getvalue())


@settings(max_examples=100)
@given(
    code=st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12).map(str), st.text(max_size=12)
    )
)
def test_fuzz_classify(code: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = main(["classify", "--json", "--", code], stdout=out, stderr=err)
    assert rc in (EXIT_OK, EXIT_USAGE)
    data = json.loads(out.getvalue())
    if rc == EXIT_OK:
        number = int(code.strip())
        assert data["code"] == (number or None)  # 0 means "no error code"
        assert code.strip().isascii()
    else:
        assert data["exit_code"] == EXIT_USAGE


@settings(max_examples=60)
@given(
    payload=st.one_of(
        st.text(max_size=200),
        st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=5).map(json.dumps),
    )
)
def test_fuzz_tfv_check_stdin(payload: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = main(["tfv", "check", "-", "--json"], stdout=out, stderr=err, stdin=io.StringIO(payload))
    assert rc in (EXIT_FINDINGS, EXIT_USAGE)
    assert json.loads(out.getvalue())
