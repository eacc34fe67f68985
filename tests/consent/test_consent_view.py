"""The decision's view of consent (format-3 header): it always agrees with
the full state, and a corrupt header fails closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._consent import ledger as ledger_mod
from a2p_policy._consent.ledger import ConsentLedger, ConsentView
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._errors import ConsentError, StorageError
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage.memory import MemoryStorage

NOW = datetime(2026, 3, 2, 15, tzinfo=UTC)
PHONE = "+14155550123"


def _record(scopes: frozenset[UseCase], express: bool) -> ConsentRecord:
    return ConsentRecord(
        phone=PHONE,
        brand="Acme",
        method=OptInMethod.WEB_FORM,
        captured_at=NOW,
        scopes=scopes,
        express=express,
        source_url="https://acme.example/signup",
    )


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["grant", "revoke", "reinstate"]),
        st.frozensets(st.sampled_from(list(UseCase)), min_size=1, max_size=4),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60)
@given(ops=_OPS)
def test_the_view_always_equals_the_full_state(
    ops: list[tuple[str, frozenset[UseCase], bool]],
) -> None:
    clock = ManualClock(NOW)
    ledger = ConsentLedger(MemoryStorage(), clock=clock)
    for op, scopes, express in ops:
        clock.advance(timedelta(minutes=5))
        if op == "grant":
            # marketing needs express consent (the record refuses it otherwise)
            ledger.grant(_record(scopes, express or UseCase.MARKETING in scopes))
        elif op == "revoke":
            ledger.revoke(PHONE, "Acme", reason="STOP")
        else:
            try:
                ledger.reinstate(PHONE, "Acme")
            except ConsentError:
                continue  # nothing to reinstate: refused, nothing written
        keys = ledger.log_keys([(PHONE, "Acme")])
        lasts = ledger.storage.last_many(keys)
        (state,) = ledger.states_from(lasts)
        (view,) = ledger.views_from(lasts)
        assert (state is None) is (view is None)
        if state is not None:
            assert view == ConsentView.of(state)
            assert view.granted == (state.record is not None)


def test_older_formats_give_the_same_view() -> None:
    ledger = ConsentLedger(MemoryStorage(), clock=ManualClock(NOW))
    ledger.grant(_record(frozenset({UseCase.MARKETING}), True))
    (last,) = ledger.storage.last_many(ledger.log_keys([(PHONE, "Acme")]))
    assert last is not None
    body = last[1].partition("\n")[2].replace('"format":3', '"format":2')
    (view,) = ledger.views_from([(last[0], body)])
    (fresh,) = ledger.views_from([last])
    assert view == fresh
    assert view is not None
    assert view.granted
    assert view.express
    assert view.scopes == frozenset({UseCase.MARKETING})


@pytest.mark.parametrize(
    "header",
    [
        "@3|2|0|MARKETING|",
        "@3|1|0|MARKETING",
        "@3|1|0|NOT_A_USE_CASE|",
        "@3|1|0|MARKETING|yesterday",
        "@3|1|0|MARKETING|2026-01-01T00:00:00",  # naive
        "@3|1|x|MARKETING|",
    ],
)
def test_a_corrupt_header_fails_closed(header: str) -> None:
    with pytest.raises(StorageError):
        ledger_mod.ConsentLedger.views_from([(1, header + "\n{}")])


def test_a_header_without_its_line_end_fails_closed() -> None:
    with pytest.raises(StorageError):
        ledger_mod.ConsentLedger.views_from([(1, "@3|1|0|MARKETING|")])
