"""RampUpLimiter: SPEC 6 (reference/phone-messaging-policy-rampup-dnd.txt)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument
from a2p_policy._limits.ramp import (
    DEFAULT_DAILY_LIMITS,
    Grant,
    RampMode,
    RampSchedule,
    RampUpLimiter,
)
from a2p_policy.storage.memory import MemoryStorage

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LEVEL = RampSchedule(mode=RampMode.LEVEL_UNLOCK)


def make(clock: ManualClock, schedule: RampSchedule | None = None) -> RampUpLimiter:
    return RampUpLimiter(schedule, storage=MemoryStorage(), clock=clock)


# ---------------------------------------------------------------- schedule


def test_default_schedule_matches_the_article() -> None:
    s = RampSchedule()
    assert s.daily_limits == (100, 250, 500, 750, 1500, 2250, 3000)
    assert s.steady_limit == 5000
    assert s.mode is RampMode.CALENDAR
    assert s.tz == "UTC"
    assert [s.limit_for_day(d) for d in range(1, 10)] == [
        100,
        250,
        500,
        750,
        1500,
        2250,
        3000,
        5000,
        5000,
    ]
    assert s.limit_for_day(0) == 100


@pytest.mark.parametrize(
    "kwargs",
    [
        {"daily_limits": (100, 50)},
        {"daily_limits": (0, 10)},
        {"daily_limits": "100"},
        {"daily_limits": (1.5,)},
        {"steady_limit": 10},
        {"steady_limit": True},
        {"tz": "Mars/Olympus"},
        {"tz": ""},
        {"mode": "calendar"},
    ],
)
def test_bad_schedules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        RampSchedule(**kwargs)  # type: ignore[arg-type]


def test_schedule_accepts_a_list() -> None:
    assert RampSchedule(daily_limits=[1, 2], steady_limit=3).daily_limits == (1, 2)


# ---------------------------------------------------------------- calendar mode


def test_day_one_until_first_success(clock: ManualClock) -> None:
    r = make(clock)
    assert r.limit_for("a") == 100
    clock.advance(timedelta(days=3))
    assert r.limit_for("a") == 100  # still day 1: no successful send yet
    assert r.ramp_start("a") is None
    r.record_success("a")
    assert r.ramp_start("a") == date(2026, 1, 8)
    assert r.limit_for("a") == 100
    clock.advance(timedelta(days=1))
    assert r.limit_for("a") == 250
    assert r.day_index("a") == 2


def test_full_ramp_by_calendar_day(clock: ManualClock) -> None:
    r = make(clock)
    r.record_success("a")
    seen = []
    for _ in range(10):
        seen.append(r.limit_for("a"))
        clock.advance(timedelta(days=1))
    assert seen == [*DEFAULT_DAILY_LIMITS, 5000, 5000, 5000]


def test_record_success_is_first_writer_wins(clock: ManualClock) -> None:
    r = make(clock)
    r.record_success("a")
    clock.advance(timedelta(days=2))
    r.record_success("a")
    assert r.ramp_start("a") == date(2026, 1, 5)
    assert r.limit_for("a") == 500


def test_batch_is_split_with_a_readable_message(clock: ManualClock) -> None:
    r = make(clock)
    g = r.reserve("a", 60)
    assert (g.granted, g.denied, g.limit, g.used) == (60, 0, 100, 60)
    assert g.allowed
    g = r.reserve("a", 60)
    assert (g.granted, g.denied, g.used) == (40, 20, 100)
    assert not g.allowed
    assert g.requested == 60
    assert g.message == "allowed 100 per day, already sent 60, 20 messages will fail"
    g = r.reserve("a")
    assert g.message == "allowed 100 per day, already sent 100, 1 message will fail"
    assert r.remaining("a") == 0


def test_article_wording_at_the_steady_limit(clock: ManualClock) -> None:
    r = make(clock)
    r.set_override("a", 5000)
    r.reserve("a", 5000)
    assert (
        r.reserve("a", 1).message == "allowed 5000 per day, already sent 5000, 1 message will fail"
    )


def test_resets_at_local_midnight_in_the_configured_zone(clock: ManualClock) -> None:
    r = make(clock, RampSchedule(tz="America/New_York"))
    g = r.reserve("a", 100)
    # 12:00 UTC is 07:00 in New York (EST, UTC-5): next midnight is 05:00 UTC.
    assert g.resets_at == datetime(2026, 1, 6, 5, 0, tzinfo=UTC)
    assert g.resets_at.tzinfo is not None
    assert r.reserve("a").granted == 0
    clock.set(datetime(2026, 1, 6, 4, 59, tzinfo=UTC))
    assert r.reserve("a").granted == 0  # still Jan 5 in New York
    clock.set(datetime(2026, 1, 6, 5, 0, tzinfo=UTC))
    assert r.reserve("a").granted == 1


def test_day_counts_in_the_schedule_zone(clock: ManualClock) -> None:
    # First success at 23:30 New York time on Jan 4 = 04:30 UTC Jan 5.
    clock.set(datetime(2026, 1, 5, 4, 30, tzinfo=UTC))
    r = make(clock, RampSchedule(tz="America/New_York"))
    r.record_success("a")
    assert r.ramp_start("a") == date(2026, 1, 4)
    clock.set(datetime(2026, 1, 5, 5, 0, tzinfo=UTC))  # midnight in New York
    assert r.limit_for("a") == 250


def test_override_replaces_and_clears(clock: ManualClock) -> None:
    r = make(clock)
    r.set_override("a", 20_000)
    assert r.limit_for("a") == 20_000
    assert r.get_override("a") == 20_000
    assert r.reserve("a", 10_000).granted == 10_000
    r.set_override("a", 0)
    assert r.reserve("a").granted == 0
    r.set_override("a", None)
    assert r.get_override("a") is None
    assert r.limit_for("a") == 100
    assert r.limit_for("b") == 100


def test_release_gives_back_todays_messages(clock: ManualClock) -> None:
    r = make(clock)
    r.reserve("a", 100)
    assert r.release("a", 30) == 70
    assert r.remaining("a") == 30
    assert r.release("a", 1000) == 0
    assert r.release("a", 0) == 0
    assert r.reserve("a", 150).granted == 100


def test_release_never_touches_another_day(clock: ManualClock) -> None:
    r = make(clock)
    r.reserve("a", 100)
    clock.advance(timedelta(days=1))
    r.release("a", 50)
    clock.set(START)
    assert r.remaining("a") == 0


def test_zero_count_only_reads(clock: ManualClock) -> None:
    r = make(clock)
    r.reserve("a", 7)
    g = r.reserve("a", 0)
    assert (g.granted, g.denied, g.used) == (0, 0, 7)


def test_accounts_are_isolated_and_keys_escape_colons(clock: ManualClock) -> None:
    r = make(clock)
    r.reserve("a", 100)
    assert r.remaining("a:count") == 100
    assert r.remaining("a%3A") == 100
    assert r.remaining("b") == 100


@pytest.mark.parametrize("bad", [None, 3, b"a", "", "   ", "x" * 201])
def test_bad_accounts_raise_library_errors(clock: ManualClock, bad: object) -> None:
    r = make(clock)
    for call in (
        lambda: r.reserve(bad),  # type: ignore[arg-type]
        lambda: r.record_success(bad),  # type: ignore[arg-type]
        lambda: r.limit_for(bad),  # type: ignore[arg-type]
        lambda: r.remaining(bad),  # type: ignore[arg-type]
        lambda: r.set_override(bad, 1),  # type: ignore[arg-type]
        lambda: r.release(bad, 1),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidArgument):
            call()


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True])
def test_bad_counts_raise_invalid_argument(clock: ManualClock, bad: object) -> None:
    r = make(clock)
    with pytest.raises(InvalidArgument):
        r.reserve("a", bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        r.release("a", bad)  # type: ignore[arg-type]
    if bad is not None:
        with pytest.raises(InvalidArgument):
            r.set_override("a", bad)  # type: ignore[arg-type]


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ConfigurationError):
        RampUpLimiter("fast")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        RampUpLimiter(clock="now")  # type: ignore[arg-type]
    with pytest.raises(A2PPolicyError):
        RampUpLimiter(storage="nope://x")


def test_storage_uri_and_default_clock() -> None:
    r = RampUpLimiter(storage="memory://")
    assert r.reserve("a").granted == 1
    assert "RampUpLimiter" in repr(r)


def test_threads_never_over_grant(clock: ManualClock) -> None:
    r = make(clock)
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = sum(r.reserve("a", 3).granted for _ in range(20))
        with lock:
            results.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 100


# ---------------------------------------------------------------- level unlock


def test_level_unlock_walkthrough(clock: ManualClock) -> None:
    r = make(clock, LEVEL)
    assert r.limit_for("a") == 100
    assert r.level("a") == 1
    g = r.reserve("a", 99)
    assert g.granted == 99
    assert g.resets_at == START + timedelta(hours=24)
    clock.advance(timedelta(hours=1))
    g = r.reserve("a", 5)
    assert (g.granted, g.denied) == (1, 4)
    restricted = START + timedelta(hours=25)
    assert g.restricted_until == restricted
    assert g.resets_at == restricted
    clock.advance(timedelta(hours=23, minutes=59))
    g = r.reserve("a")
    assert g.granted == 0
    assert g.restricted_until == restricted
    assert "restricted until" in g.message
    assert r.remaining("a") == 0
    assert r.level("a") == 1
    clock.set(restricted)
    assert r.level("a") == 2
    assert r.limit_for("a") == 250
    assert r.remaining("a") == 250
    g = r.reserve("a", 10)
    assert (g.granted, g.level) == (10, 2)


def test_level_window_expires_without_progress(clock: ManualClock) -> None:
    r = make(clock, LEVEL)
    r.reserve("a", 60)
    clock.advance(timedelta(hours=24))
    # The level was not completed within 24 h: a new window, same level.
    g = r.reserve("a", 60)
    assert (g.granted, g.used, g.level) == (60, 60, 1)
    assert r.remaining("a") == 40


def test_level_unlock_reaches_steady_and_stays(clock: ManualClock) -> None:
    r = make(clock, RampSchedule(daily_limits=(2, 3), steady_limit=4, mode=RampMode.LEVEL_UNLOCK))
    levels = []
    for _ in range(6):
        g = r.reserve("a", 10)
        levels.append((g.level, g.granted))
        clock.advance(timedelta(hours=24))
    assert levels == [(1, 2), (2, 3), (3, 4), (3, 4), (3, 4), (3, 4)]


def test_level_override_is_a_plain_cap(clock: ManualClock) -> None:
    r = make(clock, LEVEL)
    r.set_override("a", 10)
    g = r.reserve("a", 20)
    assert (g.granted, g.restricted_until) == (10, None)
    clock.advance(timedelta(hours=24))
    assert r.level("a") == 1


def test_level_release(clock: ManualClock) -> None:
    r = make(clock, LEVEL)
    assert r.release("a", 5) == 0
    r.reserve("a", 50)
    assert r.release("a", 20) == 30
    r.reserve("a", 70)  # completes the level
    assert r.release("a", 20) == 100  # a completed level is closed


# ---------------------------------------------------------------- properties

ops = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.integers(0, 400)),
        st.tuples(st.just("success"), st.just(0)),
        st.tuples(st.just("advance"), st.integers(0, 60 * 60 * 30)),
        st.tuples(st.just("release"), st.integers(0, 50)),
    ),
    max_size=40,
)


@settings(max_examples=60)
@given(ops=ops, tz=st.sampled_from(["UTC", "America/New_York", "Pacific/Honolulu"]))
def test_granted_per_day_never_exceeds_that_days_limit(ops: list[tuple[str, int]], tz: str) -> None:
    clock = ManualClock(START)
    r = RampUpLimiter(RampSchedule(tz=tz), storage=MemoryStorage(), clock=clock)
    net: dict[date, int] = {}
    limits: dict[date, int] = {}
    last_limit = 0
    for op, n in ops:
        day = clock.now().astimezone(r.schedule.zone).date()
        if op == "reserve":
            g = r.reserve("a", n)
            assert g.granted + g.denied == n
            assert 0 <= g.granted <= n
            assert g.used <= g.limit
            limits.setdefault(day, g.limit)
            assert g.limit == limits[day]
            net[day] = net.get(day, 0) + g.granted
            assert net[day] <= limits[day]
            assert g.resets_at > clock.now()
        elif op == "success":
            r.record_success("a")
        elif op == "release":
            before = r.remaining("a")
            r.release("a", n)
            net[day] = max(0, net.get(day, 0) - n)
            assert r.remaining("a") >= before
        else:
            clock.advance(timedelta(seconds=n))
        limit = r.limit_for("a")
        assert limit >= last_limit  # never decreases along the ramp
        last_limit = limit


@settings(max_examples=40)
@given(steps=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 60 * 60 * 40)), max_size=40))
def test_level_unlock_never_skips_a_level(steps: list[tuple[int, int]]) -> None:
    clock = ManualClock(START)
    r = RampUpLimiter(LEVEL, storage=MemoryStorage(), clock=clock)
    last = 1
    completed: set[int] = set()  # levels whose limit was reached (restriction began)
    for n, secs in steps:
        g = r.reserve("a", n)
        assert g.level in (last, last + 1)
        if g.level == last + 1:
            # Moving up requires the previous level to have been completed.
            assert last in completed
        assert g.limit == LEVEL.limit_for_day(g.level)
        assert g.used <= g.limit
        if g.restricted_until is not None:
            assert g.used == g.limit
            assert g.restricted_until > clock.now()
            completed.add(g.level)
        last = g.level
        clock.advance(timedelta(seconds=secs))


@given(account=st.text(max_size=30), count=st.one_of(st.integers(), st.none(), st.text()))
def test_fuzz_reserve_answers_or_raises_library_error(account: str, count: object) -> None:
    r = RampUpLimiter(clock=ManualClock(START))
    try:
        g = r.reserve(account, count)  # type: ignore[arg-type]
    except A2PPolicyError:
        return
    assert isinstance(g, Grant)
    assert g.granted + g.denied == count
