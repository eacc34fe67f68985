"""DND invariants: a state machine against a simple model, partition
properties, and a two-thread race on set/lift."""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from tests._budget import examples

from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndChange, DndKind, DndManager, DndOp
from a2p_policy._errors import DndLocked, InvalidPhoneNumber
from a2p_policy._phone import normalize_phone
from a2p_policy.storage.base import LogEntry
from a2p_policy.storage.memory import MemoryStorage

T, P = DndKind.TEMPORARY, DndKind.PERMANENT
RANK = {None: 0, T: 1, P: 2}
ACCOUNT = "acct"
PHONES = ("+14155550101", "+14155550102")
EXPIRY = {30003: timedelta(hours=6)}
CODE_KIND: dict[object, DndKind | None] = {
    30003: T,
    30005: T,
    30006: T,
    30004: P,
    21610: P,
    30008: None,
    "junk": None,
}


class DndMachine(RuleBasedStateMachine):
    """Drives DndManager and a dict model side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.dnd = DndManager(clock=self.clock, temporary_expiry=EXPIRY)
        # phone -> (kind, expires_at) of the last recorded state, and changes
        self.state: dict[str, tuple[DndKind | None, datetime | None]] = {}
        self.changes: dict[str, int] = dict.fromkeys(PHONES, 0)

    @initialize()
    def start(self) -> None:
        for phone in PHONES:
            self.state[phone] = (None, None)

    def active(self, phone: str) -> tuple[DndKind | None, datetime | None]:
        kind, expires = self.state[phone]
        if kind is T and expires is not None and self.clock.now() >= expires:
            return None, None
        return kind, expires

    def model_set(self, phone: str, kind: DndKind, expires: datetime | None) -> DndKind:
        cur, cur_exp = self.active(phone)
        if RANK[cur] > RANK[kind]:
            return cur  # type: ignore[return-value]
        if cur is kind and not (
            kind is T and cur_exp is not None and (expires is None or expires > cur_exp)
        ):
            return kind
        self.state[phone] = (kind, expires)
        self.changes[phone] += 1
        return kind

    @rule(phone=st.sampled_from(PHONES), kind=st.sampled_from([T, P]), hours=st.integers(0, 12))
    def set(self, phone: str, kind: DndKind, hours: int) -> None:
        expires = None
        if kind is T and hours:
            expires = self.clock.now() + timedelta(hours=hours)
        expected = self.model_set(phone, kind, expires)
        assert self.dnd.set(ACCOUNT, phone, kind, "r", expires_at=expires) is expected

    @rule(phone=st.sampled_from(PHONES), code=st.sampled_from(sorted(CODE_KIND, key=str)))
    def error_code(self, phone: str, code: object) -> None:
        kind = CODE_KIND[code]
        if kind is not None:
            expires = self.clock.now() + EXPIRY[code] if code in EXPIRY else None
            self.model_set(phone, kind, expires)
        assert self.dnd.apply_error_code(ACCOUNT, phone, code) is kind

    @rule(phone=st.sampled_from(PHONES))
    def lift(self, phone: str) -> None:
        cur, _ = self.active(phone)
        if cur is P:
            with pytest.raises(DndLocked):
                self.dnd.lift(ACCOUNT, phone)
            return
        assert self.dnd.lift(ACCOUNT, phone) is (cur is T)
        if cur is T:
            self.state[phone] = (None, None)
            self.changes[phone] += 1

    @rule(phone=st.sampled_from(PHONES))
    def opt_in(self, phone: str) -> None:
        cur, _ = self.active(phone)
        assert self.dnd.opt_in(ACCOUNT, phone) is (cur is not None)
        if cur is not None:
            self.state[phone] = (None, None)
            self.changes[phone] += 1

    @rule(minutes=st.integers(0, 8 * 60))
    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @precondition(lambda self: bool(self.state))
    @invariant()
    def get_matches_model(self) -> None:
        for phone in PHONES:
            kind, expires = self.active(phone)
            assert self.dnd.get(ACCOUNT, phone) is kind
            entry = self.dnd.entry(ACCOUNT, phone)
            assert (entry is None) == (kind is None)
            if entry is not None:
                assert entry.expires_at == expires

    @precondition(lambda self: bool(self.state))
    @invariant()
    def history_grows_by_one_per_change(self) -> None:
        for phone in PHONES:
            hist = self.dnd.history(ACCOUNT, phone)
            assert len(hist) == self.changes[phone]
            assert [h.version for h in hist] == list(range(1, len(hist) + 1))
            for change in hist:
                # a PERMANENT is only ever removed by the contact's opt-in
                if change.before is P and change.after is not P:
                    assert change.op is DndOp.OPT_IN
                if change.op is DndOp.LIFT:
                    assert change.before is T

    @precondition(lambda self: bool(self.state))
    @invariant()
    def partition_agrees(self) -> None:
        sendable, skipped = self.dnd.partition(ACCOUNT, list(PHONES))
        assert skipped == [p for p in PHONES if self.active(p)[0] is not None]
        assert sendable == [p for p in PHONES if self.active(p)[0] is None]


DndMachine.TestCase.settings = settings(max_examples=examples(40), stateful_step_count=25)
TestDndMachine = DndMachine.TestCase


# ---------------------------------------------------------------- partition
_VALID = [f"+1415555{i:04d}" for i in range(10)] + ["(415) 555-0003", "415.555.0004"]
_INVALID = ["", "nope", "123", "+1415555", "tel:", "☎"]


def _normal(raw: str) -> str | None:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        return None


@settings(max_examples=60)
@given(
    phones=st.lists(st.sampled_from(_VALID + _INVALID) | st.text(max_size=12), max_size=30),
    blocked=st.sets(st.sampled_from(_VALID[:10])),
    kinds=st.lists(st.sampled_from([T, P]), min_size=10, max_size=10),
)
def test_partition_order_and_completeness(
    phones: list[str], blocked: set[str], kinds: list[DndKind]
) -> None:
    dnd = DndManager(clock=ManualClock())
    for i, phone in enumerate(sorted(blocked)):
        dnd.set(ACCOUNT, phone, kinds[i])
    sendable, skipped = dnd.partition(ACCOUNT, phones)
    mapped = [_normal(p) or p for p in phones]
    # a permutation of the (normalized) input
    assert sorted(sendable + skipped) == sorted(mapped)
    # each list keeps input order
    assert sendable == [m for p, m in zip(phones, mapped, strict=True) if _is_sendable(p, blocked)]
    assert skipped == [
        m for p, m in zip(phones, mapped, strict=True) if not _is_sendable(p, blocked)
    ]
    assert all(s.startswith("+") for s in sendable)


def _is_sendable(raw: str, blocked: set[str]) -> bool:
    e164 = _normal(raw)
    return e164 is not None and e164 not in blocked


# ---------------------------------------------------------------- race
class RacyStorage(MemoryStorage):
    """Yields the GIL between a read and the next write, and counts lost
    appends, so two threads really interleave."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts = 0
        self._count_lock = threading.Lock()

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        result = super().last_many(keys)
        time.sleep(0.0002)
        return result

    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        version = super().append(key, entry, expect_version=expect_version)
        if version is None:
            with self._count_lock:
                self.conflicts += 1
        return version


def test_two_thread_race_keeps_invariants() -> None:
    storage = RacyStorage()
    clock = ManualClock()
    phone = PHONES[0]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(seed: int) -> None:
        dnd = DndManager(storage=storage, clock=clock)  # one manager per "process"
        rng = random.Random(seed)
        start.wait()
        try:
            for _ in range(150):
                op = rng.random()
                if op < 0.35:
                    dnd.set(ACCOUNT, phone, T)
                elif op < 0.5:
                    dnd.set(ACCOUNT, phone, P)
                elif op < 0.9:
                    with contextlib.suppress(DndLocked):
                        dnd.lift(ACCOUNT, phone)
                else:
                    dnd.opt_in(ACCOUNT, phone)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert storage.conflicts > 0  # the race really happened
    dnd = DndManager(storage=storage, clock=clock)
    hist = dnd.history(ACCOUNT, phone)
    assert hist
    _check_chain(hist)
    assert dnd.get(ACCOUNT, phone) is hist[-1].after


def _check_chain(hist: list[DndChange]) -> None:
    assert [h.version for h in hist] == list(range(1, len(hist) + 1))
    assert hist[0].before is None
    for prev, cur in itertools.pairwise(hist):
        assert cur.before is prev.after  # no change was decided on a stale state
    for change in hist:
        assert change.before is not change.after
        if change.op is DndOp.LIFT:
            assert change.before is T  # lift never removed a PERMANENT
        if change.op is DndOp.SET:
            assert RANK[change.after] > RANK[change.before]  # PERMANENT wins
