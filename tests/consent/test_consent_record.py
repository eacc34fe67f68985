"""ConsentRecord: validation of every field, the refused sources, the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from a2p_policy._consent.record import ConsentRecord, ConsentSource
from a2p_policy._errors import A2PPolicyError, ConsentError
from a2p_policy._usecases import OptInMethod, UseCase

WHEN = datetime(2026, 1, 2, 15, 30, tzinfo=UTC)


def base(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phone": "(415) 555-0123",
        "brand": "Acme Dental",
        "method": OptInMethod.WEB_FORM,
        "captured_at": WHEN,
        "scopes": {UseCase.ACCOUNT_NOTIFICATIONS},
        "express": False,
        "source_url": "https://acme.example/signup",
    }
    data.update(over)
    return data


def full(**over: Any) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "address": "1 Main St, Springfield, IL 62701",
        "ip_address": "203.0.113.7",
        "consent_text": "I agree to receive appointment reminders from Acme Dental.",
        "evidence_url": "https://acme.example/optin.png",
    }
    evidence.update(over)
    return base(**evidence)


def test_valid_record_is_normalized() -> None:
    r = ConsentRecord(**full(brand="  Acme   Dental ", ip_address=" 2001:DB8::1 "))
    assert r.phone == "+14155550123"
    assert r.brand == "Acme Dental"
    assert r.ip_address == "2001:db8::1"
    assert r.source is ConsentSource.FIRST_PARTY
    assert r.missing_evidence() == []


def test_record_is_frozen() -> None:
    r = ConsentRecord(**base())
    with pytest.raises(ValidationError):
        r.brand = "Other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "not a phone"),
        ("phone", "123"),
        ("phone", ""),
        ("phone", 4155550123),
        ("phone", None),
        ("brand", ""),
        ("brand", "   "),
        ("brand", None),
        ("brand", "x" * 500),
        ("brand", 5),
        ("method", "SMOKE_SIGNAL"),
        ("method", None),
        ("captured_at", datetime(2026, 1, 2, 15, 30)),  # naive
        ("captured_at", "2026-01-02T15:30:00"),  # naive string
        ("captured_at", "yesterday"),
        ("captured_at", None),
        ("scopes", set()),
        ("scopes", []),
        ("scopes", "MARKETING"),
        ("scopes", {"NOT_A_USE_CASE"}),
        ("scopes", None),
        ("express", "yes"),
        ("express", None),
        ("source", "FRIEND"),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "two@@example.com"),
        ("ip_address", "999.1.1.1"),
        ("ip_address", "localhost"),
        ("ip_address", 12),
        ("source_url", "acme.example/signup"),
        ("source_url", "ftp://acme.example/signup"),
        ("source_url", "https://acme.example"),  # no path
        ("source_url", "https:///signup"),
        ("evidence_url", "screenshot.png"),
        ("evidence_url", "javascript:alert(1)"),
        ("name", 12),
        ("consent_text", "x" * 30_000),
        ("unknown_field", "x"),
    ],
)
def test_invalid_field_raises_validation_error(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        ConsentRecord(**base(**{field: value}))
    assert field in str(info.value)


@pytest.mark.parametrize(
    "source",
    [
        ConsentSource.PURCHASED_LIST,
        ConsentSource.THIRD_PARTY,
        ConsentSource.LEAD_GENERATOR,
        ConsentSource.AFFILIATE,
        "purchased_list",
        "THIRD_PARTY",
        "lead-generator",
    ],
)
def test_bought_or_shared_consent_is_refused(source: object) -> None:
    with pytest.raises(ConsentError, match="cannot be bought"):
        ConsentRecord(**full(source=source))


def test_consent_error_is_raised_directly_also_from_json() -> None:
    payload = ConsentRecord(**base()).model_dump_json().replace("FIRST_PARTY", "AFFILIATE")
    with pytest.raises(ConsentError):
        ConsentRecord.model_validate_json(payload)
    assert issubclass(ConsentError, A2PPolicyError)


def test_marketing_needs_express_consent() -> None:
    with pytest.raises(ConsentError, match="marketing needs express consent"):
        ConsentRecord(**base(scopes={UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS}))
    r = ConsentRecord(**base(scopes={UseCase.MARKETING}, express=True))
    assert UseCase.MARKETING in r.scopes


def test_web_form_needs_source_url() -> None:
    with pytest.raises(ConsentError, match="source_url"):
        ConsentRecord(**base(source_url=None))
    with pytest.raises(ConsentError, match="source_url"):
        ConsentRecord(**base(source_url="  "))
    r = ConsentRecord(**base(method=OptInMethod.PAPER_FORM, source_url=None))
    assert r.source_url is None


def test_enum_values_accept_names_and_strings() -> None:
    r = ConsentRecord(
        **base(method="web_form", scopes=["MARKETING", "account_notifications"], express=True)
    )
    assert r.method is OptInMethod.WEB_FORM
    assert r.scopes == frozenset({UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS})
    single = ConsentRecord(**base(scopes=UseCase.EVENTS))
    assert single.scopes == frozenset({UseCase.EVENTS})


def test_captured_at_keeps_its_zone() -> None:
    eastern = timezone(timedelta(hours=-5))
    r = ConsentRecord(**base(captured_at=datetime(2026, 1, 2, 10, 30, tzinfo=eastern)))
    assert r.captured_at.utcoffset() == timedelta(hours=-5)
    assert r.captured_at == WHEN


def test_json_round_trip() -> None:
    r = ConsentRecord(**full(keyword="join", details="sign-up page, step 2"))
    assert r.keyword == "JOIN"
    again = ConsentRecord.model_validate_json(r.model_dump_json())
    assert again == r


def test_empty_optional_strings_are_none() -> None:
    r = ConsentRecord(**base(name="  ", email="", address="", consent_text=" ", ip_address=" "))
    assert (r.name, r.email, r.address, r.consent_text, r.ip_address) == (None,) * 5


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        (OptInMethod.WEB_FORM, {}, ["name", "email", "address", "ip_address", "consent_text",
                                    "evidence_url"]),
        (OptInMethod.MOBILE_QR_CODE, {"source_url": None}, ["name", "email", "address",
                                                             "ip_address", "source_url",
                                                             "consent_text", "evidence_url"]),
        (OptInMethod.MOBILE_QR_CODE, {"source_url": None, "details": "QR on the shop door",
                                      "ip_address": "198.51.100.2"},
         ["name", "email", "address", "consent_text", "evidence_url"]),
        (OptInMethod.VIA_TEXT, {"source_url": None}, ["name", "email", "address", "keyword",
                                                      "consent_text", "evidence_url"]),
        (OptInMethod.VIA_TEXT, {"source_url": None, "keyword": "join"},
         ["name", "email", "address", "consent_text", "evidence_url"]),
        (OptInMethod.VERBAL, {"source_url": None}, ["name", "email", "address", "details",
                                                    "consent_text", "evidence_url"]),
        (OptInMethod.PAPER_FORM, {"source_url": None, "details": "in-store form #12"},
         ["name", "email", "address", "consent_text", "evidence_url"]),
    ],
)  # fmt: skip
def test_missing_evidence_by_method(
    method: OptInMethod, extra: dict[str, Any], expected: list[str]
) -> None:
    r = ConsentRecord(**base(method=method, **extra))
    assert r.missing_evidence() == expected


@pytest.mark.parametrize(
    "field", ["name", "email", "address", "ip_address", "consent_text", "evidence_url"]
)
def test_each_removed_element_is_reported(field: str) -> None:
    assert ConsentRecord(**full(**{field: None})).missing_evidence() == [field]


_ANY = st.one_of(
    st.none(), st.text(max_size=40), st.integers(), st.booleans(), st.floats(allow_nan=True)
)


@given(
    st.dictionaries(
        st.sampled_from(
            ["phone", "brand", "method", "captured_at", "scopes", "express", "source", "name",
             "email", "address", "ip_address", "source_url", "consent_text", "evidence_url",
             "keyword", "details"]
        ),
        _ANY,
    )
)  # fmt: skip
def test_fuzz_any_field_values_give_model_or_validation_error(over: dict[str, Any]) -> None:
    try:
        r = ConsentRecord(**base(**over))
    except (ValidationError, ConsentError):
        return
    assert r.phone.startswith("+")
    assert r.scopes
    assert isinstance(r.missing_evidence(), list)


@given(st.text(max_size=30))
def test_fuzz_phone_strings(raw: str) -> None:
    try:
        r = ConsentRecord(**base(phone=raw))
    except ValidationError as exc:
        message = str(exc)
    else:
        assert r.phone.startswith("+")
        return
    assert "phone" in message


def test_captured_at_with_a_seconds_offset_survives_json() -> None:
    """Local mean time (Africa/Abidjan before 1912: -00:16:08) has an offset with
    seconds, which ISO 8601 JSON cuts to minutes: such a time is kept in UTC
    so a stored record comes back at the same instant (found by the fuzz
    suite)."""
    from zoneinfo import ZoneInfo

    lmt = datetime(1911, 6, 1, 9, 30, tzinfo=ZoneInfo("Africa/Abidjan"))
    r = ConsentRecord(**base(captured_at=lmt))
    assert r.captured_at == lmt
    assert ConsentRecord.model_validate_json(r.model_dump_json()) == r
