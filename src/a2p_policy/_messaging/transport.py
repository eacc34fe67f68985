"""The outbound message transport: the port between the Messenger and a provider.

Why: the policy engine decides, a transport sends. A transport is one method
(``send``) that either hands back the provider's message id and first
status, or raises :class:`TransportError` when the provider refused the
request synchronously (no message was created). The library ships two:
:class:`~a2p_policy.TwilioMessagingTransport`
(the twilio SDK) and :class:`~a2p_policy.InMemoryMessagingTransport`
(a faithful fake for tests). To use another provider, write a class with the
same ``send`` (see docs/messenger.md).

Sources: Twilio's Messages resource ("Create a Message": ``To``, ``From``,
``MessagingServiceSid``, ``Body``, ``StatusCallback``; the response's ``sid``
and ``status``) and Twilio's error dictionary (21610, 21211, 21408, 21612,
21614; 20429 Too Many Requests; 20500/20503 server errors).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._codes.models import DndAction, ErrorInfo
from a2p_policy._errors import A2PPolicyError, InvalidArgument

__all__ = ["MessageTransport", "SentMessage", "TransportError", "check_send_arguments"]

_CLASSIFIER = ErrorCodeClassifier()

#: Twilio's REST codes for HTTP errors that carry no messaging code of their own.
_HTTP_CODES = {429: 20429, 500: 20500, 503: 20503}


@attrs.frozen(slots=True)
class SentMessage:
    """What the provider answered for an accepted send: its message id
    (Twilio's ``SM...``/``MM...`` sid) and first status (``queued``,
    ``accepted``, ``sending``, ``sent``...)."""

    sid: str = attrs.field()
    status: str = "queued"

    @sid.validator
    def _check_sid(self, _: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise A2PPolicyError(f"SentMessage.sid must be a non-empty str, got {value!r}")


class TransportError(A2PPolicyError):
    """The provider refused a send synchronously, or could not be reached.

    ``status`` is the HTTP status (0: the request may not have reached the
    provider, or its answer was lost: see :attr:`uncertain`), ``code`` the
    provider's error code when given, ``message`` its text. ``retryable``
    (unless given explicitly) is True for HTTP 429 and 5xx and for codes the
    :class:`~a2p_policy.ErrorCodeClassifier` knows to be retryable;
    False otherwise (21610, 21211, 21408, 21612, 21614, 30007 ... need a
    change first).
    """

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        retryable: bool | None = None,
    ) -> None:
        self.status = int(status)
        self.code = code if isinstance(code, int) and not isinstance(code, bool) else None
        self.message = str(message)
        if retryable is None:
            retryable = self.status == 429 or self.status >= 500
            if not retryable and self.code is not None and self.status != 0:
                retryable = self.info.known and self.info.retryable
        self.retryable = bool(retryable)
        super().__init__(
            f"HTTP {self.status}" + (f" (code {self.code})" if self.code else "") + f": {message}"
        )

    @property
    def uncertain(self) -> bool:
        """True when nobody knows whether the provider created the message
        (a network failure: ``status`` 0). Never retried automatically."""
        return self.status == 0

    @property
    def info(self) -> ErrorInfo:
        """The classifier's answer for :attr:`code` (``known=False`` without one)."""
        return _CLASSIFIER.classify(self.code)

    @property
    def unsubscribed(self) -> bool:
        """Twilio 21610: the recipient replied STOP; treat exactly as a STOP."""
        return self.code == 21610

    @property
    def dnd_action(self) -> DndAction:
        """The do-not-disturb action the code calls for (NONE for unknown codes)."""
        return self.info.dnd_action

    @classmethod
    def from_http(cls, status: int, code: int | None = None, message: str = "") -> TransportError:
        """An error for an HTTP status, with Twilio's generic code for 429/5xx
        when the body gave none."""
        if code is None:
            code = _HTTP_CODES.get(int(status))
        return cls(status, code, message or f"HTTP {status}")

    def __reduce__(
        self,
    ) -> tuple[type[TransportError], tuple[int, int | None, str, bool]]:
        return (type(self), (self.status, self.code, self.message, self.retryable))


@runtime_checkable
class MessageTransport(Protocol):
    """Sends one composed message.

    Contract (every implementation):

    * ``to`` and ``sender`` are E.164 numbers; ``body`` is the exact text to
      send (the engine's composed body; a transport never changes it).
    * On acceptance, return a :class:`SentMessage` with the provider's id:
      status callbacks name the message by that id.
    * On a synchronous refusal (no message created), raise
      :class:`TransportError` with the HTTP status and the provider's code.
    * When it cannot tell whether the message was created (connection lost
      after the request went out, timeout), raise :class:`TransportError`
      with ``status`` 0: the Messenger then reports the send ``uncertain``
      and never re-sends it by itself.
    * Thread-safe: ``Messenger.send_bulk`` calls ``send`` from several threads.
    """

    def send(
        self, *, to: str, sender: str, body: str, status_callback: str | None = None
    ) -> SentMessage:
        """Send ``body`` from ``sender`` to ``to``; see the class contract."""
        ...


def check_send_arguments(to: object, sender: object, body: object, status_callback: object) -> None:
    """The argument checks every transport's ``send`` starts with."""
    for name, value in (("to", to), ("sender", sender), ("body", body)):
        if not isinstance(value, str) or not value:
            raise InvalidArgument(f"{name} must be a non-empty str")
    if status_callback is not None and not isinstance(status_callback, str):
        raise InvalidArgument("status_callback must be a str or None")
