"""InMemoryMessagingTransport: a faithful fake of Twilio's send and callbacks."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy import InMemoryMessagingTransport, ManualClock, MessageTransport, TransportError
from a2p_policy._errors import ConfigurationError, InvalidArgument
from a2p_policy._webhooks import MessageStatus, parse_inbound_message, parse_status_callback

TO, FROM = "+14155550100", "+14155550199"


def test_sends_are_recorded_with_unique_sids(clock: ManualClock) -> None:
    t = InMemoryMessagingTransport(clock=clock)
    assert isinstance(t, MessageTransport)
    a = t.send(to=TO, sender=FROM, body="one", status_callback="https://x/cb")
    b = t.send(to=TO, sender=FROM, body="two")
    assert a.sid != b.sid
    assert a.sid.startswith("SM")
    assert len(a.sid) == 34
    assert a.status == "queued"
    assert [(o.sid, o.body, o.at) for o in t.sent] == [
        (a.sid, "one", clock.now()),
        (b.sid, "two", clock.now()),
    ]
    assert t.message(a.sid).status_callback == "https://x/cb"


@pytest.mark.parametrize(
    ("code", "status", "twilio_code", "retryable"),
    [
        (21610, 400, 21610, False),
        (21211, 400, 21211, False),
        (30007, 400, 30007, False),
        (429, 429, 20429, True),
        (500, 500, 20500, True),
        (503, 503, 20503, True),
        (20429, 429, 20429, True),
    ],
)
def test_refuse_next(code: int, status: int, twilio_code: int, retryable: bool) -> None:
    t = InMemoryMessagingTransport()
    t.refuse_next(code, times=2)
    for _ in range(2):
        with pytest.raises(TransportError) as info:
            t.send(to=TO, sender=FROM, body="x")
        assert (info.value.status, info.value.code) == (status, twilio_code)
        assert info.value.retryable is retryable
    assert t.sent == []
    t.send(to=TO, sender=FROM, body="x")
    assert len(t.sent) == 1
    assert t.attempts == 3


def test_lost_connection_is_uncertain() -> None:
    t = InMemoryMessagingTransport()
    t.refuse_next(0)
    with pytest.raises(TransportError) as info:
        t.send(to=TO, sender=FROM, body="x")
    assert info.value.uncertain


def test_callback_forms_parse_as_twilio_forms() -> None:
    t = InMemoryMessagingTransport(account_sid="AC" + "1" * 32)
    sid = t.send(to=TO, sender=FROM, body="x").sid
    delivered = parse_status_callback(t.deliver(sid))
    assert (delivered.message_sid, delivered.status, delivered.to, delivered.from_) == (
        sid,
        MessageStatus.DELIVERED,
        TO,
        FROM,
    )
    assert delivered.account_sid == "AC" + "1" * 32
    assert delivered.error_code is None
    carrier = parse_status_callback(t.fail(sid, 30003))
    assert (carrier.status, carrier.error_code) == (MessageStatus.UNDELIVERED, 30003)
    twilio_side = parse_status_callback(t.fail(sid, "30032"))
    assert (twilio_side.status, twilio_side.error_code) == (MessageStatus.FAILED, 30032)
    assert parse_status_callback(t.status_form(sid, "sent")).status is MessageStatus.SENT
    inbound = parse_inbound_message(t.inbound(from_=TO, to=FROM, body="STOP"))
    assert (inbound.from_, inbound.to, inbound.body) == (TO, FROM, "STOP")


def test_bad_input() -> None:
    with pytest.raises(ConfigurationError):
        InMemoryMessagingTransport(clock="now")  # type: ignore[arg-type]
    t = InMemoryMessagingTransport()
    for bad in (-1, True, "21610"):
        with pytest.raises(InvalidArgument):
            t.refuse_next(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        t.refuse_next(429, times=0)
    with pytest.raises(InvalidArgument):
        t.deliver("SMnope")
    sid = t.send(to=TO, sender=FROM, body="x").sid
    with pytest.raises(InvalidArgument):
        t.fail(sid, "abc")
    with pytest.raises(InvalidArgument):
        t.send(to=TO, sender=FROM, body="")


def test_thread_safe_sids() -> None:
    t = InMemoryMessagingTransport()

    def run() -> None:
        for _ in range(200):
            t.send(to=TO, sender=FROM, body="x")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    sids = [o.sid for o in t.sent]
    assert len(sids) == 800
    assert len(set(sids)) == 800


@given(codes=st.lists(st.sampled_from([0, 429, 500, 21610, 21211, 30007]), max_size=10))
def test_refusals_are_consumed_in_order(codes: list[int]) -> None:
    t = InMemoryMessagingTransport()
    for c in codes:
        t.refuse_next(c)
    seen = []
    for _ in codes:
        with pytest.raises(TransportError) as info:
            t.send(to=TO, sender=FROM, body="x")
        seen.append(info.value)
    t.send(to=TO, sender=FROM, body="x")
    assert [e.uncertain for e in seen] == [c == 0 for c in codes]
    assert len(t.sent) == 1
