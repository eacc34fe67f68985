"""Instants in toll-free verification records and events, range-checked.

Why: dates arrive from outside (the API's JSON, Event Streams webhooks that
face the internet). A rejection date in year 9999 used to be accepted and
then made ``edit_deadline()`` (rejection + 7 days), ``is_expired()`` and the
edit window raise ``OverflowError`` far from the webhook that brought it.
Every instant is therefore checked once, where it is parsed: outside
:data:`EARLIEST_INSTANT` .. :data:`LATEST_INSTANT` it is refused with a
``ValueError`` (:class:`~a2p_policy.InvalidArgument`, or pydantic's
``ValidationError`` inside a model), so a webhook handler answers 400 and
the record keeps its previous, known state (fail closed: an unverified
number stays unverified).

The window is wide enough for any real date (toll-free verification began in
the 2020s) and far enough from ``datetime.max`` that the edit deadline and
the microsecond ordering keys of the client stay representable.

Sources: sources.md [tfv-api], "Event Types &
Payload" (dates in epoch milliseconds) and "Fetch a verification"
(``edit_expiration``, ``rejected_on``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Final

from a2p_policy._errors import InvalidArgument

__all__ = [
    "EARLIEST_INSTANT",
    "LATEST_INSTANT",
    "check_instant",
    "from_epoch_millis",
]

#: The earliest instant accepted (the Unix epoch; epoch milliseconds are
#: never negative in the API).
EARLIEST_INSTANT: Final = datetime(1970, 1, 1, tzinfo=UTC)

#: Instants at or after this one are refused (see the module doc).
LATEST_INSTANT: Final = datetime(3000, 1, 1, tzinfo=UTC)

_EARLIEST_MS: Final = 0
_LATEST_MS: Final = int((LATEST_INSTANT - EARLIEST_INSTANT).total_seconds()) * 1000


def _range_message(what: str, shown: str) -> str:
    return (
        f"{what} {shown} is out of range: dates must lie between "
        f"{EARLIEST_INSTANT:%Y-%m-%d} and {LATEST_INSTANT:%Y-%m-%d}"
    )


def check_instant(value: datetime, what: str = "date") -> datetime:
    """Return ``value`` in UTC (a naive value is read as UTC), or raise
    :class:`~a2p_policy.InvalidArgument` when it lies outside
    :data:`EARLIEST_INSTANT` .. :data:`LATEST_INSTANT` (the latter excluded)."""
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{what} must be a datetime, got {type(value).__name__}")
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        if aware.utcoffset() is None:
            aware = aware.replace(tzinfo=UTC)
        in_utc = aware.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidArgument(_range_message(what, value.isoformat())) from None
    if not EARLIEST_INSTANT <= in_utc < LATEST_INSTANT:
        raise InvalidArgument(_range_message(what, in_utc.isoformat()))
    return in_utc


def from_epoch_millis(value: object, what: str = "date") -> datetime:
    """An instant from epoch milliseconds (int, float or a string of digits);
    raises :class:`~a2p_policy.InvalidArgument` for anything else and
    for instants outside the accepted window."""
    number: int | float
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 20:
            raise InvalidArgument(f"{what} must be epoch milliseconds, got {value!r:.40}")
        number = int(text)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{what} must be epoch milliseconds, got {value!r:.40}")
    else:
        number = value
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidArgument(f"{what} must be epoch milliseconds, got {value!r:.40}")
    if not _EARLIEST_MS <= number < _LATEST_MS:
        raise InvalidArgument(_range_message(what, f"{number!r:.40} (epoch milliseconds)"))
    return datetime.fromtimestamp(number / 1000, tz=UTC)
