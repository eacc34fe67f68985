# ruff: noqa: E501
"""Fixtures for the toll-free tests: requests, the article's example
responses, and twilio HTTP clients (recording/canned, and one that routes the
SDK's requests to the in-memory fake so both transports share one contract
suite)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from a2p_policy._clock import ManualClock
from a2p_policy._errors import TollFreeApiError
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.transport import TollFreeTransport
from a2p_policy._tollfree.twilio_transport import TwilioTollFreeTransport
from a2p_policy.storage.memory import MemoryStorage

BASE = "https://messaging.twilio.com/v1/Tollfree/Verifications"
PN = "PN" + "a" * 32
BU = "BU" + "b" * 32


def base_request(**overrides: Any) -> dict[str, Any]:
    """The article's option 2.1 request (no customer profile), made valid
    (a real contact phone, https site) and complete (business type)."""
    req: dict[str, Any] = {
        "business_name": "Owl, Inc.",
        "business_website": "https://www.company.com",
        "notification_email": "support@company.com",
        "use_case_categories": ["TWO_FACTOR_AUTHENTICATION", "MARKETING"],
        "use_case_summary": (
            "This number is used to send out promotional offers and coupons to the "
            "customers of John's Coffee Shop"
        ),
        "production_message_sample": (
            "Owl, Inc.: thank you for being a loyal customer. Enjoy 10% off your next "
            "purchase. Reply STOP to opt out."
        ),
        "opt_in_image_urls": [
            "https://zipwhiptestbusiness.com/images/image1.jpg",
            "https://zipwhiptestbusiness.com/images/image2.jpg",
        ],
        "opt_in_type": "WEB_FORM",
        "message_volume": "10",
        "tollfree_phone_number_sid": PN,
        "business_street_address": "123 Main Street",
        "business_street_address2": "Suite 101",
        "business_city": "Anytown",
        "business_state_province_region": "AA",
        "business_postal_code": "11111",
        "business_country": "US",
        "business_contact_first_name": "firstname",
        "business_contact_last_name": "lastname",
        "business_contact_email": "email@company.com",
        "business_contact_phone": "+14155550123",
        "additional_information": "see our privacy policy here www.johnscoffeeshop.com/privacypolicy",
        "external_reference_id": "abc123xyz567",
        "business_type": "PRIVATE_PROFIT",
        "business_registration_number": "12-3456789",
        "business_registration_authority": "EIN",
        "business_registration_country": "US",
    }
    req.update(overrides)
    return {k: v for k, v in req.items() if v is not None}


def pn_sid(n: int) -> str:
    return f"PN{n:032x}"


#: The article's "Fetch" example (approved).
APPROVED_JSON = """{
"sid": "HHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"customer_profile_sid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"trust_product_sid": "BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"regulated_item_sid": "RAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"date_created": "2021-01-27T14:18:35Z",
"date_updated": "2021-01-27T14:18:36Z",
"business_name": "Owl, Inc.",
"business_street_address": "123 Main Street",
"business_street_address2": "Suite 101",
"business_city": "Anytown",
"business_state_province_region": "AA",
"business_postal_code": "11111",
"business_country": "US",
"business_website": "http://www.company.com",
"business_contact_first_name": "firstname",
"business_contact_last_name": "lastname",
"business_contact_email": "email@company.com",
"business_contact_phone": "+11231231234",
"notification_email": "support@company.com",
"use_case_categories": ["TWO_FACTOR_AUTHENTICATION", "MARKETING"],
"use_case_summary": "This number is used to send out promotional offers and coupons to the customers of John's Coffee Shop",
"production_message_sample": "lorem ipsum",
"opt_in_image_urls": ["https://testbusiness.com/images/image1.jpg", "https://testbusiness.com/images/image2.jpg"],
"opt_in_type": "VERBAL",
"message_volume": "2000",
"additional_information": "see our privacy policy here www.johnscoffeeshop.com/privacypolicy",
"tollfree_phone_number_sid": "PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"status": "TWILIO_APPROVED",
"rejection_reason": null,
"error_code": null,
"edit_expiration": null,
"edit_allowed": null,
"rejection_reasons": null,
"resource_links": {
  "customer_profile": "https://trusthub.twilio.com/v1/CustomerProfiles/BUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
},
"url": "https://messaging.twilio.com/v1/Tollfree/Verifications/HHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
"external_reference_id": "abc123xyz567"
}"""

#: The article's "Verification Rejected" example. The article's text is not
#: valid JSON (a trailing comma and a missing comma inside
#: ``rejection_reasons``); this is it with those two commas fixed.
REJECTED_JSON = """{
"sid": "HHXXXXXXXX",
"account_sid": "AACXXXXXXXX",
"toll_free_phone_number_sid": "PNXXXXXXX",
"date_created": "2023-02-02T18:45:17.051372437Z",
"date_updated": "2023-02-02T18:45:20.03161371Z",
"status": "TWILIO_REJECTED",
"customer_profile_sid": "BUXXXXXXXX",
"trust_product_sid": "BUXXXXXXXX",
"regulated_item_sid": "RAXXXXXXXX",
"business_name": "Owl Inc.",
"business_street_address": "123 Main Street",
"business_street_address2": "Apt1",
"businesss_city": "Anytown",
"business_state_province_region": "AA",
"business_postal_code": "11111",
"business_country": "US",
"business_website": "http:www.company.com",
"business_contact_first_name": "firstname",
"business_contact_last_name": "lastname",
"business_contact_email": "email@company.com",
"business_contact_phone": "1231231234",
"notification_email": "test@example.com",
"use_case_categories": ["EVENTS", "CUSTOMER_CARE"],
"use_case_summary": "This number is used to send out promotional offers and coupons to the customers of John's Coffee Shop",
"production_message_sample": "lorem ipsum",
"opt_in_image_urls": ["https://owlinctestbusiness.com/images/image1.jpg"],
"opt_in_type": "MOBILE_QR_CODE",
"message_volume": "100",
"additional_information": "see our privacy policy here www.johnscoffeeshop.com/privacypolicy",
"external_verification_request_id": "123-456",
"rejection_reason": "Invalid Information - Cant Validate URL",
"error_code": 30445,
"rejected_on": "2024-04-05T22:01:58.076Z",
"edit_expiration": "2024-04-05T22:01:58.076Z",
"edit_allowed": true,
"rejection_reasons": [
  {"reason": "Business information not valid", "code": 30472},
  {"reason": "Cannot validate business website URL", "code": 30473}
],
"resource_links": {},
"external_reference_id": null
}"""

#: The article's 201 answer to a create (option 2.1).
CREATED_JSON = json.dumps(
    {
        **json.loads(APPROVED_JSON),
        "status": "PENDING_REVIEW",
        "customer_profile_sid": None,
        "message_volume": "10",
        "resource_links": {},
    }
)

ERROR_400 = '{"code": 400, "message": "Missing mandatory fields for submitting a verification"}'
ERROR_409 = (
    '{"code": 409, "message": "Toll-free verification cannot be submitted when another '
    'verification exists or is in progress."}'
)
ERROR_422 = '{"code": 422, "message": "Provided customer profile is not approved"}'
ERROR_400_EDIT = (
    '{"code": 400, "message": "Cannot edit an approved submission HHXXXXXXXXXXXXXXX", '
    '"more_info": "https://www.twilio.com/docs/errors/400", "status": 400}'
)


class RecordingHttpClient(HttpClient):  # type: ignore[misc]
    """A twilio ``HttpClient`` that records each request and answers from a
    queue of canned ``(status, body)`` responses."""

    def __init__(self, responses: list[tuple[int, str]] | None = None) -> None:
        super().__init__(logging.getLogger("tests.tollfree"), False)
        self.responses = list(responses or [])
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
        self.calls.append(
            {"method": method, "url": uri, "params": dict(params or {}), "data": dict(data or {})}
        )
        if not self.responses:
            raise AssertionError(f"unexpected request {method} {uri}")
        status, body = self.responses.pop(0)
        return Response(status, body)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


class FakeApiHttpClient(HttpClient):  # type: ignore[misc]
    """Routes the SDK's HTTP requests to an :class:`InMemoryTollFreeTransport`,
    answering the API's JSON (records, paged lists, error bodies)."""

    def __init__(self, fake: InMemoryTollFreeTransport) -> None:
        super().__init__(logging.getLogger("tests.tollfree"), False)
        self.fake = fake
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
        self.calls.append({"method": method, "url": uri, "params": params, "data": data})
        parts = urlsplit(uri)
        query: dict[str, object] = dict(parse_qsl(parts.query))
        query.update(params or {})
        path = parts.path.rstrip("/")
        sid = path.rsplit("/", 1)[1] if path.count("/") > 3 else None
        try:
            if method == "POST" and sid is None:
                v = self.fake.create(self._form(data))
                return Response(201, json.dumps(v.to_api_json()))
            if method == "POST":
                v = self.fake.update(str(sid), self._form(data))
                return Response(200, json.dumps(v.to_api_json()))
            if method == "GET" and sid is not None:
                return Response(200, json.dumps(self.fake.fetch(sid).to_api_json()))
            if method == "DELETE" and sid is not None:
                self.fake.delete(sid)
                return Response(204, "")
            if method == "GET":
                return self._page(query)
        except TollFreeApiError as exc:
            body = {"code": exc.code, "message": exc.message, "status": exc.status}
            return Response(exc.status, json.dumps(body))
        return Response(405, '{"code": 405, "message": "method not allowed"}')

    @staticmethod
    def _form(data: dict[str, object] | None) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, raw in (data or {}).items():
            name = _snake(key)
            value = raw
            if name == "age_gated_content":
                value = {"true": True, "false": False}.get(str(raw), raw)
            out[name] = value
        return out

    def _page(self, query: dict[str, object]) -> Response:
        status = query.get("Status")
        everything = self.fake.list(
            status=None if status is None else status,  # type: ignore[arg-type]
            tollfree_phone_number_sid=query.get("TollfreePhoneNumberSid"),  # type: ignore[arg-type]
        )
        size = min(int(str(query.get("PageSize", 50))), 50)
        page = int(str(query.get("Page", 0)))
        chunk = everything[page * size : (page + 1) * size]
        filters = {k: v for k, v in query.items() if k in ("Status", "TollfreePhoneNumberSid")}
        more = (page + 1) * size < len(everything)
        next_url = f"{BASE}?{urlencode({**filters, 'PageSize': size, 'Page': page + 1})}"
        body = {
            "meta": {
                "page": page,
                "page_size": size,
                "key": "verifications",
                "next_page_url": next_url if more else None,
                "previous_page_url": None,
            },
            "verifications": [v.to_api_json() for v in chunk],
        }
        return Response(200, json.dumps(body))


def twilio_client(http: HttpClient) -> Client:
    return Client("AC" + "0" * 32, "token", http_client=http)


@pytest.fixture
def recording() -> Callable[..., tuple[TwilioTollFreeTransport, RecordingHttpClient]]:
    def make(*responses: tuple[int, str]) -> tuple[TwilioTollFreeTransport, RecordingHttpClient]:
        http = RecordingHttpClient(list(responses))
        return TwilioTollFreeTransport(twilio_client(http)), http

    return make


class Api:
    """One API under test: the transport, and the fake that plays reviewer."""

    def __init__(self, transport: TollFreeTransport, fake: InMemoryTollFreeTransport) -> None:
        self.transport = transport
        self.fake = fake


@pytest.fixture(params=["memory", "twilio"])
def api(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[Api]:
    fake = InMemoryTollFreeTransport(clock=clock, storage=MemoryStorage())
    if request.param == "memory":
        yield Api(fake, fake)
    else:
        yield Api(TwilioTollFreeTransport(twilio_client(FakeApiHttpClient(fake))), fake)


@pytest.fixture
def tfx() -> SimpleNamespace:
    """The helpers and example payloads above, for test modules (which cannot
    import this conftest under --import-mode=importlib)."""
    return SimpleNamespace(
        base_request=base_request,
        pn_sid=pn_sid,
        PN=PN,
        BU=BU,
        APPROVED_JSON=APPROVED_JSON,
        REJECTED_JSON=REJECTED_JSON,
        CREATED_JSON=CREATED_JSON,
        ERROR_400=ERROR_400,
        ERROR_409=ERROR_409,
        ERROR_422=ERROR_422,
        ERROR_400_EDIT=ERROR_400_EDIT,
        FakeApiHttpClient=FakeApiHttpClient,
        RecordingHttpClient=RecordingHttpClient,
        twilio_client=twilio_client,
    )
