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
from collections.abc import Sequence
from typing import Final

from a2p_policy.storage.backend import StorageBackend, add_to_count
from a2p_policy.storage.base import CommitPlan, Committed, LogEntry, Snapshot, touch_ttl

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


class MemoryStorage(StorageBackend):
    """In-memory :class:`~a2p_policy.storage.base.Storage`."""

    schemes = ("memory",)

    def __init__(self) -> None:
        super().__init__()
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

    @classmethod
    def from_uri(cls, uri: str) -> MemoryStorage:
        """``memory://``: a new, empty store (the rest of the URI is ignored)."""
        return cls()

    # ------------------------------------------------------------ helpers
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
    def _reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> tuple[int, int]:
        with self._lock:
            self._live(key)
            used = self._counters.get(key, 0)
            granted = min(amount, max(0, limit - used))
            if granted:
                used += granted
                self._counters[key] = used
                self._expire(key, ttl)
            return granted, used

    def _release(self, key: str, amount: int) -> int:
        with self._lock:
            self._live(key)
            used = max(0, self._counters.get(key, 0) - amount)
            if key in self._counters:
                self._counters[key] = used
            return used

    def _get_counter(self, key: str) -> int:
        with self._lock:
            self._live(key)
            return self._counters.get(key, 0)

    def _add_counts(
        self, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        with self._lock:
            self._live(key)
            if not items:
                # Nothing to add creates nothing (as in every other backend).
                return dict(self._hashes.get(key, {}))
            current = dict(self._hashes.get(key, {}))
            for field, delta in items:
                add_to_count(current, key, field, delta)
            self._hashes[key] = current
            self._expire(key, ttl)
            return dict(current)

    def _get_counts(self, keys: list[str]) -> list[dict[str, int]]:
        with self._lock:
            out = []
            for k in keys:
                self._live(k)
                out.append(dict(self._hashes.get(k, {})))
            return out

    # ------------------------------------------------------------ values
    def _get(self, key: str) -> str | None:
        with self._lock:
            self._live(key)
            return self._values.get(key)

    def _get_many(self, keys: list[str]) -> list[str | None]:
        with self._lock:
            expiry = self._expiry
            if expiry:
                now = time.monotonic()
                for k in keys:
                    exp = expiry.get(k)
                    if exp is not None and exp <= now:
                        self._drop(k)
            return list(map(self._values.get, keys))

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        self._put_many([(key, value)], ttl)

    def _put_many(self, pairs: list[tuple[str, str]], ttl: float | None) -> None:
        with self._lock:
            for key, value in pairs:
                self._values[key] = value
                if ttl is None:
                    self._expiry.pop(key, None)
                self._expire(key, ttl)

    def _put_if_absent(self, key: str, value: str, ttl: float | None) -> bool:
        with self._lock:
            self._live(key)
            if key in self._values:
                return False
            self._values[key] = value
            self._expire(key, ttl)
            return True

    def _compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> bool:
        with self._lock:
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

    def _delete(self, key: str) -> bool:
        with self._lock:
            self._live(key)
            return self._drop(key)

    # ------------------------------------------------------------ logs
    def _append(self, key: str, entry: str, expect_version: int | None) -> int | None:
        with self._lock:
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

    def _read(self, key: str, after: int, limit: int | None) -> list[LogEntry]:
        with self._lock:
            found = self._logs.get(key)
            log = () if found is None else found if isinstance(found, list) else (found,)
            stop = len(log) if limit is None else min(len(log), after + limit)
            return [(i + 1, _unpack(log[i])) for i in range(after, stop)]

    def _last_many(self, keys: list[str]) -> list[LogEntry | None]:
        with self._lock:
            return self._lasts(keys)

    def _lasts(self, keys: list[str]) -> list[LogEntry | None]:
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

    # ------------------------------------------------------------ decisions
    def _snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> Snapshot:
        with self._lock:
            expiry = self._expiry
            if expiry:
                now = time.monotonic()
                for k in (*values, *counters):
                    exp = expiry.get(k)
                    if exp is not None and exp <= now:
                        self._drop(k)
            found = list(map(self._values.get, values))
            get = self._counters.get
            return Snapshot(found, self._lasts(logs), [get(k, 0) for k in counters])

    def _commit(self, plan: CommitPlan) -> Committed:
        with self._lock:
            values, expiry = self._values, self._expiry
            current = self._guarded(plan.guards) if plan.guards else []
            if current is None:
                return Committed(False, 0, 0, [], [values.get(k) for k, _ in plan.guards])
            granted = used = 0
            res = plan.reserve
            if res is not None:
                if expiry:
                    self._live(res.key)
                used = self._counters.get(res.key, 0)
                granted = min(res.amount, max(0, res.limit - used))
            # Every new hash is computed (and range-checked) before any
            # write: all or nothing.
            hashes = self._new_hashes(plan.counts, granted) if plan.counts else {}
            if granted:
                assert res is not None
                used += granted
                self._counters[res.key] = used
                self._expire(res.key, res.ttl)
            ttl = plan.put_ttl
            for key, value, rank in plan.puts:
                if rank < 0 or rank < granted:
                    values[key] = value
                    if ttl is None:
                        self._expiry.pop(key, None)
                    self._expire(key, ttl)
            for key, (fields, changed) in hashes.items():
                if changed:
                    self._hashes[key] = fields
                    self._expire(key, plan.count_ttl)
            counts = [dict(hashes[c[0]][0]) for c in plan.counts] if plan.counts else []
            return Committed(True, granted, used, counts, current)

    def _guarded(self, guards: Sequence[tuple[str, str | None]]) -> list[str | None] | None:
        """The guard keys' values, or None when one differs from its
        expected value (the lock is held)."""
        values = self._values
        if self._expiry:
            for key, _ in guards:
                self._live(key)
        current = [values.get(key) for key, _ in guards]
        for (_, expected), found in zip(guards, current, strict=True):
            if found != expected:
                return None
        return current

    def _new_hashes(
        self, entries: Sequence[tuple[str, str, int, int]], granted: int
    ) -> dict[str, tuple[dict[str, int], bool]]:
        """Each counted hash after the deltas, and whether it changed."""
        hashes: dict[str, tuple[dict[str, int], bool]] = {}
        for key, field, fixed, per in entries:
            delta = fixed + per * granted
            if key not in hashes:
                self._live(key)
                hashes[key] = (dict(self._hashes.get(key, {})), False)
            if delta:
                fields = hashes[key][0]
                add_to_count(fields, key, field, delta)
                hashes[key] = (fields, True)
        return hashes

    # ------------------------------------------------------------ recency sets
    def _touch(self, key: str, member: str, at: float, window: float) -> int:
        with self._lock:
            self._live(key)
            members = self._sets.setdefault(key, {})
            members[member] = max(at, members.get(member, at))
            cutoff = at - window
            for m in [m for m, t in members.items() if t <= cutoff]:
                del members[m]
            self._expire(key, touch_ttl(window))
            return len(members)
