"""``memory://``: the in-process storage backend.

Thread-safe (one lock; every operation is atomic), nothing persisted. TTLs
are honoured lazily on this machine's monotonic clock: an expired key reads
as missing and is dropped the next time a sweep runs (every few thousand
writes), so memory stays bounded by the live keys.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence

from a2p_policy.errors import StorageError
from a2p_policy.storage.base import (
    MAX_KEY_LENGTH,
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

__all__ = ["MemoryStorage"]

_SWEEP_EVERY = 4096


class MemoryStorage:
    """In-memory :class:`~a2p_policy.storage.base.Storage`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._hashes: dict[str, dict[str, int]] = {}
        self._values: dict[str, str] = {}
        self._logs: dict[str, list[str]] = {}
        self._sets: dict[str, dict[str, float]] = {}
        self._expiry: dict[str, float] = {}
        self._writes = 0
        self._closed = False

    # ------------------------------------------------------------ helpers
    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("storage is closed")

    def _expire(self, key: str, ttl: float | None) -> None:
        if ttl is not None:
            self._expiry[key] = time.monotonic() + ttl
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0 and self._expiry:
            self._sweep()

    def _sweep(self) -> None:
        now = time.monotonic()
        dead = [k for k, t in self._expiry.items() if t <= now]
        for k in dead:
            self._drop(k)

    def _drop(self, key: str) -> bool:
        found = False
        for table in (self._counters, self._hashes, self._values, self._logs, self._sets):
            if table.pop(key, None) is not None:
                found = True
        self._expiry.pop(key, None)
        return found

    def _live(self, key: str) -> None:
        exp = self._expiry.get(key)
        if exp is not None and exp <= time.monotonic():
            self._drop(key)

    # ------------------------------------------------------------ counters
    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        # Hot path: the common argument types are checked inline; anything
        # else goes through the shared checks (same answers, same errors).
        if type(key) is not str or not key or len(key) > MAX_KEY_LENGTH:
            check_key(key)
        if type(amount) is not int or amount < 0:
            check_amount(amount)
        if type(limit) is not int or limit < 0:
            check_amount(limit, "limit")
        if ttl is not None and not (type(ttl) is float and ttl > 0):
            ttl = check_ttl(ttl)
        with self._lock:
            if self._closed:
                raise StorageError("storage is closed")
            exp = self._expiry.get(key)
            if exp is not None and exp <= time.monotonic():
                self._drop(key)
            used = self._counters.get(key, 0)
            granted = min(amount, max(0, limit - used))
            if granted:
                used += granted
                self._counters[key] = used
                self._expire(key, ttl)
            return granted, used

    def release(self, key: str, amount: int) -> int:
        check_key(key)
        check_amount(amount)
        with self._lock:
            self._check_open()
            self._live(key)
            used = max(0, self._counters.get(key, 0) - amount)
            if key in self._counters:
                self._counters[key] = used
            return used

    def get_counter(self, key: str) -> int:
        check_key(key)
        with self._lock:
            self._check_open()
            self._live(key)
            return self._counters.get(key, 0)

    def add_counts(
        self, key: str, deltas: Mapping[str, int], ttl: float | None = None
    ) -> dict[str, int]:
        check_key(key)
        ttl = check_ttl(ttl)
        items = check_deltas(deltas)
        with self._lock:
            self._check_open()
            self._live(key)
            if not items:
                # Nothing to add creates nothing (as in every other backend).
                return dict(self._hashes.get(key, {}))
            h = self._hashes.setdefault(key, {})
            for field, delta in items:
                h[field] = h.get(field, 0) + delta
            self._expire(key, ttl)
            return dict(h)

    def get_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        keys = check_keys(keys)
        with self._lock:
            self._check_open()
            out = []
            for k in keys:
                self._live(k)
                out.append(dict(self._hashes.get(k, {})))
            return out

    # ------------------------------------------------------------ values
    def get(self, key: str) -> str | None:
        check_key(key)
        with self._lock:
            self._check_open()
            self._live(key)
            return self._values.get(key)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        keys = check_keys(keys)
        with self._lock:
            if self._closed:
                raise StorageError("storage is closed")
            expiry = self._expiry
            if expiry:
                now = time.monotonic()
                for k in keys:
                    exp = expiry.get(k)
                    if exp is not None and exp <= now:
                        self._drop(k)
            return list(map(self._values.get, keys))

    def put(self, key: str, value: str, ttl: float | None = None) -> None:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._lock:
            self._check_open()
            self._values[key] = value
            if ttl is None:
                self._expiry.pop(key, None)
            self._expire(key, ttl)

    def put_many(self, items: Mapping[str, str], ttl: float | None = None) -> None:
        pairs = check_items(items)
        ttl = check_ttl(ttl)
        with self._lock:
            self._check_open()
            for key, value in pairs:
                self._values[key] = value
                if ttl is None:
                    self._expiry.pop(key, None)
                self._expire(key, ttl)

    def put_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        with self._lock:
            self._check_open()
            self._live(key)
            if key in self._values:
                return False
            self._values[key] = value
            self._expire(key, ttl)
            return True

    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None = None
    ) -> bool:
        check_key(key)
        if expected is not None:
            check_value(expected)
        if value is not None:
            check_value(value)
        ttl = check_ttl(ttl)
        with self._lock:
            self._check_open()
            self._live(key)
            if self._values.get(key) != expected:
                return False
            if value is None:
                self._values.pop(key, None)
                self._expiry.pop(key, None)
            else:
                self._values[key] = value
                if ttl is None:
                    self._expiry.pop(key, None)
                self._expire(key, ttl)
            return True

    def delete(self, key: str) -> bool:
        check_key(key)
        with self._lock:
            self._check_open()
            self._live(key)
            return self._drop(key)

    # ------------------------------------------------------------ logs
    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        check_key(key)
        check_value(entry)
        if expect_version is not None:
            check_amount(expect_version, "expect_version")
        with self._lock:
            self._check_open()
            log = self._logs.setdefault(key, [])
            if expect_version is not None and expect_version != len(log):
                if not log:
                    del self._logs[key]
                return None
            log.append(entry)
            self._writes += 1
            return len(log)

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        check_key(key)
        check_amount(after, "after")
        if limit is not None:
            check_amount(limit, "limit")
        with self._lock:
            self._check_open()
            log = self._logs.get(key, ())
            stop = len(log) if limit is None else min(len(log), after + limit)
            return [(i + 1, log[i]) for i in range(after, stop)]

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        keys = check_keys(keys)
        with self._lock:
            self._check_open()
            get = self._logs.get
            out: list[LogEntry | None] = []
            for k in keys:
                log = get(k)
                out.append((len(log), log[-1]) if log else None)
            return out

    # ------------------------------------------------------------ recency sets
    def touch(self, key: str, member: str, at: float, window: float) -> int:
        check_key(key)
        check_value(member)
        at, window = check_time(at, window)
        with self._lock:
            self._check_open()
            self._live(key)
            members = self._sets.setdefault(key, {})
            members[member] = max(at, members.get(member, at))
            cutoff = at - window
            for m in [m for m, t in members.items() if t <= cutoff]:
                del members[m]
            self._expire(key, touch_ttl(window))
            return len(members)

    # ------------------------------------------------------------ lifecycle
    def ping(self) -> bool:
        return not self._closed

    def close(self) -> None:
        self._closed = True

    def __repr__(self) -> str:
        return "MemoryStorage()"
