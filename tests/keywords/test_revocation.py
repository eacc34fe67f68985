"""Revocations by other means: federal holidays, business days, deadlines,
the "revoke all" switch and the record (SPEC section 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from a2p_policy._clock import ManualClock
from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    NaiveDatetimeError,
)
from a2p_policy._revocation import (
    HONOR_WITHIN_BUSINESS_DAYS,
    REVOKE_ALL_EFFECTIVE,
    Revocation,
    RevocationChannel,
    RevokeAllPolicy,
    add_business_days,
    is_business_day,
    revocation_deadline,
    us_federal_holiday_calendar,
    us_federal_holidays,
)

# Published OPM schedules (observed days off).
KNOWN: dict[int, set[date]] = {
    2025: {
        date(2025, 1, 1),
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 5, 26),
        date(2025, 6, 19),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 10, 13),
        date(2025, 11, 11),
        date(2025, 11, 27),
        date(2025, 12, 25),
    },
    2026: {
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 3),  # July 4 is a Saturday
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),
        date(2026, 11, 26),
        date(2026, 12, 25),
    },
    2027: {
        date(2027, 1, 1),
        date(2027, 1, 18),
        date(2027, 2, 15),
        date(2027, 5, 31),
        date(2027, 6, 18),  # June 19 is a Saturday
        date(2027, 7, 5),  # July 4 is a Sunday
        date(2027, 9, 6),
        date(2027, 10, 11),
        date(2027, 11, 11),
        date(2027, 11, 25),
        date(2027, 12, 24),  # Christmas is a Saturday
        date(2027, 12, 31),  # New Year's Day 2028 is a Saturday
    },
}


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_known_holidays(year: int) -> None:
    assert us_federal_holidays(year) == KNOWN[year]


def test_new_years_day_on_saturday_is_observed_the_year_before() -> None:
    assert date(2021, 12, 31) in us_federal_holidays(2021)
    assert date(2022, 1, 1) not in us_federal_holidays(2022)
    assert date(2021, 12, 31) not in us_federal_holidays(2022)
    assert date(2022, 12, 26) in us_federal_holidays(2022)  # Christmas on Sunday


def test_juneteenth_and_mlk_start_years() -> None:
    assert not any(d.month == 6 for d in us_federal_holidays(2020))
    assert date(2021, 6, 18) in us_federal_holidays(2021)
    assert len(us_federal_holidays(1985)) == 9
    assert date(1986, 1, 20) in us_federal_holidays(1986)


def test_calendar_names() -> None:
    cal = us_federal_holiday_calendar(2026)
    assert cal[date(2026, 11, 26)] == "Thanksgiving Day"
    assert cal[date(2026, 1, 19)] == "Martin Luther King Jr. Day"
    assert set(cal) == us_federal_holidays(2026)


def test_returned_set_is_a_copy() -> None:
    days = us_federal_holidays(2026)
    days.clear()
    assert us_federal_holidays(2026) == KNOWN[2026]


@given(st.integers(min_value=1, max_value=9998))
def test_holidays_fall_on_weekdays_in_the_year(year: int) -> None:
    days = us_federal_holidays(year)
    # Which early years had a holiday is the holidays package's data (it
    # lists the Continental Congress's Thanksgiving of 1777, for one); what
    # the library promises is that every day it returns is a weekday of that
    # year (an observed date, never a weekend).
    assert all(d.year == year and d.weekday() < 5 for d in days)


@given(st.integers(min_value=1971, max_value=9998))
def test_holiday_count_under_the_uniform_monday_holiday_act(year: int) -> None:
    # Since 1971 (Uniform Monday Holiday Act): 9 holidays, 10 from 1986 (King),
    # 11 from 2021 (Juneteenth); New Year's Day on a Saturday moves to the
    # year before. (The former hand-written rules applied these to every
    # year from 1; the holidays package knows each holiday's first year.)
    days = us_federal_holidays(year)
    base = 11 if year >= 2021 else 10 if year >= 1986 else 9
    assert base - 1 <= len(days) <= base + 1


def test_veterans_day_1971_to_1977_was_in_october() -> None:
    # Uniform Monday Holiday Act, until Pub. L. 94-97 moved it back from 1978;
    # the former hand-written rules had November 11 for every year.
    assert date(1975, 10, 27) in us_federal_holidays(1975)
    assert date(1975, 11, 11) not in us_federal_holidays(1975)
    assert date(1978, 11, 10) in us_federal_holidays(1978)  # Nov 11 was a Saturday


@given(st.integers(min_value=1971, max_value=9998))
def test_every_weekday_holiday_of_the_year_is_off(year: int) -> None:
    """A fixed-date holiday that falls on a weekday is itself a day off."""
    days = us_federal_holidays(year)
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 12, 25)]
    if year >= 1978:  # 1971-1977: Veterans Day on the 4th Monday of October
        fixed.append(date(year, 11, 11))
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    for day in fixed:
        assert (day in days) == (day.weekday() < 5)
        assert not is_business_day(day)


@pytest.mark.parametrize("year", [0, 9999, 10_000, -1, "2026", 2026.0, None, True])
def test_bad_year(year: object) -> None:
    with pytest.raises(InvalidArgument):
        us_federal_holidays(year)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        us_federal_holiday_calendar(year)  # type: ignore[arg-type]


# -- business days ----------------------------------------------------------------


def test_add_business_days_examples() -> None:
    monday = date(2026, 1, 5)
    assert add_business_days(monday, 0) == monday
    assert add_business_days(monday, 1) == date(2026, 1, 6)
    assert add_business_days(monday, 5) == date(2026, 1, 12)
    # Across MLK Day (Monday 2026-01-19) and a weekend.
    assert add_business_days(date(2026, 1, 16), 1) == date(2026, 1, 20)
    assert add_business_days(monday, 10) == date(2026, 1, 20)
    # From a Saturday: the next business day is Monday.
    assert add_business_days(date(2026, 1, 10), 1) == date(2026, 1, 12)
    # Backwards over Christmas 2026 (Friday).
    assert add_business_days(date(2026, 12, 28), -1) == date(2026, 12, 24)


def test_is_business_day() -> None:
    assert is_business_day(date(2026, 1, 5))
    assert not is_business_day(date(2026, 1, 10))  # Saturday
    assert not is_business_day(date(2026, 7, 3))  # observed Independence Day
    with pytest.raises(InvalidArgument):
        is_business_day(datetime(2026, 1, 5, tzinfo=UTC))


def _count_business_days(start: date, end: date) -> int:
    """Business days d with start < d <= end, counted one by one."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(day)
    return count


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@given(dates, st.integers(min_value=0, max_value=400))
def test_add_business_days_counts_exactly(start: date, n: int) -> None:
    end = add_business_days(start, n)
    assert _count_business_days(start, end) == n
    if n:
        assert is_business_day(end)
        assert end > start


@settings(max_examples=50)
@given(dates, st.integers(min_value=1, max_value=3000))
def test_add_business_days_round_trip(start: date, n: int) -> None:
    end = add_business_days(start, n)
    back = add_business_days(end, -n)
    if is_business_day(start):
        assert back == start
    else:  # lands on the last business day before start
        assert back < start
        assert is_business_day(back)
        assert _count_business_days(back, start) == 0


@settings(max_examples=30)
@given(dates, st.integers(min_value=11, max_value=2000))
def test_week_jumps_agree_with_day_by_day(start: date, n: int) -> None:
    day_by_day = start
    for _ in range(n):
        day_by_day = add_business_days(day_by_day, 1)
    assert add_business_days(start, n) == day_by_day


@pytest.mark.parametrize(
    ("start", "n"),
    [
        ("2026-01-05", 1),
        (datetime(2026, 1, 5, tzinfo=UTC), 1),
        (None, 1),
        (date(2026, 1, 5), 1.0),
        (date(2026, 1, 5), "1"),
        (date(2026, 1, 5), None),
        (date(2026, 1, 5), True),
        (date(9999, 12, 30), 5),
        (date(1, 1, 3), -5),
    ],
)
def test_add_business_days_bad_arguments(start: object, n: object) -> None:
    with pytest.raises(InvalidArgument):
        add_business_days(start, n)  # type: ignore[arg-type]


# -- deadline -------------------------------------------------------------------


def test_deadline_across_a_holiday_and_weekends() -> None:
    # Thursday 2026-12-24: Christmas (Fri) and New Year's Day (Fri) are skipped.
    received = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    deadline = revocation_deadline(received)
    assert deadline == datetime(2027, 1, 11, 23, 59, 59, 999999, tzinfo=UTC)


def test_deadline_plain_weeks() -> None:
    received = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, no holidays
    assert revocation_deadline(received).date() == date(2026, 3, 16)


def test_deadline_uses_received_at_time_zone() -> None:
    eastern = ZoneInfo("America/New_York")
    # Friday 21:00 in New York is already Saturday in UTC.
    received = datetime(2026, 3, 6, 21, 0, tzinfo=eastern)
    deadline = revocation_deadline(received)
    assert deadline.tzinfo is eastern
    assert deadline.date() == date(2026, 3, 20)
    assert deadline.time() == time.max
    in_utc = revocation_deadline(received.astimezone(UTC))
    assert in_utc.date() == date(2026, 3, 20)
    assert revocation_deadline(received, tz="UTC").tzinfo == ZoneInfo("UTC")
    # Thursday 21:00 in New York is Friday in UTC: the zone matters.
    thursday = datetime(2026, 3, 5, 21, 0, tzinfo=eastern)
    assert revocation_deadline(thursday).date() == date(2026, 3, 19)
    assert revocation_deadline(thursday, tz=UTC).date() == date(2026, 3, 20)


aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), ZoneInfo("America/Chicago")]),
)


@given(aware)
def test_deadline_is_ten_business_days_after_receipt(received_at: datetime) -> None:
    deadline = revocation_deadline(received_at)
    received_day = received_at.date()
    assert deadline > received_at
    assert deadline.date() > received_day
    assert is_business_day(deadline.date())
    assert _count_business_days(received_day, deadline.date()) == HONOR_WITHIN_BUSINESS_DAYS


@given(aware, st.integers(min_value=1, max_value=30))
def test_deadline_business_days_parameter(received_at: datetime, n: int) -> None:
    deadline = revocation_deadline(received_at, business_days=n)
    assert _count_business_days(received_at.date(), deadline.date()) == n


def test_deadline_refuses_naive_and_bad_arguments() -> None:
    with pytest.raises(NaiveDatetimeError):
        revocation_deadline(datetime(2026, 1, 5, 12, 0))
    with pytest.raises(NaiveDatetimeError):
        revocation_deadline("2026-01-05")  # type: ignore[arg-type]
    received = datetime(2026, 1, 5, tzinfo=UTC)
    for bad in (0, -1, 1.5, True, None):
        with pytest.raises(InvalidArgument):
            revocation_deadline(received, business_days=bad)  # type: ignore[arg-type]
    for tz in ("Mars/Olympus", 5, "", "../etc"):
        with pytest.raises(InvalidArgument):
            revocation_deadline(received, tz=tz)  # type: ignore[arg-type]


# -- revoke all -------------------------------------------------------------------


def test_revoke_all_policy() -> None:
    policy = RevokeAllPolicy()
    assert policy.enabled
    assert policy.effective == REVOKE_ALL_EFFECTIVE == date(2027, 1, 31)
    assert not policy.applies(datetime(2027, 1, 30, 23, 59, tzinfo=UTC))
    assert policy.applies(datetime(2027, 1, 31, 0, 0, tzinfo=UTC))
    assert not RevokeAllPolicy(enabled=False).applies(datetime(2030, 1, 1, tzinfo=UTC))
    earlier = RevokeAllPolicy(effective=date(2025, 4, 11))
    assert earlier.applies(datetime(2026, 1, 5, tzinfo=UTC))
    with pytest.raises(NaiveDatetimeError):
        policy.applies(datetime(2027, 2, 1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"enabled": "yes"},
        {"enabled": 1},
        {"effective": "2027-01-31"},
        {"effective": datetime(2027, 1, 31, tzinfo=UTC)},
    ],
)
def test_revoke_all_policy_bad_config(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        RevokeAllPolicy(**kwargs)  # type: ignore[arg-type]


# -- the record -------------------------------------------------------------------


def test_record(clock: ManualClock) -> None:
    received = clock.now()  # Monday 2026-01-05 12:00 UTC
    rev = Revocation.record("(415) 555-0123", "email", received, account="acme", note="via support")
    assert rev.phone == "+14155550123"
    assert rev.channel is RevocationChannel.EMAIL
    assert rev.received_at == received
    assert rev.honor_by == datetime(2026, 1, 20, 23, 59, 59, 999999, tzinfo=UTC)
    assert not rev.revoke_all  # before 2027-01-31
    assert not rev.is_overdue(clock.now())
    clock.advance(timedelta(days=16))
    assert rev.is_overdue(clock.now())
    with pytest.raises(NaiveDatetimeError):
        rev.is_overdue(datetime(2026, 2, 1))


def test_record_revoke_all_after_effective_date() -> None:
    at = datetime(2027, 2, 1, 12, tzinfo=UTC)
    assert Revocation.record("+14155550123", RevocationChannel.CALL, at).revoke_all
    off = RevokeAllPolicy(enabled=False)
    assert not Revocation.record("+14155550123", "call", at, policy=off).revoke_all


def test_record_round_trips_through_json() -> None:
    rev = Revocation.record("+14155550123", "web_form", datetime(2026, 6, 18, 10, tzinfo=UTC))
    again = Revocation.model_validate_json(rev.model_dump_json())
    assert again == rev
    assert again.honor_by == rev.honor_by
    assert Revocation.model_validate(rev.model_dump()) == rev


@pytest.mark.parametrize(
    "kwargs",
    [
        {"phone": "not a phone"},
        {"phone": 4155550123},
        {"channel": "fax"},
        {"received_at": datetime(2026, 1, 5)},
        {"received_at": "yesterday"},
        {"surprise": 1},
    ],
)
def test_record_validation(kwargs: dict[str, object]) -> None:
    data: dict[str, object] = {
        "phone": "+14155550123",
        "channel": "email",
        "received_at": datetime(2026, 1, 5, tzinfo=UTC),
    }
    data.update(kwargs)
    with pytest.raises(ValidationError):
        Revocation.model_validate(data)


def test_record_helper_refuses_bad_arguments() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with pytest.raises(NaiveDatetimeError):
        Revocation.record("+14155550123", "email", datetime(2026, 1, 5))
    with pytest.raises(InvalidArgument):
        Revocation.record("+14155550123", "email", at, policy="on")  # type: ignore[arg-type]
    with pytest.raises((ValidationError, A2PPolicyError)):
        Revocation.record("nope", "email", at)
