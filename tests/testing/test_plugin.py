"""The pytest plugin, run the way a downstream project runs it (pytester),
and the helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from importlib.metadata import entry_points

import pytest

from a2p_policy import (
    ConsentError,
    InvalidArgument,
    InvalidPhoneNumber,
    ManualClock,
    OutboundMessage,
    PolicyEngine,
    Severity,
    TollFreeVerificationClient,
    TrafficState,
    UseCase,
    parse_inbound_message,
    parse_status_callback,
    verify_twilio_signature,
)
from a2p_policy._errors import MissingAccount
from a2p_policy._settings import TollFreeSettings
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.precheck import precheck
from a2p_policy._usecases import OptInMethod
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.testing import (
    TEST_AUTH_TOKEN,
    approve_tollfree,
    example_tollfree_request,
    grant_consent,
    inbound_form,
    sign_twilio_request,
    status_form,
)


def _plugin_args() -> list[str]:
    """Load the plugin by hand only while its entry point is not installed
    (loading it twice is an error)."""
    installed = any(ep.name == "a2p_policy" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "a2p_policy.testing.plugin"]


DOWNSTREAM = """
from datetime import timedelta

import pytest
from hypothesis import given, settings

from a2p_policy import ManualClock, MemoryStorage, OutboundMessage, PolicyEngine
from a2p_policy.testing import grant_consent, inbound_bodies, phone_numbers
from a2p_policy._keywords import KeywordKind


def test_clock(a2p_clock):
    assert isinstance(a2p_clock, ManualClock)
    assert a2p_clock.now().isoformat() == "2026-01-05T12:00:00+00:00"
    a2p_clock.advance(timedelta(days=1))
    assert a2p_clock.now().day == 6


def test_storage_is_memory_and_fresh(a2p_storage):
    assert isinstance(a2p_storage, MemoryStorage)
    assert a2p_storage.get("k") is None
    a2p_storage.put("k", "v")


def test_storage_is_fresh_again(a2p_storage):
    assert a2p_storage.get("k") is None


def test_engine_uses_the_fixtures(a2p_engine, a2p_storage, a2p_clock):
    assert isinstance(a2p_engine, PolicyEngine)
    assert a2p_engine.storage is a2p_storage and a2p_engine.clock is a2p_clock
    msg = OutboundMessage("acct", "+14155550100", "+14155550123", "Your order shipped.",
                          brand="Owl")
    assert a2p_engine.authorize(msg).codes == ("consent.missing",)
    grant_consent(a2p_engine, "+14155550123", "Owl", account="acct")
    assert a2p_engine.authorize(msg).allowed
    assert a2p_engine.handle_inbound("acct", "+14155550123", "STOP").reply
    assert a2p_engine.authorize(msg).codes[0] == "dnd.permanent"


def test_tollfree(tollfree_fake, tollfree_client):
    from a2p_policy.testing import approve_tollfree
    verification = approve_tollfree(tollfree_client, tollfree_fake, "+18005550199")
    assert verification.traffic.name == "VERIFIED"


@settings(max_examples=5)
@given(phone=phone_numbers(), body=inbound_bodies(KeywordKind.OPT_OUT))
def test_factory_gives_a_fresh_engine_per_example(a2p_engine_factory, phone, body):
    engine = a2p_engine_factory()
    assert engine.brands("acct") == []
    result = engine.handle_inbound("acct", phone, body)
    assert result.honored
"""


def test_downstream_project_uses_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_engine_options_fixture_configures_the_engine(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

from a2p_policy import InboundSettings, LimitsSettings

@pytest.fixture
def a2p_engine_options():
    return {
        "inbound": InboundSettings(help_reply="Owl help: call 555-0100"),
        "limits": LimitsSettings(quiet_hours=False),
    }
"""
    )
    pytester.makepyfile(
        """
def test_help(a2p_engine):
    assert a2p_engine.quiet_hours is None
    reply = a2p_engine.handle_inbound("acct", "+14155550123", "HELP").reply
    assert reply == "Owl help: call 555-0100"

def test_factory_takes_options(a2p_engine_factory):
    assert a2p_engine_factory().quiet_hours is not None
    assert a2p_engine_factory(quiet_hours=False).quiet_hours is None
"""
    )
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_storage_option_with_tmp_path(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_one(a2p_storage, tmp_path):
    assert type(a2p_storage).__name__ == "SQLiteStorage"
    assert a2p_storage.get("k") is None
    a2p_storage.put("k", "v")
    assert (tmp_path / "a2p.db").exists()

def test_two(a2p_storage):
    assert a2p_storage.get("k") is None
"""
    )
    result = pytester.runpytest(
        *_plugin_args(), "-p", "no:cacheprovider", "--a2p-storage", "sqlite:///{tmp_path}/a2p.db"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["a2p_policy: a2p_storage = sqlite:///{tmp_path}/a2p.db"])


def test_storage_ini_option_and_shared_file(pytester: pytest.Pytester) -> None:
    db = (pytester.path / "shared.db").as_posix()
    pytester.makeini(f"[pytest]\na2p_storage = sqlite:///{db}\n")
    pytester.makepyfile(
        """
def test_one(a2p_storage):
    a2p_storage.put("k", "v")

def test_two(a2p_storage):
    assert a2p_storage.get("k") == "v"
"""
    )
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_unknown_storage_scheme_errors_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one(a2p_storage):\n    pass\n")
    result = pytester.runpytest(
        *_plugin_args(), "-p", "no:cacheprovider", "--a2p-storage", "nosuch://x"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown storage scheme*"])


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider", "--fixtures")
    for name in (
        "a2p_clock",
        "a2p_storage",
        "a2p_engine",
        "a2p_engine_factory",
        "tollfree_fake",
        "tollfree_client",
    ):
        result.stdout.fnmatch_lines([f"{name}*"])


def _run(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def test_plugin_loads_without_hypothesis() -> None:
    _run(
        "import sys; sys.modules['hypothesis'] = None\n"
        "import a2p_policy.testing.plugin, a2p_policy.testing\n"
        "from a2p_policy.testing import grant_consent\n"
        "try:\n    from a2p_policy.testing import phone_numbers\n"
        "except ImportError:\n    pass\n"
        "else:\n    raise SystemExit('strategies imported without hypothesis')\n"
    )


def test_library_and_plugin_imports_are_light() -> None:
    """Importing the library loads neither flask nor the test kit; importing
    the plugin then loads neither hypothesis nor the strategies (one
    interpreter, the two steps in order)."""
    _run(
        "import sys\nimport a2p_policy\n"
        "assert 'flask' not in sys.modules\n"
        "assert 'a2p_policy.testing' not in sys.modules\n"
        "import a2p_policy.testing.plugin\n"
        "assert 'hypothesis' not in sys.modules\n"
        "assert 'a2p_policy.testing.strategies' not in sys.modules\n"
        "assert 'flask' not in sys.modules\n"
    )


# ----------------------------------------------------------------- helpers


@pytest.fixture
def engine(clock: ManualClock, memory_storage: MemoryStorage) -> PolicyEngine:
    return PolicyEngine(storage=memory_storage, clock=clock)


def test_grant_consent_defaults(engine: PolicyEngine, clock: ManualClock) -> None:
    record = grant_consent(engine, "(415) 555-0123", "Owl", account="acct")
    assert record.phone == "+14155550123"
    assert record.scopes == frozenset(UseCase)
    assert record.captured_at == clock.now()
    assert record.keyword == "START"
    assert engine.consent.is_granted("+14155550123", "Owl", UseCase.MARKETING, account="acct")


def test_grant_consent_options(engine: PolicyEngine) -> None:
    record = grant_consent(
        engine,
        "+14155550123",
        "Owl",
        account="acct",
        scopes=UseCase.ACCOUNT_NOTIFICATIONS,
        method=OptInMethod.WEB_FORM,
        express=False,
        email="a@example.com",
    )
    assert record.source_url
    assert record.email == "a@example.com"
    assert not engine.consent.is_granted("+14155550123", "Owl", UseCase.MARKETING, account="acct")
    msg = OutboundMessage("acct", "+14155550100", "+14155550123", "Hi", brand="Owl")
    assert engine.check(msg).allowed


def test_grant_consent_refuses_bad_input(engine: PolicyEngine) -> None:
    with pytest.raises(InvalidArgument):
        grant_consent("engine", "+14155550123", "Owl")  # type: ignore[arg-type]
    with pytest.raises(ConsentError):
        grant_consent(
            engine, "+14155550123", "Owl", account="acct", scopes=[UseCase.MARKETING], express=False
        )
    with pytest.raises(MissingAccount, match="account"):
        grant_consent(engine, "+14155550123", "Owl")  # the engine keys consent by account
    with pytest.raises(ValueError, match="phone"):
        grant_consent(engine, "not a phone", "Owl", account="acct")
    with pytest.raises(ValueError, match="naive"):
        grant_consent(
            engine, "+14155550123", "Owl", account="acct", captured_at=datetime(2025, 1, 1)
        )


def test_example_tollfree_request_is_clean() -> None:
    request = example_tollfree_request()
    assert not [f for f in precheck(request) if f.severity is Severity.BLOCK]
    assert example_tollfree_request().tollfree_phone_number_sid != request.tollfree_phone_number_sid
    changed = example_tollfree_request(business_type="SOLE_PROPRIETOR", help_message_sample=None)
    assert changed.business_type == "SOLE_PROPRIETOR"
    assert changed.help_message_sample is None


def test_approve_tollfree_makes_a_verified_sender(
    clock: ManualClock, memory_storage: MemoryStorage
) -> None:
    fake = InMemoryTollFreeTransport(storage=memory_storage, clock=clock)
    client = TollFreeVerificationClient(fake, clock=clock, storage=memory_storage)
    verification = approve_tollfree(client, fake, "(800) 555-0199")
    assert verification.traffic is TrafficState.VERIFIED
    engine = PolicyEngine(
        storage=memory_storage,
        clock=clock,
        tollfree=TollFreeSettings(client=client, numbers={"+18005550199": verification.sid}),
    )
    grant_consent(engine, "+14155550123", "Maple Dental", account="acct")
    msg = OutboundMessage("acct", "+18005550199", "+14155550123", "Hi", brand="Maple Dental")
    assert engine.check(msg).allowed
    unverified = OutboundMessage("acct", "+18885550199", "+14155550123", "Hi", brand="Maple Dental")
    assert "sender.unverified" in engine.check(unverified).codes
    second = approve_tollfree(
        client,
        fake,
        "+18885550199",
        example_tollfree_request(tollfree_phone_number_sid="PN" + "d" * 32),
    )
    assert second.traffic is TrafficState.VERIFIED


def test_approve_tollfree_refuses_bad_input(
    clock: ManualClock, memory_storage: MemoryStorage
) -> None:
    fake = InMemoryTollFreeTransport(storage=memory_storage, clock=clock)
    client = TollFreeVerificationClient(fake, clock=clock)
    with pytest.raises(InvalidArgument):
        approve_tollfree(fake, fake, "+18005550199")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        approve_tollfree(client, client, "+18005550199")  # type: ignore[arg-type]
    with pytest.raises(InvalidPhoneNumber):
        approve_tollfree(client, fake, "nope")


def test_signed_forms_verify_and_parse() -> None:
    url = "https://sms.example.com/sms/inbound?tenant=7"
    form = inbound_form("+14155550123", "+18005550199", "STOP", opt_out_type="STOP")
    signature = sign_twilio_request(url, form)
    assert verify_twilio_signature(url, form, signature, TEST_AUTH_TOKEN)
    assert not verify_twilio_signature(url, form, signature, "other-token")
    assert not verify_twilio_signature(url + "8", form, signature, TEST_AUTH_TOKEN)
    parsed = parse_inbound_message(form)
    assert parsed.body == "STOP"
    assert parsed.opt_out_type is not None
    status = status_form(
        "SM" + "1" * 32, "undelivered", to="+14155550123", from_="+18005550199", error_code=30003
    )
    callback = parse_status_callback(status)
    assert callback.error_code == 30003
    assert callback.message_sid == "SM" + "1" * 32
    sha256 = sign_twilio_request(url, form, algorithm="HMAC_SHA256")
    assert sha256 != signature
    assert verify_twilio_signature(
        url, form, sha256, TEST_AUTH_TOKEN, signature_settings="algorithm=HMAC_SHA256"
    )
    assert not verify_twilio_signature(url, form, sha256, TEST_AUTH_TOKEN)


def test_sign_twilio_request_refuses_bad_input() -> None:
    with pytest.raises(InvalidArgument):
        sign_twilio_request("", {})
    with pytest.raises(InvalidArgument):
        sign_twilio_request("https://x.example.com", {}, "")
    with pytest.raises(InvalidArgument):
        sign_twilio_request("https://x.example.com", "a=b")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        sign_twilio_request("https://x.example.com", {}, algorithm="MD5")
