"""Look up what an error code means for the policy rules.

Status callbacks carry Twilio's ``ErrorCode`` as a string, SDK exceptions as
an int, webhooks sometimes as nothing at all; the classifier takes any of
them and always answers (an unknown or malformed code is ``known=False`` with
no DND action), because a status callback must never crash the pipeline that
records it (sources.md: DND: "Unknown codes do nothing and never raise").

The tables and their sources are in :mod:`a2p_policy._codes.tables`.
"""

from __future__ import annotations

import attrs

from a2p_policy._codes.models import (
    DndAction,
    ErrorCategory,
    ErrorInfo,
    HttpErrorInfo,
    RejectionInfo,
)
from a2p_policy._codes.tables import (
    COMPLIANCE_HTTP_ERRORS,
    DELIVERY_ERRORS,
    GENERIC_CORRECTION_NOT_RESUBMITTABLE,
    GENERIC_CORRECTION_RESUBMITTABLE,
    TFV_API_ARTICLE,
    TFV_RESUBMISSION_ARTICLE,
    TOLLFREE_CORRECTIONS,
    TOLLFREE_FAMILIES,
    TOLLFREE_REJECTIONS,
)

__all__ = ["ErrorCodeClassifier", "parse_code"]

#: Twilio error codes have 5 digits; accept a little more, refuse huge inputs
#: (``int()`` of a very long digit string is slow or raises).
_MAX_DIGITS = 9

_NO_CODE = ErrorInfo(
    code=None,
    description="no error code",
    dnd_action=DndAction.NONE,
    is_error=False,
    retryable=False,
    known=False,
    category=ErrorCategory.NONE,
    source="",
)


def parse_code(value: object) -> int | None:
    """The error code in ``value`` as a positive int, or None.

    Accepts an int (not a bool) and a string of ASCII digits with surrounding
    whitespace (``" 30003\\n"``). Anything else (floats, bools, signs, other
    digits, objects, absurdly long numbers) gives None. Never raises.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value) if 0 < value < 10**_MAX_DIGITS else None
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit():
            number = int(text)
            return number if number > 0 else None
    return None


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class ErrorCodeClassifier:
    """Classify delivery/API error codes, toll-free rejection codes and the
    Compliance API's HTTP errors. Stateless and thread-safe; every method
    answers for any input and never raises."""

    __slots__ = ()

    def classify(self, code: int | str | None) -> ErrorInfo:
        """What a messaging error code means: description, DND action, whether
        it counts toward the error rate, whether a resend may succeed.

        ``None`` or a blank string (no error reported) gives ``is_error=False``.
        A well-formed code that is not in the table, and input that is not a
        code at all, give ``known=False``, ``dnd_action=NONE`` and
        ``is_error=True`` (an error was reported, even if unreadable: it counts
        toward the error rate), ``retryable=False``.
        """
        if _is_blank(code):
            return _NO_CODE
        number = parse_code(code)
        row = DELIVERY_ERRORS.get(number) if number is not None else None
        if row is None or number is None:
            # Read as no code at all (no DND action, no resend), but an
            # error was reported: it counts toward the error rate.
            return attrs.evolve(
                _NO_CODE,
                code=number,
                description=_not_in_table("error code", number, code),
                is_error=True,
                category=ErrorCategory.UNKNOWN,
            )
        return ErrorInfo(code=number, known=True, **attrs.asdict(row, recurse=False))

    def tollfree_rejection(
        self, code: int | str, edit_allowed: bool | None = None
    ) -> RejectionInfo:
        """What a toll-free verification rejection code means and how to fix it.

        Codes 30437-30480 answer from the article's table (``edit_allowed`` is
        not consulted: the table decides). Codes in the newer families
        (30481-30546, 30800-30879) answer ``known=False`` with their family and
        ``resubmittable=edit_allowed`` (False when that is None or not a bool:
        never guessed). Other input gives ``known=False``, ``family=None``.
        """
        number = parse_code(code)
        allowed = edit_allowed if isinstance(edit_allowed, bool) else None
        row = TOLLFREE_REJECTIONS.get(number) if number is not None else None
        if row is not None:
            correction = TOLLFREE_CORRECTIONS.get(number or 0) or (
                GENERIC_CORRECTION_RESUBMITTABLE
                if row.resubmittable
                else GENERIC_CORRECTION_NOT_RESUBMITTABLE
            )
            return RejectionInfo(
                code=number,
                description=row.description,
                resubmittable=row.resubmittable,
                correction=correction,
                known=True,
                family="tfv-rejection",
                source=TFV_API_ARTICLE
                + (f"; {TFV_RESUBMISSION_ARTICLE}" if number in TOLLFREE_CORRECTIONS else ""),
            )
        resubmittable = allowed is True
        correction = (
            GENERIC_CORRECTION_RESUBMITTABLE
            if resubmittable
            else GENERIC_CORRECTION_NOT_RESUBMITTABLE
        )
        family = next(
            (f for f in TOLLFREE_FAMILIES if number is not None and f.first <= number <= f.last),
            None,
        )
        return RejectionInfo(
            code=number,
            description=(
                _not_in_table("rejection code", number, code)
                if family is None
                else f"{family.description} (code {number})"
            ),
            resubmittable=resubmittable,
            correction=correction,
            known=False,
            family=None if family is None else family.name,
            source="" if family is None else "sources.md: toll-free verification",
        )

    def http_error(self, status: int | str) -> HttpErrorInfo:
        """What an HTTP status from the Messaging Compliance API means.

        Unknown statuses answer ``known=False``; a 5xx is retryable, anything
        else is not. Never raises.
        """
        number = parse_code(status)
        if number is not None and not 100 <= number <= 599:
            number = None
        row = COMPLIANCE_HTTP_ERRORS.get(number) if number is not None else None
        if row is None:
            server_side = number is not None and number >= 500
            return HttpErrorInfo(
                status=number,
                title="Unknown status" if number is not None else "Malformed status",
                description=(
                    f"HTTP {number} is not documented for the Compliance API"
                    if number is not None
                    else f"not an HTTP status: {_short(status)}"
                ),
                messages=(),
                retryable=server_side,
                known=False,
                action="Retry later." if server_side else "Inspect the response body.",
            )
        return HttpErrorInfo(status=number, known=True, **attrs.asdict(row, recurse=False))

    def __repr__(self) -> str:
        return "ErrorCodeClassifier()"


def _not_in_table(what: str, number: int | None, raw: object) -> str:
    """The description of a ``what`` that is not in its table: a well-formed
    ``number`` is unknown, anything else (``raw``) is malformed."""
    return f"unknown {what} {number}" if number is not None else f"malformed {what} {_short(raw)}"


def _short(value: object) -> str:
    """A bounded, never-raising repr for messages about bad input."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."
