"""Unit tests of the server backends' own pieces: key layout, text escaping,
URI options, migrations, script reloading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.servers import postgres_backend, redis_backend

from a2p_policy._errors import InvalidArgument, StorageError
from a2p_policy.storage import open_storage
from a2p_policy.storage.postgres import (
    PostgresStorage,
    _dec,
    _enc,
    migration_sql,
    migrations,
    schema_version,
)
from a2p_policy.storage.redis import RedisStorage, redis_key


def test_redis_hash_tag_is_first_three_parts() -> None:
    assert redis_key("a2p:", "ramp:count:acme:2026-01-05", "#c") == (
        "a2p:{ramp:count:acme}:2026-01-05#c"
    )
    assert redis_key("a2p:", "engine:conv:acme:+1415:+1416", "#v") == (
        "a2p:{engine:conv:acme}:+1415:+1416#v"
    )
    assert redis_key("p:", "dnd:acme", "#v") == "p:{dnd:acme}#v"
    assert redis_key("p:", "k", "#l") == "p:{k}#l"


@given(st.text(min_size=1, max_size=40))
def test_redis_keys_of_one_port_key_share_a_slot(key: str) -> None:
    from redis.crc import key_slot

    slots = {key_slot(redis_key("a2p:", key, kind).encode("utf-8", "surrogatepass")) for kind
             in ("#c", "#v", "#h", "#l", "#s")}  # fmt: skip
    assert len(slots) == 1


@given(st.text())
def test_postgres_text_escaping_round_trips_and_drops_nul(text: str) -> None:
    encoded = _enc(text)
    assert "\x00" not in encoded
    assert _dec(encoded) == text


@given(st.text(), st.text())
def test_postgres_text_escaping_is_injective(a: str, b: str) -> None:
    assert (_enc(a) == _enc(b)) == (a == b)


def test_migrations_are_numbered_and_printable() -> None:
    found = migrations()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    assert schema_version() == len(found)
    sql = migration_sql()
    assert sql.count("BEGIN;") == len(found) == sql.count("COMMIT;")
    for table in ("a2p_counters", "a2p_values", "a2p_hashes", "a2p_logs", "a2p_sets"):
        assert f"CREATE TABLE IF NOT EXISTS {table}" in sql
    assert "INSERT INTO a2p_schema_migrations" in sql


@pytest.mark.parametrize(
    "uri",
    [
        "redis://127.0.0.1:1/0?socket_timeout=abc",
        "redis://127.0.0.1:1/0?prefix={x}",
        "postgresql://u@127.0.0.1:1/db?schema=Bad-Name",
        "postgresql://u@127.0.0.1:1/db?max_size=x",
        "postgresql://u@127.0.0.1:1/db?min_size=5&max_size=2",
        "postgresql://u@127.0.0.1:1/db?migrate=perhaps",
        "postgresql://u@127.0.0.1:1/db?pool_timeout=0",
    ],
)
def test_bad_uri_options_raise_invalid_argument(uri: str) -> None:
    with pytest.raises(InvalidArgument):
        open_storage(uri)


def test_redis_unreachable_is_storage_unavailable() -> None:
    s = open_storage("redis://127.0.0.1:1/0?socket_connect_timeout=1")
    try:
        assert s.ping() is False
        with pytest.raises(StorageError, match="unreachable"):
            s.reserve("k", 1, 1)
    finally:
        s.close()


def test_postgres_unreachable_is_storage_unavailable() -> None:
    with pytest.raises(StorageError, match="unavailable"):
        open_storage("postgresql://u:secret@127.0.0.1:1/db?pool_timeout=0.5&min_size=0")


def test_password_not_in_redis_error() -> None:
    with pytest.raises(InvalidArgument) as info:
        open_storage("redis://user:hunter2@127.0.0.1:1/0?max_connections=x")
    assert "hunter2" not in str(info.value)


@pytest.mark.redis
def test_redis_scripts_reload_after_script_flush(tmp_path: Path) -> None:
    s = redis_backend(tmp_path)
    assert isinstance(s, RedisStorage)
    try:
        assert s.reserve("k", 2, 5) == (2, 2)
        s.append("log", "a")
        s._redis.script_flush()
        assert s.reserve("k", 2, 5) == (2, 4)  # EVALSHA -> NOSCRIPT -> reload
        s._redis.script_flush()
        assert s.last_many(["log", "none"]) == [(1, "a"), None]  # pipelined reload
        assert s.flush_namespace() >= 2
        assert s.get_counter("k") == 0
    finally:
        s.close()


@pytest.mark.postgres
def test_postgres_migrations_apply_once_and_prune(tmp_path: Path) -> None:
    s = postgres_backend(tmp_path)
    assert isinstance(s, PostgresStorage)
    try:
        assert s.apply_migrations() == []  # already applied on open
        s.put("old", "x", ttl=0.01)
        s.reserve("c", 1, 5, ttl=0.01)
        s.put("keep", "y")
        import time

        time.sleep(0.05)
        assert s.prune() == 2
        assert s.get("keep") == "y"
    finally:
        s.close()


@pytest.mark.redis
def test_redis_empty_add_counts_creates_a_deletable_hash(tmp_path: Path) -> None:
    """Like the memory backend: add_counts({}) creates the (empty) hash."""
    s = redis_backend(tmp_path)
    try:
        assert s.add_counts("h", {}) == {}
        assert s.get_counts(["h"]) == [{}]
        assert s.add_counts("h", {"a": 2}, ttl=60) == {"a": 2}
        assert s.get_counts(["h"]) == [{"a": 2}]
        assert s.delete("h") is True
        assert s.delete("h") is False
    finally:
        s.close()
