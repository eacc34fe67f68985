"""``redis://`` / ``rediss://``: the storage backend for many app servers sharing Redis.

Why Redis: teams that outgrow one process usually already run it, and every
port operation maps onto one round trip: a single command (``GET``, ``SET NX
PX``, ``RPUSH``, ``DEL``) or one Lua script, which Redis runs atomically (no
other command interleaves, see docs/architecture.md and "Storage ports are
small and atomic" and "Pitfalls others hit": no check-then-write races).

Scripts
    Registered once per process with redis-py's :class:`redis.commands.core.Script`:
    called by SHA1 (``EVALSHA``) and re-sent with ``SCRIPT LOAD`` only when the
    server answers ``NOSCRIPT`` (after a restart or ``SCRIPT FLUSH``). Scripts
    inside a pipeline (the multi-key reads and :meth:`RedisStorage.put_many`)
    are handled the same way by :meth:`RedisStorage._pipelined`.

Keys
    A port key ``kind:scope:account:rest`` becomes
    ``<prefix>{kind:scope:account}:rest#<type>``: the *hash tag* (between the
    braces) is the first three ``:``-separated parts of the port key (the whole
    key when it has fewer), so every key of one rule and one account (a day's
    ramp counter, the rate-monitor buckets, the conversation markers of
    ``engine:conv:<account>:...``) hashes to one Redis Cluster slot (a tag
    containing ``}`` is replaced by a digest of itself). ``#c``,
    ``#v``, ``#h``, ``#l``, ``#s`` separate the five record kinds (counter,
    value, hash, log, recency set) the port keeps apart, and share the tag, so
    :meth:`RedisStorage.delete` is one ``DEL`` and each script touches one
    slot. ``prefix`` (URI option, default ``a2p:``) namespaces a deployment.

Decisions
    :meth:`RedisStorage.snapshot` is one script (``snapshot.lua``: every
    value, the last entry of every log, every counter) and
    :meth:`RedisStorage.commit` another (``commit.lua``: guards, reservation,
    ranked puts, counts). A script is not rolled back, so ``commit.lua``
    checks everything that can fail (a malformed stored number, a hash field
    leaving the signed 64-bit range) before its first write; it computes the
    counts exactly on decimal limbs (Lua numbers are doubles) and writes them
    with ``HSET``. Every key is passed in ``KEYS``: on a cluster, the keys of
    one decision must share a slot through the caller's own key layout.

Multi-key operations and Redis Cluster
    ``get_many``, ``get_counts``, ``last_many`` and ``put_many`` send one
    command or script per *slot group* of keys, all in one pipeline (one round
    trip). On a single node (what this module connects to) everything is one
    group. The key layout is cluster ready; a ``RedisCluster`` client is not
    wired in this version (see ``docs/backends.md``).

Time
    TTLs are garbage collection only (``PEXPIRE``, rounded up to a
    millisecond) on Redis's own clock; windows are in the keys. :meth:`touch`
    takes the caller's time as a script argument.

Numbers
    Lua numbers are doubles: counter amounts and limits are clamped to
    ``2**53`` (a count no daily quota approaches); hash fields use
    ``HINCRBY`` (exact signed 64-bit; leaving that range raises
    :class:`~a2p_policy.InvalidArgument`).

Errors
    ``redis.ConnectionError``/``TimeoutError`` (server down, restarting,
    loading) become :class:`~a2p_policy.StorageUnavailable`; other
    Redis errors :class:`~a2p_policy.StorageError`, chained. Commands
    are not retried by the driver (a retried ``reserve`` whose reply was lost
    would count twice); the next call opens a fresh connection, so the
    backend recovers by itself when the server returns.

Durability (see ``docs/backends.md``): an acknowledged opt-out survives a
Redis restart only with ``appendonly yes`` (``appendfsync always`` for no
loss at all, ``everysec`` loses at most about a second on a power cut).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, Final, cast
from urllib.parse import parse_qsl, urlencode

from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    StorageError,
    StorageUnavailable,
)
from a2p_policy.storage.backend import (
    StorageBackend,
    committed,
    count_overflow,
    stored_count,
    stored_counter,
)
from a2p_policy.storage.base import CommitPlan, Committed, LogEntry, Snapshot
from a2p_policy.storage.uri import join_uri, redact_uri, split_uri

__all__ = ["DEFAULT_PREFIX", "MIN_SET_TTL", "RedisStorage", "redis_key"]

#: Namespace of every key this backend writes, unless the URI says otherwise.
DEFAULT_PREFIX: Final = "a2p:"
#: Largest integer a Lua number (a double) holds exactly.
_LUA_INT_MAX: Final = 2**53
_INT64_MAX: Final = 2**63 - 1
_INT64_MIN: Final = -(2**63)
#: Record kinds: separate Redis keys sharing one hash tag.
_COUNTER, _VALUE, _HASH, _LOG, _SET = "#c", "#v", "#h", "#l", "#s"
_KINDS: Final = (_COUNTER, _VALUE, _HASH, _LOG, _SET)
#: Shortest garbage-collection TTL of a recency set (seconds). The set's
#: content follows the caller's times; its TTL (the window, on Redis's clock)
#: only reclaims idle sets, and a floor keeps a slow caller with a tiny window
#: from losing members between two calls.
MIN_SET_TTL: Final = 60.0
#: Defaults for the connection pool; the URI's query string overrides them.
_POOL_DEFAULTS: Final[Mapping[str, Any]] = {
    "socket_connect_timeout": 5.0,
    "socket_timeout": 5.0,
    "max_connections": 50,
    "health_check_interval": 0,
}

# ---------------------------------------------------------------- Lua scripts
#: The scripts, shipped as package files (``a2p_policy/storage/lua/*.lua``,
#: each documenting its KEYS and ARGV). A stored value a script cannot use
#: (a counter that is not a non-negative integer) makes it answer an error
#: starting with ``A2P_MALFORMED``, raised as StorageError naming the key.
_SCRIPT_NAMES: Final = (
    "reserve",
    "release",
    "add_counts",
    "compare_and_set",
    "append_expect",
    "last_many",
    "touch",
    "put_many",
    "snapshot",
    "commit",
)
_MALFORMED: Final = "A2P_MALFORMED"
#: The commit script's errors about its i-th count entry.
_ENTRY: Final = re.compile(r"(A2P_MALFORMED|A2P_RANGE) count (\d+)")
#: Options that must be positive, finite numbers of seconds.
_SECONDS_OPTIONS: Final = ("socket_timeout", "socket_connect_timeout")


def _lua(name: str) -> str:
    return resources.files("a2p_policy.storage").joinpath("lua", f"{name}.lua").read_text("utf-8")


def redis_key(prefix: str, key: str, kind: str = _VALUE) -> str:
    """The Redis key holding record ``kind`` of port key ``key``.

    The hash tag is the first three ``:``-separated parts of ``key``::

        >>> redis_key("a2p:", "ramp:count:acme:2026-01-05", "#c")
        'a2p:{ramp:count:acme}:2026-01-05#c'
        >>> redis_key("a2p:", "dnd:acme", "#v")
        'a2p:{dnd:acme}#v'
    """
    parts = key.split(":", 3)
    tag = ":".join(parts[:3])
    if "}" in tag:  # Redis would end the tag there: hash a digest of it instead
        digest = hashlib.sha1(tag.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"{prefix}{{{digest}}}{key}{kind}"
    if len(parts) <= 3:
        return f"{prefix}{{{key}}}{kind}"
    return f"{prefix}{{{tag}}}:{parts[3]}{kind}"


#: Longest TTL sent to Redis (ms, about 285,000 years): a TTL is garbage
#: collection only, and Redis refuses expiry times past the 64-bit range.
_MAX_TTL_MS: Final = 2**53


def _ms(ttl: float | None) -> str:
    """A TTL in whole milliseconds (rounded up, at least 1, at most
    ``2**53``) or ''."""
    if ttl is None:
        return ""
    if ttl >= _MAX_TTL_MS / 1000:
        return str(_MAX_TTL_MS)
    return str(max(1, math.ceil(ttl * 1000)))


def _num(value: float) -> str:
    """A float as text that Lua's ``tonumber`` and Redis parse back exactly."""
    return repr(float(value))


class RedisStorage(StorageBackend):
    """Redis :class:`~a2p_policy.storage.base.Storage`.

    Build it from a URI (:meth:`from_uri`) or around your own client::

        RedisStorage.from_uri("redis://:secret@10.0.0.5:6379/0?prefix=shop1:")
        RedisStorage.from_uri("rediss://user:secret@cache.example.com:6380/0")

    URI options (query string): ``prefix`` (key namespace, default ``a2p:``)
    and redis-py's connection pool options (``max_connections``,
    ``socket_timeout``, ``socket_connect_timeout``, ``health_check_interval``,
    ``ssl_cert_reqs`` ...). A client passed in must be created with
    ``decode_responses=True``.
    """

    schemes = ("redis", "rediss")

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        super().__init__()
        if not isinstance(client, redis.Redis):
            raise InvalidArgument(f"client must be a redis.Redis, got {type(client).__name__}")
        if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
            raise InvalidArgument(f"prefix must be a str without braces, got {prefix!r}")
        kwargs = client.get_connection_kwargs()
        if not kwargs.get("decode_responses"):
            raise InvalidArgument("the redis client must be created with decode_responses=True")
        self._redis = client
        self._prefix = prefix
        self._scripts: dict[str, Any] = {
            name: client.register_script(_lua(name)) for name in _SCRIPT_NAMES
        }

    # ------------------------------------------------------------ opening
    @classmethod
    def from_uri(cls, uri: str) -> RedisStorage:
        """Open ``redis://[[user]:password@]host[:port][/db][?options]`` (or
        ``rediss://`` for TLS, ``unix:///path.sock?db=0``).

        The database number must be an integer (``redis://host/abc`` is
        refused, never silently database 0), and ``socket_timeout`` /
        ``socket_connect_timeout`` positive, finite seconds; anything else
        raises :class:`~a2p_policy.ConfigurationError` naming the
        redacted URI.
        """
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StorageError(
                "the redis backend needs redis-py: pip install 'a2p-policy[redis]'"
            ) from exc
        parts = split_uri(uri, (*cls.schemes, "unix"), "Redis")
        shown = redact_uri(uri)
        try:
            query = parse_qsl(parts.query, keep_blank_values=True)
        except ValueError as exc:  # pragma: no cover - parse_qsl is lenient
            raise InvalidArgument(f"malformed Redis URI {shown}: {exc}") from exc
        if parts.scheme.lower() != "unix":
            db = parts.path.lstrip("/")
            if db and not (db.isascii() and db.isdigit()):
                raise ConfigurationError(
                    f"Redis database must be an integer, got {db!r} in {shown}"
                )
        prefix = DEFAULT_PREFIX
        rest: list[tuple[str, str]] = []
        options: dict[str, Any] = dict(_POOL_DEFAULTS)
        for name, value in query:
            if name == "prefix":
                prefix = value
            elif name in _SECONDS_OPTIONS:
                options[name] = _seconds(name, value, shown)
            else:
                if name == "db" and not (value.isascii() and value.isdigit()):
                    raise ConfigurationError(
                        f"Redis database must be an integer, got {value!r} in {shown}"
                    )
                options.pop(name, None)
                rest.append((name, value))
        driver_uri = join_uri(parts.scheme, parts.netloc, parts.path, urlencode(rest))
        try:
            pool = redis.ConnectionPool.from_url(
                driver_uri, decode_responses=True, retry=Retry(NoBackoff(), 0), **options
            )
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"bad Redis URI {shown}: {exc}") from exc
        return cls(redis.Redis(connection_pool=pool), prefix=prefix)

    # ------------------------------------------------------------ plumbing
    def _k(self, key: str, kind: str) -> str:
        return redis_key(self._prefix, key, kind)

    def _after_fork(self) -> None:
        self._redis.connection_pool.reset()  # sockets must not be shared

    def _map_error(self, exc: Exception, what: str) -> A2PPolicyError | None:
        import redis

        if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            return StorageUnavailable(f"Redis unreachable during {what}: {exc}")
        if isinstance(exc, redis.ResponseError):
            text = str(exc)
            if _MALFORMED in text or "not an integer" in text:
                return StorageError(f"malformed number stored (during {what}): {text}")
            if "overflow" in text:
                return InvalidArgument(f"Redis refused {what}: {text}")
        if isinstance(exc, redis.RedisError):
            return StorageError(f"Redis error during {what}: {exc}")
        if isinstance(exc, OSError):
            return StorageUnavailable(f"Redis unreachable during {what}: {exc}")
        return None

    def _script(
        self, name: str, key: str | None, keys: Sequence[str], args: Sequence[str | int]
    ) -> Any:
        """One script call: ``EVALSHA``, reloading once on ``NOSCRIPT``."""
        with self._driver(name, key):
            return self._scripts[name](keys=list(keys), args=list(args))

    def _pipelined(
        self, name: str, key: str | None, calls: Sequence[tuple[str, list[str], list[Any]]]
    ) -> list[Any]:
        """Several commands in one round trip. ``calls`` are ``(command, keys,
        args)``; the command ``"script:<name>"`` runs a registered script by
        SHA. On ``NOSCRIPT`` the scripts are loaded and the pipeline re-sent
        (only read-only or idempotent batches are pipelined)."""
        import redis

        with self._driver(name, key):
            for attempt in (1, 2):
                pipe = self._redis.pipeline(transaction=False)
                for command, keys, args in calls:
                    if command.startswith("script:"):
                        script = self._scripts[command[7:]]
                        pipe.evalsha(script.sha, len(keys), *keys, *args)
                    elif command == "HGETALL":
                        pipe.hgetall(keys[0])
                    else:  # pragma: no cover - programming error
                        raise AssertionError(f"unsupported pipelined command {command}")
                results = pipe.execute(raise_on_error=False)
                noscript = any(isinstance(r, redis.exceptions.NoScriptError) for r in results)
                if noscript and attempt == 1:
                    for command, _, _ in calls:
                        if command.startswith("script:"):
                            script = self._scripts[command[7:]]
                            script.sha = self._redis.script_load(script.script)
                    continue
                for r in results:
                    if isinstance(r, Exception):
                        raise r
                return list(results)
        raise StorageError(f"Redis kept answering NOSCRIPT during {name}")  # pragma: no cover

    @staticmethod
    def _counts(key: str, flat: Any) -> dict[str, int]:
        pairs = flat.items() if isinstance(flat, dict) else zip(flat[::2], flat[1::2], strict=True)
        return {f: stored_count(key, f, v) for f, v in pairs if f != ""}

    # ------------------------------------------------------------ counters
    def _reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> tuple[int, int]:
        granted, used = self._script(
            "reserve",
            key,
            [self._k(key, _COUNTER)],
            [min(amount, _LUA_INT_MAX), min(limit, _LUA_INT_MAX), _ms(ttl)],
        )
        return int(granted), stored_counter(key, used)

    def _release(self, key: str, amount: int) -> int:
        left = self._script("release", key, [self._k(key, _COUNTER)], [min(amount, _LUA_INT_MAX)])
        return stored_counter(key, left)

    def _get_counter(self, key: str) -> int:
        with self._driver("get_counter", key):
            value = self._redis.get(self._k(key, _COUNTER))
        return 0 if value is None else stored_counter(key, value)

    def _add_counts(
        self, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        args: list[str | int] = [_ms(ttl)]
        for field, delta in items:
            args += [field, delta]
        return self._counts(key, self._script("add_counts", key, [self._k(key, _HASH)], args))

    def _get_counts(self, keys: list[str]) -> list[dict[str, int]]:
        results = self._pipelined(
            "get_counts", keys[0], [("HGETALL", [self._k(k, _HASH)], []) for k in keys]
        )
        return [self._counts(k, r) for k, r in zip(keys, results, strict=True)]

    # ------------------------------------------------------------ values
    def _get(self, key: str) -> str | None:
        with self._driver("get", key):
            value = self._redis.get(self._k(key, _VALUE))
        return cast("str | None", value)

    def _get_many(self, keys: list[str]) -> list[str | None]:
        with self._driver("get_many", keys[0] if len(keys) == 1 else None):
            values = self._redis.mget([self._k(k, _VALUE) for k in keys])
        return cast("list[str | None]", values)

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        with self._driver("put", key):
            if ttl is None:
                self._redis.set(self._k(key, _VALUE), value)
            else:
                self._redis.set(self._k(key, _VALUE), value, px=int(_ms(ttl)))

    def _put_many(self, pairs: list[tuple[str, str]], ttl: float | None) -> None:
        self._script(
            "put_many",
            pairs[0][0],
            [self._k(k, _VALUE) for k, _ in pairs],
            [_ms(ttl), *(v for _, v in pairs)],
        )

    def _put_if_absent(self, key: str, value: str, ttl: float | None) -> bool:
        with self._driver("put_if_absent", key):
            if ttl is None:
                done = self._redis.set(self._k(key, _VALUE), value, nx=True)
            else:
                done = self._redis.set(self._k(key, _VALUE), value, nx=True, px=int(_ms(ttl)))
        return bool(done)

    def _compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> bool:
        done = self._script(
            "compare_and_set",
            key,
            [self._k(key, _VALUE)],
            [
                "0" if expected is None else "1",
                expected or "",
                "0" if value is None else "1",
                value or "",
                _ms(ttl),
            ],
        )
        return bool(int(done))

    def _delete(self, key: str) -> bool:
        with self._driver("delete", key):
            n = self._redis.delete(*(self._k(key, kind) for kind in _KINDS))
        return int(n) > 0

    # ------------------------------------------------------------ logs
    def _append(self, key: str, entry: str, expect_version: int | None) -> int | None:
        if expect_version is None:
            with self._driver("append", key):
                return int(self._redis.rpush(self._k(key, _LOG), entry))
        if expect_version >= _LUA_INT_MAX:  # no log can be that long
            return None
        version = int(
            self._script("append_expect", key, [self._k(key, _LOG)], [entry, expect_version])
        )
        return version or None

    def _read(self, key: str, after: int, limit: int | None) -> list[LogEntry]:
        if after >= _INT64_MAX // 2:
            return []
        stop = -1 if limit is None else min(after + limit - 1, _INT64_MAX // 2)
        with self._driver("read", key):
            entries = cast("list[str]", self._redis.lrange(self._k(key, _LOG), after, stop))
        return [(after + i + 1, e) for i, e in enumerate(entries)]

    def _last_many(self, keys: list[str]) -> list[LogEntry | None]:
        (rows,) = self._pipelined(
            "last_many",
            keys[0] if len(keys) == 1 else None,
            [("script:last_many", [self._k(k, _LOG) for k in keys], [])],
        )
        return [(int(n), str(e)) if int(n) else None for n, e in rows]

    # ------------------------------------------------------------ recency sets
    def _touch(self, key: str, member: str, at: float, window: float) -> int:
        count = self._script(
            "touch",
            key,
            [self._k(key, _SET)],
            [member, _num(at), _num(at - window), _ms(max(window, MIN_SET_TTL))],
        )
        return int(count)

    # ------------------------------------------------------------ decisions
    def _snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> Snapshot:
        keys = [
            *(self._k(k, _VALUE) for k in values),
            *(self._k(k, _LOG) for k in logs),
            *(self._k(k, _COUNTER) for k in counters),
        ]
        found, lasts, raw = self._script(
            "snapshot", _first(values, logs, counters), keys, [len(values), len(logs)]
        )
        return Snapshot(
            cast("list[str | None]", found),
            [(int(n), str(e)) if int(n) else None for n, e in lasts],
            [0 if r is None else stored_counter(k, r) for k, r in zip(counters, raw, strict=True)],
        )

    def _commit(self, plan: CommitPlan) -> Committed:
        res = plan.reserve
        keys = [self._k(k, _VALUE) for k, _ in plan.guards]
        args: list[str | int] = [
            len(plan.guards),
            0 if res is None else 1,
            len(plan.puts),
            len(plan.counts),
            _ms(plan.put_ttl),
            _ms(plan.count_ttl),
        ]
        if res is None:
            args += ["0", "0", ""]
        else:
            keys.append(self._k(res.key, _COUNTER))
            args += [min(res.amount, _LUA_INT_MAX), min(res.limit, _LUA_INT_MAX), _ms(res.ttl)]
        for _, expected in plan.guards:
            args += ["0", ""] if expected is None else ["1", expected]
        for key, value, rank in plan.puts:
            keys.append(self._k(key, _VALUE))
            args += [value, rank]
        for key, field, fixed, per in plan.counts:
            keys.append(self._k(key, _HASH))
            args += [field, fixed, per]
        if not keys:  # an empty plan writes nothing and reads nothing
            return Committed(True, 0, 0, [], [])
        named = _first(
            [k for k, _ in plan.guards],
            [] if res is None else [res.key],
            [k for k, _, _ in plan.puts],
            [k for k, *_ in plan.counts],
        )
        try:
            applied, granted, used, counts, current = self._script("commit", named, keys, args)
        except A2PPolicyError as exc:
            named_error = _commit_error(exc, plan)
            if named_error is None:
                raise
            raise named_error from exc
        found = cast("list[str | None]", current)
        return committed(plan, (applied, granted, used, counts), found, self._counts)

    # ------------------------------------------------------------ lifecycle
    def _ping(self) -> bool:
        with self._driver("ping"):
            return bool(self._redis.ping())

    def _close(self) -> None:
        self._redis.close()
        self._redis.connection_pool.disconnect()

    def flush_namespace(self) -> int:
        """Delete every key of this storage's namespace (tests and resets);
        returns how many Redis keys were removed. Uses ``SCAN``, not ``KEYS``.

        Only keys written by a storage with exactly this prefix are matched:
        every such key is the prefix followed by a hash tag (``{``), so the
        prefix ``shop`` never reaches ``shop2{...}`` nor ``a2p:`` reach
        ``a2p:staging:{...}``; glob characters in the prefix are escaped.
        """
        self._usable()
        removed = 0
        with self._driver("flush_namespace"):
            batch: list[str] = []
            pattern = _glob_escape(self._prefix) + "{*"
            for k in self._redis.scan_iter(match=pattern, count=1000):
                if not k.startswith(self._prefix + "{"):  # pragma: no cover - SCAN matched
                    continue
                batch.append(k)
                if len(batch) >= 500:
                    removed += int(self._redis.unlink(*batch))
                    batch = []
            if batch:
                removed += int(self._redis.unlink(*batch))
        return removed

    def _describe(self) -> str:
        kw = self._redis.get_connection_kwargs()
        where = kw.get("path") or f"{kw.get('host')}:{kw.get('port')}/{kw.get('db', 0)}"
        return f"{where!r}, prefix={self._prefix!r}"


def _commit_error(exc: A2PPolicyError, plan: CommitPlan) -> A2PPolicyError | None:
    """The commit script's error naming the port key (and field) it is about."""
    text = str(exc.__cause__)  # the script's own answer, without the caller's keys
    if "A2P_MALFORMED counter" in text and plan.reserve is not None:
        return StorageError(f"malformed counter stored at {plan.reserve.key!r} (during commit)")
    found = _ENTRY.search(text)
    if found is None or not 0 < int(found.group(2)) <= len(plan.counts):
        return None
    key, field, _, _ = plan.counts[int(found.group(2)) - 1]
    if found.group(1) == "A2P_MALFORMED":
        return StorageError(f"malformed count stored at {key!r} field {field!r} (during commit)")
    return count_overflow(key, field)


def _first(*groups: list[str]) -> str | None:
    """The key an error names: the only key of a one-key call, else None."""
    keys = [k for group in groups for k in group]
    return keys[0] if len(keys) == 1 else None


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis glob pattern (``SCAN MATCH``)."""
    return "".join("\\" + c if c in "*?[]^-\\" else c for c in text)


def _seconds(name: str, raw: str, shown: str) -> float:
    """A positive, finite number of seconds from a URI option."""
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigurationError(
            f"Redis URI option {name} must be a positive number of seconds, got {raw!r} in {shown}"
        )
    return value
