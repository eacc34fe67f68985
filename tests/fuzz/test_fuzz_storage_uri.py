"""Fuzz: storage URIs. ``open_storage`` refuses a bad URI quickly with
ValueError / A2PPolicyError, never touches the network, and never repeats a
password. Only ``memory://`` and ``sqlite://`` inside a temporary directory
are really opened; for SQLite (elsewhere), Redis and PostgreSQL URIs the
backends' ``from_uri`` parsing runs with the constructor replaced, so
nothing is created or connected."""

from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.fuzz._hostile import ALLOWED_ERRORS, any_value, fuzz, hostile_text, wrong_type

from a2p_policy.storage import open_storage
from a2p_policy.storage.base import Storage
from a2p_policy.storage.postgres import PostgresStorage
from a2p_policy.storage.redis import RedisStorage
from a2p_policy.storage.sqlite import SQLiteStorage

_SCHEMES = [
    "memory",
    "sqlite",
    "redis",
    "rediss",
    "unix",
    "postgresql",
    "postgres",
    "postgress",
    "SQLITE",
    "http",
    "",
    "a2p+redis",
]
_QUERY_NAMES = [
    "prefix",
    "timeout",
    "synchronous",
    "socket_timeout",
    "max_connections",
    "db",
    "schema",
    "min_size",
    "max_size",
    "pool_timeout",
    "migrate",
    "connect_timeout",
    "sslmode",
]
_query_values = st.one_of(
    st.sampled_from(["", "0", "-1", "1e309", "nan", "inf", "abc", "true", "9" * 400, "x:{}"]),
    hostile_text(12),
)


def _quote(text: str, safe: str = "") -> str:
    """Percent-encode any text, lone surrogates included (as their bytes)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe=safe)


_ATTEMPTS: list[str] = []


def _refuse_network(*args: Any, **kwargs: Any) -> Any:
    _ATTEMPTS.append(repr(args)[:200])
    raise OSError("network access refused in the fuzz suite")


@pytest.fixture(autouse=True, scope="module")
def no_network() -> Iterator[None]:
    """Every socket connection or name lookup in this module is refused and
    recorded; each test asserts none was attempted."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(socket.socket, "connect", _refuse_network))
        stack.enter_context(mock.patch.object(socket.socket, "connect_ex", _refuse_network))
        stack.enter_context(mock.patch.object(socket, "getaddrinfo", _refuse_network))
        stack.enter_context(mock.patch.object(socket, "create_connection", _refuse_network))
        yield


class _Opened(Exception):
    """Raised by the stand-in constructors: parsing accepted the URI."""


def _stand_in(self: Any, *args: Any, **kwargs: Any) -> None:
    raise _Opened(args, kwargs)


@contextlib.contextmanager
def _parse_only() -> Iterator[None]:
    """Backends' ``from_uri`` parse, but their constructors open nothing."""
    with contextlib.ExitStack() as stack:
        for cls in (SQLiteStorage, PostgresStorage, RedisStorage):
            stack.enter_context(mock.patch.object(cls, "__init__", _stand_in))
        yield


def _uri() -> st.SearchStrategy[str]:
    netloc = st.one_of(
        st.just(""),
        st.just("localhost"),
        st.just("user:pw@db.internal:5432"),
        st.just("[::1]:6379"),
        st.just("h:99999"),
        st.just("h:-1"),
        hostile_text(20).map(lambda t: _quote(t, safe="@:[]")),
        hostile_text(20),
    )
    path = st.one_of(
        st.just(""), st.just("/0"), st.just("/abc"), st.just("/:memory:"), hostile_text(20)
    )
    query = st.lists(st.tuples(st.sampled_from(_QUERY_NAMES), _query_values), max_size=3).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
    )
    return st.one_of(
        st.builds(
            lambda scheme, sep, n, p, q: f"{scheme}{sep}{n}{p}" + (f"?{q}" if q else ""),
            st.sampled_from(_SCHEMES),
            st.sampled_from(["://", ":/", ":", "://///"]),
            netloc,
            path,
            query,
        ),
        hostile_text(60),
    )


@fuzz()
@given(uri=st.one_of(_uri(), wrong_type()))
@example(uri="postgress://app:s3cret@db/app")
def test_open_storage_parses_or_refuses(uri: Any) -> None:
    with _parse_only():
        try:
            storage = open_storage(uri)
        except _Opened:
            storage = None
        except ALLOWED_ERRORS:
            storage = None
    if storage is not None:  # memory:// is the only backend really opened here
        assert isinstance(storage, Storage)
        storage.close()
    assert not _ATTEMPTS, _ATTEMPTS


_SECRET = "Zq7Secret9Xk"


@fuzz(0.5)
@given(
    scheme=st.sampled_from(_SCHEMES),
    host=st.sampled_from(["db", "h:99999", "[::1", "localhost:0"]),
    rest=st.one_of(st.just("/app"), hostile_text(10).map(lambda t: "/" + _quote(t))),
    query=st.sampled_from(["", "?pool_timeout=abc", "?timeout=x", "?bogus=1", "?min_size=-5"]),
)
@example(scheme="postgress", host="db", rest="/app", query="")
@example(scheme="sqlite", host="db", rest="/app", query="")
def test_errors_never_repeat_the_password(scheme: str, host: str, rest: str, query: str) -> None:
    uri = f"{scheme}://app:{_SECRET}@{host}{rest}{query}"
    with _parse_only():
        message = ""
        try:
            open_storage(uri)
        except _Opened:
            return
        except ALLOWED_ERRORS as exc:
            message = f"{exc} {exc.args!r}"
    assert _SECRET not in message, message


def _safe_name() -> st.SearchStrategy[str]:
    """One hostile file name that stays inside its directory once unquoted."""
    return hostile_text(40).filter(
        lambda n: (
            "/" not in n
            and "\\" not in n
            and n.strip(".") != ""
            and n != ":memory:"
            and len(n.encode("utf-8", "surrogatepass")) < 200
        )
    )


@fuzz(0.15)
@given(
    name=_safe_name(),
    query=st.lists(
        st.tuples(st.sampled_from(["timeout", "synchronous", "bogus"]), _query_values), max_size=2
    ).map(lambda pairs: "&".join(f"{_quote(k)}={_quote(v)}" for k, v in pairs)),
)
def test_sqlite_opens_inside_a_temporary_directory(name: str, query: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        quoted = _quote(name)
        uri = f"sqlite:///{tmp}/{quoted}" + (f"?{query}" if query else "")
        try:
            storage = open_storage(uri)
        except ALLOWED_ERRORS:
            return
        try:
            assert storage.ping()
            storage.put("k", "v")
            assert storage.get("k") == "v"
        finally:
            storage.close()
        created = list(Path(tmp).iterdir())
        assert created, "the database file was created in the temporary directory"
    assert not _ATTEMPTS, _ATTEMPTS


def test_sqlite_refuses_a_missing_directory(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/no/such/dir/a2p.db"
    with pytest.raises(ALLOWED_ERRORS):
        open_storage(uri).close()
    assert not (tmp_path / "no").exists()


@fuzz(0.3)
@given(uri=any_value())
def test_backend_from_uri_refuses_other_values(uri: Any) -> None:
    for cls in (SQLiteStorage, PostgresStorage, RedisStorage):
        with _parse_only(), contextlib.suppress(_Opened, *ALLOWED_ERRORS):
            cls.from_uri(uri)
    assert not _ATTEMPTS, _ATTEMPTS
