"""Dates from the API and from Event Streams are range-checked where they are
parsed, so the edit deadline, ``is_expired`` and the edit window never
overflow (issue 14: a rejection date far in the future raised OverflowError).
Also: a corrupted stored record is a StorageError, and the models/state
modules import one way."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from a2p_policy._clock import ManualClock
from a2p_policy._errors import InvalidArgument, StorageError
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.events import parse_verification_events
from a2p_policy._tollfree.instants import (
    EARLIEST_INSTANT,
    LATEST_INSTANT,
    check_instant,
    from_epoch_millis,
)
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import EDIT_WINDOW, TollFreeVerification, VerificationStatus
from a2p_policy._tollfree.state import EditWindow, check_edit, edit_window
from a2p_policy.storage.base import make_key
from a2p_policy.storage.memory import MemoryStorage

P = "com.twilio.messaging.compliance.toll-free-verification."
SID = "HH" + "1" * 32
#: 9999-12-31T23:59:59Z in epoch milliseconds: + 7 days overflows datetime.
FAR_FUTURE_MS = 253_402_300_799_000
LATEST_MS = int(LATEST_INSTANT.timestamp() * 1000)


def rejected_event(**data: Any) -> str:
    body: dict[str, Any] = {
        "tollfreeverificationsid": SID,
        "verificationstatus": "twilio_rejected",
        "errorcodes": "30473",
        "editallowed": True,
        "processeddate": 1_701_413_000_000,
    }
    body.update(data)
    return json.dumps(
        [
            {
                "id": "EV1",
                "type": P + "request-rejected",
                "time": "2024-01-01T00:00:00Z",
                "data": body,
            }
        ]
    )


@pytest.mark.parametrize("name", ["rejectiondate", "editexpiration", "processeddate"])
@pytest.mark.parametrize("value", [FAR_FUTURE_MS, LATEST_MS, -1, -(10**15), "99999999999999999"])
def test_event_dates_out_of_range_are_refused(name: str, value: object) -> None:
    with pytest.raises(InvalidArgument, match="out of range"):
        parse_verification_events(rejected_event(**{name: value}))


@pytest.mark.parametrize(
    "time", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00"]
)
def test_event_time_out_of_range_is_refused(time: str) -> None:
    payload = json.loads(rejected_event())
    payload[0]["time"] = time
    with pytest.raises(InvalidArgument, match="out of range"):
        parse_verification_events(json.dumps(payload))


@pytest.mark.parametrize(
    "field", ["rejected_on", "edit_expiration", "date_created", "date_updated"]
)
@pytest.mark.parametrize(
    "value",
    [
        FAR_FUTURE_MS,
        "9999-12-31T23:59:59Z",
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        -1,
        float("inf"),
        "x" * 10_000,
    ],
)
def test_api_dates_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        TollFreeVerification.from_api({"sid": SID, "status": "TWILIO_REJECTED", field: value})


def test_far_future_rejection_never_overflows_the_edit_window() -> None:
    """Before the fix: parsed fine, then edit_deadline() raised OverflowError."""
    with pytest.raises(InvalidArgument):
        parse_verification_events(rejected_event(rejectiondate=FAR_FUTURE_MS))
    # The latest accepted rejection date still has a deadline.
    v = TollFreeVerification.from_api(
        {
            "sid": SID,
            "status": "TWILIO_REJECTED",
            "rejected_on": LATEST_MS - 1,
            "edit_allowed": True,
            "error_code": 30473,
        }
    )
    deadline = v.edit_deadline()
    assert deadline is not None
    assert deadline > LATEST_INSTANT
    assert edit_window(v, datetime(2026, 1, 1, tzinfo=UTC)) is EditWindow.PRIORITIZED


def test_unvalidated_record_with_unrepresentable_deadline_is_refused() -> None:
    v = TollFreeVerification.model_construct(
        sid=SID,
        status=VerificationStatus.TWILIO_REJECTED,
        rejected_on=datetime.max.replace(tzinfo=UTC),
        edit_expiration=None,
        edit_allowed=True,
        rejection_reasons=(),
        error_code=30473,
    )
    with pytest.raises(InvalidArgument, match="edit deadline"):
        v.edit_deadline()


_accepted_ms = st.integers(min_value=0, max_value=LATEST_MS - 1)


@settings(max_examples=200)
@given(
    rejected=_accepted_ms,
    expiration=st.one_of(st.none(), _accepted_ms),
    now=st.datetimes(timezones=st.just(UTC)),
)
def test_every_accepted_rejection_date_gives_a_deadline(
    rejected: int, expiration: int | None, now: datetime
) -> None:
    (event,) = parse_verification_events(
        rejected_event(rejectiondate=rejected, editexpiration=expiration)
    )
    v = TollFreeVerification.from_api(
        {
            "sid": SID,
            "status": "TWILIO_REJECTED",
            "rejected_on": event.rejected_at,
            "edit_expiration": event.edit_expiration,
            "edit_allowed": True,
            "error_code": 30473,
        }
    )
    deadline = v.edit_deadline()
    assert deadline is not None
    if expiration is None:
        assert deadline == v.rejected_on + EDIT_WINDOW  # type: ignore[operator]
    window = edit_window(v, now)
    assert window is (EditWindow.EXPIRED if now >= deadline else EditWindow.PRIORITIZED)
    assert check_edit(v, {"business_name": "Owl Two"}, now=now) is window


@settings(max_examples=200)
@given(value=st.one_of(st.integers(), st.floats(), st.text(max_size=25), st.none(), st.booleans()))
def test_from_epoch_millis_inside_the_window_or_invalid_argument(value: object) -> None:
    try:
        at = from_epoch_millis(value)
    except InvalidArgument:
        return
    assert EARLIEST_INSTANT <= at < LATEST_INSTANT
    assert at + EDIT_WINDOW > at  # representable


@given(value=st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
def test_check_instant_inside_the_window_or_invalid_argument(value: datetime) -> None:
    try:
        at = check_instant(value)
    except InvalidArgument:
        return
    assert at.tzinfo is UTC
    assert EARLIEST_INSTANT <= at < LATEST_INSTANT
    assert at + EDIT_WINDOW > at


def test_client_is_expired_with_dates_at_the_edges() -> None:
    clock = ManualClock(datetime(2026, 1, 5, tzinfo=UTC))
    client = TollFreeVerificationClient(InMemoryTollFreeTransport(clock=clock), clock=clock)
    (latest,) = parse_verification_events(
        rejected_event(rejectiondate=LATEST_MS - 1, processeddate=LATEST_MS - 1)
    )
    client.apply_event(latest)
    assert client.is_expired(SID) is False  # the deadline lies after 3000-01-01
    clock.set(datetime(2999, 12, 31, tzinfo=UTC))
    assert client.is_expired(SID) is False
    clock.set(LATEST_INSTANT + timedelta(days=8))
    assert client.is_expired(SID) is True


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        '{"v": {}}',
        '{"v": {"sid": "HH1", "status": "NOPE"}, "k": [1, 0, "x", "y"]}',
        '{"v": {"sid": "HH1", "status": "IN_REVIEW"}, "k": [1, 0, "x"]}',
        '{"v": {"sid": "HH1", "status": "IN_REVIEW"}, "k": ["1", 0, "x", "y"]}',
        '{"v": {"sid": "HH1", "status": "IN_REVIEW"}, "k": [1, 0, "x", "y"], "cycle": -1}',
        '{"v": {"sid": "HH1", "status": "IN_REVIEW"}, "k": [1, 0, "x", "y"], "expired": "no"}',
        '{"v": {"sid": "HH1", "status": "TWILIO_REJECTED", "rejected_on": 253402300799000},'
        ' "k": [1, 2, "TWILIO_REJECTED", "y"]}',
        "[" * 100_000,
    ],
)
def test_corrupted_stored_record_is_a_storage_error(raw: str) -> None:
    clock = ManualClock(datetime(2026, 1, 5, tzinfo=UTC))
    storage = MemoryStorage()
    client = TollFreeVerificationClient(
        InMemoryTollFreeTransport(clock=clock), clock=clock, storage=storage
    )
    storage.put(make_key("tfv", "rec", SID), raw)
    for call in (client.get, client.is_expired):
        with pytest.raises(StorageError, match="malformed toll-free verification record"):
            call(SID)
    (event,) = parse_verification_events(rejected_event())
    with pytest.raises(StorageError, match="malformed toll-free verification record"):
        client.apply_event(event)


def _tollfree_imports(module: str) -> set[str]:
    import a2p_policy._tollfree as pkg

    path = Path(pkg.__file__).with_name(f"{module}.py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("a2p_policy._tollfree")}


def test_models_does_not_import_state_or_events() -> None:
    """The models/state import circle is gone: state imports models, never back."""
    assert _tollfree_imports("models") <= {"a2p_policy._tollfree.instants"}
    assert _tollfree_imports("instants") == set()
    assert "a2p_policy._tollfree.state" not in _tollfree_imports("events")


@pytest.mark.parametrize(
    "timeout", [1e15, 10**12, timedelta(days=999_999_999), 10 * 365 * 24 * 3600.0 + 1]
)
def test_wait_for_decision_refuses_a_timeout_past_any_date(timeout: float | timedelta) -> None:
    """Before: timedelta/datetime OverflowError escaped; now InvalidArgument."""
    clock = ManualClock(datetime(2026, 1, 5, tzinfo=UTC))
    client = TollFreeVerificationClient(InMemoryTollFreeTransport(clock=clock), clock=clock)
    with pytest.raises(InvalidArgument, match="at most"):
        client.wait_for_decision(SID, timeout=timeout, sleep=lambda _s: None)
