# ruff: noqa: E501
"""Event Streams payloads: the article's four examples, and fuzzing."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._errors import InvalidArgument
from a2p_policy._tollfree.events import parse_verification_events
from a2p_policy._tollfree.models import VerificationStatus

P = "com.twilio.messaging.compliance.toll-free-verification."

IN_REVIEW = """[{"data": {"accountsid": "ACXXXXXXXX", "customerprofilesid": "BUXXXXXXXXX",
"parentaccountsid": "ACXXXXXXXX", "phonenumbersid": "PNXXXXXXXXX", "processeddate": 1677105415122,
"regulateditemsid": "RAXXXXXXXXX", "tollfreeverificationsid": "HHXXXXXXXXX",
"trustproductsid": "ITXXXXXXXXXX", "verificationstatus": "in_review"},
"datacontenttype": "application/json",
"dataschema": "https://events-schemas.stage.twilio.com/TollFree.VerificationRequested/1",
"id": "CE000000000000000000000000000000", "source": "CA000000000000000000000000000000",
"specversion": "1.0", "time": "2021-05-05T05:51:19.000Z",
"type": "com.twilio.messaging.compliance.toll-free-verification.requested"}]"""

APPROVED = IN_REVIEW.replace('"in_review"', '"twilio_approved"').replace(
    "verification.requested", "verification.request-approved"
)

REJECTED = """[{"data": {"accountsid": "ACXXXXXXXXX", "parentaccountsid": "ACXXXXXXXXXX",
"tollfreeverificationsid": "HHXXXXXXXXXX", "phonenumber": "+18002203994",
"phonenumbersid": "PNXXXXXXXXXX", "customerprofilesid": "BUXXXXXXXXX",
"trustproductsid": "ITXXXXXXXXXX", "regulateditemsid": "RAXXXXXXXXXX",
"verificationstatus": "twilio_rejected", "errorcode": 30473, "errorcodes": "30473,30475,30476",
"errordescription": "Website is not accessible / not available; Opt-in - Consent for messaging is a requirement for service; Opt-in - No opt-in provided",
"processeddate": 1701413000000, "rejectiondate": 1701414000000, "editexpiration": 1702018800000,
"editallowed": true}, "datacontenttype": "application/json",
"dataschema": "https://events-schemas.stage.twilio.com/TollFree.VerificationRequestRejected/4",
"id": "ab80872e-ae4a-465b-b31c-61b82e815f66", "source": "ab80872e-ae4a-465b-b31c-61b82e815f66",
"specversion": "1.0", "time": "2021-05-05T05:51:19.000Z",
"type": "com.twilio.messaging.compliance.toll-free-verification.request-rejected"}]"""

EXPIRED = IN_REVIEW.replace('"in_review"', '"twilio_rejected"').replace(
    "verification.requested", "verification.expired"
)


def test_in_review_example() -> None:
    (e,) = parse_verification_events(IN_REVIEW)
    assert e.event_id == "CE000000000000000000000000000000"
    assert e.event_type == P + "requested"
    assert e.verification_sid == "HHXXXXXXXXX"
    assert e.status is VerificationStatus.IN_REVIEW
    assert e.occurred_at == datetime(2021, 5, 5, 5, 51, 19, tzinfo=UTC)
    assert e.processed_at == datetime.fromtimestamp(1677105415.122, tz=UTC)
    assert e.phone_number_sid == "PNXXXXXXXXX"
    assert e.rejection_codes == ()
    assert e.edit_allowed is None
    assert not e.expired


def test_approved_and_expired_examples() -> None:
    (a,) = parse_verification_events(APPROVED.encode())
    assert a.status is VerificationStatus.TWILIO_APPROVED
    (x,) = parse_verification_events(json.loads(EXPIRED))
    assert x.status is VerificationStatus.TWILIO_REJECTED
    assert x.expired


def test_rejected_example() -> None:
    (e,) = parse_verification_events(REJECTED)
    assert e.status is VerificationStatus.TWILIO_REJECTED
    assert e.rejection_codes == (30473, 30475, 30476)
    assert e.rejection_descriptions[1].startswith("Opt-in - Consent")
    assert e.edit_allowed is True
    assert e.edit_expiration == datetime.fromtimestamp(1702018800, tz=UTC)
    assert e.rejected_at == datetime.fromtimestamp(1701414000, tz=UTC)
    assert e.phone_number == "+18002203994"


def test_fallbacks_and_other_products() -> None:
    raw = json.loads(REJECTED)[0]
    del raw["data"]["errorcodes"]
    del raw["data"]["verificationstatus"]
    del raw["time"]
    other = {"id": "x", "type": "com.twilio.messaging.message.delivered", "data": {}}
    (e,) = parse_verification_events([other, raw])
    assert e.rejection_codes == (30473,)  # from errorcode
    assert e.status is VerificationStatus.TWILIO_REJECTED  # from the type
    assert e.occurred_at == datetime.fromtimestamp(1701413000, tz=UTC)  # processeddate
    assert parse_verification_events("[]") == []


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        b"\xff\xfe",
        "42",
        "[1]",
        '[{"type": "' + P + 'requested"}]',
        '[{"id": "a", "type": "' + P + 'nope", "data": {}}]',
        '[{"id": "a", "type": "' + P + 'requested", "data": {}}]',
        '[{"id": "a", "type": "' + P + 'requested", "time": "2021-05-05T05:51:19Z",'
        ' "data": {"tollfreeverificationsid": "HH1", "verificationstatus": "weird"}}]',
        '[{"id": "a", "type": "' + P + 'requested", "time": "yesterday",'
        ' "data": {"tollfreeverificationsid": "HH1"}}]',
        '[{"id": "a", "type": "' + P + 'requested", "data": {"tollfreeverificationsid": "HH1",'
        ' "processeddate": 1e300}}]',
        '[{"id": "a", "type": "' + P + 'requested", "time": "2021-05-05T05:51:19Z",'
        ' "data": {"tollfreeverificationsid": "HH1", "errorcodes": "30473,abc"}}]',
        "[" * 100000,
    ],
)
def test_malformed_payloads_raise_invalid_argument(payload: str | bytes) -> None:
    with pytest.raises(InvalidArgument):
        parse_verification_events(payload)
    with pytest.raises(ValueError, match=r"."):  # InvalidArgument is a ValueError
        parse_verification_events(payload)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_the_documented_error(payload: bytes) -> None:
    with contextlib.suppress(InvalidArgument):
        parse_verification_events(payload)


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "tollfreeverificationsid",
                "verificationstatus",
                "errorcode",
                "errorcodes",
                "editallowed",
                "editexpiration",
                "processeddate",
                "rejectiondate",
                "errordescription",
                "phonenumbersid",
            ]
        ),
        _json,
    ),
    envelope=st.dictionaries(st.sampled_from(["id", "time", "type"]), _json),
    kind=st.sampled_from(["requested", "request-approved", "request-rejected", "expired", "x"]),
)
def test_arbitrary_event_shapes_raise_only_the_documented_error(
    data: dict[str, object], envelope: dict[str, object], kind: str
) -> None:
    event = {"id": "e1", "type": P + kind, "time": "2021-05-05T05:51:19Z", **envelope, "data": data}
    for payload in ([event], json.dumps(event, default=str)):
        with contextlib.suppress(InvalidArgument):
            parse_verification_events(payload)
