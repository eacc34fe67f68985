"""Idempotency and quota return on every backend (memory, SQLite, Redis,
PostgreSQL), including concurrent senders sharing one key and several
engines/Messengers opened on the same store."""

from __future__ import annotations

import threading
from pathlib import Path

from tests._storage_params import BackendFactory
from tests.messaging._support import ACCOUNT, TO, counted_sent, grant, make_engine, msg, phone, used

from a2p_policy._dnd import DndKind
from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendState
from a2p_policy.storage.base import Storage
from a2p_policy.storage.memory import MemoryStorage


def test_same_key_sends_once_and_reserves_once(any_storage: Storage) -> None:
    engine = make_engine(any_storage)
    transport = InMemoryMessagingTransport(clock=engine.clock)
    messenger = Messenger(engine, transport)
    grant(engine)
    first = messenger.send(msg(), idempotency_key="order-1")
    second = messenger.send(msg(), idempotency_key="order-1")
    assert first.sent
    assert not first.duplicate
    assert second.duplicate
    assert second.sent
    assert second.sid == first.sid
    assert second.body == first.body
    assert second.decision is not None
    assert second.decision.allowed
    assert len(transport.sent) == 1
    assert (used(engine), counted_sent(engine)) == (1, 1)


def test_refusal_returns_the_quota(any_storage: Storage) -> None:
    engine = make_engine(any_storage)
    transport = InMemoryMessagingTransport(clock=engine.clock)
    messenger = Messenger(engine, transport, sleep=lambda s: None)
    grant(engine)
    transport.refuse_next(21211)
    refused = messenger.send(msg(), idempotency_key="k")
    assert refused.state == SendState.REFUSED
    assert (used(engine), counted_sent(engine)) == (0, 0)
    # Final: the same key answers the refusal and touches nothing.
    again = messenger.send(msg(), idempotency_key="k")
    assert again.duplicate
    assert again.state == SendState.REFUSED
    assert again.error is not None
    assert again.error.code == 21211
    assert transport.attempts == 1
    assert used(engine) == 0
    transport.refuse_next(21610)
    messenger.send(msg())
    assert used(engine) == 0
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_concurrent_senders_with_one_key_send_once(
    backend_factory: BackendFactory, tmp_path: Path
) -> None:
    """Four Messengers, each with its own engine and storage handle on the
    same store (as four processes would be), race on the same keys."""
    first = backend_factory(tmp_path)
    handles: list[Storage] = [first]
    if not isinstance(first, MemoryStorage):  # memory: one process, one shared object
        handles += [backend_factory(tmp_path) for _ in range(3)]
    try:
        transport = InMemoryMessagingTransport()
        engines = [make_engine(handles[n % len(handles)]) for n in range(4)]
        grant(engines[0])
        messengers = [Messenger(e, transport) for e in engines]
        results: list[list[object]] = [[] for _ in messengers]
        barrier = threading.Barrier(len(messengers))

        def run(n: int) -> None:
            barrier.wait()
            for k in range(5):
                results[n].append(messengers[n].send(msg(), idempotency_key=f"key-{k}"))

        threads = [threading.Thread(target=run, args=(n,)) for n in range(len(messengers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(transport.sent) == 5
        assert used(engines[0]) == 5
        for k in range(5):
            outcomes = [r[k] for r in results]
            firsts = [o for o in outcomes if not o.duplicate]  # type: ignore[attr-defined]
            assert len(firsts) == 1
            # The others saw the first result, or the key still in flight.
            assert all(o.sent or o.uncertain for o in outcomes)  # type: ignore[attr-defined]
    finally:
        for h in handles:
            h.close()


def test_deferred_key_is_claimed_again_and_uncertain_is_final(any_storage: Storage) -> None:
    engine = make_engine(any_storage)
    transport = InMemoryMessagingTransport(clock=engine.clock)
    messenger = Messenger(engine, transport)
    engine.ramp.set_override(ACCOUNT, 0)  # nothing today: deferred to the reset
    grant(engine)
    deferred = messenger.send(msg(), idempotency_key="d")
    assert deferred.state == SendState.DEFERRED
    assert deferred.retry_at is not None
    engine.ramp.set_override(ACCOUNT, 5)
    assert messenger.send(msg(), idempotency_key="d").sent
    assert messenger.send(msg(), idempotency_key="d").duplicate
    transport.refuse_next(0)
    assert messenger.send(msg(), idempotency_key="u").uncertain
    again = messenger.send(msg(), idempotency_key="u")
    assert again.duplicate
    assert again.uncertain
    assert transport.attempts == 2
    assert used(engine) == 2  # the sent one and the uncertain one


def test_send_bulk_with_keys_on_every_backend(any_storage: Storage) -> None:
    engine = make_engine(any_storage)
    transport = InMemoryMessagingTransport(clock=engine.clock)
    messenger = Messenger(engine, transport, sleep=lambda s: None)
    msgs = [msg(to=phone(i)) for i in range(6)]
    for i in range(6):
        grant(engine, phone(i))
    transport.refuse_next(21211)
    keys = [f"b{i}" for i in range(6)]
    first = messenger.send_bulk(msgs, max_workers=3, idempotency_keys=keys)
    second = messenger.send_bulk(msgs, max_workers=3, idempotency_keys=keys)
    assert sum(r.sent for r in first) == 5
    assert all(r.duplicate for r in second)
    assert [r.state for r in first] == [r.state for r in second]
    assert len(transport.sent) == 5
    assert used(engine) == 5 == counted_sent(engine)
