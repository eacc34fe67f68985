"""``postgresql://``: the storage backend for many app servers sharing PostgreSQL.

Why PostgreSQL: teams that already operate it get durable, shared state with
no new server. Every port operation is *one statement* (CTEs allowed), run in
autocommit mode on a pooled connection: ``INSERT ... ON CONFLICT ... DO
UPDATE ... WHERE ... RETURNING`` for the conditional writes, so the row lock
taken by the upsert is what serialises concurrent writers and there is never
a read-then-write pair (the race that made other rate limiters over-grant on
PostgreSQL, see docs/architecture.md and "Pitfalls others hit").

* ``reserve`` keeps the grant of the last update in a ``granted`` column so
  the statement can return both the grant and the new count.
* ``append`` inserts ``max(version) + 1`` (or ``expect_version + 1``) with a
  primary key on ``(key, version)`` and ``ON CONFLICT DO NOTHING RETURNING``:
  of two concurrent appends for one version exactly one wins; an append
  without ``expect_version`` that lost simply runs again.
* ``touch`` keeps a set as one ``jsonb`` row (member -> last seen), updated
  under the upsert's row lock, so the returned count is exact.
* ``snapshot`` is one ``UNION ALL`` over the value, log and counter tables
  (one statement, so one consistent snapshot); ``commit`` is one call of the
  ``a2p_commit`` function (migration 0002): it locks the guarded and written
  value rows in key order (an absent key gets an already-expired placeholder
  row, so a concurrent insert waits), runs the ``reserve`` statement, the
  ranked puts and the counts (``numeric``, range-checked), and raises on a
  count leaving the 64-bit range: the whole call rolls back.

Schema
    Created by versioned migrations shipped as package data
    (``a2p_policy/storage/migrations/postgres/NNNN_name.sql``), applied on open
    inside a transaction holding an advisory lock (many servers opening at once
    apply each migration exactly once) and recorded in
    ``a2p_schema_migrations``. Teams that run migrations themselves print them
    with :func:`migration_sql` (``a2p-policy storage migrate --print``) and
    open with ``?migrate=false``.

Time
    ``expires`` columns hold epochs on the *database server's* clock (one
    clock for every app server); TTLs are garbage collection only, windows are
    in the keys. Expired rows read as missing and are deleted by
    :meth:`PostgresStorage.prune`, which runs every few thousand writes per
    process.

Text
    PostgreSQL ``text`` cannot hold NUL characters, so keys, values, fields
    and members are stored with ``\\`` doubled and NUL written as ``\\0``.

Errors
    ``psycopg.OperationalError`` (server down, restarting, pool exhausted)
    becomes :class:`~a2p_policy.StorageUnavailable`, other driver
    errors :class:`~a2p_policy.StorageError`, chained. A failure drops
    every broken pooled connection, so the backend recovers by itself when the
    server returns.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    StorageError,
    StorageUnavailable,
)
from a2p_policy.storage.backend import StorageBackend, committed, stored_count, stored_counter
from a2p_policy.storage.base import CommitPlan, Committed, LogEntry, Snapshot
from a2p_policy.storage.uri import join_uri, redact_uri, split_uri

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "MIN_SET_TTL",
    "PostgresStorage",
    "migration_sql",
    "migrations",
    "schema_version",
]

_INT64_MAX: Final = 2**63 - 1
#: Writes (per process) between two prunes of expired rows.
_PRUNE_EVERY: Final = 4096
_MIGRATION_FILE: Final = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_IDENTIFIER: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
#: Default bound (seconds) on opening a connection: an unreachable server
#: fails the open after at most this long, with one StorageUnavailable.
DEFAULT_CONNECT_TIMEOUT: Final = 5.0

_NOW: Final = "extract(epoch from now())::float8"
#: Shortest garbage-collection TTL of a recency set (seconds): the set's
#: content follows the caller's times; the TTL only reclaims idle sets.
MIN_SET_TTL: Final = 60.0


def _live(alias: str) -> str:
    return f"({alias}.expires IS NULL OR {alias}.expires > {_NOW})"


# ---------------------------------------------------------------- migrations
def migrations() -> list[tuple[int, str, str]]:
    """The shipped migrations, in order: ``(version, name, sql)``."""
    folder = resources.files("a2p_policy.storage").joinpath("migrations", "postgres")
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name[:-4], entry.read_text("utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise StorageError("the shipped PostgreSQL migrations are not numbered 1, 2, 3 ...")
    return found


def schema_version() -> int:
    """The schema version this library writes (the last migration's number)."""
    return len(migrations())


_MIGRATIONS_TABLE: Final = """CREATE TABLE IF NOT EXISTS a2p_schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);"""


def migration_sql() -> str:
    """Every migration, in order, as one SQL script for teams that run
    migrations themselves (``a2p-policy storage migrate --print``).

    Each migration runs in its own transaction and records itself in
    ``a2p_schema_migrations``; the script is safe to run twice. Set
    ``search_path`` first to install into another schema.
    """
    out = [
        "-- a2p_policy PostgreSQL storage schema: apply in order.",
        "-- Open the storage with ?migrate=false when you apply these yourself.",
        "",
    ]
    for version, name, sql in migrations():
        out += [
            f"-- migration {name}",
            "BEGIN;",
            _MIGRATIONS_TABLE,
            sql.strip(),
            "INSERT INTO a2p_schema_migrations (version, name) "
            f"VALUES ({version}, '{name}') ON CONFLICT (version) DO NOTHING;",
            "COMMIT;",
            "",
        ]
    return "\n".join(out)


# ---------------------------------------------------------------- text escaping
def _enc(text: str) -> str:
    if "\\" in text or "\x00" in text:
        return text.replace("\\", "\\\\").replace("\x00", "\\0")
    return text


_UNESCAPE: Final = re.compile(r"\\(.)", re.DOTALL)


def _dec(text: str) -> str:
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(lambda m: "\x00" if m.group(1) == "0" else m.group(1), text)


def _clamp(n: int) -> int:
    return n if n <= _INT64_MAX else _INT64_MAX


# ---------------------------------------------------------------- statements
# A negative stored counter (corrupted) grants nothing and is returned as is,
# so the caller raises StorageError instead of granting more than the limit.
_G = (
    "CASE WHEN c.value < 0 THEN 0 "
    "ELSE least(%(amount)s::int8, greatest(0, %(limit)s::int8 - c.value)) END"
)
_RESERVE: Final = f"""
WITH up AS (
  INSERT INTO a2p_counters AS c (key, value, granted, expires)
  SELECT %(key)s, %(first)s::int8, %(first)s::int8, {_NOW} + %(ttl)s::float8
  WHERE %(first)s::int8 > 0
  ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN {_live("c")} THEN c.value + {_G} ELSE excluded.value END,
    granted = CASE WHEN {_live("c")} THEN {_G} ELSE excluded.value END,
    expires = CASE WHEN {_live("c")} THEN coalesce(excluded.expires, c.expires)
                   ELSE excluded.expires END
  WHERE NOT {_live("c")} OR {_G} > 0
  RETURNING c.granted, c.value
)
SELECT granted, value FROM up
UNION ALL
SELECT 0, c.value FROM a2p_counters AS c
WHERE c.key = %(key)s AND {_live("c")} AND NOT EXISTS (SELECT 1 FROM up)
"""

_RELEASE: Final = f"""
UPDATE a2p_counters AS c
SET value = CASE WHEN c.value < 0 THEN c.value ELSE greatest(0, c.value - %(amount)s::int8) END
WHERE c.key = %(key)s AND {_live("c")} RETURNING c.value
"""

_GET_COUNTER: Final = f"SELECT c.value FROM a2p_counters AS c WHERE c.key = %s AND {_live('c')}"

_ADD_COUNTS: Final = f"""
INSERT INTO a2p_hashes AS h (key, fields, expires)
VALUES (%(key)s, %(deltas)s, {_NOW} + %(ttl)s::float8)
ON CONFLICT (key) DO UPDATE SET
  fields = CASE WHEN {_live("h")} THEN (
      SELECT coalesce(jsonb_object_agg(ks.f, coalesce((h.fields ->> ks.f)::numeric, 0)
                                           + coalesce((excluded.fields ->> ks.f)::numeric, 0)),
                      '{{}}'::jsonb)
      FROM (SELECT jsonb_object_keys(h.fields) UNION SELECT jsonb_object_keys(excluded.fields))
           AS ks(f)
    ) ELSE excluded.fields END,
  expires = CASE WHEN excluded.expires IS NOT NULL THEN excluded.expires
                 WHEN {_live("h")} THEN h.expires END
RETURNING h.fields
"""

_GET_COUNTS: Final = (
    f"SELECT h.key, h.fields FROM a2p_hashes AS h WHERE h.key = ANY(%s) AND {_live('h')}"
)

_GET: Final = f"SELECT v.value FROM a2p_values AS v WHERE v.key = %s AND {_live('v')}"
_GET_MANY: Final = (
    f"SELECT v.key, v.value FROM a2p_values AS v WHERE v.key = ANY(%s) AND {_live('v')}"
)
_PUT: Final = f"""
INSERT INTO a2p_values AS v (key, value, expires) VALUES (%s, %s, {_NOW} + %s::float8)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires
"""
_PUT_MANY: Final = f"""
INSERT INTO a2p_values AS v (key, value, expires)
SELECT t.k, t.v, {_NOW} + %s::float8 FROM unnest(%s::text[], %s::text[]) AS t(k, v)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires
"""
_PUT_IF_ABSENT: Final = f"""
INSERT INTO a2p_values AS v (key, value, expires) VALUES (%s, %s, {_NOW} + %s::float8)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires
WHERE NOT {_live("v")}
RETURNING 1
"""
_CAS_REPLACE: Final = f"""
UPDATE a2p_values AS v SET value = %s, expires = {_NOW} + %s::float8
WHERE v.key = %s AND v.value = %s AND {_live("v")} RETURNING 1
"""
_CAS_DELETE: Final = (
    f"DELETE FROM a2p_values AS v WHERE v.key = %s AND v.value = %s AND {_live('v')} RETURNING 1"
)
_DELETE: Final = f"""
WITH c AS (DELETE FROM a2p_counters WHERE key = %(key)s RETURNING expires),
     v AS (DELETE FROM a2p_values WHERE key = %(key)s RETURNING expires),
     h AS (DELETE FROM a2p_hashes WHERE key = %(key)s RETURNING expires),
     s AS (DELETE FROM a2p_sets WHERE key = %(key)s RETURNING expires),
     l AS (DELETE FROM a2p_logs WHERE key = %(key)s RETURNING 1)
SELECT EXISTS (
         SELECT 1 FROM (SELECT expires FROM c UNION ALL SELECT expires FROM v
                        UNION ALL SELECT expires FROM h UNION ALL SELECT expires FROM s) AS x
         WHERE {_live("x")})
       OR EXISTS (SELECT 1 FROM l)
"""

_APPEND: Final = """
INSERT INTO a2p_logs (key, version, entry)
SELECT %(key)s, coalesce(max(l.version), 0) + 1, %(entry)s FROM a2p_logs AS l
WHERE l.key = %(key)s
ON CONFLICT (key, version) DO NOTHING
RETURNING version
"""
_APPEND_EXPECT: Final = """
INSERT INTO a2p_logs (key, version, entry)
SELECT %(key)s, %(ev)s::int8 + 1, %(entry)s
WHERE (SELECT coalesce(max(l.version), 0) FROM a2p_logs AS l WHERE l.key = %(key)s)
      = %(ev)s::int8
ON CONFLICT (key, version) DO NOTHING
RETURNING version
"""
_READ: Final = """
SELECT l.version, l.entry FROM a2p_logs AS l
WHERE l.key = %s AND l.version > %s ORDER BY l.version LIMIT %s
"""
_LAST_MANY: Final = """
SELECT DISTINCT ON (l.key) l.key, l.version, l.entry FROM a2p_logs AS l
WHERE l.key = ANY(%s) ORDER BY l.key, l.version DESC
"""

# One statement, so one snapshot of the database: the value, log and counter
# rows of a decision, each tagged with its list (0 values, 1 logs, 2 counters)
# and its position in that list.
_SNAPSHOT: Final = f"""
SELECT 0, x.i, v.value, NULL::int8 FROM unnest(%(values)s::text[]) WITH ORDINALITY AS x(k, i)
JOIN a2p_values AS v ON v.key = x.k AND {_live("v")}
UNION ALL
SELECT 1, x.i, l.entry, l.version FROM unnest(%(logs)s::text[]) WITH ORDINALITY AS x(k, i)
CROSS JOIN LATERAL (
  SELECT l.entry, l.version FROM a2p_logs AS l WHERE l.key = x.k ORDER BY l.version DESC LIMIT 1
) AS l
UNION ALL
SELECT 2, x.i, NULL, c.value FROM unnest(%(counters)s::text[]) WITH ORDINALITY AS x(k, i)
JOIN a2p_counters AS c ON c.key = x.k AND {_live("c")}
"""

#: The function installed by migration 0002 (one statement, one round trip).
_COMMIT: Final = """
SELECT o_applied, o_granted, o_used, o_counts, o_current FROM a2p_commit(
  %s::text[], %s::text[], %s::text, %s::int8, %s::int8, %s::float8,
  %s::text[], %s::text[], %s::int8[], %s::float8,
  %s::text[], %s::text[], %s::int8[], %s::int8[], %s::float8)
"""

_TOUCH: Final = f"""
INSERT INTO a2p_sets AS s (key, members, expires)
VALUES (%(key)s, jsonb_build_object(%(member)s::text, %(at)s::float8::text),
        {_NOW} + %(window)s::float8)
ON CONFLICT (key) DO UPDATE SET
  members = (
    SELECT coalesce(jsonb_object_agg(e.key, e.value), '{{}}'::jsonb)
    FROM jsonb_each_text(
      (CASE WHEN {_live("s")} THEN s.members ELSE '{{}}'::jsonb END)
      || jsonb_build_object(
           %(member)s::text,
           greatest(%(at)s::float8,
                    CASE WHEN {_live("s")} THEN (s.members ->> %(member)s::text)::float8 END
           )::text)
    ) AS e
    WHERE e.value::float8 > %(cutoff)s::float8
  ),
  expires = excluded.expires
RETURNING (SELECT count(*) FROM jsonb_object_keys(s.members))
"""

_PRUNE: Final = f"""
WITH c AS (DELETE FROM a2p_counters WHERE expires <= {_NOW} RETURNING 1),
     v AS (DELETE FROM a2p_values WHERE expires <= {_NOW} RETURNING 1),
     h AS (DELETE FROM a2p_hashes WHERE expires <= {_NOW} RETURNING 1),
     s AS (DELETE FROM a2p_sets WHERE expires <= {_NOW} RETURNING 1)
SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM v)
     + (SELECT count(*) FROM h) + (SELECT count(*) FROM s)
"""


def _only_key(plan: CommitPlan) -> str | None:
    """The key a commit's error names: its only key, else None."""
    keys = {k for k, _ in plan.guards} | {k for k, _, _ in plan.puts}
    keys |= {k for k, *_ in plan.counts}
    if plan.reserve is not None:
        keys.add(plan.reserve.key)
    return next(iter(keys)) if len(keys) == 1 else None


def _option_int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidArgument(
            f"PostgreSQL URI option {name} must be an integer, got {raw!r}"
        ) from exc
    if value < minimum:
        raise InvalidArgument(f"PostgreSQL URI option {name} must be >= {minimum}, got {value}")
    return value


def _option_seconds(name: str, raw: object) -> float:
    """A positive, finite number of seconds (a number or its text)."""
    value = math.nan
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        with suppress(ValueError):
            value = float(raw)
    if not (math.isfinite(value) and value > 0):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


class PostgresStorage(StorageBackend):
    """PostgreSQL :class:`~a2p_policy.storage.base.Storage` over a
    ``psycopg_pool.ConnectionPool``.

    ``conninfo`` is a libpq URI or ``key=value`` string. ``schema`` installs
    the tables in (and points ``search_path`` at) that schema; ``min_size`` /
    ``max_size`` size the pool; ``pool_timeout`` is how long an operation waits
    for a connection before raising
    :class:`~a2p_policy.StorageUnavailable`; ``connect_timeout``
    bounds opening one connection (libpq counts whole seconds, at least 2);
    ``migrate=False`` skips applying migrations on open (the schema must then
    be current).

    Opening makes one direct connection first (migrations or the schema
    check run on it): an unreachable server raises one StorageUnavailable,
    naming the redacted URI, within ``connect_timeout``, and the pool (whose
    background reconnection would log every failed attempt) is only started
    once the server answered.
    """

    schemes = ("postgresql", "postgres")

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        pool_timeout: float = 5.0,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        migrate: bool = True,
    ) -> None:
        super().__init__()
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StorageError(
                "the postgres backend needs psycopg 3 and psycopg-pool: "
                "pip install 'a2p-policy[postgres]'"
            ) from exc
        if not isinstance(conninfo, str) or not conninfo:
            raise InvalidArgument("conninfo must be a non-empty str")
        if schema is not None and (not isinstance(schema, str) or not _IDENTIFIER.match(schema)):
            raise InvalidArgument(
                f"schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), got {schema!r}"
            )
        if not (isinstance(min_size, int) and isinstance(max_size, int) and min_size >= 0):
            raise InvalidArgument("min_size and max_size must be integers, min_size >= 0")
        if max_size < max(1, min_size):
            raise InvalidArgument(f"max_size must be >= max(1, min_size), got {max_size}")
        if isinstance(pool_timeout, bool) or not isinstance(pool_timeout, int | float):
            raise InvalidArgument("pool_timeout must be a number of seconds")
        if not pool_timeout > 0:
            raise InvalidArgument("pool_timeout must be > 0 seconds")
        self._conninfo = conninfo
        self._shown = redact_uri(conninfo)
        self._schema = schema
        self._min_size = min_size
        self._max_size = max_size
        self._timeout = float(pool_timeout)
        # libpq takes whole seconds and treats anything below 2 as 2.
        self._connect_timeout = max(
            2, math.ceil(_option_seconds("connect_timeout", connect_timeout))
        )
        self._lock = threading.Lock()
        self._writes = 0
        self._pool: Any = None
        with self._direct("opening") as conn:
            if migrate:
                self._apply_migrations(conn)
            else:
                self._check_schema(conn)
        self._pool = self._open_pool()

    # ------------------------------------------------------------ opening
    @classmethod
    def from_uri(cls, uri: str) -> PostgresStorage:
        """Open ``postgresql://user:password@host:port/dbname?options``
        (``postgres://`` too). Options: ``schema``, ``min_size``, ``max_size``,
        ``pool_timeout`` (seconds), ``connect_timeout`` (seconds, default 5),
        ``migrate`` (true/false); every other option goes to libpq
        (``sslmode``, ``application_name`` ...)."""
        parts = split_uri(uri, cls.schemes, "PostgreSQL")
        try:
            query = parse_qsl(parts.query, keep_blank_values=True)
        except ValueError as exc:  # pragma: no cover - parse_qsl is lenient
            raise InvalidArgument(f"malformed PostgreSQL URI {redact_uri(uri)}: {exc}") from exc
        options: dict[str, Any] = {}
        rest: list[tuple[str, str]] = []
        for name, raw in query:
            if name == "schema":
                options["schema"] = raw
            elif name in ("min_size", "max_size"):
                options[name] = _option_int(name, raw, 0)
            elif name == "pool_timeout":
                try:
                    options[name] = float(raw)
                except ValueError as exc:
                    raise InvalidArgument(f"pool_timeout must be a number, got {raw!r}") from exc
            elif name == "connect_timeout":
                options[name] = _option_seconds(name, raw)
            elif name == "migrate":
                if raw.lower() not in _TRUE | _FALSE:
                    raise InvalidArgument(f"migrate must be true or false, got {raw!r}")
                options[name] = raw.lower() in _TRUE
            else:
                rest.append((name, raw))
        conninfo = join_uri("postgresql", parts.netloc, parts.path, urlencode(rest))
        return cls(conninfo, **options)

    def _connect_kwargs(self) -> dict[str, Any]:
        return {"autocommit": True, "connect_timeout": self._connect_timeout}

    def _configure(self, conn: Any) -> None:
        if self._schema is not None:
            conn.execute(f"SET search_path TO {self._schema}")

    @contextmanager
    def _direct(self, what: str) -> Iterator[Any]:
        """One connection outside the pool, closed afterwards."""
        import psycopg

        with self._driver(what):
            conn = psycopg.connect(self._conninfo, **self._connect_kwargs())
            try:
                self._configure(conn)
                yield conn
            finally:
                conn.close()

    def _open_pool(self) -> Any:
        from psycopg_pool import ConnectionPool

        pool = ConnectionPool(
            self._conninfo,
            min_size=self._min_size,
            max_size=self._max_size,
            timeout=self._timeout,
            kwargs=self._connect_kwargs(),
            configure=self._configure,
            open=False,
            name="a2p_policy",
        )
        # Wait for the first min_size connections: the server just answered,
        # and a pool still filling in the background would race the caller's
        # first operations (and its threads draw on the global ``random``).
        try:
            with self._driver("opening the connection pool"):
                pool.open(wait=self._min_size > 0, timeout=self._timeout)
        except BaseException:
            pool.close()
            raise
        return pool

    def apply_migrations(self) -> list[int]:
        """Apply every shipped migration this database lacks, under an advisory
        lock (safe when many servers open at once); returns the versions
        applied now."""
        self._usable()
        with self._conn("apply_migrations") as conn:
            return self._apply_migrations(conn)

    def _apply_migrations(self, conn: Any) -> list[int]:
        applied: list[int] = []
        lock_name = f"a2p_policy.migrations:{self._schema or ''}"
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_name,))
            if self._schema is not None:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self._schema}")
            conn.execute(_MIGRATIONS_TABLE)
            done = {int(r[0]) for r in conn.execute("SELECT version FROM a2p_schema_migrations")}
            known = migrations()
            if done and max(done) > len(known):
                raise StorageError(
                    f"PostgreSQL schema version {max(done)} is newer than this library's "
                    f"{len(known)}; upgrade a2p_policy"
                )
            for version, name, sql in known:
                if version in done:
                    continue
                conn.execute(sql)
                conn.execute(
                    "INSERT INTO a2p_schema_migrations (version, name) VALUES (%s, %s)",
                    (version, name),
                )
                applied.append(version)
        return applied

    @staticmethod
    def _check_schema(conn: Any) -> None:
        row = conn.execute(
            "SELECT max(version) FROM a2p_schema_migrations "
            "WHERE to_regclass('a2p_schema_migrations') IS NOT NULL"
        ).fetchone()
        if row is None or row[0] != schema_version():
            raise StorageError(
                f"PostgreSQL schema is at version {None if row is None else row[0]}, this "
                f"library needs {schema_version()}: run `a2p-policy storage migrate --print` "
                "and apply it, or open without migrate=false"
            )

    # ------------------------------------------------------------ plumbing
    def _map_error(self, exc: Exception, what: str) -> A2PPolicyError | None:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            if self._pool is not None:
                self._drop_broken(self._pool)
            return StorageUnavailable(
                f"PostgreSQL unavailable during {what} ({self._shown}): {self._scrub(exc)}"
            )
        if isinstance(exc, psycopg.errors.NumericValueOutOfRange):
            return InvalidArgument(f"number out of PostgreSQL's range during {what}: {exc}")
        if isinstance(exc, psycopg.errors.DataException):
            return StorageError(f"malformed value stored (during {what}): {exc}")
        if isinstance(exc, psycopg.Error):
            return StorageError(f"PostgreSQL error during {what}: {self._scrub(exc)}")
        return None

    def _scrub(self, exc: Exception) -> str:
        """A driver message with the URI (and so any password) redacted."""
        return str(exc).replace(self._conninfo, self._shown)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        self._pool = self._open_pool()  # never use the parent's sockets

    @contextmanager
    def _conn(self, what: str, key: str | None = None) -> Iterator[Any]:
        """A pooled connection with driver errors mapped to StorageError."""
        with self._driver(what, key), self._pool.connection() as conn:
            yield conn

    @staticmethod
    def _drop_broken(pool: Any) -> None:
        """After a connection failure, test the idle connections so the dead
        ones are replaced now rather than failing one request each."""
        with suppress(Exception):
            pool.check()

    def _one(self, what: str, key: str | None, sql: str, params: Any) -> Any:
        with self._conn(what, key) as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, what: str, sql: str, params: Any) -> list[Any]:
        with self._conn(what) as conn:
            return list(conn.execute(sql, params).fetchall())

    def _write(self, what: str, key: str | None, sql: str, params: Any) -> Any:
        row = self._one(what, key, sql, params)
        self._count_write()
        return row

    def _count_write(self) -> None:
        with self._lock:
            self._writes += 1
            due = self._writes % _PRUNE_EVERY == 0
        if due:
            self.prune()

    def prune(self) -> int:
        """Delete every expired row now; returns how many were dropped. Runs
        by itself every few thousand writes per process; call it from a
        periodic job to bound the tables sooner."""
        self._usable()
        row = self._one("prune", None, _PRUNE, None)
        return int(row[0])

    # ------------------------------------------------------------ counters
    def _reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> tuple[int, int]:
        amount, limit = _clamp(amount), _clamp(limit)
        row = self._write(
            "reserve",
            key,
            _RESERVE,
            {
                "key": _enc(key),
                "amount": amount,
                "limit": limit,
                "first": min(amount, limit),
                "ttl": ttl,
            },
        )
        return (0, 0) if row is None else (int(row[0]), stored_counter(key, row[1]))

    def _release(self, key: str, amount: int) -> int:
        row = self._write("release", key, _RELEASE, {"key": _enc(key), "amount": _clamp(amount)})
        return 0 if row is None else stored_counter(key, row[0])

    def _get_counter(self, key: str) -> int:
        row = self._one("get_counter", key, _GET_COUNTER, (_enc(key),))
        return 0 if row is None else stored_counter(key, row[0])

    @staticmethod
    def _fields(key: str, fields: Any) -> dict[str, int]:
        if not isinstance(fields, dict):
            raise StorageError(f"malformed counts stored at {key!r}: {type(fields).__name__}")
        return {_dec(f): stored_count(key, f, v) for f, v in fields.items()}

    def _add_counts(
        self, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        from psycopg.types.json import Jsonb

        if not items:  # nothing to add creates nothing, as in every backend: a read
            return self._get_counts([key])[0]
        row = self._write(
            "add_counts",
            key,
            _ADD_COUNTS,
            {"key": _enc(key), "deltas": Jsonb({_enc(f): d for f, d in items}), "ttl": ttl},
        )
        return self._fields(key, row[0])

    def _get_counts(self, keys: list[str]) -> list[dict[str, int]]:
        rows = self._all("get_counts", _GET_COUNTS, ([_enc(k) for k in keys],))
        found = {_dec(k): self._fields(_dec(k), fields) for k, fields in rows}
        return [dict(found.get(k, {})) for k in keys]

    # ------------------------------------------------------------ values
    def _get(self, key: str) -> str | None:
        row = self._one("get", key, _GET, (_enc(key),))
        return None if row is None else _dec(row[0])

    def _get_many(self, keys: list[str]) -> list[str | None]:
        rows = self._all("get_many", _GET_MANY, ([_enc(k) for k in keys],))
        found = {_dec(k): _dec(v) for k, v in rows}
        return [found.get(k) for k in keys]

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        with self._conn("put", key) as conn:
            conn.execute(_PUT, (_enc(key), _enc(value), ttl))
        self._count_write()

    def _put_many(self, pairs: list[tuple[str, str]], ttl: float | None) -> None:
        pairs = sorted(pairs)  # one lock order: no deadlock between batches
        with self._conn("put_many") as conn:
            conn.execute(_PUT_MANY, (ttl, [_enc(k) for k, _ in pairs], [_enc(v) for _, v in pairs]))
        self._count_write()

    def _put_if_absent(self, key: str, value: str, ttl: float | None) -> bool:
        row = self._write("put_if_absent", key, _PUT_IF_ABSENT, (_enc(key), _enc(value), ttl))
        return row is not None

    def _compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> bool:
        k = _enc(key)
        what = "compare_and_set"
        if expected is None and value is None:
            return self._one(what, key, _GET, (k,)) is None
        if expected is None:
            assert value is not None
            return self._write(what, key, _PUT_IF_ABSENT, (k, _enc(value), ttl)) is not None
        if value is None:
            return self._write(what, key, _CAS_DELETE, (k, _enc(expected))) is not None
        row = self._write(what, key, _CAS_REPLACE, (_enc(value), ttl, k, _enc(expected)))
        return row is not None

    def _delete(self, key: str) -> bool:
        row = self._write("delete", key, _DELETE, {"key": _enc(key)})
        return bool(row[0])

    # ------------------------------------------------------------ logs
    def _append(self, key: str, entry: str, expect_version: int | None) -> int | None:
        params: dict[str, Any] = {"key": _enc(key), "entry": _enc(entry)}
        if expect_version is not None:
            params["ev"] = expect_version
            row = self._write("append", key, _APPEND_EXPECT, params)
            return None if row is None else int(row[0])
        while True:  # a concurrent append took our version: take the next one
            row = self._write("append", key, _APPEND, params)
            if row is not None:
                return int(row[0])

    def _read(self, key: str, after: int, limit: int | None) -> list[LogEntry]:
        rows = self._all(
            "read", _READ, (_enc(key), _clamp(after), None if limit is None else _clamp(limit))
        )
        return [(int(v), _dec(e)) for v, e in rows]

    def _last_many(self, keys: list[str]) -> list[LogEntry | None]:
        rows = self._all("last_many", _LAST_MANY, ([_enc(k) for k in keys],))
        found: dict[str, LogEntry] = {_dec(k): (int(v), _dec(e)) for k, v, e in rows}
        return [found.get(k) for k in keys]

    # ------------------------------------------------------------ recency sets
    def _touch(self, key: str, member: str, at: float, window: float) -> int:
        row = self._write(
            "touch",
            key,
            _TOUCH,
            {
                "key": _enc(key),
                "member": _enc(member),
                "at": at,
                "cutoff": at - window,
                "window": max(window, MIN_SET_TTL),
            },
        )
        return int(row[0])

    # ------------------------------------------------------------ decisions
    def _snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> Snapshot:
        params = {
            "values": [_enc(k) for k in values],
            "logs": [_enc(k) for k in logs],
            "counters": [_enc(k) for k in counters],
        }
        found: list[str | None] = [None] * len(values)
        lasts: list[LogEntry | None] = [None] * len(logs)
        numbers = [0] * len(counters)
        for kind, i, text, number in self._all("snapshot", _SNAPSHOT, params):
            if kind == 0:
                found[i - 1] = _dec(text)
            elif kind == 1:
                lasts[i - 1] = (int(number), _dec(text))
            else:
                numbers[i - 1] = stored_counter(counters[i - 1], number)
        return Snapshot(found, lasts, numbers)

    def _commit(self, plan: CommitPlan) -> Committed:
        res = plan.reserve
        if not (plan.guards or res or plan.puts or plan.counts):
            return Committed(True, 0, 0, [], [])  # nothing to read or write
        row = self._write(
            "commit",
            _only_key(plan),
            _COMMIT,
            (
                [_enc(k) for k, _ in plan.guards],
                [None if e is None else _enc(e) for _, e in plan.guards],
                None if res is None else _enc(res.key),
                0 if res is None else _clamp(res.amount),
                0 if res is None else _clamp(res.limit),
                None if res is None else res.ttl,
                [_enc(k) for k, _, _ in plan.puts],
                [_enc(v) for _, v, _ in plan.puts],
                [r for _, _, r in plan.puts],
                plan.put_ttl,
                [_enc(k) for k, *_ in plan.counts],
                [_enc(f) for _, f, _, _ in plan.counts],
                [fixed for _, _, fixed, _ in plan.counts],
                [per for *_, per in plan.counts],
                plan.count_ttl,
            ),
        )
        applied, granted, used, counts, current = row
        found = [None if v is None else _dec(v) for v in current]
        return committed(plan, (applied, granted, used, counts), found, self._fields)

    # ------------------------------------------------------------ lifecycle
    def _ping(self) -> bool:
        self._one("ping", None, "SELECT 1", None)
        return True

    def _close(self) -> None:
        self._pool.close()

    def _describe(self) -> str:
        return f"schema={self._schema!r}, max_size={self._max_size}"
