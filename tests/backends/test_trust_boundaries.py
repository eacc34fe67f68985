"""Trust boundaries of the backends (issue 14): what comes back from a store
or from a URI is checked before it is used.

* malformed stored values raise ``StorageError`` naming the key, and a
  corrupted counter never grants (fail closed);
* secrets never reach an error, a ``repr`` or a log line;
* Redis URIs are refused when their database or timeouts are not numbers,
  ``ping`` never raises, and ``flush_namespace`` deletes its own namespace only;
* an unreachable PostgreSQL fails fast, once, without log lines.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.servers import postgres_backend, redis_backend, shared_redis_uri

from a2p_policy._errors import ConfigurationError, InvalidArgument, StorageError, StorageUnavailable
from a2p_policy.storage import open_storage
from a2p_policy.storage import uri as uri_module
from a2p_policy.storage.backend import StorageBackend, stored_count, stored_counter
from a2p_policy.storage.base import MAX_INT, Storage
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.storage.sqlite import SQLiteStorage
from a2p_policy.storage.uri import redact_uri

# ------------------------------------------------------------------ redaction


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("postgresql://app:s3cret@db/app", "postgresql://app:***@db/app"),
        ("postgress://app:s3cret@db/app", "postgress://app:***@db/app"),
        ("redis://:s3cret@10.0.0.5:6379/0?prefix=a:", "redis://:***@10.0.0.5:6379/0?prefix=a:"),
        ("redis://user@host/0", "redis://user@host/0"),
        ("redis://:s3/cret@host/0", "redis://:***@host/0"),
        ("postgresql://app:s3@cr:et@db/app?x=a@b", "postgresql://app:***@db/app?x=a@b"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("sqlite:////var/lib/a2p.db", "sqlite:////var/lib/a2p.db"),
        ("postgresql://db/app?password=s3cret&sslmode=require", None),
        ("host=db user=app password=s3cret dbname=app", "host=db user=app password=*** dbname=app"),
    ],
)
def test_redact_uri(uri: str, shown: str | None) -> None:
    out = redact_uri(uri)
    assert "s3cret" not in out
    if shown is not None:
        assert out == shown


@given(
    password=st.text(
        st.characters(codec="ascii", categories=["L", "N"]) | st.sampled_from("@:/%!"), min_size=6
    ),
    user=st.sampled_from(["app", "", "a.b"]),
    scheme=st.sampled_from(["postgresql", "redis", "rediss", "foo"]),
)
def test_redacted_uri_never_shows_the_password(password: str, user: str, scheme: str) -> None:
    secret = "Zq" + password
    uri = f"{scheme}://{user}:{secret}@db.example:5432/app"
    assert secret not in redact_uri(uri)
    assert "***" in redact_uri(uri)


def test_unknown_scheme_error_is_redacted() -> None:
    with pytest.raises(InvalidArgument) as info:
        open_storage("postgress://app:s3cret@db/app")
    assert "s3cret" not in str(info.value)
    assert "postgress://app:***@db/app" in str(info.value)


# ------------------------------------------------------------------ stored numbers


@given(st.integers())
def test_stored_counter_accepts_exactly_the_valid_range(n: int) -> None:
    for raw in (n, str(n)):
        if 0 <= n <= MAX_INT:
            assert stored_counter("k", raw) == n
        else:
            with pytest.raises(StorageError, match="'k'"):
                stored_counter("k", raw)


@pytest.mark.parametrize("raw", [1.5, "1.5", "abc", "", None, True, b"\xff", "1e3", " 1", [1], "٣"])
def test_stored_numbers_refuse_garbage(raw: object) -> None:
    with pytest.raises(StorageError, match="'key:1'"):
        stored_counter("key:1", raw)
    with pytest.raises(StorageError, match="'key:1'"):
        stored_count("key:1", "f", raw)


# ------------------------------------------------------------------ base class


def test_backend_registers_its_scheme_on_the_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uri_module, "_REGISTRY", dict(uri_module._REGISTRY))

    class TrialStorage(MemoryStorage):
        schemes = ("a2ptrial",)

    opened = open_storage("a2ptrial://")
    assert isinstance(opened, TrialStorage)
    assert repr(opened) == "TrialStorage()"


def test_ping_is_false_on_any_failure() -> None:
    class Broken(MemoryStorage):
        def _ping(self) -> bool:
            raise OSError("no route to host")

    s = Broken()
    assert s.ping() is False
    s.close()
    assert s.ping() is False


def test_base_class_validates_before_the_backend_runs() -> None:
    calls: list[str] = []

    class Spy(StorageBackend):
        def _get(self, key: str) -> str | None:
            calls.append(key)
            return None

    s = Spy()
    with pytest.raises(InvalidArgument):
        s.get("")
    assert calls == []
    assert s.get("k") is None
    assert calls == ["k"]
    s.close()
    with pytest.raises(StorageError, match="closed"):
        s.get("k")
    with Spy() as t:
        assert isinstance(t, Storage)


# ------------------------------------------------------------------ corrupted stores

#: (description, write the garbage, operation expected to raise StorageError)
_CORRUPT_COUNTER = ["abc", "-1000", "1.5", "1e3", ""]


@pytest.fixture
def sqlite_raw(tmp_path: Path) -> Iterator[tuple[SQLiteStorage, sqlite3.Connection]]:
    """The backend and a raw connection to its file, both closed after the
    test (unclosed connections warn on CPython 3.13)."""
    s = SQLiteStorage(tmp_path / "c.db")
    raw = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    yield s, raw
    s.close()
    raw.close()


@pytest.mark.parametrize("garbage", ["abc", "", "-1000", "1.5", -1000, 1.5, b"\x00", 2**63 - 1])
def test_sqlite_corrupt_counter_never_grants(
    sqlite_raw: tuple[SQLiteStorage, sqlite3.Connection], garbage: object
) -> None:
    s, raw = sqlite_raw
    raw.execute("INSERT INTO counters (key, value) VALUES ('ramp:a', ?)", (garbage,))
    (garbage,) = raw.execute("SELECT value FROM counters WHERE key = 'ramp:a'").fetchone()
    if garbage == 2**63 - 1:  # valid (and full): grants nothing, never wraps around
        assert s.reserve("ramp:a", 50, 2**63 - 1) == (0, 2**63 - 1)
        return
    for call in (
        lambda: s.reserve("ramp:a", 50, 49),
        lambda: s.release("ramp:a", 1),
        lambda: s.get_counter("ramp:a"),
    ):
        with pytest.raises(StorageError, match="ramp:a"):
            call()
    (value,) = raw.execute("SELECT value FROM counters WHERE key = 'ramp:a'").fetchone()
    assert value == garbage  # nothing was granted or rewritten


@pytest.mark.parametrize("garbage", ["abc", 1.5, b"x", "12"])
def test_sqlite_corrupt_hash_field(
    sqlite_raw: tuple[SQLiteStorage, sqlite3.Connection], garbage: object
) -> None:
    s, raw = sqlite_raw
    s.add_counts("h", {"n": 1})
    raw.execute("UPDATE hashes SET value = ? WHERE key = 'h'", (garbage,))
    if garbage == "12":  # SQLite's INTEGER affinity stores it as the number 12
        assert s.get_counts(["h"]) == [{"n": 12}]
        return
    with pytest.raises(StorageError, match="'h'"):
        s.get_counts(["h"])
    with pytest.raises(StorageError, match="'h'"):
        s.add_counts("h", {"n": 1})


def test_sqlite_corrupt_values_and_entries(
    sqlite_raw: tuple[SQLiteStorage, sqlite3.Connection],
) -> None:
    s, raw = sqlite_raw
    raw.execute("""INSERT INTO "values" (key, value) VALUES ('blob', x'00ff')""")
    raw.execute("""INSERT INTO "values" (key, value) VALUES ('utf', CAST(x'ff' AS TEXT))""")
    raw.execute("INSERT INTO logs (key, version, entry) VALUES ('log', 1, x'05')")
    with pytest.raises(StorageError, match="blob"):
        s.get("blob")
    with pytest.raises(StorageError):
        s.get_many(["ok", "utf"])
    with pytest.raises(StorageError, match="log"):
        s.read("log")
    with pytest.raises(StorageError, match="log"):
        s.last_many(["log"])


@pytest.fixture
def redis_store(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    import redis

    s = redis_backend(tmp_path)
    raw = redis.Redis.from_url(shared_redis_uri())
    yield s, raw
    s.close()
    raw.close()


@pytest.mark.redis
@pytest.mark.parametrize("garbage", _CORRUPT_COUNTER)
def test_redis_corrupt_counter_never_grants(redis_store: Any, garbage: str) -> None:
    from a2p_policy.storage.redis import redis_key

    s, raw = redis_store
    rk = redis_key(s._prefix, "ramp:a", "#c")
    raw.set(rk, garbage)
    calls: list[Callable[[], object]] = [
        lambda: s.reserve("ramp:a", 50, 49),
        lambda: s.release("ramp:a", 1),
        lambda: s.get_counter("ramp:a"),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="ramp:a"):
            call()
    assert raw.get(rk) == garbage.encode()


@pytest.mark.redis
@pytest.mark.parametrize("garbage", ["abc", "1.5"])
def test_redis_corrupt_hash_field(redis_store: Any, garbage: str) -> None:
    from a2p_policy.storage.redis import redis_key

    s, raw = redis_store
    s.add_counts("h", {"n": 1})
    raw.hset(redis_key(s._prefix, "h", "#h"), "n", garbage)
    with pytest.raises(StorageError, match="'h'"):
        s.get_counts(["h"])
    with pytest.raises(StorageError, match="'h'"):
        s.add_counts("h", {"n": 1})


@pytest.mark.redis
def test_redis_invalid_utf8_is_storage_error(redis_store: Any) -> None:
    from a2p_policy.storage.redis import redis_key

    s, raw = redis_store
    raw.set(redis_key(s._prefix, "v", "#v"), b"\xff\xfe")
    raw.rpush(redis_key(s._prefix, "l", "#l"), b"\xc3")
    with pytest.raises(StorageError, match="'v'"):
        s.get("v")
    with pytest.raises(StorageError):
        s.get_many(["v", "w"])
    with pytest.raises(StorageError, match="'l'"):
        s.read("l")
    with pytest.raises(StorageError):
        s.last_many(["l"])
    s.put("fine", "ok")  # the connection is still usable
    assert s.get("fine") == "ok"


@pytest.mark.postgres
def test_postgres_corrupt_counter_and_counts(tmp_path: Path) -> None:
    s: Any = postgres_backend(tmp_path)
    try:
        s.reserve("ramp:a", 1, 10)
        s.add_counts("h", {"n": 1})
        with s._pool.connection() as conn:
            conn.execute("UPDATE a2p_counters SET value = -1000")
            conn.execute("""UPDATE a2p_hashes SET fields = '{"n": 1.5}'""")
        calls: list[Callable[[], object]] = [
            lambda: s.reserve("ramp:a", 50, 49),
            lambda: s.release("ramp:a", 1),
            lambda: s.get_counter("ramp:a"),
        ]
        for call in calls:
            with pytest.raises(StorageError, match="ramp:a"):
                call()
        with s._pool.connection() as conn:
            assert conn.execute("SELECT value FROM a2p_counters").fetchone()[0] == -1000
            conn.execute("""UPDATE a2p_hashes SET fields = '{"n": "abc"}'""")
        with pytest.raises(StorageError, match="'h'"):
            s.get_counts(["h"])
        with pytest.raises(StorageError, match="'h'"):
            s.add_counts("h", {"n": 1})
    finally:
        s.close()


# ------------------------------------------------------------------ Redis URIs


@pytest.mark.parametrize(
    "uri",
    [
        "redis://127.0.0.1:1/abc",
        "redis://127.0.0.1:1/0?db=x",
        *(
            f"redis://:hunter2@127.0.0.1:1/0?{name}={bad}"
            for name in ("socket_timeout", "socket_connect_timeout")
            for bad in ("-1", "0", "nan", "inf", "abc", "")
        ),
    ],
)
def test_redis_bad_uri_refused_at_open(uri: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        open_storage(uri)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    "uri",
    [
        "redis://127.0.0.1:1/0?socket_connect_timeout=0.5",
        "rediss://127.0.0.1:1/0?socket_connect_timeout=0.5",
        "unix:///no/such/redis.sock",
        "redis://:hunter2@127.0.0.1:1/3",
    ],
)
def test_redis_ping_never_raises(uri: str) -> None:
    from a2p_policy.storage.redis import RedisStorage

    s = RedisStorage.from_uri(uri)
    try:
        assert s.ping() is False
        assert "hunter2" not in repr(s)
    finally:
        s.close()
    assert s.ping() is False


@pytest.mark.redis
@pytest.mark.parametrize(
    ("mine", "others"),
    [
        ("shop", ["shop2", "shop:", "sho"]),
        ("a2p:", ["a2p:staging:", "a2p", "a2p:x:"]),
        ("s*[?]\\", ["s", "sX[?]\\", "s*[?]\\2"]),
    ],
)
def test_redis_flush_namespace_deletes_only_its_own(
    tmp_path: Path, mine: str, others: list[str]
) -> None:
    from urllib.parse import quote

    from a2p_policy.storage.redis import RedisStorage

    base = shared_redis_uri()
    run = tmp_path.name[-12:]
    stores = {
        p: RedisStorage.from_uri(f"{base}?prefix={quote(run + p, safe='')}")
        for p in [mine, *others]
    }
    try:
        for st_ in stores.values():
            st_.put("k", "v")
            st_.reserve("c", 1, 5)
        assert stores[mine].flush_namespace() == 2
        assert stores[mine].get("k") is None
        for p in others:
            assert stores[p].get("k") == "v", p
            assert stores[p].get_counter("c") == 1, p
    finally:
        for st_ in stores.values():
            st_.flush_namespace()
            st_.close()


# ------------------------------------------------------------------ PostgreSQL opening


def test_postgres_unreachable_fails_fast_once_without_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("psycopg_pool")
    caplog.set_level(logging.DEBUG)
    start = time.monotonic()
    with pytest.raises(StorageUnavailable) as info:
        open_storage("postgresql://app:s3cret@127.0.0.1:1/app?connect_timeout=2")
    assert time.monotonic() - start < 3
    message = str(info.value)
    assert "s3cret" not in message
    assert "postgresql://app:***@127.0.0.1:1/app" in message
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "nan", "inf"])
def test_postgres_connect_timeout_validated(bad: str) -> None:
    pytest.importorskip("psycopg_pool")
    with pytest.raises(ConfigurationError):
        open_storage(f"postgresql://u@127.0.0.1:1/db?connect_timeout={bad}")


# ------------------------------------------------------------------ SQLite keys with NUL


@pytest.mark.parametrize("op", ["get_many", "last_many", "get_counts"])
def test_sqlite_nul_keys_in_bulk_reads(tmp_path: Path, op: str) -> None:
    s = SQLiteStorage(tmp_path / "nul.db")
    a, b = "dnd:acct\x00x:+1", "dnd:acct"  # json_each used to cut the first at the NUL
    s.put(a, "PERMANENT")
    s.append(a, "PERMANENT")
    s.add_counts(a, {"n": 1})
    read: Callable[[list[str]], list[Any]] = getattr(s, op)
    got = read([a, b])
    assert got[0]
    assert not got[1]
    s.close()


@pytest.mark.redis
@pytest.mark.parametrize("ttl", [1e300, 1.7976931348623157e308, 2.0**53, 9.3e15])
def test_redis_huge_ttls_are_capped_not_crashing(tmp_path: Path, ttl: float) -> None:
    s = redis_backend(tmp_path)
    try:
        s.put("k", "v", ttl=ttl)
        assert s.compare_and_set("k", "v", "w", ttl=ttl) is True
        assert s.reserve("c", 1, 5, ttl=ttl) == (1, 1)
        assert s.add_counts("h", {"n": 1}, ttl=ttl) == {"n": 1}
        s.put_many({"a": "1"}, ttl=ttl)
        assert s.get_many(["k", "a"]) == ["w", "1"]
    finally:
        s.close()
