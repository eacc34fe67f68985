"""SQLite-specific behaviour: URIs, pragmas, schema versions, errors, GC.

The port's semantics are covered for every backend by ``tests/contract``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    InvalidArgument,
    StorageError,
    StorageUnavailable,
)
from a2p_policy.storage import open_storage, resolve_storage
from a2p_policy.storage import sqlite as sqlite_module
from a2p_policy.storage.base import Storage
from a2p_policy.storage.sqlite import SCHEMA_VERSION, SQLiteStorage

# ------------------------------------------------------------------ URIs


def test_uri_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    with SQLiteStorage.from_uri("sqlite:///data/rel.db") as s:
        s.put("k", "v")
    assert (tmp_path / "data" / "rel.db").exists()  # the file is created, in its folder


@pytest.mark.parametrize("opener", [SQLiteStorage, SQLiteStorage.from_uri, open_storage])
def test_missing_folder_is_refused_not_created(tmp_path: Path, opener: Any) -> None:
    path = tmp_path / "no" / "such" / "dir" / "a2p.db"
    target = path if opener is SQLiteStorage else f"sqlite:///{path}"
    with pytest.raises(ConfigurationError, match="does not exist"):
        opener(target)
    assert not (tmp_path / "no").exists()  # a typo in a path creates nothing


def test_uri_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "abs.db"
    assert str(path).startswith("/")
    s = open_storage(f"sqlite:///{path}")  # sqlite:////tmp/... : four slashes
    assert isinstance(s, SQLiteStorage)
    s.put("k", "v")
    s.close()
    with SQLiteStorage(path) as again:
        assert again.get("k") == "v"  # persisted


def test_uri_memory_is_private() -> None:
    a = open_storage("sqlite:///:memory:")
    b = resolve_storage("sqlite:///:memory:")
    a.put("k", "v")
    assert b.get("k") is None
    assert a.get("k") == "v"
    a.close()
    b.close()


def test_uri_options(tmp_path: Path) -> None:
    with SQLiteStorage.from_uri(f"sqlite:///{tmp_path}/o.db?timeout=0.5&synchronous=full") as s:
        assert s._timeout == 0.5
        assert s._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert s._conn.execute("PRAGMA busy_timeout").fetchone() == (500,)


def test_uri_percent_decoding(tmp_path: Path) -> None:
    with SQLiteStorage.from_uri(f"sqlite:///{tmp_path}/with%20space.db") as s:
        s.put("k", "v")
    assert (tmp_path / "with space.db").exists()


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite://host/file.db",
        "sqlite:x.db",
        "sqlite:/x.db",
        "sqlite:///x.db?timeout=soon",
        "sqlite:///x.db?timeout=-1",
        "sqlite:///x.db?timeout=nan",
        "sqlite:///x.db?synchronous=sometimes",
        "sqlite:///x.db?cache=shared",
        "sqlite:///x.db?timeout",
        "redis:///x.db",
    ],
)
def test_bad_uris(uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidArgument):
        SQLiteStorage.from_uri(uri)
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("arg", [None, 5, b"x.db", "", "a\x00b"])
def test_bad_paths(arg: object) -> None:
    with pytest.raises(InvalidArgument):
        SQLiteStorage(arg)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [-1, float("inf"), "5", True, None])
def test_bad_timeouts(timeout: object) -> None:
    with pytest.raises(InvalidArgument):
        SQLiteStorage(":memory:", timeout=timeout)  # type: ignore[arg-type]


@settings(max_examples=150)
@given(
    uri=st.text(max_size=40).map(lambda t: "sqlite:" + t)
    | st.text(max_size=40).map(lambda t: "sqlite:///" + t)
    | st.text(max_size=40)
)
def test_from_uri_fuzz(uri: str) -> None:
    # never let a generated absolute path touch the real file system
    assume(not uri.lower().startswith("sqlite:////"))
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        with contextlib.suppress(A2PPolicyError):
            SQLiteStorage.from_uri(uri).close()
        created = [p for p in Path(folder).rglob("*") if p.is_file()]
        if not uri.startswith("sqlite:///"):
            assert created == []  # only sqlite:///relative URIs open a file


def test_from_uri_non_string() -> None:
    with pytest.raises(InvalidArgument):
        SQLiteStorage.from_uri(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------ pragmas and schema


def test_wal_and_schema_version(tmp_path: Path) -> None:
    with SQLiteStorage(tmp_path / "s.db") as s:
        assert s._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert s._conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master")}
    assert {"counters", "values", "hashes", "logs", "sets"} <= tables


def test_reopen_does_not_remigrate(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SQLiteStorage(path) as s:
        s.append("log", "a")
    with SQLiteStorage(path) as s:  # CREATE TABLE again would raise
        assert s.read("log") == [(1, "a")]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        SQLiteStorage(path)


def test_not_a_database_is_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not an sqlite file at all" * 100)
    with pytest.raises(StorageError) as info:
        SQLiteStorage(path)
    assert isinstance(info.value.__cause__, sqlite3.Error)


def test_unopenable_path_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    # A file where a folder should be: the folder does not exist.
    with pytest.raises(ConfigurationError):
        SQLiteStorage(blocker / "sub" / "x.db")
    with pytest.raises(StorageError):
        SQLiteStorage(tmp_path)  # a folder where the file should be


# ------------------------------------------------------------------ errors


def test_locked_beyond_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    s = SQLiteStorage(path, timeout=0.1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as info:
            s.reserve("k", 1, 10)
        assert time.monotonic() - started >= 0.09
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
        assert s.get("k") is None  # readers are not blocked (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert s.reserve("k", 1, 10) == (1, 1)  # usable again; nothing half-written
    s.close()


def test_driver_error_is_chained_storage_error(tmp_path: Path) -> None:
    s = SQLiteStorage(tmp_path / "broken.db")
    s._conn.execute("DROP TABLE counters")
    with pytest.raises(StorageError) as info:
        s.reserve("k", 1, 1)
    assert not isinstance(info.value, StorageUnavailable)
    assert isinstance(info.value.__cause__, sqlite3.Error)
    assert not s._conn.in_transaction  # rolled back
    s.close()


def test_closed_storage_raises_storage_error(tmp_path: Path) -> None:
    s = SQLiteStorage(tmp_path / "c.db")
    s.close()
    s.close()
    assert s.ping() is False
    for call in (
        lambda: s.reserve("k", 1, 1),
        lambda: s.get("k"),
        lambda: s.append("k", "e"),
        lambda: s.last_many(["k"]),
        lambda: s.touch("k", "m", 1.0, 1.0),
        s.prune,
    ):
        with pytest.raises(StorageError, match="closed"):
            call()


def test_unencodable_text_is_invalid_argument() -> None:
    with SQLiteStorage() as s:
        for call in (
            lambda: s.put("\ud800", "v"),
            lambda: s.put("k", "\udfff"),
            lambda: s.append("k", "\ud800"),
            lambda: s.get_many(["\ud800"]),
            lambda: s.add_counts("k", {"\ud800": 1}),
        ):
            with pytest.raises(InvalidArgument):
                call()
        assert s.get("k") is None


def test_sixty_four_bit_limits() -> None:
    with SQLiteStorage() as s:
        big = 2**63 - 1
        assert s.reserve("c", 2**80, 2**80) == (big, big)  # limit capped at int64 max
        assert s.release("c", 2**80) == 0
        assert s.add_counts("h", {"a": big}) == {"a": big}
        with pytest.raises(InvalidArgument, match="64-bit"):
            s.add_counts("h", {"a": 1})
        assert s.get_counts(["h"]) == [{"a": big}]  # rolled back
        with pytest.raises(InvalidArgument):
            s.add_counts("h2", {"a": 2**64})
        assert s.read("log", after=2**80, limit=2**80) == []


def test_satisfies_protocol() -> None:
    with SQLiteStorage() as s:
        assert isinstance(s, Storage)
        assert repr(s) == "SQLiteStorage(':memory:')"


# ------------------------------------------------------------------ garbage collection


def test_prune_drops_expired_rows_only(tmp_path: Path) -> None:
    with SQLiteStorage(tmp_path / "gc.db") as s:
        s.reserve("c:old", 1, 5, ttl=0.01)
        s.add_counts("h:old", {"a": 1}, ttl=0.01)
        s.put("v:old", "x", ttl=0.01)
        s.touch("s:old", "m", 1.0, 0.01)
        s.reserve("c:new", 1, 5, ttl=3600)
        s.put("v:new", "x")
        s.append("log", "e")
        time.sleep(0.05)
        # A recency set lives a day past its (logical) window: not pruned yet.
        assert s.prune() == 3
        assert s.prune() == 0
        rows = s._conn.execute(
            "SELECT (SELECT COUNT(*) FROM counters), (SELECT COUNT(*) FROM hashes), "
            '(SELECT COUNT(*) FROM "values"), (SELECT COUNT(*) FROM sets), '
            "(SELECT COUNT(*) FROM logs)"
        ).fetchone()
        assert rows == (1, 0, 1, 1, 1)
        assert s.get_counter("c:new") == 1
        assert s.read("log") == [(1, "e")]


def test_periodic_prune_runs_on_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_module, "_PRUNE_EVERY", 10)
    with SQLiteStorage() as s:
        for i in range(5):
            s.put(f"old:{i}", "x", ttl=0.01)
        time.sleep(0.05)
        for i in range(10):
            s.put(f"new:{i}", "x")
        (n,) = s._conn.execute('SELECT COUNT(*) FROM "values"').fetchone()
        assert n == 10


def test_expired_hash_restarts_on_add(tmp_path: Path) -> None:
    with SQLiteStorage(tmp_path / "h.db") as s:
        s.add_counts("h", {"a": 5, "b": 1}, ttl=0.01)
        time.sleep(0.05)
        assert s.add_counts("h", {"a": 1}) == {"a": 1}
        assert s.delete("h") is True


# ------------------------------------------------------------------ threads and fork


def test_shared_instance_from_another_thread() -> None:
    import threading

    with SQLiteStorage() as s:  # :memory: is one connection shared by threads
        t = threading.Thread(target=lambda: s.put("k", "from-thread"))
        t.start()
        t.join()
        assert s.get("k") == "from-thread"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    s = SQLiteStorage(tmp_path / "fork.db")
    s.put("k", "parent")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            s.put("child", s.get("k") or "missing")
            s.close()
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert s.get("child") == "parent"
    s.close()
