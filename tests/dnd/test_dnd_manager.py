"""DndManager: SPEC section 8 rule by rule, audit trail, partition, bad input."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._codes.models import DndAction
from a2p_policy._dnd import DndEntry, DndKind, DndManager, DndOp, DndSource
from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    DndLocked,
    InvalidArgument,
    InvalidPhoneNumber,
    NaiveDatetimeError,
    StorageError,
)
from a2p_policy.storage.base import LogEntry
from a2p_policy.storage.memory import MemoryStorage

A = "acct-1"
PHONE = "+14155550123"
OTHER = "+14155550124"
T, P = DndKind.TEMPORARY, DndKind.PERMANENT


@pytest.fixture
def dnd(clock: ManualClock, memory_storage: MemoryStorage) -> DndManager:
    return DndManager(storage=memory_storage, clock=clock)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (30003, T),
        (30005, T),
        (30006, T),
        (30004, P),
        (21610, P),
        ("30003", T),
        (" 21610 ", P),
        (30008, None),
        (30007, None),
        (99999, None),
        ("junk", None),
        (None, None),
        (3.5, None),
    ],
)
def test_error_codes(dnd: DndManager, code: object, expected: DndKind | None) -> None:
    assert dnd.apply_error_code(A, PHONE, code) is expected
    assert dnd.get(A, PHONE) is expected
    assert len(dnd.history(A, PHONE)) == (0 if expected is None else 1)


def test_error_code_entry_details(dnd: DndManager, clock: ManualClock) -> None:
    dnd.apply_error_code(A, "(415) 555-0123", 30005)
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert entry.kind is T
    assert entry.source is DndSource.ERROR_CODE
    assert entry.code == 30005
    assert "30005" in entry.reason
    assert entry.set_at == clock.now()
    assert entry.expires_at is None  # default: no expiry


def test_permanent_wins_over_temporary(dnd: DndManager) -> None:
    assert dnd.set(A, PHONE, P, "stop") is P
    assert dnd.set(A, PHONE, T, "later") is P  # no-op, reported
    assert dnd.apply_error_code(A, PHONE, 30003) is T  # the code's action ...
    assert dnd.get(A, PHONE) is P  # ... but PERMANENT stays
    assert len(dnd.history(A, PHONE)) == 1
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert entry.reason == "stop"


def test_temporary_upgrades_to_permanent(dnd: DndManager) -> None:
    dnd.apply_error_code(A, PHONE, 30003)
    dnd.apply_error_code(A, PHONE, 30004)
    assert dnd.get(A, PHONE) is P
    hist = dnd.history(A, PHONE)
    assert [(h.before, h.after) for h in hist] == [(None, T), (T, P)]


def test_admin_lifts_temporary_only(dnd: DndManager) -> None:
    assert dnd.lift(A, PHONE) is False  # nothing to lift
    dnd.set(A, PHONE, T, "unreachable")
    assert dnd.lift(A, PHONE, by="admin@example.com") is True
    assert dnd.get(A, PHONE) is None
    dnd.set(A, PHONE, P, "STOP")
    with pytest.raises(DndLocked, match="opt-in"):
        dnd.lift(A, PHONE)
    assert dnd.get(A, PHONE) is P
    last = dnd.history(A, PHONE)[-1]
    assert last.op is DndOp.SET
    lift = dnd.history(A, PHONE)[1]
    assert (lift.op, lift.source, lift.by) == (DndOp.LIFT, DndSource.ADMIN, "admin@example.com")


def test_opt_in_lifts_both(dnd: DndManager) -> None:
    assert dnd.opt_in(A, PHONE) is False
    dnd.opt_out(A, PHONE, "STOP")
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert (entry.kind, entry.source) == (P, DndSource.KEYWORD)
    assert dnd.opt_in(A, PHONE, "UNSTOP") is True
    assert dnd.get(A, PHONE) is None
    dnd.set(A, PHONE, T)
    assert dnd.opt_in(A, PHONE) is True
    assert dnd.get(A, PHONE) is None
    ops = [h.op for h in dnd.history(A, PHONE)]
    assert ops == [DndOp.SET, DndOp.OPT_IN, DndOp.SET, DndOp.OPT_IN]


def test_accounts_and_phones_are_separate(dnd: DndManager) -> None:
    dnd.set(A, PHONE, P)
    assert dnd.get("acct-2", PHONE) is None
    assert dnd.get(A, OTHER) is None
    # an account id with a colon cannot collide with another account's key
    dnd.set("a:b", PHONE, T)
    assert dnd.get("a", PHONE) is None


def test_temporary_expiry_per_code(memory_storage: MemoryStorage, clock: ManualClock) -> None:
    dnd = DndManager(
        storage=memory_storage, clock=clock, temporary_expiry={30003: timedelta(days=3)}
    )
    dnd.apply_error_code(A, PHONE, 30003)
    dnd.apply_error_code(A, OTHER, 30005)  # no expiry configured
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert entry.expires_at == clock.now() + timedelta(days=3)
    clock.advance(timedelta(days=3) - timedelta(microseconds=1))
    assert dnd.get(A, PHONE) is T
    clock.advance(timedelta(microseconds=1))
    assert dnd.get(A, PHONE) is None  # expired at exactly 3 days
    assert dnd.get(A, OTHER) is T
    assert dnd.lift(A, PHONE) is False  # nothing in force
    # a new error after expiry sets it again, recorded as a fresh change
    dnd.apply_error_code(A, PHONE, 30003)
    assert dnd.history(A, PHONE)[-1].before is None


def test_repeated_temporary_extends_only_when_longer(dnd: DndManager, clock: ManualClock) -> None:
    soon = clock.now() + timedelta(days=1)
    later = clock.now() + timedelta(days=2)
    dnd.set(A, PHONE, T, expires_at=later)
    dnd.set(A, PHONE, T, expires_at=soon)  # shorter: no change
    assert len(dnd.history(A, PHONE)) == 1
    dnd.set(A, PHONE, T, expires_at=later + timedelta(hours=1))
    assert len(dnd.history(A, PHONE)) == 2
    dnd.set(A, PHONE, T)  # no expiry: longest
    assert len(dnd.history(A, PHONE)) == 3
    dnd.set(A, PHONE, T, expires_at=later)  # cannot shorten "forever"
    assert len(dnd.history(A, PHONE)) == 3
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert entry.expires_at is None


def test_set_arguments(dnd: DndManager, clock: ManualClock) -> None:
    with pytest.raises(InvalidArgument, match="TEMPORARY"):
        dnd.set(A, PHONE, P, expires_at=clock.now() + timedelta(days=1))
    with pytest.raises(NaiveDatetimeError):
        dnd.set(A, PHONE, T, expires_at=datetime(2026, 2, 1))
    with pytest.raises(InvalidArgument, match="not after now"):
        dnd.set(A, PHONE, T, expires_at=clock.now())
    assert dnd.set(A, PHONE, "permanent", "by name") is P  # type: ignore[arg-type]
    assert dnd.history(A, PHONE)[0].expires_at is None


def test_history_is_the_audit_trail(dnd: DndManager, clock: ManualClock) -> None:
    dnd.set(A, PHONE, T, "bounce", by="ops", source=DndSource.ADMIN, code=30003)
    clock.advance(timedelta(hours=1))
    dnd.set(A, PHONE, P, "complaint")
    clock.advance(timedelta(hours=1))
    dnd.opt_in(A, PHONE)
    hist = dnd.history(A, PHONE)
    assert [h.version for h in hist] == [1, 2, 3]
    assert [h.at for h in hist] == [clock.now() - timedelta(hours=2 - i) for i in range(3)]
    first = hist[0]
    assert (first.reason, first.by, first.source, first.code) == (
        "bounce",
        "ops",
        DndSource.ADMIN,
        30003,
    )
    for prev, cur in itertools.pairwise(hist):
        assert prev.after == cur.before


def test_entries_and_partition(dnd: DndManager) -> None:
    dnd.set(A, PHONE, P)
    dnd.set(A, "+14155550125", T)
    entries = dnd.entries(A, [PHONE, OTHER, "(415) 555-0125"])
    assert [None if e is None else e.kind for e in entries] == [P, None, T]
    assert dnd.entries(A, []) == []
    phones = ["(415) 555-0124", PHONE, "not a phone", "+14155550125", "415-555-0124", ""]
    sendable, skipped = dnd.partition(A, phones)
    assert sendable == [OTHER, OTHER]  # duplicates stay duplicates
    assert skipped == [PHONE, "not a phone", "+14155550125", ""]
    assert dnd.partition(A, []) == ([], [])
    assert dnd.partition(A, iter([OTHER])) == ([OTHER], [])


class CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.last_many_calls = 0

    def last_many(self, keys: object) -> list[LogEntry | None]:
        self.last_many_calls += 1
        return super().last_many(keys)  # type: ignore[arg-type]


def test_partition_is_one_round_trip(clock: ManualClock) -> None:
    storage = CountingStorage()
    dnd = DndManager(storage=storage, clock=clock)
    phones = [f"+1415555{i:04d}" for i in range(200)]
    dnd.partition(A, phones)
    assert storage.last_many_calls == 1


def test_corrupt_entry_fails_closed(dnd: DndManager, memory_storage: MemoryStorage) -> None:
    memory_storage.append(f"dnd:{A}:{PHONE}", "{not json")
    with pytest.raises(StorageError, match="corrupt"):
        dnd.get(A, PHONE)
    with pytest.raises(StorageError):
        dnd.set(A, PHONE, T)
    assert dnd.partition(A, [PHONE, OTHER]) == ([OTHER], [PHONE])


def test_storage_uri_and_repr(clock: ManualClock) -> None:
    dnd = DndManager(storage="memory://", clock=clock)
    dnd.set(A, PHONE, T)
    assert dnd.get(A, PHONE) is T
    assert "DndManager" in repr(dnd)
    assert dnd.temporary_expiry == {}


def test_state_is_shared_through_storage(memory_storage: MemoryStorage, clock: ManualClock) -> None:
    one = DndManager(storage=memory_storage, clock=clock)
    two = DndManager(storage=memory_storage, clock=clock)
    one.set(A, PHONE, P)
    assert two.get(A, PHONE) is P
    with pytest.raises(DndLocked):
        two.lift(A, PHONE)


def test_default_clock_is_system_clock() -> None:
    dnd = DndManager()
    dnd.set(A, PHONE, T)
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert abs(entry.set_at - datetime.now(UTC)) < timedelta(minutes=5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"clock": object()},
        {"classifier": object()},
        {"temporary_expiry": {30003: 5}},
        {"temporary_expiry": {30003: timedelta(0)}},
        {"temporary_expiry": {"30003": timedelta(days=1)}},
        {"temporary_expiry": {True: timedelta(days=1)}},
        {"temporary_expiry": [(30003, timedelta(days=1))]},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        DndManager(**kwargs)  # type: ignore[arg-type]


def test_bad_storage() -> None:
    with pytest.raises(InvalidArgument):
        DndManager(storage=42)  # type: ignore[arg-type]


@pytest.mark.parametrize("account", ["", "   ", None, 5, b"acct", "x" * 257])
def test_bad_account(dnd: DndManager, account: object) -> None:
    with pytest.raises(InvalidArgument, match="account"):
        dnd.get(account, PHONE)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        dnd.partition(account, [PHONE])  # type: ignore[arg-type]


@pytest.mark.parametrize("phone", ["", "123", "not a phone", None, 4155550123, "+1415555012"])
def test_bad_phone(dnd: DndManager, phone: object) -> None:
    for call in (
        lambda: dnd.get(A, phone),  # type: ignore[arg-type]
        lambda: dnd.set(A, phone, T),  # type: ignore[arg-type]
        lambda: dnd.apply_error_code(A, phone, 30003),  # type: ignore[arg-type]
        lambda: dnd.lift(A, phone),  # type: ignore[arg-type]
        lambda: dnd.opt_in(A, phone),  # type: ignore[arg-type]
        lambda: dnd.history(A, phone),  # type: ignore[arg-type]
        lambda: dnd.entry(A, phone),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidPhoneNumber):
            call()


@pytest.mark.parametrize("phones", ["+14155550123", b"x", 5, None, [PHONE, 5], [None]])
def test_bad_phone_lists(dnd: DndManager, phones: object) -> None:
    with pytest.raises(InvalidArgument):
        dnd.partition(A, phones)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        dnd.entries(A, phones)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "SOMETIMES"}, "kind"),
        ({"kind": None}, "kind"),
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"by": 5}, "by"),
        ({"source": "api"}, "source"),
        ({"code": "30003"}, "code"),
        ({"code": True}, "code"),
        ({"code": -1}, "code"),
    ],
)
def test_bad_set_arguments(dnd: DndManager, kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"kind": T, **kwargs}
    with pytest.raises(InvalidArgument, match=match):
        dnd.set(A, PHONE, **args)  # type: ignore[arg-type]
    assert dnd.history(A, PHONE) == []


class _Exploding(ErrorCodeClassifier):
    def classify(self, code: int | str | None) -> object:  # type: ignore[override]
        raise RuntimeError("boom")


def test_broken_custom_classifier_never_breaks_status_handling(clock: ManualClock) -> None:
    dnd = DndManager(clock=clock, classifier=_Exploding())
    assert dnd.apply_error_code(A, PHONE, 30004) is None


_ANY = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from([PHONE, "(415) 555-0199", "30003", "TEMPORARY", "PERMANENT", A]),
)


@settings(max_examples=60)
@given(account=_ANY, phone=_ANY, kind=_ANY, reason=_ANY, code=_ANY)
def test_fuzz_public_methods(
    account: object, phone: object, kind: object, reason: object, code: object
) -> None:
    dnd = DndManager(clock=ManualClock())
    calls: list[Callable[[], object]] = [
        lambda: dnd.set(account, phone, kind, reason),  # type: ignore[arg-type]
        lambda: dnd.apply_error_code(account, phone, code),  # type: ignore[arg-type]
        lambda: dnd.get(account, phone),  # type: ignore[arg-type]
        lambda: dnd.entry(account, phone),  # type: ignore[arg-type]
        lambda: dnd.lift(account, phone),  # type: ignore[arg-type]
        lambda: dnd.opt_out(account, phone, reason),  # type: ignore[arg-type]
        lambda: dnd.opt_in(account, phone, reason),  # type: ignore[arg-type]
        lambda: dnd.history(account, phone),  # type: ignore[arg-type]
        lambda: dnd.partition(account, [phone]),  # type: ignore[arg-type, list-item]
        lambda: dnd.entries(account, [phone]),  # type: ignore[arg-type, list-item]
    ]
    for call in calls:
        try:
            result = call()
        except A2PPolicyError:
            continue
        assert result is None or isinstance(result, bool | DndKind | DndEntry | list | tuple)


def test_entry_is_frozen(dnd: DndManager) -> None:
    dnd.set(A, PHONE, T)
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    with pytest.raises(AttributeError):
        entry.kind = P  # type: ignore[misc]


class _Minimal(ErrorCodeClassifier):
    """A custom classifier whose answer carries only a DND action."""

    def classify(self, code: int | str | None) -> object:  # type: ignore[override]
        class Answer:
            dnd_action = DndAction.PERMANENT

        return Answer()


def test_custom_classifier_with_partial_answer(clock: ManualClock) -> None:
    dnd = DndManager(clock=clock, classifier=_Minimal())
    assert dnd.apply_error_code(A, PHONE, "anything") is P
    entry = dnd.entry(A, PHONE)
    assert entry is not None
    assert (entry.code, entry.source) == (None, DndSource.ERROR_CODE)
