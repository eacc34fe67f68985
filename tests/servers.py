"""Real Redis and PostgreSQL servers for the tests, started on loopback.

The redis and postgres backends are tested against the real engines, never
mocks. This module starts private servers on free ports in temporary folders
(never the services a Debian package may have started on 6379/5432, and never
a non-loopback address) and tears them down at exit:

* ``redis-server`` from Debian's ``redis-server`` package;
* PostgreSQL 15's ``initdb``/``pg_ctl`` from Debian's ``postgresql-15``
  package. PostgreSQL refuses to run as root, so when the tests run as root a
  system user ``a2ptest`` is created (``useradd``) and the cluster is
  initialised and started through ``runuser -u a2ptest``.

:func:`shared_redis_uri` / :func:`shared_postgres_uri` start one server per
test process on first use. A missing binary or a server that does not come
up skips the test with the reason, or *fails* it when ``CI=true`` (CI must
run these tests; ``.ci/install-servers.sh`` installs the packages).

Tests that stop a server (backend-down behaviour) start their own
:class:`RedisServer`/:class:`PostgresServer` instead of the shared one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Final, NoReturn

import pytest

from a2p_policy.storage.base import Storage

__all__ = [
    "PostgresServer",
    "RedisServer",
    "ServerUnavailable",
    "emptied_postgres_backend",
    "free_port",
    "in_ci",
    "postgres_backend",
    "redis_backend",
    "server_unavailable",
    "shared_postgres_uri",
    "shared_redis_uri",
]

PG_BINDIR_CANDIDATES: Final = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")
PG_TEST_USER: Final = "a2ptest"
_START_TIMEOUT: Final = 30.0


class ServerUnavailable(RuntimeError):
    """A test server could not be started (missing binary, failed start)."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def server_unavailable(reason: str) -> NoReturn:
    """Skip locally, fail under ``CI=true``."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the server backends must be tested)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited with status {proc.returncode} on start")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise ServerUnavailable(f"{what} did not listen on 127.0.0.1:{port} within {_START_TIMEOUT}s")


# ---------------------------------------------------------------- Redis
class RedisServer:
    """A private ``redis-server`` on 127.0.0.1 (no persistence unless asked)."""

    def __init__(self, *, appendonly: bool = False) -> None:
        binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
        )
        if binary is None:
            raise ServerUnavailable(
                "redis-server not found (Debian package redis-server; run .ci/install-servers.sh)"
            )
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="a2p-redis-"))
        self.port = free_port()
        self.appendonly = appendonly
        self._proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        args = [
            self.binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_port(self.port, self._proc, "redis-server")
        except ServerUnavailable:
            self.stop()
            raise

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL
def _pg_bin(name: str) -> str:
    for d in PG_BINDIR_CANDIDATES:
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found is None:
        raise ServerUnavailable(
            f"PostgreSQL's {name} not found (Debian package postgresql-15; "
            "run .ci/install-servers.sh)"
        )
    return found


def _ensure_test_user() -> str:
    """The non-root OS user that runs PostgreSQL when the tests run as root."""
    try:
        pwd.getpwnam(PG_TEST_USER)
    except KeyError:
        pass
    else:
        return PG_TEST_USER
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    done = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_TEST_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 9):  # 9: exists (created concurrently)
        raise ServerUnavailable(f"useradd {PG_TEST_USER} failed: {done.stderr.strip()}")
    return PG_TEST_USER


class PostgresServer:
    """A private PostgreSQL cluster on 127.0.0.1 (trust auth, superuser
    ``postgres``), run as a non-root user."""

    def __init__(self) -> None:
        self.initdb = _pg_bin("initdb")
        self.pg_ctl = _pg_bin("pg_ctl")
        self.dir = Path(tempfile.mkdtemp(prefix="a2p-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = _ensure_test_user()
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            self._as = [runuser, "-u", user, "--"]
            info = pwd.getpwnam(user)
            os.chown(self.dir, info.pw_uid, info.pw_gid)
        self._run(
            [self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            "initdb",
        )  # fmt: skip
        self._running = False
        self.start()

    @property
    def uri(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str], what: str) -> None:
        done = subprocess.run(
            self._as + args, capture_output=True, text=True, check=False, cwd=self.dir
        )
        if done.returncode != 0:
            raise ServerUnavailable(
                f"PostgreSQL {what} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-800:]}"
            )

    def start(self) -> None:
        if self._running:
            return
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.dir}",
                "-c max_connections=200",
                "-c fsync=off",  # test server: clients are killed, never the server
                "-c full_page_writes=off",
                "-c shared_buffers=32MB",
            ]
        )
        self._run(
            [self.pg_ctl, "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-o", options,
             "-w", "-t", str(int(_START_TIMEOUT)), "start"],
            "pg_ctl start",
        )  # fmt: skip
        self._running = True
        _wait_port(self.port, None, "postgres")

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(ServerUnavailable):
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"], "stop")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- shared servers
_lock = threading.Lock()
_shared: dict[str, RedisServer | PostgresServer | ServerUnavailable] = {}


def _shared_server(kind: str) -> RedisServer | PostgresServer:
    with _lock:
        found = _shared.get(kind)
        if found is None:
            try:
                found = RedisServer() if kind == "redis" else PostgresServer()
                atexit.register(found.destroy)
            except (ServerUnavailable, OSError) as exc:
                found = exc if isinstance(exc, ServerUnavailable) else ServerUnavailable(str(exc))
            _shared[kind] = found
    if isinstance(found, ServerUnavailable):
        server_unavailable(f"{kind} test server unavailable: {found}")
    return found


def shared_redis_uri() -> str:
    """URI of this process's test Redis (started on first use)."""
    return _shared_server("redis").uri


def shared_postgres_uri() -> str:
    """URI of this process's test PostgreSQL (started on first use)."""
    return _shared_server("postgres").uri


# ---------------------------------------------------------------- backend factories
def _need_driver(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        server_unavailable(f"driver {module} not installed (pip install -e '.[redis,postgres]')")


def _namespace(tmp_path: Path) -> str:
    """A short name unique to one test's folder (same folder: same store)."""
    import hashlib

    return "t" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]


def redis_backend(tmp_path: Path) -> Storage:
    """A fresh, empty Redis backend per ``tmp_path`` (a key prefix of its own
    on the shared test server); handles opened with the same folder share it."""
    _need_driver("redis")
    from a2p_policy.storage.redis import RedisStorage

    return RedisStorage.from_uri(f"{shared_redis_uri()}?prefix={_namespace(tmp_path)}:")


def postgres_backend(tmp_path: Path) -> Storage:
    """A fresh, empty PostgreSQL backend per ``tmp_path`` (a schema of its own
    on the shared test server); handles opened with the same folder share it."""
    _need_driver("psycopg_pool")
    from a2p_policy.storage.postgres import PostgresStorage

    return PostgresStorage.from_uri(
        f"{shared_postgres_uri()}?schema={_namespace(tmp_path)}&max_size=8&pool_timeout=10"
    )


#: The one schema per test process that :func:`emptied_postgres_backend` reuses.
REUSED_SCHEMA: Final = "a2p_reused"
_admin: dict[str, object] = {}
#: The tables of each emptied schema (uri, schema), read on first use.
_tables: dict[tuple[str, str], list[str]] = {}


def _empty_schema(uri: str, schema: str) -> None:
    """Delete every row of ``schema``'s tables but the migrations record
    (a few statements on one kept connection: far cheaper than creating and
    migrating a schema, ~80 ms, for each test)."""
    import psycopg

    conn = _admin.get(uri)
    if not isinstance(conn, psycopg.Connection) or conn.closed:
        conn = psycopg.connect(uri, autocommit=True)
        _admin[uri] = conn
        atexit.register(conn.close)
    tables = _tables.get((uri, schema))
    if tables is None:  # the schema is migrated once per process: read it once
        tables = _tables[(uri, schema)] = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_type = 'BASE TABLE' "
                "AND table_name <> 'a2p_schema_migrations'",
                (schema,),
            )
        ]
    for table in tables:
        conn.execute(f'DELETE FROM "{schema}"."{table}"')


#: The test folder the reused schema was last emptied for (per process).
_emptied_for: dict[str, str] = {}


def emptied_postgres_backend(tmp_path: Path) -> Storage:
    """A PostgreSQL backend on this process's one reused schema
    (:data:`REUSED_SCHEMA`), emptied when it is opened for a new ``tmp_path``:
    handles opened with the same folder share the store, as with
    :func:`postgres_backend`, at about 25 ms an open instead of 80 (the
    schema is created and migrated once per process).

    The one difference: stores of two folders cannot be open at once (the
    second folder's first open empties the schema). A test that needs that,
    or changes the schema itself, takes :func:`postgres_backend`."""
    _need_driver("psycopg_pool")
    from a2p_policy.storage.postgres import PostgresStorage

    uri = shared_postgres_uri()
    storage = PostgresStorage.from_uri(
        f"{uri}?schema={REUSED_SCHEMA}&max_size=8&pool_timeout=10"
    )  # creates and migrates the schema the first time
    folder = _namespace(tmp_path)
    if _emptied_for.get(uri) != folder:
        try:
            _empty_schema(uri, REUSED_SCHEMA)
        except BaseException:
            storage.close()
            raise
        _emptied_for[uri] = folder
    return storage
