"""The example app and issue 20: short-code senders work end to end; every
library error is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.examples.test_webhook_app import (
    BRAND,
    CONTACT,
    PUBLIC,
    message_text,
    post_signed,
    send,
)

from a2p_policy import DndKind, PolicyEngine
from a2p_policy.testing import TEST_ACCOUNT_SID, grant_consent, inbound_form, status_form

SHORT_CODE = "12345"


# ------------------------------------------------------------ short codes


def test_stop_to_a_short_code_is_recorded(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    assert send(client, **{"from": SHORT_CODE}).get_json()["allowed"]
    form = inbound_form(CONTACT, SHORT_CODE, "STOP")
    reply = message_text(post_signed(client, "/sms/inbound", form))
    assert reply is not None
    assert "unsubscribed" in reply
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.PERMANENT
    decision = send(client, **{"from": SHORT_CODE}).get_json()
    assert not decision["allowed"]
    assert "dnd.permanent" in [v["code"] for v in decision["violations"]]


def test_status_callback_from_a_short_code_counts_once(client: Any) -> None:
    form = status_form("SM" + "7" * 32, "delivered", to=CONTACT, from_=SHORT_CODE)
    first = post_signed(client, "/sms/status", form)
    assert first.status_code == 200
    assert first.get_json()["counted"]
    again = post_signed(client, "/sms/status", form).get_json()
    assert again["duplicate"]


def test_send_from_a_short_code(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    response = send(client, **{"from": SHORT_CODE})
    assert response.status_code == 200
    assert response.get_json()["allowed"]


# ------------------------------------------------------------ bad input: 4xx


def _refused(response: Any, field: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    assert data["field"] == field
    assert isinstance(data["error"], str)
    assert data["error"]
    return data


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"state": "ZZ"}, "state", "state"),
        ({"state": "Ontario"}, "state", "state"),
        ({"state": 5}, "state", "state"),
        ({"account": "a" * 201}, "account", "200"),
        ({"account": "acct\x00"}, "account", "control"),
        ({"body": ""}, "body", "empty"),
        ({"body": "   "}, "body", "empty"),
        ({"to": "12065550100x"}, "to", "not a phone number"),
        ({"to": SHORT_CODE}, "to", "not a"),
        ({"from": "+1*4155550123"}, "from", "not a phone number"),
        ({"from": "1234"}, "from", "not a"),
        ({"kind": "LOUD"}, "kind", "kind"),
        ({"use_case": "SPAM"}, "use_case", "use_case"),
        ({"brand": ""}, "brand", "brand"),
    ],
)
def test_send_bad_input_is_a_400_naming_the_field(
    client: Any, app_engine: PolicyEngine, payload: dict[str, object], field: str, words: str
) -> None:
    data = _refused(send(client, **payload), field)
    assert words in data["error"]
    assert app_engine.ramp.remaining(TEST_ACCOUNT_SID) == app_engine.ramp.limit_for(
        TEST_ACCOUNT_SID
    )


def test_canadian_province_is_accepted(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    response = send(client, state="qc")
    assert response.status_code == 200
    assert response.get_json()["allowed"]


@pytest.mark.parametrize("sid", ["   ", "\t", "S", "SM;--"])
def test_blank_message_sid_is_a_400(client: Any, sid: str) -> None:
    status = status_form(sid, "delivered", to=CONTACT, from_=SHORT_CODE)
    _refused(post_signed(client, "/sms/status", status), "MessageSid")
    inbound = inbound_form(CONTACT, SHORT_CODE, "STOP", message_sid=sid)
    _refused(post_signed(client, "/sms/inbound", inbound), "MessageSid")


def test_long_account_sid_is_a_400(client: Any, app_engine: PolicyEngine) -> None:
    form = inbound_form(CONTACT, SHORT_CODE, "STOP", account_sid="AC" + "1" * 199)
    _refused(post_signed(client, "/sms/inbound", form), "AccountSid")
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None


def test_engine_errors_after_parsing_are_a_400(make_client: Any) -> None:
    # A configured account id that the engine refuses: the error surfaces
    # in the engine call, and still becomes a 400 with the field.
    client = make_client(account="a" * 201)
    form = status_form("SM" + "8" * 32, "delivered", to=CONTACT, from_=SHORT_CODE)
    _refused(post_signed(client, "/sms/status", form), "account")
    inbound = inbound_form(CONTACT, SHORT_CODE, "STOP")
    _refused(post_signed(client, "/sms/inbound", inbound), "account")


@pytest.mark.parametrize(
    ("field", "value"),
    [("To", "12065550100x"), ("From", "+14155550123\x00"), ("To", "1234")],
)
def test_junk_numbers_in_webhooks_are_a_400(client: Any, field: str, value: str) -> None:
    form = inbound_form(CONTACT, SHORT_CODE, "STOP")
    form[field] = value
    _refused(post_signed(client, "/sms/inbound", form), field)


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    payload=st.fixed_dictionaries(
        {},
        optional={
            "account": st.one_of(st.text(max_size=3), st.just("a" * 201), st.integers()),
            "from": st.one_of(st.sampled_from([SHORT_CODE, "+14155550100", "1234"]), st.text()),
            "to": st.one_of(st.just(CONTACT), st.text(max_size=14)),
            "body": st.one_of(st.just(""), st.text(max_size=10)),
            "brand": st.one_of(st.just(BRAND), st.text(max_size=3)),
            "state": st.one_of(st.none(), st.sampled_from(["ZZ", "ON", "fl", ""]), st.integers()),
        },
    )
)
def test_send_never_500_and_names_the_field(client: Any, payload: dict[str, object]) -> None:
    response = client.post("/send", json=payload, base_url=PUBLIC)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        data = response.get_json()
        assert data["error"]
        assert data["field"] in {
            None,
            "account",
            "from",
            "to",
            "body",
            "brand",
            "state",
            "kind",
            "use_case",
        }
