"""Webhooks and sender types (issue 20): our number may be a short code
(inbound ``To``, status callback ``From``); blank SIDs are refused; every
error names the form field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber
from a2p_policy._validation import field_of
from a2p_policy._webhooks import (
    InboundMessage,
    MessageStatus,
    StatusCallback,
    parse_inbound_message,
    parse_status_callback,
)

SID = "SM" + "a" * 32
ACCOUNT_SID = "AC" + "b" * 32
CONTACT = "+14155550100"

INBOUND = {
    "MessageSid": SID,
    "AccountSid": ACCOUNT_SID,
    "From": CONTACT,
    "To": "12345",
    "Body": "STOP",
}
STATUS = {
    "MessageSid": SID,
    "AccountSid": ACCOUNT_SID,
    "MessageStatus": "delivered",
    "From": "12345",
    "To": CONTACT,
}


@pytest.mark.parametrize("ours", ["12345", "654321", "+18005550199", "(415) 555-0199"])
def test_our_number_may_be_any_sender_type(ours: str) -> None:
    inbound = parse_inbound_message({**INBOUND, "To": ours})
    status = parse_status_callback({**STATUS, "From": ours})
    assert inbound.to == status.from_
    assert inbound.from_ == status.to == CONTACT


def test_short_code_values() -> None:
    inbound = parse_inbound_message(INBOUND)
    assert inbound.to == "12345"
    status = parse_status_callback(STATUS)
    assert status.from_ == "12345"
    assert status.status is MessageStatus.DELIVERED


def test_the_contact_is_never_a_short_code() -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_inbound_message({**INBOUND, "From": "12345"})
    assert field_of(info.value) == "From"
    with pytest.raises(InvalidArgument) as info:
        parse_status_callback({**STATUS, "To": "12345"})
    assert field_of(info.value) == "To"


@pytest.mark.parametrize("bad", ["   ", "", "\t", "S", "SM 123", "SM\x00abc", "x" * 65, "SM;--"])
@pytest.mark.parametrize("field", ["MessageSid", "AccountSid", "MessagingServiceSid"])
def test_blank_or_malformed_sids_are_refused(bad: str, field: str) -> None:
    for parse, form in ((parse_status_callback, STATUS), (parse_inbound_message, INBOUND)):
        data = {**form, field: bad}
        if bad == "" and field == "MessageSid":
            data.pop("SmsSid", None)
            data.pop("SmsMessageSid", None)
        with pytest.raises(InvalidArgument) as info:
            parse(data)
        assert field_of(info.value) == field


def test_sids_are_stripped() -> None:
    assert parse_status_callback({**STATUS, "MessageSid": f" {SID} "}).message_sid == SID


def test_missing_message_sid_names_the_field() -> None:
    form = dict(STATUS)
    del form["MessageSid"]
    with pytest.raises(InvalidArgument) as info:
        parse_status_callback(form)
    assert field_of(info.value) == "MessageSid"


@pytest.mark.parametrize("bad", ["12065550100x", "+1*4155550123", "+14155550123\x00", "1234"])
def test_junk_numbers_are_refused(bad: str) -> None:
    for form, field, parse in (
        (INBOUND, "From", parse_inbound_message),
        (INBOUND, "To", parse_inbound_message),
        (STATUS, "From", parse_status_callback),
        (STATUS, "To", parse_status_callback),
    ):
        with pytest.raises(InvalidArgument) as info:
            parse({**form, field: bad})
        assert field_of(info.value) == field


def test_models_validate_directly() -> None:
    with pytest.raises(ValueError, match="MessageSid"):
        StatusCallback(message_sid="   ", from_="12345", to=CONTACT, status="sent")
    with pytest.raises(ValueError, match="MessageSid"):
        InboundMessage(message_sid="   ", from_=CONTACT, to="12345")
    assert InboundMessage(message_sid=SID, from_=CONTACT, to="12345").to == "12345"


@given(sid=st.text(max_size=70))
def test_sid_rule(sid: str) -> None:
    text = sid.strip()
    valid = 2 <= len(text) <= 64 and text.isascii() and text.isalnum()
    if not valid and sid == "":
        return  # an empty MessageSid falls back to SmsSid (absent here): covered above
    form = {**STATUS, "MessageSid": sid}
    if valid:
        assert parse_status_callback(form).message_sid == text
    else:
        with pytest.raises(InvalidArgument):
            parse_status_callback(form)


def test_phone_errors_stay_value_errors() -> None:
    # InvalidField / InvalidPhoneNumber are ValueErrors, as before.
    with pytest.raises(ValueError):  # noqa: PT011
        parse_inbound_message({**INBOUND, "To": "1234"})
    assert issubclass(InvalidPhoneNumber, ValueError)
