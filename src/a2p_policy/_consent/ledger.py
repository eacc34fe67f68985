"""The consent ledger: an append-only history of grants and revocations.

Why event-sourced: when an account is suspended, Twilio asks for *proof* of
opt-in for given numbers (reference/leadconnector-twilio-suspension-appeal-
plain.txt, item 6), and an opt-out must be provable too. So nothing is ever
overwritten: every grant, revocation and re-subscription is an event in one
log per (phone, brand) in the storage port (SPEC 3, "Consent history is
append-only").

Scope (who holds a consent): :class:`ConsentScope`. In ``BRAND`` scope (the
standalone ledger's default) consent is keyed by phone and brand, and any
account id is ignored. In ``ACCOUNT`` scope (the engine's default) it is keyed
by account, phone and brand: every record and every lookup names its account
(:class:`~a2p_policy.MissingAccount` otherwise), so two businesses that
share a brand name never share opt-ins. Brand-scoped history (everything
written before the account scope existed) is never read in ACCOUNT scope;
:meth:`ConsentLedger.adopt` copies it into an account explicitly.

Layout in the storage port (every part escaped by ``make_key``)
    ``consent:log:<E.164>:<brand key>`` (BRAND scope) and
    ``consent:alog:<account>:<E.164>:<brand key>`` (ACCOUNT scope)
        the event log. Each entry is JSON (``"format": 1``) holding the event
        *and* the full state after it, so the current state is just the last
        entry (``Storage.last_many``: one round trip for a whole bulk send).
    ``consent:brands:<E.164>`` / ``consent:abrands:<account>:<E.164>``
        a log used as an index of the brands with any history for a phone
        (one entry per brand, deduplicated with ``expect_version``); written
        *before* the brand's first event, so an opt-out "for every brand"
        never misses one.

Concurrency
    Every change is ``append(..., expect_version=v)`` where ``v`` is the
    version the new state was computed from; on a conflict the change is
    recomputed from the new last entry. No event is ever lost, and no state is
    computed from a stale one.

Brands are matched case-insensitively with white space collapsed (``"Acme
Inc"`` and ``"acme  inc"`` are one brand): a revocation must reach the grant
it revokes even when callers spell the brand differently.

Re-subscription (SPEC 2): a contact's START after an opt-out restores the
grant that the last revocation ended (same scopes, same original evidence)
and records the text opt-in itself as a VIA_TEXT record in the event.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import attrs
from pydantic import ValidationError

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._consent.record import (
    PROOF_ELEMENTS,
    ConsentRecord,
    ConsentScope,
    ConsentSource,
    normalize_brand,
)
from a2p_policy._errors import ConsentError, InvalidArgument, MissingAccount, StorageError
from a2p_policy._phone import normalize_phone
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy._validation import check_account
from a2p_policy.storage.base import LogEntry, Storage, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = [
    "EVENT_FORMAT",
    "ConsentEvent",
    "ConsentEventKind",
    "ConsentLedger",
    "ConsentProof",
    "ConsentState",
    "ConsentView",
    "ProofItem",
]

#: Version of the format of stored events.
EVENT_FORMAT: Final = 3
#: Formats this version reads (1: the first, verbose one; 2: compact JSON;
#: 3: format 2 after a one-line header of what a decision reads, see
#: :class:`ConsentView`).
READABLE_FORMATS: Final = frozenset({1, 2, 3})
#: The start of a format-3 entry: ``@3|granted|express|scopes|revoked_at``
#: and a newline, then the JSON.
_HEADER: Final = "@3|"
#: How many times a change is recomputed after losing an append race.
MAX_ATTEMPTS: Final = 500
#: Longest reason kept with an event (longer ones are cut, never refused:
#: an opt-out must be recorded whatever the caller passes as its reason).
MAX_REASON_LENGTH: Final = 1_000

_NS: Final = "consent"
_LOG: Final = "log"
_INDEX: Final = "brands"
_ALOG: Final = "alog"
_AINDEX: Final = "abrands"


class ConsentEventKind(enum.Enum):
    """What happened to a contact's consent for a brand."""

    GRANT = "GRANT"
    REVOKE = "REVOKE"
    REINSTATE = "REINSTATE"


@attrs.frozen(slots=True)
class ConsentEvent:
    """One entry of the history.

    ``record`` is the granted record for GRANT, the record the revocation
    ended for REVOKE (None when nothing was granted: the request is recorded
    anyway, as proof it was honored), and the VIA_TEXT evidence of the
    contact's re-subscription for REINSTATE.
    """

    kind: ConsentEventKind
    at: datetime
    phone: str
    brand: str
    record: ConsentRecord | None = None
    reason: str = ""
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible view."""
        return {
            "version": self.version,
            "kind": self.kind.value,
            "at": self.at.isoformat(),
            "phone": self.phone,
            "brand": self.brand,
            "reason": self.reason,
            "record": _dump(self.record),
        }


@attrs.frozen(slots=True)
class ConsentState:
    """The state of one (phone, brand) pair after its last event.

    ``record`` is the grant in force (None when revoked or never granted);
    ``granted_at`` when it took effect in the ledger; ``revoked_at`` the time
    of the revocation while the consent is revoked (None once granted again);
    ``revoked_record`` the grant the last revocation ended (what
    :meth:`ConsentLedger.reinstate` restores); ``version`` the number of
    events so far.
    """

    phone: str
    brand: str
    record: ConsentRecord | None
    granted_at: datetime | None
    revoked_at: datetime | None
    revoked_record: ConsentRecord | None
    reinstated_at: datetime | None
    updated_at: datetime
    version: int

    @property
    def granted(self) -> bool:
        return self.record is not None

    @property
    def scopes(self) -> frozenset[UseCase]:
        return self.record.scopes if self.record is not None else frozenset()

    def allows(self, use_case: UseCase | None = None) -> bool:
        """True if a grant is in force for ``use_case`` (None: any scope).

        MARKETING needs an express grant.
        """
        record = self.record
        if record is None:
            return False
        if use_case is None:
            return bool(record.scopes)
        if use_case not in record.scopes:
            return False
        return record.express or use_case is not UseCase.MARKETING


@attrs.frozen(slots=True)
class ProofItem:
    """One line of a proof report: an element and its value (None: missing)."""

    key: str
    label: str
    value: str | None


@attrs.frozen(slots=True)
class ConsentProof:
    """Proof of opt-in for one contact and brand: every element the appeal
    article asks for, the scope, and the full grant/revocation history.

    ``record`` is the grant in force, or (when revoked) the last one granted;
    ``missing`` names the evidence fields absent from it (all of them when
    there is no record at all).
    """

    phone: str
    brand: str
    generated_at: datetime
    granted: bool
    record: ConsentRecord | None
    items: tuple[ProofItem, ...]
    events: tuple[ConsentEvent, ...]
    missing: tuple[str, ...]

    @property
    def revocations(self) -> tuple[ConsentEvent, ...]:
        return tuple(e for e in self.events if e.kind is ConsentEventKind.REVOKE)

    @property
    def complete(self) -> bool:
        return self.record is not None and not self.missing

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible view (for a support ticket or an export)."""
        record = self.record
        return {
            "phone": self.phone,
            "brand": self.brand,
            "generated_at": self.generated_at.isoformat(),
            "granted": self.granted,
            "elements": {i.key: i.value for i in self.items},
            "method": record.method.value if record else None,
            "source": record.source.value if record else None,
            "scopes": sorted(u.value for u in record.scopes) if record else [],
            "express": record.express if record else None,
            "record": _dump(record),
            "history": [e.to_dict() for e in self.events],
            "revocations": [e.to_dict() for e in self.revocations],
            "missing": list(self.missing),
        }

    def to_text(self) -> str:
        """A report a person can read (and paste into a support ticket)."""
        lines = [f"Proof of opt-in: {self.phone} / {self.brand}"]
        lines.append(f"Generated: {self.generated_at.isoformat()}")
        record = self.record
        if record is None:
            lines.append("Status: NO CONSENT ON FILE")
        elif self.granted:
            lines.append("Status: GRANTED")
        else:
            lines.append("Status: REVOKED (last grant shown below)")
        for item in self.items:
            lines.append(f"{item.label}: {item.value if item.value is not None else '(missing)'}")
        if record is not None:
            lines.append(f"Opt-in method: {record.method.value}")
            lines.append(f"Source: {record.source.value}")
            lines.append("Scope: " + ", ".join(sorted(u.value for u in record.scopes)))
            lines.append(f"Express consent: {'yes' if record.express else 'no'}")
        lines.append("History:")
        if not self.events:
            lines.append("  (none)")
        for e in self.events:
            text = f"  {e.at.isoformat()} {e.kind.value}"
            if e.record is not None:
                text += f" [{e.record.method.value}, captured {e.record.captured_at.isoformat()}]"
            if e.reason:
                text += f" reason: {e.reason}"
            lines.append(text)
        lines.append("Revocations: " + (str(len(self.revocations)) if self.revocations else "none"))
        lines.append("Missing evidence: " + (", ".join(self.missing) if self.missing else "none"))
        return "\n".join(lines)


# ---------------------------------------------------------------- encoding
def _dump(record: ConsentRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    data = record.model_dump(mode="json")
    data["scopes"] = sorted(data["scopes"])
    return data


#: Fields of a stored record (what ``_dump`` writes).
_RECORD_FIELDS: Final = frozenset(ConsentRecord.model_fields)
_OPTIONAL_TEXT: Final = tuple(
    name
    for name in sorted(_RECORD_FIELDS)
    if name not in {"phone", "brand", "method", "captured_at", "scopes", "express", "source"}
)


def _dump_stored(record: ConsentRecord | None) -> dict[str, Any] | None:
    """``_dump`` without the unset optional fields (None): a stored event is
    kept per contact, so every byte counts a million times. Readers fill the
    missing fields with their None default (pydantic and ``_load`` alike)."""
    data = _dump(record)
    return None if data is None else {k: v for k, v in data.items() if v is not None}


def _load(data: Any) -> ConsentRecord | None:
    """A stored record back as a ConsentRecord.

    Internal hop: every stored record was validated by pydantic when it was
    granted and written by ``_dump``, so this rebuilds it with
    ``model_construct`` after structural checks (types, enum values, aware
    time; a FIRST_PARTY source only) instead of re-running every validator
    on each read. Anything malformed raises (the caller turns it into a
    StorageError)."""
    if data is None:
        return None
    if not isinstance(data, dict) or not _RECORD_FIELDS.issuperset(data):
        raise ValueError("not a consent record")
    phone, brand, express = data["phone"], data["brand"], data["express"]
    if not isinstance(phone, str) or not isinstance(brand, str) or type(express) is not bool:
        raise ValueError("consent record fields have the wrong types")
    scopes = data["scopes"]
    if not isinstance(scopes, list):
        raise ValueError("scopes must be a list")
    source = ConsentSource(data.get("source", ConsentSource.FIRST_PARTY.value))
    if source is not ConsentSource.FIRST_PARTY:
        raise ConsentError(f"stored consent has source {source.value}")
    fields: dict[str, Any] = {
        "phone": phone,
        "brand": brand,
        "method": OptInMethod(data["method"]),
        "captured_at": _parse_time(data["captured_at"]),
        "scopes": frozenset(UseCase(u) for u in scopes),
        "express": express,
        "source": source,
    }
    for name in _OPTIONAL_TEXT:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a str or null")
        fields[name] = value
    if fields["captured_at"] is None:
        raise ValueError("captured_at is missing")
    return ConsentRecord.model_construct(**fields)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("time must be an ISO string")
    return ensure_aware(datetime.fromisoformat(value), "stored time")


def _record_out(
    record: ConsentRecord | None, phone: str, brand: str, account: str | None = None
) -> dict[str, Any] | None:
    """A record as stored in format 2: unset fields, the default FIRST_PARTY
    source, and the phone, brand and account of its event (the same for every
    record of one log) are left out."""
    data = _dump_stored(record)
    if data is None:
        return None
    if data.get("phone") == phone:
        del data["phone"]
    if data.get("brand") == brand:
        del data["brand"]
    if account is not None and data.get("account") == account:
        del data["account"]
    if data.get("source") == ConsentSource.FIRST_PARTY.value:
        del data["source"]
    return data


def _record_in(
    data: Any, phone: str, brand: str, account: str | None = None
) -> ConsentRecord | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("a stored record must be an object")
    if account is not None:
        return _load({"phone": phone, "brand": brand, "account": account, **data})
    return _load({"phone": phone, "brand": brand, **data})


def _event_account(event: ConsentEvent, state: ConsentState) -> str | None:
    """The account shared by the records of an entry (stored once), if any."""
    for record in (event.record, state.record, state.revoked_record):
        if record is not None and record.account is not None:
            return record.account
    return None


#: In format 2, ``state.record`` holding this string means "the event's record".
_SAME_AS_EVENT: Final = "event"


def _encode(event: ConsentEvent, state: ConsentState) -> str:
    """Format 2: compact. Kept per (phone, brand) for years, one entry per
    change, so a million contacts pay for every byte: None values are left
    out, and the state's record is written once when it is the event's."""
    phone, brand = event.phone, event.brand
    account = _event_account(event, state)
    record = _record_out(event.record, phone, brand, account)
    data: dict[str, Any] = {
        "format": EVENT_FORMAT,
        "kind": event.kind.value,
        "at": event.at.isoformat(),
        "phone": phone,
        "brand": brand,
    }
    if account is not None:
        data["account"] = account
    if event.reason:
        data["reason"] = event.reason
    if record is not None:
        data["record"] = record
    st: dict[str, Any] = {}
    if state.record is not None:
        st["record"] = (
            _SAME_AS_EVENT
            if event.record is not None and state.record == event.record
            else _record_out(state.record, phone, brand, account)
        )
    for name, value in (
        ("granted_at", state.granted_at),
        ("revoked_at", state.revoked_at),
        ("reinstated_at", state.reinstated_at),
    ):
        if value is not None:
            st[name] = value.isoformat()
    if state.revoked_record is not None:
        st["revoked_record"] = _record_out(state.revoked_record, phone, brand, account)
    data["state"] = st
    return _header(state) + json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _header(state: ConsentState) -> str:
    """The format-3 header of an entry holding ``state``: what a decision
    reads, decoded without parsing the JSON (:func:`_view`)."""
    record = state.record
    revoked = state.revoked_at.isoformat() if state.revoked_at is not None else ""
    if record is None:
        return f"{_HEADER}0|0||{revoked}\n"
    scopes = ",".join(sorted(u.value for u in record.scopes))
    return f"{_HEADER}1|{int(record.express)}|{scopes}|{revoked}\n"


#: Entries whose decoded event and state are kept (history, changes).
DECODE_CACHE_SIZE: Final = 32_768

#: Entries whose decoded state is kept for decisions (:meth:`ConsentLedger.states`).
#: A decision needs only the state, and the contacts a sender writes to
#: come back (the same list, day after day), so a working set of this many
#: contacts is decided without parsing JSON or rebuilding models. Each entry
#: costs about 3 KB (a ConsentState, its record and the raw entry as key), so
#: this bounds the cache at about 100 MB per process: a library's cache must
#: not decide how much memory a web worker takes. Past this many contacts in
#: recent decisions, a decision pays the parse (see docs/performance.md).
STATE_CACHE_SIZE: Final = 32_768


@lru_cache(maxsize=DECODE_CACHE_SIZE)
def _decode(version: int, raw: str) -> tuple[ConsentEvent, ConsentState]:
    """Decode a stored entry, format 1 or 2 (cached: entries never change)."""
    event, state = _decode_entry(version, raw, with_event=True)
    assert event is not None
    return event, state


@lru_cache(maxsize=STATE_CACHE_SIZE)
def _decode_state(version: int, raw: str) -> ConsentState:
    """The state of a stored entry (the event is not built), cached for
    decisions: entries never change, so (version, raw) names one state."""
    return _decode_entry(version, raw, with_event=False)[1]


@attrs.frozen(slots=True)
class ConsentView:
    """What a decision reads of a consent state: whether a grant is in
    force, its scopes and whether it is express, when it was revoked, and
    the state's version. Decoded from a format-3 entry's header without
    parsing its JSON, so a decision's cost does not depend on how many
    contacts a decode cache could hold (:meth:`ConsentLedger.views_from`)."""

    version: int
    granted: bool
    express: bool
    scopes: frozenset[UseCase]
    revoked_at: datetime | None

    @classmethod
    def of(cls, state: ConsentState) -> ConsentView:
        record = state.record
        if record is None:
            return cls(state.version, False, False, frozenset(), state.revoked_at)
        return cls(state.version, True, record.express, record.scopes, state.revoked_at)


def _view(version: int, raw: str) -> ConsentView:
    """The decision's view of a stored entry: from the header (format 3),
    else from the decoded state (older formats, cached)."""
    if not raw.startswith(_HEADER):
        return ConsentView.of(_decode_state(version, raw))
    end = raw.find("\n")
    parts = raw[len(_HEADER) : end].split("|")
    if end < 0 or len(parts) != 4 or parts[0] not in "01" or parts[1] not in "01":
        raise StorageError(f"corrupt consent entry header (version {version}): {raw[:80]!r}")
    granted, express, scopes, revoked = parts
    return ConsentView(
        version,
        granted == "1",
        express == "1",
        _scopes(scopes, version),
        _parse_header_time(revoked, version),
    )


@lru_cache(maxsize=256)
def _scopes(text: str, version: int) -> frozenset[UseCase]:
    try:
        return frozenset(UseCase(name) for name in text.split(",")) if text else frozenset()
    except ValueError as exc:
        raise StorageError(f"corrupt consent scopes (version {version}): {text[:80]!r}") from exc


def _parse_header_time(text: str, version: int) -> datetime | None:
    if not text:
        return None
    try:
        return _parse_time(text)
    except (ValueError, TypeError, ConsentError) as exc:
        raise StorageError(f"corrupt consent time (version {version}): {text[:40]!r}") from exc


def _decode_entry(
    version: int, raw: str, *, with_event: bool
) -> tuple[ConsentEvent | None, ConsentState]:
    """Decode a stored entry, format 1, 2 or 3; the event only when asked."""
    try:
        if raw.startswith(_HEADER):
            raw = raw[raw.index("\n") + 1 :]
        data = json.loads(raw)
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt not in READABLE_FORMATS:
            raise StorageError(f"unsupported consent event format {fmt!r} (version {version})")
        at = _parse_time(data["at"])
        assert at is not None
        phone, brand = str(data["phone"]), str(data["brand"])
        account = data.get("account")
        if account is not None and not isinstance(account, str):
            raise TypeError("account must be a str")
        st = data["state"]
        if not isinstance(st, dict):
            raise TypeError("state must be an object")
        if fmt == 1:
            record = _load(data["record"])
            state_record = _load(st["record"])
            revoked_record = _load(st["revoked_record"])
        else:
            record = _record_in(data.get("record"), phone, brand, account)
            raw_state_record = st.get("record")
            if raw_state_record == _SAME_AS_EVENT:
                if record is None:
                    raise ValueError("state refers to a missing event record")
                state_record = record
            else:
                state_record = _record_in(raw_state_record, phone, brand, account)
            revoked_record = _record_in(st.get("revoked_record"), phone, brand, account)
        kind = ConsentEventKind(data["kind"])
        event = None
        if with_event:
            event = ConsentEvent(
                kind=kind,
                at=at,
                phone=phone,
                brand=brand,
                record=record,
                reason=str(data.get("reason", "")),
                version=version,
            )
        state = ConsentState(
            phone=phone,
            brand=brand,
            record=state_record,
            granted_at=_parse_time(st.get("granted_at")),
            revoked_at=_parse_time(st.get("revoked_at")),
            revoked_record=revoked_record,
            reinstated_at=_parse_time(st.get("reinstated_at")),
            updated_at=at,
            version=version,
        )
    except StorageError:
        raise
    except (ValueError, KeyError, TypeError, AssertionError, ConsentError, ValidationError) as exc:
        raise StorageError(f"corrupt consent event (version {version}): {exc}") from exc
    return event, state


# ---------------------------------------------------------------- ledger
def _brand_key(brand: str) -> str:
    return brand.casefold()


@lru_cache(maxsize=4096)
def _brand_part(brand: str) -> str:
    """The key part of a brand as given (normalized, case-folded): a pure
    function of the text, remembered for the brands seen recently."""
    return _brand_key(normalize_brand(brand))


def _state_after(
    now: datetime,
    phone: str,
    brand: str,
    record: ConsentRecord | None,
    *,
    revoked_record: ConsentRecord | None = None,
    reinstated: bool = False,
) -> ConsentState:
    """The state a command leaves at ``now``: ``record`` granted now, or
    (None) consent revoked now; its version is set when it is written."""
    granted = record is not None
    return ConsentState(
        phone=phone,
        brand=brand,
        record=record,
        granted_at=now if granted else None,
        revoked_at=None if granted else now,
        revoked_record=revoked_record,
        reinstated_at=now if reinstated else None,
        updated_at=now,
        version=0,
    )


def _reason(reason: object) -> str:
    if not isinstance(reason, str):
        raise InvalidArgument(f"reason must be a str, got {type(reason).__name__}")
    return reason.strip()[:MAX_REASON_LENGTH]


_Change = Callable[[ConsentState | None, datetime], tuple[ConsentEvent, ConsentState] | None]


class ConsentLedger:
    """Grants, revocations and re-subscriptions of consent, as an append-only
    log per (phone, brand) in the storage port. See the module docstring."""

    def __init__(
        self,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        *,
        scope: ConsentScope = ConsentScope.BRAND,
    ) -> None:
        clock = clock_or_system(clock)
        if not isinstance(scope, ConsentScope):
            raise InvalidArgument(
                f"scope must be ConsentScope.ACCOUNT or ConsentScope.BRAND, got {scope!r}"
            )
        self._storage = resolve_storage(storage)
        self._clock: Clock = clock
        self._scope = scope

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def scope(self) -> ConsentScope:
        """How this ledger keys consent (see :class:`ConsentScope`)."""
        return self._scope

    # ------------------------------------------------------------ helpers
    def _account(self, account: object, what: str) -> str | None:
        """The account part of keys: None in BRAND scope; required (and
        checked) in ACCOUNT scope."""
        if self._scope is ConsentScope.BRAND:
            if account is not None:
                check_account(account)
            return None
        if account is None:
            raise MissingAccount(
                f"{what} needs account=...: this ledger keys consent by account "
                "(ConsentScope.ACCOUNT), so consent recorded for one account never "
                "authorizes another; use ConsentScope.BRAND to share consent across accounts"
            )
        return check_account(account)

    def _log_key(self, account: str | None, e164: str, bkey: str) -> str:
        if account is None:
            return make_key(_NS, _LOG, e164, bkey)
        return make_key(_NS, _ALOG, account, e164, bkey)

    def _pair(
        self, phone: object, brand: object, account: object = None, what: str = "a lookup"
    ) -> tuple[str, str, str, str | None]:
        if not isinstance(phone, str):
            raise InvalidArgument(f"phone must be a str, got {type(phone).__name__}")
        acct = self._account(account, what)
        e164 = normalize_phone(phone)
        display = normalize_brand(brand)
        return e164, display, self._log_key(acct, e164, _brand_key(display)), acct

    def _now(self) -> datetime:
        return ensure_aware(self._clock.now(), "clock.now()")

    def _index(self, phone: str, account: str | None) -> str:
        if account is None:
            return make_key(_NS, _INDEX, phone)
        return make_key(_NS, _AINDEX, account, phone)

    def _ensure_indexed(self, phone: str, brand: str, account: str | None) -> None:
        key = self._index(phone, account)
        bkey = _brand_key(brand)
        entry = json.dumps({"key": bkey, "brand": brand}, separators=(",", ":"), ensure_ascii=False)

        def step() -> _Conflict | None:
            entries = self._storage.read(key)
            if any(_index_key(raw) == bkey for _, raw in entries):
                return None
            last = entries[-1][0] if entries else 0
            if self._storage.append(key, entry, expect_version=last) is not None:
                return None
            return CONFLICT

        until_settled(step, what=f"the brand index of {phone}", attempts=MAX_ATTEMPTS)

    def _change(
        self, phone: str, brand: str, key: str, change: _Change, account: str | None
    ) -> ConsentState | None:
        """Apply ``change`` to the current state with optimistic concurrency;
        return the new state, or None when ``change`` decided to do nothing."""

        def step() -> ConsentState | _Conflict | None:
            last = self._storage.last_many([key])[0]
            if last is None:
                version, state = 0, None
            else:
                version = last[0]
                state = _decode(version, last[1])[1]
            result = change(state, self._now())
            if result is None:
                return None
            event, new_state = result
            if version == 0:
                self._ensure_indexed(phone, brand, account)
            written = self._storage.append(key, _encode(event, new_state), expect_version=version)
            if written is None:
                return CONFLICT
            return attrs.evolve(new_state, version=written)

        return until_settled(step, what=f"the consent of {phone} / {brand}", attempts=MAX_ATTEMPTS)

    # ------------------------------------------------------------ commands
    def grant(self, record: ConsentRecord) -> None:
        """Record ``record`` as the grant in force for its (phone, brand).

        A new grant supersedes the previous one (to widen the scope, grant a
        record that lists every scope the contact agreed to).
        """
        if not isinstance(record, ConsentRecord):
            raise InvalidArgument(
                f"grant() needs a ConsentRecord, got {type(record).__name__}; build one with "
                "ConsentRecord(phone=..., brand=..., method=..., captured_at=..., scopes=..., "
                "express=...)"
            )
        phone, brand, key, account = self._pair(
            record.phone, record.brand, record.account, "a consent record"
        )

        def change(state: ConsentState | None, now: datetime) -> tuple[ConsentEvent, ConsentState]:
            event = ConsentEvent(ConsentEventKind.GRANT, now, phone, brand, record)
            return event, _state_after(now, phone, brand, record)

        self._change(phone, brand, key, change, account)

    def revoke(
        self, phone: str, brand: str, *, account: str | None = None, reason: str = ""
    ) -> None:
        """Record a revocation. Always recorded, also when nothing is granted:
        the time the request was received is part of the proof."""
        phone, brand, key, acct = self._pair(phone, brand, account, "revoke()")
        why = _reason(reason)

        def change(state: ConsentState | None, now: datetime) -> tuple[ConsentEvent, ConsentState]:
            current = state.record if state is not None else None
            earlier = state.revoked_record if state is not None else None
            name = state.brand if state is not None else brand
            event = ConsentEvent(ConsentEventKind.REVOKE, now, phone, name, current, why)
            ended = current if current is not None else earlier
            return event, _state_after(now, phone, name, None, revoked_record=ended)

        self._change(phone, brand, key, change, acct)

    def reinstate(
        self,
        phone: str,
        brand: str,
        *,
        account: str | None = None,
        reason: str = "",
        keyword: str = "START",
    ) -> bool:
        """The contact texted START (or UNSTOP...) after an opt-out: restore
        the grant the last revocation ended, with its scopes, and record the
        text opt-in as VIA_TEXT evidence. False when there is nothing to
        restore (never granted, or a grant is already in force)."""
        phone, brand, key, acct = self._pair(phone, brand, account, "reinstate()")
        why = _reason(reason)
        if not isinstance(keyword, str) or not keyword.strip():
            raise InvalidArgument("keyword must be a non-empty str such as 'START'")
        word = keyword.strip().upper()[:160]

        def change(
            state: ConsentState | None, now: datetime
        ) -> tuple[ConsentEvent, ConsentState] | None:
            if state is None or state.record is not None or state.revoked_record is None:
                return None
            original = state.revoked_record
            evidence = ConsentRecord(
                phone=phone,
                brand=original.brand,
                method=OptInMethod.VIA_TEXT,
                captured_at=now,
                scopes=original.scopes,
                express=original.express,
                account=original.account,
                name=original.name,
                email=original.email,
                address=original.address,
                keyword=word,
                details=(
                    f"Contact texted {word} after opting out; restores the consent captured "
                    f"{original.captured_at.isoformat()} via {original.method.value}"
                ),
            )
            event = ConsentEvent(ConsentEventKind.REINSTATE, now, phone, state.brand, evidence, why)
            return event, _state_after(now, phone, state.brand, original, reinstated=True)

        return self._change(phone, brand, key, change, acct) is not None

    # ------------------------------------------------------------ queries
    def current(self, phone: str, brand: str, *, account: str | None = None) -> ConsentState | None:
        """The state after the last event, or None when there is no history."""
        return self.states([(phone, brand)], account=account)[0]

    def states(
        self, pairs: Sequence[tuple[str, str]], *, account: str | None = None
    ) -> list[ConsentState | None]:
        """:meth:`current` for many (phone, brand) pairs of one account in one
        storage round trip (for bulk sends), in order."""
        if isinstance(pairs, str | bytes) or not isinstance(pairs, Sequence):
            raise InvalidArgument("pairs must be a sequence of (phone, brand) tuples")
        acct = self._account(account, "states()")
        keys = self._state_keys(pairs, acct, normalize_phone)
        if not keys:
            return []
        return self.states_from(self._storage.last_many(keys))

    def log_keys(
        self, pairs: Sequence[tuple[str, str]], *, account: str | None = None
    ) -> list[str]:
        """The storage keys of the consent logs of (phone, brand) pairs whose
        phones are already E.164 (an ``OutboundMessage.to`` is), for a caller
        that reads them in one snapshot with its other state (the engine's
        decisions); :meth:`states_from` decodes what was read."""
        if isinstance(pairs, str | bytes) or not isinstance(pairs, Sequence):
            raise InvalidArgument("pairs must be a sequence of (phone, brand) tuples")
        return self._state_keys(pairs, self._account(account, "log_keys()"), str)

    @staticmethod
    def states_from(lasts: Sequence[LogEntry | None]) -> list[ConsentState | None]:
        """:meth:`states` from the last log entries read at :meth:`log_keys`."""
        return [None if last is None else _decode_state(last[0], last[1]) for last in lasts]

    @staticmethod
    def views_from(lasts: Sequence[LogEntry | None]) -> list[ConsentView | None]:
        """The :class:`ConsentView` of the last log entries read at
        :meth:`log_keys`: what a decision reads, without building the full
        states (corrupt entries raise StorageError)."""
        return [None if last is None else _view(last[0], last[1]) for last in lasts]

    def _state_keys(
        self,
        pairs: Sequence[tuple[str, str]],
        acct: str | None,
        phone_part: Callable[[str], str],
    ) -> list[str]:
        keys: list[str] = []
        # One bulk send names few brands: normalize each distinct one once.
        brand_keys: dict[object, str] = {}
        for pair in pairs:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise InvalidArgument(f"each pair must be a (phone, brand) tuple, got {pair!r}")
            phone, brand = pair
            if not isinstance(phone, str):
                raise InvalidArgument(f"phone must be a str, got {type(phone).__name__}")
            bkey = brand_keys.get(brand) if type(brand) is str else None
            if bkey is None:
                bkey = _brand_part(brand) if type(brand) is str else normalize_brand(brand)
                if type(brand) is str:
                    brand_keys[brand] = bkey
            keys.append(self._log_key(acct, phone_part(phone), bkey))
        return keys

    def is_granted(
        self,
        phone: str,
        brand: str,
        use_case: UseCase | None = None,
        *,
        account: str | None = None,
    ) -> bool:
        """True if consent is in force for ``use_case`` (None: any scope).
        MARKETING needs express consent."""
        if use_case is not None and not isinstance(use_case, UseCase):
            raise InvalidArgument(f"use_case must be a UseCase or None, got {use_case!r}")
        state = self.current(phone, brand, account=account)
        return state is not None and state.allows(use_case)

    def brands(self, phone: str, *, account: str | None = None) -> list[str]:
        """Brands with any consent history for ``phone``, in first-seen order."""
        if not isinstance(phone, str):
            raise InvalidArgument(f"phone must be a str, got {type(phone).__name__}")
        acct = self._account(account, "brands()")
        e164 = normalize_phone(phone)
        seen: dict[str, str] = {}
        for _, raw in self._storage.read(self._index(e164, acct)):
            try:
                data = json.loads(raw)
                seen.setdefault(str(data["key"]), str(data["brand"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise StorageError(f"corrupt consent brand index for {e164}: {exc}") from exc
        return list(seen.values())

    def history(self, phone: str, brand: str, *, account: str | None = None) -> list[ConsentEvent]:
        """Every event for the pair, oldest first."""
        key = self._pair(phone, brand, account, "history()")[2]
        return [_decode(v, raw)[0] for v, raw in self._storage.read(key)]

    def adopt(self, phone: str, brand: str, *, account: str) -> bool:
        """Copy the brand-scoped history of (``phone``, ``brand``) into
        ``account`` (ACCOUNT scope only): the migration path for consent
        recorded before consent was scoped to the account.

        Every event is copied in order, each record stamped with ``account``,
        so the proof of opt-in (and of every opt-out) carries over intact.
        Nothing is copied when the account already has history for the pair
        (its own history wins); returns True when events were copied.
        Deciding which account a brand-scoped consent belongs to is the
        caller's: only adopt consent the account itself collected.
        """
        if self._scope is not ConsentScope.ACCOUNT:
            raise InvalidArgument("adopt() moves consent into an account: use an ACCOUNT ledger")
        e164, display, key, acct = self._pair(phone, brand, account, "adopt()")
        assert acct is not None
        legacy = self._storage.read(self._log_key(None, e164, _brand_key(display)))
        if not legacy:
            return False
        self._ensure_indexed(e164, display, acct)
        for n, (version, raw) in enumerate(legacy):
            event, state = _decode(version, raw)
            event = attrs.evolve(event, record=_stamp(event.record, acct))
            state = attrs.evolve(
                state,
                record=_stamp(state.record, acct),
                revoked_record=_stamp(state.revoked_record, acct),
            )
            if self._storage.append(key, _encode(event, state), expect_version=n) is None:
                if n == 0:
                    return False  # the account already has its own history
                raise StorageError(
                    f"consent history of {e164} / {display} changed while it was adopted "
                    f"into account {acct!r}; run adopt() again after checking history()"
                )
        return True

    def proof(self, phone: str, brand: str, *, account: str | None = None) -> ConsentProof:
        """A proof-of-opt-in report for one contact and brand."""
        e164, display, key, _ = self._pair(phone, brand, account, "proof()")
        decoded = [_decode(v, raw) for v, raw in self._storage.read(key)]
        events = tuple(e for e, _ in decoded)
        state = decoded[-1][1] if decoded else None
        record: ConsentRecord | None = None
        if state is not None:
            record = state.record or state.revoked_record
        if record is None:
            record = next(
                (e.record for e in reversed(events) if e.kind is ConsentEventKind.GRANT), None
            )
        items = _proof_items(record)
        missing = tuple(record.missing_evidence()) if record is not None else tuple(_ALL_EVIDENCE)
        return ConsentProof(
            phone=e164,
            brand=state.brand if state is not None else display,
            generated_at=self._now(),
            granted=state is not None and state.record is not None,
            record=record,
            items=items,
            events=events,
            missing=missing,
        )


_ALL_EVIDENCE: Final = (
    "name",
    "email",
    "address",
    "captured_at",
    "ip_address",
    "source_url",
    "consent_text",
    "evidence_url",
)


def _proof_items(record: ConsentRecord | None) -> tuple[ProofItem, ...]:
    values: dict[str, str | None] = dict.fromkeys(k for k, _ in PROOF_ELEMENTS)
    if record is not None:
        method = record.method.value
        values.update(
            name=record.name,
            email=record.email,
            address=record.address,
            captured_at=record.captured_at.isoformat(),
            collection_method=(
                f"IP {record.ip_address} ({method})" if record.ip_address else method
            ),
            collection_details=record.collection_details(),
            consent_text=record.consent_text,
            evidence_url=record.evidence_url,
        )
    return tuple(ProofItem(k, label, values[k]) for k, label in PROOF_ELEMENTS)


def _stamp(record: ConsentRecord | None, account: str) -> ConsentRecord | None:
    if record is None or record.account == account:
        return record
    return record.model_copy(update={"account": account})


def _index_key(raw: str) -> str | None:
    try:
        data = json.loads(raw)
        return str(data["key"])
    except (ValueError, KeyError, TypeError):
        return None
