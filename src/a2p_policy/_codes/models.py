"""Value objects answered by :class:`~a2p_policy.ErrorCodeClassifier`.

Kept apart from the tables (``tables.py``) and the lookup logic
(``classifier.py``) so that both can import them without a cycle. All are
frozen attrs classes: they are built on the status-callback hot path and
compared in tests.
"""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "DndAction",
    "ErrorCategory",
    "ErrorInfo",
    "HttpErrorInfo",
    "RejectionInfo",
]


class DndAction(enum.Enum):
    """What a delivery error asks the do-not-disturb manager to do.

    Source: sources.md [policy], "Spam Message
    Handling" (the undelivered error-code table) and sources.md: DND.
    """

    NONE = "NONE"
    TEMPORARY = "TEMPORARY"
    PERMANENT = "PERMANENT"


class ErrorCategory(enum.Enum):
    """Where in a message's life an error code is raised.

    ``DELIVERY``: the carrier or handset refused the message (status
    ``undelivered``); ``SENDING``: Twilio failed it after accepting the request
    (status ``failed``); ``API``: the REST request itself was refused (HTTP 4xx,
    no message was created, so it never reaches a carrier); ``NONE``: no
    error code at all; ``UNKNOWN``: a code this library does not know, or
    input that is not a code.
    """

    DELIVERY = "DELIVERY"
    SENDING = "SENDING"
    API = "API"
    NONE = "NONE"
    UNKNOWN = "UNKNOWN"


@attrs.frozen(slots=True)
class ErrorInfo:
    """What one Twilio messaging error code means for the policy rules.

    ``is_error``: the outcome counts toward the account's error rate (sources.md: rate monitor:
    undelivered, or failed after acceptance). ``retryable``: sending the same
    message again, unchanged, may succeed later without any action by the
    sender (a DND set by the same code still gates the resend). ``known``:
    the code is in :data:`~a2p_policy._codes.tables.DELIVERY_ERRORS`.
    ``source``: where the meaning and the rule came from.
    """

    code: int | None
    description: str
    dnd_action: DndAction
    is_error: bool
    retryable: bool
    known: bool
    category: ErrorCategory
    source: str


@attrs.frozen(slots=True)
class RejectionInfo:
    """One toll-free verification rejection code.

    ``resubmittable``: the rejected submission may be edited and resubmitted
    (from the article's table; for the newer code families it is the
    response's ``edit_allowed``, never guessed, and False when that is not
    known). ``correction``: what to change before resubmitting. ``family``:
    the code range it belongs to (``"tfv-rejection"`` for the documented
    table, ``"tfv-rejection-detail"`` for 30481-30546,
    ``"verification-rejection"`` for 30800-30879, None when outside every
    family).
    """

    code: int | None
    description: str
    resubmittable: bool
    correction: str
    known: bool
    family: str | None
    source: str


@attrs.frozen(slots=True)
class HttpErrorInfo:
    """An HTTP status answered by the Messaging Compliance (toll-free
    verification) API, with the error messages the article lists for it.

    ``retryable``: the same request may succeed later unchanged (server side
    and rate-limit errors only); every 4xx in the article needs a change first.
    """

    status: int | None
    title: str
    description: str
    messages: tuple[str, ...]
    retryable: bool
    known: bool
    action: str
