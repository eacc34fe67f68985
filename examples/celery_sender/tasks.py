"""Celery workers that send through the a2p_policy Messenger.

Every worker process opens the same engine store (Redis or PostgreSQL), so
the ramp-up quota, consent, DND and idempotency keys are shared: a message
is sent at most once whichever worker runs its task, and the daily limit
holds across all of them. A send the rules defer (quiet hours, daily limit)
is re-queued with ``apply_async(eta=retry_at)``.

Run a worker: ``celery -A tasks worker --concurrency 4``; queue the demo:
``python tasks.py --count 1000 --duplicates 100 --daily-limit 600`` (see
README.md). One module on purpose: Celery imports it by name in every
worker.

Environment:

``A2P_STORAGE_URI``   the engine's shared store (``redis://...`` or
                      ``postgresql://...``); every worker process opens it.
``CELERY_BROKER_URL`` the Celery broker (Redis).
``A2P_TRANSPORT``     ``recording`` (default: a fake that records every send
                      in the shared store) or ``twilio`` (needs
                      ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``).
``A2P_STATUS_CALLBACK`` the URL Twilio posts message statuses to.
``A2P_CLOCK_OFFSET``  seconds added to the engine's clock (default 0). Only
                      for demonstrations and tests that need "midnight" to
                      come soon; leave it unset in production.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery  # type: ignore[import-untyped]
from celery.signals import worker_process_init  # type: ignore[import-untyped]

from a2p_policy import (
    Clock,
    ConsentRecord,
    MessageTransport,
    Messenger,
    OptInMethod,
    OutboundMessage,
    PolicyEngine,
    SentMessage,
    Storage,
    TransportError,
    TwilioMessagingTransport,
    UseCase,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- settings
STORAGE_URI = os.environ.get("A2P_STORAGE_URI", "redis://127.0.0.1:6379/1")
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
TRANSPORT = os.environ.get("A2P_TRANSPORT", "recording")
STATUS_CALLBACK = os.environ.get("A2P_STATUS_CALLBACK") or None
CLOCK_OFFSET = timedelta(seconds=float(os.environ.get("A2P_CLOCK_OFFSET", "0")))

#: Logs in the shared store: what the workers sent, and every deferral.
OUTBOX = "example:outbox"
DEFERRED = "example:deferred"

ACCOUNT = "acme-store"
BRAND = "Acme"
SENDER = "+14155550199"


class OffsetClock:
    """The system clock moved by ``A2P_CLOCK_OFFSET`` (the engine's time)."""

    def now(self) -> datetime:
        return datetime.now(UTC) + CLOCK_OFFSET


def to_real(engine_time: datetime) -> datetime:
    """The real (Celery) time of an engine time, for ``apply_async(eta=...)``."""
    return engine_time - CLOCK_OFFSET


# ---------------------------------------------------------------- a recording transport
class RecordingTransport:
    """A :class:`~a2p_policy.MessageTransport` that sends nothing and appends
    ``{"sid", "to", "from", "body", "at"}`` to ``OUTBOX`` in the shared store.

    The library's ``InMemoryMessagingTransport`` keeps ``.sent`` in one
    process; Celery workers are many processes. ``Storage.append`` is atomic
    on every backend, so one log shows what all workers sent, in order.
    """

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    def send(
        self, *, to: str, sender: str, body: str, status_callback: str | None = None
    ) -> SentMessage:
        if not body:
            raise TransportError(400, 21602, "Message body is required")
        sid = "SM" + uuid.uuid4().hex
        entry = {"sid": sid, "to": to, "from": sender, "body": body}
        entry["at"] = self.clock.now().isoformat()
        self.storage.append(OUTBOX, json.dumps(entry))
        return SentMessage(sid, "queued")


def outbox(storage: Storage) -> list[dict[str, str]]:
    """Everything the workers sent, oldest first."""
    return [json.loads(value) for _, value in storage.read(OUTBOX)]


# ---------------------------------------------------------------- the Celery app
app = Celery("a2p_sender", broker=BROKER_URL)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,  # a killed worker's task is redelivered: the key stops a resend
    worker_prefetch_multiplier=4,
    broker_connection_retry_on_startup=True,
)


class _PerProcess:
    """The engine and transport of this worker process (opened on first use)."""

    engine: PolicyEngine | None = None
    transport: MessageTransport | None = None


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _reset(**_: Any) -> None:
    """Each forked worker process opens its own connections."""
    _PerProcess.engine = None
    _PerProcess.transport = None


def engine() -> PolicyEngine:
    if _PerProcess.engine is None:
        _PerProcess.engine = PolicyEngine(storage=STORAGE_URI, clock=OffsetClock())
    return _PerProcess.engine


def transport() -> MessageTransport:
    if _PerProcess.transport is None:
        if TRANSPORT == "twilio":
            from twilio.rest import Client

            client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
            _PerProcess.transport = TwilioMessagingTransport(client)
        else:
            _PerProcess.transport = RecordingTransport(engine().storage, engine().clock)
    return _PerProcess.transport


def to_payload(msg: OutboundMessage) -> dict[str, Any]:
    return {
        "account": msg.account,
        "sender": msg.sender,
        "to": msg.to,
        "body": msg.body,
        "brand": msg.brand,
        "kind": msg.kind.name,
        "use_case": msg.use_case.name,
        "state": msg.state,
    }


def from_payload(p: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        p["account"],
        p["sender"],
        p["to"],
        p["body"],
        brand=p["brand"],
        kind=p.get("kind", "BULK"),
        use_case=p.get("use_case", "ACCOUNT_NOTIFICATIONS"),
        state=p.get("state"),
    )


@app.task(name="a2p.send_message")  # type: ignore[untyped-decorator]
def send_message(payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """Send one message at most once (``idempotency_key`` unique per account)."""

    def defer(msg: OutboundMessage, retry_at: datetime) -> None:
        # Remember the promise (for the demo's check), then re-queue.
        engine().storage.append(
            DEFERRED, json.dumps({"key": idempotency_key, "retry_at": retry_at.isoformat()})
        )
        send_message.apply_async((to_payload(msg), idempotency_key), eta=to_real(retry_at))

    messenger = Messenger(engine(), transport(), status_callback=STATUS_CALLBACK, defer=defer)
    result = messenger.send(from_payload(payload), idempotency_key=idempotency_key)
    if result.uncertain:
        log.warning("send %s is uncertain: check the provider before resolving", idempotency_key)
    return {
        "state": result.state,
        "sid": result.sid,
        "duplicate": result.duplicate,
        "retry_at": result.retry_at.isoformat() if result.retry_at else None,
    }


# ---------------------------------------------------------------- the producer (demo)
def contact(n: int) -> str:
    return f"+1415556{n:04d}"


def main(argv: list[str] | None = None) -> int:
    """Prepare the demo account and queue N messages (plus some duplicates).

    Grants consent for each contact (a demo: in your application consent
    comes from your opt-in flow), sets the account's daily limit override,
    and queues one task per message with the key ``order-<n>``; the
    duplicates re-queue keys already queued, as a retrying producer would.
    """
    parser = argparse.ArgumentParser(description="Queue demo messages.")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--duplicates", type=int, default=0)
    parser.add_argument("--daily-limit", type=int, default=None)
    args = parser.parse_args(argv)
    eng = engine()
    if args.daily_limit is not None:
        eng.ramp.set_override(ACCOUNT, args.daily_limit)
    now = eng.clock.now()
    for n in range(args.count):
        eng.consent.grant(
            ConsentRecord(
                phone=contact(n),
                brand=BRAND,
                account=ACCOUNT,
                method=OptInMethod.WEB_FORM,
                source_url="https://acme.example/checkout",
                captured_at=now,
                scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
                express=False,
            )
        )
    keys = list(range(args.count))
    keys += random.Random(7).sample(range(args.count), min(args.duplicates, args.count))
    for n in keys:
        msg = OutboundMessage(ACCOUNT, SENDER, contact(n), f"Order #{n} has shipped", brand=BRAND)
        send_message.delay(to_payload(msg), f"order-{n}")
    print(f"queued {len(keys)} tasks for {args.count} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
