"""Consent scoped to the account (tenant): ConsentScope.ACCOUNT and BRAND.

Consent is 1:1 between a contact and the business that collected it
(suspension appeal article, "Consent / Opt-in"), so in a platform that
serves many businesses from one store, consent recorded by one account must
never authorize another, even under the same brand name.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._consent.ledger import ConsentLedger
from a2p_policy._consent.record import ConsentRecord, ConsentScope
from a2p_policy._errors import ConsentError, InvalidArgument, MissingAccount
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.memory import MemoryStorage

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PHONE = "+14155550123"


def record(account: str | None, brand: str = "Joe's Pizza", **kw: object) -> ConsentRecord:
    data: dict[str, object] = {
        "phone": PHONE,
        "brand": brand,
        "method": OptInMethod.VERBAL,
        "captured_at": NOW,
        "scopes": frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
        "express": False,
        "account": account,
    }
    data.update(kw)
    return ConsentRecord(**data)  # type: ignore[arg-type]


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


@pytest.fixture
def ledger(storage: MemoryStorage) -> ConsentLedger:
    return ConsentLedger(storage=storage, clock=ManualClock(NOW), scope=ConsentScope.ACCOUNT)


def test_default_scope_of_a_standalone_ledger_is_brand(storage: MemoryStorage) -> None:
    assert ConsentLedger(storage=storage).scope is ConsentScope.BRAND


def test_scope_must_be_a_consent_scope(storage: MemoryStorage) -> None:
    with pytest.raises(InvalidArgument, match="scope"):
        ConsentLedger(storage=storage, scope="ACCOUNT")  # type: ignore[arg-type]


def test_record_account_is_validated() -> None:
    assert record("tenant-a").account == "tenant-a"
    assert record(None).account is None
    for bad in ("", "   ", "x" * 201, 5, " a", "a\n"):
        with pytest.raises(ValueError, match="account"):
            record(bad)  # type: ignore[arg-type]


def test_consent_of_one_account_never_authorizes_another(ledger: ConsentLedger) -> None:
    ledger.grant(record("tenant-a"))
    assert ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-a")
    assert not ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-b")
    assert ledger.current(PHONE, "Joe's Pizza", account="tenant-b") is None
    assert ledger.history(PHONE, "Joe's Pizza", account="tenant-b") == []


def test_case_folded_brand_does_not_cross_accounts(ledger: ConsentLedger) -> None:
    ledger.grant(record("tenant-a", brand="Straße"))
    assert ledger.is_granted(PHONE, "STRASSE", account="tenant-a")  # one business, one brand
    assert not ledger.is_granted(PHONE, "STRASSE", account="tenant-b")


def test_revoke_reaches_only_its_account(ledger: ConsentLedger) -> None:
    ledger.grant(record("tenant-a"))
    ledger.grant(record("tenant-b"))
    ledger.revoke(PHONE, "Joe's Pizza", account="tenant-a", reason="STOP")
    assert not ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-a")
    assert ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-b")
    assert ledger.reinstate(PHONE, "Joe's Pizza", account="tenant-a")
    state = ledger.current(PHONE, "Joe's Pizza", account="tenant-a")
    assert state is not None
    assert state.record is not None
    assert state.record.account == "tenant-a"
    evidence = ledger.history(PHONE, "Joe's Pizza", account="tenant-a")[-1].record
    assert evidence is not None
    assert evidence.account == "tenant-a"


def test_account_scope_refuses_a_record_or_lookup_without_account(
    ledger: ConsentLedger,
) -> None:
    with pytest.raises(MissingAccount, match="account"):
        ledger.grant(record(None))
    for call in (
        lambda: ledger.is_granted(PHONE, "Joe's Pizza"),
        lambda: ledger.current(PHONE, "Joe's Pizza"),
        lambda: ledger.states([(PHONE, "Joe's Pizza")]),
        lambda: ledger.history(PHONE, "Joe's Pizza"),
        lambda: ledger.revoke(PHONE, "Joe's Pizza"),
        lambda: ledger.reinstate(PHONE, "Joe's Pizza"),
        lambda: ledger.proof(PHONE, "Joe's Pizza"),
        lambda: ledger.brands(PHONE),
    ):
        with pytest.raises(MissingAccount):
            call()
    # A library error, and a ValueError as well as a ConsentError.
    assert issubclass(MissingAccount, ConsentError)
    assert issubclass(MissingAccount, ValueError)


def test_brand_scope_shares_consent_across_accounts(storage: MemoryStorage) -> None:
    ledger = ConsentLedger(storage=storage, clock=ManualClock(NOW), scope=ConsentScope.BRAND)
    ledger.grant(record("tenant-a"))
    assert ledger.is_granted(PHONE, "Joe's Pizza")
    assert ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-b")  # account ignored
    ledger.revoke(PHONE, "Joe's Pizza", account="tenant-b")
    assert not ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-a")


def test_brands_index_is_per_account(ledger: ConsentLedger) -> None:
    ledger.grant(record("tenant-a", brand="Acme"))
    ledger.grant(record("tenant-b", brand="Beta"))
    assert ledger.brands(PHONE, account="tenant-a") == ["Acme"]
    assert ledger.brands(PHONE, account="tenant-b") == ["Beta"]


def test_account_is_stored_once_per_entry(storage: MemoryStorage, ledger: ConsentLedger) -> None:
    ledger.grant(record("tenant-a"))
    entries = storage.read("consent:alog:tenant-a:+14155550123:joe's pizza")
    assert len(entries) == 1
    data = json.loads(entries[0][1].partition("\n")[2])
    assert data["account"] == "tenant-a"
    assert "account" not in data["record"]


def test_brand_scoped_history_is_not_read_in_account_scope_until_adopted(
    storage: MemoryStorage, ledger: ConsentLedger
) -> None:
    legacy = ConsentLedger(storage=storage, clock=ManualClock(NOW))  # BRAND, as before
    legacy.grant(record(None))
    legacy.revoke(PHONE, "Joe's Pizza", reason="STOP")
    legacy.reinstate(PHONE, "Joe's Pizza")
    assert not ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-a")  # fail closed
    assert ledger.adopt(PHONE, "Joe's Pizza", account="tenant-a")
    assert ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-a")
    assert not ledger.is_granted(PHONE, "Joe's Pizza", account="tenant-b")
    history = ledger.history(PHONE, "Joe's Pizza", account="tenant-a")
    assert [e.kind.name for e in history] == ["GRANT", "REVOKE", "REINSTATE"]
    assert all(e.record is None or e.record.account == "tenant-a" for e in history)
    # The account's own history wins: a second adopt copies nothing.
    assert not ledger.adopt(PHONE, "Joe's Pizza", account="tenant-a")
    assert len(ledger.history(PHONE, "Joe's Pizza", account="tenant-a")) == 3
    # Nothing to adopt.
    assert not ledger.adopt("+14155550124", "Joe's Pizza", account="tenant-a")


def test_adopt_needs_an_account_ledger(storage: MemoryStorage) -> None:
    with pytest.raises(InvalidArgument, match="ACCOUNT"):
        ConsentLedger(storage=storage).adopt(PHONE, "Acme", account="a")


_accounts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30
).filter(lambda a: a.strip() == a != "" and a.isprintable())


@given(a=_accounts, b=_accounts, brand=st.sampled_from(["Acme", "ACME", "acme ", "Straße"]))
def test_grant_under_one_account_is_invisible_to_any_other(a: str, b: str, brand: str) -> None:
    ledger = ConsentLedger(
        storage=MemoryStorage(), clock=ManualClock(NOW), scope=ConsentScope.ACCOUNT
    )
    ledger.grant(record(a, brand="Acme" if brand != "Straße" else brand))
    assert ledger.is_granted(PHONE, brand, account=a)
    if a != b:
        assert not ledger.is_granted(PHONE, brand, account=b)
