"""Property tests: whatever the sequence of sends, keys and refusals, no key
is sent twice, the quota used equals what went out (plus uncertain sends),
and the daily limit is never exceeded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.messaging._support import ACCOUNT, counted_sent, grant, make_engine, msg, phone, used

from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendState
from a2p_policy._messaging.transport import TransportError
from a2p_policy.storage.memory import MemoryStorage

#: None: accepted; an int: refused with that code (0: connection lost).
OUTCOMES = st.one_of(st.none(), st.sampled_from([0, 429, 500, 21211, 21610, 21614, 30007]))


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.integers(0, 5), OUTCOMES), min_size=1, max_size=25),
    limit=st.integers(1, 10),
)
def test_never_twice_and_quota_matches(steps: list[tuple[int, int | None]], limit: int) -> None:
    engine = make_engine(MemoryStorage())
    transport = InMemoryMessagingTransport(clock=engine.clock)
    messenger = Messenger(engine, transport, retry_429=0, sleep=lambda s: None)
    engine.ramp.set_override(ACCOUNT, limit)
    for n in range(4):
        grant(engine, phone(n))
    uncertain: set[str] = set()
    sids: dict[str, set[str]] = {}
    for key_n, outcome in steps:
        if outcome is not None:
            transport.refuse_next(outcome)
        key = f"k{key_n}"
        # One recipient per key (a key names one message); recipients repeat.
        result = messenger.send(msg(to=phone(key_n % 4)), idempotency_key=key)
        transport._refusals.clear()  # an unused refusal must not leak into the next step
        if result.duplicate:
            continue
        if result.state == SendState.UNCERTAIN:
            uncertain.add(key)
        if result.sent:
            assert result.sid is not None
            sids.setdefault(key, set()).add(result.sid)
    sent = transport.sent
    assert all(len(s) == 1 for s in sids.values())  # no key sent twice
    assert len(sent) == len(sids)
    assert not uncertain & set(sids)
    assert used(engine) == len(sent) + len(uncertain) == counted_sent(engine)
    assert used(engine) <= limit


@given(
    status=st.integers(0, 599),
    code=st.one_of(st.none(), st.integers(1, 99_999)),
)
def test_transport_error_retryable_rule(status: int, code: int | None) -> None:
    exc = TransportError(status, code, "x")
    server_side = status == 429 or status >= 500
    if server_side:
        assert exc.retryable
    elif status == 0 or code is None or not exc.info.known:
        assert not exc.retryable
    else:
        assert exc.retryable is exc.info.retryable
    assert exc.uncertain is (status == 0)
