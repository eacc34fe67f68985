"""The toll-free verification transport: the port between the client and the API.

Why: the client's rules (pre-check, state machine, stored records, events)
must not depend on how the Messaging Compliance API is reached. A transport
is a tiny object with five methods, like an httpx transport; the library
ships two: :class:`~a2p_policy.TwilioTollFreeTransport`
(the twilio SDK) and :class:`~a2p_policy.InMemoryTollFreeTransport`
(a faithful fake for tests). Both pass one contract test suite.

Source of the operations and errors: sources.md [tfv-api]
("Create", "List", "Fetch", "Edit a rejected verification", "Delete", and the
error table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from a2p_policy._errors import InvalidArgument, TollFreeApiError
from a2p_policy._tollfree.models import TollFreeVerification, VerificationStatus

__all__ = ["TollFreeTransport"]


@runtime_checkable
class TollFreeTransport(Protocol):
    """The Messaging Compliance API's toll-free verification resource.

    Contract (every implementation):

    * ``params`` are the twilio SDK's keyword arguments (snake_case names of
      ``TollfreeVerificationList.create`` / ``TollfreeVerificationContext.update``;
      values are strings, lists of strings and bools, as
      ``TollFreeVerificationRequest.to_params()`` gives them).
    * Every answer is a :class:`TollFreeVerification` built from the API's
      record; the transport keeps nothing of its own.
    * Every failure the API answers is raised as
      :class:`~a2p_policy.TollFreeApiError` with the HTTP ``status``,
      Twilio's ``code`` when given, and the API's ``message``: 400 for an
      invalid or missing field (and for an edit without values, without a
      new value, or of a submission that is not rejected), 404 for an unknown
      or malformed verification SID, 409 for a second submission for a number
      that has one, 422 for an edit that is not allowed or for an unusable
      customer profile or phone number. A network failure is a
      ``TollFreeApiError`` with ``status`` 0.
    """

    def create(self, params: Mapping[str, object]) -> TollFreeVerification:
        """POST /v1/Tollfree/Verifications: submit a verification (201)."""
        ...

    def fetch(self, sid: str) -> TollFreeVerification:
        """GET /v1/Tollfree/Verifications/{sid}."""
        ...

    def update(self, sid: str, params: Mapping[str, object]) -> TollFreeVerification:
        """POST /v1/Tollfree/Verifications/{sid}: edit a rejected verification
        (``params`` may include ``edit_reason``); it returns to PENDING_REVIEW."""
        ...

    def delete(self, sid: str) -> None:
        """DELETE /v1/Tollfree/Verifications/{sid}."""
        ...

    def list(
        self,
        *,
        status: VerificationStatus | None = None,
        tollfree_phone_number_sid: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> list[TollFreeVerification]:
        """GET /v1/Tollfree/Verifications with optional filters, following
        pages (``page_size`` at most 50) until ``limit`` records or the end."""
        ...


@attrs.frozen(slots=True)
class ListQuery:
    """The filters of one :meth:`TollFreeTransport.list` call; ``status``
    already read as the API reads it."""

    status: VerificationStatus | None
    tollfree_phone_number_sid: str | None
    limit: int | None
    page_size: int | None


class ListingTransport:
    """What the library's two transports share: :meth:`list` reads its
    filters (an unknown ``status`` is the API's 400) and hands them to
    :meth:`_list`."""

    def _list(self, query: ListQuery) -> list[TollFreeVerification]:
        raise NotImplementedError  # each transport's own

    def list(
        self,
        *,
        status: VerificationStatus | None = None,
        tollfree_phone_number_sid: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
    ) -> list[TollFreeVerification]:
        if status is not None:
            try:
                status = VerificationStatus.parse(status)
            except InvalidArgument as exc:
                raise TollFreeApiError(400, 400, str(exc)) from None
        return self._list(ListQuery(status, tollfree_phone_number_sid, limit, page_size))
