"""Quiet hours: SPEC 10 (federal TCPA window, FL/OK/MD/TX state packs)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument
from a2p_policy._limits.quiet_hours import QuietHours, state_for_number
from a2p_policy._limits.state_packs import (
    AREA_CODE_STATES,
    FEDERAL_TCPA,
    STATE_PACKS,
    QuietHoursPack,
)
from a2p_policy._usecases import TRANSACTIONAL_USE_CASES, UseCase
from a2p_policy._validation import CA_PROVINCE_CODES, STATE_CODES
from a2p_policy.storage.memory import MemoryStorage

M = UseCase.MARKETING
NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")
MIAMI = "+13055550123"  # FL, Eastern
DALLAS = "+12145550123"  # TX, Central
CALIFORNIA = "+14155550123"  # no pack state, Pacific


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def make(clock: ManualClock | None = None) -> QuietHours:
    return QuietHours(storage=MemoryStorage(), clock=clock or ManualClock())


def test_area_code_table_covers_the_pack_states() -> None:
    assert set(AREA_CODE_STATES.values()) == {"FL", "OK", "MD", "TX"}
    assert set(STATE_PACKS) == {"FL", "OK", "MD", "TX"}
    assert state_for_number(MIAMI) == "FL"
    assert state_for_number("(405) 555-0123") == "OK"
    assert state_for_number("+14105550123") == "MD"
    assert state_for_number(DALLAS) == "TX"
    assert state_for_number(CALIFORNIA) is None
    assert state_for_number("+442071838750") is None
    for pack in STATE_PACKS.values():
        assert pack.citation
        assert pack.effective_from is not None


def test_federal_window_8_to_21_local() -> None:
    q = make()
    la = ZoneInfo("America/Los_Angeles")
    assert q.check(CALIFORNIA, at(la, 2026, 1, 5, 8, 0), use_case=M).allowed
    assert q.check(CALIFORNIA, at(la, 2026, 1, 5, 20, 59), use_case=M).allowed
    r = q.check(CALIFORNIA, at(la, 2026, 1, 5, 21, 0), use_case=M)
    assert not r.allowed
    assert r.next_allowed_at == at(la, 2026, 1, 6, 8, 0)
    assert r.rules == ("US",)
    assert "outside 08:00-21:00" in r.reason
    r = q.check(CALIFORNIA, at(la, 2026, 1, 5, 7, 59), use_case=M)
    assert r.next_allowed_at == at(la, 2026, 1, 5, 8, 0)


def test_florida_ends_at_20() -> None:
    q = make()
    r = q.check(MIAMI, at(NY, 2026, 1, 5, 20, 0), use_case=M)
    assert not r.allowed
    assert r.state == "FL"
    assert r.next_allowed_at == at(NY, 2026, 1, 6, 8, 0)
    assert q.check(MIAMI, at(NY, 2026, 1, 5, 19, 59), use_case=M).allowed


def test_texas_sunday_noon() -> None:
    q = make()
    sunday = date(2026, 1, 11)
    assert sunday.weekday() == 6
    r = q.check(DALLAS, at(CHI, 2026, 1, 11, 10, 0), use_case=M)
    assert not r.allowed
    assert r.next_allowed_at == at(CHI, 2026, 1, 11, 12, 0)
    assert not q.check(DALLAS, at(CHI, 2026, 1, 10, 8, 30), use_case=M).allowed  # Sat 9:00
    assert q.check(DALLAS, at(CHI, 2026, 1, 10, 9, 0), use_case=M).allowed


def test_effective_dates_are_respected() -> None:
    q = make()
    # Texas before 2025-09-01: federal window only (8:00 allowed on a Sunday).
    assert q.check(DALLAS, at(CHI, 2025, 8, 31, 8, 0), use_case=M).allowed
    assert not q.check(DALLAS, at(CHI, 2025, 9, 7, 8, 0), use_case=M).allowed
    md = "+14105550123"
    assert q.check(md, at(NY, 2023, 12, 31, 20, 30), use_case=M).allowed
    assert not q.check(md, at(NY, 2024, 1, 1, 20, 30), use_case=M).allowed
    # The search crosses the effective date: Texas's window starts to apply.
    r = q.check(DALLAS, at(CHI, 2025, 8, 31, 22, 0), use_case=M)
    assert r.next_allowed_at == at(CHI, 2025, 9, 1, 9, 0)


def test_caller_state_overrides_area_code() -> None:
    q = make()
    t = at(ZoneInfo("America/Los_Angeles"), 2026, 1, 5, 20, 30)
    assert q.check(CALIFORNIA, t, use_case=M).allowed
    r = q.check(CALIFORNIA, t, use_case=M, state="fl")
    assert not r.allowed
    assert r.state == "FL"
    with pytest.raises(InvalidArgument):
        q.check(CALIFORNIA, t, use_case=M, state="Florida")


def test_transactional_use_cases_are_exempt_by_default() -> None:
    q = make()
    night = at(NY, 2026, 1, 5, 23, 0)
    for uc in TRANSACTIONAL_USE_CASES:
        r = q.check(MIAMI, night, use_case=uc)
        assert r.allowed
        assert r.exempt
    assert not q.check(MIAMI, night, use_case=UseCase.EVENTS).allowed
    strict = QuietHours(exempt_use_cases=(), clock=ManualClock())
    assert not strict.check(MIAMI, night, use_case=UseCase.ACCOUNT_NOTIFICATIONS).allowed


def test_all_zones_of_a_number_must_be_inside() -> None:
    q = make()
    # A toll-free number maps to every NANP zone, Guam included.
    r = q.check("+18005550123", datetime(2026, 1, 5, 15, 0, tzinfo=UTC), use_case=M)
    assert len(r.zones) > 3
    assert not r.allowed
    nxt = r.next_allowed_at
    assert nxt is not None
    assert q.check("+18005550123", nxt, use_case=M).allowed
    # And nothing earlier in between was allowed (minute resolution).
    t = r.at
    while t < nxt:
        assert not q.check("+18005550123", t, use_case=M).allowed
        t += timedelta(minutes=30)


def test_frequency_cap_three_per_24h() -> None:
    clock = ManualClock(at(NY, 2026, 1, 5, 10, 0))
    q = make(clock)
    for i in range(3):
        r = q.reserve(MIAMI, use_case=M)
        assert r.allowed
        assert r.sent_in_24h == i + 1
        clock.advance(timedelta(hours=1))
    r = q.reserve(MIAMI, use_case=M)
    assert not r.allowed
    assert "3 marketing messages already sent" in r.reason
    assert r.next_allowed_at == at(NY, 2026, 1, 6, 10, 0)
    assert not q.check(MIAMI, use_case=M).allowed
    # Different subject, own cap; exempt use case untouched.
    assert q.reserve(MIAMI, use_case=M, subject="other").allowed
    assert q.reserve(MIAMI, use_case=UseCase.ACCOUNT_NOTIFICATIONS).allowed
    clock.set(at(NY, 2026, 1, 6, 10, 0))
    assert q.reserve(MIAMI, use_case=M).allowed
    # Texas has no cap.
    for _ in range(5):
        assert q.reserve(DALLAS, use_case=M).allowed


def test_cap_and_window_combine() -> None:
    clock = ManualClock(at(NY, 2026, 1, 5, 19, 0))
    q = make(clock)
    for _ in range(3):
        assert q.reserve(MIAMI, use_case=M).allowed
    r = q.check(MIAMI, at(NY, 2026, 1, 6, 9, 0), use_case=M)
    assert not r.allowed  # within the window, but the cap frees at 19:00
    assert r.next_allowed_at == at(NY, 2026, 1, 6, 19, 0)
    r = q.check(MIAMI, at(NY, 2026, 1, 6, 19, 30), use_case=M)
    assert r.allowed


def test_reserve_is_atomic_under_threads() -> None:
    clock = ManualClock(at(NY, 2026, 1, 5, 10, 0))
    q = make(clock)
    wins: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        ok = q.reserve(MIAMI, use_case=M).allowed
        with lock:
            wins.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 3


def test_custom_pack_and_no_horizon() -> None:
    never = QuietHoursPack("ZZ", "never", "none", windows=(None,) * 7)
    q = QuietHours(packs=[never], federal=None, clock=ManualClock())
    r = q.check(MIAMI, use_case=M, state="AK")
    assert r.allowed  # no pack for AK, federal disabled
    q = QuietHours(packs={}, federal=never, clock=ManualClock(), horizon_days=3)
    r = q.check(MIAMI, use_case=M)
    assert not r.allowed
    assert r.next_allowed_at is None
    assert "no allowed time within 3 days" in r.reason


def test_bad_input() -> None:
    q = make()
    with pytest.raises(A2PPolicyError):
        q.check("not a number", use_case=M)
    with pytest.raises(InvalidArgument):
        q.check(MIAMI, datetime(2026, 1, 5, 12, 0), use_case=M)  # naive
    with pytest.raises(InvalidArgument):
        q.check(MIAMI, use_case="spam")  # type: ignore[arg-type]
    assert q.check(MIAMI, datetime(2026, 1, 5, 15, tzinfo=UTC), use_case="marketing").allowed  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        q.check(MIAMI, use_case=M, subject=3)  # type: ignore[arg-type]
    for kw in (
        {"packs": [1]},
        {"federal": "x"},
        {"exempt_use_cases": ["MARKETING"]},
        {"horizon_days": 0},
        {"clock": 5},
    ):
        with pytest.raises(ConfigurationError):
            QuietHours(**kw)
    with pytest.raises(ValueError, match="seven"):
        QuietHoursPack("X", "x", "x", windows=((0, 60),))


@settings(max_examples=50)
@given(
    minutes=st.integers(0, 60 * 24 * 400),
    phone=st.sampled_from([MIAMI, DALLAS, CALIFORNIA, "+14055550123", "+19075550123"]),
)
def test_next_allowed_is_allowed_and_is_the_earliest(minutes: int, phone: str) -> None:
    q = make()
    t = datetime(2025, 6, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    r = q.check(phone, t, use_case=M)
    assert r.next_allowed_at is not None
    assert r.next_allowed_at >= t
    assert q.check(phone, r.next_allowed_at, use_case=M).allowed
    if r.allowed:
        assert r.next_allowed_at == t
    else:
        # One minute before the answer is still refused (it is the earliest).
        before = r.next_allowed_at - timedelta(minutes=1)
        assert before < t or not q.check(phone, before, use_case=M).allowed
    for zone in r.zones:
        local = r.next_allowed_at.astimezone(ZoneInfo(zone))
        assert 8 <= local.hour < 21  # the federal window always holds


@given(phone=st.text(max_size=20), state=st.one_of(st.none(), st.text(max_size=3)))
def test_fuzz_check(phone: str, state: str | None) -> None:
    q = make()
    try:
        r = q.check(phone, use_case=M, state=state)
    except A2PPolicyError:
        return
    assert isinstance(r.allowed, bool)


def test_pack_data_is_consistent() -> None:
    for pack in (FEDERAL_TCPA, *STATE_PACKS.values()):
        assert len(pack.windows) == 7
        for w in pack.windows:
            assert w is not None
            assert FEDERAL_TCPA.windows[0] is not None
            assert FEDERAL_TCPA.windows[0][0] <= w[0] < w[1] <= FEDERAL_TCPA.windows[0][1]


# -- Canadian provinces and US territories (issue 20) ----------------------------

TORONTO = "+14165550123"  # Ontario, Eastern


@pytest.mark.parametrize("state", sorted(CA_PROVINCE_CODES))
def test_provinces_are_accepted_with_no_us_pack(state: str) -> None:
    q = make()
    # 20:30 in Miami: the FL pack (8-20) would refuse it; a province has no
    # pack, so only the federal window (8-21) applies.
    t = at(NY, 2026, 1, 5, 20, 30)
    assert not q.check(MIAMI, t, use_case=M).allowed
    r = q.check(MIAMI, t, use_case=M, state=state.lower())
    assert r.allowed
    assert r.state == state
    assert r.rules == ("US",)  # the federal window only, no state pack
    # the federal window still holds
    late = q.check(MIAMI, at(NY, 2026, 1, 5, 21, 30), use_case=M, state=state)
    assert not late.allowed


def test_a_province_pack_applies_when_configured() -> None:
    ontario = QuietHoursPack(
        code="ON",
        name="Example Ontario pack (test only)",
        citation="none: a test fixture",
        windows=((10 * 60, 18 * 60),) * 7,
    )
    q = QuietHours(packs=[*STATE_PACKS.values(), ontario], storage=MemoryStorage())
    t = at(NY, 2026, 1, 5, 19, 0)
    assert q.check(TORONTO, t, use_case=M).allowed  # by area code: no pack
    r = q.check(TORONTO, t, use_case=M, state="ON")
    assert not r.allowed
    assert r.state == "ON"


@pytest.mark.parametrize("state", ["DC", "PR", "GU", "VI", "AS", "MP"])
def test_dc_and_territories_are_accepted(state: str) -> None:
    r = make().check(CALIFORNIA, at(NY, 2026, 1, 5, 14, 0), use_case=M, state=state)
    assert r.state == state


@pytest.mark.parametrize("state", ["ZZ", "XX", "CAN", "", " ", "Ontario", "U S"])
def test_other_states_are_refused(state: str) -> None:
    with pytest.raises(InvalidArgument, match="state"):
        make().check(CALIFORNIA, at(NY, 2026, 1, 5, 14, 0), use_case=M, state=state)


@given(state=st.text(min_size=0, max_size=4))
def test_state_accepted_iff_known(state: str) -> None:
    q = make()
    t = at(NY, 2026, 1, 5, 14, 0)
    if state.strip().upper() in STATE_CODES:
        assert q.check(CALIFORNIA, t, use_case=M, state=state).state == state.strip().upper()
    else:
        with pytest.raises(InvalidArgument):
            q.check(CALIFORNIA, t, use_case=M, state=state)
