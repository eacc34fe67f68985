"""One base class for storage backends: what every backend shares.

:class:`StorageBackend` implements the public operations of the
:class:`~a2p_policy.storage.base.Storage` port once: each validates its
arguments (the checks of :mod:`a2p_policy.storage.base`), makes sure the
backend is open and still owned by this process, then calls the backend's
private operation (``_reserve``, ``_get_many``, ...) with arguments that are
known to be well-formed. A backend implements only those private operations
and what is really its own (connections, statements, scripts). The same split
as the ``limits`` package's ``Storage`` base class and httpx's
``BaseTransport`` (public method validates, subclass hook acts).

The base class also owns the lifecycle (``close`` is idempotent, context
manager, ``__repr__``), the fork check (a child process calls
:meth:`StorageBackend._after_fork` once before its first operation),
``ping`` (False when closed or on any failure), the mapping of driver errors
to :class:`~a2p_policy.StorageError` (:meth:`StorageBackend._driver`)
and the validation of stored numbers read back (:func:`stored_counter`,
:func:`stored_count`): a malformed stored value raises ``StorageError``
naming the key, never ``TypeError``, and a corrupted counter never grants.

A backend registers its URI schemes on the class::

    class MyStorage(StorageBackend):
        schemes = ("mydb",)

        @classmethod
        def from_uri(cls, uri: str) -> "MyStorage": ...

Defining the class makes ``open_storage("mydb://...")`` call ``from_uri``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, ClassVar, Final, Self

from a2p_policy._errors import A2PPolicyError, InvalidArgument, StorageError
from a2p_policy.storage.base import (
    MAX_INT,
    MAX_KEY_LENGTH,
    CommitPlan,
    Committed,
    LogEntry,
    Reservation,
    Snapshot,
    check_amount,
    check_deltas,
    check_items,
    check_key,
    check_keys,
    check_time,
    check_ttl,
    check_value,
)
from a2p_policy.storage.uri import register_storage

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "StorageBackend",
    "add_to_count",
    "check_plan",
    "committed",
    "count_overflow",
    "stale",
    "stored_count",
    "stored_counter",
]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


def stored_counter(key: str, raw: object) -> int:
    """A counter read back from a store: an int in ``[0, 2**63 - 1]`` (a
    decimal string is accepted for drivers that return text), else
    :class:`~a2p_policy.StorageError` naming the key. Negative or
    fractional counters are refused, so a corrupted counter fails closed."""
    value = _as_int(raw)
    if value is None or not 0 <= value <= MAX_INT:
        raise StorageError(f"malformed counter stored at {key!r}: {_show(raw)}")
    return value


def stored_count(key: str, field: object, raw: object) -> int:
    """A hash field read back from a store: a signed 64-bit int, else
    :class:`~a2p_policy.StorageError` naming the key and field."""
    value = _as_int(raw)
    if value is None or not INT64_MIN <= value <= INT64_MAX or not isinstance(field, str):
        raise StorageError(f"malformed count stored at {key!r} field {_show(field)}: {_show(raw)}")
    return value


def count_overflow(key: str, field: str) -> InvalidArgument:
    """The error for a hash field that would leave the signed 64-bit range."""
    return InvalidArgument(f"hash field {field!r} of {key!r} would leave the 64-bit range")


def add_to_count(current: dict[str, int], key: str, field: str, delta: int) -> None:
    """Add ``delta`` to ``current[field]`` (missing: 0) in place; a sum
    outside the signed 64-bit range raises :func:`count_overflow` and leaves
    ``current`` as it was."""
    value = current.get(field, 0) + delta
    if not INT64_MIN <= value <= INT64_MAX:
        raise count_overflow(key, field)
    current[field] = value


def committed(
    plan: CommitPlan,
    answer: tuple[Any, Any, Any, Sequence[Any]],
    current: list[str | None],
    read_counts: Callable[[str, Any], dict[str, int]],
) -> Committed:
    """A server-side commit's raw answer (applied, granted, used, one raw
    hash per ``counts`` entry) read back as :class:`Committed`: the counter
    and every field checked as stored values, so a corrupted store fails
    closed. ``read_counts(key, raw)`` reads one backend's raw hash."""
    applied, granted, used, counts = answer
    if not int(applied):
        return Committed(False, 0, 0, [], current)
    res = plan.reserve
    return Committed(
        True,
        int(granted),
        0 if res is None else stored_counter(res.key, used),
        [read_counts(k, raw) for (k, *_), raw in zip(plan.counts, counts, strict=True)],
        current,
    )


def _as_int(raw: object) -> int | None:
    if type(raw) is int:
        return raw
    if isinstance(raw, str | bytes) and 0 < len(raw) <= 21:
        text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        body = text[1:] if text[:1] == "-" else text
        if body.isascii() and body.isdigit():
            return int(text)
    return None


def _show(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


class StorageBackend:
    """Base class of the storage backends (see the module docstring).

    Subclasses call ``super().__init__()`` first, implement the private
    operations, and may override :meth:`_ping`, :meth:`_close`,
    :meth:`_after_fork`, :meth:`_map_error` and :meth:`_describe`.
    """

    #: URI schemes that :func:`~a2p_policy.storage.open_storage` maps to
    #: :meth:`from_uri`; registered when the subclass is defined.
    schemes: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for scheme in cls.__dict__.get("schemes", ()):
            register_storage(scheme, cls.from_uri)

    def __init__(self) -> None:
        self._closed = False
        self._pid = os.getpid()

    @classmethod
    def from_uri(cls, uri: str) -> Self:
        """Open the backend from a URI (backends with ``schemes`` override it)."""
        raise InvalidArgument(f"{cls.__name__} cannot be opened from a URI")

    # ------------------------------------------------------------ plumbing
    def _usable(self) -> None:
        """Raise if closed; re-open connections once in a forked child."""
        if self._closed:
            raise StorageError(f"{type(self).__name__} is closed")
        if self._pid != os.getpid():  # forked: the parent's connections are not ours
            self._pid = os.getpid()
            self._after_fork()

    def _after_fork(self) -> None:
        """Replace connections inherited from the parent process."""

    def _map_error(self, exc: Exception, what: str) -> A2PPolicyError | None:
        """The library error for a driver error, or None to let it through.
        ``what`` names the operation (and the key when there is one)."""
        return None

    @contextmanager
    def _driver(self, what: str, key: str | None = None) -> Iterator[None]:
        """Map driver errors raised inside the block to library errors."""
        try:
            yield
        except A2PPolicyError:
            raise
        except UnicodeEncodeError as exc:
            raise InvalidArgument(
                f"keys, fields and values must be valid Unicode (no lone surrogates): {exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            where = f" at {key!r}" if key is not None else ""
            raise StorageError(f"malformed text stored{where} (during {what}): {exc}") from exc
        except Exception as exc:
            mapped = self._map_error(exc, what if key is None else f"{what} of {key!r}")
            if mapped is None:
                raise
            raise mapped from exc

    # ------------------------------------------------------------ counters
    def reserve(
        self, key: str, amount: int, limit: int, ttl: float | None = None
    ) -> tuple[int, int]:
        # The common argument types are checked inline (hot path); anything
        # else goes through the shared checks (same answers, same errors).
        if type(key) is not str or not key or len(key) > MAX_KEY_LENGTH:
            check_key(key)
        if type(amount) is not int or amount < 0:
            check_amount(amount)
        if type(limit) is not int or limit < 0:
            check_amount(limit, "limit")
        if ttl is not None and not (type(ttl) is float and ttl > 0):
            ttl = check_ttl(ttl)
        self._usable()
        return self._reserve(key, amount, limit, ttl)

    def release(self, key: str, amount: int) -> int:
        check_key(key)
        check_amount(amount)
        self._usable()
        return self._release(key, amount)

    def get_counter(self, key: str) -> int:
        check_key(key)
        self._usable()
        return self._get_counter(key)

    def add_counts(
        self, key: str, deltas: Mapping[str, int], ttl: float | None = None
    ) -> dict[str, int]:
        check_key(key)
        ttl = check_ttl(ttl)
        items = check_deltas(deltas)
        for field, delta in items:
            if not INT64_MIN <= delta <= INT64_MAX:
                raise InvalidArgument(f"delta for {field!r} is outside the 64-bit range")
        self._usable()
        return self._add_counts(key, items, ttl)

    def get_counts(self, keys: Sequence[str]) -> list[dict[str, int]]:
        checked = check_keys(keys)
        self._usable()
        return self._get_counts(checked) if checked else []

    # ------------------------------------------------------------ values
    def get(self, key: str) -> str | None:
        check_key(key)
        self._usable()
        return self._get(key)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        checked = check_keys(keys)
        self._usable()
        return self._get_many(checked) if checked else []

    def put(self, key: str, value: str, ttl: float | None = None) -> None:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        self._usable()
        self._put(key, value, ttl)

    def put_many(self, items: Mapping[str, str], ttl: float | None = None) -> None:
        pairs = check_items(items)
        ttl = check_ttl(ttl)
        self._usable()
        if pairs:
            self._put_many(pairs, ttl)

    def put_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        check_key(key)
        check_value(value)
        ttl = check_ttl(ttl)
        self._usable()
        return self._put_if_absent(key, value, ttl)

    def compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None = None
    ) -> bool:
        check_key(key)
        if expected is not None:
            check_value(expected)
        if value is not None:
            check_value(value)
        ttl = check_ttl(ttl)
        self._usable()
        return self._compare_and_set(key, expected, value, ttl)

    def delete(self, key: str) -> bool:
        check_key(key)
        self._usable()
        return self._delete(key)

    # ------------------------------------------------------------ logs
    def append(self, key: str, entry: str, *, expect_version: int | None = None) -> int | None:
        check_key(key)
        check_value(entry)
        if expect_version is not None:
            check_amount(expect_version, "expect_version")
        self._usable()
        if expect_version is not None and expect_version >= INT64_MAX:
            return None  # no log can be that long
        return self._append(key, entry, expect_version)

    def read(self, key: str, *, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        check_key(key)
        check_amount(after, "after")
        if limit is not None:
            check_amount(limit, "limit")
        self._usable()
        if limit == 0:
            return []
        return self._read(key, after, limit)

    def last_many(self, keys: Sequence[str]) -> list[LogEntry | None]:
        checked = check_keys(keys)
        self._usable()
        return self._last_many(checked) if checked else []

    # ------------------------------------------------------------ recency sets
    def touch(self, key: str, member: str, at: float, window: float) -> int:
        check_key(key)
        check_value(member)
        at, window = check_time(at, window)
        self._usable()
        return self._touch(key, member, at, window)

    # ------------------------------------------------------------ decisions
    def snapshot(
        self, values: Sequence[str], logs: Sequence[str] = (), counters: Sequence[str] = ()
    ) -> Snapshot:
        v, lg, c = check_keys(values), check_keys(logs), check_keys(counters)
        self._usable()
        if not (v or lg or c):
            return Snapshot([], [], [])
        return self._snapshot(v, lg, c)

    def commit(self, plan: CommitPlan) -> Committed:
        checked = check_plan(plan)
        self._usable()
        return self._commit(checked)

    # ------------------------------------------------------------ lifecycle
    def ping(self) -> bool:
        """True if the backend answers; False when closed or on any failure."""
        if self._closed:
            return False
        try:
            self._usable()
            return self._ping()
        except Exception:
            return False

    def close(self) -> None:
        """Release connections. Idempotent; later operations raise StorageError."""
        if self._closed:
            return
        self._closed = True
        if self._pid == os.getpid():  # never close a parent's connections in a child
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"

    def _describe(self) -> str:
        """What ``__repr__`` shows between the parentheses (no secrets)."""
        return ""

    # ------------------------------------------------------------ hooks
    # Called with validated arguments on an open backend of this process.
    def _ping(self) -> bool:
        return True

    def _close(self) -> None:
        """Release the backend's connections (called once, by :meth:`close`)."""

    def _reserve(self, key: str, amount: int, limit: int, ttl: float | None) -> tuple[int, int]:
        raise NotImplementedError

    def _release(self, key: str, amount: int) -> int:
        raise NotImplementedError

    def _get_counter(self, key: str) -> int:
        raise NotImplementedError

    def _add_counts(
        self, key: str, items: list[tuple[str, int]], ttl: float | None
    ) -> dict[str, int]:
        raise NotImplementedError

    def _get_counts(self, keys: list[str]) -> list[dict[str, int]]:
        raise NotImplementedError

    def _get(self, key: str) -> str | None:
        raise NotImplementedError

    def _get_many(self, keys: list[str]) -> list[str | None]:
        raise NotImplementedError

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        raise NotImplementedError

    def _put_many(self, pairs: list[tuple[str, str]], ttl: float | None) -> None:
        raise NotImplementedError

    def _put_if_absent(self, key: str, value: str, ttl: float | None) -> bool:
        raise NotImplementedError

    def _compare_and_set(
        self, key: str, expected: str | None, value: str | None, ttl: float | None
    ) -> bool:
        raise NotImplementedError

    def _delete(self, key: str) -> bool:
        raise NotImplementedError

    def _append(self, key: str, entry: str, expect_version: int | None) -> int | None:
        raise NotImplementedError

    def _read(self, key: str, after: int, limit: int | None) -> list[LogEntry]:
        raise NotImplementedError

    def _last_many(self, keys: list[str]) -> list[LogEntry | None]:
        raise NotImplementedError

    def _touch(self, key: str, member: str, at: float, window: float) -> int:
        raise NotImplementedError

    def _snapshot(self, values: list[str], logs: list[str], counters: list[str]) -> Snapshot:
        """One consistent read of every key (at least one list non-empty)."""
        raise NotImplementedError

    def _commit(self, plan: CommitPlan) -> Committed:
        """The plan (validated: lists, checked keys, ints, TTLs) as one
        atomic operation; see :class:`~a2p_policy.storage.base.CommitPlan`."""
        raise NotImplementedError


def check_plan(plan: object) -> CommitPlan:
    """Validate a commit plan: InvalidArgument naming the first bad part."""
    if type(plan) is CommitPlan and _well_formed(plan):
        return plan
    return _check_plan(plan)


def _well_formed(plan: CommitPlan) -> bool:  # noqa: PLR0911 - one early exit per part
    """The fast path of :func:`check_plan`: True when every part already has
    exactly the expected type (what the library's own callers build)."""
    guards, res, puts, put_ttl, counts, count_ttl = plan
    if type(guards) not in _SEQ or type(puts) not in _SEQ or type(counts) not in _SEQ:
        return False
    if (put_ttl is not None and not _ttl_ok(put_ttl)) or (
        count_ttl is not None and not _ttl_ok(count_ttl)
    ):
        return False
    if res is not None and not _reservation_ok(res):
        return False
    for g in guards:
        if type(g) is not tuple or len(g) != 2:
            return False
        key, expected = g
        if type(key) is not str or not 0 < len(key) <= MAX_KEY_LENGTH:
            return False
        if expected is not None and type(expected) is not str:
            return False
    for p in puts:
        if type(p) is not tuple or len(p) != 3:
            return False
        key, value, rank = p
        if type(key) is not str or not 0 < len(key) <= MAX_KEY_LENGTH or type(value) is not str:
            return False
        if type(rank) is not int or not INT64_MIN <= rank <= INT64_MAX:
            return False
    return all(
        type(c) is tuple
        and len(c) == 4
        and _good_key(c[0])
        and type(c[1]) is str
        and c[1] != ""
        and _int64(c[2])
        and _int64(c[3])
        for c in counts
    )


def _ttl_ok(ttl: object) -> bool:
    return ttl is None or (type(ttl) is float and 0 < ttl < math.inf)


def _int64(value: object) -> bool:
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def _reservation_ok(res: object) -> bool:
    if type(res) is not Reservation:
        return False
    key, amount, limit, ttl = res
    return (
        type(key) is str
        and 0 < len(key) <= MAX_KEY_LENGTH
        and type(amount) is int
        and type(limit) is int
        and amount >= 0
        and limit >= 0
        and (ttl is None or _ttl_ok(ttl))
    )


_SEQ: Final = (list, tuple)


def _good_key(key: object) -> bool:
    return type(key) is str and 0 < len(key) <= MAX_KEY_LENGTH


def _check_plan(plan: object) -> CommitPlan:
    if not isinstance(plan, CommitPlan):
        raise InvalidArgument(f"commit takes a CommitPlan, got {type(plan).__name__}")
    guards: list[tuple[str, str | None]] = []
    for item in _items(plan.guards, "guards"):
        key, expected = _pair(item, 2, "guard")
        guards.append((check_key(key), None if expected is None else check_value(expected)))
    reserve = plan.reserve
    if reserve is not None:
        if not isinstance(reserve, Reservation):
            raise InvalidArgument(f"reserve must be a Reservation, got {type(reserve).__name__}")
        reserve = Reservation(
            check_key(reserve.key),
            check_amount(reserve.amount),
            check_amount(reserve.limit, "limit"),
            check_ttl(reserve.ttl),
        )
    puts: list[tuple[str, str, int]] = []
    for item in _items(plan.puts, "puts"):
        key, value, rank = _pair(item, 3, "put")
        puts.append((check_key(key), check_value(value), _int(rank, "rank")))
    counts: list[tuple[str, str, int, int]] = []
    for item in _items(plan.counts, "counts"):
        key, field, fixed, per = _pair(item, 4, "count")
        if type(field) is not str or not field:
            raise InvalidArgument(f"field names must be non-empty str, got {field!r}")
        counts.append((check_key(key), field, _int(fixed, "fixed"), _int(per, "per_granted")))
    return CommitPlan(
        guards, reserve, puts, check_ttl(plan.put_ttl), counts, check_ttl(plan.count_ttl)
    )


def stale(current: Sequence[str | None], guards: Sequence[tuple[str, str | None]]) -> bool:
    """Whether any guard's value found (``current``, in order) differs from
    the one the plan expected."""
    return any(found != expected for found, (_, expected) in zip(current, guards, strict=True))


def _items(value: object, name: str) -> Sequence[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidArgument(f"{name} must be a sequence of tuples, got {type(value).__name__}")
    return value


def _pair(item: object, size: int, what: str) -> tuple[Any, ...]:
    if not isinstance(item, tuple) or len(item) != size:
        raise InvalidArgument(f"each {what} must be a tuple of {size}, got {item!r}")
    return item


def _int(value: object, name: str) -> int:
    if type(value) is not int or not INT64_MIN <= value <= INT64_MAX:
        raise InvalidArgument(f"{name} must be a 64-bit int, got {value!r}")
    return value
