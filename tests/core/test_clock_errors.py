"""Clock and error hierarchy."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import a2p_policy
from a2p_policy import (
    A2PPolicyError,
    ConsentError,
    DndLocked,
    InvalidPhoneNumber,
    InvalidTransition,
    ManualClock,
    SignatureError,
    SystemClock,
    TollFreeApiError,
)
from a2p_policy._clock import Clock, ensure_aware
from a2p_policy._errors import InvalidArgument, NaiveDatetimeError


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert isinstance(SystemClock(), Clock)


def test_manual_clock_moves_only_when_told() -> None:
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    clock = ManualClock(start)
    assert clock.now() == start
    assert clock.now() == start
    clock.advance(timedelta(hours=2))
    assert clock.now() == start + timedelta(hours=2)
    clock.set(datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=-5))))
    assert clock.now() == datetime(2025, 1, 1, 5, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    assert isinstance(clock, Clock)


def test_manual_clock_refuses_naive_and_negative() -> None:
    with pytest.raises(NaiveDatetimeError):
        ManualClock(datetime(2026, 1, 1))
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(InvalidArgument, match="negative"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(A2PPolicyError):
        clock.advance(5)  # type: ignore[arg-type]


@given(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)), max_size=20))
def test_manual_clock_advance_is_additive(steps: list[timedelta]) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ManualClock(start)
    for step in steps:
        clock.advance(step)
    assert clock.now() == start + sum(steps, timedelta(0))


@given(st.datetimes(), st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_ensure_aware_converts_to_utc(naive: datetime, offset_minutes: int) -> None:
    value = naive.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    try:
        expected = value.astimezone(UTC)
    except OverflowError:
        with pytest.raises(InvalidArgument):
            ensure_aware(value)
        return
    out = ensure_aware(value)
    assert out == expected == value
    assert out.tzinfo == UTC


@given(st.one_of(st.none(), st.integers(), st.text(), st.datetimes()))
def test_ensure_aware_refuses_everything_else(value: object) -> None:
    with pytest.raises(NaiveDatetimeError):
        ensure_aware(value)


def test_error_hierarchy() -> None:
    for cls in (ConsentError, DndLocked, InvalidTransition, TollFreeApiError, SignatureError):
        assert issubclass(cls, A2PPolicyError)
    assert issubclass(InvalidPhoneNumber, ValueError)
    assert issubclass(NaiveDatetimeError, ValueError)
    err = TollFreeApiError(409, 20409, "conflict")
    assert (err.status, err.code, err.message) == (409, 20409, "conflict")
    assert "409" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert (again.status, again.code, again.message) == (409, 20409, "conflict")


def test_all_is_sorted_and_importable() -> None:
    names = a2p_policy.__all__
    assert list(names) == sorted(names)
    for name in names:
        assert hasattr(a2p_policy, name), name


_CLOCKED: list[Callable[[object], object]] = [
    lambda c: a2p_policy.PolicyEngine(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.ConsentLedger(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.DndManager(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.RampUpLimiter(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.RateMonitor(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.QuietHours(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.SnowshoeDetector(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.InMemoryMessagingTransport(clock=c),  # type: ignore[arg-type]
    lambda c: a2p_policy.InMemoryTollFreeTransport(clock=c),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("build", _CLOCKED)
@pytest.mark.parametrize("bad", ["2026-01-05", 1767614400, object()])
def test_every_clocked_component_refuses_a_clock_without_now(
    build: Callable[[object], object], bad: object
) -> None:
    """A clock without now() is refused at construction with the library's
    error, not as an AttributeError at the first decision."""
    with pytest.raises(a2p_policy.ConfigurationError, match=r"clock must have a now\(\) method"):
        build(bad)


@pytest.mark.parametrize("build", _CLOCKED)
def test_every_clocked_component_defaults_to_the_system_clock(
    build: Callable[[object], object],
) -> None:
    build(None)
    build(ManualClock(datetime(2026, 1, 5, tzinfo=UTC)))
