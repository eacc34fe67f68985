"""Worker functions the stress tests run in other processes (spawned).

Each worker opens its *own* storage from a URI, as a separate app server
would, and drives the public :class:`~a2p_policy._engine.PolicyEngine`.
Run as a script (``python -m tests.backends._workers optout URI PHONE...``)
it is the process the opt-out test kills with SIGKILL.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from a2p_policy._clock import ManualClock
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._engine import PolicyEngine
from a2p_policy._limits.ramp import RampSchedule
from a2p_policy._messages import MessageKind, OutboundMessage
from a2p_policy._settings import LimitsSettings
from a2p_policy._usecases import OptInMethod, UseCase

__all__ = [
    "ACCOUNT",
    "BRAND",
    "DAYTIME",
    "SENDER",
    "authorize_worker",
    "engine",
    "grant",
    "message",
    "phone",
    "status_worker",
]

#: Monday 2026-01-05 10:00 in San Francisco (the 415 numbers below).
DAYTIME = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
ACCOUNT = "acct-stress"
BRAND = "Acme"
SENDER = "+14155550199"


def phone(n: int) -> str:
    """The n-th distinct San Francisco contact."""
    return f"+1415557{n:04d}"


def engine(uri: str, limit: int = 100) -> PolicyEngine:
    """An engine on ``uri`` with a flat daily limit and no quiet hours."""
    return PolicyEngine(
        storage=uri,
        clock=ManualClock(DAYTIME),
        limits=LimitsSettings(
            schedule=RampSchedule(daily_limits=(limit,), steady_limit=limit), quiet_hours=False
        ),
    )


def grant(e: PolicyEngine, to: str) -> None:
    e.consent.grant(
        ConsentRecord(
            phone=to,
            brand=BRAND,
            account=ACCOUNT,
            method=OptInMethod.VERBAL,
            captured_at=e.clock.now(),
            scopes=frozenset({UseCase.ACCOUNT_NOTIFICATIONS}),
            express=False,
        )
    )


def message(to: str) -> OutboundMessage:
    return OutboundMessage(
        ACCOUNT,
        SENDER,
        to,
        "Your order shipped",
        brand=BRAND,
        kind=MessageKind.BULK,
        use_case=UseCase.ACCOUNT_NOTIFICATIONS,
    )


def _threads(n: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def authorize_worker(uri: str, limit: int, threads: int, attempts: int) -> tuple[int, int, float]:
    """``threads`` threads each calling ``authorize`` ``attempts`` times on one
    engine; returns (allowed, denied by the daily limit, seconds)."""
    e = engine(uri, limit)
    allowed = [0] * threads
    limited = [0] * threads
    to = phone(0)

    def work(i: int) -> None:
        for _ in range(attempts):
            d = e.authorize(message(to))
            if d.allowed:
                allowed[i] += 1
            elif "limit.daily" in d.codes:
                limited[i] += 1
            else:  # pragma: no cover - would be a test setup error
                raise AssertionError(f"unexpected denial {d.codes}")

    start = time.perf_counter()
    _threads(threads, work)
    elapsed = time.perf_counter() - start
    e.storage.close()
    return sum(allowed), sum(limited), elapsed


def status_worker(uri: str, sids: list[str], threads: int) -> int:
    """Every thread delivers every status callback; returns how many counted."""
    e = engine(uri)
    counted = [0] * threads

    def work(i: int) -> None:
        for sid in sids:
            r = e.record_status(ACCOUNT, phone(1), "delivered", message_sid=sid)
            counted[i] += int(r.counted)

    _threads(threads, work)
    e.storage.close()
    return sum(counted)


def _optout_main(uri: str, phones: list[str]) -> None:
    """Opt each phone out, print ``ACK <phone>`` after handle_inbound returns,
    wait for ``next`` on stdin; the test kills this process at any point."""
    e = engine(uri)
    for p in phones:
        result = e.handle_inbound(ACCOUNT, p, "STOP", brand=BRAND)
        assert result.honored
        print(f"ACK {p}", flush=True)
        sys.stdin.readline()
    time.sleep(3600)


if __name__ == "__main__":  # pragma: no cover - run in a child process
    if sys.argv[1] == "optout":
        _optout_main(sys.argv[2], sys.argv[3:])
