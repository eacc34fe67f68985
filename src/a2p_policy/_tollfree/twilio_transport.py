"""The toll-free transport over the twilio SDK (``twilio.rest.Client``).

Why: the one module that knows the SDK. It maps our parameters to
``client.messaging.v1.tollfree_verifications`` calls (the SDK turns them into
the form keys ``BusinessName``, ``UseCaseCategories``, ``OptInImageUrls`` ...),
reads its instances into :class:`~a2p_policy.TollFreeVerification`,
and maps every SDK failure (``TwilioRestException``, the RFC 9457
``TwilioServiceException``, a page that failed, a network error) to
:class:`~a2p_policy.TollFreeApiError`. twilio is imported lazily, so
``import a2p_policy`` works without it.

Source: the twilio SDK's ``twilio/rest/messaging/v1/tollfree_verification.py``
(parameters of create/update/page) and ``twilio/base/version.py`` (how error
bodies become exceptions); sources.md [tfv-api]
(List: page size at most 50).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from a2p_policy._errors import InvalidArgument, TollFreeApiError
from a2p_policy._optional import require
from a2p_policy._tollfree.models import TollFreeVerification
from a2p_policy._tollfree.transport import ListingTransport, ListQuery
from a2p_policy._validation import int_or_none

__all__ = ["TwilioTollFreeTransport"]

T = TypeVar("T")

_MAX_PAGE_SIZE = 50
_HH_SID = re.compile(r"^HH[0-9a-fA-F]{32}$")
_PREFIX = re.compile(r"^Unable to (?:create|fetch|update|delete) record: ")


def _not_found() -> TollFreeApiError:
    return TollFreeApiError(404, 404, "Toll-Free verification not found.")


class TwilioTollFreeTransport(ListingTransport):
    """:class:`~a2p_policy._tollfree.transport.TollFreeTransport` over a
    ``twilio.rest.Client`` (build it with your credentials; pass
    ``http_client=`` to control HTTP)."""

    def __init__(self, client: Any) -> None:
        try:
            self._resource = client.messaging.v1.tollfree_verifications
        except AttributeError as exc:
            raise InvalidArgument(
                f"client must be a twilio.rest.Client, got {type(client).__name__}"
            ) from exc

    # ------------------------------------------------------------- API
    def create(self, params: Mapping[str, object]) -> TollFreeVerification:
        kwargs = self._params(params)
        return self._call(lambda: TollFreeVerification.from_api(self._resource.create(**kwargs)))

    def fetch(self, sid: str) -> TollFreeVerification:
        sid = self._sid(sid)
        return self._call(lambda: TollFreeVerification.from_api(self._resource(sid).fetch()))

    def update(self, sid: str, params: Mapping[str, object]) -> TollFreeVerification:
        sid = self._sid(sid)
        kwargs = self._params(params)
        return self._call(
            lambda: TollFreeVerification.from_api(self._resource(sid).update(**kwargs))
        )

    def delete(self, sid: str) -> None:
        sid = self._sid(sid)
        self._call(lambda: self._resource(sid).delete())

    def _list(self, query: ListQuery) -> list[TollFreeVerification]:
        kwargs: dict[str, object] = {}
        if query.status is not None:
            kwargs["status"] = query.status.value
        if query.tollfree_phone_number_sid is not None:
            kwargs["tollfree_phone_number_sid"] = query.tollfree_phone_number_sid
        if query.limit is not None:
            kwargs["limit"] = query.limit
        kwargs["page_size"] = min(query.page_size or _MAX_PAGE_SIZE, _MAX_PAGE_SIZE)
        return self._call(
            lambda: [TollFreeVerification.from_api(i) for i in self._resource.list(**kwargs)]
        )

    # ------------------------------------------------------------- internals
    @staticmethod
    def _sid(sid: object) -> str:
        # The SDK puts the SID in the URL path unescaped: refuse anything else
        # the way the API would (404).
        if not isinstance(sid, str) or not _HH_SID.fullmatch(sid):
            raise _not_found()
        return sid

    @staticmethod
    def _params(params: Mapping[str, object]) -> dict[str, Any]:
        if not isinstance(params, Mapping) or any(not isinstance(k, str) for k in params):
            raise TollFreeApiError(400, 400, "Request parameters must be a mapping of str.")
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}

    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        require("twilio", "TwilioTollFreeTransport")  # names the extra when absent
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            from twilio.base.exceptions import TwilioServiceException
        except ImportError:  # pragma: no cover - older SDKs
            TwilioServiceException = TwilioRestException

        try:
            return fn()
        except TollFreeApiError:
            raise
        except TwilioServiceException as exc:
            status = int(getattr(exc, "status", 0) or 0)
            message = getattr(exc, "detail", None) or getattr(exc, "title", None) or str(exc)
            raise TollFreeApiError(
                status, int_or_none(getattr(exc, "code", None)), str(message)
            ) from exc
        except TwilioRestException as exc:
            message = _PREFIX.sub("", str(exc.msg or ""))
            raise TollFreeApiError(int(exc.status), int_or_none(exc.code), message) from exc
        except TypeError as exc:
            # A missing or unknown keyword for the SDK's create()/update().
            head = (
                "Missing mandatory field name for submitting a verification: "
                if "missing" in str(exc)
                else "invalid parameter: "
            )
            raise TollFreeApiError(400, 400, f"{head}{exc}") from exc
        except TwilioException as exc:
            # A list page that failed: TwilioException("Unable to fetch page", response).
            response = exc.args[1] if len(exc.args) > 1 else None
            status = int(getattr(response, "status_code", 0) or 0)
            code, message = _error_body(getattr(response, "text", None))
            raise TollFreeApiError(
                status,
                code if code is not None else status or None,
                message or str(exc.args[0] if exc.args else exc),
            ) from exc
        except ValueError as exc:
            # A body that is not JSON, or not a verification record.
            raise TollFreeApiError(0, None, f"unreadable API response: {exc!s:.300}") from exc
        except OSError as exc:
            # requests' connection errors are OSErrors.
            raise TollFreeApiError(0, None, f"could not reach the API: {exc}") from exc


def _error_body(text: object) -> tuple[int | None, str | None]:
    if not isinstance(text, str):
        return None, None
    try:
        body = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    message = body.get("message")
    return int_or_none(body.get("code")), message if isinstance(message, str) else None
