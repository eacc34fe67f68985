"""The engine's main scenarios on every storage backend (memory, SQLite).

The engine keeps no state of its own (DESIGN.md: state lives only in the
storage port), so two engines on one store, or on one SQLite file, must
behave as one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params
from tests.engine._support import ACCOUNT, BRAND, TO, TO2, grant, msg, phone

from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._usecases import UseCase
from a2p_policy.storage.base import Storage


@pytest.fixture(params=storage_params())
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as storage:
        yield storage


@pytest.fixture
def beng(backend: Storage, day_clock: ManualClock) -> PolicyEngine:
    return PolicyEngine(storage=backend, clock=day_clock)


def test_authorize_compose_and_mark(beng: PolicyEngine, day_clock: ManualClock) -> None:
    assert beng.check(msg()).codes == ("consent.missing",)
    grant(beng)
    first = beng.authorize(msg())
    assert first.allowed
    assert first.initial
    assert first.body.endswith("Thanks, Acme\nReply STOP to unsubscribe")
    day_clock.advance(timedelta(minutes=1))
    second = beng.authorize(msg())
    assert second.allowed
    assert not second.initial
    assert second.body == "Your order shipped"
    assert beng.ramp.remaining(ACCOUNT) == 98
    assert beng.monitor.status(ACCOUNT).sent == 2


def test_check_has_no_side_effects(beng: PolicyEngine) -> None:
    grant(beng)
    remaining = beng.ramp.remaining(ACCOUNT)
    for _ in range(3):
        assert beng.check(msg()).initial
    assert beng.ramp.remaining(ACCOUNT) == remaining
    assert beng.monitor.status(ACCOUNT).sent == 0
    assert beng.brands(ACCOUNT) == []


def test_bulk_partial_grant(beng: PolicyEngine) -> None:
    beng.ramp.set_override(ACCOUNT, 2)
    for n in (0, 2, 3):
        grant(beng, phone(n))
    beng.dnd.set(ACCOUNT, phone(3), DndKind.TEMPORARY)
    grant(beng, phone(4))
    result = beng.authorize_bulk([msg(f"m{n}", to=phone(n)) for n in range(5)])
    assert [d.allowed for d in result.decisions] == [True, False, True, False, False]
    # Every failed rule is reported: once the quota is used up, the refused
    # contacts carry limit.daily too (they consumed none of it).
    assert [d.codes for d in result.decisions][1:] == [
        ("consent.missing", "limit.daily"),
        (),
        ("dnd.temporary", "limit.daily"),
        ("limit.daily",),
    ]
    assert (result.skipped_dnd, result.skipped_consent, result.denied_limit) == (1, 1, 1)
    assert beng.ramp.remaining(ACCOUNT) == 0


def test_stop_start_cycle(beng: PolicyEngine) -> None:
    grant(beng)
    beng.authorize(msg())
    first = beng.handle_inbound(ACCOUNT, TO, "Stop. Thank you")
    assert first.honored
    assert first.reply is not None
    assert beng.handle_inbound(ACCOUNT, TO, "STOP").reply is None
    assert beng.check(msg()).codes == ("dnd.permanent", "consent.revoked")
    assert beng.handle_inbound(ACCOUNT, TO, "START").honored
    assert beng.check(msg()).allowed
    assert beng.handle_inbound(ACCOUNT, TO, "STOP").reply is not None


def test_status_callbacks(beng: PolicyEngine, day_clock: ManualClock) -> None:
    grant(beng, TO2)
    assert beng.record_status(ACCOUNT, TO2, "sent", message_sid="SM1").duplicate is False
    assert beng.ramp.ramp_start(ACCOUNT) is not None
    r = beng.record_status(ACCOUNT, TO2, "undelivered", error_code=30004, message_sid="SM1")
    assert r.counted
    assert r.dnd is DndKind.PERMANENT
    assert beng.record_status(ACCOUNT, TO2, "failed", 30004, message_sid="SM1").duplicate
    assert beng.monitor.status(ACCOUNT).outcomes == 1
    assert beng.check(msg(to=TO2)).codes == ("dnd.permanent",)
    day_clock.set(datetime(2026, 1, 6, 12, tzinfo=UTC))
    assert beng.ramp.limit_for(ACCOUNT) == 250


def test_quiet_hours_marketing(beng: PolicyEngine, day_clock: ManualClock) -> None:
    grant(beng, scopes=(UseCase.MARKETING,), express=True)
    day_clock.set(datetime(2026, 1, 5, 12, tzinfo=UTC))
    d = beng.authorize(msg("Sale today", use_case=UseCase.MARKETING))
    assert d.codes == ("quiet_hours",)
    assert d.retry_at == datetime(2026, 1, 5, 16, tzinfo=UTC)


def test_two_engines_share_one_store(backend: Storage, day_clock: ManualClock) -> None:
    a = PolicyEngine(storage=backend, clock=day_clock)
    b = PolicyEngine(storage=backend, clock=day_clock)
    a.ramp.set_override(ACCOUNT, 3)
    grant(a)
    results = [e.authorize(msg()).allowed for e in (a, b, a, b, a)]
    assert results == [True, True, True, False, False]
    assert not b.check(msg()).initial
    a.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    assert b.check(msg()).codes[0] == "dnd.permanent"
    assert b.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply is None


def test_sqlite_uri_is_durable(tmp_path: Path, day_clock: ManualClock) -> None:
    uri = f"sqlite:///{tmp_path / 'engine.db'}"
    first = PolicyEngine(storage=uri, clock=day_clock)
    grant(first)
    assert first.authorize(msg()).allowed
    first.handle_inbound(ACCOUNT, TO2, "STOP", brand=BRAND)
    first.storage.close()
    again = PolicyEngine(storage=uri, clock=day_clock)
    try:
        assert not again.check(msg()).initial
        assert again.ramp.remaining(ACCOUNT) == 99
        assert again.dnd.get(ACCOUNT, TO2) is DndKind.PERMANENT
        assert again.brands(ACCOUNT) == [BRAND]
    finally:
        again.storage.close()
