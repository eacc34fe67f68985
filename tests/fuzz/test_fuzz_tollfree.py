"""Fuzz: toll-free verification parsers (Event Streams payloads, requests,
API records, edits) and ``precheck``. Only ValueError / A2PPolicyError may
escape; whatever is accepted must then be usable without a crash."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.fuzz._hostile import (
    ALLOWED_ERRORS,
    any_value,
    fuzz,
    hostile_json,
    hostile_json_text,
    hostile_text,
)

from a2p_policy._clock import ManualClock
from a2p_policy._errors import A2PPolicyError
from a2p_policy._findings import Finding
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.events import (
    EVENT_PREFIX,
    EVENT_TYPES,
    VerificationEvent,
    parse_verification_events,
)
from a2p_policy._tollfree.instants import EARLIEST_INSTANT, LATEST_INSTANT
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import (
    UPDATABLE_FIELDS,
    TollFreeVerification,
    TollFreeVerificationRequest,
    validate_changes,
)
from a2p_policy._tollfree.precheck import precheck
from a2p_policy._tollfree.state import edit_window

SID = "HH" + "0" * 31 + "1"
GOOD_REQUEST: dict[str, Any] = {
    "business_name": "Harbor Fitness LLC",
    "business_website": "https://www.harborfitness.com",
    "notification_email": "compliance@harborfitness.com",
    "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
    "use_case_summary": "Harbor Fitness texts members class changes and booking confirmations.",
    "production_message_sample": "Harbor Fitness: your class is confirmed. Reply STOP to opt out.",
    "opt_in_image_urls": ["https://www.harborfitness.com/images/sms-opt-in-form.png"],
    "opt_in_type": "WEB_FORM",
    "message_volume": "1,000",
    "tollfree_phone_number_sid": "PN" + "a" * 32,
    "business_street_address": "400 Harbor Way",
    "business_city": "Seattle",
    "business_state_province_region": "WA",
    "business_postal_code": "98101",
    "business_country": "US",
    "business_contact_first_name": "Dana",
    "business_contact_last_name": "Lee",
    "business_contact_email": "dana.lee@harborfitness.com",
    "business_contact_phone": "+12065550143",
    "business_type": "PRIVATE_PROFIT",
    "business_registration_number": "12-3456789",
    "business_registration_authority": "EIN",
    "business_registration_country": "US",
    "privacy_policy_url": "https://www.harborfitness.com/privacy",
    "terms_and_conditions_url": "https://www.harborfitness.com/sms-terms",
}
_REQUEST_FIELDS = sorted(TollFreeVerificationRequest.model_fields)
_DATA_KEYS = [
    "tollfreeverificationsid",
    "verificationstatus",
    "errorcode",
    "errorcodes",
    "errordescription",
    "editallowed",
    "editexpiration",
    "processeddate",
    "rejectiondate",
    "phonenumbersid",
    "phonenumber",
    "accountsid",
    "customerprofilesid",
]
_millis = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.integers(min_value=253_402_300_799_000 - 10, max_value=253_402_300_799_000 + 10**9),
    st.floats(),
    st.integers(min_value=0, max_value=10**16).map(str),
)
_times = st.one_of(
    st.datetimes(timezones=st.one_of(st.just(UTC), st.timezones())).map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00-23:59", "2024-02-30T00:00Z"]),
    hostile_text(30),
)
_data_values = st.one_of(
    _millis,
    _times,
    st.sampled_from(["twilio_rejected", "in_review", "TWILIO-APPROVED", "true", "false", "30473"]),
    st.sampled_from(["30473,30475", "1," * 2_000, "999999999", "-1", "3e4"]),
    hostile_json(),
)


def _envelope() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.one_of(
                st.sampled_from(sorted(EVENT_TYPES)),
                st.sampled_from([EVENT_PREFIX + "bogus", "com.other.event", ""]),
                any_value(20),
            ),
            "data": st.one_of(
                st.dictionaries(st.sampled_from(_DATA_KEYS), _data_values, max_size=8).map(
                    lambda d: {"tollfreeverificationsid": SID, **d}
                ),
                hostile_json(),
                hostile_json_text(),
            ),
        },
        optional={
            "id": st.one_of(st.just("EV1"), any_value(20)),
            "time": st.one_of(_times, any_value(10)),
        },
    )


def _check_events(events: list[VerificationEvent]) -> None:
    assert isinstance(events, list)
    clock = ManualClock(datetime(2026, 1, 5, tzinfo=UTC))
    client = TollFreeVerificationClient(InMemoryTollFreeTransport(clock=clock), clock=clock)
    for event in events:
        assert isinstance(event, VerificationEvent)
        for at in (event.occurred_at, event.edit_expiration, event.rejected_at, event.processed_at):
            assert at is None or EARLIEST_INSTANT <= at < LATEST_INSTANT
        try:
            result = client.apply_event(event)
        except ALLOWED_ERRORS:
            continue
        result.edit_deadline()
        edit_window(result, clock.now())
        assert result.traffic is not None
        if event.verification_sid == SID:
            client.is_expired(SID)


@fuzz()
@given(payload=st.binary(max_size=500))
def test_parse_verification_events_bytes(payload: bytes) -> None:
    with contextlib.suppress(*ALLOWED_ERRORS):
        _check_events(parse_verification_events(payload))


@fuzz()
@given(payload=hostile_json_text())
def test_parse_verification_events_text(payload: str) -> None:
    with contextlib.suppress(*ALLOWED_ERRORS):
        _check_events(parse_verification_events(payload))


@fuzz(0.6)
@given(
    events=st.one_of(st.lists(_envelope(), max_size=3), _envelope()),
    as_text=st.booleans(),
)
def test_parse_verification_events_cloudevents(events: Any, as_text: bool) -> None:
    payload: Any = events
    if as_text:
        try:
            payload = json.dumps(events, allow_nan=True)
        except (ValueError, TypeError, RecursionError):
            return
    try:
        parsed = parse_verification_events(payload)
    except ALLOWED_ERRORS:
        return
    _check_events(parsed)


@fuzz(0.5)
@given(payload=any_value(), wrapped=st.booleans())
def test_parse_verification_events_wrong_types(payload: Any, wrapped: bool) -> None:
    with contextlib.suppress(*ALLOWED_ERRORS):
        parse_verification_events([payload] if wrapped else payload)


@fuzz(0.6)
@given(
    changes=st.dictionaries(
        st.sampled_from(_REQUEST_FIELDS), st.one_of(any_value(), hostile_json()), max_size=4
    ),
    extra=st.dictionaries(hostile_text(15), hostile_json(), max_size=2),
    drop=st.lists(st.sampled_from(sorted(GOOD_REQUEST)), max_size=3),
    isv_names=st.one_of(st.just(()), st.lists(hostile_text(20), max_size=3)),
    numbers=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
)
def test_request_and_precheck(
    changes: dict[str, Any],
    extra: dict[str, Any],
    drop: list[str],
    isv_names: list[str],
    numbers: int | None,
) -> None:
    data = {k: v for k, v in GOOD_REQUEST.items() if k not in drop}
    data.update(changes)
    data.update(extra)
    try:
        request = TollFreeVerificationRequest.model_validate(data)
    except ValidationError:
        return
    assert request.to_params()
    try:
        findings = precheck(request, isv_names=isv_names, numbers_for_business=numbers)
    except ALLOWED_ERRORS:
        return  # a valid request should not raise either: see the xfail below
    assert all(isinstance(f, Finding) for f in findings)


@fuzz(0.5)
@given(
    field=st.sampled_from(
        ["business_name", "use_case_summary", "production_message_sample", "additional_information"]
    ),
    text=hostile_text(400),
)
def test_precheck_hostile_text_fields(field: str, text: str) -> None:
    try:
        request = TollFreeVerificationRequest.model_validate({**GOOD_REQUEST, field: text})
    except ValidationError:
        return
    try:
        findings = precheck(request)
    except ALLOWED_ERRORS:
        return  # see test_precheck_answers_every_valid_request
    assert all(isinstance(f, Finding) for f in findings)


@pytest.mark.parametrize("length", [201, 500])
def test_precheck_answers_every_valid_request(length: int) -> None:
    request = TollFreeVerificationRequest.model_validate(
        {**GOOD_REQUEST, "business_name": "0" * length}
    )
    findings = precheck(request)
    assert all(isinstance(f, Finding) for f in findings)


_RESPONSE_KEYS = [
    "sid",
    "status",
    "error_code",
    "rejection_reasons",
    "rejected_on",
    "edit_expiration",
    "edit_allowed",
    "date_created",
    "date_updated",
    "use_case_categories",
    "opt_in_keywords",
    "resource_links",
]


@fuzz(0.6)
@given(
    record=st.dictionaries(
        st.sampled_from(_RESPONSE_KEYS),
        st.one_of(_millis, _times, hostile_json(), any_value()),
        max_size=7,
    ),
    as_text=st.booleans(),
)
def test_verification_from_api(record: dict[str, Any], as_text: bool) -> None:
    payload: Any = {"sid": SID, "status": "TWILIO_REJECTED", **record}
    if as_text:
        try:
            payload = json.dumps(payload, allow_nan=True)
        except (ValueError, TypeError, RecursionError):
            return
    try:
        v = TollFreeVerification.from_api(payload)
    except ALLOWED_ERRORS:
        return
    v.edit_deadline()
    edit_window(v, datetime(2026, 1, 5, tzinfo=UTC))
    _ = (v.traffic, v.resubmittable, v.rejection_codes, v.send_error_code)
    assert TollFreeVerification.from_api(v.to_api_json()) == v


@fuzz()
@given(
    changes=st.one_of(
        st.dictionaries(
            st.one_of(st.sampled_from(UPDATABLE_FIELDS), hostile_text(10)),
            st.one_of(any_value(), hostile_json()),
            max_size=4,
        ),
        any_value(),
    )
)
def test_validate_changes(changes: Any) -> None:
    try:
        out = validate_changes(changes)
    except (ValueError, A2PPolicyError):
        return
    assert set(out) <= set(UPDATABLE_FIELDS)


@pytest.mark.parametrize("phone", ["12065550100x", "+12065550100;--", "+1*2065550100"])
def test_request_refuses_a_contact_phone_with_junk(phone: str) -> None:
    with pytest.raises(ValidationError):
        TollFreeVerificationRequest.model_validate(
            {**GOOD_REQUEST, "business_contact_phone": phone}
        )
