"""RateMonitor: SPEC 7 (reference/phone-messaging-policy-rampup-dnd.txt,
"Error and Opt-out Rate Monitoring")."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument, StorageError
from a2p_policy._limits.monitor import (
    HealthLevel,
    MonitorStatus,
    RateMonitor,
    RateThresholds,
    RateWindow,
    SuspensionPolicy,
    parse_rate,
)
from a2p_policy.storage.memory import MemoryStorage

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def make(clock: ManualClock, **kw: object) -> RateMonitor:
    return RateMonitor(storage=MemoryStorage(), clock=clock, **kw)  # type: ignore[arg-type]


def feed(m: RateMonitor, account: str, *, outcomes: int, errors: int, sent: int = 0) -> None:
    if sent:
        m.record_sent(account, sent)
    for i in range(outcomes):
        m.record_outcome(account, delivered=i >= errors, error_code=None)


class Kind(enum.Enum):
    BULK = 1
    CONVERSATION = 2
    MISSED_CALL_TEXT_BACK = 3


# ---------------------------------------------------------------- thresholds


def test_default_and_lock_24h_presets() -> None:
    d = RateThresholds.default()
    assert (d.warn_error_rate, d.warn_opt_out_rate) == (Fraction(8, 100), Fraction(1, 100))
    assert (d.suspend_error_rate, d.suspend_opt_out_rate) == (Fraction(1, 8), Fraction(1, 40))
    assert d.suspension is SuspensionPolicy.UNTIL_UTC_MIDNIGHT
    lock = RateThresholds.lock_24h()
    assert (lock.suspend_error_rate, lock.suspend_opt_out_rate) == (
        Fraction(12, 100),
        Fraction(2, 100),
    )
    assert lock.suspension_end(START) == START + timedelta(hours=24)
    assert d.suspension_end(START) == datetime(2026, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.125, Fraction(1, 8)),
        (0.08, Fraction(2, 25)),
        ("12.5%", Fraction(1, 8)),
        ("1/40", Fraction(1, 40)),
        (Fraction(1, 100), Fraction(1, 100)),
        (0, Fraction(0)),
        (1, Fraction(1)),
    ],
)
def test_parse_rate_is_exact(raw: object, expected: Fraction) -> None:
    assert parse_rate(raw) == expected


@pytest.mark.parametrize("bad", ["abc", -0.1, 1.5, True, None, [], "1/0", float("nan")])
def test_parse_rate_refuses_nonsense(bad: object) -> None:
    with pytest.raises(ConfigurationError):
        parse_rate(bad)


def test_thresholds_validate() -> None:
    with pytest.raises(ConfigurationError):
        RateThresholds(warn_error_rate=0.2, suspend_error_rate=0.1)
    with pytest.raises(ConfigurationError):
        RateThresholds(suspension_duration=timedelta(0))
    with pytest.raises(ConfigurationError):
        RateThresholds(suspension="later")  # type: ignore[arg-type]
    t = RateThresholds(warn_error_rate="6%", suspend_error_rate="10%", suspend_opt_out_rate=None)
    assert t.suspend_opt_out_rate is None
    assert t.evaluate(100, 100, 0, 100)[0] is HealthLevel.WARNING


def test_boundary_is_exact_12_5_percent_of_200() -> None:
    t = RateThresholds.default()
    assert t.evaluate(0, 200, 25, 0)[0] is HealthLevel.SUSPENDED  # exactly 12.5 %
    assert t.evaluate(0, 200, 24, 0)[0] is HealthLevel.WARNING  # 12 %
    assert t.evaluate(0, 100, 8, 0)[0] is HealthLevel.WARNING  # exactly 8 %
    assert t.evaluate(0, 100, 7, 0)[0] is HealthLevel.HEALTHY
    assert t.evaluate(1000, 0, 0, 25)[0] is HealthLevel.SUSPENDED  # exactly 2.5 %
    assert t.evaluate(1000, 0, 0, 10)[0] is HealthLevel.WARNING  # exactly 1 %
    assert t.evaluate(1000, 0, 0, 9)[0] is HealthLevel.HEALTHY


def test_reason_names_rate_and_threshold() -> None:
    t = RateThresholds.default()
    level, reason = t.evaluate(200, 200, 25, 1)
    assert level is HealthLevel.SUSPENDED
    assert "error rate 12.5% (25/200) >= suspension threshold 12.5%" in reason
    level, reason = t.evaluate(100, 100, 0, 1)
    assert reason == "opt-out rate 1% (1/100) >= warning threshold 1%"
    assert "below minimum volume" in t.evaluate(99, 99, 99, 99)[1]
    assert "below the warning thresholds" in t.evaluate(100, 100, 0, 0)[1]


# ---------------------------------------------------------------- monitor


def test_warning_then_suspension_with_notifications(clock: ManualClock) -> None:
    m = make(clock)
    events: list[tuple[str, HealthLevel]] = []
    m.subscribe(lambda acct, st: events.append((acct, st.level)))
    m.record_sent("a", 100)
    feed(m, "a", outcomes=92, errors=0)
    for _ in range(7):
        m.record_outcome("a", delivered=False, error_code=30008)
    assert m.status("a").level is HealthLevel.HEALTHY  # 7/99: below minimum volume
    for _ in range(1):
        m.record_outcome("a", delivered=False, error_code=30008)
    st = m.status("a")
    assert st.level is HealthLevel.WARNING  # exactly 8/100
    assert events == [("a", HealthLevel.WARNING)]
    for _ in range(10):
        m.record_outcome("a", delivered=False, error_code=30003)
    st = m.status("a")
    assert st.level is HealthLevel.SUSPENDED
    assert st.suspended_until == datetime(2026, 1, 6, tzinfo=UTC)
    assert "suspension threshold 12.5%" in st.reason
    assert events == [("a", HealthLevel.WARNING), ("a", HealthLevel.SUSPENDED)]
    m.status("a")
    m.record_sent("a")
    assert len(events) == 2  # once per change


def test_suspension_outlasts_falling_rates_until_utc_midnight(clock: ManualClock) -> None:
    m = make(clock)
    feed(m, "a", outcomes=100, errors=20, sent=100)
    assert m.status("a").suspended
    feed(m, "a", outcomes=1000, errors=0)  # rate now far below the thresholds
    st = m.status("a")
    assert st.suspended
    assert st.error_rate == pytest.approx(20 / 1100)
    clock.set(datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC))
    assert m.status("a").suspended
    clock.set(datetime(2026, 1, 6, tzinfo=UTC))
    st = m.status("a")
    assert st.level is HealthLevel.HEALTHY
    assert st.suspended_until is None
    assert st.sent == 0  # a new UTC day: a new window


def test_lock_24h_lasts_24_hours_from_the_trip(clock: ManualClock) -> None:
    m = make(clock, thresholds=RateThresholds.lock_24h())
    feed(m, "a", outcomes=100, errors=12)
    st = m.status("a")
    assert st.level is HealthLevel.SUSPENDED
    assert st.suspended_until == START + timedelta(hours=24)
    clock.set(datetime(2026, 1, 6, 11, 59, tzinfo=UTC))
    assert m.status("a").suspended
    clock.set(datetime(2026, 1, 6, 12, 0, tzinfo=UTC))
    assert not m.status("a").suspended


def test_minimum_volume(clock: ManualClock) -> None:
    m = make(clock)
    m.record_sent("a")
    m.record_outcome("a", delivered=False)
    m.record_opt_out("a")
    st = m.status("a")
    assert st.level is HealthLevel.HEALTHY
    assert st.error_rate == 1.0
    assert "below minimum volume" in st.reason
    m2 = make(clock, min_volume=1)
    m2.record_outcome("a", delivered=False)
    assert m2.status("a").suspended


def test_exempt_kinds_while_suspended(clock: ManualClock) -> None:
    m = make(clock)
    assert m.is_send_allowed("a", "BULK")
    m.record_sent("a", 100)
    m.record_opt_out("a", 3)
    assert m.status("a").suspended
    assert not m.is_send_allowed("a", "BULK")
    assert not m.is_send_allowed("a", Kind.BULK)
    assert not m.is_send_allowed("a", "REVIEW_REQUEST")
    for kind in ("CONVERSATION", "test", "Resend", "missed-call-text-back"):
        assert m.is_send_allowed("a", kind)
    assert m.is_send_allowed("a", Kind.CONVERSATION)
    assert m.is_send_allowed("a", Kind.MISSED_CALL_TEXT_BACK)
    assert m.check("a", "TEST").level is HealthLevel.WARNING
    assert m.check("a", "BULK").level is HealthLevel.SUSPENDED
    with pytest.raises(InvalidArgument):
        m.is_send_allowed("a", 3)


def test_error_codes_are_classified(clock: ManualClock) -> None:
    m = make(clock)
    m.record_outcome("a", delivered=False, error_code=30008)
    m.record_outcome("a", delivered=False, error_code="30005")
    m.record_outcome("a", delivered=False, error_code=21610)  # not a delivery error
    m.record_outcome("a", delivered=True, error_code=30008)
    st = m.status("a")
    assert (st.outcomes, st.errors) == (4, 2)


def test_rolling_window(clock: ManualClock) -> None:
    m = make(clock, window=RateWindow.rolling(timedelta(hours=24)))
    feed(m, "a", outcomes=100, errors=9, sent=100)
    assert m.status("a").level is HealthLevel.WARNING
    clock.advance(timedelta(hours=13))  # crosses UTC midnight: still in the window
    assert m.status("a").outcomes == 100
    assert m.status("a").level is HealthLevel.WARNING
    clock.advance(timedelta(hours=11))
    st = m.status("a")
    assert st.outcomes == 0
    assert st.level is HealthLevel.HEALTHY
    assert st.window_start <= clock.now()


def test_window_validation() -> None:
    with pytest.raises(ConfigurationError):
        RateWindow.rolling(timedelta(hours=24), bucket=timedelta(hours=5))
    with pytest.raises(ConfigurationError):
        RateWindow.rolling(timedelta(days=30), bucket=timedelta(seconds=1))
    with pytest.raises(ConfigurationError):
        RateWindow(length=timedelta(0))


def test_notifications_fire_once_across_instances(clock: ManualClock) -> None:
    shared = MemoryStorage()
    events: list[HealthLevel] = []
    a = RateMonitor(storage=shared, clock=clock)
    b = RateMonitor(storage=shared, clock=clock)
    for mon in (a, b):
        mon.subscribe(lambda acct, st: events.append(st.level))
    a.record_sent("x", 100)
    b.record_opt_out("x", 1)
    a.status("x")
    b.status("x")
    assert events == [HealthLevel.WARNING]


def test_failing_subscriber_does_not_break_recording(clock: ManualClock) -> None:
    m = make(clock, min_volume=1)
    seen: list[str] = []

    def boom(acct: str, st: MonitorStatus) -> None:
        raise RuntimeError("mail server down")

    m.subscribe(boom)
    unsub = m.subscribe(lambda acct, st: seen.append(acct))
    m.record_outcome("a", delivered=False)
    assert seen == ["a"]
    unsub()
    unsub()
    clock.advance(timedelta(days=1))
    m.status("a")
    assert seen == ["a"]


@pytest.mark.parametrize("bad", [None, 1, "", "y" * 500])
def test_bad_input(clock: ManualClock, bad: object) -> None:
    m = make(clock)
    calls: list[Callable[[], object]] = [
        lambda: m.record_sent(bad),  # type: ignore[arg-type]
        lambda: m.record_opt_out(bad),  # type: ignore[arg-type]
        lambda: m.record_outcome(bad, delivered=True),  # type: ignore[arg-type]
        lambda: m.status(bad),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(InvalidArgument):
            call()
    with pytest.raises(InvalidArgument):
        m.record_outcome("a", delivered="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        m.record_outcome("a", delivered=False, error_code=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        m.record_sent("a", -1)
    with pytest.raises(InvalidArgument):
        m.subscribe("not callable")  # type: ignore[arg-type]
    for kw in ({"thresholds": "x"}, {"min_volume": 0}, {"window": 3}, {"clock": 1}):
        with pytest.raises(ConfigurationError):
            RateMonitor(**kw)


# ---------------------------------------------------------------- properties


def _steps(
    m: RateMonitor, sent: int, outcomes: int, errors: int, opt_outs: int
) -> list[Callable[[], object]]:
    return [
        lambda: m.record_sent("a", sent),
        lambda: [m.record_outcome("a", delivered=True) for _ in range(outcomes - errors)],
        lambda: [m.record_outcome("a", delivered=False) for _ in range(errors)],
        lambda: m.record_opt_out("a", opt_outs),
    ]


@settings(max_examples=60)
@given(
    sent=st.integers(0, 400),
    outcomes=st.integers(0, 400),
    errors=st.integers(0, 400),
    opt_outs=st.integers(0, 50),
    min_volume=st.integers(1, 300),
)
def test_level_is_a_pure_function_of_the_counts(
    sent: int, outcomes: int, errors: int, opt_outs: int, min_volume: int
) -> None:
    errors = min(errors, outcomes)
    t = RateThresholds.default()
    expected, _ = t.evaluate(sent, outcomes, errors, opt_outs, min_volume=min_volume)
    # Same counts, reached in two different orders, on fresh monitors.
    for order in (0, 1):
        m = RateMonitor(storage=MemoryStorage(), clock=ManualClock(START), min_volume=min_volume)
        steps = _steps(m, sent, outcomes, errors, opt_outs)
        for step in steps if order == 0 else list(reversed(steps)):
            step()
        st_ = m.status("a")
        assert (st_.sent, st_.outcomes, st_.errors, st_.opt_outs) == (
            sent,
            outcomes,
            errors,
            opt_outs,
        )
        assert st_.rate_level is expected
        if st_.suspended_until is None:
            assert st_.level is expected
        else:
            assert st_.level is HealthLevel.SUSPENDED


@given(
    num=st.integers(1, 999),
    den=st.integers(1, 1000),
    scale=st.integers(1, 50),
)
def test_a_threshold_crossed_by_exactly_its_value_triggers(num: int, den: int, scale: int) -> None:
    if num > den:
        num, den = den, num
    rate = Fraction(num, den)
    t = RateThresholds(
        warn_error_rate=rate,
        warn_opt_out_rate=None,
        suspend_error_rate=None,
        suspend_opt_out_rate=None,
    )
    outcomes = rate.denominator * scale
    errors = rate.numerator * scale
    assert t.evaluate(0, outcomes, errors, 0, min_volume=1)[0] is HealthLevel.WARNING
    assert t.evaluate(0, outcomes, errors - 1, 0, min_volume=1)[0] is HealthLevel.HEALTHY


@given(
    sent=st.integers(0, 10_000),
    outcomes=st.integers(0, 10_000),
    errors=st.integers(0, 10_000),
    opt_outs=st.integers(0, 10_000),
    min_volume=st.integers(1, 10_001),
)
def test_below_minimum_volume_nothing_triggers(
    sent: int, outcomes: int, errors: int, opt_outs: int, min_volume: int
) -> None:
    t = RateThresholds.default()
    level, _ = t.evaluate(
        min(sent, min_volume - 1),
        min(outcomes, min_volume - 1),
        errors,
        opt_outs,
        min_volume=min_volume,
    )
    assert level is HealthLevel.HEALTHY


@given(account=st.text(max_size=20), code=st.one_of(st.integers(), st.text(), st.none()))
def test_fuzz_record_outcome(account: str, code: object) -> None:
    m = RateMonitor(clock=ManualClock(START))
    try:
        st_ = m.record_outcome(account, delivered=False, error_code=code)  # type: ignore[arg-type]
    except A2PPolicyError:
        return
    assert st_.outcomes == 1


@pytest.mark.parametrize(
    "raw",
    ['{"until": 1e17}', '{"until": -1e17}', '{"until": "soon"}', '{"until": NaN}', "[1]", "x"],
)
def test_corrupt_suspension_record_fails_closed(raw: str) -> None:
    """A garbage suspension record raises StorageError (never OSError,
    OverflowError or TypeError from deep inside, never a silent allow)."""
    store = MemoryStorage()
    monitor = RateMonitor(storage=store, clock=ManualClock(datetime(2026, 1, 5, 12, tzinfo=UTC)))
    store.put(monitor._key("suspension", "acct"), raw)
    with pytest.raises(StorageError, match="suspension"):
        monitor.status("acct")
