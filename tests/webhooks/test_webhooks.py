"""Webhook parsing and signature verification."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._errors import A2PPolicyError, InvalidArgument, SignatureError
from a2p_policy._webhooks import (
    MessageStatus,
    OptOutType,
    parse_inbound_message,
    parse_status_callback,
    public_url,
    require_twilio_signature,
    verify_twilio_signature,
)

TOKEN = "12345"


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    """Twilio's algorithm written out independently of the SDK."""
    data = url + "".join(k + params[k] for k in sorted(params))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


FORM = {
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": "AC" + "b" * 32,
    "From": "+14155550100",
    "To": "+18005550199",
    "Body": "STOP",
    "NumMedia": "0",
    "OptOutType": "STOP",
}


def test_signature_round_trip() -> None:
    url = "https://example.com/sms/inbound?tenant=7"
    sig = sign(url, FORM)
    assert verify_twilio_signature(url, FORM, sig, TOKEN)
    require_twilio_signature(url, FORM, sig, TOKEN)


@pytest.mark.parametrize(
    ("url", "form", "token"),
    [
        ("https://example.com/sms/inbound?tenant=8", FORM, TOKEN),
        ("https://example.com/sms/inbound?tenant=7", {**FORM, "Body": "START"}, TOKEN),
        ("https://example.com/sms/inbound?tenant=7", FORM, "other"),
    ],
)
def test_signature_tampering_is_refused(url: str, form: dict[str, str], token: str) -> None:
    sig = sign("https://example.com/sms/inbound?tenant=7", FORM)
    assert not verify_twilio_signature(url, form, sig, token)
    with pytest.raises(SignatureError):
        require_twilio_signature(url, form, sig, token)


def test_signature_with_port_variants() -> None:
    url = "https://example.com/hook"
    sig = sign("https://example.com:443/hook", FORM)
    assert verify_twilio_signature(url, FORM, sig, TOKEN)


def test_signature_behind_proxy() -> None:
    public = "https://sms.example.com/hook?x=1"
    sig = sign(public, FORM)
    internal = "http://10.0.0.5:8080/hook?x=1"
    assert not verify_twilio_signature(internal, FORM, sig, TOKEN)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.com"}
    assert public_url(internal, headers) == public
    assert verify_twilio_signature(public_url(internal, headers), FORM, sig, TOKEN)
    assert public_url(internal, base_url="https://sms.example.com") == public
    assert public_url(internal, headers, trust_forwarded=False) == internal
    assert (
        public_url("http://a/hook", {"X-Forwarded-Proto": "https", "X-Forwarded-Port": "8443"})
        == "https://a:8443/hook"
    )


@given(st.one_of(st.none(), st.text(), st.integers()), st.one_of(st.none(), st.text()))
def test_verify_never_raises(signature: object, token: object) -> None:
    assert verify_twilio_signature("https://x.test/", FORM, signature, token) in (True, False)  # type: ignore[arg-type]


def test_parse_inbound_with_advanced_opt_out() -> None:
    msg = parse_inbound_message({**FORM, "From": "(415) 555-0100"})
    assert msg.from_ == "+14155550100"
    assert msg.to == "+18005550199"
    assert msg.body == "STOP"
    assert msg.opt_out_type is OptOutType.STOP
    assert msg.num_media == 0
    assert parse_inbound_message({**FORM, "OptOutType": ""}).opt_out_type is None


def test_parse_status_callback() -> None:
    cb = parse_status_callback(
        {
            "MessageSid": "SM1",
            "MessageStatus": "undelivered",
            "ErrorCode": "30003",
            "From": "+18005550199",
            "To": "+14155550100",
        }
    )
    assert cb.status is MessageStatus.UNDELIVERED
    assert cb.error_code == 30003
    assert cb.is_final
    old = parse_status_callback(
        {"SmsSid": "SM2", "SmsStatus": "sent", "From": "+18005550199", "To": "+14155550100"}
    )
    assert old.status is MessageStatus.SENT
    assert not old.is_final
    multi_form: dict[str, Any] = {
        "MessageSid": ["SM3"],
        "MessageStatus": ["delivered"],
        "From": ["+18005550199"],
        "To": ["+14155550100"],
    }
    multi = parse_status_callback(multi_form)
    assert multi.status is MessageStatus.DELIVERED


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"MessageSid": "SM1", "From": "+18005550199", "To": "+14155550100"},
        {
            "MessageSid": "SM1",
            "MessageStatus": "exploded",
            "From": "+18005550199",
            "To": "+14155550100",
        },
        {
            "MessageSid": "SM1",
            "MessageStatus": "failed",
            "ErrorCode": "abc",
            "From": "+18005550199",
            "To": "+14155550100",
        },
        {
            "MessageSid": "SM1",
            "MessageStatus": "failed",
            "From": "not a number",
            "To": "+14155550100",
        },
    ],
)
def test_malformed_status_callback(form: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument):
        parse_status_callback(form)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "MessageSid",
                "MessageStatus",
                "From",
                "To",
                "ErrorCode",
                "Body",
                "NumMedia",
                "OptOutType",
            ]
        ),
        st.text(max_size=20),
    )
)
def test_parsers_raise_only_library_errors(form: dict[str, str]) -> None:
    for parse in (parse_status_callback, parse_inbound_message):
        with contextlib.suppress(A2PPolicyError):
            parse(form)


@pytest.mark.parametrize("bad", [None, 5, "x", ["a"]])
def test_parsers_refuse_non_mappings(bad: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_status_callback(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        parse_inbound_message(bad)  # type: ignore[arg-type]
