"""``redis://`` / ``rediss://``: the storage backend for many app servers sharing Redis.

Why Redis: teams that outgrow one process usually already run it, and every
port operation maps onto one round trip: a single command (``GET``, ``SET NX
PX``, ``RPUSH``, ``DEL``) or one Lua script, which Redis runs atomically (no
other command interleaves, see ``/work/shared/DESIGN.md``, "Storage ports are
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
    :class:`~a2p_policy.errors.InvalidArgument`).

Errors
    ``redis.ConnectionError``/``TimeoutError`` (server down, restarting,
    loading) become :class:`~a2p_policy.errors.StorageUnavailable`; other
    Redis errors :class:`~a2p_policy.errors.StorageError`, chained. Commands
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
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
)

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
#: URI query options this module reads itself (the rest go to redis-py).
_OWN_OPTIONS: Final = frozenset({"prefix"})
#: Defaults for the connection pool; the URI's query string overrides them.
_POOL_DEFAULTS: Final[Mapping[str, Any]] = {
    "socket_connect_timeout": 5.0,
    "socket_timeout": 5.0,
    "max_connections": 50,
    "health_check_interval": 0,
}

# ---------------------------------------------------------------- Lua scripts
# KEYS[1] counter; ARGV amount, limit, ttl_ms ('' for none). Returns {granted, used}.
_RESERVE: Final = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local room = tonumber(ARGV[2]) - used
if room < 0 then room = 0 end
local granted = amount
if room < granted then granted = room end
if granted > 0 then
  used = redis.call('INCRBY', KEYS[1], string.format('%d', granted))
  if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return {granted, used}
"""

# KEYS[1] counter; ARGV amount. Never creates the counter; keeps its TTL.
_RELEASE: Final = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local left = tonumber(v) - tonumber(ARGV[1])
if left < 0 then left = 0 end
redis.call('SET', KEYS[1], string.format('%d', left), 'KEEPTTL')
return left
"""

# KEYS[1] hash; ARGV ttl_ms ('' for none), then field, delta pairs. The field
# '' (never a caller's field name) marks the hash as existing even when empty.
# No deltas only reads: nothing to add creates nothing, as in every backend.
_ADD_COUNTS: Final = """
if #ARGV < 2 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSETNX', KEYS[1], '', '0')
for i = 2, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
if ARGV[1] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS[1] value; ARGV has_expected, expected, has_value, value, ttl_ms.
_COMPARE_AND_SET: Final = """
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then
  if ARGV[5] ~= '' then
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  else
    redis.call('SET', KEYS[1], ARGV[4])
  end
elseif cur then
  redis.call('DEL', KEYS[1])
end
return 1
"""

# KEYS[1] log list; ARGV entry, expected version. Returns the new version or 0.
_APPEND_EXPECT: Final = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return 0 end
return redis.call('RPUSH', KEYS[1], ARGV[1])
"""

# KEYS log lists. Returns {version, entry} per key ({0, ''} for an empty log).
_LAST_MANY: Final = """
local out = {}
for i, k in ipairs(KEYS) do
  local n = redis.call('LLEN', k)
  if n > 0 then out[i] = {n, redis.call('LINDEX', k, -1)} else out[i] = {0, ''} end
end
return out
"""

# KEYS[1] sorted set; ARGV member, at, cutoff, ttl_ms. Scores are the caller's
# times; GT keeps the latest sighting of a member.
_TOUCH: Final = """
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
"""

# KEYS values; ARGV ttl_ms ('' for none), then the values in KEYS order.
_PUT_MANY: Final = """
for i, k in ipairs(KEYS) do
  if ARGV[1] ~= '' then
    redis.call('SET', k, ARGV[i + 1], 'PX', ARGV[1])
  else
    redis.call('SET', k, ARGV[i + 1])
  end
end
return #KEYS
"""


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


def _ms(ttl: float | None) -> str:
    """A TTL in whole milliseconds (rounded up, at least 1) or ''."""
    if ttl is None:
        return ""
    return str(max(1, math.ceil(ttl * 1000)))


def _num(value: float) -> str:
    """A float as text that Lua's ``tonumber`` and Redis parse back exactly."""
    return repr(float(value))


class RedisStorage:
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

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX) -> None:
        import redis

        if not isinstance(client, redis.Redis):
            raise InvalidArgument(f"client must be a redis.Redis, got {type(client).__name__}")
        if not isinstance(prefix, str) or "{" in prefix or "}" in prefix:
            raise InvalidArgument(f"prefix must be a str without braces, got {prefix!r}")
        kwargs = client.get_connection_kwargs()
        if not kwargs.get("decode_responses"):
            raise InvalidArgument("the redis client must be created with decode_responses=True")
        self._redis = client
        self._prefix = prefix
        self._closed = False
        self._pid = os.getpid()
        self._scripts: dict[str, Any] = {}
        for name, source in (
            ("reserve", _RESERVE),
            ("release", _RELEASE),
            ("add_counts", _ADD_COUNTS),
            ("compare_and_set", _COMPARE_AND_SET),
            ("append_expect", _APPEND_EXPECT),
            ("last_many", _LAST_MANY),
            ("touch", _TOUCH),
            ("put_many", _PUT_MANY),
        ):
            self._scripts[name] = client.register_script(source)

    # ------------------------------------------------------------ opening
    @classmethod
    def from_uri(cls, uri: str) -> RedisStorage:
        """Open ``redis://[[user]:password@]host[:port][/db][?options]`` (or
        ``rediss://`` for TLS, ``unix:///path.sock?db=0``)."""
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StorageError(
                "the redis backend needs redis-py: pip install 'a2p-policy[redis]'"
            ) from exc
        if not isinstance(uri, str):
            raise InvalidArgument(f"Redis URI must be a str, got {type(uri).__name__}")
        try:
            parts = urlsplit(uri)
            query = parse_qsl(parts.query, keep_blank_values=True)
        except ValueError as exc:
            raise InvalidArgument(f"malformed Redis URI: {exc}") from exc
        if parts.scheme.lower() not in ("redis", "rediss", "unix"):
            raise InvalidArgument(f"not a redis:// or rediss:// URI: {_redact(uri)}")
        prefix = DEFAULT_PREFIX
        rest: list[tuple[str, str]] = []
        for name, value in query:
            if name == "prefix":
                prefix = value
            else:
                rest.append((name, value))
        driver_uri = urlunsplit(parts._replace(query=urlencode(rest)))
        try:
            pool = redis.ConnectionPool.from_url(
                driver_uri,
                decode_responses=True,
                retry=Retry(NoBackoff(), 0),
                **{k: v for k, v in _POOL_DEFAULTS.items() if k not in dict(rest)},
            )
        except (ValueError, TypeError) as exc:
            raise InvalidArgument(f"bad Redis URI {_redact(uri)}: {exc}") from exc
        return cls(redis.Redis(connection_pool=pool), prefix=prefix)

    # ------------------------------------------------------------ plumbing
    def _k(self, key: str, kind: str) -> str:
        return redis_key(self._prefix, key, kind)

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        import redis

        if self._closed:
            raise StorageError("RedisStorage is closed")
        if self._pid != os.getpid():  # forked: sockets must not be shared
            self._pid = os.getpid()
            self._redis.connection_pool.reset()
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StorageUnavailable(f"Redis unreachable during {what}: {exc}") from exc
        except redis.ResponseError as exc:
            if "overflow" in str(exc) or "not an integer" in str(exc):
                raise InvalidArgument(f"Redis refused {what}: {exc}") from exc
            raise StorageError(f"Redis error during {what}: {exc}") from exc
        except redis.RedisError as exc:
            raise StorageError(f"Redis error during {what}: {exc}") from exc
        except UnicodeEncodeError as exc:
            raise InvalidArgument(
                f"keys, fields and values must be valid Unicode (no lone surrogates): {exc}"
            ) from exc

    def _script(self, name: str, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """One script call: ``EVALSHA``, reloading once on ``NOSCRIPT``."""
        with self._errors(name):
            return self._scripts[name](keys=list(keys), args=list(args))

    def _pipelined(self, name: str, calls: Sequence[tuple[str, list[str], list[Any]]]) -> list[Any]:
        """Several commands in one round trip. ``calls`` are ``(command, keys,
        args)``; the command ``"script:<name>"`` runs a registered script by
        SHA. On ``NOSCRIPT`` the scripts are loaded and the pipeline re-sent
        (only read-only or idempotent batches are pipelined)."""
        import redis

        with self._errors(name):
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

    # ------------------------------------------------------------ counters
    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        check_key(key)
        check_amount(amount)
        check_amount(limit, "limit")
        ttl = check_ttl(ttl)
        granted, used = self._script(
            "reserve",
            [self._k(key, _COUNTER)],
            [min(amount, _LUA_INT_MAX), min(limit, _LUA_INT_MAX), _ms(ttl)],
        )
        return int(granted), int(used)

    def release(self, key: str, amount: int) -> int:
        check_key(key)
        check_amount(amount)
        return int(self._script("release", [self._k(key, _COUNTER)], [min(amount, _LUA_INT_MAX)]))

    def get_counter(self, key: str) -> int:
        check_key(key)
        with self._errors("get_counter"):
            value = self._redis.get(self._k(key, _COUNTER))
        return 0 if value is None else int(value)

    def add_counts(
        self, key: str, deltas: Mapping[str, int], ttl: float | None = None
    ) -> dict[str, int]:
        check_key(key)
        ttl = check_ttl(ttl)
        items = check_deltas(deltas)
        args: list[str | int] = [_ms(ttl)]
        for field, delta in items:
            if not _INT64_MIN <= delta <= _INT64_MAX:
                raise InvalidArgument(f"delta for {field!r} is outside the 64-bit range")
            args += [field, delta]
        flat = self._script("add_counts", [self._k(key, _HASH)], args)
        return {flat[i]: int(flat[i + 1]) for i in range(0, len(flat), 2) if flat[i]}

    def get_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        keys = check_keys(keys)
        if not keys:
            return []
        results = self._pipelined(
            "get_counts", [("HGETALL", [self._k(k, _HASH)], []) for k in keys]
        )
        return [{f: int(v) for f, v in r.items() if f} for r in results]

    # ------------------------------------------------------------ values
    def get(self, key: str) -> str | None:
        check_key(key)
        with self._errors("get"):
            value = self._redis.get(self._k(key, _VALUE))
        return cast("str | None", value)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        keys = check_keys(keys)
        if not keys:
            return []
        with self._errors("get_many"):
            values = self._redis.mget([self._k(k, _VALUE) for k in keys])
        return cast("list[str | None]", values)

    def put(self, key: str, value: str, ttl: float | None = None) -> None:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._errors("put"):
            if ttl is None:
                self._redis.set(self._k(key, _VALUE), value)
            else:
                self._redis.set(self._k(key, _VALUE), value, px=int(_ms(ttl)))

    def put_many(self, items: Mapping[str, str], ttl: float | None = None) -> None:
        pairs = check_items(items)
        ttl = check_ttl(ttl)
        if not pairs:
            return
        self._script(
            "put_many",
            [self._k(k, _VALUE) for k, _ in pairs],
            [_ms(ttl), *(v for _, v in pairs)],
        )

    def put_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._errors("put_if_absent"):
            if ttl is None:
                done = self._redis.set(self._k(key, _VALUE), value, nx=True)
            else:
                done = self._redis.set(self._k(key, _VALUE), value, nx=True, px=int(_ms(ttl)))
        return bool(done)

    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None = None
    ) -> bool:
        check_key(key)
        if expected is not None:
            check_value(expected)
        if value is not None:
            check_value(value)
        ttl = check_ttl(ttl)
        done = self._script(
            "compare_and_set",
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

    def delete(self, key: str) -> bool:
        check_key(key)
        with self._errors("delete"):
            n = self._redis.delete(*(self._k(key, kind) for kind in _KINDS))
        return int(n) > 0

    # ------------------------------------------------------------ logs
    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        check_key(key)
        check_value(entry)
        if expect_version is None:
            with self._errors("append"):
                return int(self._redis.rpush(self._k(key, _LOG), entry))
        check_amount(expect_version, "expect_version")
        if expect_version >= _LUA_INT_MAX:  # no log can be that long
            return None
        version = int(self._script("append_expect", [self._k(key, _LOG)], [entry, expect_version]))
        return version or None

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        check_key(key)
        check_amount(after, "after")
        if limit is not None:
            check_amount(limit, "limit")
            if limit == 0:
                return []
        if after >= _INT64_MAX // 2:
            return []
        stop = -1 if limit is None else min(after + limit - 1, _INT64_MAX // 2)
        with self._errors("read"):
            entries = cast("list[str]", self._redis.lrange(self._k(key, _LOG), after, stop))
        return [(after + i + 1, e) for i, e in enumerate(entries)]

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        keys = check_keys(keys)
        if not keys:
            return []
        (rows,) = self._pipelined(
            "last_many", [("script:last_many", [self._k(k, _LOG) for k in keys], [])]
        )
        return [(int(n), str(e)) if int(n) else None for n, e in rows]

    # ------------------------------------------------------------ recency sets
    def touch(self, key: str, member: str, at: float, window: float) -> int:
        check_key(key)
        check_value(member)
        at, window = check_time(at, window)
        count = self._script(
            "touch",
            [self._k(key, _SET)],
            [member, _num(at), _num(at - window), _ms(max(window, MIN_SET_TTL))],
        )
        return int(count)

    # ------------------------------------------------------------ lifecycle
    def ping(self) -> bool:
        if self._closed:
            return False
        try:
            with self._errors("ping"):
                return bool(self._redis.ping())
        except StorageError:
            return False

    def close(self) -> None:
        """Disconnect the pool. Idempotent; later operations raise StorageError."""
        if self._closed:
            return
        self._closed = True
        if self._pid == os.getpid():
            self._redis.close()
            self._redis.connection_pool.disconnect()

    def flush_namespace(self) -> int:
        """Delete every key under this storage's prefix (tests and resets);
        returns how many Redis keys were removed. Uses ``SCAN``, not ``KEYS``."""
        removed = 0
        with self._errors("flush_namespace"):
            batch: list[str] = []
            for k in self._redis.scan_iter(match=_glob_escape(self._prefix) + "*", count=1000):
                batch.append(k)
                if len(batch) >= 500:
                    removed += int(self._redis.unlink(*batch))
                    batch = []
            if batch:
                removed += int(self._redis.unlink(*batch))
        return removed

    def __enter__(self) -> RedisStorage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        kw = self._redis.get_connection_kwargs()
        where = kw.get("path") or f"{kw.get('host')}:{kw.get('port')}/{kw.get('db', 0)}"
        return f"RedisStorage({where!r}, prefix={self._prefix!r})"


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _redact(uri: str) -> str:
    """The URI without its password, for error messages."""
    try:
        parts = urlsplit(uri)
        if parts.password is None:
            return repr(uri)
        host = parts.hostname or ""
        user = parts.username or ""
        port = f":{parts.port}" if parts.port else ""
        return repr(urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}")))
    except ValueError:
        return "<unparsable URI>"
