"""The rate monitor's kept level (issue 13, item 2): a decision reads the
account's level as one small value instead of recomputing it from the
window's counts. Invariants, for any sequence of events:

* the kept level equals the level recomputed from the counts (``peek``);
* a level the counts move to is kept at the event that moved it (sends
  included), so a suspension trips at once and is read by the next decision;
* subscribers hear every change of level once, in order, and the last one
  they heard is the level now.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy import OutboundMessage, PolicyEngine
from a2p_policy._clock import ManualClock
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._errors import InvalidArgument
from a2p_policy._limits.monitor import (
    HealthLevel,
    MonitorStatus,
    RateMonitor,
    RateThresholds,
    RateWindow,
)
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.memory import MemoryStorage

START = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
ACCOUNT = "acct"

# (event, amount): sends counted by a decision (with or without the status it
# read), sends taken back, outcomes, opt-outs, a status read, the clock moving.
EVENTS = st.one_of(
    st.tuples(st.sampled_from(["count_sent", "count_sent_known", "record_sent"]),
              st.integers(1, 60)),
    st.tuples(st.just("uncount_sent"), st.integers(1, 30)),
    st.tuples(st.sampled_from(["delivered", "error", "opt_out"]), st.integers(1, 4)),
    st.tuples(st.just("status"), st.just(0)),
    st.tuples(st.just("advance_minutes"), st.integers(1, 180)),
)  # fmt: skip


def _apply(m: RateMonitor, clock: ManualClock, event: str, n: int) -> None:
    if event == "count_sent":
        m.count_sent(ACCOUNT, n)
    elif event == "count_sent_known":
        m.count_sent(ACCOUNT, n, known=m.current(ACCOUNT))
    elif event == "record_sent":
        m.record_sent(ACCOUNT, n)
    elif event == "uncount_sent":
        m.uncount_sent(ACCOUNT, n)
    elif event in ("delivered", "error"):
        for _ in range(n):
            m.record_outcome(ACCOUNT, delivered=event == "delivered", error_code=None)
    elif event == "opt_out":
        m.record_opt_out(ACCOUNT, n)
    elif event == "status":
        m.status(ACCOUNT)
    else:
        clock.advance(timedelta(minutes=n))


def _kept(m: RateMonitor) -> MonitorStatus | None:
    return m._kept_status(ACCOUNT, m.storage.get(m.kept_key(ACCOUNT)))


def _check_kept_equals_recomputed(m: RateMonitor, clock: ManualClock) -> None:
    kept = _kept(m)
    fresh = m.peek(ACCOUNT)
    now = clock.now()
    if kept is None:
        # Nothing kept yet: only ever a healthy account (a decision then judges).
        assert fresh.level is HealthLevel.HEALTHY
        return
    rolled = kept.window_start != m.window.start(now)
    ended = kept.suspended_until is not None and now >= kept.suspended_until
    if rolled or ended:
        return  # stale by time: current() judges it again (checked below)
    assert kept.level is fresh.level
    assert kept.rate_level is fresh.rate_level
    assert kept.suspended_until == fresh.suspended_until


@settings(max_examples=120, deadline=None)
@given(
    events=st.lists(EVENTS, min_size=1, max_size=40),
    rolling=st.booleans(),
    min_volume=st.integers(1, 120),
)
def test_kept_level_equals_the_level_recomputed_from_counts(
    events: list[tuple[str, int]], rolling: bool, min_volume: int
) -> None:
    clock = ManualClock(START)
    window = (
        RateWindow.rolling(timedelta(hours=3), bucket=timedelta(hours=1))
        if rolling
        else RateWindow.utc_day()
    )
    m = RateMonitor(storage=MemoryStorage(), clock=clock, window=window, min_volume=min_volume)
    heard: list[HealthLevel] = []
    m.subscribe(lambda account, status: heard.append(status.level))
    for event, n in events:
        _apply(m, clock, event, n)
        _check_kept_equals_recomputed(m, clock)
        current = m.current(ACCOUNT)
        assert current.level is m.peek(ACCOUNT).level
        # Every change heard once, in order; the last one heard is the level now.
        assert all(a is not b for a, b in itertools.pairwise(heard))
        assert (heard[-1] if heard else HealthLevel.HEALTHY) is current.level


@settings(max_examples=200, deadline=None)
@given(
    sent=st.integers(0, 10_000),
    outcomes=st.integers(0, 10_000),
    errors=st.integers(0, 10_000),
    opt_outs=st.integers(0, 10_000),
    min_volume=st.integers(0, 500),
    lock=st.booleans(),
)
def test_integer_level_equals_evaluate(
    sent: int, outcomes: int, errors: int, opt_outs: int, min_volume: int, lock: bool
) -> None:
    t = RateThresholds.lock_24h() if lock else RateThresholds.default()
    errors = min(errors, outcomes)
    level = t._level(sent, outcomes, errors, opt_outs, min_volume)
    assert level is t.evaluate(sent, outcomes, errors, opt_outs, min_volume=min_volume)[0]


def test_a_send_that_reaches_the_minimum_volume_trips_the_suspension_at_once() -> None:
    clock = ManualClock(START)
    store = MemoryStorage()
    m = RateMonitor(storage=store, clock=clock)
    other = RateMonitor(storage=store, clock=clock)  # another process, same store
    heard: list[HealthLevel] = []
    m.subscribe(lambda account, status: heard.append(status.level))
    m.count_sent(ACCOUNT, 99)
    m.record_opt_out(ACCOUNT, 3)  # 3/99: below the minimum volume, not judged
    assert m.current(ACCOUNT).level is HealthLevel.HEALTHY
    m.count_sent(ACCOUNT, 1, known=m.current(ACCOUNT))  # 3/100 >= 2.5 %
    assert heard == [HealthLevel.SUSPENDED]
    kept = other.current(ACCOUNT)
    assert kept.from_kept
    assert kept.suspended
    assert kept.suspended_until == datetime(2026, 1, 6, tzinfo=UTC)
    # The suspension lasts until 00:00 UTC, then the new day is judged afresh.
    clock.set(datetime(2026, 1, 6, 0, 1, tzinfo=UTC))
    assert other.current(ACCOUNT).level is HealthLevel.HEALTHY


def test_monitors_with_other_settings_keep_their_own_level() -> None:
    clock = ManualClock(START)
    store = MemoryStorage()
    strict = RateMonitor(storage=store, clock=clock, min_volume=10)
    loose = RateMonitor(storage=store, clock=clock, min_volume=1_000)
    strict.record_sent(ACCOUNT, 10)
    strict.record_opt_out(ACCOUNT, 1)  # 10 %: suspended for the strict monitor only
    assert strict.kept_key(ACCOUNT) != loose.kept_key(ACCOUNT)
    assert strict.current(ACCOUNT).suspended
    # The suspension record is shared (one account, one suspension) ...
    assert loose.current(ACCOUNT).suspended
    # ... but the rate level is each monitor's own.
    assert loose.peek(ACCOUNT).rate_level is HealthLevel.HEALTHY


def _engine(clock: ManualClock) -> PolicyEngine:
    engine = PolicyEngine(storage=MemoryStorage(), clock=clock)
    engine.ramp.set_override(ACCOUNT, 10_000)
    for i in range(3):
        engine.consent.grant(
            ConsentRecord(
                phone=f"+1415555{i:04d}",
                brand="Acme",
                account=ACCOUNT,
                method=OptInMethod.WEB_FORM,
                captured_at=clock.now(),
                scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
                express=True,
                source_url="https://acme.example.com/sms-signup",
                consent_text="I agree to receive reminders from Acme.",
            )
        )
    return engine


def test_engine_decisions_read_the_kept_level_and_suspend_at_once() -> None:
    clock = ManualClock(datetime(2026, 1, 5, 19, 0, tzinfo=UTC))
    engine = _engine(clock)
    heard: list[HealthLevel] = []
    engine.monitor.subscribe(lambda account, status: heard.append(status.level))

    def msg(i: int) -> OutboundMessage:
        return OutboundMessage(ACCOUNT, "+14155550199", f"+1415555{i % 3:04d}",
                               "Your order has shipped.", brand="Acme")  # fmt: skip

    engine.monitor.count_sent(ACCOUNT, 98)
    engine.monitor.record_opt_out(ACCOUNT, 3)
    assert engine.authorize(msg(0)).allowed  # 99 sent: rates not judged yet
    assert heard == []
    assert engine.authorize(msg(1)).allowed  # the 100th: 3 % opt-outs, suspended now
    assert heard == [HealthLevel.SUSPENDED]
    refused = engine.authorize(msg(2))
    assert refused.codes == ("account.suspended",)
    assert engine.check(msg(2)).codes == ("account.suspended",)
    assert heard == [HealthLevel.SUSPENDED]  # announced once


def test_threads_racing_sends_and_opt_outs_keep_the_suspension_exact() -> None:
    clock = ManualClock(START)
    store = MemoryStorage()
    monitors = [RateMonitor(storage=store, clock=clock) for _ in range(4)]
    heard: list[HealthLevel] = []
    lock = threading.Lock()

    def collect(account: str, status: MonitorStatus) -> None:
        with lock:
            heard.append(status.level)

    for m in monitors:
        m.subscribe(collect)

    def work(m: RateMonitor) -> None:
        for _ in range(40):
            m.count_sent(ACCOUNT, 1, known=m.current(ACCOUNT))
            m.record_opt_out(ACCOUNT)

    threads = [threading.Thread(target=work, args=(m,)) for m in monitors for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept = _kept(monitors[0])
    assert kept is not None
    assert kept.suspended
    assert all(m.current(ACCOUNT).suspended for m in monitors)
    assert heard.count(HealthLevel.SUSPENDED) == 1


@pytest.mark.parametrize("bad", [None, 1, "", " ", "a\x00b", "y" * 500])
def test_remembered_accounts_never_let_a_bad_one_through(bad: object) -> None:
    m = RateMonitor(storage=MemoryStorage(), clock=ManualClock(START))
    m.count_sent(ACCOUNT, 1)  # a good account, now remembered
    for call in (
        lambda: m.count_sent(bad, 1),  # type: ignore[arg-type]
        lambda: m.current(bad),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidArgument):
            call()
