"""``sqlite:///path.db``: the single-machine persistent storage backend.

Why SQLite: one file shared by several threads and processes of one host
(a web app's workers plus a queue worker) is the most common small
deployment, and it needs no server. The port's operations stay atomic here
because each *write* runs in one ``BEGIN IMMEDIATE`` transaction: the write
lock is taken before anything is read, so no two writers ever act on the
same snapshot (the check-then-write race that made other rate limiters
over-grant on SQLite, see ``/work/shared/DESIGN.md``, "Pitfalls others hit").
Pure reads are one ``SELECT`` each, which SQLite runs on one consistent WAL
snapshot without blocking writers.

Settings chosen for several processes on one file:

* ``journal_mode=WAL``: readers never block the writer and vice versa;
* ``busy_timeout``: a writer waits for the lock instead of failing at once;
  "database is locked" after the timeout becomes
  :class:`~a2p_policy.errors.StorageUnavailable`;
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
outside the 64-bit range raises :class:`~a2p_policy.errors.InvalidArgument`.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from a2p_policy.errors import InvalidArgument, StorageError, StorageUnavailable
from a2p_policy.storage.base import (
    LogEntry,
    check_amount,
    check_deltas,
    check_items,
    check_key,
    check_keys,
    check_time,
    check_ttl,
    check_value,
    touch_ttl,
)

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


class SQLiteStorage:
    """SQLite :class:`~a2p_policy.storage.base.Storage` on one file (or ``:memory:``).

    ``timeout`` is how long (seconds) an operation waits for another
    connection's write lock before raising
    :class:`~a2p_policy.errors.StorageUnavailable`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        timeout: float = 5.0,
        synchronous: str = "NORMAL",
    ) -> None:
        if sqlite3.sqlite_version_info < _MIN_SQLITE:
            raise StorageError(
                f"SQLiteStorage needs SQLite >= 3.35 (UPSERT ... RETURNING); "
                f"this Python links SQLite {sqlite3.sqlite_version}"
            )
        if not isinstance(path, str | os.PathLike):
            raise InvalidArgument(f"path must be a str or path, got {type(path).__name__}")
        path = os.fspath(path)
        if not path or "\x00" in path:
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
        self._path = path
        self._timeout = float(timeout)
        self._synchronous = sync
        self._lock = threading.Lock()
        self._closed = False
        self._writes = 0
        self._pid = os.getpid()
        self._forked: list[sqlite3.Connection] = []  # never closed in a child
        self._conn = self._connect()

    # ------------------------------------------------------------ opening
    @classmethod
    def from_uri(cls, uri: str) -> SQLiteStorage:
        """Open ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or
        ``sqlite:///:memory:``; options as a query string: ``timeout``
        (seconds) and ``synchronous`` (off, normal, full, extra)."""
        if not isinstance(uri, str):
            raise InvalidArgument(f"SQLite URI must be a str, got {type(uri).__name__}")
        try:
            parts = urlsplit(uri)
        except ValueError as exc:
            raise InvalidArgument(f"malformed SQLite URI {uri!r}: {exc}") from exc
        if parts.scheme.lower() != "sqlite" or not uri[len("sqlite:") :].startswith("//"):
            raise InvalidArgument(f"not a sqlite:// URI: {uri!r}")
        if parts.netloc:
            raise InvalidArgument(
                f"SQLite URI {uri!r} has a host; use sqlite:///relative.db or "
                "sqlite:////absolute/path.db"
            )
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise InvalidArgument(f"SQLite URI {uri!r} names no database file")
        options: dict[str, Any] = {}
        try:
            query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:
            if parts.query:
                raise InvalidArgument(f"malformed query string in {uri!r}") from exc
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
            if self._path != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
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
                busy = isinstance(self._error(exc, "opening"), StorageUnavailable)
                if busy and time.monotonic() + pause < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 0.25)
                    continue
                conn.close()
                raise self._error(exc, "opening") from exc
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
    def _error(self, exc: sqlite3.Error, what: str) -> StorageError:
        code = getattr(exc, "sqlite_errorcode", None)
        text = str(exc)
        if code in _BUSY_CODES or "locked" in text or "busy" in text:
            return StorageUnavailable(
                f"SQLite database {self._path!r} stayed locked for more than "
                f"{self._timeout:g}s during {what}: {text}"
            )
        return StorageError(f"SQLite error during {what} on {self._path!r}: {text}")

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError("SQLiteStorage is closed")
        if self._pid != os.getpid():  # forked: the parent's connection is not ours
            self._forked.append(self._conn)
            self._pid = os.getpid()
            self._lock = threading.Lock()
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def _tx(self, what: str, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: ``BEGIN IMMEDIATE`` for writes; reads run their
        single statement on one WAL snapshot."""
        conn = self._connection()
        with self._lock:
            if self._closed:
                raise StorageError("SQLiteStorage is closed")
            try:
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
            except sqlite3.Error as exc:
                raise self._error(exc, what) from exc
            except UnicodeEncodeError as exc:
                raise InvalidArgument(
                    f"keys, fields and values must be valid Unicode (no lone surrogates): {exc}"
                ) from exc
            except OverflowError as exc:  # pragma: no cover - arguments are clamped first
                raise InvalidArgument(f"integer out of SQLite's 64-bit range: {exc}") from exc

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
        with self._tx("prune") as conn:
            return self._prune(conn, time.time())

    # ------------------------------------------------------------ counters
    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        check_key(key)
        check_amount(amount)
        check_amount(limit, "limit")
        ttl = check_ttl(ttl)
        limit = _clamp(limit)
        with self._tx("reserve") as conn:
            now = time.time()
            row = conn.execute(
                "SELECT value, expires FROM counters WHERE key = ?", (key,)
            ).fetchone()
            live = row is not None and (row[1] is None or row[1] > now)
            used: int = row[0] if live else 0
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

    def release(self, key: str, amount: int) -> int:
        check_key(key)
        check_amount(amount)
        with self._tx("release") as conn:
            row = conn.execute(
                f"UPDATE counters SET value = MAX(0, value - :amount) "
                f"WHERE key = :key AND {_LIVE} RETURNING value",
                {"key": key, "amount": _clamp(amount), "now": time.time()},
            ).fetchone()
            return 0 if row is None else int(row[0])

    def get_counter(self, key: str) -> int:
        check_key(key)
        with self._tx("get_counter", write=False) as conn:
            row = conn.execute(
                f"SELECT value FROM counters WHERE key = :key AND {_LIVE}",
                {"key": key, "now": time.time()},
            ).fetchone()
            return 0 if row is None else int(row[0])

    def add_counts(
        self, key: str, deltas: Mapping[str, int], ttl: float | None = None
    ) -> dict[str, int]:
        check_key(key)
        ttl = check_ttl(ttl)
        items = check_deltas(deltas)
        with self._tx("add_counts") as conn:
            now = time.time()
            meta = conn.execute("SELECT expires FROM hash_keys WHERE key = ?", (key,)).fetchone()
            if meta is not None and meta[0] is not None and meta[0] <= now:
                conn.execute("DELETE FROM hashes WHERE key = ?", (key,))
                conn.execute("DELETE FROM hash_keys WHERE key = ?", (key,))
                meta = None
            current = dict(
                conn.execute("SELECT field, value FROM hashes WHERE key = ?", (key,)).fetchall()
            )
            for field, delta in items:
                value = current.get(field, 0) + delta
                if not _INT64_MIN <= value <= _INT64_MAX:
                    raise InvalidArgument(
                        f"hash field {field!r} of {key!r} would leave the 64-bit range"
                    )
                current[field] = value
            if items:
                conn.executemany(
                    "INSERT INTO hashes (key, field, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (key, field) DO UPDATE SET value = excluded.value",
                    [(key, f, current[f]) for f in dict(items)],
                )
            if not items:
                return current  # nothing to add creates nothing, as in every backend
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

    def get_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        keys = check_keys(keys)
        if not keys:
            return []
        with self._tx("get_counts", write=False) as conn:
            rows = conn.execute(
                "SELECT h.key, h.field, h.value FROM hashes AS h "
                "JOIN hash_keys AS m ON m.key = h.key "
                "WHERE h.key IN (SELECT value FROM json_each(:keys)) "
                "AND (m.expires IS NULL OR m.expires > :now)",
                {"keys": json.dumps(keys, ensure_ascii=False), "now": time.time()},
            ).fetchall()
        found: dict[str, dict[str, int]] = {}
        for k, field, value in rows:
            found.setdefault(k, {})[field] = int(value)
        return [dict(found.get(k, {})) for k in keys]

    # ------------------------------------------------------------ values
    def get(self, key: str) -> str | None:
        check_key(key)
        with self._tx("get", write=False) as conn:
            row = conn.execute(
                f'SELECT value FROM "values" WHERE key = :key AND {_LIVE}',
                {"key": key, "now": time.time()},
            ).fetchone()
            return None if row is None else str(row[0])

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        keys = check_keys(keys)
        if not keys:
            return []
        with self._tx("get_many", write=False) as conn:
            rows = conn.execute(
                f'SELECT key, value FROM "values" '
                f"WHERE key IN (SELECT value FROM json_each(:keys)) AND {_LIVE}",
                {"keys": json.dumps(keys, ensure_ascii=False), "now": time.time()},
            ).fetchall()
        found: dict[str, str] = dict(rows)
        return [found.get(k) for k in keys]

    def put(self, key: str, value: str, ttl: float | None = None) -> None:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._tx("put") as conn:
            conn.execute(
                'INSERT INTO "values" (key, value, expires) VALUES (?, ?, ?) '
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "expires = excluded.expires",
                (key, value, _expires(time.time(), ttl)),
            )

    def put_many(self, items: Mapping[str, str], ttl: float | None = None) -> None:
        pairs = check_items(items)
        ttl = check_ttl(ttl)
        if not pairs:
            return
        with self._tx("put_many") as conn:
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

    def put_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._tx("put_if_absent") as conn:
            return self._insert_if_absent(conn, key, value, ttl)

    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None = None
    ) -> bool:
        check_key(key)
        if expected is not None:
            check_value(expected)
        if value is not None:
            check_value(value)
        ttl = check_ttl(ttl)
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

    def delete(self, key: str) -> bool:
        check_key(key)
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
    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        check_key(key)
        check_value(entry)
        if expect_version is not None:
            check_amount(expect_version, "expect_version")
            if expect_version >= _INT64_MAX:  # no log can be that long
                return None
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
            return None if row is None else int(row[0])

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        check_key(key)
        check_amount(after, "after")
        if limit is not None:
            check_amount(limit, "limit")
            if limit == 0:
                return []
        with self._tx("read", write=False) as conn:
            rows = conn.execute(
                "SELECT version, entry FROM logs WHERE key = ? AND version > ? "
                "ORDER BY version LIMIT ?",
                (key, _clamp(after), -1 if limit is None else _clamp(limit)),
            ).fetchall()
        return [(int(v), str(e)) for v, e in rows]

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        keys = check_keys(keys)
        if not keys:
            return []
        with self._tx("last_many", write=False) as conn:
            # SQLite guarantees the bare column ``entry`` comes from the MAX row.
            rows = conn.execute(
                "SELECT key, MAX(version), entry FROM logs "
                "WHERE key IN (SELECT value FROM json_each(?)) GROUP BY key",
                (json.dumps(keys, ensure_ascii=False),),
            ).fetchall()
        found: dict[str, LogEntry] = {k: (int(v), str(e)) for k, v, e in rows}
        return [found.get(k) for k in keys]

    # ------------------------------------------------------------ recency sets
    def touch(self, key: str, member: str, at: float, window: float) -> int:
        check_key(key)
        check_value(member)
        at, window = check_time(at, window)
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
    def ping(self) -> bool:
        if self._closed:
            return False
        try:
            with self._tx("ping", write=False) as conn:
                conn.execute("SELECT 1").fetchone()
        except StorageError:
            return False
        return True

    def close(self) -> None:
        """Close the connection. Idempotent; later operations raise StorageError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._pid == os.getpid():
                self._conn.close()

    def __enter__(self) -> SQLiteStorage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStorage({self._path!r})"
