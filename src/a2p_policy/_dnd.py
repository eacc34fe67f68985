"""Do-not-disturb (DND): contacts that must not be texted, and why.

Source: sources.md [policy], "Spam Message
Handling" (undelivered codes 30003/30005/30006 set a temporary DND, 30004 a
permanent one, 30008 nothing), "Opt-Out Keyword" (STOP sets a permanent DND)
and "Revoke DND for a Contact" (an administrator may lift a temporary DND; a
permanent one is lifted only by the contact replying START/YES/UNSTOP);
sources.md: DND (21610 is permanent, unknown codes do nothing, PERMANENT wins over
TEMPORARY, an optional expiry per error code for temporary entries, bulk
sends skip DND contacts and report them).

Storage: one append-only log per (account, phone) in the storage port, key
``dnd:<account>:<E.164>``. Each log entry records one state change and the
full state after it, so the current state is the log's last entry (one
``last_many`` round trip for a whole bulk send) and the log itself is the
audit trail (:meth:`DndManager.history`). Every change is appended with
``expect_version`` (optimistic concurrency): two processes that race on the
same contact never lose the PERMANENT-wins rule, the loser re-reads and
decides again. A request that changes nothing (TEMPORARY on a PERMANENT
contact, lifting nothing) appends nothing and is reported by the return
value.

Expiry of a TEMPORARY entry is evaluated on read against the injected clock;
nothing is written when it lapses.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._codes.models import DndAction
from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    DndLocked,
    InvalidArgument,
    InvalidPhoneNumber,
    StorageError,
)
from a2p_policy._phone import normalize_phone
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy.storage.base import LogEntry, Storage, key_part, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = [
    "MAX_ACCOUNT_LENGTH",
    "MAX_REASON_LENGTH",
    "DndChange",
    "DndEntry",
    "DndKind",
    "DndManager",
    "DndOp",
    "DndSource",
]

_log = logging.getLogger(__name__)

#: Longest account id accepted (keeps storage keys under the port's limit).
MAX_ACCOUNT_LENGTH: Final = 256
#: Longest reason / ``by`` text accepted.
MAX_REASON_LENGTH: Final = 1000
#: Appends attempted before giving up under contention.
_MAX_ATTEMPTS: Final = 64
_FORMAT: Final = 1


class DndKind(enum.Enum):
    """TEMPORARY: an administrator may lift it (unreachable or inactive number).
    PERMANENT: only the contact's own opt-in lifts it (opt-out, blocked)."""

    TEMPORARY = "TEMPORARY"
    PERMANENT = "PERMANENT"


_RANK: Final[Mapping[DndKind | None, int]] = {
    None: 0,
    DndKind.TEMPORARY: 1,
    DndKind.PERMANENT: 2,
}


class DndSource(enum.Enum):
    """Who or what caused a change: a delivery error code, an inbound keyword
    (STOP/START), an administrator, or the calling application."""

    ERROR_CODE = "error_code"
    KEYWORD = "keyword"
    ADMIN = "admin"
    API = "api"


class DndOp(enum.Enum):
    """The kind of a recorded change."""

    SET = "SET"
    LIFT = "LIFT"
    OPT_IN = "OPT_IN"


@attrs.frozen(slots=True)
class DndEntry:
    """The DND in force for one contact."""

    kind: DndKind
    reason: str
    source: DndSource
    set_at: datetime
    expires_at: datetime | None
    by: str | None
    code: int | None


@attrs.frozen(slots=True)
class DndChange:
    """One line of the audit trail: when, what (``before`` -> ``after``), why
    (``reason``, ``source``, ``code``) and by whom (``by``)."""

    version: int
    at: datetime
    op: DndOp
    before: DndKind | None
    after: DndKind | None
    reason: str
    source: DndSource
    by: str | None
    code: int | None
    expires_at: datetime | None


@attrs.frozen(slots=True)
class _Record:
    """A decoded log entry: one change and the state after it."""

    change: DndChange
    set_at: datetime | None

    def entry(self, now: datetime) -> DndEntry | None:
        """The entry in force at ``now`` (None when lifted or expired)."""
        c = self.change
        if c.after is None or self.set_at is None:
            return None
        if c.after is DndKind.TEMPORARY and c.expires_at is not None and now >= c.expires_at:
            return None
        return DndEntry(
            kind=c.after,
            reason=c.reason,
            source=c.source,
            set_at=self.set_at,
            expires_at=c.expires_at,
            by=c.by,
            code=c.code,
        )


class DndManager:
    """The DND list of every account, kept in the storage port.

    ``temporary_expiry`` maps an error code to how long the TEMPORARY DND it
    sets lasts (default: none, the entry stays until lifted). ``classifier``
    decides what each error code asks for (default
    :class:`~a2p_policy.ErrorCodeClassifier`).
    """

    __slots__ = ("_classifier", "_clock", "_expiry", "_storage")

    def __init__(
        self,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        temporary_expiry: Mapping[int, timedelta] | None = None,
        classifier: ErrorCodeClassifier | None = None,
    ) -> None:
        self._storage = resolve_storage(storage)
        self._clock = clock_or_system(clock)
        if classifier is None:
            classifier = ErrorCodeClassifier()
        if not callable(getattr(classifier, "classify", None)):
            raise ConfigurationError(
                f"classifier must have a classify(code) method, got {type(classifier).__name__}"
            )
        self._classifier = classifier
        self._expiry = _check_expiry(temporary_expiry)

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def temporary_expiry(self) -> Mapping[int, timedelta]:
        """The configured expiry per error code (read-only copy)."""
        return dict(self._expiry)

    # ------------------------------------------------------------ changes
    def set(
        self,
        account: str,
        phone: str,
        kind: DndKind,
        reason: str = "",
        *,
        source: DndSource = DndSource.API,
        by: str | None = None,
        expires_at: datetime | None = None,
        code: int | None = None,
    ) -> DndKind:
        """Put ``phone`` on the DND list of ``account``; return the kind now in
        force.

        PERMANENT wins: a TEMPORARY request on a PERMANENT contact changes
        nothing and returns PERMANENT. A TEMPORARY request on a TEMPORARY
        contact is recorded only when it lengthens the entry (a later
        ``expires_at``, or none instead of one); a repeated PERMANENT is a
        no-op. ``expires_at`` (aware, in the future) applies to TEMPORARY only.
        """
        acct, e164 = _check_account(account), _phone(phone)
        kind_ = _check_kind(kind)
        reason_ = _check_text(reason, "reason")
        source_ = _check_source(source)
        by_ = None if by is None else _check_text(by, "by")
        code_ = _check_code(code)
        expiry: datetime | None = None
        if expires_at is not None:
            if kind_ is DndKind.PERMANENT:
                raise InvalidArgument("expires_at applies to a TEMPORARY DND only")
            expiry = ensure_aware(expires_at, "expires_at")
        return self._set(
            acct,
            e164,
            kind_,
            reason=reason_,
            source=source_,
            by=by_,
            code=code_,
            expires_at=expiry,
        )

    def opt_out(
        self, account: str, phone: str, keyword: str = "STOP", *, by: str | None = None
    ) -> DndKind:
        """The contact sent an opt-out keyword: set a PERMANENT DND (source
        KEYWORD). Returns PERMANENT."""
        keyword_ = _check_text(keyword, "keyword")
        return self.set(
            account,
            phone,
            DndKind.PERMANENT,
            f"opt-out keyword {keyword_}".strip(),
            source=DndSource.KEYWORD,
            by=by,
        )

    def apply_error_code(self, account: str, phone: str, code: object) -> DndKind | None:
        """Apply a delivery error code: return the DND kind the code calls for
        (None for codes that call for nothing: 30008, unknown or malformed
        codes, which never raise). The entry in force may be stronger (a
        PERMANENT contact stays PERMANENT after a 30003)."""
        acct, e164 = _check_account(account), _phone(phone)
        try:
            info = self._classifier.classify(code)  # type: ignore[arg-type]
        except Exception:  # a custom classifier must not break status handling
            _log.warning("classifier failed on code %r; no DND applied", code, exc_info=True)
            return None
        action = getattr(info, "dnd_action", DndAction.NONE)
        if action is DndAction.TEMPORARY:
            kind = DndKind.TEMPORARY
        elif action is DndAction.PERMANENT:
            kind = DndKind.PERMANENT
        else:
            return None
        raw_code = getattr(info, "code", None)
        number = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        description = str(getattr(info, "description", "") or "")
        now = self._now()
        expiry = None
        if kind is DndKind.TEMPORARY and number is not None and number in self._expiry:
            expiry = now + self._expiry[number]
        reason = f"error {number}: {description}" if number else description
        self._set(
            acct,
            e164,
            kind,
            reason=reason[:MAX_REASON_LENGTH],
            source=DndSource.ERROR_CODE,
            by=None,
            code=number,
            expires_at=expiry,
            now=now,
        )
        return kind

    def lift(self, account: str, phone: str, *, by: str | None = None, reason: str = "") -> bool:
        """An administrator lifts a TEMPORARY DND. True if one was lifted,
        False if none was in force. Raises :class:`DndLocked` on a PERMANENT
        DND: only the contact's opt-in (:meth:`opt_in`) lifts that."""
        acct, e164 = _check_account(account), _phone(phone)
        by_ = None if by is None else _check_text(by, "by")
        reason_ = _check_text(reason, "reason") or "lifted by administrator"

        def decide(current: DndEntry | None, now: datetime) -> dict[str, Any] | None:
            if current is None:
                return None
            if current.kind is DndKind.PERMANENT:
                raise DndLocked(
                    f"{e164} has a PERMANENT DND ({current.reason or current.source.value}) "
                    "for this account: only the contact's own opt-in (START, YES, UNSTOP) "
                    "lifts it"
                )
            return _change(
                now, DndOp.LIFT, current.kind, None, reason=reason_, source=DndSource.ADMIN, by=by_
            )

        return self._transition(acct, e164, decide) is not None

    def opt_in(
        self, account: str, phone: str, keyword: str = "START", *, by: str | None = None
    ) -> bool:
        """The contact opted back in (START/YES/UNSTOP): lift any DND,
        PERMANENT or TEMPORARY. True if one was lifted."""
        acct, e164 = _check_account(account), _phone(phone)
        keyword_ = _check_text(keyword, "keyword")
        by_ = None if by is None else _check_text(by, "by")

        def decide(current: DndEntry | None, now: datetime) -> dict[str, Any] | None:
            if current is None:
                return None
            return _change(
                now,
                DndOp.OPT_IN,
                current.kind,
                None,
                reason=f"opt-in keyword {keyword_}".strip(),
                source=DndSource.KEYWORD,
                by=by_,
            )

        return self._transition(acct, e164, decide) is not None

    # ------------------------------------------------------------ reads
    def get(self, account: str, phone: str) -> DndKind | None:
        """The DND kind in force for the contact, or None."""
        found = self.entry(account, phone)
        return None if found is None else found.kind

    def entry(self, account: str, phone: str) -> DndEntry | None:
        """The DND entry in force (kind, reason, source, when, until, by whom)."""
        key = _key(_check_account(account), _phone(phone))
        last = self._storage.last_many([key])[0]
        return None if last is None else _decode(last).entry(self._now())

    def entries(self, account: str, phones: Iterable[str]) -> list[DndEntry | None]:
        """The entry in force for each phone, in order, in one storage round
        trip. Every phone must be valid (:class:`InvalidPhoneNumber` otherwise)."""
        acct = _check_account(account)
        e164s = [_phone(p) for p in _check_phones(phones)]
        if not e164s:
            return []
        states = self._states(acct, e164s)
        now = self._now()
        return [None if s is None else _decode(s).entry(now) for s in states]

    def history(self, account: str, phone: str) -> list[DndChange]:
        """Every recorded change for the contact, oldest first."""
        key = _key(_check_account(account), _phone(phone))
        return [_decode(item).change for item in self._storage.read(key)]

    def partition(self, account: str, phones: Iterable[str]) -> tuple[list[str], list[str]]:
        """Split a bulk audience into (sendable, skipped), in input order.

        Valid numbers come back normalized to E.164; a number that is not a
        valid phone number is skipped as given (it cannot be sent to). Each
        input appears exactly once in one of the two lists, so duplicates stay
        duplicates. A stored entry that cannot be read is skipped (fail
        closed). One storage round trip for the whole list.
        """
        acct = _check_account(account)
        items = _check_phones(phones)
        normalized: list[str | None] = []
        for raw in items:
            try:
                normalized.append(normalize_phone(raw))
            except InvalidPhoneNumber:
                normalized.append(None)
        unique = list(dict.fromkeys(p for p in normalized if p is not None))
        blocked: set[str] = set()
        if unique:
            now = self._now()
            for number, state in zip(unique, self._states(acct, unique), strict=True):
                if state is None:
                    continue
                try:
                    active = _decode(state).entry(now) is not None
                except StorageError:
                    active = True
                if active:
                    blocked.add(number)
        sendable: list[str] = []
        skipped: list[str] = []
        for raw, e164 in zip(items, normalized, strict=True):
            if e164 is None:
                skipped.append(raw)
            elif e164 in blocked:
                skipped.append(e164)
            else:
                sendable.append(e164)
        return sendable, skipped

    # ------------------------------------------------------------ internals
    def _now(self) -> datetime:
        return ensure_aware(self._clock.now(), "clock.now()")

    def log_keys(self, account: str, e164s: Sequence[str]) -> list[str]:
        """The storage keys of the contacts' DND logs, for a caller that reads
        them in one snapshot with its other state (the engine's decisions);
        ``e164s`` must already be E.164 (an ``OutboundMessage.to`` is)."""
        prefix = _key(_check_account(account), "x")[:-1]  # validated once: "dnd:<account>:"
        return [prefix + key_part(p) for p in e164s]

    def entries_from(
        self, lasts: Sequence[LogEntry | None], now: datetime | None = None
    ) -> list[DndEntry | None]:
        """:meth:`entries` from the last log entries the caller read at
        :meth:`log_keys` (corrupt entries raise StorageError)."""
        if now is None:
            now = self._now()
        return [None if s is None else _decode(s).entry(now) for s in lasts]

    def _states(self, account: str, e164s: list[str]) -> list[LogEntry | None]:
        prefix = _key(account, "x")[:-1]  # validated once: "dnd:<account>:"
        states = self._storage.last_many([prefix + p for p in e164s])
        if len(states) != len(e164s):
            raise StorageError("storage answered last_many with the wrong number of entries")
        return states

    def _set(
        self,
        account: str,
        e164: str,
        kind: DndKind,
        *,
        reason: str,
        source: DndSource,
        by: str | None,
        code: int | None,
        expires_at: datetime | None,
        now: datetime | None = None,
    ) -> DndKind:
        outcome: list[DndKind] = []

        def decide(current: DndEntry | None, at: datetime) -> dict[str, Any] | None:
            outcome[:] = [kind]
            if expires_at is not None and expires_at <= at:
                raise InvalidArgument(
                    f"expires_at {expires_at.isoformat()} is not after now ({at.isoformat()})"
                )
            if current is not None:
                if _RANK[current.kind] > _RANK[kind]:
                    outcome[:] = [current.kind]
                    _log.info(
                        "DND %s for %s ignored: %s already in force", kind.value, e164, current.kind
                    )
                    return None
                if current.kind is kind and not _extends(current.expires_at, expires_at, kind):
                    return None
            return _change(
                at,
                DndOp.SET,
                None if current is None else current.kind,
                kind,
                reason=reason,
                source=source,
                by=by,
                code=code,
                expires_at=expires_at,
            )

        self._transition(account, e164, decide, now=now)
        return outcome[0]

    def _transition(
        self,
        account: str,
        e164: str,
        decide: Callable[[DndEntry | None, datetime], dict[str, Any] | None],
        *,
        now: datetime | None = None,
    ) -> int | None:
        """Read the current state, let ``decide`` build the change (or None
        for no change), append it only if nobody appended meanwhile; retry
        otherwise. Returns the new version or None when nothing changed."""
        key = _key(account, e164)
        given: list[datetime] = [now] if now is not None else []

        def step() -> int | _Conflict | None:
            # The given time on the first attempt; a retry re-reads the clock
            # with the state.
            at = given.pop() if given else self._now()
            last = self._storage.last_many([key])[0]
            version = 0 if last is None else last[0]
            current = None if last is None else _decode(last).entry(at)
            record = decide(current, at)
            if record is None:
                return None
            written = self._storage.append(
                key, json.dumps(record, separators=(",", ":")), expect_version=version
            )
            return CONFLICT if written is None else written

        return until_settled(step, what=f"the DND of {e164}", attempts=_MAX_ATTEMPTS)

    def __repr__(self) -> str:
        return f"DndManager(storage={self._storage!r}, clock={self._clock!r})"


# ---------------------------------------------------------------- helpers
def _extends(current: datetime | None, new: datetime | None, kind: DndKind) -> bool:
    """Whether a repeated TEMPORARY request lengthens the entry in force."""
    if kind is DndKind.PERMANENT or current is None:
        return False
    return new is None or new > current


def _change(
    at: datetime,
    op: DndOp,
    before: DndKind | None,
    after: DndKind | None,
    *,
    reason: str,
    source: DndSource,
    by: str | None,
    code: int | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "f": _FORMAT,
        "op": op.value,
        "at": at.isoformat(),
        "before": None if before is None else before.value,
        "after": None if after is None else after.value,
        "reason": reason,
        "source": source.value,
        "by": by,
        "code": code,
        "expires_at": None if expires_at is None else expires_at.isoformat(),
    }


def _decode(item: LogEntry) -> _Record:
    """Decode one stored log entry; :class:`StorageError` if it is corrupt."""
    version, raw = item
    try:
        data = json.loads(raw)
        at = ensure_aware(datetime.fromisoformat(data["at"]), "at")
        expires = data.get("expires_at")
        change = DndChange(
            version=int(version),
            at=at,
            op=DndOp(data["op"]),
            before=None if data.get("before") is None else DndKind(data["before"]),
            after=None if data.get("after") is None else DndKind(data["after"]),
            reason=str(data.get("reason") or ""),
            source=DndSource(data["source"]),
            by=None if data.get("by") is None else str(data["by"]),
            code=data.get("code") if isinstance(data.get("code"), int) else None,
            expires_at=None
            if expires is None
            else ensure_aware(datetime.fromisoformat(expires), "expires_at"),
        )
    except (ValueError, TypeError, KeyError, AttributeError, A2PPolicyError) as exc:
        raise StorageError(f"corrupt DND log entry (version {version}): {raw[:80]!r}") from exc
    return _Record(change=change, set_at=at if change.after is not None else None)


def _key(account: str, e164: str) -> str:
    return make_key("dnd", account, e164)


def _check_account(account: object) -> str:
    if not isinstance(account, str) or not account.strip():
        raise InvalidArgument(f"account must be a non-empty str, got {account!r:.60}")
    if len(account) > MAX_ACCOUNT_LENGTH:
        raise InvalidArgument(f"account is longer than {MAX_ACCOUNT_LENGTH} characters")
    return account


def _phone(phone: object) -> str:
    return normalize_phone(phone)  # type: ignore[arg-type]  # refuses non-str itself


def _check_phones(phones: object) -> list[str]:
    if isinstance(phones, str | bytes) or not isinstance(phones, Iterable):
        raise InvalidArgument(
            f"phones must be an iterable of str (a list), got {type(phones).__name__}"
        )
    items = list(phones)
    for p in items:
        if not isinstance(p, str):
            raise InvalidArgument(f"every phone must be a str, got {type(p).__name__}: {p!r:.40}")
    return items


def _check_kind(kind: object) -> DndKind:
    if isinstance(kind, DndKind):
        return kind
    if isinstance(kind, str) and kind.strip().upper() in DndKind.__members__:
        return DndKind[kind.strip().upper()]
    raise InvalidArgument(f"kind must be DndKind.TEMPORARY or DndKind.PERMANENT, got {kind!r:.40}")


def _check_source(source: object) -> DndSource:
    if isinstance(source, DndSource):
        return source
    raise InvalidArgument(f"source must be a DndSource, got {source!r:.40}")


def _check_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a str, got {type(value).__name__}")
    if len(value) > MAX_REASON_LENGTH:
        raise InvalidArgument(f"{name} is longer than {MAX_REASON_LENGTH} characters")
    return value


def _check_code(code: object) -> int | None:
    if code is None:
        return None
    if isinstance(code, bool) or not isinstance(code, int) or code <= 0:
        raise InvalidArgument(f"code must be a positive int or None, got {code!r:.40}")
    return code


def _check_expiry(expiry: object) -> dict[int, timedelta]:
    if expiry is None:
        return {}
    if not isinstance(expiry, Mapping):
        raise ConfigurationError("temporary_expiry must map error codes (int) to timedelta")
    out: dict[int, timedelta] = {}
    for code, delta in expiry.items():
        if isinstance(code, bool) or not isinstance(code, int) or code <= 0:
            raise ConfigurationError(f"temporary_expiry keys must be error codes, got {code!r}")
        if not isinstance(delta, timedelta) or delta <= timedelta(0):
            raise ConfigurationError(
                f"temporary_expiry[{code}] must be a positive timedelta, got {delta!r}"
            )
        out[code] = delta
    return out
