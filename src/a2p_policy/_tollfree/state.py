"""The toll-free verification state machine.

Why: the API refuses illegal moves only after a round trip (or, for an edit
sent after the window, silently loses priority), and events arrive late and
out of order. One pure module decides what may happen next, so the client,
the in-memory fake and the Event Streams handler agree.

Rules and their sources
- Statuses and their order (compliance API article, "Toll-Free verification
  status"): a submission starts PENDING_REVIEW, moves to IN_REVIEW, and is
  decided TWILIO_APPROVED or TWILIO_REJECTED (a review may decide straight
  from PENDING_REVIEW as seen by a poller).
- Only a rejected submission may be edited, only when ``edit_allowed`` and
  every rejection code is resubmittable, and the edit must change at least
  one field; an edit returns it to PENDING_REVIEW (compliance API article,
  "Edit a rejected toll-free verification" and the error table: "No values
  were submitted", "No values were different", "Cannot edit an approved
  submission").
- The 7-day window after a rejection: an edit inside it is prioritized;
  after it the submission is expired, still editable when resubmittable but
  not prioritized (compliance API article, "Twilio Rejected" event and
  status table; sources.md: toll-free verification picks this reading over the resubmission
  article's "you will have to submit a new submission").
- Delete needs an existing submission in any status (compliance API article,
  "Delete a verification").
- Resubmittability of a code comes from :mod:`a2p_policy._codes` (the
  article's rejection table; newer families follow ``edit_allowed``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from a2p_policy._errors import InvalidArgument, InvalidTransition
from a2p_policy._tollfree.models import (
    EDIT_WINDOW,
    TollFreeVerification,
    VerificationStatus,
    is_resubmittable,
)

__all__ = [
    "EDIT_WINDOW",
    "STATUS_RANK",
    "TRANSITIONS",
    "EditWindow",
    "can_transition",
    "changed_fields",
    "check_edit",
    "check_transition",
    "edit_window",
    "is_resubmittable",
]

_S = VerificationStatus

#: Legal moves; ``None`` is "no submission yet". Deleting is allowed from
#: every status and is not a move of the record (it ends it).
TRANSITIONS: Final[Mapping[VerificationStatus | None, frozenset[VerificationStatus]]] = {
    None: frozenset({_S.PENDING_REVIEW}),
    _S.PENDING_REVIEW: frozenset({_S.IN_REVIEW, _S.TWILIO_APPROVED, _S.TWILIO_REJECTED}),
    _S.IN_REVIEW: frozenset({_S.TWILIO_APPROVED, _S.TWILIO_REJECTED}),
    _S.TWILIO_REJECTED: frozenset({_S.PENDING_REVIEW}),
    _S.TWILIO_APPROVED: frozenset(),
}

#: Progress within one review cycle: the order "never backwards" refers to.
STATUS_RANK: Final[Mapping[VerificationStatus, int]] = {
    _S.PENDING_REVIEW: 0,
    _S.IN_REVIEW: 1,
    _S.TWILIO_APPROVED: 2,
    _S.TWILIO_REJECTED: 2,
}


class EditWindow(enum.Enum):
    """Whether and how a verification can be edited now."""

    NOT_EDITABLE = "NOT_EDITABLE"
    PRIORITIZED = "PRIORITIZED"
    EXPIRED = "EXPIRED"


def can_transition(current: VerificationStatus | None, target: VerificationStatus) -> bool:
    """True if the machine allows ``current`` -> ``target``."""
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: VerificationStatus | None, target: VerificationStatus) -> None:
    """Raise :class:`~a2p_policy.InvalidTransition` unless the move is legal."""
    if not isinstance(target, VerificationStatus) or not (
        current is None or isinstance(current, VerificationStatus)
    ):
        raise InvalidArgument("statuses must be VerificationStatus members (or None)")
    if not can_transition(current, target):
        name = current.value if current else "no submission"
        allowed = ", ".join(s.value for s in TRANSITIONS[current]) or "none"
        raise InvalidTransition(
            f"a verification cannot move from {name} to {target.value} (allowed: {allowed})"
        )


def edit_window(verification: TollFreeVerification, now: datetime) -> EditWindow:
    """NOT_EDITABLE unless rejected and resubmittable; then PRIORITIZED
    before the edit deadline (``edit_expiration`` or rejection + 7 days) and
    EXPIRED after it."""
    if not verification.resubmittable:
        return EditWindow.NOT_EDITABLE
    deadline = verification.edit_deadline()
    if deadline is not None and now >= deadline:
        return EditWindow.EXPIRED
    return EditWindow.PRIORITIZED


def changed_fields(
    verification: TollFreeVerification, changes: Mapping[str, object]
) -> dict[str, object]:
    """The subset of (validated) ``changes`` that differ from the record."""
    out: dict[str, object] = {}
    for name, value in changes.items():
        current = getattr(verification, name, None)
        if isinstance(current, tuple):
            current = list(current)
        if current != value:
            out[name] = value
    return out


def check_edit(
    verification: TollFreeVerification,
    changes: Mapping[str, object],
    *,
    now: datetime,
    allow_expired: bool = True,
) -> EditWindow:
    """Raise unless ``changes`` may be sent as an edit of ``verification``.

    ``changes`` are already validated (see ``validate_changes``). Raises
    :class:`~a2p_policy.InvalidTransition` when the verification is not
    rejected, the rejection is not resubmittable (``edit_allowed`` false or a
    non-resubmittable code), or the window expired and ``allow_expired`` is
    false; :class:`~a2p_policy.InvalidArgument` when no field changes.
    Returns whether the edit is prioritized or expired.
    """
    status = verification.status
    if status is not VerificationStatus.TWILIO_REJECTED:
        raise InvalidTransition(
            f"cannot edit a {status.value} submission {verification.sid}: only a "
            "TWILIO_REJECTED verification can be edited"
        )
    if not verification.resubmittable:
        codes = ", ".join(str(c) for c in verification.rejection_codes) or "none"
        raise InvalidTransition(
            f"verification {verification.sid} cannot be edited (edit_allowed="
            f"{verification.edit_allowed}, codes {codes}): delete it and submit anew"
        )
    window = edit_window(verification, now)
    if window is EditWindow.EXPIRED and not allow_expired:
        raise InvalidTransition(
            f"the edit window of {verification.sid} expired at "
            f"{verification.edit_deadline()}; submit a new verification"
        )
    if not changes:
        raise InvalidArgument("no values were submitted: an edit must change at least one field")
    if not changed_fields(verification, changes):
        raise InvalidArgument(
            "no values were different: an edit must give at least one field a new value"
        )
    return window
