"""TollFreeVerificationClient: flow, stored records, events, polling."""

from __future__ import annotations

import contextlib
import itertools
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._errors import InvalidArgument, InvalidTransition, TollFreeApiError
from a2p_policy._findings import Severity
from a2p_policy._tollfree.client import (
    PrecheckFailed,
    TollFreeVerificationClient,
    VerificationTimeout,
)
from a2p_policy._tollfree.events import parse_verification_events
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import TrafficState, VerificationStatus
from a2p_policy._tollfree.state import STATUS_RANK
from a2p_policy.storage.memory import MemoryStorage

S = VerificationStatus
P = "com.twilio.messaging.compliance.toll-free-verification."


def make(
    clock: ManualClock, storage: MemoryStorage | None = None, **kw: Any
) -> tuple[TollFreeVerificationClient, InMemoryTollFreeTransport]:
    fake = InMemoryTollFreeTransport(clock=clock)
    return TollFreeVerificationClient(fake, clock=clock, storage=storage, **kw), fake


def test_full_cycle(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, fake = make(clock)
    v = client.submit(tfx.base_request())
    assert v.status is S.PENDING_REVIEW
    fake.start_review(v.sid)
    clock.advance(timedelta(days=2))
    fake.reject(v.sid, [30473])
    rejected = client.fetch(v.sid)
    assert rejected.rejection_codes == (30473,)
    assert not client.is_expired(v.sid)
    edited = client.resubmit(
        v.sid, {"business_website": "https://owl.example.com"}, edit_reason="fixed"
    )
    assert edited.status is S.PENDING_REVIEW
    fake.approve(v.sid)
    assert client.fetch(v.sid).traffic is TrafficState.VERIFIED
    assert client.get(v.sid) is not None
    client.delete(v.sid)
    assert client.get(v.sid) is None
    assert client.submit(tfx.base_request()).sid != v.sid  # the number is free again


def test_records_survive_a_restart(clock: ManualClock, tfx: SimpleNamespace) -> None:
    storage = MemoryStorage()
    client, fake = make(clock, storage)
    v = client.submit(tfx.base_request())
    other = TollFreeVerificationClient(fake, clock=clock, storage=storage)
    assert other.get(v.sid) == client.get(v.sid)
    with pytest.raises(TollFreeApiError) as exc:  # local half of the 409 rule
        other.submit(tfx.base_request())
    assert exc.value.status == 409
    assert v.sid in exc.value.message


def test_resubmit_refusals(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, fake = make(clock)
    v = client.submit(tfx.base_request())
    with pytest.raises(InvalidTransition):
        client.resubmit(v.sid, {"business_name": "Other"})
    fake.reject(v.sid, [30441])  # SHAFT sex: final
    with pytest.raises(InvalidTransition, match="delete it"):
        client.resubmit(v.sid, {"business_name": "Other"})
    assert client.get(v.sid).traffic is TrafficState.BLOCKED  # type: ignore[union-attr]
    w = client.submit(tfx.base_request(tollfree_phone_number_sid=tfx.pn_sid(2)))
    fake.reject(w.sid, [30476])
    with pytest.raises(InvalidArgument, match="no values were different"):
        client.resubmit(w.sid, {"business_name": "Owl, Inc."})
    with pytest.raises(InvalidArgument):
        client.resubmit(w.sid, {"tollfree_phone_number_sid": tfx.pn_sid(3)})
    with pytest.raises(InvalidArgument):
        client.resubmit(w.sid, {"opt_in_type": "PAPER_FORM"}, edit_reason="")
    with pytest.raises(InvalidArgument):
        client.resubmit("HHnope", {"opt_in_type": "PAPER_FORM"})


def test_delete_of_unknown_is_404_and_forgets(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, fake = make(clock)
    v = client.submit(tfx.base_request())
    fake.delete(v.sid)  # deleted elsewhere (console)
    with pytest.raises(TollFreeApiError) as exc:
        client.fetch(v.sid)
    assert exc.value.status == 404
    assert client.get(v.sid) is None
    client.submit(tfx.base_request())


def test_block_on_precheck(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, _ = make(clock, block_on_precheck=True)
    with pytest.raises(PrecheckFailed) as exc:
        client.submit(
            tfx.base_request(production_message_sample="Owl, Inc.: see http://bit.ly/x STOP")
        )
    assert {f.tfv_code for f in exc.value.findings} >= {30449, 30471}


def test_more_than_five_numbers_counted_from_storage(
    clock: ManualClock, tfx: SimpleNamespace
) -> None:
    client, _ = make(clock)
    for i in range(5):
        client.submit(tfx.base_request(tollfree_phone_number_sid=tfx.pn_sid(i)))
    sixth = tfx.base_request(tollfree_phone_number_sid=tfx.pn_sid(6), additional_information=None)
    codes = {f.tfv_code for f in client.precheck(sixth) if f.severity is Severity.BLOCK}
    assert 30479 in codes
    justified = {**sixth, "additional_information": "One number per store location, see list"}
    assert 30479 not in {f.tfv_code for f in client.precheck(justified)}
    fifth = tfx.base_request(tollfree_phone_number_sid=tfx.pn_sid(4), additional_information=None)
    assert 30479 not in {f.tfv_code for f in client.precheck(fifth)}


def test_apply_events_from_the_fake(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, fake = make(clock)
    v = client.submit(tfx.base_request())
    fake.start_review(v.sid)
    fake.reject(v.sid, [30473, 30476])
    fake.expire(v.sid)
    events = parse_verification_events(fake.event_payload())
    for e in reversed(events):  # worst order
        client.apply_event(e)
    got = client.get(v.sid)
    assert got is not None
    assert got.status is S.TWILIO_REJECTED
    assert got.rejection_codes == (30473, 30476)
    assert client.is_expired(v.sid)
    again = client.apply_event(events[1])  # duplicate id: no change
    assert again == got


def test_event_for_unknown_verification_creates_record(clock: ManualClock) -> None:
    client, _ = make(clock)
    (e,) = parse_verification_events(
        json.dumps(
            [
                {
                    "id": "e1",
                    "type": P + "request-approved",
                    "time": "2026-01-05T12:00:00Z",
                    "data": {
                        "tollfreeverificationsid": "HH" + "c" * 32,
                        "phonenumbersid": "PN" + "c" * 32,
                        "verificationstatus": "twilio_approved",
                    },
                }
            ]
        )
    )
    v = client.apply_event(e)
    assert v.status is S.TWILIO_APPROVED
    with pytest.raises(InvalidArgument):
        client.apply_event("not an event")  # type: ignore[arg-type]


def _event(i: int, status: S, at: datetime, codes: tuple[int, ...] = ()) -> dict[str, Any]:
    kind = {
        S.PENDING_REVIEW: "requested",
        S.IN_REVIEW: "requested",
        S.TWILIO_APPROVED: "request-approved",
        S.TWILIO_REJECTED: "request-rejected",
    }[status]
    data: dict[str, Any] = {
        "tollfreeverificationsid": "HH" + "d" * 32,
        "verificationstatus": status.value.lower(),
    }
    if codes:
        data["errorcodes"] = ",".join(map(str, codes))
        data["editallowed"] = True
    return {"id": f"ev{i}", "type": P + kind, "time": at.isoformat(), "data": data}


@settings(max_examples=40)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(S)), st.integers(min_value=0, max_value=10_000)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[1],
    ),
    order=st.randoms(use_true_random=False),
    dupes=st.booleans(),
)
def test_any_event_order_gives_the_latest_status(
    steps: list[tuple[S, int]], order: Any, dupes: bool
) -> None:
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    raw = [
        _event(i, s, t0 + timedelta(seconds=sec), (30473,) if s is S.TWILIO_REJECTED else ())
        for i, (s, sec) in enumerate(steps)
    ]
    events = parse_verification_events(raw)
    shuffled = list(events)
    order.shuffle(shuffled)
    if dupes:
        shuffled += shuffled[: len(shuffled) // 2]
    client = TollFreeVerificationClient(InMemoryTollFreeTransport(), clock=ManualClock(t0))
    for e in shuffled:
        result = client.apply_event(e)
        assert result.status in set(S)  # always a reachable status
    latest = max(events, key=lambda e: (e.occurred_at, STATUS_RANK[e.status]))
    final = client.get("HH" + "d" * 32)
    assert final is not None
    assert final.status is latest.status
    if latest.status is S.TWILIO_REJECTED:
        assert final.rejection_codes == (30473,)
    else:
        assert final.rejection_codes == ()


def test_an_old_event_never_moves_backwards(clock: ManualClock) -> None:
    client, _ = make(clock)
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    approved, in_review = parse_verification_events(
        [_event(1, S.TWILIO_APPROVED, t0 + timedelta(hours=1)), _event(2, S.IN_REVIEW, t0)]
    )
    client.apply_event(approved)
    assert client.apply_event(in_review).status is S.TWILIO_APPROVED


def test_wait_for_decision_backs_off_on_the_clock(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, fake = make(clock)
    v = client.submit(tfx.base_request())
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(sleeps) == 4:
            fake.approve(v.sid)

    done = client.wait_for_decision(
        v.sid, timeout=3600, initial_interval=10, max_interval=40, sleep=sleep
    )
    assert done.status is S.TWILIO_APPROVED
    assert sleeps == [10, 20, 40, 40]


def test_wait_for_decision_times_out(clock: ManualClock, tfx: SimpleNamespace) -> None:
    client, _ = make(clock)
    v = client.submit(tfx.base_request())
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    with pytest.raises(VerificationTimeout) as exc:
        client.wait_for_decision(
            v.sid, timeout=timedelta(seconds=100), initial_interval=30, sleep=sleep
        )
    assert isinstance(exc.value, TimeoutError)
    assert sum(sleeps) == 100
    assert exc.value.last is not None
    assert exc.value.last.status is S.PENDING_REVIEW
    for bad in ({"timeout": -1}, {"timeout": float("nan")}, {"timeout": 1, "initial_interval": 0}):
        with pytest.raises(InvalidArgument):
            client.wait_for_decision(v.sid, **bad)


@settings(max_examples=60)
@given(value=st.one_of(st.text(max_size=40), st.integers(), st.none(), st.binary(max_size=10)))
def test_fuzz_client_methods(value: Any) -> None:
    client = TollFreeVerificationClient(InMemoryTollFreeTransport(), clock=ManualClock())
    for call in (
        lambda: client.fetch(value),
        lambda: client.get(value),
        lambda: client.delete(value),
        lambda: client.resubmit(value, {"business_name": "x"}),
        lambda: client.resubmit("HH" + "0" * 32, value),
        lambda: client.list(status=value),
        lambda: client.submit(value),
        lambda: client.precheck(value),
    ):
        # ValueError: pydantic's ValidationError for a mapping
        with contextlib.suppress(InvalidArgument, TollFreeApiError, ValueError):
            call()


def test_constructor_refusals() -> None:
    with pytest.raises(InvalidArgument):
        TollFreeVerificationClient(object())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        TollFreeVerificationClient(InMemoryTollFreeTransport(), clock="now")  # type: ignore[arg-type]
    _ = list(itertools.islice(iter(S), 1))
