# ruff: noqa: E501
"""precheck: each predicted rejection, with its field, code and fix."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._errors import InvalidArgument
from a2p_policy._findings import Finding, Severity
from a2p_policy._tollfree.models import TollFreeVerificationRequest
from a2p_policy._tollfree.precheck import precheck


def check(tfx: SimpleNamespace, **overrides: Any) -> list[Finding]:
    return precheck(TollFreeVerificationRequest.model_validate(tfx.base_request(**overrides)))


def codes(findings: list[Finding]) -> set[int | None]:
    return {f.tfv_code for f in findings}


def test_clean_request_has_no_blocking_finding(tfx: SimpleNamespace) -> None:
    findings = check(tfx)
    assert [f for f in findings if f.severity is Severity.BLOCK] == []
    for f in findings:
        assert f.field
        assert f.fix


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        (
            {
                "production_message_sample": "Owl, Inc.: see https://bit.ly/abc. Reply STOP to opt out."
            },
            30449,
            "production_message_sample",
        ),
        (
            {
                "production_message_sample": "Owl, Inc.: see http://owl.com/deal. Reply STOP to opt out."
            },
            30471,
            "production_message_sample",
        ),
        ({"opt_in_image_urls": ["https://www.company.com"]}, 30476, "opt_in_image_urls[0]"),
        (
            {
                "opt_in_image_urls": [
                    "https://www.company.com/",
                    "https://drive.google.com/file/d/1",
                ]
            },
            30476,
            "opt_in_image_urls[1]",
        ),
        (
            {"opt_in_image_urls": ["https://app.company.com/login?next=/sms"]},
            30476,
            "opt_in_image_urls[0]",
        ),
        (
            {"opt_in_confirmation_message": "By making a purchase you agree to receive offers."},
            30446,
            "opt_in_confirmation_message",
        ),
        (
            {"additional_information": "SMS consent is required to use our service."},
            30475,
            "additional_information",
        ),
        (
            {
                "opt_in_confirmation_message": "We may share your number with our marketing partners."
            },
            30477,
            "opt_in_confirmation_message",
        ),
        ({"business_name": "N/A"}, 30474, "business_name"),
        ({"business_city": "n/a"}, 30451, "business_city"),
        (
            {
                "business_type": None,
                "business_registration_number": None,
                "business_registration_authority": None,
                "business_registration_country": None,
            },
            30472,
            "business_type",
        ),
        (
            {"use_case_summary": "We sell CBD gummies and THC vapes to our members every week."},
            30459,
            "use_case_summary",
        ),
        (
            {
                "production_message_sample": "Owl, Inc.: bet on tonight's game at our casino! Reply STOP to opt out."
            },
            30461,
            "production_message_sample",
        ),
    ],
)
def test_predicted_rejections(
    tfx: SimpleNamespace, overrides: dict[str, Any], code: int, field: str
) -> None:
    findings = check(tfx, **overrides)
    hits = [f for f in findings if f.tfv_code == code and f.field == field]
    assert hits, findings
    assert all(f.severity is Severity.BLOCK and f.fix for f in hits)


def test_sample_without_brand_or_opt_out_warns(tfx: SimpleNamespace) -> None:
    findings = check(tfx, production_message_sample="Your appointment is today at 10:00 AM")
    rules = {f.rule for f in findings if f.severity is Severity.WARN}
    assert {"tfv.sample.brand", "tfv.sample.opt_out"} <= rules


def test_one_word_summary_blocks(tfx: SimpleNamespace) -> None:
    findings = check(tfx, use_case_summary="Marketing")
    assert any(f.rule == "tfv.summary.vague" and f.severity is Severity.BLOCK for f in findings)
    short = check(tfx, use_case_summary="Coupons for coffee customers")
    assert any(f.rule == "tfv.summary.short" for f in short)


def test_isv_name_as_end_business(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(
        tfx.base_request(business_name="Acme SaaS LLC")
    )
    findings = precheck(req, isv_names=["ACME SaaS, Inc."])
    assert any(f.tfv_code == 30474 and f.field == "business_name" for f in findings)
    assert not any(f.tfv_code == 30474 for f in precheck(req, isv_names=["Other Co"]))


def test_alcohol_with_age_gate_is_a_warning(tfx: SimpleNamespace) -> None:
    summary = "Weekly wine club offers and tasting events for members of our winery."
    gated = [
        f
        for f in check(tfx, use_case_summary=summary, age_gated_content=True)
        if f.tfv_code == 30456
    ]
    ungated = [f for f in check(tfx, use_case_summary=summary) if f.tfv_code == 30456]
    assert ungated
    assert all(f.severity is Severity.BLOCK for f in ungated)
    assert gated
    assert all(f.severity is Severity.WARN for f in gated)


def test_too_many_numbers(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(tfx.base_request())
    assert any(f.tfv_code == 30479 for f in precheck(req, numbers_for_business=6))
    assert not any(f.tfv_code == 30479 for f in precheck(req, numbers_for_business=5))


def test_bad_arguments(tfx: SimpleNamespace) -> None:
    req = TollFreeVerificationRequest.model_validate(tfx.base_request())
    with pytest.raises(InvalidArgument):
        precheck(tfx.base_request())
    with pytest.raises(InvalidArgument):
        precheck(req, numbers_for_business=-1)
    with pytest.raises(InvalidArgument):
        precheck(req, isv_names=[1])  # type: ignore[list-item]


@settings(max_examples=40)
@given(
    sample=st.text(min_size=1, max_size=200).filter(lambda s: s.strip()),
    summary=st.text(min_size=1, max_size=200).filter(lambda s: s.strip()),
)
def test_precheck_never_raises_on_valid_requests(sample: str, summary: str) -> None:
    base = {
        "business_name": "Owl",
        "business_website": "https://owl.example.com",
        "notification_email": "a@b.co",
        "use_case_categories": ["MARKETING"],
        "use_case_summary": summary,
        "production_message_sample": sample,
        "opt_in_image_urls": ["https://owl.example.com/sms"],
        "opt_in_type": "WEB_FORM",
        "message_volume": "10",
        "tollfree_phone_number_sid": "PN" + "a" * 32,
        "customer_profile_sid": "BU" + "a" * 32,
    }
    findings = precheck(TollFreeVerificationRequest.model_validate(base))
    assert all(isinstance(f, Finding) and f.field for f in findings)
