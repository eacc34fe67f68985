"""Consent revocations received by other means: email, a call, a web form.

Why: the FCC lets a consumer revoke consent "by any reasonable means", not
only by texting STOP. A revocation that reaches the business another way
must be recorded with the time it was received and honored within 10
business days (US federal holidays excluded). The FCC's "revoke all" scope
(a revocation covers every kind of message from the sender, not only the
kind it answered) has been delayed; it is a switch with its effective date,
currently 2027-01-31. Source: SPEC section 2 ("Revocations that arrive by
other means ...").

Federal holidays come from the maintained ``holidays`` package (its
``UnitedStates`` calendar, public holidays, observed days: 5 U.S.C. 6103 with
the rule that a holiday on a Saturday is observed on the Friday before and
one on a Sunday on the Monday after; New Year's Day on a Saturday is
observed on December 31 of the year before), so a new federal holiday
arrives with a package update. Its rules apply to every year from 1 to
9998 (the package's own published range is narrower; its rules carry each
holiday's start year: Juneteenth from 2021, Martin Luther King Jr. Day from
1986, and none before 1870).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from pydantic import BaseModel, ConfigDict, computed_field, field_validator, model_validator

from a2p_policy._clock import ensure_aware
from a2p_policy._errors import ConfigurationError, InvalidArgument, NaiveDatetimeError
from a2p_policy._phone import normalize_phone

__all__ = [
    "HONOR_WITHIN_BUSINESS_DAYS",
    "REVOKE_ALL_EFFECTIVE",
    "Revocation",
    "RevocationChannel",
    "RevokeAllPolicy",
    "add_business_days",
    "is_business_day",
    "revocation_deadline",
    "us_federal_holiday_calendar",
    "us_federal_holidays",
]

#: Business days within which a revocation must be honored (SPEC section 2).
HONOR_WITHIN_BUSINESS_DAYS = 10

#: Effective date of the FCC "revoke all" scope, as delayed (SPEC section 2).
REVOKE_ALL_EFFECTIVE = date(2027, 1, 31)

_SAT = 5
#: Years the calendar answers for (the package computes New Year's Day of
#: the year after, which ``datetime.date`` cannot hold for 9999).
_FIRST_YEAR, _LAST_YEAR = 1, 9998


@lru_cache(maxsize=1)
def _federal_calendar() -> type[Any]:
    """The ``holidays`` package's US federal calendar, over every year its
    rules cover (the package publishes 1777-2100 by default; the rules
    themselves carry each holiday's first year). Imported on first use: the
    package loads every country's calendar, about 0.2 s that an application
    which never counts business days should not pay at import."""
    from holidays.countries.united_states import UnitedStates

    class FederalCalendar(UnitedStates):
        start_year = _FIRST_YEAR
        end_year = _LAST_YEAR

    return FederalCalendar


# ---------------------------------------------------------------------------
# US federal holidays
# ---------------------------------------------------------------------------


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidArgument(f"year must be an int, got {type(year).__name__}: {year!r}")
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise InvalidArgument(f"year must be between {_FIRST_YEAR} and {_LAST_YEAR}, got {year}")
    return year


@lru_cache(maxsize=512)
def _calendar(year: int) -> tuple[tuple[date, str], ...]:
    """Observed federal holidays that fall in ``year`` (dates, names): the
    weekdays off. A holiday on a weekend is replaced by its observed day."""
    found = _federal_calendar()(years=year, observed=True)
    return tuple(sorted((day, str(name)) for day, name in found.items() if day.weekday() < _SAT))


def us_federal_holidays(year: int) -> set[date]:
    """The days in ``year`` on which a US federal holiday is observed (the
    weekday off; a holiday on a weekend is moved to the Friday before or the
    Monday after). Raises :class:`~a2p_policy.InvalidArgument` for a
    year that is not an int in 1..9998."""
    return {day for day, _ in _calendar(_check_year(year))}


def us_federal_holiday_calendar(year: int) -> dict[date, str]:
    """Like :func:`us_federal_holidays`, with the holiday's name."""
    return dict(_calendar(_check_year(year)))


@lru_cache(maxsize=512)
def _holiday_set(year: int) -> frozenset[date]:
    return frozenset(day for day, _ in _calendar(year))


def is_business_day(day: date) -> bool:
    """True for a weekday that is not an observed US federal holiday."""
    day = _check_date(day, "day")
    if day.weekday() >= _SAT:
        return False
    return day not in _holiday_set(_check_year(day.year))


def _check_date(value: object, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidArgument(
            f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}: "
            f"{value!r}"
        )
    return value


def _holiday_set_of(year: int) -> frozenset[date]:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValueError(f"year {year} is outside the holiday calendar")
    return _holiday_set(year)


def _holidays_between(lo: date, hi: date) -> int:
    """Observed holidays d with lo < d <= hi (all of them fall on weekdays)."""
    return sum(
        1 for year in range(lo.year, hi.year + 1) for day in _holiday_set_of(year) if lo < day <= hi
    )


def add_business_days(start: date, n: int) -> date:
    """The date ``n`` business days after ``start`` (before it for a
    negative ``n``); ``start`` itself is not counted, so the result of a
    non-zero ``n`` is always a business day. Weekends and observed US federal
    holidays are skipped. Raises :class:`~a2p_policy.InvalidArgument`
    for bad arguments or a result outside the calendar."""
    start = _check_date(start, "start")
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidArgument(f"n must be an int, got {type(n).__name__}: {n!r}")
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    try:
        # Whole weeks first: any 7 consecutive days hold exactly 5 weekdays, so
        # a jump of w weeks gains 5w business days minus the holidays in it.
        # The jump always leaves at least one day to walk, so the walk below
        # ends on a business day even when the jump lands on a weekend.
        while remaining > 10:
            weeks = (remaining - 1) // 5
            target = day + timedelta(days=7 * weeks * step)
            if step > 0:  # the span crossed is (day, target]
                holidays = _holidays_between(day, target)
            else:  # the span crossed is [target, day)
                one = timedelta(days=1)
                holidays = _holidays_between(target - one, day - one)
            remaining -= 5 * weeks - holidays
            day = target
        while remaining > 0:
            day += timedelta(days=step)
            if day.weekday() < _SAT and day not in _holiday_set_of(day.year):
                remaining -= 1
    except (OverflowError, ValueError) as exc:
        raise InvalidArgument(
            f"{n} business days from {start.isoformat()} is outside the calendar"
        ) from exc
    return day


def _resolve_tz(tz: object) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidArgument(f"unknown time zone {tz!r}: use an IANA name") from exc
    raise InvalidArgument(f"tz must be a tzinfo or an IANA name, got {tz!r}")


def revocation_deadline(
    received_at: datetime,
    *,
    business_days: int = HONOR_WITHIN_BUSINESS_DAYS,
    tz: tzinfo | str | None = None,
) -> datetime:
    """The last moment by which a revocation received at ``received_at``
    must be honored: the end (23:59:59.999999) of the 10th business day after
    the day it was received, in ``tz`` (default: ``received_at``'s own time
    zone). Refuses naive datetimes (:class:`NaiveDatetimeError`)."""
    ensure_aware(received_at, "received_at")
    zone = received_at.tzinfo if tz is None else _resolve_tz(tz)
    if zone is None:  # pragma: no cover - ensure_aware refused naive values
        raise NaiveDatetimeError("received_at must be timezone-aware")
    if isinstance(business_days, bool) or not isinstance(business_days, int):
        raise InvalidArgument(f"business_days must be an int, got {business_days!r}")
    if business_days < 1:
        raise InvalidArgument(f"business_days must be >= 1, got {business_days}")
    try:
        local_day = received_at.astimezone(zone).date()
    except (OverflowError, ValueError) as exc:
        raise InvalidArgument(f"received_at {received_at!r} is out of range") from exc
    last_day = add_business_days(local_day, business_days)
    return datetime.combine(last_day, time.max, tzinfo=zone)


# ---------------------------------------------------------------------------
# "Revoke all" scope
# ---------------------------------------------------------------------------


def _check_enabled(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"RevokeAllPolicy.enabled must be a bool, got {value!r}")


def _check_effective(instance: object, attribute: attrs.Attribute[date], value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ConfigurationError(
            f"RevokeAllPolicy.effective must be a datetime.date, got {value!r}"
        )


@attrs.frozen(slots=True)
class RevokeAllPolicy:
    """The FCC "revoke all" scope: once effective, a revocation covers every
    kind of message from the sender, not only the kind it answered.

    ``enabled`` turns the rule off entirely; ``effective`` is the first day it
    applies (SPEC section 2: delayed to 2027-01-31)."""

    enabled: bool = attrs.field(default=True, validator=_check_enabled)
    effective: date = attrs.field(default=REVOKE_ALL_EFFECTIVE, validator=_check_effective)

    def applies(self, at: datetime) -> bool:
        """True when the scope applies at ``at`` (compared on ``at``'s own
        calendar date). Refuses naive datetimes."""
        ensure_aware(at, "at")
        return self.enabled and at.date() >= self.effective


# ---------------------------------------------------------------------------
# The record
# ---------------------------------------------------------------------------


class RevocationChannel(enum.Enum):
    """How a revocation reached the business."""

    TEXT = "text"
    EMAIL = "email"
    CALL = "call"
    VOICEMAIL = "voicemail"
    WEB_FORM = "web_form"
    IN_PERSON = "in_person"
    MAIL = "mail"
    OTHER = "other"


class Revocation(BaseModel):
    """A consent revocation received by some means, with its deadline.

    ``honor_by`` is computed: the end of the 10th business day after the day
    ``received_at`` falls on, in ``received_at``'s own time zone. Use
    :meth:`record` to fill ``revoke_all`` from a :class:`RevokeAllPolicy`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    phone: str
    channel: RevocationChannel
    received_at: datetime
    account: str | None = None
    revoke_all: bool = False
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: object) -> object:
        # ``honor_by`` is always recomputed, so a dumped record validates again.
        if isinstance(data, dict) and "honor_by" in data:
            data = {k: v for k, v in data.items() if k != "honor_by"}
        return data

    @field_validator("phone", mode="before")
    @classmethod
    def _normalize_phone(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"phone must be a str, got {type(value).__name__}")
        return normalize_phone(value)

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        ensure_aware(value, "received_at")
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def honor_by(self) -> datetime:
        """The last moment by which the revocation must be honored."""
        return revocation_deadline(self.received_at)

    @classmethod
    def record(
        cls,
        phone: str,
        channel: RevocationChannel | str,
        received_at: datetime,
        *,
        account: str | None = None,
        note: str = "",
        policy: RevokeAllPolicy | None = None,
    ) -> Revocation:
        """Build a record, deciding ``revoke_all`` with ``policy`` (default
        :class:`RevokeAllPolicy()`) at the time it was received."""
        if policy is None:
            policy = RevokeAllPolicy()
        if not isinstance(policy, RevokeAllPolicy):
            raise InvalidArgument(f"policy must be a RevokeAllPolicy, got {policy!r}")
        ensure_aware(received_at, "received_at")
        return cls(
            phone=phone,
            channel=channel,
            received_at=received_at,
            account=account,
            note=note,
            revoke_all=policy.applies(received_at),
        )

    def is_overdue(self, at: datetime) -> bool:
        """True when ``at`` is past :attr:`honor_by`. Refuses naive datetimes."""
        return ensure_aware(at, "at") > self.honor_by
