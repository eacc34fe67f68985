"""A faithful in-memory fake of an outbound transport, for test suites.

It keeps what went out (:attr:`InMemoryMessagingTransport.sent`), refuses the
next sends with a chosen Twilio code (:meth:`~InMemoryMessagingTransport.refuse_next`),
and produces the status callback form Twilio would POST when a message is
delivered or fails (:meth:`~InMemoryMessagingTransport.deliver`,
:meth:`~InMemoryMessagingTransport.fail`), so a downstream suite can drive
the whole loop without a network.

Sources: Twilio's status callback parameters (``MessageSid``,
``MessageStatus``, ``ErrorCode``, ``To``, ``From``, ``AccountSid``, plus the
legacy ``SmsSid``/``SmsStatus`` and ``ApiVersion``); Twilio's REST error
codes (a 429 answers code 20429, a 500 answers 20500).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import datetime

import attrs

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._codes.models import ErrorCategory
from a2p_policy._errors import InvalidArgument
from a2p_policy._messaging.transport import SentMessage, TransportError, check_send_arguments

__all__ = ["InMemoryMessagingTransport", "OutgoingRecord"]

_CLASSIFIER = ErrorCodeClassifier()
_HTTP_ERROR_CODES = {429: 20429, 500: 20500, 502: 20500, 503: 20503, 504: 20500}


@attrs.frozen(slots=True)
class OutgoingRecord:
    """One accepted send: the sid it got and exactly what went out."""

    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    at: datetime


def _refusal(code: int) -> TransportError:
    """The error Twilio answers for ``code``: an HTTP status (429, 5xx) gets
    Twilio's generic code; a messaging code comes with HTTP 400."""
    if code in _HTTP_ERROR_CODES:
        return TransportError(code, _HTTP_ERROR_CODES[code], f"HTTP {code} refused by the fake")
    if code in (20429, 20500, 20503):
        status = {20429: 429, 20500: 500, 20503: 503}[code]
        return TransportError(status, code, f"HTTP {status} refused by the fake")
    if code == 0:
        return TransportError(0, None, "connection lost (fake): the outcome is unknown")
    info = _CLASSIFIER.classify(code)
    return TransportError(400, code, info.description)


class InMemoryMessagingTransport:
    """:class:`~a2p_policy.MessageTransport` in memory.

    ``clock`` stamps each record (default the system clock); ``account_sid``
    is echoed in the callback forms. Thread-safe.
    """

    def __init__(self, *, clock: Clock | None = None, account_sid: str | None = None) -> None:
        self.clock: Clock = clock_or_system(clock)
        self.account_sid = account_sid or "AC" + "0" * 32
        self._lock = threading.Lock()
        self._sent: list[OutgoingRecord] = []
        self._by_sid: dict[str, OutgoingRecord] = {}
        self._refusals: list[int] = []
        self._counter = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self.attempts = 0

    def __repr__(self) -> str:
        return f"InMemoryMessagingTransport(sent={len(self._sent)})"

    # ------------------------------------------------------------ the port
    def send(
        self, *, to: str, sender: str, body: str, status_callback: str | None = None
    ) -> SentMessage:
        check_send_arguments(to, sender, body, status_callback)
        now = ensure_aware(self.clock.now(), "clock.now()")
        with self._lock:
            self.attempts += 1
            if self._refusals:
                raise _refusal(self._refusals.pop(0))
            sid = f"SM{self._prefix}{next(self._counter):024x}"
            record = OutgoingRecord(sid, to, sender, body, status_callback, now)
            self._sent.append(record)
            self._by_sid[sid] = record
        return SentMessage(sid, "queued")

    # ------------------------------------------------------------ test controls
    @property
    def sent(self) -> list[OutgoingRecord]:
        """Every accepted send, oldest first (a copy)."""
        with self._lock:
            return list(self._sent)

    def refuse_next(self, code: int, times: int = 1) -> None:
        """Refuse the next ``times`` sends with ``code``: a Twilio error code
        (21610, 21211, 30007 ... answered with HTTP 400), an HTTP status (429,
        500, 503: retryable), or 0 (the connection is lost: uncertain)."""
        if isinstance(code, bool) or not isinstance(code, int) or code < 0:
            raise InvalidArgument(f"code must be an int >= 0, got {code!r}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise InvalidArgument(f"times must be an int >= 1, got {times!r}")
        with self._lock:
            self._refusals.extend([code] * times)

    def message(self, sid: str) -> OutgoingRecord:
        """The record of ``sid`` (``InvalidArgument`` for an unknown sid)."""
        with self._lock:
            found = self._by_sid.get(sid)
        if found is None:
            raise InvalidArgument(f"unknown message sid {sid!r}")
        return found

    def deliver(self, sid: str) -> dict[str, str]:
        """The status callback form Twilio would POST when ``sid`` is delivered."""
        return self._form(self.message(sid), "delivered", None)

    def fail(self, sid: str, error_code: int | str) -> dict[str, str]:
        """The status callback form for ``sid`` failing with ``error_code``:
        ``undelivered`` for carrier and handset errors (30003-30008 ...),
        ``failed`` for errors Twilio raises itself before the carrier (30001,
        30002, 30032 ...)."""
        record = self.message(sid)
        info = _CLASSIFIER.classify(error_code)
        if info.code is None:
            raise InvalidArgument(f"error_code must be a positive number, got {error_code!r}")
        word = "failed" if info.category is ErrorCategory.SENDING else "undelivered"
        return self._form(record, word, info.code)

    def status_form(self, sid: str, status: str) -> dict[str, str]:
        """The form for any intermediate status (``queued``, ``sent`` ...)."""
        return self._form(self.message(sid), status, None)

    def _form(self, record: OutgoingRecord, status: str, code: int | None) -> dict[str, str]:
        form = {
            "MessageSid": record.sid,
            "SmsSid": record.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": record.to,
            "From": record.sender,
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
        }
        if code is not None:
            form["ErrorCode"] = str(code)
        return form

    def inbound(self, *, from_: str, to: str, body: str, sid: str | None = None) -> dict[str, str]:
        """The form Twilio POSTs to your inbound webhook when ``from_`` texts
        ``body`` to your number ``to``."""
        message_sid = sid or f"SM{uuid.uuid4().hex}"
        return {
            "MessageSid": message_sid,
            "SmsMessageSid": message_sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "ApiVersion": "2010-04-01",
        }
