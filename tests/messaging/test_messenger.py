"""The Messenger on memory and SQLite: send, defer, refusals, status
callbacks, inbound webhooks, bulk."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.messaging._support import (
    ACCOUNT,
    BRAND,
    NIGHT,
    SENDER,
    TO,
    TO2,
    counted_sent,
    grant,
    msg,
    phone,
    used,
)

from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import ConfigurationError, InvalidArgument
from a2p_policy._keywords import KeywordKind
from a2p_policy._messages import Decision, InboundResult, OutboundMessage
from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendState
from a2p_policy._usecases import UseCase
from a2p_policy.storage.base import Storage


def test_send_goes_out_with_the_composed_body(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    result = messenger.send(msg())
    assert result.sent
    assert result.state == SendState.SENT
    assert not result.duplicate
    assert result.decision is not None
    assert result.decision.allowed
    (out,) = transport.sent
    assert out.sid == result.sid
    assert out.body == result.body == result.decision.body
    assert out.body != "Your order shipped"  # identification and opt-out language added
    assert (out.to, out.sender, out.status_callback) == (TO, SENDER, "https://app.example/status")
    assert (used(engine), counted_sent(engine)) == (1, 1)


def test_denied_sends_nothing_and_reserves_nothing(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    result = messenger.send(msg())  # no consent
    assert not result.sent
    assert result.state == SendState.DENIED
    assert result.retry_at is None
    assert result.decision is not None
    assert "consent.missing" in result.decision.codes
    assert transport.sent == []
    assert transport.attempts == 0
    assert used(engine) == 0


def test_quiet_hours_defer_with_retry_at(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, clock: ManualClock
) -> None:
    deferred: list[tuple[OutboundMessage, datetime]] = []
    messenger = Messenger(engine, transport, defer=lambda m, at: deferred.append((m, at)))
    grant(engine, scopes=(UseCase.MARKETING,), express=True)
    clock.set(NIGHT)
    m = msg("Sale today", use_case=UseCase.MARKETING)
    result = messenger.send(m)
    assert result.state == SendState.DEFERRED
    assert result.deferred
    assert result.retry_at is not None
    assert result.retry_at > NIGHT
    assert deferred == [(m, result.retry_at)]
    assert transport.sent == []
    assert used(engine) == 0
    clock.set(result.retry_at)
    assert messenger.send(m).sent


def test_daily_limit_defers_to_the_reset(
    engine: PolicyEngine, transport: InMemoryMessagingTransport
) -> None:
    deferred: list[datetime] = []
    messenger = Messenger(engine, transport, defer=lambda m, at: deferred.append(at))
    engine.ramp.set_override(ACCOUNT, 1)
    grant(engine)
    grant(engine, TO2)
    assert messenger.send(msg()).sent
    second = messenger.send(msg(to=TO2))
    assert second.state == SendState.DEFERRED
    assert second.decision is not None
    assert second.decision.codes == ("limit.daily",)
    assert deferred == [second.retry_at]
    assert len(transport.sent) == 1


def test_a_permanent_refusal_is_not_deferred_even_with_a_transient_one(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, clock: ManualClock
) -> None:
    deferred: list[datetime] = []
    messenger = Messenger(engine, transport, defer=lambda m, at: deferred.append(at))
    clock.set(NIGHT)
    result = messenger.send(msg("Sale", use_case=UseCase.MARKETING))  # no consent, and night
    assert result.state == SendState.DENIED
    assert result.retry_at is None
    assert deferred == []


def test_21610_is_a_stop_and_returns_the_quota(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    transport.refuse_next(21610)
    result = messenger.send(msg())
    assert not result.sent
    assert result.state == SendState.REFUSED
    assert result.error is not None
    assert result.error.code == 21610
    assert (used(engine), counted_sent(engine)) == (0, 0)
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.consent.is_granted(TO, BRAND, account=ACCOUNT)
    assert engine.monitor.peek(ACCOUNT).opt_outs == 1
    later = messenger.send(msg())
    assert later.state == SendState.DENIED
    assert later.decision is not None
    assert "dnd.permanent" in later.decision.codes
    assert transport.sent == []


@pytest.mark.parametrize("code", [21211, 21408, 21612, 21614, 30007])
def test_other_refusals_return_the_quota_without_dnd(
    engine: PolicyEngine,
    transport: InMemoryMessagingTransport,
    messenger: Messenger,
    code: int,
) -> None:
    grant(engine)
    transport.refuse_next(code)
    result = messenger.send(msg())
    assert result.state == SendState.REFUSED
    assert result.retry_at is None
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == (code, False)
    assert (used(engine), counted_sent(engine)) == (0, 0)
    assert engine.dnd.get(ACCOUNT, TO) is None
    assert engine.consent.is_granted(TO, BRAND, account=ACCOUNT)


def test_a_refusal_with_a_dnd_code_applies_it(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    transport.refuse_next(30003)  # unreachable handset: temporary DND
    result = messenger.send(msg())
    assert result.state == SendState.RETRY  # 30003 is retryable
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.TEMPORARY
    assert used(engine) == 0


def test_429_backs_off_and_then_sends(
    engine: PolicyEngine,
    transport: InMemoryMessagingTransport,
    messenger: Messenger,
    sleeps: list[float],
) -> None:
    grant(engine)
    transport.refuse_next(429, times=2)
    result = messenger.send(msg())
    assert result.sent
    assert sleeps == [0.5, 1.0]
    assert len(transport.sent) == 1
    assert transport.attempts == 3
    assert used(engine) == 1


@pytest.mark.parametrize(("code", "times"), [(429, 4), (500, 1), (503, 1)])
def test_retryable_refusal_gives_retry_at_and_defers(
    engine: PolicyEngine,
    transport: InMemoryMessagingTransport,
    clock: ManualClock,
    code: int,
    times: int,
) -> None:
    deferred: list[datetime] = []
    messenger = Messenger(
        engine, transport, defer=lambda m, at: deferred.append(at), sleep=lambda s: None
    )
    grant(engine)
    transport.refuse_next(code, times=times)
    result = messenger.send(msg(), idempotency_key="k1")
    assert result.state == SendState.RETRY
    assert not result.sent
    assert result.retry_at == clock.now() + timedelta(seconds=30)
    assert deferred == [result.retry_at]
    assert (used(engine), counted_sent(engine)) == (0, 0)
    # The same key is tried again, and the next retry_at doubles.
    transport.refuse_next(code, times=times)
    again = messenger.send(msg(), idempotency_key="k1")
    assert again.state == SendState.RETRY
    assert not again.duplicate
    assert again.retry_at == clock.now() + timedelta(seconds=60)
    assert messenger.send(msg(), idempotency_key="k1").sent
    assert len(transport.sent) == 1
    assert used(engine) == 1


def test_lost_connection_is_uncertain_and_keeps_the_quota(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    transport.refuse_next(0)
    result = messenger.send(msg(), idempotency_key="k")
    assert result.uncertain
    assert result.state == SendState.UNCERTAIN
    assert not result.sent
    assert used(engine) == 1  # it may have gone out: counted
    again = messenger.send(msg(), idempotency_key="k")
    assert again.duplicate
    assert again.uncertain
    assert transport.attempts == 1
    assert messenger.idempotency_state(ACCOUNT, "k") == SendState.UNCERTAIN


def test_resolve_an_uncertain_key(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    transport.refuse_next(0, times=2)
    messenger.send(msg(), idempotency_key="a")
    messenger.send(msg(to=TO), idempotency_key="b")
    messenger.resolve(ACCOUNT, "a", sid="SM" + "9" * 32)
    assert messenger.idempotency_state(ACCOUNT, "a") == SendState.SENT
    back = messenger.send(msg(), idempotency_key="a")
    assert back.duplicate
    assert back.sent
    assert back.sid == "SM" + "9" * 32
    messenger.resolve(ACCOUNT, "b", sid=None)
    assert messenger.idempotency_state(ACCOUNT, "b") is None
    assert messenger.send(msg(), idempotency_key="b").sent
    with pytest.raises(InvalidArgument):
        messenger.resolve(ACCOUNT, "b", sid=None)  # sent: not uncertain


def test_a_transport_bug_leaves_the_key_uncertain_and_raises(
    engine: PolicyEngine, clock: ManualClock
) -> None:
    class Broken:
        def send(self, **kwargs: object) -> object:
            raise RuntimeError("bug")

    messenger = Messenger(engine, Broken())  # type: ignore[arg-type]
    grant(engine)
    with pytest.raises(RuntimeError):
        messenger.send(msg(), idempotency_key="k")
    assert messenger.idempotency_state(ACCOUNT, "k") == SendState.UNCERTAIN
    assert messenger.send(msg(), idempotency_key="k").duplicate


def test_failed_authorize_releases_the_key(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    original = engine.authorize

    def boom(m: OutboundMessage) -> Decision:
        raise OSError("storage down")

    engine.authorize = boom  # type: ignore[method-assign,assignment]
    with pytest.raises(OSError, match="storage down"):
        messenger.send(msg(), idempotency_key="k")
    assert messenger.idempotency_state(ACCOUNT, "k") is None
    engine.authorize = original  # type: ignore[method-assign]
    assert messenger.send(msg(), idempotency_key="k").sent


# ---------------------------------------------------------------- status callbacks
def test_status_callbacks_find_account_and_phone_and_count_once(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    sid = messenger.send(msg()).sid
    assert sid is not None
    form = transport.deliver(sid)
    assert {"MessageSid", "MessageStatus", "To", "From", "AccountSid"} <= set(form)
    first = messenger.handle_status_callback(form)
    assert first.counted
    assert not first.duplicate
    again = messenger.handle_status_callback(form)
    assert again.duplicate
    assert not again.counted
    status = engine.monitor.peek(ACCOUNT)
    assert status.outcomes == 1
    assert status.errors == 0
    assert engine.ramp.ramp_start(ACCOUNT) is not None


def test_failed_status_sets_dnd(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    sid = messenger.send(msg()).sid
    assert sid is not None
    form = transport.fail(sid, 30004)
    assert form["MessageStatus"] == "undelivered"
    assert form["ErrorCode"] == "30004"
    result = messenger.handle_status_callback(form)
    assert result.counted
    assert result.dnd is DndKind.PERMANENT
    assert engine.monitor.peek(ACCOUNT).errors == 1


def test_21610_in_a_callback_is_an_opt_out(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    sid = messenger.send(msg()).sid
    assert sid is not None
    messenger.handle_status_callback(transport.fail(sid, 21610))
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.consent.is_granted(TO, BRAND, account=ACCOUNT)


def test_unknown_sid_is_ignored_or_attributed(engine: PolicyEngine, messenger: Messenger) -> None:
    form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "undelivered", "To": TO,
            "From": SENDER, "ErrorCode": "30005"}  # fmt: skip
    assert not messenger.handle_status_callback(form).counted
    assert engine.dnd.get(ACCOUNT, TO) is None
    result = messenger.handle_status_callback(form, account=ACCOUNT)
    assert result.counted
    assert result.dnd is DndKind.TEMPORARY
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.TEMPORARY


def test_malformed_callback_is_a_library_error(messenger: Messenger) -> None:
    with pytest.raises(InvalidArgument):
        messenger.handle_status_callback({"MessageSid": "SM1"})


# ---------------------------------------------------------------- inbound
def test_stop_via_webhook_then_send_is_denied(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    assert messenger.send(msg()).sent
    form = transport.inbound(from_=TO, to=SENDER, body="STOP")
    result = messenger.handle_inbound_webhook(form)  # account from the send
    assert result.kind is KeywordKind.OPT_OUT
    assert result.honored
    assert result.reply is not None
    assert BRAND in result.reply
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert messenger.send(msg()).state == SendState.DENIED
    # Twilio retries the webhook: acted on once, no second reply.
    again = messenger.handle_inbound_webhook(form)
    assert again.reply is None
    assert engine.monitor.peek(ACCOUNT).opt_outs == 1
    # START lifts it.
    start = messenger.handle_inbound_webhook(transport.inbound(from_=TO, to=SENDER, body="START"))
    assert start.kind is KeywordKind.OPT_IN
    assert messenger.send(msg()).sent


def test_duplicate_inbound_is_flagged(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    form = transport.inbound(from_=TO, to=SENDER, body="HELP")
    messenger.handle_inbound_webhook(form, account=ACCOUNT)
    assert messenger.handle_inbound_webhook(form, account=ACCOUNT).duplicate


def test_help_reply_and_account_resolution(
    engine: PolicyEngine, transport: InMemoryMessagingTransport
) -> None:
    plain = Messenger(engine, transport)
    form = transport.inbound(from_=TO, to=SENDER, body="HELP")
    with pytest.raises(ConfigurationError):
        plain.handle_inbound_webhook(form)  # no account known: never silently dropped
    result = plain.handle_inbound_webhook(form, account=ACCOUNT, brand=BRAND)
    assert result.kind is KeywordKind.HELP
    assert result.reply is not None
    fallback = Messenger(engine, transport, default_account=ACCOUNT)
    other = transport.inbound(from_=TO2, to=SENDER, body="STOP")
    assert fallback.handle_inbound_webhook(other).honored
    assert engine.dnd.get(ACCOUNT, TO2) is DndKind.PERMANENT


def test_advanced_opt_out_verdict_is_acted_on_silently(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    form = transport.inbound(from_=TO, to=SENDER, body="ALTO")  # not one of our keywords
    form["OptOutType"] = "STOP"
    result = messenger.handle_inbound_webhook(form, account=ACCOUNT, brand=BRAND)
    assert result.kind is KeywordKind.OPT_OUT
    assert result.honored
    assert result.reply is None  # Twilio has sent its own confirmation
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.consent.is_granted(TO, BRAND, account=ACCOUNT)
    start = transport.inbound(from_=TO, to=SENDER, body="UNSTOP")
    start["OptOutType"] = "START"
    assert messenger.handle_inbound_webhook(start, account=ACCOUNT).reply is None
    assert engine.dnd.get(ACCOUNT, TO) is None


def test_channel_addresses_are_ignored(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    form = transport.inbound(from_=TO, to=SENDER, body="STOP")
    form["From"] = "whatsapp:+14155550100"
    result = messenger.handle_inbound_webhook(form, account=ACCOUNT)
    assert result.kind is KeywordKind.NONE
    assert engine.dnd.get(ACCOUNT, TO) is None


# ---------------------------------------------------------------- bulk
def test_send_bulk_in_order_with_skips_and_backoff(
    engine: PolicyEngine,
    transport: InMemoryMessagingTransport,
    messenger: Messenger,
    sleeps: list[float],
) -> None:
    msgs = [msg(to=phone(i)) for i in range(12)]
    for i in range(12):
        if i % 3:
            grant(engine, phone(i))
    transport.refuse_next(429)
    results = messenger.send_bulk(msgs, max_workers=4)
    assert [r.sent for r in results] == [bool(i % 3) for i in range(12)]
    assert sorted(o.to for o in transport.sent) == sorted(phone(i) for i in range(12) if i % 3)
    for m, r in zip(msgs, results, strict=True):
        if r.sent:
            assert transport.message(r.sid or "").to == m.to
    assert sleeps == [0.5]
    assert used(engine) == 8 == counted_sent(engine)


def test_send_bulk_with_keys_never_sends_twice(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    msgs = [msg(to=phone(i)) for i in range(5)]
    for i in range(5):
        grant(engine, phone(i))
    keys = [f"k{i}" for i in range(5)]
    first = messenger.send_bulk(msgs, idempotency_keys=keys)
    again = messenger.send_bulk(msgs, idempotency_keys=keys)
    assert all(r.sent for r in first)
    assert all(r.duplicate and r.sent for r in again)
    assert [r.sid for r in first] == [r.sid for r in again]
    assert len(transport.sent) == 5
    assert used(engine) == 5


def test_send_bulk_refuses_bad_input(messenger: Messenger) -> None:
    with pytest.raises(InvalidArgument):
        messenger.send_bulk("abc")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        messenger.send_bulk([msg(), "x"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument):
        messenger.send_bulk([msg()], max_workers=0)
    with pytest.raises(InvalidArgument):
        messenger.send_bulk([msg()], idempotency_keys=["a", "b"])
    assert messenger.send_bulk([]) == []


# ---------------------------------------------------------------- configuration
def test_bad_configuration(engine: PolicyEngine, transport: InMemoryMessagingTransport) -> None:
    with pytest.raises(ConfigurationError):
        Messenger(object(), transport)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Messenger(engine, object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Messenger(engine, transport, status_callback="")
    with pytest.raises(ConfigurationError):
        Messenger(engine, transport, defer="later")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Messenger(engine, transport, retry_429=-1)
    with pytest.raises(ConfigurationError):
        Messenger(engine, transport, idempotency_ttl=timedelta(0))


def test_bad_arguments(messenger: Messenger) -> None:
    with pytest.raises(InvalidArgument):
        messenger.send("hello")  # type: ignore[arg-type]
    for key in ("", " ", "k" * 201, 5):
        with pytest.raises(InvalidArgument):
            messenger.send(msg(), idempotency_key=key)  # type: ignore[arg-type]


def test_a_key_reused_for_another_message_is_refused(
    engine: PolicyEngine, transport: InMemoryMessagingTransport, messenger: Messenger
) -> None:
    grant(engine)
    grant(engine, TO2)
    assert messenger.send(msg(), idempotency_key="k").sent
    with pytest.raises(InvalidArgument, match="another message"):
        messenger.send(msg(to=TO2), idempotency_key="k")
    assert len(transport.sent) == 1
    # Keys are per account: another account may use the same key.
    grant(engine, account="acct-2")
    assert messenger.send(msg(account="acct-2"), idempotency_key="k").sent


def test_message_sid_is_passed_to_an_engine_that_takes_it(
    storage: Storage, clock: ManualClock, transport: InMemoryMessagingTransport
) -> None:
    seen: list[str | None] = []

    class Engine(PolicyEngine):
        def handle_inbound(
            self,
            account: str,
            phone: str,
            body: str,
            *,
            brand: str | None = None,
            to: str | None = None,
            message_sid: str | None = None,
        ) -> InboundResult:
            seen.append(message_sid)
            return super().handle_inbound(account, phone, body, brand=brand, to=to)

    engine = Engine(storage=storage, clock=clock)
    messenger = Messenger(engine, transport)
    form = transport.inbound(from_=TO, to=SENDER, body="HELP", sid="SM" + "a" * 32)
    messenger.handle_inbound_webhook(form, account=ACCOUNT)
    messenger.handle_inbound_webhook(form, account=ACCOUNT)
    # The engine de-duplicates: the Messenger passes every delivery through.
    assert seen == ["SM" + "a" * 32, "SM" + "a" * 32]
