"""Injected time.

Every rule in the library is deterministic given a :class:`Clock`; nothing
calls ``datetime.now()`` directly. All clocks answer in aware UTC datetimes,
and every public entry point refuses naive datetimes (see
:func:`ensure_aware`), because a naive time silently shifts a quiet-hours or
ramp-up boundary by the server's offset.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from a2p_policy._errors import ConfigurationError, InvalidArgument, NaiveDatetimeError

__all__ = ["Clock", "ManualClock", "SystemClock", "clock_or_system", "ensure_aware"]


def ensure_aware(value: object, name: str = "datetime") -> datetime:
    """Return ``value`` converted to UTC, or raise.

    Raises :class:`~a2p_policy.NaiveDatetimeError` (a ``ValueError``)
    for a naive datetime and for anything that is not a datetime.
    """
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(
            f"{name} must be a timezone-aware datetime, got {type(value).__name__}"
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            f"{name} is naive ({value.isoformat()}): attach a time zone, e.g. "
            "datetime(..., tzinfo=timezone.utc)"
        )
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidArgument(f"{name} {value.isoformat()} is out of range in UTC") from exc


@runtime_checkable
class Clock(Protocol):
    """Source of the current time: ``now()`` returns an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock of this machine, in UTC."""

    __slots__ = ()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to: for tests and simulations.

    Thread-safe. ``advance`` refuses negative steps; ``set`` may move to any
    aware instant (also backwards, to model clock skew).
    """

    __slots__ = ("_lock", "_now")

    def __init__(self, start: datetime | None = None) -> None:
        self._now = ensure_aware(
            start if start is not None else datetime(2026, 1, 5, 12, 0, tzinfo=UTC), "start"
        )
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (a non-negative timedelta); return the new now."""
        if not isinstance(delta, timedelta):
            raise InvalidArgument(f"delta must be a timedelta, got {type(delta).__name__}")
        if delta < timedelta(0):
            raise InvalidArgument(f"delta must not be negative, got {delta}")
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, at: datetime) -> datetime:
        """Jump to ``at`` (aware); return it in UTC."""
        value = ensure_aware(at, "at")
        with self._lock:
            self._now = value
            return value

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


def clock_or_system(clock: object) -> Clock:
    """The clock a component was given, or :class:`SystemClock` for None.

    Anything without a ``now()`` method is refused here, at construction,
    with :class:`~a2p_policy.ConfigurationError` (rather than an
    ``AttributeError`` at the first decision)."""
    if clock is None:
        return SystemClock()
    if isinstance(clock, SystemClock | ManualClock):
        return clock  # the library's own (a protocol check is slower)
    if not isinstance(clock, Clock):
        raise ConfigurationError(
            f"clock must have a now() method (a Clock), got {type(clock).__name__}"
        )
    return clock
