"""Celery workers that send through the a2p_policy Messenger.

Every worker process opens the same engine store (Redis or PostgreSQL), so
the ramp-up quota, consent, DND and idempotency keys are shared: a message
is sent at most once whichever worker runs its task, and the daily limit
holds across all of them. A send the rules defer (quiet hours, daily limit)
is re-queued with ``apply_async(eta=retry_at)``.

Run: ``celery -A tasks worker --concurrency 4`` (see README.md).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from recording import RecordingTransport
from settings import (
    BROKER_URL,
    STATUS_CALLBACK,
    STORAGE_URI,
    TRANSPORT,
    OffsetClock,
    to_real,
)

from a2p_policy import (
    MessageTransport,
    Messenger,
    OutboundMessage,
    PolicyEngine,
    TwilioMessagingTransport,
)

log = logging.getLogger(__name__)

app = Celery("a2p_sender", broker=BROKER_URL)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,  # a killed worker's task is redelivered: the key stops a resend
    worker_prefetch_multiplier=4,
    broker_connection_retry_on_startup=True,
)

DEFERRED = "example:deferred"


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
