"""Small argument checks shared by the limit components.

Every public method of the limits package validates its arguments here, so a
bad account id or count raises :class:`~a2p_policy.InvalidArgument`
(a ``ValueError``) naming the argument, never a bare ``TypeError`` from deep
inside a storage backend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from a2p_policy._clock import Clock, ensure_aware
from a2p_policy._errors import ConfigurationError, InvalidArgument
from a2p_policy._validation import MAX_ACCOUNT_LENGTH
from a2p_policy._validation import check_account as _check_account

# The one key escaping function of the library (re-exported here).
from a2p_policy.storage.base import key_part, make_key

__all__ = [
    "MAX_ACCOUNT_LENGTH",
    "AccountKeyed",
    "check_account",
    "check_count",
    "key_part",
    "load_zone",
    "local_midnight_utc",
]


def check_account(account: object) -> str:
    """Return ``account`` if it is a valid account id: delegates to the
    shared validator :func:`a2p_policy._validation.check_account` (non-empty,
    at most 200 characters, no control characters)."""
    return _check_account(account)


def check_count(count: object, name: str = "count", *, minimum: int = 0) -> int:
    """Return ``count`` if it is an int (not a bool) >= ``minimum``."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidArgument(f"{name} must be an int, got {type(count).__name__}: {count!r}")
    if count < minimum:
        raise InvalidArgument(f"{name} must be >= {minimum}, got {count}")
    return count


def load_zone(tz: object, name: str = "tz") -> ZoneInfo:
    """An IANA zone by name, or :class:`ConfigurationError`."""
    if isinstance(tz, ZoneInfo):
        return tz
    if not isinstance(tz, str) or not tz.strip():
        raise ConfigurationError(f"{name} must be an IANA time zone name such as 'UTC', got {tz!r}")
    try:
        return ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ConfigurationError(f"unknown time zone {tz!r} for {name}") from exc


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) at which the local calendar day ``day`` starts in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def next_local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The next local midnight in ``zone`` after ``now``, as an aware UTC datetime."""
    local_day = now.astimezone(zone).date()
    return local_midnight_utc(local_day + timedelta(days=1), zone)


class AccountKeyed:
    """What the ramp and the monitor share: their keys (under their prefix,
    the account always a separate escaped part) and the clock's time,
    checked aware."""

    _prefix: str
    clock: Clock

    def _key(self, kind: str, account: str, *rest: str) -> str:
        return make_key(self._prefix, kind, account, *rest)

    def _now(self) -> datetime:
        return ensure_aware(self.clock.now(), "clock.now()")
