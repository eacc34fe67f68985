"""Bad input to every public engine method: a library error, never a bare
AttributeError/TypeError/KeyError from inside (API.md "Conventions").

Each call either answers or raises an ``A2PPolicyError`` subclass; a clock
that returns naive datetimes is refused (NaiveDatetimeError) wherever the
engine reads time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.engine._support import ACCOUNT, BRAND, DAYTIME, SENDER, TO, TOLL_FREE, grant, msg

from a2p_policy._clock import ManualClock
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import A2PPolicyError, NaiveDatetimeError
from a2p_policy._messages import MessageKind, OutboundMessage
from a2p_policy._settings import ContentSettings, InboundSettings, LimitsSettings, TollFreeSettings
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.storage.sqlite import SQLiteStorage

junk = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=30),
    st.just(""),
    st.just("   "),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(datetime(2026, 1, 5, 12, 0)),  # naive
    st.just(object()),
)
#: Sometimes valid, sometimes not.
phone_like = st.one_of(junk, st.sampled_from([TO, "(415) 555-0101", TOLL_FREE, "+1", "123"]))


def answers_or_library_error(call: Callable[[], object]) -> None:
    with contextlib.suppress(A2PPolicyError):
        call()


@pytest.fixture(scope="module")
def fengine() -> PolicyEngine:
    engine = PolicyEngine(storage=MemoryStorage(), clock=ManualClock(DAYTIME))
    grant(engine)
    return engine


@settings(max_examples=150)
@given(junk)
def test_check_authorize_bulk_with_junk(fengine: PolicyEngine, value: Any) -> None:
    for method in (fengine.check, fengine.authorize):
        with pytest.raises(A2PPolicyError):
            method(value)
    answers_or_library_error(lambda: fengine.authorize_bulk(value))
    answers_or_library_error(lambda: fengine.authorize_bulk([msg(), value]))


@settings(max_examples=200)
@given(
    account=st.one_of(junk, st.just(ACCOUNT)),
    phone=phone_like,
    status=st.one_of(junk, st.sampled_from(["delivered", "failed", "sent", " Undelivered "])),
    code=st.one_of(junk, st.sampled_from([30003, "30004", 30008, 21610])),
    sid=st.one_of(junk, st.just("SM1")),
)
def test_record_status_with_junk(
    fengine: PolicyEngine, account: Any, phone: Any, status: Any, code: Any, sid: Any
) -> None:
    answers_or_library_error(
        lambda: fengine.record_status(account, phone, status, error_code=code, message_sid=sid)
    )


@settings(max_examples=200)
@given(
    account=st.one_of(junk, st.just(ACCOUNT)),
    phone=phone_like,
    body=st.one_of(junk, st.sampled_from(["STOP", "START", "HELP", "YES"])),
    brand=st.one_of(junk, st.just(BRAND)),
    to=phone_like,
)
def test_handle_inbound_with_junk(
    fengine: PolicyEngine, account: Any, phone: Any, body: Any, brand: Any, to: Any
) -> None:
    answers_or_library_error(
        lambda: fengine.handle_inbound(account, phone, body, brand=brand, to=to)
    )


@settings(max_examples=100)
@given(junk)
def test_brands_and_composer_with_junk(fengine: PolicyEngine, value: Any) -> None:
    answers_or_library_error(lambda: fengine.brands(value))
    answers_or_library_error(lambda: fengine.composer(value))


@settings(max_examples=200)
@given(
    account=st.one_of(junk, st.just(ACCOUNT)),
    sender=phone_like,
    to=phone_like,
    body=st.one_of(junk, st.just("hi")),
    brand=st.one_of(junk, st.just(BRAND)),
    kind=st.one_of(junk, st.sampled_from([MessageKind.BULK, "conversation"])),
    use_case=st.one_of(junk, st.just("MARKETING")),
)
def test_outbound_message_with_junk(
    account: Any, sender: Any, to: Any, body: Any, brand: Any, kind: Any, use_case: Any
) -> None:
    answers_or_library_error(
        lambda: OutboundMessage(
            account, sender, to, body, brand=brand, kind=kind, use_case=use_case
        )
    )


_CONFIG_KWARGS = (
    "storage",
    "clock",
    "schedule",
    "thresholds",
    "min_volume",
    "sender_id_template",
    "opt_out_text",
    "append_policy",
    "linter",
    "quiet_hours",
    "tollfree_numbers",
    "keywords",
    "help_reply",
    "opt_out_reply",
    "opt_in_reply",
    "conversation_ttl",
    "snowshoe",
    "temporary_dnd_expiry",
)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the 0.1 keyword arguments
@settings(max_examples=300)
@given(st.sampled_from(_CONFIG_KWARGS), junk)
def test_constructor_with_junk(name: str, value: Any) -> None:
    answers_or_library_error(lambda: PolicyEngine(**{name: value}))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("clock", "now"),
        ("storage", 42),
        ("storage", "ftp://x"),
        ("schedule", (100, 200)),
        ("min_volume", 0),
        ("sender_id_template", "Thanks"),  # does not name the brand
        ("opt_out_text", "Bye"),  # no opt-out keyword
        ("quiet_hours", "yes"),
        ("conversation_ttl", timedelta(0)),
        ("conversation_ttl", 3600),
        ("tollfree_numbers", {"+18005550100": "XX123"}),
        ("tollfree_numbers", {"not a phone": "HH" + "0" * 32}),
        ("help_reply", 5),
        ("keywords", {"opt_out": ["ALTO"]}),
        ("tollfree", object()),  # not a TollFreeVerificationClient
        ("tollfree_numbers", ["+18005550100"]),
    ],
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the 0.1 keyword arguments
def test_constructor_refuses_bad_configuration(name: str, value: object) -> None:
    with pytest.raises(A2PPolicyError):
        PolicyEngine(**{name: value})  # type: ignore[arg-type]


_SETTINGS_FIELDS: list[tuple[type, str]] = [
    (LimitsSettings, "schedule"),
    (LimitsSettings, "thresholds"),
    (LimitsSettings, "min_volume"),
    (LimitsSettings, "quiet_hours"),
    (LimitsSettings, "ramp_short_codes"),
    (LimitsSettings, "temporary_dnd_expiry"),
    (ContentSettings, "sender_id_template"),
    (ContentSettings, "opt_out_text"),
    (ContentSettings, "append_policy"),
    (ContentSettings, "linter"),
    (ContentSettings, "snowshoe"),
    (ContentSettings, "conversation_ttl"),
    (InboundSettings, "keywords"),
    (InboundSettings, "help_reply"),
    (InboundSettings, "opt_out_reply"),
    (InboundSettings, "opt_in_reply"),
    (TollFreeSettings, "numbers"),
]


@settings(max_examples=300)
@given(st.sampled_from(_SETTINGS_FIELDS), junk)
def test_settings_with_junk(field: tuple[type, str], value: Any) -> None:
    kind, name = field
    answers_or_library_error(lambda: PolicyEngine(**_group(kind(**{name: value}))))


def _group(settings_value: object) -> dict[str, Any]:
    names = {
        LimitsSettings: "limits",
        ContentSettings: "content",
        InboundSettings: "inbound",
        TollFreeSettings: "tollfree",
    }
    return {names[type(settings_value)]: settings_value}


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        (LimitsSettings, "schedule", (100, 200)),
        (LimitsSettings, "min_volume", -1),
        (LimitsSettings, "quiet_hours", "yes"),
        (ContentSettings, "sender_id_template", "Thanks"),
        (ContentSettings, "opt_out_text", "Bye"),
        (ContentSettings, "conversation_ttl", timedelta(0)),
        (InboundSettings, "help_reply", 5),
        (TollFreeSettings, "numbers", {"+18005550100": "XX123"}),
        (TollFreeSettings, "numbers", {"not a phone": "HH" + "0" * 32}),
    ],
)
def test_settings_refuse_bad_values(kind: type, name: str, value: object) -> None:
    with pytest.raises(A2PPolicyError):
        kind(**{name: value})


def test_old_keyword_arguments_warn_and_still_work() -> None:
    with pytest.warns(DeprecationWarning, match=r"limits=LimitsSettings\(quiet_hours=...\)"):
        engine = PolicyEngine(quiet_hours=False)
    assert engine.quiet_hours is None
    with (
        pytest.warns(DeprecationWarning, match="quiet_hours"),
        pytest.raises(A2PPolicyError, match="not both"),
    ):
        PolicyEngine(limits=LimitsSettings(), quiet_hours=False)
    with pytest.raises(A2PPolicyError, match="unexpected keyword"):
        PolicyEngine(quiet_hour=False)


class NaiveClock:
    """A clock that breaks the contract: naive datetimes."""

    def now(self) -> datetime:
        return datetime(2026, 1, 5, 18, 0)


def test_manual_clock_refuses_naive_start() -> None:
    with pytest.raises(NaiveDatetimeError):
        ManualClock(datetime(2026, 1, 5, 18, 0))


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.check(msg()),
        lambda e: e.authorize(msg()),
        lambda e: e.authorize_bulk([msg(), msg(to="+14155550101")]),
        lambda e: e.record_status(ACCOUNT, TO, "delivered"),
        lambda e: e.record_status(ACCOUNT, TO, "failed", 30004),
        lambda e: e.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND),
        lambda e: e.handle_inbound(ACCOUNT, TO, "START", brand=BRAND),
    ],
    ids=["check", "authorize", "bulk", "delivered", "failed", "stop", "start"],
)
def test_naive_clock_is_refused(call: Callable[[PolicyEngine], object]) -> None:
    store = MemoryStorage()
    good = PolicyEngine(storage=store, clock=ManualClock(datetime(2026, 1, 5, 18, tzinfo=UTC)))
    grant(good)
    try:
        engine = PolicyEngine(storage=store, clock=NaiveClock())
    except A2PPolicyError:
        return  # refused at construction: fine too
    with pytest.raises(NaiveDatetimeError):
        call(engine)


def test_closed_storage_is_a_library_error(tmp_path: Path) -> None:
    store = SQLiteStorage(tmp_path / "closed.db")
    engine = PolicyEngine(storage=store, clock=ManualClock(DAYTIME))
    grant(engine)
    store.close()
    for call in (
        lambda: engine.check(msg()),
        lambda: engine.authorize(msg()),
        lambda: engine.authorize_bulk([msg()]),
        lambda: engine.record_status(ACCOUNT, TO, "delivered"),
        lambda: engine.handle_inbound(ACCOUNT, TO, "STOP"),
    ):
        with pytest.raises(A2PPolicyError):
            call()


def test_sender_is_any_format(fengine: PolicyEngine) -> None:
    m = OutboundMessage(ACCOUNT, "(415) 555-0199", "415.555.0100", "hi", brand=BRAND)
    assert (m.sender, m.to) == (SENDER, TO)
