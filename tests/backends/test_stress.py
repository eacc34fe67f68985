"""The shared-state guarantees, under stress, through the public engine.

Every test here runs the backends that several processes can share (SQLite
on one host, Redis, PostgreSQL) and prints its figures (``-s`` or the CI
log shows them):

* no over-send: 8 processes x 4 threads hammer one account's daily limit
  with ``authorize``; exactly the limit is granted;
* idempotency: the same status callback (same message SID) delivered by
  every process and thread counts once;
* no lost opt-out: an opt-out acknowledged by ``handle_inbound`` in one
  process is visible to another immediately, and survives SIGKILL of the
  process that wrote it;
* backend down: with the server stopped ``authorize`` raises
  :class:`~a2p_policy._errors.StorageError` (fail closed, nothing allowed) and
  works again by itself when the server returns.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import site
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from tests.backends._workers import (
    ACCOUNT,
    authorize_worker,
    engine,
    grant,
    message,
    phone,
    status_worker,
)
from tests.servers import (
    PostgresServer,
    RedisServer,
    ServerUnavailable,
    server_unavailable,
    shared_postgres_uri,
    shared_redis_uri,
)

from a2p_policy._dnd import DndKind
from a2p_policy._errors import StorageError

_ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
THREADS = 4

UriFactory = Callable[[Path], str]


def _need(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        server_unavailable(f"driver {module} not installed (extras redis / postgres)")


def _sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'stress.db'}?timeout=30"


def _redis_uri(tmp_path: Path) -> str:
    _need("redis")
    return f"{shared_redis_uri()}?prefix=stress-{tmp_path.name}:"


def _postgres_uri(tmp_path: Path) -> str:
    _need("psycopg_pool")
    schema = "stress_" + "".join(c if c.isalnum() else "_" for c in tmp_path.name.lower())
    return f"{shared_postgres_uri()}?schema={schema[:60]}&max_size={THREADS}&pool_timeout=30"


BACKENDS = [
    pytest.param(_sqlite_uri, id="sqlite"),
    pytest.param(_redis_uri, id="redis", marks=pytest.mark.redis),
    pytest.param(_postgres_uri, id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Eight spawned worker processes, shared by the tests of this module.
    pytest imports this module without the project root on sys.path; the
    children need it to unpickle the worker functions."""
    with ProcessPoolExecutor(
        PROCESSES,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=site.addsitedir,
        initargs=(str(_ROOT),),
    ) as executor:
        yield executor


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[backends] {line}", flush=True)


@pytest.mark.parametrize("make_uri", BACKENDS)
def test_no_over_send_8_processes_x_4_threads(
    make_uri: UriFactory,
    tmp_path: Path,
    pool: ProcessPoolExecutor,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    uri = make_uri(tmp_path)
    limit, attempts = 200, 10  # 8 x 4 x 10 = 320 attempts for 200 slots
    setup = engine(uri, limit)
    grant(setup, phone(0))
    setup.storage.close()
    results = list(
        pool.map(
            authorize_worker,
            [uri] * PROCESSES,
            [limit] * PROCESSES,
            [THREADS] * PROCESSES,
            [attempts] * PROCESSES,
        )
    )
    allowed = sum(r[0] for r in results)
    limited = sum(r[1] for r in results)
    assert allowed == limit
    assert allowed + limited == PROCESSES * THREADS * attempts
    check = engine(uri, limit)
    try:
        assert check.ramp.remaining(ACCOUNT) == 0
        assert check.monitor.status(ACCOUNT).sent == limit
        assert not check.authorize(message(phone(0))).allowed
    finally:
        check.storage.close()
    slowest = max(r[2] for r in results)
    _report(
        capsys,
        f"{request.node.callspec.id}: {PROCESSES}x{THREADS} authorize x{attempts}: "
        f"granted {allowed}/{limit} exactly, {PROCESSES * THREADS * attempts / slowest:.0f} "
        "authorize/s overall",
    )


@pytest.mark.parametrize("make_uri", BACKENDS)
def test_status_callback_counts_once_across_processes(
    make_uri: UriFactory,
    tmp_path: Path,
    pool: ProcessPoolExecutor,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    uri = make_uri(tmp_path)
    sids = [f"SM{n:032x}" for n in range(20)]
    threads = 2
    counted = sum(pool.map(status_worker, [uri] * PROCESSES, [sids] * PROCESSES, [threads] * 8))
    assert counted == len(sids)
    check = engine(uri)
    try:
        assert check.monitor.status(ACCOUNT).outcomes == len(sids)
    finally:
        check.storage.close()
    _report(
        capsys,
        f"{request.node.callspec.id}: {len(sids)} callbacks x {PROCESSES * threads} deliveries "
        f"counted {counted} times",
    )


@pytest.mark.parametrize("make_uri", BACKENDS)
def test_acknowledged_opt_out_is_visible_at_once_and_survives_sigkill(
    make_uri: UriFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    uri = make_uri(tmp_path)
    phones = [phone(100 + n) for n in range(4)]
    observer = engine(uri)
    for p in phones:
        grant(observer, p)
        assert observer.authorize(message(p)).allowed
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.backends._workers", "optout", uri, *phones],
        cwd=_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        for n, p in enumerate(phones):
            assert child.stdout.readline().strip() == f"ACK {p}"
            if n == len(phones) - 1:
                child.send_signal(signal.SIGKILL)  # right after the acknowledgement
                child.wait(30)
            # another process, immediately after the acknowledgement
            assert observer.dnd.get(ACCOUNT, p) is DndKind.PERMANENT
            denied = observer.authorize(message(p))
            assert not denied.allowed
            if n < len(phones) - 1:
                child.stdin.write("next\n")
                child.stdin.flush()
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(30)
        child.stdin.close()
        child.stdout.close()
        observer.storage.close()
    assert child.returncode == -signal.SIGKILL
    fresh = engine(uri)  # a new connection after the writer died
    try:
        for p in phones:
            assert fresh.dnd.get(ACCOUNT, p) is DndKind.PERMANENT
            assert not fresh.authorize(message(p)).allowed
    finally:
        fresh.storage.close()
    _report(
        capsys,
        f"{request.node.callspec.id}: {len(phones)} opt-outs visible to another process at once; "
        "all kept after SIGKILL of the writer",
    )


@pytest.mark.parametrize("kind", [
    pytest.param("redis", marks=pytest.mark.redis),
    pytest.param("postgres", marks=pytest.mark.postgres),
])  # fmt: skip
def test_backend_down_fails_closed_and_recovers(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _need("redis" if kind == "redis" else "psycopg_pool")
    try:
        server: RedisServer | PostgresServer = (
            RedisServer(appendonly=True) if kind == "redis" else PostgresServer()
        )
    except ServerUnavailable as exc:
        server_unavailable(f"{kind} test server unavailable: {exc}")
    uri = server.uri + ("?socket_timeout=2" if kind == "redis" else "?pool_timeout=2")
    e = engine(uri)
    try:
        grant(e, phone(7))
        assert e.authorize(message(phone(7))).allowed
        server.stop()
        outcomes: list[str] = []
        start = time.monotonic()
        for _ in range(3):
            try:
                d = e.authorize(message(phone(7)))
            except StorageError as exc:
                outcomes.append(type(exc).__name__)
            else:
                assert not d.allowed, "allowed while the storage server was down"
                assert "storage.unavailable" in d.codes
                outcomes.append("denied")
        down_seconds = (time.monotonic() - start) / 3
        assert not e.storage.ping()
        server.start()
        start = time.monotonic()
        while True:
            try:
                d = e.authorize(message(phone(7)))
                break
            except StorageError:
                assert time.monotonic() - start < 60, "did not recover within 60 s"
                time.sleep(0.2)
        recovered = time.monotonic() - start
        assert d.allowed
        assert e.storage.ping()
    finally:
        e.storage.close()
        server.destroy()
    _report(
        capsys,
        f"{kind}: server stopped -> authorize {sorted(set(outcomes))} "
        f"({down_seconds:.2f}s per call); recovered {recovered:.2f}s after restart",
    )
