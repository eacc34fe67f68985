"""A transport that records every send in the engine's shared store.

The in-memory fake keeps ``.sent`` in one process; Celery workers are many
processes. This transport appends each accepted send to a log in the shared
store (``Storage.append`` is atomic on every backend), so a test, or you,
can read what all workers sent, in order, from one place.
"""

from __future__ import annotations

import json
import uuid

from a2p_policy import Clock, SentMessage, Storage, TransportError

OUTBOX = "example:outbox"


class RecordingTransport:
    """A :class:`~a2p_policy.MessageTransport` that sends nothing and logs
    ``{"sid", "to", "from", "body", "at"}`` to ``OUTBOX`` in ``storage``."""

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
