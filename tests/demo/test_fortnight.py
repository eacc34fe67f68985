"""End to end: a whole simulated fortnight through the engine on SQLite.

One default run (seed 7, 6000 contacts, bad day 9) on a SQLite file, with
the full trace of decisions, statuses and inbound messages; every test here
checks the report's numbers against the ramp-up table and against a replay
of the trace (reference/phone-messaging-policy-rampup-dnd.txt: the day
table, the DND codes, the 12.5 % suspension until 00:00 UTC).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from a2p_policy._demo import DEMO_START, DemoReport, TraceEvent, run_demo
from a2p_policy._limits.monitor import HealthLevel
from a2p_policy.storage import open_storage

RAMP = (100, 250, 500, 750, 1500, 2250, 3000) + (5000,) * 7
PERMANENT_CODES = {30004, 21610}
TEMPORARY_CODES = {30003, 30005, 30006}
BAD_DAY = 9


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoReport, Path]:
    db = tmp_path_factory.mktemp("demo") / "fortnight.db"
    report = run_demo(storage=f"sqlite:///{db}", trace=True)
    return report, db


@pytest.fixture(scope="module")
def report(fortnight: tuple[DemoReport, Path]) -> DemoReport:
    return fortnight[0]


def _by_day(trace: tuple[TraceEvent, ...]) -> dict[int, list[TraceEvent]]:
    out: dict[int, list[TraceEvent]] = defaultdict(list)
    for e in trace:
        out[e.day].append(e)
    return out


def test_runs_on_a_sqlite_file(fortnight: tuple[DemoReport, Path]) -> None:
    report, db = fortnight
    assert db.is_file()
    assert db.stat().st_size > 0
    assert report.storage == f"sqlite:///{db}"
    assert len(report.days) == 14
    assert [d.date for d in report.days] == [
        (DEMO_START + timedelta(days=i)).date() for i in range(14)
    ]
    assert report.days[0].date.weekday() == 0  # a Monday


def test_daily_sent_equals_the_ramp_limit(report: DemoReport) -> None:
    assert tuple(d.limit for d in report.days) == RAMP
    for d in report.days:
        if d.day != BAD_DAY:
            assert d.sent == d.limit, d
            assert d.denied_limit > 0  # the planner overshot; the limit decided
            assert d.peak_level is not HealthLevel.SUSPENDED


def test_every_row_adds_up(report: DemoReport) -> None:
    for d in report.days:
        assert d.requested == (
            d.sent
            + d.skipped_dnd
            + d.skipped_consent
            + d.denied_limit
            + d.denied_suspended
            + d.denied_other
        ), d
        assert d.sent == d.delivered + d.failed, d
        assert sum(d.error_codes.values()) == d.failed
        assert d.errors <= d.failed  # 21610 is not counted as an error
        assert d.errors == d.failed - d.error_codes.get(21610, 0)
        assert d.denied_other == 0
    t = report.totals
    for key in ("requested", "sent", "delivered", "failed", "opt_outs", "opt_ins"):
        assert t[key] == sum(getattr(d, key) for d in report.days)
    assert t["dnd_permanent"] == report.days[-1].dnd_permanent
    assert t["suspended_days"] == 1


def test_rows_match_the_trace(report: DemoReport) -> None:
    days = _by_day(report.trace)
    for d in report.days:
        events = days[d.day]
        sends = [e for e in events if e.event == "send"]
        assert len(sends) == d.requested
        assert sum(1 for e in sends if e.allowed) == d.sent
        statuses = [e for e in events if e.event == "status"]
        assert sum(1 for e in statuses if e.detail == "delivered") == d.delivered
        assert sum(1 for e in statuses if e.detail != "delivered") == d.failed
        assert sum(1 for e in events if e.event == "OPT_OUT" and e.allowed) == d.opt_outs
        assert sum(1 for e in events if e.event == "OPT_IN" and e.allowed) == d.opt_ins
        limited = [e for e in sends if "limit.daily" in e.codes and not e.allowed]
        assert len(limited) >= d.denied_limit


def test_the_bad_day_trips_the_monitor(report: DemoReport) -> None:
    bad = report.days[BAD_DAY - 1]
    assert bad.peak_level is HealthLevel.SUSPENDED
    assert bad.level is HealthLevel.SUSPENDED  # still at 23:00 UTC
    assert bad.error_rate >= 0.125
    assert bad.denied_suspended > 0
    assert bad.sent < bad.limit
    suspensions = [e for e in report.events if e.level is HealthLevel.SUSPENDED]
    assert len(suspensions) == 1
    event = suspensions[0]
    assert event.day == BAD_DAY
    assert event.until == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    # After the trip every bulk message that day is refused for suspension,
    # while one-on-one replies still go (an exempt kind).
    after = [e for e in report.trace if e.day == BAD_DAY and e.at >= event.at]
    bulk = [e for e in after if e.event == "send" and e.kind == "BULK"]
    replies = [e for e in after if e.event == "send" and e.kind == "CONVERSATION"]
    assert bulk
    assert all(not e.allowed for e in bulk)
    assert all("account.suspended" in e.codes for e in bulk)
    skipped = {"dnd.permanent", "dnd.temporary", "consent.missing", "consent.revoked"}
    assert sum(1 for e in bulk if not skipped & set(e.codes)) == bad.denied_suspended
    assert replies
    assert all(e.allowed for e in replies)
    # Sending resumes after 00:00 UTC.
    nxt = report.days[BAD_DAY]
    assert nxt.sent == nxt.limit == 5000
    assert nxt.peak_level is not HealthLevel.SUSPENDED
    assert any(e.level is HealthLevel.HEALTHY and e.day == BAD_DAY + 1 for e in report.events)


def test_dnd_counts_equal_the_codes_seen(report: DemoReport) -> None:
    state: dict[str, str] = {}
    days = _by_day(report.trace)
    for d in report.days:
        for e in days[d.day]:
            if e.event == "status" and e.error_code is not None:
                if e.error_code in PERMANENT_CODES:
                    state[e.phone] = "P"
                elif e.error_code in TEMPORARY_CODES and state.get(e.phone) != "P":
                    state[e.phone] = "T"
            elif e.event == "OPT_OUT" and e.allowed:
                state[e.phone] = "P"
            elif e.event == "OPT_IN" and e.allowed:
                state.pop(e.phone, None)
        perm = sum(1 for v in state.values() if v == "P")
        temp = sum(1 for v in state.values() if v == "T")
        assert (d.dnd_permanent, d.dnd_temporary) == (perm, temp), d.day
    codes = report.error_codes()
    assert set(codes) >= {30003, 30004, 30005, 30006, 30007, 30008, 21610}


def test_dnd_state_is_in_the_sqlite_file(fortnight: tuple[DemoReport, Path]) -> None:
    from a2p_policy import DndManager, ManualClock

    report, db = fortnight
    storage = open_storage(f"sqlite:///{db}")
    try:
        clock = ManualClock(DEMO_START + timedelta(days=14))
        dnd = DndManager(storage=storage, clock=clock)
        phones = sorted({e.phone for e in report.trace})
        kinds = [e.kind.name if e else None for e in dnd.entries(report.account, phones)]
        assert kinds.count("PERMANENT") == report.days[-1].dnd_permanent
        assert kinds.count("TEMPORARY") == report.days[-1].dnd_temporary
    finally:
        storage.close()


def test_opt_outs_are_never_sent_to_again(report: DemoReport) -> None:
    stopped: set[str] = set()
    checked = 0
    for e in report.trace:
        if e.event == "OPT_OUT" and e.allowed:
            stopped.add(e.phone)
        elif e.event == "OPT_IN" and e.allowed:
            stopped.discard(e.phone)
        elif e.event == "send" and e.phone in stopped:
            checked += 1
            assert not e.allowed, e
            assert "dnd.permanent" in e.codes, e
    assert checked > 100  # the rotation reaches opted-out contacts again


def test_start_re_enables(report: DemoReport) -> None:
    opted_out: set[str] = set()
    restarted: dict[str, datetime] = {}
    for e in report.trace:
        if e.event == "OPT_OUT" and e.allowed:
            opted_out.add(e.phone)
            restarted.pop(e.phone, None)
        elif e.event == "OPT_IN" and e.allowed and e.phone in opted_out:
            restarted[e.phone] = e.at
    assert restarted
    sent_again = {
        e.phone
        for e in report.trace
        if e.event == "send" and e.allowed and e.phone in restarted and e.at > restarted[e.phone]
    }
    assert sent_again
    assert report.totals["opt_ins"] > 0


def test_consent_skips_are_the_contacts_without_records(report: DemoReport) -> None:
    for e in report.trace:
        if e.event == "send" and not e.allowed and "consent.missing" in e.codes:
            assert e.kind == "BULK"
    assert report.totals["skipped_consent"] > 0


def test_report_is_json_ready(report: DemoReport) -> None:
    import json

    data = json.loads(json.dumps(report.to_dict()))
    assert [d["sent"] for d in data["days"]][:8] == list(RAMP[:8])
    assert data["totals"]["sent"] == report.totals["sent"]
    assert data["days"][BAD_DAY - 1]["peak_level"] == "SUSPENDED"
