"""Sender types in the engine (issue 20): long codes, toll-free numbers and
short codes; validation of OutboundMessage at construction.

Per type (docs/senders.md): toll-free verification only for TOLL_FREE; the
ramp-up for LONG_CODE and TOLL_FREE, for SHORT_CODE only with
``ramp_short_codes=True``; opt-out handling and consent for all.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._storage_params import BackendFactory, open_backend, storage_params
from tests.engine._support import ACCOUNT, BRAND, SENDER, TO, TOLL_FREE, grant, msg, phone

from a2p_policy import SenderType, sender_type
from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    InvalidPhoneNumber,
)
from a2p_policy._keywords import KeywordKind
from a2p_policy._limits.ramp import RampSchedule
from a2p_policy._settings import LimitsSettings, TollFreeSettings
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._usecases import UseCase
from a2p_policy._validation import (
    CA_PROVINCE_CODES,
    MAX_ACCOUNT_LENGTH,
    STATE_CODES,
    US_STATE_CODES,
    InvalidField,
    field_of,
)
from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage

SHORT_CODE = "12345"
SHORT_CODE_6 = "654321"


@pytest.fixture(params=storage_params())
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as storage:
        yield storage


# ------------------------------------------------------------ construction


def test_sender_types_in_messages() -> None:
    assert msg(sender=SHORT_CODE).sender == SHORT_CODE
    assert msg(sender=f" {SHORT_CODE_6} ").sender == SHORT_CODE_6
    assert msg(sender=SHORT_CODE).sender_type is SenderType.SHORT_CODE
    assert msg(sender=TOLL_FREE).sender_type is SenderType.TOLL_FREE
    assert msg(sender="(415) 555-0199").sender == SENDER
    assert msg(sender=SENDER).sender_type is SenderType.LONG_CODE


@pytest.mark.parametrize("sender", ["1234", "1234567", "12345x", "+12345", "", "12 345"])
def test_bad_senders_are_refused(sender: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as info:
        msg(sender=sender)
    assert field_of(info.value) == "sender"


def test_recipient_is_never_a_short_code() -> None:
    with pytest.raises(InvalidPhoneNumber) as info:
        msg(to=SHORT_CODE)
    assert field_of(info.value) == "to"


@pytest.mark.parametrize("body", ["", " ", "\n\t ", "\u3000"])
def test_empty_body_is_refused_at_construction(body: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        msg(body)
    assert field_of(info.value) == "body"


@pytest.mark.parametrize("state", ["ZZ", "XX", "Florida", "", "F", "CAN", "US"])
def test_unknown_state_is_refused_at_construction(state: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        msg(state=state)
    assert field_of(info.value) == "state"


@pytest.mark.parametrize("state", [5, ["FL"], b"FL", True])
def test_non_str_state_is_refused(state: object) -> None:
    with pytest.raises(InvalidField):
        msg(state=state)  # type: ignore[arg-type]


@pytest.mark.parametrize("state", sorted(STATE_CODES))
def test_every_state_territory_and_province_is_accepted(state: str) -> None:
    assert msg(state=state.lower()).state == state
    assert msg(state=f" {state} ").state == state


def test_state_sets() -> None:
    assert {"DC", "PR", "GU", "VI", "AS", "MP"} <= US_STATE_CODES
    assert len(US_STATE_CODES) == 56
    provinces = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
    assert frozenset(provinces) == CA_PROVINCE_CODES
    assert not US_STATE_CODES & CA_PROVINCE_CODES


@pytest.mark.parametrize(
    "account",
    ["", "   ", "a" * (MAX_ACCOUNT_LENGTH + 1), "acct\x00", "ac\nct", 5, None],
)
def test_bad_account_is_refused_at_construction(account: object) -> None:
    with pytest.raises(InvalidArgument) as info:
        msg(account=account)  # type: ignore[arg-type]
    assert field_of(info.value) == "account"


def test_longest_account_is_accepted_everywhere(engine: PolicyEngine) -> None:
    account = "a" * MAX_ACCOUNT_LENGTH
    m = msg(account=account)
    grant(engine, account=account)
    assert engine.authorize(m).allowed
    engine.record_status(account, TO, "delivered")
    engine.handle_inbound(account, TO, "hello")


def test_every_component_shares_the_account_rule(engine: PolicyEngine) -> None:
    too_long = "a" * (MAX_ACCOUNT_LENGTH + 1)
    calls: list[Callable[[], object]] = [
        lambda: engine.record_status(too_long, TO, "delivered"),
        lambda: engine.handle_inbound(too_long, TO, "STOP"),
        lambda: engine.brands(too_long),
        lambda: engine.ramp.reserve(too_long, 1),
        lambda: engine.monitor.status(too_long),
        lambda: engine.record_status("a\x00b", TO, "delivered"),
    ]
    for call in calls:
        with pytest.raises(InvalidArgument):
            call()


def test_field_errors_pickle() -> None:
    with pytest.raises(A2PPolicyError) as info:
        msg(state="ZZ")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is type(info.value)
    assert field_of(again) == "state"
    assert str(again) == str(info.value)
    with pytest.raises(InvalidPhoneNumber) as phone_info:
        msg(to="12065550100x")
    again = pickle.loads(pickle.dumps(phone_info.value))
    assert field_of(again) == "to"


@settings(max_examples=200)
@given(
    state=st.one_of(st.none(), st.text(max_size=4)),
    body=st.text(max_size=8),
    account=st.text(max_size=3),
)
def test_construction_refuses_exactly_what_the_validators_refuse(
    state: str | None, body: str, account: str
) -> None:
    ok_state = state is None or state.strip().upper() in STATE_CODES
    ok_body = bool(body.strip())
    ok_account = bool(account.strip()) and not any(
        ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in account
    )
    if ok_state and ok_body and ok_account:
        m = msg(body, state=state, account=account)
        assert m.state is None or m.state in STATE_CODES
        return
    with pytest.raises(InvalidField) as info:
        msg(body, state=state, account=account)
    assert info.value.field in {"state", "body", "account"}


# ------------------------------------------------------------ decisions


def test_canadian_province_gets_no_us_pack(engine: PolicyEngine, day_clock: ManualClock) -> None:
    # A Miami number (FL pack by area code) whose contact lives in Ontario:
    # the province replaces the area code's state; no pack for ON, the
    # federal window still holds.
    miami = "+13055550123"
    grant(engine, miami, scopes=[UseCase.MARKETING], express=True)
    from datetime import UTC, datetime

    # 20:30 in Miami (Eastern): outside FL's 8-20 window, inside 8-21.
    day_clock.set(datetime(2026, 1, 6, 1, 30, tzinfo=UTC))
    fl = engine.check(msg(to=miami, use_case=UseCase.MARKETING))
    on = engine.check(msg(to=miami, use_case=UseCase.MARKETING, state="on"))
    assert fl.codes == ("quiet_hours",)
    assert on.allowed
    # 21:30: outside the federal window for everyone
    day_clock.set(datetime(2026, 1, 6, 2, 30, tzinfo=UTC))
    assert engine.check(msg(to=miami, use_case=UseCase.MARKETING, state="ON")).codes == (
        "quiet_hours",
    )


def test_short_code_decision(engine: PolicyEngine) -> None:
    m = msg(sender=SHORT_CODE)
    assert engine.check(m).codes == ("consent.missing",)
    grant(engine)
    d = engine.authorize(m)
    assert d.allowed
    assert d.initial
    assert not engine.authorize(m).initial  # the conversation is per sender
    assert engine.authorize(msg(sender=SENDER)).initial


def test_short_codes_skip_the_ramp_by_default(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        limits=LimitsSettings(schedule=RampSchedule(daily_limits=(3,))),
    )
    grant(engine)
    assert sum(engine.authorize(msg(sender=SENDER)).allowed for _ in range(5)) == 3
    # the long-code quota is used up; short-code sends are not ramped
    assert all(engine.authorize(msg(sender=SHORT_CODE)).allowed for _ in range(10))
    assert engine.check(msg(sender=SENDER)).codes == ("limit.daily",)
    bulk = engine.authorize_bulk([msg(sender=SHORT_CODE), msg(sender=TOLL_FREE), msg()])
    assert [d.allowed for d in bulk.decisions] == [True, False, False]
    assert bulk.decisions[1].codes == ("limit.daily",)


def test_short_code_ramp_when_configured(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        limits=LimitsSettings(schedule=RampSchedule(daily_limits=(3,)), ramp_short_codes=True),
    )
    grant(engine)
    assert sum(engine.authorize(msg(sender=SHORT_CODE)).allowed for _ in range(5)) == 3
    assert engine.check(msg(sender=SHORT_CODE)).codes == ("limit.daily",)


def test_ramp_short_codes_must_be_a_bool(store: MemoryStorage) -> None:
    with pytest.raises(ConfigurationError):
        PolicyEngine(storage=store, limits=LimitsSettings(ramp_short_codes="yes"))  # type: ignore[arg-type]


def test_short_code_refusals_still_apply(engine: PolicyEngine) -> None:
    engine.dnd.set(ACCOUNT, TO, DndKind.PERMANENT)
    assert engine.check(msg(sender=SHORT_CODE)).codes == ("dnd.permanent", "consent.missing")
    assert engine.check(msg(sender=SHORT_CODE, to=phone(7))).codes == ("consent.missing",)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    senders=st.lists(st.sampled_from([SENDER, TOLL_FREE, SHORT_CODE, SHORT_CODE_6]), max_size=12),
    limit=st.integers(1, 5),
    ramp_short=st.booleans(),
)
def test_ramp_counts_exactly_the_ramped_senders(
    senders: list[str], limit: int, ramp_short: bool
) -> None:
    from tests.engine._support import DAYTIME

    engine = PolicyEngine(
        storage=MemoryStorage(),
        clock=ManualClock(DAYTIME),
        limits=LimitsSettings(
            schedule=RampSchedule(daily_limits=(limit,)), ramp_short_codes=ramp_short
        ),
    )
    grant(engine)
    ramped_allowed = 0
    for s in senders:
        d = engine.authorize(msg(sender=s))
        ramped = ramp_short or sender_type(s) is not SenderType.SHORT_CODE
        if ramped:
            ramped_allowed += d.allowed
        else:
            assert d.allowed
    assert ramped_allowed == min(limit, sum(
        1 for s in senders if ramp_short or sender_type(s) is not SenderType.SHORT_CODE
    ))  # fmt: skip
    assert engine.ramp.remaining(ACCOUNT) == limit - ramped_allowed


def test_tollfree_verification_only_for_toll_free(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    transport = InMemoryTollFreeTransport(clock=day_clock)
    client = TollFreeVerificationClient(transport, clock=day_clock)
    engine = PolicyEngine(
        storage=store, clock=day_clock, tollfree=TollFreeSettings(client=client, numbers={})
    )
    grant(engine)
    assert engine.check(msg(sender=TOLL_FREE)).codes == ("sender.unverified",)
    assert engine.check(msg(sender=SHORT_CODE)).allowed
    assert engine.check(msg(sender=SENDER)).allowed


# ------------------------------------------------------------ every backend


def test_short_code_stop_status_and_decision_on_every_backend(
    backend: Storage, day_clock: ManualClock
) -> None:
    engine = PolicyEngine(storage=backend, clock=day_clock)
    grant(engine)
    assert engine.authorize(msg(sender=SHORT_CODE)).allowed
    status = engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM" + "1" * 32)
    assert status.counted
    again = engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM" + "1" * 32)
    assert again.duplicate
    result = engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=SHORT_CODE)
    assert result.kind is KeywordKind.OPT_OUT
    assert result.honored
    assert result.reply is not None  # a short code sends its own confirmation
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    d = engine.authorize(msg(sender=SHORT_CODE))
    assert not d.allowed
    assert "dnd.permanent" in d.codes
    start = engine.handle_inbound(ACCOUNT, TO, "START", brand=BRAND, to=SHORT_CODE_6)
    assert start.honored
    assert engine.authorize(msg(sender=SHORT_CODE)).allowed


@pytest.mark.parametrize("to", ["1234", "12345x", "+1*4155550123", "\x0012345"])
def test_handle_inbound_refuses_bad_own_numbers(engine: PolicyEngine, to: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        engine.handle_inbound(ACCOUNT, TO, "STOP", to=to)
    assert engine.dnd.get(ACCOUNT, TO) is None


@pytest.mark.parametrize("sid", ["   ", "S", "SM;--", "SM\x00", "SM 1", "x" * 65])
def test_record_status_shares_the_sid_rule(engine: PolicyEngine, sid: str) -> None:
    with pytest.raises(InvalidField) as info:
        engine.record_status(ACCOUNT, TO, "delivered", message_sid=sid)
    assert info.value.field == "message_sid"
    assert engine.monitor.peek(ACCOUNT).outcomes == 0


def test_record_status_strips_the_sid(engine: PolicyEngine) -> None:
    assert engine.record_status(ACCOUNT, TO, "delivered", message_sid=" SM1 ").counted
    assert engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM1").duplicate
