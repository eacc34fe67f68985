"""Request validation, response parsing, traffic states, state machine."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from a2p_policy._errors import InvalidArgument, InvalidTransition
from a2p_policy._tollfree.models import (
    MESSAGE_VOLUMES,
    TollFreeVerification,
    TollFreeVerificationRequest,
    TrafficState,
    VerificationStatus,
    validate_changes,
)
from a2p_policy._tollfree.state import (
    TRANSITIONS,
    EditWindow,
    can_transition,
    check_edit,
    check_transition,
    edit_window,
)
from a2p_policy._usecases import OptInMethod, UseCase

S = VerificationStatus
NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def test_valid_request_and_params(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(tfx.base_request(business_country="us"))
    params = req.to_params()
    assert params["business_country"] == "US"
    assert params["use_case_categories"] == ["TWO_FACTOR_AUTHENTICATION", "MARKETING"]
    assert "customer_profile_sid" not in params


def test_enums_are_accepted_as_values(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(
        tfx.base_request(use_case_categories=[UseCase.MARKETING], opt_in_type=OptInMethod.VERBAL)
    )
    assert req.use_case_categories == ["MARKETING"]
    assert req.opt_in_type == "VERBAL"


def test_contact_phone_is_normalized(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(
        tfx.base_request(business_contact_phone="(415) 555-0123")
    )
    assert req.business_contact_phone == "+14155550123"


LIMITS = [
    ("business_street_address", 100),
    ("business_city", 100),
    ("business_postal_code", 100),
    ("business_name", 500),
    ("business_contact_first_name", 500),
    ("use_case_summary", 500),
    ("additional_information", 500),
    ("production_message_sample", 1000),
    ("external_reference_id", 50),
]


@pytest.mark.parametrize(("field", "limit"), LIMITS)
def test_length_limits(tfx: SimpleNamespace, field: str, limit: int) -> None:
    TollFreeVerificationRequest.model_validate(tfx.base_request(**{field: "a" * limit}))
    with pytest.raises(ValidationError) as exc:
        TollFreeVerificationRequest.model_validate(tfx.base_request(**{field: "a" * (limit + 1)}))
    assert field in str(exc.value)
    assert str(limit) in str(exc.value)


@settings(max_examples=40)
@given(field_limit=st.sampled_from(LIMITS), n=st.integers(min_value=1, max_value=1100))
def test_length_limit_property(field_limit: tuple[str, int], n: int) -> None:
    field, limit = field_limit
    from_fixture = _REQ | {field: "b" * n}
    try:
        TollFreeVerificationRequest.model_validate(from_fixture)
    except ValidationError:
        assert n > limit
    else:
        assert n <= limit


_REQ: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _req(tfx: SimpleNamespace) -> None:
    _REQ.clear()
    _REQ.update(tfx.base_request())


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("notification_email", "a@b", "email"),
        ("business_contact_email", "a b@c.com", "email"),
        ("business_contact_phone", "+1231231234", "E.164"),
        ("business_country", "USA", "at most 2"),
        ("business_country", "ZZ", "ISO 3166"),
        ("opt_in_type", "VERBA", "opt-in type"),
        ("message_volume", "1", "message volume"),
        ("message_volume", "2000", "message volume"),
        ("use_case_categories", [], "at least"),
        ("use_case_categories", ["ACCOUNT_NOTIFICATION"], "use case"),
        ("use_case_categories", "MARKETING", "list"),
        ("tollfree_phone_number_sid", "PNXXXXXXXXX", "phone number SID"),
        ("customer_profile_sid", "BUXXXX", "customer profile SID"),
        ("external_reference_id", "abc-123", "alphanumeric"),
        ("opt_in_image_urls", ["ftp://example.com/a.png"], "http(s)"),
        ("opt_in_image_urls", ["https://localhost/a.png"], "public host"),
        ("opt_in_image_urls", ["https://192.168.1.4/a.png"], "public address"),
        ("opt_in_image_urls", ["https://user:pw@example.com/a.png"], "password"),
        ("opt_in_image_urls", ["https://example.com/" + "a" * 1000], "1000"),
        ("privacy_policy_url", "example.com/privacy", "http(s)"),
        ("business_website", "http:www.company.com", "must name a host"),
        ("business_type", "LLC", "business type"),
        ("business_registration_authority", "IRS", "registration authority"),
        ("vetting_provider", "ACME", "vetting provider"),
        ("bogus_field", "x", "Extra inputs"),
    ],
)
def test_field_rules_name_the_field(
    tfx: SimpleNamespace, field: str, value: object, rule: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        TollFreeVerificationRequest.model_validate(tfx.base_request(**{field: value}))
    text = str(exc.value)
    assert field in text
    assert rule in text


def test_customer_profile_rule(tfx: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="unnecessary business information"):
        TollFreeVerificationRequest.model_validate(tfx.base_request(customer_profile_sid=tfx.BU))
    with pytest.raises(ValidationError, match="business_city"):
        TollFreeVerificationRequest.model_validate(tfx.base_request(business_city=None))
    # business_street_address2 stays optional without a profile
    TollFreeVerificationRequest.model_validate(tfx.base_request(business_street_address2=None))


def test_business_type_rule(tfx: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="business_registration_number"):
        TollFreeVerificationRequest.model_validate(
            tfx.base_request(business_registration_number=None)
        )
    TollFreeVerificationRequest.model_validate(
        tfx.base_request(
            business_type="SOLE_PROPRIETOR",
            business_registration_number=None,
            business_registration_authority=None,
            business_registration_country=None,
        )
    )
    # the article's older flow: no business type at all
    TollFreeVerificationRequest.model_validate(
        tfx.base_request(
            business_type=None,
            business_registration_number=None,
            business_registration_authority=None,
            business_registration_country=None,
        )
    )


def test_every_message_volume_is_accepted(tfx: SimpleNamespace) -> None:
    for volume in MESSAGE_VOLUMES:
        TollFreeVerificationRequest.model_validate(tfx.base_request(message_volume=volume))


@settings(max_examples=60)
@given(value=st.one_of(st.text(max_size=60), st.integers(), st.none(), st.binary(max_size=20)))
def test_fuzz_request_fields_raise_only_validation_error(value: object) -> None:
    for field in (
        "business_name",
        "notification_email",
        "opt_in_image_urls",
        "business_contact_phone",
    ):
        with contextlib.suppress(ValidationError):
            TollFreeVerificationRequest.model_validate(_REQ | {field: value})


def test_validate_changes() -> None:
    assert validate_changes({"message_volume": "1,000", "age_gated_content": True}) == {
        "message_volume": "1,000",
        "age_gated_content": True,
    }
    bad: object
    for bad in (
        {},
        {"tollfree_phone_number_sid": "PN" + "a" * 32},
        {"business_name": ""},
        {"business_name": None},
        {"opt_in_image_urls": "https://a.com/x"},
        {1: "x"},
        [],
    ):
        with pytest.raises(InvalidArgument):
            validate_changes(bad)


# ----------------------------------------------------------------- responses


def test_rejection_codes_fall_back_to_error_code() -> None:
    v = TollFreeVerification.from_api(
        {"sid": "HH1", "status": "TWILIO_REJECTED", "error_code": "30476", "edit_allowed": True}
    )
    assert v.rejection_codes == (30476,)
    assert v.traffic is TrafficState.RESTRICTED


@pytest.mark.parametrize(
    ("status", "codes", "edit_allowed", "traffic"),
    [
        ("PENDING_REVIEW", [], None, TrafficState.RESTRICTED),
        ("IN_REVIEW", [], None, TrafficState.PENDING),
        ("TWILIO_APPROVED", [], None, TrafficState.VERIFIED),
        ("TWILIO_REJECTED", [30473], True, TrafficState.RESTRICTED),
        ("TWILIO_REJECTED", [30473], False, TrafficState.BLOCKED),
        ("TWILIO_REJECTED", [30473, 30441], True, TrafficState.BLOCKED),
        ("TWILIO_REJECTED", [30500], True, TrafficState.RESTRICTED),  # newer family: edit_allowed
        ("TWILIO_REJECTED", [30500], None, TrafficState.BLOCKED),  # never guessed
    ],
)
def test_traffic_mapping(
    status: str, codes: list[int], edit_allowed: bool | None, traffic: TrafficState
) -> None:
    v = TollFreeVerification.from_api(
        {
            "sid": "HH1",
            "status": status,
            "edit_allowed": edit_allowed,
            "rejection_reasons": [{"code": c, "reason": "r"} for c in codes],
        }
    )
    assert v.traffic is traffic
    assert (v.send_error_code is None) == (traffic is TrafficState.VERIFIED)


def test_from_api_accepts_text_bytes_and_objects(tfx: SimpleNamespace) -> None:
    a = TollFreeVerification.from_api(tfx.APPROVED_JSON)
    b = TollFreeVerification.from_api(tfx.APPROVED_JSON.encode())
    c = TollFreeVerification.from_api(SimpleNamespace(**json.loads(tfx.APPROVED_JSON)))
    assert a == b
    assert c.sid == a.sid
    assert c.status is a.status
    assert TollFreeVerification.from_api(a.to_api_json()) == a


@settings(max_examples=80)
@given(
    payload=st.one_of(
        st.text(max_size=80),
        st.binary(max_size=80),
        st.dictionaries(
            st.sampled_from(
                ["sid", "status", "error_code", "rejection_reasons", "edit_expiration"]
            ),
            st.one_of(st.text(max_size=10), st.integers(), st.none(), st.lists(st.integers())),
        ),
        st.integers(),
    )
)
def test_from_api_fuzz(payload: object) -> None:
    with contextlib.suppress(ValidationError, InvalidArgument):
        TollFreeVerification.from_api(payload)


# ------------------------------------------------------------- state machine


def test_transition_table() -> None:
    assert can_transition(None, S.PENDING_REVIEW)
    assert can_transition(S.PENDING_REVIEW, S.IN_REVIEW)
    assert can_transition(S.IN_REVIEW, S.TWILIO_REJECTED)
    assert can_transition(S.TWILIO_REJECTED, S.PENDING_REVIEW)
    assert not can_transition(S.TWILIO_APPROVED, S.PENDING_REVIEW)
    assert not can_transition(S.IN_REVIEW, S.PENDING_REVIEW)
    assert not can_transition(S.TWILIO_REJECTED, S.TWILIO_APPROVED)
    with pytest.raises(InvalidTransition, match="TWILIO_APPROVED"):
        check_transition(S.TWILIO_APPROVED, S.IN_REVIEW)
    with pytest.raises(InvalidArgument):
        check_transition(S.IN_REVIEW, "TWILIO_APPROVED")  # type: ignore[arg-type]


def test_every_status_is_reachable() -> None:
    seen: set[S | None] = {None}
    frontier: list[S | None] = [None]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == {None, *S}


def _rejected(
    codes: list[int], edit_allowed: bool | None, at: datetime = NOW
) -> TollFreeVerification:
    return TollFreeVerification.from_api(
        {
            "sid": "HH1",
            "status": "TWILIO_REJECTED",
            "business_name": "Owl",
            "rejection_reasons": [{"code": c} for c in codes],
            "edit_allowed": edit_allowed,
            "rejected_on": at.isoformat(),
        }
    )


def test_check_edit_rules() -> None:
    v = _rejected([30473], True)
    assert check_edit(v, {"business_name": "Owl 2"}, now=NOW) is EditWindow.PRIORITIZED
    later = NOW + timedelta(days=7)
    assert edit_window(v, later) is EditWindow.EXPIRED
    assert check_edit(v, {"business_name": "Owl 2"}, now=later) is EditWindow.EXPIRED
    with pytest.raises(InvalidTransition, match="expired"):
        check_edit(v, {"business_name": "Owl 2"}, now=later, allow_expired=False)
    with pytest.raises(InvalidArgument, match="no values were different"):
        check_edit(v, {"business_name": "Owl"}, now=NOW)
    with pytest.raises(InvalidArgument, match="no values were submitted"):
        check_edit(v, {}, now=NOW)
    with pytest.raises(InvalidTransition):
        check_edit(_rejected([30473], False), {"business_name": "Owl 2"}, now=NOW)
    with pytest.raises(InvalidTransition):
        check_edit(_rejected([30464], True), {"business_name": "Owl 2"}, now=NOW)
    approved = TollFreeVerification.from_api({"sid": "HH1", "status": "TWILIO_APPROVED"})
    with pytest.raises(InvalidTransition, match="only a TWILIO_REJECTED"):
        check_edit(approved, {"business_name": "Owl 2"}, now=NOW)
    assert edit_window(approved, NOW) is EditWindow.NOT_EDITABLE
