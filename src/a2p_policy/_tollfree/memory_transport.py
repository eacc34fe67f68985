"""An in-memory fake of the Messaging Compliance API's toll-free resource.

Why: code that submits, edits and reacts to verifications must be testable
without Twilio, and a fake that accepts everything hides the bugs that
matter (a 409 for a number already submitted, a 400 for an edit that changes
nothing, a 422 for an edit the rejection does not allow). This fake applies
the API's validations and errors and lets a test play the reviewer with
:meth:`InMemoryTollFreeTransport.start_review`, :meth:`~InMemoryTollFreeTransport.approve`,
:meth:`~InMemoryTollFreeTransport.reject` and :meth:`~InMemoryTollFreeTransport.expire`;
each review step also emits the Event Streams CloudEvent the real API would
send (:meth:`~InMemoryTollFreeTransport.event_payload`).

Its records live in a :class:`~a2p_policy.storage.Storage` (default: a new
in-memory one), so several processes sharing a SQLite or Redis store see one
fake API.

Sources: sources.md [tfv-api] (request
validation, the error table, the example responses and events);
sources.md [tfv-rejections] (the 7-day window). Where
the article's error table and its examples disagree on a status, the fake
follows the table: 400 for "No values were submitted/different" and for
editing a submission that is not rejected (the article's example answers 400
for "Cannot edit an approved submission"), 422 for an edit a rejection does
not allow and (when ``allow_expired_edits=False``) for an expired window.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from a2p_policy._clock import Clock, clock_or_system
from a2p_policy._errors import InvalidArgument, TollFreeApiError
from a2p_policy._phone import is_toll_free, normalize_phone
from a2p_policy._tollfree.events import EVENT_PREFIX
from a2p_policy._tollfree.models import (
    BUSINESS_PROFILE_FIELDS,
    EDIT_WINDOW,
    REJECTION_FIELDS,
    TollFreeVerification,
    TollFreeVerificationRequest,
    VerificationStatus,
    validate_changes,
)
from a2p_policy._tollfree.state import (
    EditWindow,
    changed_fields,
    check_transition,
    edit_window,
    is_resubmittable,
)
from a2p_policy._tollfree.transport import ListingTransport, ListQuery
from a2p_policy.storage.base import Storage, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = ["InMemoryTollFreeTransport"]

_BASE_URL = "https://messaging.twilio.com/v1/Tollfree/Verifications"
_MAX_CAS_RETRIES = 100

#: Message heads of the API's 400 answers, per failing rule (error table).
_MISSING = "Missing mandatory field name for submitting a verification."


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _validation_message(exc: ValidationError) -> str:
    parts: list[str] = []
    head = "Invalid parameters for submitting a verification."
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "request"
        if err["type"] == "missing" or "missing mandatory" in err["msg"]:
            head = _MISSING
        elif "email" in err["msg"]:
            head = "Email address is invalid."
        elif "phone number" in err["msg"]:
            head = "Phone number is invalid."
        elif "message volume" in err["msg"]:
            head = "The messageVolume parameter is invalid."
        elif "use case" in err["msg"]:
            head = "The useCase parameter is invalid."
        elif "opt-in type" in err["msg"]:
            head = "The optInType parameter is invalid."
        parts.append(f"{field}: {err['msg']}")
    return head + " " + "; ".join(parts)


class InMemoryTollFreeTransport(ListingTransport):
    """A faithful fake of the toll-free verification API (see the module doc).

    ``require_known_numbers``: answer 422 for a phone number SID not added with
    :meth:`add_number` (default: any well-formed ``PN`` SID is a toll-free
    number of the account). ``require_known_profiles``: likewise for customer
    profiles (:meth:`add_customer_profile`). ``allow_expired_edits``: whether
    an edit after the 7-day window is accepted (True, not prioritized;
    sources.md: toll-free verification).
    """

    def __init__(
        self,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        account_sid: str = "AC" + "0" * 32,
        require_known_numbers: bool = False,
        require_known_profiles: bool = False,
        allow_expired_edits: bool = True,
        namespace: str = "tfvfake",
    ) -> None:
        self._storage = resolve_storage(storage)
        self._clock: Clock = clock_or_system(clock)
        if not isinstance(account_sid, str) or not account_sid:
            raise InvalidArgument("account_sid must be a non-empty string")
        self._account_sid = account_sid
        self._require_numbers = bool(require_known_numbers)
        self._require_profiles = bool(require_known_profiles)
        self._allow_expired = bool(allow_expired_edits)
        if not isinstance(namespace, str) or not namespace or ":" in namespace:
            raise InvalidArgument("namespace must be a non-empty string without ':'")
        self._ns = namespace

    # ------------------------------------------------------------- keys
    def _key(self, *parts: str) -> str:
        return make_key(self._ns, *parts)

    def _tick(self) -> datetime:
        """Now on the clock, in milliseconds, strictly after every earlier tick
        (shared through storage): the API's timestamps never tie, even when a
        test's clock stands still."""
        key = self._key("clock")
        now_ms = _ms(self._clock.now())
        for _ in range(_MAX_CAS_RETRIES):
            raw = self._storage.get(key)
            at = now_ms if raw is None else max(now_ms, int(raw) + 1)
            if self._storage.compare_and_set(key, raw, str(at)):
                return datetime.fromtimestamp(at / 1000, tz=UTC)
        raise TollFreeApiError(500, 500, "General/Server Error.")  # pragma: no cover

    def _next(self, name: str) -> int:
        _, used = self._storage.reserve(self._key("seq", name), 1, 2**62)
        return used

    # ------------------------------------------------------------- setup
    def add_number(self, number: str, *, sid: str | None = None) -> str:
        """Register a phone number of the account; returns its ``PN`` SID."""
        e164 = normalize_phone(number)
        pn = sid if sid is not None else f"PN{self._next('pn'):032x}"
        self._storage.put(self._key("num", pn), e164)
        return pn

    def add_customer_profile(self, *, approved: bool = True, sid: str | None = None) -> str:
        """Register a customer profile (``BU`` SID), approved or not."""
        bu = sid if sid is not None else f"BU{self._next('bu'):032x}"
        self._storage.put(self._key("profile", bu), "approved" if approved else "pending")
        return bu

    # ------------------------------------------------------------- API
    def create(self, params: Mapping[str, object]) -> TollFreeVerification:
        if not isinstance(params, Mapping):
            raise TollFreeApiError(400, 400, "Request parameters must be a mapping.")
        try:
            request = TollFreeVerificationRequest.model_validate(dict(params))
        except ValidationError as exc:
            raise TollFreeApiError(400, 400, _validation_message(exc)) from None
        pn = request.tollfree_phone_number_sid
        number = self._storage.get(self._key("num", pn))
        if number is None and self._require_numbers:
            raise TollFreeApiError(422, 422, "TollFree phone number not found.")
        if number is not None and not is_toll_free(number):
            raise TollFreeApiError(422, 422, "Provided tollFreeNumber is not Toll-Free.")
        profile = request.customer_profile_sid
        if profile is not None:
            state = self._storage.get(self._key("profile", profile))
            if state is None and self._require_profiles:
                raise TollFreeApiError(422, 422, "Provided Customer Profile does not exist.")
            if state == "pending":
                raise TollFreeApiError(422, 422, "Provided customer profile is not approved")
        sid = f"HH{self._next('hh'):032x}"
        if not self._storage.put_if_absent(self._key("pn", pn), sid):
            raise TollFreeApiError(
                409,
                409,
                "Toll-free verification cannot be submitted when another verification "
                "exists or is in progress.",
            )
        now = _iso(self._tick())
        record: dict[str, Any] = {
            **request.to_params(),
            "sid": sid,
            "account_sid": self._account_sid,
            "status": VerificationStatus.PENDING_REVIEW.value,
            "date_created": now,
            "date_updated": now,
            "tollfree_phone_number": number,
            "url": f"{_BASE_URL}/{sid}",
            "resource_links": {},
        }
        verification = TollFreeVerification.from_api(record)
        self._storage.put(self._key("rec", sid), json.dumps(verification.to_api_json()))
        self._storage.append(self._key("index"), sid)
        return verification

    def fetch(self, sid: str) -> TollFreeVerification:
        return self._load(sid)[0]

    def update(self, sid: str, params: Mapping[str, object]) -> TollFreeVerification:
        if not isinstance(params, Mapping):
            raise TollFreeApiError(400, 400, "Request parameters must be a mapping.")
        fields = dict(params)
        edit_reason = fields.pop("edit_reason", None)
        if edit_reason is not None and (not isinstance(edit_reason, str) or len(edit_reason) > 500):
            raise TollFreeApiError(400, 400, "edit_reason must be a string of at most 500 chars.")
        for _ in range(_MAX_CAS_RETRIES):
            current, raw = self._load(sid)
            if not fields:
                raise TollFreeApiError(
                    400, 400, "No values were submitted as part of a resubmission."
                )
            try:
                changes = validate_changes(fields)
            except InvalidArgument as exc:
                raise TollFreeApiError(400, 400, str(exc)) from None
            if current.status is VerificationStatus.TWILIO_APPROVED:
                raise TollFreeApiError(400, 400, f"Cannot edit an approved submission {sid}")
            if current.status is not VerificationStatus.TWILIO_REJECTED:
                raise TollFreeApiError(
                    400,
                    400,
                    f"Only a rejected submission can be edited; {sid} is {current.status.value}",
                )
            window = edit_window(current, self._clock.now())
            if window is EditWindow.NOT_EDITABLE:
                raise TollFreeApiError(
                    422, 422, f"Toll-Free verification {sid} is not allowed to be edited."
                )
            if window is EditWindow.EXPIRED and not self._allow_expired:
                raise TollFreeApiError(422, 30437, f"Edit time expired for {sid}.")
            if current.customer_profile_sid and any(f in changes for f in BUSINESS_PROFILE_FIELDS):
                raise TollFreeApiError(
                    400,
                    400,
                    "unnecessary business information: this verification uses a customer "
                    "profile; remove the business address and contact fields",
                )
            if not changed_fields(current, changes):
                raise TollFreeApiError(400, 400, "No values were different when resubmitting.")
            record = current.to_api_json()
            record.update(changes)
            record.update(
                dict.fromkeys(REJECTION_FIELDS),  # an edit clears the rejection
                status=VerificationStatus.PENDING_REVIEW.value,
                date_updated=_iso(self._tick()),
            )
            updated = TollFreeVerification.from_api(record)
            if self._storage.compare_and_set(
                self._key("rec", sid), raw, json.dumps(updated.to_api_json())
            ):
                return updated
        raise TollFreeApiError(500, 500, "General/Server Error.")  # pragma: no cover

    def delete(self, sid: str) -> None:
        for _ in range(_MAX_CAS_RETRIES):
            current, raw = self._load(sid)
            if self._storage.compare_and_set(self._key("rec", sid), raw, None):
                pn = current.tollfree_phone_number_sid
                if pn:
                    self._storage.compare_and_set(self._key("pn", pn), sid, None)
                return
        raise TollFreeApiError(500, 500, "General/Server Error.")  # pragma: no cover

    def _list(self, query: ListQuery) -> list[TollFreeVerification]:
        limit = query.limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TollFreeApiError(400, 400, "limit must be an integer")
        sids = [entry for _, entry in self._storage.read(self._key("index"))]
        raws = self._storage.get_many([self._key("rec", s) for s in sids]) if sids else []
        out: list[TollFreeVerification] = []
        for raw in raws:
            if raw is None:
                continue
            verification = TollFreeVerification.from_api(raw)
            if query.status is not None and verification.status is not query.status:
                continue
            pn_sid = query.tollfree_phone_number_sid
            if pn_sid is not None and verification.tollfree_phone_number_sid != pn_sid:
                continue
            out.append(verification)
            if limit is not None and len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------- reviewer
    def start_review(self, sid: str) -> TollFreeVerification:
        """PENDING_REVIEW -> IN_REVIEW (emits the ``requested`` event)."""
        return self._decide(sid, VerificationStatus.IN_REVIEW, {}, "requested", self._tick())

    def approve(self, sid: str) -> TollFreeVerification:
        """Approve (emits ``request-approved``)."""
        return self._decide(
            sid, VerificationStatus.TWILIO_APPROVED, {}, "request-approved", self._tick()
        )

    def reject(
        self, sid: str, codes: int | Iterable[int], *, edit_allowed: bool | None = None
    ) -> TollFreeVerification:
        """Reject with rejection ``codes`` (emits ``request-rejected``).

        ``edit_allowed`` defaults to "every code is resubmittable" per the
        codes table (a code of the newer families then counts as not
        resubmittable, as nothing says otherwise). The edit window closes 7
        days from now.
        """
        code_list = [codes] if isinstance(codes, int) else list(codes)
        if not code_list or any(
            isinstance(c, bool) or not isinstance(c, int) or c <= 0 for c in code_list
        ):
            raise InvalidArgument(f"codes must be one or more positive ints, got {codes!r}")
        if edit_allowed is not None and not isinstance(edit_allowed, bool):
            raise InvalidArgument("edit_allowed must be a bool or None")
        if edit_allowed is None:
            edit_allowed = all(is_resubmittable(c, None) for c in code_list)
        from a2p_policy._codes.classifier import ErrorCodeClassifier

        classifier = ErrorCodeClassifier()
        reasons = [
            {
                "code": c,
                "reason": classifier.tollfree_rejection(c, edit_allowed=edit_allowed).description,
            }
            for c in dict.fromkeys(code_list)
        ]
        now = self._tick()
        fields = {
            "rejection_reasons": reasons,
            "rejection_reason": reasons[0]["reason"],
            "error_code": reasons[0]["code"],
            "rejected_on": _iso(now),
            "edit_expiration": _iso(now + EDIT_WINDOW),
            "edit_allowed": edit_allowed,
        }
        return self._decide(
            sid, VerificationStatus.TWILIO_REJECTED, fields, "request-rejected", now
        )

    def expire(self, sid: str) -> TollFreeVerification:
        """Emit the ``expired`` event for a rejected verification (its 7-day
        window passed); the status stays TWILIO_REJECTED."""
        current, _ = self._load(sid)
        if current.status is not VerificationStatus.TWILIO_REJECTED:
            from a2p_policy._errors import InvalidTransition

            raise InvalidTransition(
                f"only a rejected verification expires; {sid} is {current.status.value}"
            )
        self._emit(current, "expired", self._tick())
        return current

    def event_payload(self, after: int = 0) -> str:
        """The CloudEvents emitted so far (after the ``after``-th), as the JSON
        text an Event Streams webhook sink receives."""
        entries = self._storage.read(self._key("events"), after=after)
        return "[" + ",".join(entry for _, entry in entries) + "]"

    # ------------------------------------------------------------- internals
    def _load(self, sid: object) -> tuple[TollFreeVerification, str]:
        if not isinstance(sid, str) or not sid:
            raise TollFreeApiError(404, 404, "Toll-Free verification not found.")
        try:
            key = self._key("rec", sid)
        except InvalidArgument:
            raise TollFreeApiError(404, 404, "Toll-Free verification not found.") from None
        if len(key) > 512:
            raise TollFreeApiError(404, 404, "Toll-Free verification not found.")
        raw = self._storage.get(key)
        if raw is None:
            raise TollFreeApiError(404, 404, "Toll-Free verification not found.")
        return TollFreeVerification.from_api(raw), raw

    def _decide(
        self,
        sid: str,
        target: VerificationStatus,
        fields: Mapping[str, object],
        event: str,
        at: datetime,
    ) -> TollFreeVerification:
        for _ in range(_MAX_CAS_RETRIES):
            current, raw = self._load(sid)
            check_transition(current.status, target)
            record = current.to_api_json()
            record.update(fields)
            record.update(status=target.value, date_updated=_iso(at))
            updated = TollFreeVerification.from_api(record)
            if self._storage.compare_and_set(
                self._key("rec", sid), raw, json.dumps(updated.to_api_json())
            ):
                self._emit(updated, event, at)
                return updated
        raise TollFreeApiError(500, 500, "General/Server Error.")  # pragma: no cover

    def _emit(self, v: TollFreeVerification, kind: str, now: datetime) -> None:
        data: dict[str, Any] = {
            "accountsid": v.account_sid,
            "customerprofilesid": v.customer_profile_sid,
            "phonenumbersid": v.tollfree_phone_number_sid,
            "processeddate": _ms(now),
            "tollfreeverificationsid": v.sid,
            "verificationstatus": v.status.value.lower(),
        }
        if v.tollfree_phone_number:
            data["phonenumber"] = v.tollfree_phone_number
        if kind == "request-rejected":
            codes = v.rejection_codes
            data.update(
                errorcode=codes[0] if codes else None,
                errorcodes=",".join(str(c) for c in codes),
                errordescription="; ".join(r.reason or "" for r in v.rejection_reasons),
                rejectiondate=_ms(v.rejected_on or now),
                editexpiration=_ms(v.edit_expiration) if v.edit_expiration else None,
                editallowed=v.edit_allowed,
            )
        event = {
            "data": data,
            "datacontenttype": "application/json",
            "id": f"CE{self._next('ce'):032x}",
            "source": self._account_sid,
            "specversion": "1.0",
            "time": _iso(now),
            "type": EVENT_PREFIX + kind,
        }
        self._storage.append(self._key("events"), json.dumps(event))

    def __repr__(self) -> str:
        return f"InMemoryTollFreeTransport(account_sid={self._account_sid!r})"
