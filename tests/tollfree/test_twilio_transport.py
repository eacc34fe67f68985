"""TwilioTollFreeTransport through the real SDK, only its HttpClient replaced:
exact form parameters sent, and the article's example responses parsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from a2p_policy._errors import InvalidArgument, TollFreeApiError
from a2p_policy._tollfree.models import (
    TollFreeVerificationRequest,
    TrafficState,
    VerificationStatus,
)
from a2p_policy._tollfree.twilio_transport import TwilioTollFreeTransport

Make = Callable[..., tuple[TwilioTollFreeTransport, Any]]
HH = "HH" + "a" * 32


def test_create_sends_the_sdk_form_keys(recording: Make, tfx: SimpleNamespace) -> None:
    transport, http = recording((201, tfx.CREATED_JSON))
    req = TollFreeVerificationRequest.model_validate(
        tfx.base_request(
            age_gated_content=True, opt_in_keywords=["START", "JOIN"], doing_business_as="Owl"
        )
    )
    v = transport.create(req.to_params())
    (call,) = http.calls
    assert call["method"] == "POST"
    assert call["url"] == "https://messaging.twilio.com/v1/Tollfree/Verifications"
    data = call["data"]
    assert data["BusinessName"] == "Owl, Inc."
    assert data["BusinessWebsite"] == "https://www.company.com"
    assert data["NotificationEmail"] == "support@company.com"
    assert data["UseCaseCategories"] == ["TWO_FACTOR_AUTHENTICATION", "MARKETING"]
    assert data["OptInImageUrls"] == [
        "https://zipwhiptestbusiness.com/images/image1.jpg",
        "https://zipwhiptestbusiness.com/images/image2.jpg",
    ]
    assert data["OptInType"] == "WEB_FORM"
    assert data["MessageVolume"] == "10"
    assert data["TollfreePhoneNumberSid"] == tfx.PN
    assert data["BusinessStreetAddress2"] == "Suite 101"
    assert data["BusinessContactPhone"] == "+14155550123"
    assert data["ExternalReferenceId"] == "abc123xyz567"
    assert data["BusinessType"] == "PRIVATE_PROFIT"
    assert data["BusinessRegistrationAuthority"] == "EIN"
    assert data["AgeGatedContent"] == "true"
    assert data["OptInKeywords"] == ["START", "JOIN"]
    assert data["DoingBusinessAs"] == "Owl"
    assert "CustomerProfileSid" not in data
    assert v.sid == HH
    assert v.status is VerificationStatus.PENDING_REVIEW
    assert v.date_created == datetime(2021, 1, 27, 14, 18, 35, tzinfo=UTC)


def test_update_sends_edit_reason(recording: Make, tfx: SimpleNamespace) -> None:
    transport, http = recording((200, tfx.CREATED_JSON))
    transport.update(
        HH, {"business_website": "https://owl.example", "edit_reason": "website fixed"}
    )
    (call,) = http.calls
    assert call["method"] == "POST"
    assert call["url"].endswith(f"/Tollfree/Verifications/{HH}")
    assert call["data"] == {"BusinessWebsite": "https://owl.example", "EditReason": "website fixed"}


def test_fetch_parses_the_article_approved_example(recording: Make, tfx: SimpleNamespace) -> None:
    transport, http = recording((200, tfx.APPROVED_JSON))
    v = transport.fetch(HH)
    assert http.calls[0]["method"] == "GET"
    assert v.status is VerificationStatus.TWILIO_APPROVED
    assert v.traffic is TrafficState.VERIFIED
    assert v.send_error_code is None
    assert v.message_volume == "2000"  # echoed as is, not validated
    assert v.rejection_codes == ()
    assert v.edit_expiration is None


def test_fetch_parses_the_article_rejected_example(recording: Make, tfx: SimpleNamespace) -> None:
    transport, _ = recording((200, tfx.REJECTED_JSON))
    v = transport.fetch(HH)
    assert v.status is VerificationStatus.TWILIO_REJECTED
    assert v.rejection_codes == (30472, 30473)  # rejection_reasons first, not error_code
    assert v.error_code == 30445
    assert v.edit_allowed is True
    assert v.edit_expiration == datetime(2024, 4, 5, 22, 1, 58, 76000, tzinfo=UTC)
    assert v.traffic is TrafficState.RESTRICTED


def test_list_sends_filters_and_follows_pages(recording: Make, tfx: SimpleNamespace) -> None:
    record = json.loads(tfx.APPROVED_JSON)
    page0 = {
        "meta": {
            "page": 0,
            "page_size": 1,
            "key": "verifications",
            "next_page_url": "https://messaging.twilio.com/v1/Tollfree/Verifications?Page=1&PageSize=1",
        },
        "verifications": [record],
    }
    page1 = {
        "meta": {"page": 1, "page_size": 1, "key": "verifications", "next_page_url": None},
        "verifications": [{**record, "sid": "HH" + "b" * 32}],
    }
    transport, http = recording((200, json.dumps(page0)), (200, json.dumps(page1)))
    found = transport.list(
        status=VerificationStatus.TWILIO_APPROVED, tollfree_phone_number_sid=tfx.PN, page_size=1
    )
    assert [v.sid for v in found] == [HH, "HH" + "b" * 32]
    first = http.calls[0]
    assert first["params"]["Status"] == "TWILIO_APPROVED"
    assert first["params"]["TollfreePhoneNumberSid"] == tfx.PN
    assert first["params"]["PageSize"] == 1
    assert "Page=1" in http.calls[1]["url"]


def test_list_page_size_is_capped_at_50(recording: Make) -> None:
    body = {"meta": {"key": "verifications", "next_page_url": None}, "verifications": []}
    transport, http = recording((200, json.dumps(body)))
    assert transport.list(page_size=500) == []
    assert http.calls[0]["params"]["PageSize"] == 50


def test_delete(recording: Make) -> None:
    transport, http = recording((204, ""))
    transport.delete(HH)
    assert http.calls[0]["method"] == "DELETE"


@pytest.mark.parametrize(
    ("status", "body_name", "code", "needle"),
    [
        (400, "ERROR_400", 400, "Missing mandatory fields"),
        (409, "ERROR_409", 409, "another verification"),
        (422, "ERROR_422", 422, "not approved"),
        (400, "ERROR_400_EDIT", 400, "Cannot edit an approved submission"),
    ],
)
def test_error_responses_map_to_tollfree_api_error(
    recording: Make, tfx: SimpleNamespace, status: int, body_name: str, code: int, needle: str
) -> None:
    transport, _ = recording((status, getattr(tfx, body_name)))
    with pytest.raises(TollFreeApiError) as exc:
        transport.create(tfx.base_request())
    assert exc.value.status == status
    assert exc.value.code == code
    assert needle in exc.value.message
    assert not exc.value.message.startswith("Unable to")


def test_rfc9457_error_and_failed_page_and_garbage(recording: Make, tfx: SimpleNamespace) -> None:
    problem = {
        "type": "https://x",
        "title": "Conflict",
        "status": 409,
        "code": 20409,
        "detail": "busy",
    }
    transport, _ = recording((409, json.dumps(problem)))
    with pytest.raises(TollFreeApiError) as exc:
        transport.fetch(HH)
    assert (exc.value.status, exc.value.code, exc.value.message) == (409, 20409, "busy")
    transport, _ = recording((500, '{"code": 500, "message": "General/Server Error."}'))
    with pytest.raises(TollFreeApiError) as exc:
        transport.list()
    assert exc.value.status == 500
    transport, _ = recording((200, "not json"))
    with pytest.raises(TollFreeApiError) as exc:
        transport.fetch(HH)
    assert exc.value.status == 0
    transport, _ = recording((200, '{"sid": "HH1"}'))  # no status: not a record
    with pytest.raises(TollFreeApiError):
        transport.fetch(HH)


def test_network_error_is_status_0(tfx: SimpleNamespace) -> None:
    class Down(tfx.RecordingHttpClient):  # type: ignore[misc, name-defined]
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("connection refused")

    transport = TwilioTollFreeTransport(tfx.twilio_client(Down()))
    with pytest.raises(TollFreeApiError) as exc:
        transport.fetch(HH)
    assert exc.value.status == 0


def test_bad_input_never_reaches_the_sdk(recording: Make) -> None:
    transport, http = recording()
    with pytest.raises(TollFreeApiError) as exc:
        transport.fetch("HH/../Accounts")
    assert exc.value.status == 404
    with pytest.raises(TollFreeApiError):
        transport.create({"bogus_param": "x", "business_name": "y"})
    with pytest.raises(InvalidArgument):
        TwilioTollFreeTransport(object())
    assert http.calls == []


# That importing the library never imports twilio is checked, with twilio made
# unimportable, in tests/packaging/test_optional_extras.py.
