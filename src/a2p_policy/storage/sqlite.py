"""``sqlite:///path.db``: the single-machine persistent storage backend.

Why SQLite: one file shared by several threads and processes of one host
(a web app's workers plus a queue worker) is the most common small
deployment, and it needs no server. The port's operations stay atomic here
because each *write* runs in one ``BEGIN IMMEDIATE`` transaction: the write
lock is taken before anything is read, so no two writers ever act on the
same snapshot (the check-then-write race that made other rate limiters
over-grant on SQLite, see docs/architecture.md and "Pitfalls others hit").
Pure reads are one ``SELECT`` each, which SQLite runs on one consistent WAL
snapshot without blocking writers.

Settings chosen for several processes on one file:

* ``journal_mode=WAL``: readers never block the writer and vice versa;
* ``busy_timeout``: a writer waits for the lock instead of failing at once;
  "database is locked" after the timeout becomes
  :class:`~a2p_policy.StorageUnavailable`;
* ``synchronous=NORMAL`` (the WAL default recommended by SQLite; ``?synchronous=full``
  for durability across power loss);
* the schema is versioned with ``PRAGMA user_version`` and migrated on open
  inside ``BEGIN IMMEDIATE``, so processes that open a new file together
  apply each migration exactly once.

Within one process every thread shares one connection guarded by a lock: it
was measured faster for a single thread than a connection per thread (no
per-thread connection setup or cache misses, see ``docs/storage.md``) and
SQLite serialises writers anyway. After ``fork()`` the child opens its own
connection (SQLite connections must not cross a fork).

TTLs are garbage collection only (see :mod:`a2p_policy.storage.base`): each
record kind keeps an ``expires`` epoch on this machine's wall clock; expired
rows read as missing and are deleted lazily, plus a prune of every table
every few thousand writes (:meth:`SQLiteStorage.prune`).

Integers are SQLite's 64-bit integers: a counter limit above ``2**63 - 1`` is
treated as ``2**63 - 1``, and an :meth:`~SQLiteStorage.add_counts` result
outside the 64-bit range raises :class:`~a2p_policy.InvalidArgument`.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    StorageError,
    StorageUnavailable,
)
from a2p_policy.storage.backend import (
    StorageBackend,
    add_to_count,
    stale,
    stored_count,
    stored_counter,
)
from a2p_policy.storage.base import CommitPlan, Committed, LogEntry, Snapshot, touch_ttl
from a2p_policy.storage.uri import redact_uri, split_uri

__all__ = ["SCHEMA_VERSION", "SQLiteStorage"]

#: Largest integer SQLite stores (signed 64-bit).
_INT64_MAX: Final = 2**63 - 1
_INT64_MIN: Final = -(2**63)
#: Writes between two prunes of expired rows (per SQLiteStorage instance).
_PRUNE_EVERY: Final = 4096
#: SQLite result codes meaning "another connection holds the lock".
_BUSY_CODES: Final = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_SYNCHRONOUS: Final = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
#: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` needs SQLite 3.35.
_MIN_SQLITE: Final = (3, 35, 0)

#: Migrations, in order: ``_MIGRATIONS[i]`` moves the schema from version i
#: to i + 1. Never edit a released step; append a new one.
_MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE counters (
            key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL
        ) WITHOUT ROWID""",
        """CREATE TABLE "values" (
            key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL
        ) WITHOUT ROWID""",
        """CREATE TABLE hash_keys (key TEXT PRIMARY KEY, expires REAL) WITHOUT ROWID""",
        """CREATE TABLE hashes (
            key TEXT NOT NULL, field TEXT NOT NULL, value INTEGER NOT NULL,
            PRIMARY KEY (key, field)
        ) WITHOUT ROWID""",
        """CREATE TABLE logs (
            key TEXT NOT NULL, version INTEGER NOT NULL, entry TEXT NOT NULL,
            PRIMARY KEY (key, version)
        ) WITHOUT ROWID""",
        """CREATE TABLE set_keys (key TEXT PRIMARY KEY, expires REAL) WITHOUT ROWID""",
        """CREATE TABLE sets (
            key TEXT NOT NULL, member TEXT NOT NULL, at REAL NOT NULL,
            PRIMARY KEY (key, member)
        ) WITHOUT ROWID""",
        "CREATE INDEX counters_expires ON counters (expires) WHERE expires IS NOT NULL",
        'CREATE INDEX values_expires ON "values" (expires) WHERE expires IS NOT NULL',
        "CREATE INDEX hash_keys_expires ON hash_keys (expires) WHERE expires IS NOT NULL",
        "CREATE INDEX set_keys_expires ON set_keys (expires) WHERE expires IS NOT NULL",
    ),
)

#: The schema version this module writes.
SCHEMA_VERSION: Final = len(_MIGRATIONS)

_LIVE = "(expires IS NULL OR expires > :now)"


def _expires(now: float, ttl: float | None) -> float | None:
    return None if ttl is None else now + ttl


def _clamp(n: int) -> int:
    return n if n <= _INT64_MAX else _INT64_MAX


#: Keys per ``IN (...)`` list of a bulk read (well under SQLite's limit on
#: bound parameters). Keys are bound as parameters, never passed through
#: ``json_each``, which would cut a key at a NUL character.
_CHUNK: Final = 500


def _chunks(keys: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """Distinct ``keys`` in chunks, each with its ``(?, ?, ...)`` list."""
    distinct = list(dict.fromkeys(keys))
    for i in range(0, len(distinct), _CHUNK):
        chunk = distinct[i : i + _CHUNK]
        yield "(" + ", ".join("?" * len(chunk)) + ")", chunk


def _text(key: str, raw: object) -> str:
    """A stored value or entry: text, else StorageError naming the key."""
    if type(raw) is not str:
        raise StorageError(f"malformed value stored at {key!r}: {type(raw).__name__}")
    return raw


def _version(key: str, raw: object) -> int:
    if type(raw) is not int or raw < 1:
        raise StorageError(f"malformed log version stored at {key!r}: {raw!r}")
    return raw


class SQLiteStorage(StorageBackend):
    """SQLite :class:`~a2p_policy.storage.base.Storage` on one file (or ``:memory:``).

    ``timeout`` is how long (seconds) an operation waits for another
    connection's write lock before raising
    :class:`~a2p_policy.StorageUnavailable`. The file is created if
    missing, its folder is not: a missing folder raises
    :class:`~a2p_policy.ConfigurationError` (a typo in a path must not
    silently create a new, empty store elsewhere).
    """

    schemes = ("sqlite",)

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        timeout: float = 5.0,
        synchronous: str = "NORMAL",
    ) -> None:
        super().__init__()
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise StorageError(
                f"SQLiteStorage needs SQLite >= 3.35 (UPSERT ... RETURNING); "
                f"this Python links SQLite {sqlite3.sqlite_version}"
            )
        if not isinstance(path, str | os.PathLike):
            raise InvalidArgument(f"path must be a str or path, got {type(path).__name__}")
        path = os.fspath(path)
        if not isinstance(path, str) or not path or "\x00" in path:
            raise InvalidArgument(f"invalid SQLite database path {path!r}")
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout < 0
        ):
            raise InvalidArgument(f"timeout must be a finite number >= 0, got {timeout!r}")
        sync = synchronous.upper() if isinstance(synchronous, str) else ""
        if sync not in _SYNCHRONOUS:
            raise InvalidArgument(
                f"synchronous must be one of {sorted(_SYNCHRONOUS)}, got {synchronous!r}"
            )
        if path != ":memory:":
            folder = Path(path).parent
            if not folder.is_dir():
                raise ConfigurationError(
                    f"cannot open SQLite database {path!r}: the folder {str(folder)!r} does "
                    "not exist (create it first; the storage creates the file, not folders)"
                )
        self._path = path
        self._timeout = float(timeout)
        self._synchronous = sync
        self._lock = threading.Lock()
        self._writes = 0
        self._forked: list[sqlite3.Connection] = []  # never closed in a child
        self._conn = self._connect()

    # ------------------------------------------------------------ opening
    @classmethod
    def from_uri(cls, uri: str) -> SQLiteStorage:
        """Open ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or
        ``sqlite:///:memory:``; options as a query string: ``timeout``
        (seconds) and ``synchronous`` (off, normal, full, extra)."""
        parts = split_uri(uri, cls.schemes, "SQLite")
        if not uri[len("sqlite:") :].startswith("//"):
            raise InvalidArgument(f"not a sqlite:// URI: {redact_uri(uri)}")
        if parts.netloc:
            raise InvalidArgument(
                f"SQLite URI {redact_uri(uri)} has a host; use sqlite:///relative.db or "
                "sqlite:////absolute/path.db"
            )
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise InvalidArgument(f"SQLite URI {redact_uri(uri)} names no database file")
        options: dict[str, Any] = {}
        try:
            query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:
            if parts.query:
                raise InvalidArgument(f"malformed query string in {redact_uri(uri)}") from exc
            query = []
        for name, raw in query:
            if name == "timeout":
                try:
                    options["timeout"] = float(raw)
                except ValueError as exc:
                    raise InvalidArgument(f"timeout must be a number, got {raw!r}") from exc
            elif name == "synchronous":
                options["synchronous"] = raw
            else:
                raise InvalidArgument(
                    f"unknown SQLite URI option {name!r}; known: synchronous, timeout"
                )
        return cls(path, **options)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._path,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except (sqlite3.Error, OSError, ValueError) as exc:
            raise StorageUnavailable(f"cannot open SQLite database {self._path!r}: {exc}") from exc
        # Several processes opening a new file at once race to switch it to
        # WAL and to migrate it; SQLite answers some of those races with an
        # immediate "locked" that no busy handler waits out, so the opening
        # steps are retried (with a short backoff) until the timeout.
        deadline = time.monotonic() + self._timeout
        pause = 0.005
        while True:
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
                (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
                if str(mode).lower() != "wal" and self._path != ":memory:":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
                self._migrate(conn)
            except sqlite3.Error as exc:
                error = self._map_error(exc, "opening") or StorageError(str(exc))
                if isinstance(error, StorageUnavailable) and time.monotonic() + pause < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.25)
                    continue
                conn.close()
                raise error from exc
            except BaseException:
                conn.close()
                raise
            return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated.
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"SQLite schema version {version} is newer than this library's "
                    f"{SCHEMA_VERSION}; upgrade a2p_policy"
                )
            for step in _MIGRATIONS[version:]:
                for statement in step:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ plumbing
    def _map_error(self, exc: Exception, what: str) -> A2PPolicyError | None:
        if isinstance(exc, OverflowError):  # pragma: no cover - arguments are clamped first
            return InvalidArgument(f"integer out of SQLite's 64-bit range: {exc}")
        if not isinstance(exc, sqlite3.Error):
            return None
        code = getattr(exc, "sqlite_errorcode", None)
        text = str(exc)
        if code in _BUSY_CODES or "locked" in text or "busy" in text:
            return StorageUnavailable(
                f"SQLite database {self._path!r} stayed locked for more than "
                f"{self._timeout:g}s during {what}: {text}"
            )
        return StorageError(f"SQLite error during {what} on {self._path!r}: {text}")

    def _after_fork(self) -> None:
        self._forked.append(self._conn)  # the parent's connection is not ours
        self._lock = threading.Lock()
        self._conn = self._connect()

    @contextmanager
    def _tx(self, what: str, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: ``BEGIN IMMEDIATE`` for writes; reads run their
        single statement on one WAL snapshot."""
        conn = self._conn
        with self._lock, self._driver(what):
            if self._closed:
                raise StorageError("SQLiteStorage is closed")
            if write:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    self._writes += 1
                    if self._writes % _PRUNE_EVERY == 0:
                        self._prune(conn, time.time())
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            else:
                yield conn

    @staticmethod
    def _prune(conn: sqlite3.Connection, now: float) -> int:
        p = {"now": now}
        dropped = 0
        for table in ("counters", '"values"'):
            dropped += conn.execute(f"DELETE FROM {table} WHERE expires <= :now", p).rowcount
        for meta, data in (("hash_keys", "hashes"), ("set_keys", "sets")):
            conn.execute(
                f"DELETE FROM {data} WHERE key IN (SELECT key FROM {meta} WHERE expires <= :now)",
                p,
            )
            dropped += conn.execute(f"DELETE FROM {meta} WHERE expires <= :now", p).rowcount
        return dropped

    def prune(self) -> int:
        """Delete every expired record now; returns how many keys were dropped.

        Runs on its own every few thousand writes; call it from a periodic job
        to bound the file size sooner.
        """
        self._usable()
        with self._tx("prune") as conn:
            return self._prune(conn, time.time())

    # ------------------------------------------------------------ counters
    def _reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> tuple[int, int]:
        with self._tx("reserve") as conn:
            return self._reserve_in(conn, key, amount, limit, ttl)

    @staticmethod
    def _reserve_in(
        conn: sqlite3.Connection, key: str, amount: int, limit: int, ttl: float | None
    ) -> tuple[int, int]:
        limit = _clamp(limit)
        now = time.time()
        row = conn.execute("SELECT value, expires FROM counters WHERE key = ?", (key,)).fetchone()
        live = row is not None and (row[1] is None or row[1] > now)
        used = stored_counter(key, row[0]) if live else 0
        granted = min(amount, max(0, limit - used))
        if granted:
            used += granted
            expires = _expires(now, ttl) if ttl is not None else (row[1] if live else None)
            conn.execute(
                "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "expires = excluded.expires",
                (key, used, expires),
            )
        return granted, used

    def _release(self, key: str, amount: int) -> int:
        with self._tx("release") as conn:
            row = conn.execute(
                f"SELECT value FROM counters WHERE key = :key AND {_LIVE}",
                {"key": key, "now": time.time()},
            ).fetchone()
            if row is None:
                return 0
            used = max(0, stored_counter(key, row[0]) - amount)
            conn.execute("UPDATE counters SET value = ? WHERE key = ?", (used, key))
            return used

    def _get_counter(self, key: str) -> int:
        with self._tx("get_counter", write=False) as conn:
            row = conn.execute(
                f"SELECT value FROM counters WHERE key = :key AND {_LIVE}",
                {"key": key, "now": time.time()},
            ).fetchone()
        return 0 if row is None else stored_counter(key, row[0])

    def _add_counts(
        self, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        with self._tx("add_counts") as conn:
            return self._add_counts_in(conn, key, items, ttl)

    @staticmethod
    def _add_counts_in(
        conn: sqlite3.Connection, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        now = time.time()
        meta = conn.execute("SELECT expires FROM hash_keys WHERE key = ?", (key,)).fetchone()
        if meta is not None and meta[0] is not None and meta[0] <= now:
            conn.execute("DELETE FROM hashes WHERE key = ?", (key,))
            conn.execute("DELETE FROM hash_keys WHERE key = ?", (key,))
            meta = None
        current = {
            f: stored_count(key, f, v)
            for f, v in conn.execute("SELECT field, value FROM hashes WHERE key = ?", (key,))
        }
        if not items:
            return current  # nothing to add creates nothing, as in every backend
        for field, delta in items:
            add_to_count(current, key, field, delta)
        conn.executemany(
            "INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) "
            "ON CONFLICT (key, field) DO UPDATE SET value = excluded.value",
            [(key, f, current[f]) for f in dict(items)],
        )
        if meta is None:
            conn.execute(
                "INSERT INTO hash_keys (key, expires) VALUES (?, ?)",
                (key, _expires(now, ttl)),
            )
        elif ttl is not None:
            conn.execute(
                "UPDATE hash_keys SET expires = ? WHERE key = ?", (_expires(now, ttl), key)
            )
        return current

    def _get_counts(self, keys: list[str]) -> list[dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        with self._tx("get_counts", write=False) as conn:
            now = time.time()
            for marks, chunk in _chunks(keys):
                rows = conn.execute(
                    "SELECT h.key, h.field, h.value FROM hashes AS h "
                    "JOIN hash_keys AS m ON m.key = h.key "
                    f"WHERE h.key IN {marks} AND (m.expires IS NULL OR m.expires > ?)",
                    (*chunk, now),
                ).fetchall()
                for k, field, value in rows:
                    found.setdefault(k, {})[field] = stored_count(k, field, value)
        return [dict(found.get(k, {})) for k in keys]

    # ------------------------------------------------------------ values
    def _get(self, key: str) -> str | None:
        with self._tx("get", write=False) as conn:
            row = conn.execute(
                f'SELECT value FROM "values" WHERE key = :key AND {_LIVE}',
                {"key": key, "now": time.time()},
            ).fetchone()
        return None if row is None else _text(key, row[0])

    def _get_many(self, keys: list[str]) -> list[str | None]:
        with self._tx("get_many", write=False) as conn:
            return self._values_in(conn, keys)

    @staticmethod
    def _values_in(conn: sqlite3.Connection, keys: list[str]) -> list[str | None]:
        found: dict[str, str] = {}
        now = time.time()
        for marks, chunk in _chunks(keys):
            rows = conn.execute(
                f'SELECT key, value FROM "values" WHERE key IN {marks} '
                "AND (expires IS NULL OR expires > ?)",
                (*chunk, now),
            ).fetchall()
            found.update((k, _text(k, v)) for k, v in rows)
        return [found.get(k) for k in keys]

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        self._put_many([(key, value)], ttl)

    def _put_many(self, pairs: list[tuple[str, str]], ttl: float | None) -> None:
        with self._tx("put_many") as conn:
            self._put_many_in(conn, pairs, ttl)

    @staticmethod
    def _put_many_in(
        conn: sqlite3.Connection, pairs: list[tuple[str, str]], ttl: float | None
    ) -> None:
        expires = _expires(time.time(), ttl)
        conn.executemany(
            'INSERT INTO "values" (key, value, expires) VALUES (?, ?, ?) '
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "expires = excluded.expires",
            [(k, v, expires) for k, v in pairs],
        )

    @staticmethod
    def _insert_if_absent(
        conn: sqlite3.Connection, key: str, value: str, ttl: float | None
    ) -> bool:
        now = time.time()
        row = conn.execute(
            'INSERT INTO "values" (key, value, expires) VALUES (:key, :value, :expires) '
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            'expires = excluded.expires WHERE "values".expires <= :now RETURNING 1',
            {"key": key, "value": value, "expires": _expires(now, ttl), "now": now},
        ).fetchone()
        return row is not None

    def _put_if_absent(self, key: str, value: str, ttl: float | None) -> bool:
        with self._tx("put_if_absent") as conn:
            return self._insert_if_absent(conn, key, value, ttl)

    def _compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> bool:
        with self._tx("compare_and_set") as conn:
            now = time.time()
            if expected is None and value is None:
                row = conn.execute(
                    f'SELECT 1 FROM "values" WHERE key = :key AND {_LIVE}',
                    {"key": key, "now": now},
                ).fetchone()
                return row is None
            if expected is None:
                assert value is not None
                return self._insert_if_absent(conn, key, value, ttl)
            if value is None:
                row = conn.execute(
                    f'DELETE FROM "values" WHERE key = :key AND value = :expected AND {_LIVE} '
                    "RETURNING 1",
                    {"key": key, "expected": expected, "now": now},
                ).fetchone()
                return row is not None
            row = conn.execute(
                f'UPDATE "values" SET value = :value, expires = :expires '
                f"WHERE key = :key AND value = :expected AND {_LIVE} RETURNING 1",
                {
                    "key": key,
                    "value": value,
                    "expected": expected,
                    "expires": _expires(now, ttl),
                    "now": now,
                },
            ).fetchone()
            return row is not None

    def _delete(self, key: str) -> bool:
        with self._tx("delete") as conn:
            now = time.time()
            p = {"key": key}
            found = False
            for table in ("counters", '"values"', "hash_keys", "set_keys"):
                rows = conn.execute(
                    f"DELETE FROM {table} WHERE key = :key RETURNING expires", p
                ).fetchall()
                if any(exp is None or exp > now for (exp,) in rows):
                    found = True
            conn.execute("DELETE FROM hashes WHERE key = :key", p)
            conn.execute("DELETE FROM sets WHERE key = :key", p)
            return conn.execute("DELETE FROM logs WHERE key = :key", p).rowcount > 0 or found

    # ------------------------------------------------------------ logs
    def _append(self, key: str, entry: str, expect_version: int | None) -> int | None:
        with self._tx("append") as conn:
            if expect_version is None:
                row = conn.execute(
                    "INSERT INTO logs (key, version, entry) "
                    "SELECT :key, COALESCE(MAX(version), 0) + 1, :entry FROM logs "
                    "WHERE key = :key RETURNING version",
                    {"key": key, "entry": entry},
                ).fetchone()
            else:
                row = conn.execute(
                    "INSERT INTO logs (key, version, entry) SELECT :key, :ev + 1, :entry "
                    "WHERE (SELECT COALESCE(MAX(version), 0) FROM logs WHERE key = :key) = :ev "
                    "RETURNING version",
                    {"key": key, "entry": entry, "ev": expect_version},
                ).fetchone()
            return None if row is None else _version(key, row[0])

    def _read(self, key: str, after: int, limit: int | None) -> list[LogEntry]:
        with self._tx("read", write=False) as conn:
            rows = conn.execute(
                "SELECT version, entry FROM logs WHERE key = ? AND version > ? "
                "ORDER BY version LIMIT ?",
                (key, _clamp(after), -1 if limit is None else _clamp(limit)),
            ).fetchall()
        return [(_version(key, v), _text(key, e)) for v, e in rows]

    def _last_many(self, keys: list[str]) -> list[LogEntry | None]:
        with self._tx("last_many", write=False) as conn:
            return self._lasts_in(conn, keys)

    @staticmethod
    def _lasts_in(conn: sqlite3.Connection, keys: list[str]) -> list[LogEntry | None]:
        found: dict[str, LogEntry] = {}
        for marks, chunk in _chunks(keys):
            # SQLite guarantees the bare column ``entry`` comes from the MAX row.
            rows = conn.execute(
                f"SELECT key, MAX(version), entry FROM logs WHERE key IN {marks} GROUP BY key",
                chunk,
            ).fetchall()
            found.update((k, (_version(k, v), _text(k, e))) for k, v, e in rows)
        return [found.get(k) for k in keys]

    # ------------------------------------------------------------ decisions
    def _snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> Snapshot:
        with self._tx("snapshot", write=False) as conn:
            # One deferred transaction: every SELECT reads the same WAL snapshot.
            conn.execute("BEGIN")
            try:
                found = self._values_in(conn, values) if values else []
                lasts = self._lasts_in(conn, logs) if logs else []
                numbers: list[int] = []
                now = time.time()
                for key in counters:
                    row = conn.execute(
                        f"SELECT value FROM counters WHERE key = :key AND {_LIVE}",
                        {"key": key, "now": now},
                    ).fetchone()
                    numbers.append(0 if row is None else stored_counter(key, row[0]))
            finally:
                conn.execute("COMMIT")
        return Snapshot(found, lasts, numbers)

    def _commit(self, plan: CommitPlan) -> Committed:
        with self._tx("commit") as conn:
            guards = [key for key, _ in plan.guards]
            current = self._values_in(conn, guards) if guards else []
            if stale(current, plan.guards):
                return Committed(False, 0, 0, [], current)
            granted = used = 0
            res = plan.reserve
            if res is not None:
                granted, used = self._reserve_in(conn, res.key, res.amount, res.limit, res.ttl)
            puts = [(k, v) for k, v, rank in plan.puts if rank < 0 or rank < granted]
            if puts:
                self._put_many_in(conn, puts, plan.put_ttl)
            after: dict[str, dict[str, int]] = {}
            for key, field, fixed, per in plan.counts:
                delta = fixed + per * granted
                after[key] = self._add_counts_in(
                    conn, key, [(field, delta)] if delta else [], plan.count_ttl if delta else None
                )
            return Committed(
                True, granted, used, [dict(after[key]) for key, *_ in plan.counts], current
            )

    # ------------------------------------------------------------ recency sets
    def _touch(self, key: str, member: str, at: float, window: float) -> int:
        with self._tx("touch") as conn:
            now = time.time()
            meta = conn.execute("SELECT expires FROM set_keys WHERE key = ?", (key,)).fetchone()
            if meta is not None and meta[0] is not None and meta[0] <= now:
                conn.execute("DELETE FROM sets WHERE key = ?", (key,))
            conn.execute(
                "INSERT INTO sets (key, member, at) VALUES (?, ?, ?) "
                "ON CONFLICT (key, member) DO UPDATE SET at = MAX(at, excluded.at)",
                (key, member, at),
            )
            conn.execute("DELETE FROM sets WHERE key = ? AND at <= ?", (key, at - window))
            conn.execute(
                "INSERT INTO set_keys (key, expires) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET expires = excluded.expires",
                (key, now + touch_ttl(window)),
            )
            (count,) = conn.execute("SELECT COUNT(*) FROM sets WHERE key = ?", (key,)).fetchone()
            return int(count)

    # ------------------------------------------------------------ lifecycle
    def _ping(self) -> bool:
        with self._tx("ping", write=False) as conn:
            conn.execute("SELECT 1").fetchone()
        return True

    def _close(self) -> None:
        with self._lock:
            self._conn.close()

    def _describe(self) -> str:
        return repr(self._path)
