"""Sender types (issue 20) and the hardening of normalize_phone (issue 14):
extensions, junk characters, NULs and control characters are refused; every
common written format is still accepted."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import a2p_policy
from a2p_policy import _phone as phone_module
from a2p_policy._errors import InvalidPhoneNumber
from a2p_policy._phone import (
    TOLL_FREE_AREA_CODES,
    SenderType,
    is_toll_free,
    normalize_phone,
    normalize_sender,
    sender_type,
)

# -- issue 14: junk that phonenumbers would drop or read as an extension -----------


@pytest.mark.parametrize(
    "raw",
    [
        "+14155550123;--",
        "12065550100x",
        "12065550100 x123",
        "(206) 555-0100 ext. 12",
        "+12065550100;ext=12",
        "+1*4155550123",
        "+14155550123#",
        "+14155550123\x00",
        "\x00+14155550123",
        "+1415\x005550123",
        "415\x0b555\x0c0123",
        "415 555 0123\x7f",
        "415\u0085555 0123",
        "1-800-FLOWERS",
        "+1 415 555 0123 abc",
        "tel:+14155550123;phone-context=example.com",
        "415+5550123",
        "++14155550123",
        "<+14155550123>",
        "+1_415_555_0123",
        "4155550123'",
    ],
)
def test_junk_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)
    with pytest.raises(InvalidPhoneNumber):
        normalize_sender(raw)
    assert not is_toll_free(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "+14155550123",
        "4155550123",
        "(415) 555-0123",
        "(415)555-0123",
        "415-555-0123",
        "415.555.0123",
        "415 555 0123",
        "415/555-0123",
        "1 415 555 0123",
        "1-415-555-0123",
        "1 (415) 555-0123",
        "+1 (415) 555-0123",
        "+1-415-555-0123",
        "+1.415.555.0123",
        "  +1 415 555 0123  ",
        "415\u00a0555\u00a00123",  # no-break spaces
        "415\u2013555\u20130123",  # en dashes
        "tel:+14155550123",
        "TEL:+1-415-555-0123",
        "\t(415)5550123\n",  # surrounding whitespace is stripped
        "\uff0b\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff12\uff13",  # full width
    ],
)
def test_human_formats_still_accepted(raw: str) -> None:
    assert normalize_phone(raw) == "+14155550123"
    assert normalize_sender(raw) == "+14155550123"


separators = st.sampled_from([" ", "-", ".", "(", ")", "/", "\u00a0", "\u2010", "\u2013"])
digits10 = st.builds(
    lambda a, b, c: f"{a}{b}{c:04d}",
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(0, 9999),
)


@given(
    digits=digits10,
    seps=st.lists(separators, min_size=11, max_size=11),
    prefix=st.sampled_from(["", "1", "+1", "tel:+1"]),
)
def test_any_separator_layout_gives_the_digits(digits: str, seps: list[str], prefix: str) -> None:
    raw = prefix + "".join(s + d for s, d in zip(seps, digits, strict=False)) + seps[-1]
    try:
        e164 = normalize_phone(raw)
    except InvalidPhoneNumber:
        # refused only because the number itself is not valid, never because
        # of the separators
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone("+1" + digits)
        return
    assert e164 == normalize_phone("+1" + digits) == "+1" + digits


junk = st.sampled_from([*"x#*;,:&<>_=?!'\"abcXYZ~@$%^\\|`{}[]", "\x00", "\x07", "\x1b"])


@given(digits=digits10, bad=junk, where=st.integers(0, 12))
def test_a_junk_character_anywhere_is_refused(digits: str, bad: str, where: int) -> None:
    text = "+1" + digits
    raw = text[:where] + bad + text[where:]
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)


@given(st.text(alphabet=string.printable + "\x00\x85\u2028", max_size=30))
def test_accepted_inputs_hold_only_digits_and_separators(raw: str) -> None:
    try:
        e164 = normalize_phone(raw)
    except InvalidPhoneNumber:
        return
    text = raw.strip()
    text = text[4:] if text.lower().startswith("tel:") else text
    assert all(c.isdecimal() or c in " -./()+" for c in text)
    assert "+" not in text[1:]
    assert sum(c.isdecimal() for c in text) >= len(e164) - 2


# -- sender types ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["12345", "654321", "00000", " 12345 ", "\t12345\n", "99999"])
def test_short_codes(code: str) -> None:
    assert sender_type(code) is SenderType.SHORT_CODE
    assert normalize_sender(code) == code.strip()


@pytest.mark.parametrize("area", sorted(TOLL_FREE_AREA_CODES))
def test_toll_free_senders(area: str) -> None:
    assert sender_type(f"({area}) 555-0199") is SenderType.TOLL_FREE
    assert normalize_sender(f"1-{area}-555-0199") == f"+1{area}5550199"


@pytest.mark.parametrize("number", ["+14155550123", "(416) 555-0123", "+442079460958"])
def test_long_codes(number: str) -> None:
    assert sender_type(number) is SenderType.LONG_CODE
    assert normalize_sender(number) == normalize_phone(number)


@pytest.mark.parametrize(
    "raw",
    ["1234", "1234567", "12 345", "123-45", "+12345", "12345x", "12345\x00", "", "  ", "abcde"],
)
def test_not_senders(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        sender_type(raw)
    with pytest.raises(InvalidPhoneNumber):
        normalize_sender(raw)


@pytest.mark.parametrize("value", [None, 12345, b"12345", ["12345"]])
def test_non_str_senders(value: object) -> None:
    with pytest.raises(InvalidPhoneNumber):
        sender_type(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidPhoneNumber):
        normalize_sender(value)  # type: ignore[arg-type]


def test_short_codes_are_not_phone_numbers() -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("12345")
    assert not is_toll_free("12345")


@given(st.from_regex(r"[0-9]{5,6}", fullmatch=True))
def test_every_five_or_six_digit_string_is_a_short_code(code: str) -> None:
    assert sender_type(code) is SenderType.SHORT_CODE
    assert normalize_sender(code) == code
    assert normalize_sender(normalize_sender(code)) == code


@given(st.one_of(st.text(max_size=20), st.from_regex(r"\+?1?[2-9][0-9]{9}", fullmatch=True)))
def test_sender_type_agrees_with_normalize_sender(raw: str) -> None:
    try:
        normalized = normalize_sender(raw)
    except InvalidPhoneNumber:
        with pytest.raises(InvalidPhoneNumber):
            sender_type(raw)
        return
    kind = sender_type(raw)
    assert sender_type(normalized) is kind
    assert normalize_sender(normalized) == normalized  # idempotent
    if kind is SenderType.SHORT_CODE:
        assert normalized.isdigit()
        assert len(normalized) in (5, 6)
    else:
        assert normalized == normalize_phone(raw)
        assert (kind is SenderType.TOLL_FREE) == is_toll_free(normalized)


def test_public_names() -> None:
    assert a2p_policy.SenderType is SenderType
    assert a2p_policy.sender_type is sender_type
    assert {m.name for m in SenderType} == {"LONG_CODE", "TOLL_FREE", "SHORT_CODE"}
    assert {"SenderType", "sender_type", "normalize_sender"} <= set(a2p_policy.__all__)


# -- issue 17: re._parser is optional ------------------------------------------------


def test_fast_path_is_off_without_the_private_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    phone_module._nanp_significant_digits.cache_clear()
    monkeypatch.setattr(phone_module, "_parser", None)
    try:
        assert phone_module._nanp_significant_digits() == 0
        phone_module._cached.cache_clear()
        phone_module._zones.cache_clear()
        assert normalize_phone("(415) 555-0123") == "+14155550123"
        assert phone_module.recipient_timezones("+14155550123") == ("America/Los_Angeles",)
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone("+11155550123")
    finally:
        phone_module._nanp_significant_digits.cache_clear()
        phone_module._cached.cache_clear()
        phone_module._zones.cache_clear()
    monkeypatch.undo()
    assert phone_module._nanp_significant_digits() > 0


# -- issue 14: the toll-free verification request's contact phone ----------------

_TFV_REQUEST: dict[str, object] = {
    "tollfree_phone_number_sid": "PN" + "0" * 32,
    "business_name": "Acme Widgets LLC",
    "business_website": "https://www.acme-widgets.example.com",
    "notification_email": "compliance@acme-widgets.example.com",
    "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
    "use_case_summary": (
        "Order and shipping notifications to customers who opted in at checkout on our web site"
    ),
    "production_message_sample": (
        "Acme: your order 1234 shipped and arrives Tuesday. Reply STOP to opt out."
    ),
    "opt_in_image_urls": ["https://www.acme-widgets.example.com/images/checkout-optin.png"],
    "opt_in_type": "WEB_FORM",
    "message_volume": "1,000",
    "business_street_address": "1 Market Street",
    "business_city": "San Francisco",
    "business_state_province_region": "CA",
    "business_postal_code": "94105",
    "business_country": "US",
    "business_contact_first_name": "Ada",
    "business_contact_last_name": "Lovelace",
    "business_contact_email": "ada@acme-widgets.example.com",
    "business_contact_phone": "+14155550123",
}


@pytest.mark.parametrize(
    "bad", ["12065550100x", "+14155550123;--", "+1*4155550123", "4155550123\x00"]
)
def test_tollfree_request_refuses_a_junk_contact_phone(bad: str) -> None:
    from pydantic import ValidationError

    from a2p_policy._tollfree.models import TollFreeVerificationRequest

    good = TollFreeVerificationRequest.model_validate(_TFV_REQUEST)
    assert good.business_contact_phone == "+14155550123"
    with pytest.raises(ValidationError):
        TollFreeVerificationRequest.model_validate({**_TFV_REQUEST, "business_contact_phone": bad})
