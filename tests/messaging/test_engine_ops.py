"""PolicyEngine.opt_out and PolicyEngine.cancel (added for the Messenger)."""

from __future__ import annotations

import pytest
from tests.messaging._support import ACCOUNT, BRAND, TO, counted_sent, grant, msg, used

from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import InvalidArgument
from a2p_policy._messages import Decision


def test_opt_out_is_what_a_stop_does(engine: PolicyEngine) -> None:
    grant(engine)
    grant(engine, brand="Other")
    assert engine.authorize(msg()).allowed
    assert engine.authorize(msg(brand="Other")).allowed
    before = engine.monitor.peek(ACCOUNT).opt_outs
    brands = engine.opt_out(ACCOUNT, TO, reason="error 21610")
    assert set(brands) == {BRAND, "Other"}
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.consent.is_granted(TO, BRAND, account=ACCOUNT)
    assert not engine.consent.is_granted(TO, "Other", account=ACCOUNT)
    assert engine.monitor.peek(ACCOUNT).opt_outs == before + 1
    decision = engine.check(msg())
    assert not decision.allowed
    assert "dnd.permanent" in decision.codes
    # START lifts it as after a STOP keyword.
    engine.handle_inbound(ACCOUNT, TO, "START")
    assert engine.dnd.get(ACCOUNT, TO) is None
    assert engine.consent.is_granted(TO, BRAND, account=ACCOUNT)


def test_opt_out_one_brand(engine: PolicyEngine) -> None:
    grant(engine)
    grant(engine, brand="Other")
    assert engine.opt_out(ACCOUNT, TO, brand="Other") == ("Other",)
    assert engine.consent.is_granted(TO, BRAND, account=ACCOUNT)
    assert not engine.consent.is_granted(TO, "Other", account=ACCOUNT)


@pytest.mark.parametrize(
    "kwargs",
    [{"brand": ""}, {"brand": 3}, {"reason": None}],
)
def test_opt_out_refuses_bad_arguments(engine: PolicyEngine, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        engine.opt_out(ACCOUNT, TO, **kwargs)  # type: ignore[arg-type]
    assert engine.dnd.get(ACCOUNT, TO) is None


def test_cancel_returns_quota_uncounts_and_restores_initial(engine: PolicyEngine) -> None:
    grant(engine)
    m = msg()
    first = engine.authorize(m)
    assert first.allowed
    assert first.initial
    assert (used(engine), counted_sent(engine)) == (1, 1)
    engine.cancel(m, first)
    assert (used(engine), counted_sent(engine)) == (0, 0)
    # The conversation never started: the next message is initial again.
    again = engine.authorize(m)
    assert again.initial
    assert again.body == first.body


def test_cancel_of_a_reply_keeps_the_conversation(engine: PolicyEngine) -> None:
    grant(engine)
    m = msg()
    assert engine.authorize(m).initial
    second = engine.authorize(m)
    assert not second.initial
    engine.cancel(m, second)
    assert (used(engine), counted_sent(engine)) == (1, 1)
    assert not engine.check(m).initial


def test_cancel_of_a_refused_decision_does_nothing(engine: PolicyEngine) -> None:
    refused = engine.authorize(msg())  # no consent
    assert not refused.allowed
    engine.cancel(msg(), refused)
    assert (used(engine), counted_sent(engine)) == (0, 0)


def test_cancel_refuses_bad_arguments(engine: PolicyEngine) -> None:
    with pytest.raises(InvalidArgument):
        engine.cancel("m", Decision(allowed=True, body="x"))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        engine.cancel(msg(), "allowed")  # type: ignore[arg-type]
