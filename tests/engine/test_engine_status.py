"""PolicyEngine.record_status: status callbacks start the ramp, feed the rate
monitor and the do-not-disturb list, idempotently by message SID.

Sources: SPEC section 6 (the ramp starts on the day of the first successfully
sent message), 7 (error rate = error outcomes / final outcomes), 8 (30003
temporary, 30004 and 21610 permanent, 30008 nothing);
reference/phone-messaging-policy-rampup-dnd.txt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from tests.engine._support import ACCOUNT, TO, TO2, grant, msg, snapshot

from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber
from a2p_policy._limits.monitor import HealthLevel
from a2p_policy.storage.memory import MemoryStorage


def test_queued_does_not_start_ramp(engine: PolicyEngine) -> None:
    r = engine.record_status(ACCOUNT, TO, "queued")
    assert not r.counted
    assert engine.ramp.ramp_start(ACCOUNT) is None


@pytest.mark.parametrize("word", ["sent", "delivered", " Delivered ", "SENT"])
def test_success_starts_ramp(engine: PolicyEngine, word: str) -> None:
    engine.record_status(ACCOUNT, TO, word)
    assert engine.ramp.ramp_start(ACCOUNT) == date(2026, 1, 5)


@pytest.mark.parametrize("word", ["failed", "undelivered", "queued", "accepted"])
def test_failure_does_not_start_ramp(engine: PolicyEngine, word: str) -> None:
    engine.record_status(ACCOUNT, TO, word, error_code=30008)
    assert engine.ramp.ramp_start(ACCOUNT) is None


def test_ramp_day_one_begins_on_first_success(engine: PolicyEngine, day_clock: ManualClock) -> None:
    assert engine.ramp.limit_for(ACCOUNT) == 100
    day_clock.advance(timedelta(days=10))  # account age does not count
    assert engine.ramp.limit_for(ACCOUNT) == 100
    engine.record_status(ACCOUNT, TO, "delivered")
    assert engine.ramp.limit_for(ACCOUNT) == 100
    day_clock.advance(timedelta(days=1))
    assert engine.ramp.limit_for(ACCOUNT) == 250
    engine.record_status(ACCOUNT, TO, "delivered")  # a later success moves nothing
    day_clock.advance(timedelta(days=1))
    assert engine.ramp.limit_for(ACCOUNT) == 500
    day_clock.advance(timedelta(days=30))
    assert engine.ramp.limit_for(ACCOUNT) == 5000


def test_final_outcomes_feed_the_monitor(engine: PolicyEngine) -> None:
    for _ in range(9):
        r = engine.record_status(ACCOUNT, TO, "delivered")
        assert r.counted
    r = engine.record_status(ACCOUNT, TO, "undelivered", error_code=30003)
    assert r.counted
    status = engine.monitor.status(ACCOUNT)
    assert (status.outcomes, status.errors) == (10, 1)
    assert status.error_rate == pytest.approx(0.1)
    # sent/queued are not final outcomes.
    engine.record_status(ACCOUNT, TO, "sent")
    engine.record_status(ACCOUNT, TO, "queued")
    assert engine.monitor.status(ACCOUNT).outcomes == 10


def test_error_rate_suspends_at_default_tier(engine: PolicyEngine) -> None:
    grant(engine)
    levels = []
    for i in range(100):
        word = "failed" if i < 13 else "delivered"
        levels.append(engine.record_status(ACCOUNT, TO2, word).level)
    assert levels[-1] is HealthLevel.SUSPENDED
    assert engine.check(msg()).codes == ("account.suspended",)


def test_below_min_volume_no_suspension(engine: PolicyEngine) -> None:
    grant(engine)
    r = engine.record_status(ACCOUNT, TO2, "failed", error_code=30001)
    assert r.level is HealthLevel.HEALTHY
    assert engine.check(msg()).allowed


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (30003, DndKind.TEMPORARY),
        (30005, DndKind.TEMPORARY),
        (30006, DndKind.TEMPORARY),
        (30004, DndKind.PERMANENT),
        (21610, DndKind.PERMANENT),
        ("30004", DndKind.PERMANENT),
        (" 21610 ", DndKind.PERMANENT),
        (30008, None),
        (99999, None),
        (None, None),
    ],
)
def test_error_codes_set_dnd(
    engine: PolicyEngine, code: int | str | None, kind: DndKind | None
) -> None:
    grant(engine)
    r = engine.record_status(ACCOUNT, TO, "undelivered", error_code=code)
    assert r.counted
    assert r.dnd is kind
    assert engine.dnd.get(ACCOUNT, TO) is kind
    codes = engine.check(msg()).codes
    if kind is None:
        assert codes == ()
    else:
        assert codes == (f"dnd.{kind.name.lower()}",)


def test_delivered_with_code_sets_no_dnd(engine: PolicyEngine) -> None:
    engine.record_status(ACCOUNT, TO, "delivered", error_code=None)
    assert engine.dnd.get(ACCOUNT, TO) is None


def test_permanent_wins_over_temporary(engine: PolicyEngine) -> None:
    engine.record_status(ACCOUNT, TO, "undelivered", error_code=30004)
    engine.record_status(ACCOUNT, TO, "undelivered", error_code=30003)
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_phone_is_normalized(engine: PolicyEngine) -> None:
    engine.record_status(ACCOUNT, "(415) 555-0100", "failed", error_code=30004)
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_idempotent_by_message_sid(engine: PolicyEngine) -> None:
    first = engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM1")
    assert first.counted
    assert not first.duplicate
    again = engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM1")
    assert again.duplicate
    assert not again.counted
    # Another final word for the same message is the same outcome again.
    other = engine.record_status(ACCOUNT, TO, "failed", error_code=30004, message_sid="SM1")
    assert other.duplicate
    assert engine.dnd.get(ACCOUNT, TO) is None
    assert engine.monitor.status(ACCOUNT).outcomes == 1
    # A different message counts.
    assert engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM2").counted
    assert engine.monitor.status(ACCOUNT).outcomes == 2


def test_without_sid_every_call_counts(engine: PolicyEngine) -> None:
    engine.record_status(ACCOUNT, TO, "delivered")
    engine.record_status(ACCOUNT, TO, "delivered")
    assert engine.monitor.status(ACCOUNT).outcomes == 2


def test_sent_then_delivered_same_sid_both_apply(engine: PolicyEngine) -> None:
    assert not engine.record_status(ACCOUNT, TO, "sent", message_sid="SM1").duplicate
    assert engine.record_status(ACCOUNT, TO, "delivered", message_sid="SM1").counted
    assert engine.record_status(ACCOUNT, TO, "sent", message_sid="SM1").duplicate


def test_duplicate_sid_across_engines_sharing_a_store(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    a = PolicyEngine(storage=store, clock=day_clock)
    b = PolicyEngine(storage=store, clock=day_clock)
    assert a.record_status(ACCOUNT, TO, "undelivered", 30003, message_sid="SMx").counted
    assert b.record_status(ACCOUNT, TO, "undelivered", 30003, message_sid="SMx").duplicate
    assert a.monitor.status(ACCOUNT).outcomes == 1


@pytest.mark.parametrize("word", ["", "  ", "delivred", "ok", "DELIVERED!", "stop"])
def test_bad_status_word(engine: PolicyEngine, store: MemoryStorage, word: str) -> None:
    before = snapshot(store)
    with pytest.raises(InvalidArgument, match="status"):
        engine.record_status(ACCOUNT, TO, word)
    assert snapshot(store) == before


@pytest.mark.parametrize("word", ["failed", "undelivered", "delivered", "sent"])
@pytest.mark.parametrize("code", ["30004x", "-1", 3.5, True, [30004]])
def test_bad_error_code(
    engine: PolicyEngine, store: MemoryStorage, word: str, code: object
) -> None:
    """A malformed code is refused whatever the status word, before anything
    is recorded."""
    before = snapshot(store)
    with pytest.raises(InvalidArgument, match="error_code"):
        engine.record_status(ACCOUNT, TO, word, error_code=code)  # type: ignore[arg-type]
    assert snapshot(store) == before


def test_refused_call_does_not_burn_the_message_sid(engine: PolicyEngine) -> None:
    """A call refused for a bad code must not mark the SID as seen: the
    corrected retry has to set the DND (fail closed)."""
    with pytest.raises(InvalidArgument):
        engine.record_status(ACCOUNT, TO, "failed", error_code="30004x", message_sid="SM9")
    r = engine.record_status(ACCOUNT, TO, "failed", error_code=30004, message_sid="SM9")
    assert not r.duplicate
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


@pytest.mark.parametrize("sid", ["", "   ", 5, b"SM1"])
def test_bad_message_sid(engine: PolicyEngine, sid: object) -> None:
    with pytest.raises(InvalidArgument, match="message_sid"):
        engine.record_status(ACCOUNT, TO, "delivered", message_sid=sid)  # type: ignore[arg-type]


def test_bad_phone(engine: PolicyEngine) -> None:
    with pytest.raises(InvalidPhoneNumber):
        engine.record_status(ACCOUNT, "not a phone", "delivered")


def test_outcome_window_is_the_utc_day(engine: PolicyEngine, day_clock: ManualClock) -> None:
    engine.record_status(ACCOUNT, TO, "failed")
    day_clock.set(datetime(2026, 1, 6, 0, 0, tzinfo=UTC))
    assert engine.monitor.status(ACCOUNT).outcomes == 0
