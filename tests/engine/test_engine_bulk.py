"""PolicyEngine.authorize_bulk: input order, skips that cost no quota, one
reservation per account and chunk, partial grants, the summary.

Sources: SPEC section 6 (a batch larger than what is left is split and the
result says how many were refused), section 8 (bulk sends skip DND contacts
and report them); API.md "Engine".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from tests.engine._support import ACCOUNT, TO, grant, msg, phone, snapshot

from a2p_policy._clock import ManualClock
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import A2PPolicyError, InvalidArgument
from a2p_policy._messages import BulkResult, OutboundMessage
from a2p_policy.storage.base import CommitPlan, Committed
from a2p_policy.storage.memory import MemoryStorage


class CountingStorage(MemoryStorage):
    """A MemoryStorage that counts reservations: reserve() calls and the
    reservation of each commit() (the ramp's, in a decision)."""

    def __init__(self) -> None:
        super().__init__()
        self.reserves: list[tuple[str, int]] = []

    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        self.reserves.append((key, amount))
        return super().reserve(key, amount, limit, ttl)

    def commit(self, plan: CommitPlan) -> Committed:
        if plan.reserve is not None:
            self.reserves.append((plan.reserve.key, plan.reserve.amount))
        return super().commit(plan)


@pytest.fixture
def counting() -> CountingStorage:
    return CountingStorage()


@pytest.fixture
def cengine(counting: CountingStorage, day_clock: ManualClock) -> PolicyEngine:
    return PolicyEngine(storage=counting, clock=day_clock)


def ramp_reserves(storage: CountingStorage) -> list[tuple[str, int]]:
    return [r for r in storage.reserves if r[0].startswith("ramp:")]


def test_order_preserved_and_skips_cost_no_quota(
    cengine: PolicyEngine, counting: CountingStorage
) -> None:
    # 0: ok, 1: no consent, 2: DND, 3: ok, 4: temporary DND, 5: ok
    for n in (0, 2, 3, 4, 5):
        grant(cengine, phone(n))
    cengine.dnd.set(ACCOUNT, phone(2), DndKind.PERMANENT)
    cengine.dnd.set(ACCOUNT, phone(4), DndKind.TEMPORARY)
    msgs = [msg(f"Order {n} shipped", to=phone(n)) for n in range(6)]
    before = cengine.ramp.remaining(ACCOUNT)
    result = cengine.authorize_bulk(msgs)
    assert isinstance(result, BulkResult)
    assert len(result) == 6
    for n, d in enumerate(result.decisions):
        assert d.body.startswith(f"Order {n} shipped")
    assert [d.allowed for d in result.decisions] == [True, False, False, True, False, True]
    assert result.decisions[1].codes == ("consent.missing",)
    assert result.decisions[2].codes == ("dnd.permanent",)
    assert result.decisions[4].codes == ("dnd.temporary",)
    assert (result.allowed, result.skipped_dnd, result.skipped_consent) == (3, 2, 1)
    assert (result.denied_limit, result.denied_other) == (0, 0)
    assert cengine.ramp.remaining(ACCOUNT) == before - 3
    assert ramp_reserves(counting) == [(ramp_reserves(counting)[0][0], 3)]
    assert result.summary == (
        "6 messages: 3 allowed, 2 skipped (do-not-disturb), 1 skipped (no consent)"
    )


def test_allowed_iff_no_violations(cengine: PolicyEngine) -> None:
    grant(cengine, phone(0))
    result = cengine.authorize_bulk(
        [msg(to=phone(0)), msg(to=phone(1)), msg("see https://bit.ly/x", to=phone(0))]
    )
    for d in result.decisions:
        assert d.allowed is (d.violations == ())


def test_partial_grant_first_n_by_input_order(
    cengine: PolicyEngine, counting: CountingStorage
) -> None:
    cengine.ramp.set_override(ACCOUNT, 3)
    for n in range(0, 8, 2):  # even contacts have consent
        grant(cengine, phone(n))
    msgs = [msg(f"Order {n}", to=phone(n)) for n in range(8)]
    result = cengine.authorize_bulk(msgs)
    allowed = [n for n, d in enumerate(result.decisions) if d.allowed]
    assert allowed == [0, 2, 4]
    assert result.decisions[6].codes == ("limit.daily",)
    assert result.decisions[6].retry_at == datetime(2026, 1, 6, tzinfo=UTC)
    for n in (1, 3, 5, 7):
        # The quota ran out too: every failed rule is reported.
        assert result.decisions[n].codes == ("consent.missing", "limit.daily")
    assert (result.allowed, result.skipped_consent, result.denied_limit) == (3, 4, 1)
    # One reservation for the four candidates, of which three were granted.
    assert [amount for _, amount in ramp_reserves(counting)] == [4]
    assert cengine.ramp.remaining(ACCOUNT) == 0
    assert result.summary == (
        "8 messages: 3 allowed, 4 skipped (no consent), 1 denied (daily limit). "
        "allowed 3 per day, already sent 0, 1 message will fail"
    )


def test_several_accounts_in_one_batch(cengine: PolicyEngine, counting: CountingStorage) -> None:
    cengine.ramp.set_override("a", 2)
    cengine.ramp.set_override("b", 1)
    grant(cengine, TO, account="a")
    grant(cengine, TO, account="b")
    msgs = [msg(f"m{n}", account="ab"[n % 2]) for n in range(6)]
    result = cengine.authorize_bulk(msgs)
    assert [d.allowed for d in result.decisions] == [True, True, True, False, False, False]
    for n, d in enumerate(result.decisions):
        assert d.body.startswith(f"m{n}")
    assert cengine.ramp.remaining("a") == 0
    assert cengine.ramp.remaining("b") == 0
    assert len(ramp_reserves(counting)) == 2
    assert result.denied_limit == 3
    assert "allowed 2 per day" in result.summary
    assert "allowed 1 per day" in result.summary


def test_empty_batch(cengine: PolicyEngine, counting: CountingStorage) -> None:
    before = snapshot(counting)
    empties: list[Iterable[OutboundMessage]] = [[], (), iter([])]
    for empty in empties:
        result = cengine.authorize_bulk(empty)
        assert result.decisions == ()
        assert len(result) == 0
        assert result.allowed == 0
        assert result.summary == "0 messages: 0 allowed"
    assert snapshot(counting) == before


def test_generator_input(cengine: PolicyEngine) -> None:
    grant(cengine)
    result = cengine.authorize_bulk(msg(f"m{n}") for n in range(3))
    assert result.allowed == 3


def test_chunking_over_5000(cengine: PolicyEngine, counting: CountingStorage) -> None:
    cengine.ramp.set_override(ACCOUNT, 10_000)
    grant(cengine)
    n = 5_003
    msgs = [msg("Your order shipped")] * n
    start = time.perf_counter()
    result = cengine.authorize_bulk(msgs)
    elapsed = time.perf_counter() - start
    assert len(result.decisions) == n
    assert result.allowed == n
    assert [amount for _, amount in ramp_reserves(counting)] == [5_000, 3]
    assert cengine.ramp.remaining(ACCOUNT) == 10_000 - n
    assert cengine.monitor.status(ACCOUNT).sent == n
    assert result.summary == f"{n} messages: {n} allowed"
    assert elapsed < 30, f"5,003 messages took {elapsed:.1f} s"


def test_chunk_boundary_partial_grant(cengine: PolicyEngine) -> None:
    cengine.ramp.set_override(ACCOUNT, 5_001)
    grant(cengine)
    result = cengine.authorize_bulk([msg(f"m{n}") for n in range(5_003)])
    assert result.allowed == 5_001
    assert [d.allowed for d in result.decisions[-3:]] == [True, False, False]
    assert result.denied_limit == 2


@pytest.mark.parametrize("bad", ["text", 42, None, {"to": TO}])
def test_non_message_items_are_refused_before_anything_happens(
    cengine: PolicyEngine, counting: CountingStorage, bad: object
) -> None:
    grant(cengine)
    before = snapshot(counting)
    with pytest.raises(InvalidArgument, match="item 1"):
        cengine.authorize_bulk([msg(), bad, msg()])  # type: ignore[list-item]
    assert snapshot(counting) == before


@pytest.mark.parametrize("bad", [None, 42, 3.5, object()])
def test_non_iterable_batch_is_a_library_error(cengine: PolicyEngine, bad: object) -> None:
    with pytest.raises(A2PPolicyError):
        cengine.authorize_bulk(bad)  # type: ignore[arg-type]


def test_bulk_skips_opted_out_contact(cengine: PolicyEngine) -> None:
    grant(cengine, phone(0))
    grant(cengine, phone(1))
    cengine.handle_inbound(ACCOUNT, phone(1), "STOP", brand="Acme")
    result = cengine.authorize_bulk([msg(to=phone(0)), msg(to=phone(1))])
    assert [d.allowed for d in result.decisions] == [True, False]
    assert result.decisions[1].codes == ("dnd.permanent", "consent.revoked")
    assert result.skipped_dnd == 1


def test_bulk_and_single_agree(cengine: PolicyEngine, day_clock: ManualClock) -> None:
    """The decision for one message is the same alone or in a batch."""
    grant(cengine, phone(0))
    cengine.dnd.set(ACCOUNT, phone(2), DndKind.TEMPORARY)
    msgs: list[OutboundMessage] = [
        msg(to=phone(0)),
        msg(to=phone(1)),
        msg(to=phone(2)),
        msg("see https://bit.ly/x", to=phone(0)),
    ]
    singles = [cengine.check(m) for m in msgs]
    bulk = cengine.authorize_bulk(msgs)
    assert [d.codes for d in bulk.decisions] == [d.codes for d in singles]
    assert [d.body for d in bulk.decisions] == [d.body for d in singles]
