"""TwilioMessagingTransport through the real twilio SDK; only its HttpClient
is replaced, answering Twilio's JSON bodies (the Message resource for a
success, the REST error body for each refusal family). No network."""

from __future__ import annotations

import json
import logging
import pickle
from typing import Any

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from a2p_policy import TransportError, TwilioMessagingTransport
from a2p_policy._codes.models import DndAction
from a2p_policy._errors import InvalidArgument
from a2p_policy._messaging.transport import MessageTransport

ACCOUNT_SID = "AC" + "0" * 32
SID = "SM" + "1" * 32
MG = "MG" + "2" * 32
URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def created(status: str = "queued", **extra: Any) -> str:
    """The Message resource Twilio answers (201) to "Create a Message"."""
    body = {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": "Acme: your order shipped. Reply STOP to unsubscribe",
        "date_created": "Mon, 05 Jan 2026 18:00:00 +0000",
        "date_sent": None,
        "date_updated": "Mon, 05 Jan 2026 18:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": "+14155550199",
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": SID,
        "status": status,
        "subresource_uris": {
            "media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{SID}/Media.json"
        },
        "to": "+14155550100",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{SID}.json",
    }
    body.update(extra)
    return json.dumps(body)


def error(code: int, message: str, status: int = 400) -> str:
    """Twilio's REST error body."""
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )


class RecordingHttpClient(HttpClient):  # type: ignore[misc]
    """Records each request and answers from a queue of (status, body), or
    raises a queued exception (a network failure)."""

    def __init__(self, responses: list[tuple[int, str] | BaseException]) -> None:
        super().__init__(logging.getLogger("tests.messaging"), False)
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.calls.append({"method": method, "url": uri, "data": dict(data or {})})
        if not self.responses:
            raise AssertionError(f"unexpected request {method} {uri}")
        answer = self.responses.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        status, body = answer
        return Response(status, body)


def make(
    *responses: tuple[int, str] | BaseException, service: str | None = None
) -> tuple[TwilioMessagingTransport, RecordingHttpClient]:
    http = RecordingHttpClient(list(responses))
    client = Client(ACCOUNT_SID, "token", http_client=http)
    return TwilioMessagingTransport(client, messaging_service_sid=service), http


def send(t: TwilioMessagingTransport, callback: str | None = None) -> Any:
    return t.send(
        to="+14155550100",
        sender="+14155550199",
        body="Acme: your order shipped. Reply STOP to unsubscribe",
        status_callback=callback,
    )


def test_success_posts_the_form_and_reads_sid_and_status() -> None:
    t, http = make((201, created()))
    assert isinstance(t, MessageTransport)
    sent = send(t, "https://app.example/status")
    assert (sent.sid, sent.status) == (SID, "queued")
    (call,) = http.calls
    assert call["method"] == "POST"
    assert call["url"] == URL
    assert call["data"] == {
        "To": "+14155550100",
        "From": "+14155550199",
        "Body": "Acme: your order shipped. Reply STOP to unsubscribe",
        "StatusCallback": "https://app.example/status",
    }


def test_messaging_service_is_sent_with_the_decided_sender() -> None:
    t, http = make((201, created("accepted", messaging_service_sid=MG)), service=MG)
    sent = send(t)
    assert sent.status == "accepted"
    data = http.calls[0]["data"]
    assert data["MessagingServiceSid"] == MG
    assert data["From"] == "+14155550199"  # the sender the policy decided on
    assert "StatusCallback" not in data


@pytest.mark.parametrize(
    ("code", "message", "dnd"),
    [
        (21610, "Attempt to send to unsubscribed recipient", DndAction.PERMANENT),
        (21211, "The 'To' number +1415555 is not a valid phone number.", DndAction.NONE),
        (
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by "
            "the 'To' number: +447700900123.",
            DndAction.NONE,
        ),
        (
            21612,
            "The 'To' phone number: +14155550100, is not currently reachable using the "
            "'From' phone number: +14155550199 via SMS.",
            DndAction.NONE,
        ),
        (21614, "'To' number is not a valid mobile number", DndAction.NONE),
        # A 30007-style carrier code, should the API answer one synchronously.
        (30007, "Message filtered", DndAction.NONE),
    ],
)
def test_refusals_are_classified_and_not_retryable(code: int, message: str, dnd: DndAction) -> None:
    t, _ = make((400, error(code, message)))
    with pytest.raises(TransportError) as info:
        send(t)
    exc = info.value
    assert (exc.status, exc.code) == (400, code)
    assert exc.message == message  # the SDK's "Unable to create record: " prefix removed
    assert exc.retryable is False
    assert exc.uncertain is False
    assert exc.unsubscribed is (code == 21610)
    assert exc.dnd_action is dnd
    assert exc.info.known


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (429, error(20429, "Too Many Requests", 429), 20429),
        (500, error(20500, "Internal Server Error", 500), 20500),
        (503, "<html>Service Unavailable</html>", 20503),  # not JSON: status only
    ],
)
def test_429_and_5xx_are_retryable(status: int, body: str, code: int) -> None:
    t, _ = make((status, body))
    with pytest.raises(TransportError) as info:
        send(t)
    exc = info.value
    assert (exc.status, exc.code, exc.retryable, exc.uncertain) == (status, code, True, False)


def test_rfc9457_problem_body_is_read() -> None:
    problem = json.dumps(
        {
            "type": "https://www.twilio.com/docs/errors/20429",
            "title": "Too Many Requests",
            "status": 429,
            "code": 20429,
            "detail": "Slow down",
        }
    )
    t, _ = make((429, problem))
    with pytest.raises(TransportError) as info:
        send(t)
    assert (info.value.status, info.value.code, info.value.retryable) == (429, 20429, True)


def test_network_failure_is_uncertain() -> None:
    import requests

    t, _ = make(requests.ConnectionError("connection reset by peer"))
    with pytest.raises(TransportError) as info:
        send(t)
    assert info.value.uncertain
    assert info.value.retryable is False


def test_answer_without_sid_is_uncertain() -> None:
    t, _ = make((201, json.dumps({"status": "queued"})))
    with pytest.raises(TransportError) as info:
        send(t)
    assert info.value.uncertain


def test_transport_error_pickles() -> None:
    exc = TransportError(429, 20429, "Too Many Requests")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.status, back.code, back.message, back.retryable) == (429, 20429, exc.message, True)


def test_bad_configuration_and_arguments() -> None:
    with pytest.raises(InvalidArgument):
        TwilioMessagingTransport(object())
    with pytest.raises(InvalidArgument):
        make(service="MG123")
    t, http = make()
    with pytest.raises(InvalidArgument):
        t.send(to="", sender="+14155550199", body="x")
    with pytest.raises(InvalidArgument):
        t.send(to="+14155550100", sender="+14155550199", body="")
    assert http.calls == []
