"""ConsentLedger: behaviour, invariants (hypothesis), concurrency, proof, on
every available backend (memory:// and sqlite:///<tmp>)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._consent.ledger import (
    ConsentEvent,
    ConsentEventKind,
    ConsentLedger,
    ConsentState,
    _decode,
)
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._errors import A2PPolicyError, InvalidArgument, StorageError
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage import MemoryStorage, Storage, open_storage

try:
    import a2p_policy.storage.sqlite  # noqa: F401

    HAVE_SQLITE = True
except ImportError:  # another helper writes it; run memory only until it exists
    HAVE_SQLITE = False

BACKENDS = [
    "memory",
    pytest.param("sqlite", marks=pytest.mark.skipif(not HAVE_SQLITE, reason="no sqlite")),
]

PHONE = "+14155550123"
OTHER = "+12125550199"
WHEN = datetime(2026, 1, 2, 15, 30, tzinfo=UTC)


def make_record(
    phone: str = PHONE,
    brand: str = "Acme",
    scopes: frozenset[UseCase] = frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
    express: bool = False,
    **extra: Any,
) -> ConsentRecord:
    data: dict[str, Any] = {
        "phone": phone,
        "brand": brand,
        "method": OptInMethod.WEB_FORM,
        "captured_at": WHEN,
        "scopes": scopes,
        "express": express,
        "source_url": "https://acme.example/signup",
    }
    data.update(extra)
    return ConsentRecord(**data)


def full_record(**extra: Any) -> ConsentRecord:
    return make_record(
        scopes=frozenset({UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS}),
        express=True,
        name="Jane Doe",
        email="jane@example.com",
        address="1 Main St, Springfield, IL 62701",
        ip_address="203.0.113.7",
        consent_text="I agree to receive marketing messages from Acme. Reply STOP to opt out.",
        evidence_url="https://acme.example/optin.png",
        **extra,
    )


@pytest.fixture(params=BACKENDS)
def storage_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Storage]]:
    """Opens storages that share one database (like several processes)."""
    opened: list[Storage] = []
    shared = MemoryStorage()

    def factory() -> Storage:
        if request.param == "memory":
            return shared
        s = open_storage(f"sqlite:///{tmp_path}/consent.db")
        opened.append(s)
        return s

    yield factory
    for s in opened:
        s.close()
    shared.close()


@pytest.fixture
def ledger(storage_factory: Callable[[], Storage], clock: ManualClock) -> ConsentLedger:
    return ConsentLedger(storage=storage_factory(), clock=clock)


# ---------------------------------------------------------------- behaviour
def test_grant_then_is_granted_by_scope(ledger: ConsentLedger) -> None:
    ledger.grant(make_record())
    assert ledger.is_granted(PHONE, "Acme")
    assert ledger.is_granted("(415) 555-0123", " acme ", UseCase.ACCOUNT_NOTIFICATIONS)
    assert not ledger.is_granted(PHONE, "Acme", UseCase.MARKETING)
    assert not ledger.is_granted(PHONE, "Other brand")
    assert not ledger.is_granted(OTHER, "Acme")


def test_marketing_needs_an_express_grant(ledger: ConsentLedger) -> None:
    ledger.grant(make_record(scopes=frozenset({UseCase.MARKETING}), express=True))
    assert ledger.is_granted(PHONE, "Acme", UseCase.MARKETING)
    assert not ledger.is_granted(PHONE, "Acme", UseCase.ACCOUNT_NOTIFICATIONS)


def test_revoke_then_reinstate(ledger: ConsentLedger, clock: ManualClock) -> None:
    original = make_record(scopes=frozenset({UseCase.MARKETING, UseCase.EVENTS}), express=True)
    ledger.grant(original)
    clock.advance(timedelta(days=1))
    ledger.revoke(PHONE, "ACME", reason="STOP")
    state = ledger.current(PHONE, "Acme")
    assert state is not None
    assert not state.granted
    assert state.revoked_at == clock.now()
    assert state.revoked_record == original
    assert not ledger.is_granted(PHONE, "Acme")
    clock.advance(timedelta(hours=2))
    assert ledger.reinstate(PHONE, "acme", reason="inbound START") is True
    state = ledger.current(PHONE, "Acme")
    assert state is not None
    assert state.record == original
    assert state.reinstated_at == clock.now()
    assert ledger.is_granted(PHONE, "Acme", UseCase.MARKETING)
    last = ledger.history(PHONE, "Acme")[-1]
    assert last.kind is ConsentEventKind.REINSTATE
    assert last.record is not None
    assert last.record.method is OptInMethod.VIA_TEXT
    assert last.record.keyword == "START"
    assert last.record.captured_at == clock.now()
    assert last.record.scopes == original.scopes
    assert last.reason == "inbound START"
    # nothing more to restore
    assert ledger.reinstate(PHONE, "Acme") is False


def test_reinstate_without_history_or_while_granted_is_false(ledger: ConsentLedger) -> None:
    assert ledger.reinstate(PHONE, "Acme") is False
    assert ledger.history(PHONE, "Acme") == []
    ledger.grant(make_record())
    assert ledger.reinstate(PHONE, "Acme") is False
    assert len(ledger.history(PHONE, "Acme")) == 1


def test_revoke_with_nothing_granted_is_recorded(ledger: ConsentLedger, clock: ManualClock) -> None:
    ledger.revoke(PHONE, "Acme", reason="email request")
    history = ledger.history(PHONE, "Acme")
    assert [e.kind for e in history] == [ConsentEventKind.REVOKE]
    assert history[0].record is None
    assert history[0].at == clock.now()
    assert ledger.reinstate(PHONE, "Acme") is False
    assert ledger.brands(PHONE) == ["Acme"]


def test_double_stop_still_reinstates_the_last_grant(ledger: ConsentLedger) -> None:
    record = make_record()
    ledger.grant(record)
    ledger.revoke(PHONE, "Acme")
    ledger.revoke(PHONE, "Acme")
    assert ledger.reinstate(PHONE, "Acme")
    state = ledger.current(PHONE, "Acme")
    assert state is not None
    assert state.record == record


def test_new_grant_supersedes(ledger: ConsentLedger) -> None:
    ledger.grant(make_record(scopes=frozenset({UseCase.MARKETING}), express=True))
    ledger.grant(make_record(scopes=frozenset({UseCase.TWO_FACTOR_AUTHENTICATION})))
    assert not ledger.is_granted(PHONE, "Acme", UseCase.MARKETING)
    assert ledger.is_granted(PHONE, "Acme", UseCase.TWO_FACTOR_AUTHENTICATION)


def test_brands_index(ledger: ConsentLedger) -> None:
    assert ledger.brands(PHONE) == []
    ledger.grant(make_record(brand="Acme"))
    ledger.grant(make_record(brand="Beta Shop"))
    ledger.revoke(PHONE, "acme")
    ledger.revoke(PHONE, "Gamma")
    ledger.grant(make_record(brand="ACME"))
    assert ledger.brands("(415) 555-0123") == ["Acme", "Beta Shop", "Gamma"]
    assert ledger.brands(OTHER) == []


def test_states_is_one_round_trip_and_matches_current(ledger: ConsentLedger) -> None:
    ledger.grant(make_record())
    ledger.grant(make_record(phone=OTHER))
    ledger.revoke(OTHER, "Acme")
    pairs = [(PHONE, "Acme"), (OTHER, "Acme"), (PHONE, "None such")]
    calls: list[int] = []
    storage = ledger.storage
    original = storage.last_many

    def counting(keys: Any) -> Any:
        calls.append(len(keys))
        return original(keys)

    storage.last_many = counting  # type: ignore[method-assign]
    try:
        states = ledger.states(pairs)
    finally:
        del storage.last_many
    assert calls == [3]
    assert states == [ledger.current(p, b) for p, b in pairs]
    assert states[2] is None
    assert ledger.states([]) == []


def test_events_are_versioned_json(ledger: ConsentLedger) -> None:
    ledger.grant(make_record())
    entries = ledger.storage.read(f"consent:log:{PHONE}:acme")
    assert len(entries) == 1
    header, _, body = entries[0][1].partition("\n")
    # Format 3: a header of what a decision reads, then the JSON.
    assert header == "@3|1|0|ACCOUNT_NOTIFICATIONS|"
    data = json.loads(body)
    assert data["format"] == 3
    assert data["kind"] == "GRANT"
    assert data["phone"] == PHONE
    # Compact: the state's record is the event's, written once; no nulls.
    assert data["state"]["record"] == "event"
    assert "phone" not in data["record"]
    assert "null" not in entries[0][1]


# An entry written by the first (verbose) format, as stored by earlier builds.
FORMAT_1 = (
    '{"format":1,"kind":"REVOKE","at":"2026-01-06T10:00:00+00:00","phone":"+14155550100",'
    '"brand":"Acme","reason":"STOP","record":null,"state":{"record":null,'
    '"granted_at":"2026-01-05T19:00:00+00:00","revoked_at":"2026-01-06T10:00:00+00:00",'
    '"revoked_record":{"phone":"+14155550100","brand":"Acme","method":"WEB_FORM",'
    '"captured_at":"2026-01-05T19:00:00Z","scopes":["MARKETING"],"express":true,'
    '"source":"FIRST_PARTY","source_url":"https://acme.example.com/join","consent_text":null},'
    '"reinstated_at":null}}'
)


def test_format_1_entries_are_still_read(ledger: ConsentLedger) -> None:
    ledger.storage.append("consent:log:+14155550100:acme", FORMAT_1)
    state = ledger.current("+14155550100", "Acme")
    assert state is not None
    assert not state.granted
    assert state.revoked_record is not None
    assert state.revoked_record.source_url == "https://acme.example.com/join"
    assert state.revoked_record.scopes == frozenset({UseCase.MARKETING})
    [event] = ledger.history("+14155550100", "Acme")
    assert event.reason == "STOP"


def test_format_2_state_referring_to_a_missing_record_is_corrupt(ledger: ConsentLedger) -> None:
    bad = json.loads(FORMAT_1)
    bad.update(format=2, state={"record": "event"})
    ledger.storage.append(f"consent:log:{OTHER}:acme", json.dumps(bad))
    with pytest.raises(StorageError, match="missing event record"):
        ledger.current(OTHER, "Acme")


def test_corrupt_or_unknown_entries_raise_storage_error(ledger: ConsentLedger) -> None:
    key = f"consent:log:{PHONE}:acme"
    ledger.storage.append(key, "{not json")
    with pytest.raises(StorageError):
        ledger.is_granted(PHONE, "Acme")
    key2 = f"consent:log:{OTHER}:acme"
    ledger.storage.append(key2, json.dumps({"format": 99}))
    with pytest.raises(StorageError, match="format"):
        ledger.current(OTHER, "Acme")
    with pytest.raises(StorageError):
        ledger.history(OTHER, "Acme")


def test_grant_needs_a_record(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidArgument, match="ConsentRecord"):
        ledger.grant({"phone": PHONE})  # type: ignore[arg-type]


def test_bad_arguments(ledger: ConsentLedger) -> None:
    with pytest.raises(A2PPolicyError):
        ledger.is_granted("nope", "Acme")
    with pytest.raises(InvalidArgument):
        ledger.is_granted(PHONE, "")
    with pytest.raises(InvalidArgument):
        ledger.is_granted(PHONE, "Acme", "MARKETING")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ledger.revoke(PHONE, "Acme", reason=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ledger.states("pairs")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ledger.states([(PHONE,)])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument):
        ConsentLedger(storage=42)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ConsentLedger(clock="now")  # type: ignore[arg-type]


def test_long_reason_is_cut_not_refused(ledger: ConsentLedger) -> None:
    ledger.revoke(PHONE, "Acme", reason="x" * 5000)
    assert len(ledger.history(PHONE, "Acme")[0].reason) == 1000


def test_default_storage_and_uri() -> None:
    ledger = ConsentLedger()
    ledger.grant(make_record())
    assert ledger.is_granted(PHONE, "Acme")
    assert not ConsentLedger("memory://").is_granted(PHONE, "Acme")


# ---------------------------------------------------------------- proof
def test_proof_is_complete(ledger: ConsentLedger, clock: ManualClock) -> None:
    record = full_record()
    ledger.grant(record)
    clock.advance(timedelta(days=3))
    ledger.revoke(PHONE, "Acme", reason="STOP")
    proof = ledger.proof(PHONE, "acme")
    assert proof.record == record
    assert not proof.granted
    assert proof.missing == ()
    assert [e.kind for e in proof.revocations] == [ConsentEventKind.REVOKE]
    text = proof.to_text()
    for needle in (
        "Jane Doe",
        "jane@example.com",
        "1 Main St",
        "2026-01-02T15:30:00+00:00",
        "203.0.113.7",
        "https://acme.example/signup",
        "I agree to receive marketing",
        "https://acme.example/optin.png",
        "MARKETING",
        "Express consent: yes",
        "REVOKE",
        "reason: STOP",
        "Missing evidence: none",
    ):
        assert needle in text, needle
    data = proof.to_dict()
    json.dumps(data)
    assert data["elements"]["name"] == "Jane Doe"
    assert data["scopes"] == ["ACCOUNT_NOTIFICATIONS", "MARKETING"]
    assert data["express"] is True
    assert len(data["history"]) == 2
    assert data["missing"] == []


def test_proof_lists_missing_evidence(ledger: ConsentLedger) -> None:
    ledger.grant(make_record())
    proof = ledger.proof(PHONE, "Acme")
    assert proof.granted
    assert proof.missing == (
        "name", "email", "address", "ip_address", "consent_text", "evidence_url",
    )  # fmt: skip
    assert "(missing)" in proof.to_text()
    assert not proof.complete


def test_proof_without_history(ledger: ConsentLedger) -> None:
    proof = ledger.proof(PHONE, "Acme")
    assert proof.record is None
    assert not proof.granted
    assert "NO CONSENT ON FILE" in proof.to_text()
    assert "name" in proof.missing
    json.dumps(proof.to_dict())


# ---------------------------------------------------------------- concurrency
def test_concurrent_appends_lose_nothing(storage_factory: Callable[[], Storage]) -> None:
    threads_n, per_thread = 6, 15
    errors: list[BaseException] = []

    def work(i: int) -> None:
        ledger = ConsentLedger(storage=storage_factory(), clock=ManualClock())
        try:
            for j in range(per_thread):
                if (i + j) % 2:
                    ledger.grant(make_record())
                else:
                    ledger.revoke(PHONE, "Acme", reason=f"t{i}-{j}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ledger = ConsentLedger(storage=storage_factory())
    history = ledger.history(PHONE, "Acme")
    assert len(history) == threads_n * per_thread
    assert [e.version for e in history] == list(range(1, threads_n * per_thread + 1))
    assert ledger.brands(PHONE) == ["Acme"]
    assert_snapshots_match_history(ledger.storage, history)


class SlowReads(MemoryStorage):
    """Memory storage that pauses after each read, so writers interleave."""

    def last_many(self, keys: Any) -> Any:
        out = super().last_many(keys)
        time.sleep(0.0005)
        return out


def test_stale_states_are_never_written() -> None:
    storage = SlowReads()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(i: int) -> None:
        ledger = ConsentLedger(storage=storage, clock=ManualClock())
        start.wait()
        try:
            for j in range(10):
                if (i + j) % 3 == 0:
                    ledger.reinstate(PHONE, "Acme")
                elif (i + j) % 3 == 1:
                    ledger.grant(make_record(scopes=frozenset({UseCase.EVENTS})))
                else:
                    ledger.revoke(PHONE, "Acme")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ledger = ConsentLedger(storage=storage)
    history = ledger.history(PHONE, "Acme")
    assert len(history) >= 4 * 10 * 2 // 3
    assert_snapshots_match_history(storage, history)


def assert_snapshots_match_history(storage: Storage, history: list[ConsentEvent]) -> None:
    """Every stored snapshot equals the fold of the events up to it."""
    entries = storage.read(f"consent:log:{PHONE}:acme")
    assert len(entries) == len(history)
    for k, (version, raw) in enumerate(entries, start=1):
        assert _decode(version, raw)[1] == fold(history[:k]), k


# ---------------------------------------------------------------- properties
def fold(history: list[ConsentEvent]) -> ConsentState | None:
    """An independent re-implementation of the state a history implies."""
    record: ConsentRecord | None = None
    revoked: ConsentRecord | None = None
    granted_at = revoked_at = reinstated_at = None
    for e in history:
        if e.kind is ConsentEventKind.GRANT:
            record, revoked, granted_at, revoked_at, reinstated_at = (
                e.record,
                None,
                e.at,
                None,
                None,
            )
        elif e.kind is ConsentEventKind.REVOKE:
            revoked = record or revoked
            record, granted_at, revoked_at, reinstated_at = None, None, e.at, None
        else:
            record, revoked, granted_at, revoked_at, reinstated_at = revoked, None, e.at, None, e.at
    if not history:
        return None
    last = history[-1]
    return ConsentState(
        phone=last.phone,
        brand=last.brand,
        record=record,
        granted_at=granted_at,
        revoked_at=revoked_at,
        revoked_record=revoked,
        reinstated_at=reinstated_at,
        updated_at=last.at,
        version=last.version,
    )


_SCOPES = st.frozensets(
    st.sampled_from([UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING, UseCase.EVENTS]),
    min_size=1,
)
_OPS = st.lists(
    st.tuples(
        st.sampled_from(["grant", "revoke", "reinstate", "wait"]),
        st.sampled_from([(PHONE, "Acme"), (PHONE, "Beta"), (OTHER, "Acme")]),
        _SCOPES,
    ),
    max_size=15,
)


def _run_ledger_properties(ledger: ConsentLedger, clock: ManualClock, ops: Any) -> None:
    pairs = [(PHONE, "Acme"), (PHONE, "Beta"), (OTHER, "Acme")]
    for op, (phone, brand), scopes in ops:
        before = ledger.history(phone, brand)
        prior = ledger.current(phone, brand)
        if op == "grant":
            ledger.grant(make_record(phone=phone, brand=brand, scopes=scopes, express=True))
            grew = 1
        elif op == "revoke":
            ledger.revoke(phone, brand, reason="STOP")
            grew = 1
            assert not ledger.is_granted(phone, brand)
            for use_case in UseCase:
                assert not ledger.is_granted(phone, brand, use_case)
        elif op == "reinstate":
            to_restore = prior.revoked_record if prior is not None and not prior.granted else None
            restored = ledger.reinstate(phone, brand)
            assert restored is (to_restore is not None)
            grew = 1 if restored else 0
            if to_restore is not None:
                state = ledger.current(phone, brand)
                assert state is not None
                assert state.scopes == to_restore.scopes
                assert state.record == to_restore
        else:
            clock.advance(timedelta(minutes=7))
            grew = 0
        after = ledger.history(phone, brand)
        # history only grows, and never changes what it held
        assert after[: len(before)] == before
        assert len(after) == len(before) + grew
        # the current state is the fold of the history
        assert ledger.current(phone, brand) == fold(after)
        # is_granted after a revoke stays False until a grant or reinstate
        if after and after[-1].kind is ConsentEventKind.REVOKE:
            assert not ledger.is_granted(phone, brand)
        # states() equals per-pair current()
        assert ledger.states(pairs) == [ledger.current(p, b) for p, b in pairs]
    for phone in (PHONE, OTHER):
        assert set(ledger.brands(phone)) == {
            b for p, b in pairs if p == phone and ledger.history(p, b)
        }


@given(_OPS)
@settings(max_examples=60)
def test_ledger_invariants_memory(ops: Any) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    _run_ledger_properties(ConsentLedger(storage=MemoryStorage(), clock=clock), clock, ops)


@pytest.mark.skipif(not HAVE_SQLITE, reason="no sqlite backend yet")
@given(_OPS)
@settings(max_examples=20)
def test_ledger_invariants_sqlite(ops: Any) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    storage = open_storage("sqlite:///:memory:")
    try:
        _run_ledger_properties(ConsentLedger(storage=storage, clock=clock), clock, ops)
    finally:
        storage.close()


# ---------------------------------------------------------------- fuzz
_ANY = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans())


@given(_ANY, _ANY, _ANY)
@settings(max_examples=150)
def test_fuzz_public_methods(phone: Any, brand: Any, extra: Any) -> None:
    ledger = ConsentLedger(storage=MemoryStorage(), clock=ManualClock())
    calls: list[Callable[[], object]] = [
        lambda: ledger.is_granted(phone, brand),
        lambda: ledger.is_granted(phone, brand, extra),
        lambda: ledger.current(phone, brand),
        lambda: ledger.states([(phone, brand)]),
        lambda: ledger.states(phone),
        lambda: ledger.brands(phone),
        lambda: ledger.history(phone, brand),
        lambda: ledger.proof(phone, brand),
        lambda: ledger.revoke(phone, brand, reason=extra),
        lambda: ledger.reinstate(phone, brand, reason=extra),
        lambda: ledger.reinstate(phone, brand, keyword=extra),
        lambda: ledger.grant(extra),
    ]
    for call in calls:
        with contextlib.suppress(A2PPolicyError):
            call()
