"""One contract suite for every toll-free transport: the in-memory fake, and
the twilio transport through the real SDK (its HTTP routed to the fake)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from a2p_policy._clock import ManualClock
from a2p_policy._errors import InvalidTransition, TollFreeApiError
from a2p_policy._tollfree.models import TrafficState, VerificationStatus


def _status(exc: pytest.ExceptionInfo[TollFreeApiError]) -> int:
    return exc.value.status


def test_create_returns_pending_record(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    assert v.sid.startswith("HH")
    assert len(v.sid) == 34
    assert v.status is VerificationStatus.PENDING_REVIEW
    assert v.traffic is TrafficState.RESTRICTED
    assert v.business_name == "Owl, Inc."
    assert v.use_case_categories == ("TWO_FACTOR_AUTHENTICATION", "MARKETING")
    assert v.tollfree_phone_number_sid == tfx.PN
    assert v.rejection_codes == ()
    assert api.transport.fetch(v.sid) == v


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("notification_email", "not-an-email", "Email address is invalid"),
        ("message_volume", "2000", "messageVolume"),
        ("opt_in_type", "SMOKE_SIGNAL", "optInType"),
        ("use_case_categories", ["NOPE"], "useCase"),
        ("business_contact_phone", "+1231231234", "Phone number is invalid"),
        ("business_name", None, "Missing mandatory"),
        ("business_city", None, "Missing mandatory"),
    ],
)
def test_create_validates_like_the_api(
    api: Any, tfx: SimpleNamespace, field: str, value: object, needle: str
) -> None:
    params = tfx.base_request()
    if value is None:
        params.pop(field)
    else:
        params[field] = value
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.create(params)
    assert exc.value.status == 400
    assert needle in exc.value.message
    assert field in exc.value.message


def test_customer_profile_excludes_business_fields(api: Any, tfx: SimpleNamespace) -> None:
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.create(tfx.base_request(customer_profile_sid=tfx.BU))
    assert exc.value.status == 400
    assert "unnecessary business information" in exc.value.message
    profile_only = {
        k: v
        for k, v in tfx.base_request(customer_profile_sid=tfx.BU).items()
        if not k.startswith(("business_street", "business_city", "business_state"))
        and not k.startswith(("business_postal", "business_country", "business_contact"))
    }
    v = api.transport.create(profile_only)
    assert v.customer_profile_sid == tfx.BU


def test_second_submission_for_a_number_is_409(api: Any, tfx: SimpleNamespace) -> None:
    api.transport.create(tfx.base_request())
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.create(tfx.base_request())
    assert exc.value.status == 409
    assert "another verification" in exc.value.message


def test_unknown_and_malformed_sids_are_404(api: Any) -> None:
    for sid in ("HH" + "0" * 32, "HHnope", "", "../../Accounts"):
        with pytest.raises(TollFreeApiError) as exc:
            api.transport.fetch(sid)
        assert exc.value.status == 404
        with pytest.raises(TollFreeApiError) as exc:
            api.transport.delete(sid)
        assert exc.value.status == 404


def test_reject_then_edit_returns_to_pending(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    api.fake.reject(v.sid, [30472, 30473])
    rejected = api.transport.fetch(v.sid)
    assert rejected.status is VerificationStatus.TWILIO_REJECTED
    assert rejected.rejection_codes == (30472, 30473)
    assert rejected.edit_allowed is True
    assert rejected.edit_expiration is not None
    assert rejected.traffic is TrafficState.RESTRICTED
    edited = api.transport.update(
        v.sid, {"business_website": "https://owl.example.com", "edit_reason": "website fixed"}
    )
    assert edited.status is VerificationStatus.PENDING_REVIEW
    assert edited.business_website == "https://owl.example.com"
    assert edited.rejection_codes == ()
    assert edited.edit_allowed is None


def test_edit_errors(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    with pytest.raises(TollFreeApiError) as exc:  # not rejected
        api.transport.update(v.sid, {"business_name": "Owl Two"})
    assert exc.value.status == 400
    api.fake.reject(v.sid, [30473])
    with pytest.raises(TollFreeApiError) as exc:  # nothing submitted
        api.transport.update(v.sid, {})
    assert exc.value.status == 400
    assert "No values were submitted" in exc.value.message
    with pytest.raises(TollFreeApiError) as exc:  # nothing different
        api.transport.update(v.sid, {"business_name": "Owl, Inc."})
    assert exc.value.status == 400
    assert "No values were different" in exc.value.message
    with pytest.raises(TollFreeApiError) as exc:  # invalid value
        api.transport.update(v.sid, {"notification_email": "nope"})
    assert exc.value.status == 400


def test_edit_of_approved_is_400(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    api.fake.start_review(v.sid)
    api.fake.approve(v.sid)
    assert api.transport.fetch(v.sid).traffic is TrafficState.VERIFIED
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.update(v.sid, {"business_name": "Owl Two"})
    assert exc.value.status == 400
    assert "Cannot edit an approved submission" in exc.value.message


def test_edit_not_allowed_is_422_and_blocks(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    api.fake.reject(v.sid, [30459])  # cannabis: not resubmittable
    rejected = api.transport.fetch(v.sid)
    assert rejected.edit_allowed is False
    assert rejected.traffic is TrafficState.BLOCKED
    assert rejected.send_error_code == 30032
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.update(v.sid, {"business_name": "Owl Two"})
    assert exc.value.status == 422


def test_expired_window_still_editable_by_default(
    api: Any, tfx: SimpleNamespace, clock: ManualClock
) -> None:
    v = api.transport.create(tfx.base_request())
    api.fake.reject(v.sid, [30476])
    clock.advance(timedelta(days=8))
    assert api.transport.update(v.sid, {"opt_in_type": "PAPER_FORM"}).status is (
        VerificationStatus.PENDING_REVIEW
    )


def test_delete_frees_the_number(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    api.transport.delete(v.sid)
    with pytest.raises(TollFreeApiError) as exc:
        api.transport.fetch(v.sid)
    assert exc.value.status == 404
    again = api.transport.create(tfx.base_request())
    assert again.sid != v.sid


def test_list_filters_and_pages(api: Any, tfx: SimpleNamespace) -> None:
    sids = [
        api.transport.create(tfx.base_request(tollfree_phone_number_sid=tfx.pn_sid(i))).sid
        for i in range(7)
    ]
    api.fake.start_review(sids[0])
    api.fake.approve(sids[0])
    everything = api.transport.list(page_size=3)
    assert [v.sid for v in everything] == sids
    approved = api.transport.list(status=VerificationStatus.TWILIO_APPROVED)
    assert [v.sid for v in approved] == [sids[0]]
    by_number = api.transport.list(tollfree_phone_number_sid=tfx.pn_sid(4))
    assert [v.sid for v in by_number] == [sids[4]]
    assert len(api.transport.list(limit=2, page_size=2)) == 2


def test_reviewer_moves_follow_the_state_machine(api: Any, tfx: SimpleNamespace) -> None:
    v = api.transport.create(tfx.base_request())
    api.fake.approve(v.sid)
    with pytest.raises(InvalidTransition):
        api.fake.reject(v.sid, [30473])
    with pytest.raises(InvalidTransition):
        api.fake.start_review(v.sid)
