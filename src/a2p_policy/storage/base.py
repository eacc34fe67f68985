"""The storage port: the few atomic operations the policy rules need.

Every rule that keeps state (consent ledger, DND, ramp-up counters, rate
monitor buckets, snowshoe fingerprints, idempotency keys, conversation
markers, toll-free verification records) is written against this protocol
and nothing else. Each operation is *atomic on its own* and designed so that

* Redis can run it as one Lua script (one round trip),
* PostgreSQL can run it as one statement (``INSERT ... ON CONFLICT ... DO
  UPDATE ... WHERE ... RETURNING``), and
* SQLite can run it in one ``BEGIN IMMEDIATE`` transaction.

There is deliberately no "read, then write" pair in the port: a rule that
needs a conditional update uses :meth:`Storage.reserve` (counter with a
limit), :meth:`Storage.put_if_absent` / :meth:`Storage.compare_and_set`
(values) or :meth:`Storage.append` with ``expect_version`` (logs).

Time
    Windows are part of the *key* (``ramp:acct:2026-01-05``), chosen by the
    rule from its injected :class:`~a2p_policy.Clock`, so correctness
    never depends on a backend's clock. ``ttl`` arguments (seconds) are for
    garbage collection only: a backend may drop a key at any time after its
    TTL passed on the backend's own clock. Operations that compare times
    (:meth:`Storage.touch`) take the time as an argument.

Keys and values
    Keys are non-empty ``str`` (at most 512 characters); values are ``str``
    (JSON by convention). Callers build keys with :func:`make_key`, which
    escapes every part with :func:`key_part` (the library's one escaping
    function), so distinct tuples of parts never share a key.

Stored values
    A backend checks what it reads back before using it: a counter must be a
    non-negative 64-bit integer and a hash field a 64-bit integer, otherwise
    :class:`~a2p_policy.StorageError` names the key (a corrupted
    counter fails closed, it never grants).

Errors
    Backends raise :class:`~a2p_policy.StorageError` (or its subclass
    :class:`~a2p_policy.StorageUnavailable` when the server cannot be
    reached), with the driver error chained. Bad arguments raise
    :class:`~a2p_policy.InvalidArgument`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple, Protocol, runtime_checkable

from a2p_policy._errors import InvalidArgument

__all__ = [
    "HASHED_PART_MARKER",
    "MAX_INT",
    "MAX_KEY_LENGTH",
    "TOUCH_TTL_MARGIN",
    "CommitPlan",
    "Committed",
    "LogEntry",
    "Reservation",
    "Snapshot",
    "Storage",
    "check_amount",
    "check_deltas",
    "check_items",
    "check_key",
    "check_keys",
    "check_time",
    "check_ttl",
    "check_value",
    "key_part",
    "make_key",
    "touch_ttl",
    "unescape_key_part",
]

MAX_KEY_LENGTH = 512

#: Counters are 64-bit signed integers in every backend.
MAX_INT = 2**63 - 1

#: One entry of an append-only log: ``(version, value)``; versions start at 1
#: and grow by one per append.
LogEntry = tuple[int, str]


class Snapshot(NamedTuple):
    """What :meth:`Storage.snapshot` read: one answer per key, in order."""

    #: The values (as :meth:`Storage.get_many`), None where missing.
    values: list[str | None]
    #: The last entry of each log (as :meth:`Storage.last_many`).
    logs: list[LogEntry | None]
    #: The counters (as :meth:`Storage.get_counter`), 0 where missing.
    counters: list[int]


class Reservation(NamedTuple):
    """The reservation of a :class:`CommitPlan`: :meth:`Storage.reserve`'s
    arguments."""

    key: str
    amount: int
    limit: int
    ttl: float | None = None


class CommitPlan(NamedTuple):
    """Every write of one decision, applied by :meth:`Storage.commit` as one
    atomic operation, in this order:

    1. ``guards``: ``(key, expected)`` pairs; if any value differs from
       ``expected`` (None: absent), nothing is written and the commit answers
       ``applied=False`` with the values found (optimistic concurrency: the
       caller decided on values another writer has since changed);
    2. ``reserve``: as :meth:`Storage.reserve`; ``granted`` is 0 without one;
    3. ``puts``: ``(key, value, rank)``; written (TTL ``put_ttl``) when
       ``rank < 0`` or ``rank < granted``: the value of the message that was
       the ``rank``-th of the reservation exists only if it was granted;
    4. ``counts``: ``(key, field, fixed, per_granted)``; adds ``fixed +
       per_granted * granted`` to the hash field (as :meth:`Storage.add_counts`,
       TTL ``count_ttl``); an entry whose delta is 0 writes nothing.
    """

    guards: Sequence[tuple[str, str | None]] = ()
    reserve: Reservation | None = None
    puts: Sequence[tuple[str, str, int]] = ()
    put_ttl: float | None = None
    counts: Sequence[tuple[str, str, int, int]] = ()
    count_ttl: float | None = None


class Committed(NamedTuple):
    """What :meth:`Storage.commit` did."""

    #: False when a guard did not match: nothing was written.
    applied: bool
    #: The reservation's grant (0 without one, or when not applied).
    granted: int
    #: The reserved counter after the grant (0 without one, or when not applied).
    used: int
    #: Every field of each ``counts`` entry's hash after the commit, in the
    #: order of the entries (empty when not applied).
    counts: list[dict[str, int]]
    #: The guard keys' values as the commit found them, in order.
    current: list[str | None]


@runtime_checkable
class Storage(Protocol):
    """The storage port. See the module docstring for the contract."""

    # ------------------------------------------------------------ counters
    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        """Atomically add up to ``amount`` to the counter ``key`` without
        passing ``limit``.

        Grants ``min(amount, max(0, limit - current))``; returns
        ``(granted, used)`` where ``used`` is the counter after the grant.
        ``amount`` >= 0 (0 just reads), ``limit`` >= 0. A missing counter is 0.
        Under any concurrency the counter never exceeds ``limit`` through this
        operation.
        """
        ...

    def release(self, key: str, amount: int) -> int:
        """Give back ``amount`` (>= 0) to the counter ``key``, never below 0.

        Returns the counter after the release.
        """
        ...

    def add_counts(
        self, key: str, deltas: Mapping[str, int], ttl: float | None = None
    ) -> dict[str, int]:
        """Atomically add each delta to the named field of the hash ``key``.

        Deltas may be negative. Returns every field of the hash after the
        update. Sets (or refreshes) the TTL when given.
        """
        ...

    def get_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The hashes written by :meth:`add_counts`, one per key, in order
        (an empty dict for a missing key)."""
        ...

    def get_counter(self, key: str) -> int:
        """The counter written by :meth:`reserve`/:meth:`release` (0 if missing)."""
        ...

    # ------------------------------------------------------------ values
    def get(self, key: str) -> str | None:
        """The value at ``key`` or None."""
        ...

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The values at ``keys``, in order, None where missing (one round trip)."""
        ...

    def put(self, key: str, value: str, ttl: float | None = None) -> None:
        """Set ``key`` to ``value`` (last writer wins)."""
        ...

    def put_many(self, items: Mapping[str, str], ttl: float | None = None) -> None:
        """Set every key of ``items`` to its value (last writer wins), in one
        round trip; atomic as a whole. Used to mark many conversations at once
        in bulk sends."""
        ...

    def put_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Set ``key`` only if it has no value; True if this call set it.

        The building block of idempotency keys and "first time" markers.
        """
        ...

    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None = None
    ) -> bool:
        """Set ``key`` to ``value`` only if its current value equals
        ``expected`` (None: absent). ``value`` None deletes. True on success."""
        ...

    def delete(self, key: str) -> bool:
        """Remove a value, counter, hash, log or set at ``key``; True if one existed."""
        ...

    # ------------------------------------------------------------ logs
    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        """Append ``entry`` to the log ``key``; return its version (1, 2, ...).

        With ``expect_version`` the append happens only if the log's last
        version equals it (0 for an empty log) and None is returned
        otherwise: optimistic concurrency for event-sourced state.
        """
        ...

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        """Entries of the log ``key`` with version > ``after``, oldest first."""
        ...

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        """The last entry of each log, in order, None for an empty log (one
        round trip): the current state of event-sourced records."""
        ...

    # ------------------------------------------------------------ recency sets
    def touch(self, key: str, member: str, at: float, window: float) -> int:
        """Record ``member`` as seen at ``at`` (epoch seconds) in the set
        ``key``, forget members last seen at or before ``at - window``, and
        return how many distinct members remain."""
        ...

    # ------------------------------------------------------------ decisions
    def snapshot(
        self, values: Sequence[str], logs: Sequence[str] = (), counters: Sequence[str] = ()
    ) -> Snapshot:
        """Everything one decision reads, in one round trip and one
        consistent read: the ``values`` (as :meth:`get_many`), the last entry
        of each of the ``logs`` (as :meth:`last_many`) and the ``counters``
        (as :meth:`get_counter`)."""
        ...

    def commit(self, plan: CommitPlan) -> Committed:
        """Every write of one decision as one atomic operation (one round
        trip): see :class:`CommitPlan`. All or nothing: on an error nothing
        is written."""
        ...

    # ------------------------------------------------------------ lifecycle
    def ping(self) -> bool:
        """True if the backend answers."""
        ...

    def close(self) -> None:
        """Release connections. Idempotent."""
        ...


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidArgument(f"storage key must be a non-empty str, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"storage key longer than {MAX_KEY_LENGTH} characters")
    return key


def check_amount(amount: object, name: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidArgument(f"{name} must be an int, got {type(amount).__name__}")
    if amount < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {amount}")
    return amount


def check_ttl(ttl: object) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
        raise InvalidArgument(f"ttl must be a positive number of seconds or None, got {ttl!r}")
    return float(ttl)


#: Extra life of a recency set beyond its window. Windows are logical (the
#: caller's clock); the TTL is garbage collection on the backend's clock, so
#: it must never be short enough to drop members still inside a window.
TOUCH_TTL_MARGIN = 86_400.0


def touch_ttl(window: float) -> float:
    """The garbage-collection TTL of a recency set with this window."""
    return window + TOUCH_TTL_MARGIN


#: Characters :func:`key_part` percent-encodes: ``%`` (the escape itself),
#: ``:`` (the part separator), the Redis hash-tag braces and glob characters
#: (``{ } * ? [ ] \\``), every control character (C0, DEL, C1: NUL and newline
#: included), every whitespace character except the plain space, and lone
#: surrogates (which no backend could store as text).
_KEY_SPECIAL: Final = re.compile(
    "[%:{}*?\\[\\]\\\\\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ud800-\udfff]"
)
#: :data:`_KEY_SPECIAL` without ``:`` (the fast path of :func:`make_key`
#: counts the separators instead).
_KEY_SPECIAL_BUT_COLON: Final = re.compile(
    "[%{}*?\\[\\]\\\\\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ud800-\udfff]"
)
#: Prefix of a part replaced by its digest (see :func:`make_key`). ``%`` is
#: always followed by two upper-case hex digits in :func:`key_part`'s output,
#: so ``%H`` cannot come out of it.
HASHED_PART_MARKER: Final = "%H"
_ESCAPE: Final = re.compile("%([0-9A-F]{2})|%H|%")


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "surrogatepass"))


def key_part(value: str) -> str:
    """Escape one caller-supplied key part: the one escaping function of the
    library.

    Every character in ``%:{}*?[]\\``, every control character (NUL and
    newline included), every whitespace character other than the plain space
    and every lone surrogate becomes its UTF-8 bytes as ``%XX`` (upper-case
    hex; surrogates through ``surrogatepass``). Everything else passes
    unchanged, so an ordinary id (``acct-1``, ``+14155550123``,
    ``Joe's Pizza``, ``shop_2``) keeps the key it always had. The mapping is
    injective (``%`` itself is escaped, see :func:`unescape_key_part`), and its
    output never contains ``:``, so parts joined by ``:`` can never forge
    another tuple's key (percent-encoding as in RFC 3986, section 2.1).
    """
    if type(value) is not str:
        raise InvalidArgument(f"key parts must be str, got {type(value).__name__}")
    if _KEY_SPECIAL.search(value) is None:
        return value
    return _KEY_SPECIAL.sub(_percent, value)


def unescape_key_part(part: str) -> str:
    """The inverse of :func:`key_part` (a hashed part raises InvalidArgument)."""
    out: list[str] = []
    pending = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(part):
        if match.start() > pos:
            if pending:
                out.append(pending.decode("utf-8", "surrogatepass"))
                pending.clear()
            out.append(part[pos : match.start()])
        if match.group(1) is None:
            raise InvalidArgument(f"not an escaped key part: {part!r}")
        pending.append(int(match.group(1), 16))
        pos = match.end()
    if pending:
        out.append(pending.decode("utf-8", "surrogatepass"))
    out.append(part[pos:])
    return "".join(out)


def _hashed(raw: str) -> str:
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
    return HASHED_PART_MARKER + digest


def make_key(*parts: str) -> str:
    """The storage key of a tuple of parts: each part escaped with
    :func:`key_part`, joined with ``:``.

    Parts must be non-empty ``str`` (else
    :class:`~a2p_policy.InvalidArgument`). Fixed namespace parts such
    as ``"consent"`` or ``"dnd"`` contain nothing to escape and pass
    unchanged: ``make_key("dnd", "acct:1", "+1415")`` is
    ``"dnd:acct%3A1:+1415"``.

    A key longer than :data:`MAX_KEY_LENGTH` after escaping has its longest
    parts replaced, one at a time (longest first, the leftmost of equal
    lengths), by ``%H`` and the SHA-256 of the raw part (66 characters), until
    it fits: a 10,000-character id still has its own key, and every key that
    already fitted is unchanged. Distinct tuples get distinct keys (up to a
    SHA-256 collision): an escaped part never contains ``:`` nor starts with
    ``%H``. A tuple that cannot fit even then raises InvalidArgument.
    """
    try:
        joined = ":".join(parts)
    except TypeError:  # a part that is not text: refused by _build_key
        return _build_key(parts)
    if (
        0 < len(joined) <= MAX_KEY_LENGTH
        and joined.count(":") == len(parts) - 1
        and _KEY_SPECIAL_BUT_COLON.search(joined) is None
        and "::" not in joined
        and joined[0] != ":"
        and joined[-1] != ":"
        and all(type(p) is str for p in parts)
    ):
        # The common case: plain parts (no part empty, none with a character
        # to escape, ":" only between parts) join unchanged.
        return joined
    return _build_key(parts)


def _build_key(parts: tuple[str, ...]) -> str:
    if not parts:
        raise InvalidArgument("make_key needs at least one part")
    for p in parts:
        if type(p) is not str or not p:
            raise InvalidArgument(f"key parts must be non-empty strings, got {p!r}")
    escaped = [
        p if _KEY_SPECIAL.search(p) is None else _KEY_SPECIAL.sub(_percent, p) for p in parts
    ]
    key = ":".join(escaped)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    size = len(key)
    order = sorted(range(len(parts)), key=lambda i: (-len(escaped[i]), i))
    for i in order:
        if len(escaped[i]) <= len(HASHED_PART_MARKER) + 64:
            break
        replacement = _hashed(parts[i])
        size += len(replacement) - len(escaped[i])
        escaped[i] = replacement
        if size <= MAX_KEY_LENGTH:
            return ":".join(escaped)
    raise InvalidArgument(
        f"key parts too long: {len(parts)} parts do not fit in {MAX_KEY_LENGTH} characters"
    )


def check_keys(keys: object) -> list[str]:
    if type(keys) is not list:
        if isinstance(keys, str | bytes) or not isinstance(keys, Sequence):
            raise InvalidArgument("keys must be a sequence of str")
        keys = list(keys)
    # Fast path (every key a non-empty str within the length limit); the
    # per-key check names the first bad key otherwise.
    for k in keys:
        if type(k) is not str or not k or len(k) > MAX_KEY_LENGTH:
            return [check_key(k) for k in keys]
    return keys


def check_value(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"value must be a str, got {type(value).__name__}")
    return value


def check_items(items: object) -> list[tuple[str, str]]:
    if not isinstance(items, Mapping):
        raise InvalidArgument("items must be a mapping of key to str value")
    pairs = list(items.items())
    for k, v in pairs:
        if type(k) is not str or not k or len(k) > MAX_KEY_LENGTH or type(v) is not str:
            return [(check_key(k), check_value(v)) for k, v in pairs]
    return pairs


def check_deltas(deltas: object) -> list[tuple[str, int]]:
    if not isinstance(deltas, Mapping):
        raise InvalidArgument("deltas must be a mapping of field name to int")
    items: list[tuple[str, int]] = []
    for f, d in deltas.items():
        if not isinstance(f, str) or not f:
            raise InvalidArgument(f"field names must be non-empty str, got {f!r}")
        if isinstance(d, bool) or not isinstance(d, int):
            raise InvalidArgument(f"delta for {f!r} must be an int, got {d!r}")
        items.append((f, d))
    return items


def check_time(at: object, window: object) -> tuple[float, float]:
    values: list[float] = []
    for name, v in (("at", at), ("window", window)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidArgument(f"{name} must be a finite number, got {v!r}")
        values.append(float(v))
    if not values[1] > 0:
        raise InvalidArgument("window must be > 0 seconds")
    return values[0], values[1]
