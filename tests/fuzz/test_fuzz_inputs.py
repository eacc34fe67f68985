"""Fuzz: the webhook parsers and signature check, ``classify_inbound``, the
phone functions and ``ConsentRecord``. Only ValueError / A2PPolicyError may
escape; an accepted value must satisfy the parser's own contract."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz._hostile import ALLOWED_ERRORS, any_value, fuzz, hostile_text, wrong_type
from twilio.request_validator import RequestValidator

from a2p_policy import _phone as phone_module
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._keywords import Certainty, KeywordKind, KeywordMatch, classify_inbound
from a2p_policy._phone import is_toll_free, normalize_phone, recipient_timezones
from a2p_policy._webhooks import (
    InboundMessage,
    StatusCallback,
    parse_inbound_message,
    parse_status_callback,
    verify_twilio_signature,
)

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PHONES = st.one_of(
    st.sampled_from(
        [
            "+14155550123",
            "(415) 555-0123",
            "tel:+18005550100",
            "whatsapp:+14155550123",
            "+1 206 555 0100",
            "+14155550123;--",
            "12065550100x",
            "+1*4155550123",
            "+14155550123\x00",
            "+1415555012３",
            "+1" + "4" * 5_000,
        ]
    ),
    st.from_regex(
        r"\+?1?[ .()-]{0,2}[2-9][0-9]{2}[ .()-]{0,2}[0-9]{3}[ .-]?[0-9]{4}", fullmatch=True
    ),
    hostile_text(30),
)

# ---------------------------------------------------------------- webhooks
_STATUS_KEYS = [
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
    "ErrorMessage",
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
]
_INBOUND_KEYS = [
    "MessageSid",
    "SmsMessageSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "OptOutType",
]
_form_values = st.one_of(
    _PHONES,
    st.sampled_from(
        ["delivered", "undelivered", "failed", "STOP", "start", "30007", "SM" + "1" * 32]
    ),
    st.sampled_from(["1" * 5_000, "-1", "1e3", "٣", " 30007 ", "0x10"]),
    any_value(),
    st.lists(any_value(20), max_size=2),
)


def _form(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    base = st.fixed_dictionaries(
        {
            "MessageSid": st.just("SM" + "a" * 32),
            "From": st.just("+14155550123"),
            "To": st.just("+12065550100"),
        }
    )
    return st.tuples(
        base,
        st.dictionaries(st.sampled_from(keys), _form_values, max_size=5),
        st.dictionaries(hostile_text(10), any_value(10), max_size=2),
    ).map(lambda parts: {**parts[0], **parts[1], **parts[2]})


@fuzz()
@given(form=st.one_of(_form(_STATUS_KEYS), wrong_type()))
def test_parse_status_callback(form: Any) -> None:
    try:
        parsed = parse_status_callback(form)
    except ALLOWED_ERRORS:
        return
    assert isinstance(parsed, StatusCallback)
    assert isinstance(parsed.message_sid, str)
    assert parsed.error_code is None or isinstance(parsed.error_code, int)
    for number in (parsed.from_, parsed.to):
        assert ":" in number or E164.fullmatch(number)


@fuzz()
@given(form=st.one_of(_form(_INBOUND_KEYS), wrong_type()))
def test_parse_inbound_message(form: Any) -> None:
    try:
        parsed = parse_inbound_message(form)
    except ALLOWED_ERRORS:
        return
    assert isinstance(parsed, InboundMessage)
    assert isinstance(parsed.body, str)
    assert parsed.num_media >= 0 or parsed.num_media < 0  # an int either way
    for number in (parsed.from_, parsed.to):
        assert ":" in number or E164.fullmatch(number)


@fuzz()
@given(
    url=st.one_of(st.just("https://example.com/hook?a=1"), any_value(40)),
    params=st.one_of(
        st.none(),
        st.dictionaries(
            hostile_text(10), st.one_of(hostile_text(20), st.lists(hostile_text(5))), max_size=4
        ),
        hostile_text(),
        wrong_type(),
    ),
    signature=st.one_of(st.none(), st.just("a" * 28 + "="), any_value(40)),
    token=st.one_of(st.just("12345"), any_value(20)),
    settings_header=st.one_of(
        st.none(), st.sampled_from(["", "x-sha256", "garbage"]), any_value(10)
    ),
)
def test_verify_twilio_signature_never_raises(
    url: Any, params: Any, signature: Any, token: Any, settings_header: Any
) -> None:
    result = verify_twilio_signature(
        url, params, signature, token, signature_settings=settings_header
    )
    assert result is True or result is False


_SIGNABLE = st.text(st.characters(codec="utf-8"), max_size=30)


@fuzz(0.5)
@given(
    path=_SIGNABLE,
    params=st.dictionaries(_SIGNABLE, _SIGNABLE, max_size=4),
    token=_SIGNABLE.filter(bool),
    tamper=_SIGNABLE,
)
def test_signature_round_trip_with_hostile_params(
    path: str, params: dict[str, str], token: str, tamper: str
) -> None:
    """A signature made over hostile text verifies; changing any value fails."""
    url = "https://hooks.example.com/sms?x=" + quote(path, safe="")
    signature = RequestValidator(token).compute_signature(url, params)
    assert verify_twilio_signature(url, params, signature, token)
    if params:
        key = next(iter(params))
        if params[key] != tamper:
            assert not verify_twilio_signature(url, {**params, key: tamper}, signature, token)


# ---------------------------------------------------------------- keywords
@fuzz()
@given(body=hostile_text(200))
def test_classify_inbound_answers_every_string(body: str) -> None:
    match = classify_inbound(body)
    assert isinstance(match, KeywordMatch)
    assert isinstance(match.kind, KeywordKind)
    assert (match.kind is KeywordKind.NONE) == (match.certainty is None)
    assert match.certainty is None or isinstance(match.certainty, Certainty)
    _ = (match.honor, match.needs_review)


@pytest.mark.parametrize("body", ["ST0P", "5TOP", "S T O P", "S.T.O.P.", "s-t-o-p", "ꜱᴛᴏᴘ"])
def test_obfuscated_stop_is_at_least_reviewed(body: str) -> None:
    match = classify_inbound(body)
    assert match.kind is KeywordKind.OPT_OUT
    assert match.honor or match.needs_review


@pytest.mark.parametrize("body", ["ＳＴＯＰ", "stop\u200b", "\u200bSTOP", "Stop.", " stop "])
def test_disguised_stop_stays_an_opt_out(body: str) -> None:
    match = classify_inbound(body)
    assert match.kind is KeywordKind.OPT_OUT
    assert match.honor


@fuzz(0.3)
@given(body=wrong_type())
def test_classify_inbound_refuses_other_types(body: Any) -> None:
    with pytest.raises(ALLOWED_ERRORS):
        classify_inbound(body)


# ------------------------------------------------------------------- phones
#: Inputs normalize_phone accepted as +14155550123 / +12065550100 (issue 14
#: and this fuzz suite); each is junk around a number, not a way of writing one.
_JUNK_PHONES = [
    "+14155550123;--",
    "12065550100x",
    "+1*4155550123",
    "+14155550123\x00",
    "+14155550123\x7f",
    "+1415555\u200b0123",
    "+14155550123\u202e",
    "+14155550123;",
    "+14155550123,",
]


@pytest.mark.parametrize("raw", _JUNK_PHONES)
def test_normalize_phone_refuses_junk_around_a_number(raw: str) -> None:
    with pytest.raises(ALLOWED_ERRORS):
        normalize_phone(raw)


@fuzz()
@given(raw=st.one_of(_PHONES, wrong_type()), region=st.one_of(st.just("US"), any_value(4)))
def test_normalize_phone_gives_e164_or_refuses(raw: Any, region: Any) -> None:
    try:
        e164 = normalize_phone(raw, region)
    except ALLOWED_ERRORS:
        return
    assert E164.fullmatch(e164)
    assert normalize_phone(e164) == e164  # idempotent


@fuzz()
@given(raw=st.one_of(_PHONES, wrong_type()))
def test_phone_predicates_never_raise_on_strings(raw: Any) -> None:
    assert is_toll_free(raw) in (True, False)
    try:
        zones = recipient_timezones(raw)
    except ALLOWED_ERRORS:
        return
    assert isinstance(zones, tuple)
    sender_type = getattr(phone_module, "sender_type", None)
    if sender_type is not None:
        with contextlib.suppress(*ALLOWED_ERRORS):
            sender_type(raw)


# ------------------------------------------------------------ ConsentRecord
_RECORD_FIELDS = sorted(ConsentRecord.model_fields)
_GOOD_RECORD: dict[str, Any] = {
    "phone": "+14155550123",
    "brand": "Harbor Fitness",
    "method": "WEB_FORM",
    "captured_at": datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
    "scopes": ["ACCOUNT_NOTIFICATIONS"],
    "express": True,
    "source_url": "https://www.harborfitness.com/sms",
}
_datetimes = st.one_of(
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.sampled_from(
        [
            datetime.max.replace(tzinfo=timezone(timedelta(hours=-23))),
            datetime.min.replace(tzinfo=timezone(timedelta(hours=23))),
        ]
    ),
)


@fuzz(0.6)
@given(
    changes=st.dictionaries(
        st.sampled_from(_RECORD_FIELDS),
        st.one_of(any_value(), _datetimes, _PHONES, hostile_text(3_000)),
        max_size=4,
    ),
    extra=st.dictionaries(hostile_text(10), any_value(10), max_size=1),
)
def test_consent_record(changes: dict[str, Any], extra: dict[str, Any]) -> None:
    data = {**_GOOD_RECORD, **changes, **extra}
    try:
        record = ConsentRecord.model_validate(data)
    except ALLOWED_ERRORS:
        return
    assert E164.fullmatch(record.phone)
    record.missing_evidence()
    record.collection_details()
    dumped = record.model_dump(mode="json")
    assert ConsentRecord.model_validate(dumped) == record
