"""Trust boundaries of the engine, on every backend: consent scoped to the
account (tenant), replay-proof inbound webhooks, and keys that callers cannot
forge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._storage_params import BackendFactory, open_backend, storage_params
from tests.engine._support import BRAND, TO, grant, msg

from a2p_policy._clock import ManualClock
from a2p_policy._consent.record import ConsentRecord, ConsentScope
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import ConfigurationError, MissingAccount
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.base import Storage, make_key

A, B = "tenant-a", "tenant-b"


@pytest.fixture(params=storage_params())
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    factory: BackendFactory = request.param
    with open_backend(factory, tmp_path) as storage:
        yield storage


@pytest.fixture
def beng(backend: Storage, day_clock: ManualClock) -> PolicyEngine:
    return PolicyEngine(storage=backend, clock=day_clock)


def test_engine_default_scope_is_account(beng: PolicyEngine) -> None:
    assert beng.consent_scope is ConsentScope.ACCOUNT
    assert beng.consent.scope is ConsentScope.ACCOUNT


def test_consent_scope_must_be_a_consent_scope() -> None:
    with pytest.raises(ConfigurationError, match="consent_scope"):
        PolicyEngine(consent_scope="BRAND")  # type: ignore[arg-type]


def test_consent_of_one_tenant_does_not_authorize_another(beng: PolicyEngine) -> None:
    grant(beng, account=A)
    assert beng.authorize(msg(account=A)).allowed
    assert beng.check(msg(account=B)).codes == ("consent.missing",)
    assert beng.authorize_bulk([msg(account=B), msg(account=A)]).allowed == 1


def test_same_brand_under_case_folding_does_not_cross_tenants(beng: PolicyEngine) -> None:
    grant(beng, account=A, brand="Straße")
    assert beng.check(msg(account=A, brand="STRASSE")).allowed
    assert beng.check(msg(account=B, brand="STRASSE")).codes == ("consent.missing",)


def test_grant_without_account_is_refused(beng: PolicyEngine) -> None:
    record = ConsentRecord(
        phone=TO,
        brand=BRAND,
        method=OptInMethod.VERBAL,
        captured_at=beng.clock.now(),
        scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
        express=False,
    )
    with pytest.raises(MissingAccount, match="account"):
        beng.consent.grant(record)


def test_stop_to_one_tenant_revokes_only_that_tenant(beng: PolicyEngine) -> None:
    grant(beng, account=A)
    grant(beng, account=B)
    assert beng.authorize(msg(account=A)).allowed
    assert beng.authorize(msg(account=B)).allowed
    assert beng.handle_inbound(A, TO, "STOP").honored
    assert beng.dnd.get(A, TO) is DndKind.PERMANENT
    assert beng.dnd.get(B, TO) is None
    assert not beng.consent.is_granted(TO, BRAND, account=A)
    assert beng.consent.is_granted(TO, BRAND, account=B)
    assert beng.check(msg(account=A)).codes[0] == "dnd.permanent"
    assert beng.check(msg(account=B)).allowed


def test_brand_scope_keeps_one_consent_for_several_accounts(
    backend: Storage, day_clock: ManualClock
) -> None:
    engine = PolicyEngine(storage=backend, clock=day_clock, consent_scope=ConsentScope.BRAND)
    grant(engine, account=A)
    assert engine.check(msg(account=B)).allowed
    engine.handle_inbound(A, TO, "STOP", brand=BRAND)
    assert engine.check(msg(account=B)).codes == ("consent.revoked",)


# ---------------------------------------------------------------- replays
def test_replayed_start_never_undoes_a_later_stop(beng: PolicyEngine) -> None:
    grant(beng, account=A)
    assert beng.authorize(msg(account=A)).allowed  # the account has sent as BRAND
    assert beng.handle_inbound(A, TO, "STOP", message_sid="SM1").honored
    start = beng.handle_inbound(A, TO, "START", message_sid="SM2")
    assert start.honored
    assert not start.duplicate
    assert beng.check(msg(account=A)).allowed
    assert beng.handle_inbound(A, TO, "STOP", message_sid="SM3").honored
    replay = beng.handle_inbound(A, TO, "START", message_sid="SM2")
    assert replay.duplicate
    assert not replay.honored
    assert replay.reply is None
    assert beng.check(msg(account=A)).codes[0] == "dnd.permanent"
    assert not beng.consent.is_granted(TO, BRAND, account=A)


def test_retried_stop_is_a_duplicate_and_replies_once(beng: PolicyEngine) -> None:
    grant(beng, account=A)
    first = beng.handle_inbound(A, TO, "STOP", message_sid="SM1")
    assert first.reply is not None
    assert not first.duplicate
    again = beng.handle_inbound(A, TO, "STOP", message_sid="SM1")
    assert again.duplicate
    assert again.reply is None
    assert beng.monitor.status(A).opt_outs == 1


def test_message_sid_is_per_account(beng: PolicyEngine) -> None:
    grant(beng, account=A)
    grant(beng, account=B)
    assert not beng.handle_inbound(A, TO, "STOP", message_sid="SM1").duplicate
    assert not beng.handle_inbound(B, TO, "STOP", message_sid="SM1").duplicate


def test_interrupted_opt_out_is_applied_again_but_interrupted_opt_in_is_not(
    beng: PolicyEngine,
) -> None:
    """A SID claimed by a process that died before acting stays "pending":
    a retried opt-out is applied (opting out twice is harmless), a retried
    opt-in is not (fail closed)."""
    grant(beng, account=A)
    beng.storage.put(make_key("engine", "inbound", A, "SMout1"), "pending")
    out = beng.handle_inbound(A, TO, "STOP", message_sid="SMout1")
    assert out.honored
    assert not out.duplicate
    assert beng.dnd.get(A, TO) is DndKind.PERMANENT
    beng.storage.put(make_key("engine", "inbound", A, "SMin1"), "pending")
    back = beng.handle_inbound(A, TO, "START", message_sid="SMin1")
    assert back.duplicate
    assert not back.honored
    assert beng.dnd.get(A, TO) is DndKind.PERMANENT


@pytest.mark.parametrize("sid", ["", "   ", "x" * 65, "SM\x00", 5])
def test_bad_message_sid_is_refused(beng: PolicyEngine, sid: object) -> None:
    with pytest.raises(ValueError, match="message_sid"):
        beng.handle_inbound(A, TO, "STOP", message_sid=sid)  # type: ignore[arg-type]


# ---------------------------------------------------------------- keys
def test_status_idempotency_keys_cannot_collide(beng: PolicyEngine) -> None:
    """An account id with the separator cannot forge another account's
    status marker (and a SID is letters and digits only)."""
    first = beng.record_status("org:SM1", TO, "delivered", message_sid="SMx1")
    assert first.counted
    second = beng.record_status("org", TO, "undelivered", 21610, message_sid="SMx1")
    assert second.counted
    assert not second.duplicate
    assert beng.dnd.get("org", TO) is DndKind.PERMANENT
    assert make_key("engine", "status", "org:SM1", "x", "final") != make_key(
        "engine", "status", "org", "SM1:x", "final"
    )
    with pytest.raises(ValueError, match="message_sid"):
        beng.record_status("org", TO, "delivered", message_sid="SM1:x")


def test_brand_list_keys_cannot_collide(beng: PolicyEngine) -> None:
    grant(beng, account="n:p", brand="q")
    grant(beng, account="n", brand="p:q")
    assert beng.authorize(msg(account="n:p", brand="q")).allowed
    assert beng.brands("n") == []
    assert beng.authorize(msg(account="n", brand="p:q")).allowed
    assert beng.brands("n") == ["p:q"]
    assert beng.brands("n:p") == ["q"]
