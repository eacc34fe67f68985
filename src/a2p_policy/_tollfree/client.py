"""The toll-free verification client: submit, follow and fix verifications.

Why: an ISV submits many verifications and learns their fate days later by
polling or by Event Streams webhooks, in any order, from several processes.
The client checks a request before it is sent (``precheck``), refuses moves
the API would refuse (state machine), and keeps its view of every
verification in the storage port, so that a restart or another worker sees
the same records and an event applied twice, or late, changes nothing.

Records (storage keys under ``namespace``, default ``tfv``)
- ``tfv:rec:<sid>``: JSON ``{"v": <API record>, "k": [micros, rank, status,
  tiebreak], "cycle": n, "expired": bool}``; updated with compare-and-set.
  ``k`` orders updates: the later time wins, and at equal time the further
  status in the review cycle (PENDING_REVIEW < IN_REVIEW < decided), so an
  older event never moves a verification backwards. ``cycle`` counts review
  cycles (it grows when an edit returns a decided verification to review).
- ``tfv:pn:<phone number sid>``: the verification SID of that number: the
  local half of the API's 409 rule.
- ``tfv:evt:<event id>``: applied event ids (``put_if_absent``).
- ``tfv:biz:<business name>``: phone number SIDs per business (the
  more-than-five-numbers rule, 30479).

Sources: sources.md [tfv-api] (operations,
409 rule, status table, Event Streams, "four different ways to learn the
status": polling) and sources.md: toll-free verification.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from a2p_policy._clock import Clock, clock_or_system
from a2p_policy._errors import A2PPolicyError, InvalidArgument, StorageError, TollFreeApiError
from a2p_policy._findings import Finding, Severity
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy._tollfree.events import VerificationEvent
from a2p_policy._tollfree.models import (
    BUSINESS_PROFILE_FIELDS,
    REJECTION_FIELDS,
    RejectionReason,
    TollFreeVerification,
    TollFreeVerificationRequest,
    VerificationStatus,
    validate_changes,
    validate_verification_sid,
)
from a2p_policy._tollfree.precheck import normalize_business_name, precheck
from a2p_policy._tollfree.state import STATUS_RANK, changed_fields, check_edit
from a2p_policy._tollfree.transport import TollFreeTransport
from a2p_policy.storage.base import Storage, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = ["PrecheckFailed", "TollFreeVerificationClient", "VerificationTimeout"]

_MAX_CAS_RETRIES = 200
_EVENT_TTL = 90 * 24 * 3600.0
#: Longest wait_for_decision timeout (a longer one cannot be a real wait and
#: would overflow the deadline's datetime).
_MAX_WAIT_SECONDS = 10 * 365 * 24 * 3600.0
_DECIDED = (VerificationStatus.TWILIO_APPROVED, VerificationStatus.TWILIO_REJECTED)


class PrecheckFailed(InvalidArgument):
    """``submit`` refused a request with blocking pre-check findings
    (only with ``block_on_precheck=True``); ``.findings`` lists them."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(
            "the request would likely be rejected: "
            + "; ".join(str(f) for f in findings if f.severity is Severity.BLOCK)
        )


class VerificationTimeout(A2PPolicyError, TimeoutError):
    """``wait_for_decision`` ran out of time; ``.last`` is the last record seen."""

    def __init__(self, message: str, last: TollFreeVerification | None) -> None:
        super().__init__(message)
        self.last = last


def _micros(at: datetime) -> int:
    return int(at.astimezone(UTC).timestamp() * 1_000_000)


class TollFreeVerificationClient:
    """Submit, fetch, list, edit, delete and follow toll-free verifications.

    ``transport``: a :class:`~a2p_policy._tollfree.transport.TollFreeTransport`
    (``TwilioTollFreeTransport(twilio_client)`` or
    ``InMemoryTollFreeTransport()``). ``storage``: where verification records
    live (default: a new in-memory storage). ``isv_names``: your own company
    names, reported by ``precheck`` when used as the end business (30474).
    ``block_on_precheck``: make ``submit`` raise :class:`PrecheckFailed` on a
    blocking finding (default False: ``submit`` sends what the API accepts).
    """

    def __init__(
        self,
        transport: TollFreeTransport,
        *,
        clock: Clock | None = None,
        storage: Storage | str | None = None,
        isv_names: Iterable[str] = (),
        block_on_precheck: bool = False,
        namespace: str = "tfv",
    ) -> None:
        for method in ("create", "fetch", "update", "delete", "list"):
            if not callable(getattr(transport, method, None)):
                raise InvalidArgument(
                    f"transport must implement TollFreeTransport (missing {method}())"
                )
        clock = clock_or_system(clock)
        if isinstance(isv_names, str):
            isv_names = (isv_names,)
        names = tuple(isv_names)
        if any(not isinstance(n, str) for n in names):
            raise InvalidArgument("isv_names must be strings")
        if not isinstance(namespace, str) or not namespace or ":" in namespace:
            raise InvalidArgument("namespace must be a non-empty string without ':'")
        self._transport = transport
        self._clock: Clock = clock
        self._storage = resolve_storage(storage)
        self._isv_names = names
        self._block = bool(block_on_precheck)
        self._ns = namespace

    @property
    def transport(self) -> TollFreeTransport:
        return self._transport

    # ================================================================ checks
    def precheck(
        self,
        request: TollFreeVerificationRequest | Mapping[str, object],
        *,
        numbers_for_business: int | None = None,
    ) -> list[Finding]:
        """Predict a reviewer's rejection codes (see :func:`.precheck.precheck`).

        ``numbers_for_business`` defaults to the numbers this client has
        submitted for the same business name, plus this one.
        """
        req = self._request(request)
        if numbers_for_business is None:
            numbers_for_business = self._numbers_for_business(req)
        return precheck(req, isv_names=self._isv_names, numbers_for_business=numbers_for_business)

    # ================================================================ API
    def submit(
        self, request: TollFreeVerificationRequest | Mapping[str, object]
    ) -> TollFreeVerification:
        """Submit a verification; returns the record (PENDING_REVIEW).

        Raises pydantic's ``ValidationError`` for an invalid request,
        :class:`PrecheckFailed` (only with ``block_on_precheck``), and
        :class:`~a2p_policy.TollFreeApiError` for the API's refusals,
        including 409 when this client already holds a verification for the
        number (delete it first, or edit it if rejected).
        """
        req = self._request(request)
        if self._block:
            findings = self.precheck(req)
            if any(f.severity is Severity.BLOCK for f in findings):
                raise PrecheckFailed(findings)
        pn = req.tollfree_phone_number_sid
        existing = self._storage.get(self._key("pn", pn))
        if existing is not None and self._load(existing) is not None:
            raise TollFreeApiError(
                409,
                409,
                "Toll-free verification cannot be submitted when another verification exists "
                f"or is in progress: {existing} holds {pn} (delete it first, or edit it if "
                "rejected)",
            )
        verification = self._transport.create(req.to_params())
        merged = self._merge(verification, self._api_time(verification), "api", force=True)
        self._storage.put(self._key("pn", pn), verification.sid)
        self._storage.add_counts(
            self._key("biz", normalize_business_name(req.business_name) or "-"), {pn: 1}
        )
        return merged

    def fetch(self, sid: str) -> TollFreeVerification:
        """The verification from the API, merged into the stored record.

        A 404 also forgets the stored record (deleted elsewhere), then re-raises.
        """
        sid = validate_verification_sid(sid)
        try:
            verification = self._transport.fetch(sid)
        except TollFreeApiError as exc:
            if exc.status == 404:
                self._forget(sid)
            raise
        return self._merge(verification, self._api_time(verification), "api")

    def get(self, sid: str) -> TollFreeVerification | None:
        """The stored record of ``sid`` (no API call), or None."""
        sid = validate_verification_sid(sid)
        state = self._load(sid)
        return None if state is None else TollFreeVerification.from_api(state["v"])

    def is_expired(self, sid: str) -> bool:
        """True if the stored record is rejected and its edit window passed
        (by ``edit_expiration`` on the clock, or an ``expired`` event)."""
        sid = validate_verification_sid(sid)
        state = self._load(sid)
        if state is None:
            return False
        v = TollFreeVerification.from_api(state["v"])
        if v.status is not VerificationStatus.TWILIO_REJECTED:
            return False
        deadline = v.edit_deadline()
        return bool(state.get("expired")) or (
            deadline is not None and self._clock.now() >= deadline
        )

    def list(
        self,
        *,
        status: VerificationStatus | str | None = None,
        tollfree_phone_number_sid: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> list[TollFreeVerification]:
        """Verifications of the account from the API (filters optional),
        each merged into the stored records."""
        parsed = None if status is None else VerificationStatus.parse(status)
        if tollfree_phone_number_sid is not None and not isinstance(tollfree_phone_number_sid, str):
            raise InvalidArgument("tollfree_phone_number_sid must be a string")
        for name, value in (("limit", limit), ("page_size", page_size)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise InvalidArgument(f"{name} must be a positive int or None, got {value!r}")
        found = self._transport.list(
            status=parsed,
            tollfree_phone_number_sid=tollfree_phone_number_sid,
            limit=limit,
            page_size=page_size,
        )
        return [self._merge(v, self._api_time(v), "api") for v in found]

    def resubmit(
        self, sid: str, changes: Mapping[str, object], *, edit_reason: str | None = None
    ) -> TollFreeVerification:
        """Edit a rejected verification and send it back to review.

        Only the fields that differ are sent. Raises
        :class:`~a2p_policy.InvalidArgument` for invalid, unknown or
        unchanged fields, :class:`~a2p_policy.InvalidTransition` when
        the verification is not rejected or its rejection does not allow an
        edit, and ``TollFreeApiError`` for the API's refusals. An edit after
        the 7-day window is sent (not prioritized): check ``is_expired``.
        """
        sid = validate_verification_sid(sid)
        validated = validate_changes(changes)
        if edit_reason is not None and (
            not isinstance(edit_reason, str) or not edit_reason.strip() or len(edit_reason) > 500
        ):
            raise InvalidArgument(
                "edit_reason must be a non-empty string of at most 500 characters"
            )
        current = self.fetch(sid)
        check_edit(current, validated, now=self._clock.now())
        if current.customer_profile_sid and any(f in validated for f in BUSINESS_PROFILE_FIELDS):
            raise InvalidArgument(
                "unnecessary business information: this verification uses customer profile "
                f"{current.customer_profile_sid}; edit the address and contact in the profile"
            )
        params: dict[str, object] = changed_fields(current, validated)
        if edit_reason is not None:
            params["edit_reason"] = edit_reason.strip()
        verification = self._transport.update(sid, params)
        return self._merge(verification, self._api_time(verification), "api", force=True)

    def delete(self, sid: str) -> None:
        """Delete a verification (any status) and forget its stored record.

        A 404 (no such submission) is re-raised after forgetting the record.
        """
        sid = validate_verification_sid(sid)
        try:
            self._transport.delete(sid)
        except TollFreeApiError as exc:
            if exc.status == 404:
                self._forget(sid)
            raise
        self._forget(sid)

    # ================================================================ events
    def apply_event(self, event: VerificationEvent) -> TollFreeVerification:
        """Apply one Event Streams event to the stored record and return it.

        A duplicate event id changes nothing; an event older than what the
        record already reflects never moves its status backwards.
        """
        if not isinstance(event, VerificationEvent):
            raise InvalidArgument(
                f"apply_event takes a VerificationEvent, got {type(event).__name__}; "
                "parse the payload with parse_verification_events() first"
            )
        digest = hashlib.sha256(event.event_id.encode("utf-8", "surrogatepass")).hexdigest()
        marker = self._key("evt", digest)
        incoming = self._from_event(event)
        if not self._storage.put_if_absent(marker, event.verification_sid, ttl=_EVENT_TTL):
            state = self._load(event.verification_sid)
            if state is not None:
                return TollFreeVerification.from_api(state["v"])
            return incoming
        try:
            merged = self._merge(
                incoming, event.occurred_at, "evt:" + digest, expired=event.expired
            )
            if event.phone_number_sid:
                self._storage.put_if_absent(
                    self._key("pn", event.phone_number_sid), event.verification_sid
                )
        except BaseException:
            self._storage.delete(marker)
            raise
        return merged

    def apply_events(
        self, events: Iterable[VerificationEvent]
    ) -> builtins.list[TollFreeVerification]:
        """Apply several events in order; returns each result."""
        return [self.apply_event(e) for e in events]

    # ================================================================ polling
    def wait_for_decision(
        self,
        sid: str,
        *,
        timeout: float | timedelta,
        initial_interval: float = 5.0,
        max_interval: float = 300.0,
        backoff: float = 2.0,
        sleep: Callable[[float], object] = time.sleep,
    ) -> TollFreeVerification:
        """Poll ``fetch`` until the verification is approved or rejected.

        For users without webhooks. Waits ``initial_interval`` seconds, then
        multiplies the wait by ``backoff`` up to ``max_interval``; measures
        time on the injected clock (so a test passes ``sleep`` that advances
        a ``ManualClock``). Raises :class:`VerificationTimeout` (a
        ``TimeoutError``) when ``timeout`` passes first.
        """
        sid = validate_verification_sid(sid)
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        for name, value in (
            ("timeout", seconds),
            ("initial_interval", initial_interval),
            ("max_interval", max_interval),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise InvalidArgument(
                    f"{name} must be a finite number of seconds >= 0, got {value!r}"
                )
        if (
            isinstance(backoff, bool)
            or not isinstance(backoff, int | float)
            or not (math.isfinite(backoff) and backoff >= 1)
        ):
            raise InvalidArgument(f"backoff must be a finite number >= 1, got {backoff!r}")
        if initial_interval <= 0 or max_interval < initial_interval:
            raise InvalidArgument("need 0 < initial_interval <= max_interval")
        if seconds > _MAX_WAIT_SECONDS:
            raise InvalidArgument(
                f"timeout must be at most {_MAX_WAIT_SECONDS:.0f} s (10 years), got {seconds!r}"
            )
        if not callable(sleep):
            raise InvalidArgument("sleep must be callable")
        deadline = self._clock.now() + timedelta(seconds=float(seconds))
        interval = float(initial_interval)
        while True:
            verification = self.fetch(sid)
            if verification.status in _DECIDED:
                return verification
            remaining = (deadline - self._clock.now()).total_seconds()
            if remaining <= 0:
                raise VerificationTimeout(
                    f"verification {sid} still {verification.status.value} after {seconds} s",
                    verification,
                )
            sleep(min(interval, remaining))
            interval = min(interval * backoff, float(max_interval))

    # ================================================================ internals
    def _key(self, *parts: str) -> str:
        return make_key(self._ns, *parts)

    @staticmethod
    def _request(
        request: TollFreeVerificationRequest | Mapping[str, object],
    ) -> TollFreeVerificationRequest:
        if isinstance(request, TollFreeVerificationRequest):
            return request
        if isinstance(request, Mapping):
            return TollFreeVerificationRequest.model_validate(dict(request))
        raise InvalidArgument(
            "request must be a TollFreeVerificationRequest or a mapping, got "
            f"{type(request).__name__}"
        )

    def _numbers_for_business(self, req: TollFreeVerificationRequest) -> int:
        name = normalize_business_name(req.business_name) or "-"
        counts = self._storage.get_counts([self._key("biz", name)])[0]
        numbers = {pn for pn, n in counts.items() if n > 0}
        numbers.add(req.tollfree_phone_number_sid)
        return len(numbers)

    def _api_time(self, v: TollFreeVerification) -> datetime:
        return v.date_updated or v.date_created or self._clock.now()

    def _load(self, sid: str) -> dict[str, Any] | None:
        key = self._key("rec", sid)
        raw = self._storage.get(key)
        return None if raw is None else _decode_state(key, raw)

    def _forget(self, sid: str) -> None:
        def step() -> _Conflict | None:
            raw = self._storage.get(self._key("rec", sid))
            if raw is None:
                return None
            state = _decode_state(self._key("rec", sid), raw)
            if not self._storage.compare_and_set(self._key("rec", sid), raw, None):
                return CONFLICT
            v = TollFreeVerification.from_api(state["v"])
            pn = v.tollfree_phone_number_sid
            if pn:
                self._storage.compare_and_set(self._key("pn", pn), sid, None)
                name = normalize_business_name(v.business_name or "") or "-"
                counts = self._storage.get_counts([self._key("biz", name)])[0]
                if counts.get(pn, 0) > 0:
                    self._storage.add_counts(self._key("biz", name), {pn: -1})
            return None

        until_settled(step, what=f"the record of {sid}", attempts=_MAX_CAS_RETRIES)

    @staticmethod
    def _from_event(event: VerificationEvent) -> TollFreeVerification:
        reasons = tuple(
            RejectionReason(
                code=code,
                reason=(
                    event.rejection_descriptions[i]
                    if i < len(event.rejection_descriptions)
                    else None
                ),
            )
            for i, code in enumerate(event.rejection_codes)
        )
        return TollFreeVerification(
            sid=event.verification_sid,
            status=event.status,
            account_sid=event.account_sid,
            customer_profile_sid=event.customer_profile_sid,
            tollfree_phone_number_sid=event.phone_number_sid,
            tollfree_phone_number=event.phone_number,
            date_updated=event.occurred_at,
            rejection_reasons=reasons,
            error_code=event.rejection_codes[0] if event.rejection_codes else None,
            rejection_reason=reasons[0].reason if reasons else None,
            rejected_on=event.rejected_at,
            edit_expiration=event.edit_expiration,
            edit_allowed=event.edit_allowed,
        )

    def _merge(
        self,
        incoming: TollFreeVerification,
        at: datetime,
        tiebreak: str,
        *,
        expired: bool = False,
        force: bool = False,
    ) -> TollFreeVerification:
        """Fold ``incoming`` into the stored record (compare-and-set loop).

        ``force``: the answer to our own write (create, edit), which follows
        everything stored before it: it wins even against an equal timestamp.
        """
        key = self._key("rec", incoming.sid)
        new_key = [_micros(at), STATUS_RANK[incoming.status], incoming.status.value, tiebreak]
        new_json = incoming.to_api_json()

        def step() -> TollFreeVerification | _Conflict:
            raw = self._storage.get(key)
            if raw is None:
                state: dict[str, Any] = {
                    "v": new_json,
                    "k": new_key,
                    "cycle": 0,
                    "expired": bool(expired),
                }
            else:
                old = _decode_state(key, raw)
                key_now = new_key
                if force and key_now <= old["k"]:
                    key_now = [int(old["k"][0]) + 1, *new_key[1:]]
                state = _fold(old, incoming, new_json, key_now, expired)
            value = json.dumps(state, sort_keys=True)
            if value == raw or self._storage.compare_and_set(key, raw, value):
                return TollFreeVerification.from_api(state["v"])
            return CONFLICT

        return until_settled(step, what=f"the record of {incoming.sid}", attempts=_MAX_CAS_RETRIES)

    def __repr__(self) -> str:
        return f"TollFreeVerificationClient({self._transport!r})"


def _decode_state(key: str, raw: object) -> dict[str, Any]:
    """A stored record, checked: ``{"v": <API record>, "k": [micros, rank,
    status, tiebreak], "cycle": n, "expired": bool}``. Anything else (text
    that is not JSON, a wrong shape or type, a record the model refuses)
    raises :class:`~a2p_policy.StorageError` naming the key: a
    corrupted store is reported, never read as some other state."""
    try:
        if not isinstance(raw, str):
            raise TypeError(f"a stored record must be text, got {type(raw).__name__}")
        state = json.loads(raw)
        if not isinstance(state, dict) or not isinstance(state.get("v"), dict):
            raise TypeError("not a record object")
        k = state.get("k")
        if (
            not isinstance(k, list)
            or len(k) != 4
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in k[:2])
            or not all(isinstance(x, str) for x in k[2:])
        ):
            raise TypeError("malformed ordering key 'k'")
        cycle = state.get("cycle", 0)
        if isinstance(cycle, bool) or not isinstance(cycle, int) or cycle < 0:
            raise TypeError("malformed 'cycle'")
        if not isinstance(state.get("expired", False), bool):
            raise TypeError("malformed 'expired'")
        TollFreeVerification.from_api(state["v"])
    except (ValueError, TypeError, RecursionError) as exc:
        raise StorageError(
            f"malformed toll-free verification record at {key!r:.200}: {exc!s:.200}"
        ) from None
    return dict(state)


def _is_set(value: object) -> bool:
    return value is not None and value not in ([], ())


def _fold(  # noqa: PLR0912  # folds each field of an event by its own rule
    old: dict[str, Any],
    incoming: TollFreeVerification,
    new_json: dict[str, Any],
    new_key: list[Any],
    expired: bool,
) -> dict[str, Any]:
    """The stored state after seeing ``incoming`` (pure; see module doc)."""
    current = dict(old["v"])
    old_key = list(old["k"])
    cur_status = VerificationStatus.parse(current["status"])
    state = {
        "v": current,
        "k": old_key,
        "cycle": int(old.get("cycle", 0)),
        "expired": bool(old.get("expired", False)),
    }
    if new_key > old_key:
        merged = dict(current)
        if incoming.status is not VerificationStatus.TWILIO_REJECTED:
            for f in REJECTION_FIELDS:
                merged[f] = None
        for f, value in new_json.items():
            if _is_set(value):
                merged[f] = value
        if STATUS_RANK[incoming.status] < STATUS_RANK[cur_status]:
            state["cycle"] = int(old.get("cycle", 0)) + 1
        same_rejection = (
            incoming.status is VerificationStatus.TWILIO_REJECTED
            and cur_status is VerificationStatus.TWILIO_REJECTED
            and not incoming.rejection_codes
        )
        state["expired"] = incoming.status is VerificationStatus.TWILIO_REJECTED and (
            expired or (same_rejection and state["expired"])
        )
        state["v"] = merged
        state["k"] = new_key
        return state
    # An older (or equal) update: never moves the status; it may only fill
    # in what the record lacks.
    for f, value in new_json.items():
        if f in REJECTION_FIELDS or f in ("status", "date_updated"):
            continue
        if not _is_set(current.get(f)) and _is_set(value):
            current[f] = value
    if (
        incoming.status is VerificationStatus.TWILIO_REJECTED
        and cur_status is VerificationStatus.TWILIO_REJECTED
    ):
        if not _is_set(current.get("rejection_reasons")) and not _is_set(current.get("error_code")):
            for f in REJECTION_FIELDS:
                if _is_set(new_json.get(f)):
                    current[f] = new_json[f]
        if expired:
            rejected_on = TollFreeVerification.from_api(
                {
                    "sid": incoming.sid,
                    "status": cur_status.value,
                    "rejected_on": current.get("rejected_on"),
                }
            ).rejected_on
            event_at = datetime.fromtimestamp(int(new_key[0]) / 1_000_000, tz=UTC)
            if rejected_on is None or rejected_on <= event_at:
                state["expired"] = True
    return state
