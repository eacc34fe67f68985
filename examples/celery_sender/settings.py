"""Configuration of the Celery sender, from the environment.

``A2P_STORAGE_URI``   the engine's shared store (``redis://...`` or
                      ``postgresql://...``); every worker process opens it.
``CELERY_BROKER_URL`` the Celery broker (Redis).
``A2P_CLOCK_OFFSET``  seconds added to the system clock (default 0). Only
                      for demonstrations and tests that need "midnight" to
                      come soon; leave it unset in production.
``A2P_TRANSPORT``     ``recording`` (default: the fake, which records every
                      send in the store) or ``twilio`` (needs
                      ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

STORAGE_URI = os.environ.get("A2P_STORAGE_URI", "redis://127.0.0.1:6379/1")
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CLOCK_OFFSET = timedelta(seconds=float(os.environ.get("A2P_CLOCK_OFFSET", "0")))
TRANSPORT = os.environ.get("A2P_TRANSPORT", "recording")
STATUS_CALLBACK = os.environ.get("A2P_STATUS_CALLBACK") or None


class OffsetClock:
    """The system clock moved by ``A2P_CLOCK_OFFSET`` (the engine's time)."""

    def now(self) -> datetime:
        return datetime.now(UTC) + CLOCK_OFFSET


def to_real(engine_time: datetime) -> datetime:
    """The real (Celery) time of an engine time: for ``apply_async(eta=...)``."""
    return engine_time - CLOCK_OFFSET
