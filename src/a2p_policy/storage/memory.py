"""``memory://``: the in-process storage backend.

Thread-safe (one lock; every operation is atomic), nothing persisted. TTLs
are honoured lazily on this machine's monotonic clock: an expired key reads
as missing and is dropped the next time a sweep runs (every few thousand
writes), so memory stays bounded by the live keys.

Log entries are kept compactly, since a log per contact (the consent
ledger's) is the bulk of a large contact list: a log of one entry is the
entry itself, not a list; entries of ``PACK_MIN`` characters or more are kept
deflated with a preset dictionary of the library's own record vocabulary
(about a third of their size; reading one back costs a microsecond or two);
short ones are interned, so the thousands of identical index entries share
one string. None of it shows through the port: what is read is what was
written.
"""

from __future__ import annotations

import sys
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Final

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

#: Log entries at least this long are stored deflated.
PACK_MIN: Final = 160
#: Log entries at most this long are interned (shared when equal).
_INTERN_MAX: Final = 64
#: Preset deflate dictionary: the field names and enum values the library
#: writes into its logs (consent events, DND audit entries). Changing it only
#: changes how well entries compress, never what they read back as; it must
#: not change while a MemoryStorage holds entries packed with it.
_ZDICT: Final = (
    b'"reason":"STOP","keyword":"STOP","details":"","evidence_url":"https://",'
    b'"ip_address":"","address":"","email":"","name":"","revoked_record":{'
    b'"reinstated_at":"","revoked_at":"","kind":"REVOKE","kind":"REINSTATE",'
    b'"source":"FIRST_PARTY","method":"VERBAL","method":"PAPER_FORM",'
    b'"method":"VIA_TEXT","method":"MOBILE_QR_CODE","scopes":["TWO_FACTOR_AUTHENTICATION",'
    b'"CUSTOMER_CARE","DELIVERY_NOTIFICATIONS","SECURITY_ALERT","FRAUD_ALERT_MESSAGING",'
    b'"ACCOUNT_NOTIFICATIONS","MARKETING"],"express":false,"express":true,'
    b'"source_url":"https://www.","consent_text":"I agree to receive messages from '
    b'","state":{"record":"event","granted_at":"2026-01-01T00:00:00+00:00"}}'
    b'{"format":2,"kind":"GRANT","at":"2026-01-01T00:00:00+00:00","phone":"+1",'
    b'"brand":"","record":{"method":"WEB_FORM","captured_at":"2026-01-01T00:00:00Z",'
)


def _pack(entry: str) -> str | bytes:
    """What a log keeps for ``entry`` (see the module docstring)."""
    if len(entry) < PACK_MIN:
        return sys.intern(entry) if len(entry) <= _INTERN_MAX else entry
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    data = packer.compress(entry.encode("utf-8", "surrogatepass")) + packer.flush()
    # A bytes object costs 16 bytes less than an ASCII str of the same length.
    return data if len(data) < len(entry) else entry


def _unpack(stored: str | bytes) -> str:
    if type(stored) is str:
        return stored
    assert isinstance(stored, bytes)
    unpacker = zlib.decompressobj(-15, _ZDICT)
    return (unpacker.decompress(stored) + unpacker.flush()).decode("utf-8", "surrogatepass")


class MemoryStorage:
    """In-memory :class:`~a2p_policy.storage.base.Storage`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._hashes: dict[str, dict[str, int]] = {}
        self._values: dict[str, str] = {}
        # A log of one entry (most of them: one consent grant per contact) is
        # kept as the bare (packed) entry; a list from the second entry on.
        self._logs: dict[str, str | bytes | list[str | bytes]] = {}
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
            log = self._logs.get(key)
            size = 0 if log is None else len(log) if type(log) is list else 1
            if expect_version is not None and expect_version != size:
                return None
            packed = _pack(entry)
            if log is None:
                self._logs[key] = packed
            elif isinstance(log, list):
                log.append(packed)
            else:
                self._logs[key] = [log, packed]
            self._writes += 1
            return size + 1

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        check_key(key)
        check_amount(after, "after")
        if limit is not None:
            check_amount(limit, "limit")
        with self._lock:
            self._check_open()
            found = self._logs.get(key)
            log = () if found is None else found if isinstance(found, list) else (found,)
            stop = len(log) if limit is None else min(len(log), after + limit)
            return [(i + 1, _unpack(log[i])) for i in range(after, stop)]

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        keys = check_keys(keys)
        with self._lock:
            self._check_open()
            get = self._logs.get
            out: list[LogEntry | None] = []
            for k in keys:
                log = get(k)
                if log is None:
                    out.append(None)
                elif type(log) is str:
                    out.append((1, log))
                elif isinstance(log, list):
                    out.append((len(log), _unpack(log[-1])))
                else:
                    out.append((1, _unpack(log)))
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
