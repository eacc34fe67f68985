"""The outbound message transport over the twilio SDK (``twilio.rest.Client``).

Why: the one module that knows how Twilio sends a message. ``send`` calls
``client.messages.create(to=..., from_=..., body=..., status_callback=...)``
(plus ``messaging_service_sid`` when configured) and maps every SDK failure
to :class:`~a2p_policy.TransportError`:

* ``TwilioRestException`` (the API answered an error body): its HTTP status
  and Twilio code, e.g. 400/21610 (unsubscribed recipient), 400/21211
  (invalid To), 400/21408 (region not enabled), 400/21612 and 400/21614
  (unreachable or not a mobile number), 429/20429 (too many requests,
  retryable), 500/20500 (retryable);
* a network failure or an unreadable answer: ``status`` 0 (uncertain: the
  message may have been created).

twilio is imported lazily, so ``import a2p_policy`` works without it.

Sources: the twilio SDK's ``twilio/rest/api/v2010/account/message/__init__.py``
(``MessageList.create`` parameters) and ``twilio/base/version.py`` (how
error bodies become ``TwilioRestException``); Twilio's error dictionary.
"""

from __future__ import annotations

import re
from typing import Any

from a2p_policy._errors import InvalidArgument
from a2p_policy._messaging.transport import SentMessage, TransportError, check_send_arguments
from a2p_policy._validation import int_or_none

__all__ = ["TwilioMessagingTransport"]

_MG_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_PREFIX = re.compile(r"^Unable to create record: ")


class TwilioMessagingTransport:
    """:class:`~a2p_policy.MessageTransport` over a
    ``twilio.rest.Client`` (build it with your credentials; pass
    ``http_client=`` to control HTTP).

    With ``messaging_service_sid`` (``MG...``), messages are created through
    that Messaging Service *and* from the decided sender number: the policy
    decision (toll-free verification, conversation, quotas) is about that
    sender, so the service's sender pool never substitutes another number.
    """

    def __init__(self, client: Any, *, messaging_service_sid: str | None = None) -> None:
        try:
            self._messages = client.messages
        except AttributeError as exc:
            raise InvalidArgument(
                f"client must be a twilio.rest.Client, got {type(client).__name__}"
            ) from exc
        if messaging_service_sid is not None and (
            not isinstance(messaging_service_sid, str)
            or not _MG_SID.fullmatch(messaging_service_sid)
        ):
            raise InvalidArgument(
                f"messaging_service_sid must look like MG + 32 hex digits, "
                f"got {messaging_service_sid!r}"
            )
        self.messaging_service_sid = messaging_service_sid

    def __repr__(self) -> str:
        return f"TwilioMessagingTransport(messaging_service_sid={self.messaging_service_sid!r})"

    def send(
        self, *, to: str, sender: str, body: str, status_callback: str | None = None
    ) -> SentMessage:
        check_send_arguments(to, sender, body, status_callback)
        kwargs: dict[str, Any] = {"to": to, "from_": sender, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        if self.messaging_service_sid is not None:
            kwargs["messaging_service_sid"] = self.messaging_service_sid

        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            created = self._messages.create(**kwargs)
        except TwilioRestException as exc:
            message = _PREFIX.sub("", str(exc.msg or ""))
            status = int(exc.status or 0)
            code = int_or_none(exc.code)
            if code is not None and code == status:
                code = None  # the SDK repeats the status when the body had no code
            raise TransportError.from_http(status, code, message) from exc
        except TwilioException as exc:
            status_raw = getattr(exc, "status", None)
            if isinstance(status_raw, int) and status_raw >= 400:
                # TwilioServiceException (an RFC 9457 problem body).
                detail = getattr(exc, "detail", None) or getattr(exc, "title", None) or str(exc)
                raise TransportError.from_http(
                    status_raw, int_or_none(getattr(exc, "code", None)), str(detail)
                ) from exc
            raise TransportError(0, None, f"twilio SDK error: {exc}") from exc
        except (OSError, ValueError) as exc:
            # requests' connection errors are OSErrors; a body that is not
            # JSON is a ValueError. The message may exist: uncertain.
            raise TransportError(0, None, f"no usable answer from Twilio: {exc!s:.300}") from exc
        sid = getattr(created, "sid", None)
        if not isinstance(sid, str) or not sid:
            raise TransportError(0, None, "Twilio's answer has no message sid")
        status_word = getattr(created, "status", None)
        return SentMessage(sid, str(status_word) if status_word else "queued")
