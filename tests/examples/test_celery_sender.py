"""The Celery scale-out example, for real: a private Redis (broker and
engine store), one Celery worker with 4 processes, 1,000 messages (plus 100
re-queued duplicates) to the recording fake transport.

The engine's clock in the workers is moved (``A2P_CLOCK_OFFSET``) so that
its midnight comes about 35 seconds after the workers start: with a daily
limit of 600, the first 600 messages go out "today", the rest are deferred
by the daily limit to midnight (``apply_async(eta=retry_at)``) and go out
"tomorrow". Checked: no message sent twice, the daily limit never
exceeded, every deferred message sent at or after its ``retry_at``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.servers import RedisServer, ServerUnavailable, server_unavailable

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "celery_sender"
COUNT = 1000
DUPLICATES = 100
DAILY_LIMIT = 600
TO_MIDNIGHT = 35.0  # seconds of "today" left when the worker starts
DEADLINE = 110.0


def _outbox(storage: object) -> list[dict[str, str]]:
    return [json.loads(v) for _, v in storage.read("example:outbox")]  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.redis
def test_celery_workers_share_the_engine(tmp_path: Path) -> None:
    if importlib.util.find_spec("celery") is None:
        server_unavailable("celery not installed (pip install -e '.[dev]')")
    if importlib.util.find_spec("redis") is None:
        server_unavailable("redis driver not installed")
    try:
        server = RedisServer()
    except ServerUnavailable as exc:
        server_unavailable(str(exc))
    from a2p_policy.storage.redis import RedisStorage

    worker: subprocess.Popen[bytes] | None = None
    storage = None
    log = (tmp_path / "worker.log").open("wb")
    try:
        real_now = datetime.now(UTC)
        midnight = datetime.combine(
            (real_now + timedelta(days=3)).date(), datetime.min.time(), tzinfo=UTC
        )
        offset = (midnight - (real_now + timedelta(seconds=TO_MIDNIGHT))).total_seconds()
        store_uri = f"redis://127.0.0.1:{server.port}/1"
        env = dict(
            os.environ,
            A2P_STORAGE_URI=store_uri,
            CELERY_BROKER_URL=f"redis://127.0.0.1:{server.port}/0",
            A2P_CLOCK_OFFSET=str(offset),
            A2P_TRANSPORT="recording",
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(EXAMPLE)]),
        )
        env.pop("PYTHONWARNINGS", None)
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "tasks", "worker",
                "--concurrency", "4", "--pool", "prefork", "--loglevel", "WARNING",
                "--without-heartbeat", "--without-mingle", "--without-gossip",
                "-n", f"a2p-test-{uuid.uuid4().hex[:8]}@localhost",
            ],
            cwd=EXAMPLE, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        done = subprocess.run(
            [
                sys.executable, "tasks.py", "--count", str(COUNT),
                "--duplicates", str(DUPLICATES), "--daily-limit", str(DAILY_LIMIT),
            ],
            cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        storage = RedisStorage.from_uri(store_uri)
        started = time.monotonic()
        while time.monotonic() - started < DEADLINE:
            if worker.poll() is not None:
                break
            if len(storage.read("example:outbox")) >= COUNT:
                break
            time.sleep(0.5)
        time.sleep(2.0)  # anything sent twice would show up now
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
        assert worker.poll() is None, f"the worker died:\n{worker_log}"
        sent = _outbox(storage)
        assert len(sent) == COUNT, f"{len(sent)} sent\n{worker_log}"

        # No message sent twice.
        bodies = Counter(e["body"].split(" has shipped")[0] for e in sent)
        assert len(bodies) == COUNT
        assert max(bodies.values()) == 1

        # The daily limit never exceeded (the engine's days, UTC).
        per_day = Counter(datetime.fromisoformat(e["at"]).date() for e in sent)
        assert max(per_day.values()) <= DAILY_LIMIT, per_day
        assert len(per_day) == 2, per_day  # some really were deferred to "tomorrow"

        # Every deferred message sent at or after its retry_at.
        sent_at = {
            "order-" + e["body"].split("#")[1].split(" ")[0]: datetime.fromisoformat(e["at"])
            for e in sent
        }
        deferred = [json.loads(v) for _, v in storage.read("example:deferred")]
        assert len({d["key"] for d in deferred}) >= COUNT - DAILY_LIMIT
        for d in deferred:
            assert sent_at[d["key"]] >= datetime.fromisoformat(d["retry_at"]), d
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(10)
        log.close()
        if storage is not None:
            storage.close()
        server.destroy()
