"""The example Flask app, through its test client."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2p_policy import DndKind, KeywordKind, PolicyEngine, UseCase
from a2p_policy._errors import ConfigurationError, StorageUnavailable
from a2p_policy.testing import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    grant_consent,
    inbound_bodies,
    inbound_form,
    sign_twilio_request,
    status_form,
)

CONTACT = "+14155550123"
OUR_NUMBER = "+14155550100"
TOLL_FREE = "+18005550199"
PUBLIC = "https://sms.example.com"
BRAND = "Owl"


def post_signed(
    client: Any,
    path: str,
    form: dict[str, str],
    *,
    signed_url: str | None = None,
    base_url: str = PUBLIC,
    headers: dict[str, str] | None = None,
    token: str = TEST_AUTH_TOKEN,
) -> Any:
    url = signed_url if signed_url is not None else base_url + path
    all_headers = {"X-Twilio-Signature": sign_twilio_request(url, form, token)}
    all_headers.update(headers or {})
    return client.post(path, data=form, headers=all_headers, base_url=base_url)


def message_text(response: Any) -> str | None:
    """The reply in a TwiML answer (None for an empty <Response/>)."""
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def inbound(client: Any, body: str, **kwargs: Any) -> Any:
    form = inbound_form(CONTACT, kwargs.pop("to", OUR_NUMBER), body, **kwargs)
    return post_signed(client, "/sms/inbound", form)


def send(client: Any, **overrides: Any) -> Any:
    payload = {
        "account": TEST_ACCOUNT_SID,
        "from": OUR_NUMBER,
        "to": CONTACT,
        "body": "Your order has shipped.",
        "brand": BRAND,
        **overrides,
    }
    return client.post("/send", json=payload, base_url=PUBLIC)


# ---------------------------------------------------------------- signatures


def test_unsigned_request_is_refused(client: Any, app_engine: PolicyEngine) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "STOP")
    response = client.post("/sms/inbound", data=form, base_url=PUBLIC)
    assert response.status_code == 403
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None


@pytest.mark.parametrize(
    "tamper",
    ["other token", "other url", "changed body", "garbage signature"],
)
def test_wrongly_signed_request_is_refused(
    client: Any, app_engine: PolicyEngine, tamper: str
) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "STOP")
    url = PUBLIC + "/sms/inbound"
    signature = sign_twilio_request(
        url + "?x=1" if tamper == "other url" else url,
        form,
        "wrong" if tamper == "other token" else TEST_AUTH_TOKEN,
    )
    if tamper == "garbage signature":
        signature = "not-base64!"
    if tamper == "changed body":
        form = {**form, "Body": "HELLO"}
    response = client.post(
        "/sms/inbound", data=form, headers={"X-Twilio-Signature": signature}, base_url=PUBLIC
    )
    assert response.status_code == 403
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None


def test_status_callback_needs_a_signature(client: Any) -> None:
    form = status_form("SM" + "1" * 32, "delivered", to=CONTACT, from_=OUR_NUMBER)
    assert client.post("/sms/status", data=form, base_url=PUBLIC).status_code == 403


def test_query_string_is_part_of_the_signed_url(client: Any) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    url = PUBLIC + "/sms/inbound?tenant=7"
    ok = client.post(
        "/sms/inbound?tenant=7",
        data=form,
        headers={"X-Twilio-Signature": sign_twilio_request(url, form)},
        base_url=PUBLIC,
    )
    assert message_text(ok)
    bad = client.post(
        "/sms/inbound?tenant=8",
        data=form,
        headers={"X-Twilio-Signature": sign_twilio_request(url, form)},
        base_url=PUBLIC,
    )
    assert bad.status_code == 403


def test_sha256_signatures_are_accepted(client: Any) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    url = PUBLIC + "/sms/inbound"
    response = client.post(
        "/sms/inbound",
        data=form,
        headers={
            "X-Twilio-Signature": sign_twilio_request(url, form, algorithm="HMAC_SHA256"),
            "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256",
        },
        base_url=PUBLIC,
    )
    assert message_text(response)


# ------------------------------------------------------------------- proxies

INTERNAL = "http://10.0.0.5:8000"


def test_behind_a_proxy_forwarded_headers_rebuild_the_public_url(client: Any) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.com"}
    response = post_signed(
        client,
        "/sms/inbound",
        form,
        signed_url=PUBLIC + "/sms/inbound",
        base_url=INTERNAL,
        headers=forwarded,
    )
    assert message_text(response)
    # Without the headers the app sees its internal URL: the check fails.
    plain = post_signed(
        client, "/sms/inbound", form, signed_url=PUBLIC + "/sms/inbound", base_url=INTERNAL
    )
    assert plain.status_code == 403


def test_forwarded_port_is_kept_unless_default(client: Any) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "sms.example.com",
        "X-Forwarded-Port": "8443",
    }
    response = post_signed(
        client,
        "/sms/inbound",
        form,
        signed_url="https://sms.example.com:8443/sms/inbound",
        base_url=INTERNAL,
        headers=headers,
    )
    assert message_text(response)
    headers["X-Forwarded-Port"] = "443"
    response = post_signed(
        client,
        "/sms/inbound",
        form,
        signed_url=PUBLIC + "/sms/inbound",
        base_url=INTERNAL,
        headers=headers,
    )
    assert message_text(response)


def test_forwarded_headers_are_ignored_when_not_trusted(make_client: Any) -> None:
    client = make_client(trust_forwarded=False)
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.com"}
    response = post_signed(
        client,
        "/sms/inbound",
        form,
        signed_url=PUBLIC + "/sms/inbound",
        base_url=INTERNAL,
        headers=forwarded,
    )
    assert response.status_code == 403


def test_public_base_url_wins_over_the_request_host(make_client: Any) -> None:
    client = make_client(public_base_url=PUBLIC, trust_forwarded=False)
    form = inbound_form(CONTACT, OUR_NUMBER, "HELP")
    response = post_signed(
        client,
        "/sms/inbound",
        form,
        signed_url=PUBLIC + "/sms/inbound",
        base_url=INTERNAL,
        headers={"X-Forwarded-Host": "evil.example.net"},
    )
    assert message_text(response)


# ------------------------------------------------------------------- inbound


def test_stop_replies_once_and_sets_permanent_dnd(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    assert send(client).get_json()["allowed"]
    reply = message_text(inbound(client, "Stop"))
    assert reply
    assert "unsubscribed" in reply
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.PERMANENT
    assert not app_engine.consent.is_granted(CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    decision = send(client).get_json()
    assert not decision["allowed"]
    assert "dnd.permanent" in [v["code"] for v in decision["violations"]]
    # A second STOP gets no second confirmation.
    assert message_text(inbound(client, "STOP")) is None


def test_start_lifts_the_dnd_and_restores_consent(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    assert send(client).get_json()["allowed"]
    message_text(inbound(client, "STOP"))
    reply = message_text(inbound(client, "START"))
    assert reply
    assert "subscribed" in reply
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None
    assert send(client).get_json()["allowed"]


def test_help_gets_the_help_reply(client: Any) -> None:
    reply = message_text(inbound(client, "help"))
    assert reply
    assert "STOP" in reply


def test_ordinary_reply_gets_an_empty_response(client: Any) -> None:
    response = inbound(client, "Thanks, see you then")
    assert message_text(response) is None
    assert response.get_data(as_text=True).endswith("<Response />")


def test_advanced_opt_out_acts_on_twilios_verdict_silently(
    client: Any, app_engine: PolicyEngine
) -> None:
    # Twilio classified "ARRET" as STOP (a custom keyword) and replied itself.
    response = inbound(client, "ARRET", opt_out_type="STOP")
    assert message_text(response) is None
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.PERMANENT
    assert message_text(inbound(client, "HELP", opt_out_type="HELP")) is None
    assert message_text(inbound(client, "start", opt_out_type="START")) is None
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None


def test_toll_free_stop_sends_no_confirmation(client: Any, app_engine: PolicyEngine) -> None:
    # The carrier confirms opt-outs on toll-free numbers (SPEC section 2).
    assert message_text(inbound(client, "STOP", to=TOLL_FREE)) is None
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.PERMANENT


def test_configured_account_and_brand(make_client: Any, app_engine: PolicyEngine) -> None:
    client = make_client(account="tenant-1", brand="Owl")
    grant_consent(app_engine, CONTACT, "Owl", account="tenant-1")
    grant_consent(app_engine, CONTACT, "Other", account="tenant-1")
    message_text(inbound(client, "STOP"))
    assert app_engine.dnd.get("tenant-1", CONTACT) is DndKind.PERMANENT
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None
    assert not app_engine.consent.is_granted(CONTACT, "Owl", account="tenant-1")
    assert app_engine.consent.is_granted(CONTACT, "Other", account="tenant-1")
    decision = client.post(
        "/send",
        json={"from": OUR_NUMBER, "to": CONTACT, "body": "Hi", "brand": "Other"},
        base_url=PUBLIC,
    ).get_json()
    assert "dnd.permanent" in [v["code"] for v in decision["violations"]]


def test_malformed_inbound_form_is_a_400(client: Any) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, "STOP")
    del form["From"]
    response = post_signed(client, "/sms/inbound", form)
    assert response.status_code == 400
    assert "From" in response.get_json()["error"] or "from" in response.get_json()["error"]


def test_channel_addresses_are_not_sms(client: Any, app_engine: PolicyEngine) -> None:
    form = inbound_form("whatsapp:" + CONTACT, "whatsapp:" + OUR_NUMBER, "STOP")
    assert message_text(post_signed(client, "/sms/inbound", form)) is None
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is None


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.one_of(st.text(max_size=200), inbound_bodies()))
def test_any_signed_inbound_body_gets_valid_twiml(client: Any, body: str) -> None:
    form = inbound_form(CONTACT, OUR_NUMBER, body.replace("\x00", ""))
    response = post_signed(client, "/sms/inbound", form)
    message_text(response)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=inbound_bodies(KeywordKind.OPT_OUT))
def test_every_opt_out_keyword_sets_dnd(client: Any, app_engine: PolicyEngine, body: str) -> None:
    app_engine.dnd.opt_in(TEST_ACCOUNT_SID, CONTACT)
    message_text(inbound(client, body))
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.PERMANENT


# -------------------------------------------------------------------- status


def test_status_callbacks_are_idempotent_by_message_sid(
    client: Any, app_engine: PolicyEngine
) -> None:
    sid = "SM" + "2" * 32
    form = status_form(sid, "delivered", to=CONTACT, from_=OUR_NUMBER)
    first = post_signed(client, "/sms/status", form).get_json()
    again = post_signed(client, "/sms/status", form).get_json()
    assert first["counted"]
    assert not first["duplicate"]
    assert again == {"counted": False, "duplicate": True, "dnd": None, "level": None}
    # "sent" is another stage of the same message: counted separately.
    sent = post_signed(
        client, "/sms/status", status_form(sid, "sent", to=CONTACT, from_=OUR_NUMBER)
    ).get_json()
    assert not sent["duplicate"]
    assert app_engine.ramp.limit_for(TEST_ACCOUNT_SID) > 0


def test_undelivered_with_error_code_sets_dnd_once(client: Any, app_engine: PolicyEngine) -> None:
    sid = "SM" + "3" * 32
    form = status_form(sid, "undelivered", to=CONTACT, from_=OUR_NUMBER, error_code=30003)
    first = post_signed(client, "/sms/status", form).get_json()
    assert first["counted"]
    assert first["dnd"] == "TEMPORARY"
    assert app_engine.dnd.get(TEST_ACCOUNT_SID, CONTACT) is DndKind.TEMPORARY
    assert post_signed(client, "/sms/status", form).get_json()["duplicate"]
    failed = status_form(
        "SM" + "6" * 32, "failed", to=CONTACT, from_=OUR_NUMBER, error_code="30004"
    )
    assert post_signed(client, "/sms/status", failed).get_json()["dnd"] == "PERMANENT"


def test_malformed_status_callback_is_a_400(client: Any) -> None:
    form = status_form("SM" + "4" * 32, "exploded", to=CONTACT, from_=OUR_NUMBER)
    assert post_signed(client, "/sms/status", form).status_code == 400
    form = status_form("SM" + "4" * 32, "failed", to=CONTACT, from_=OUR_NUMBER, error_code="x")
    assert post_signed(client, "/sms/status", form).status_code == 400


def test_status_for_a_channel_address_is_ignored(client: Any) -> None:
    form = status_form("SM" + "5" * 32, "delivered", to="whatsapp:" + CONTACT, from_=OUR_NUMBER)
    body = post_signed(client, "/sms/status", form).get_json()
    assert body["counted"] is False
    assert body["ignored"]


# ---------------------------------------------------------------------- send


def test_send_without_consent_is_refused(client: Any) -> None:
    response = send(client)
    assert response.status_code == 200
    decision = response.get_json()
    assert decision["allowed"] is False
    assert [v["code"] for v in decision["violations"]] == ["consent.missing"]


def test_send_returns_the_composed_body(client: Any, app_engine: PolicyEngine) -> None:
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    decision = send(client, use_case="ACCOUNT_NOTIFICATIONS", kind="WORKFLOW").get_json()
    assert decision["allowed"]
    assert decision["violations"] == []
    assert decision["body"].startswith("Your order has shipped.")
    assert "STOP" in decision["body"]
    assert decision["segments"] >= 1
    assert decision["encoding"] == "GSM-7"
    json.dumps(decision)


@pytest.mark.parametrize(
    "payload",
    [
        {"to": "not a phone"},
        {"to": None},
        {"brand": ""},
        {"body": 12},
        {"kind": "LOUD"},
        {"use_case": "SPAM"},
        {"account": ""},
        {"from": ["+14155550100"]},
    ],
)
def test_send_refuses_bad_input(client: Any, payload: dict[str, object]) -> None:
    response = send(client, **payload)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_send_refuses_non_json(client: Any) -> None:
    assert client.post("/send", data="x", base_url=PUBLIC).status_code == 400
    assert client.post("/send", json=[1, 2], base_url=PUBLIC).status_code == 400


def test_send_token(make_client: Any, app_engine: PolicyEngine) -> None:
    client = make_client(send_token="s3cret")
    grant_consent(app_engine, CONTACT, BRAND, account="a", scopes=[UseCase.ACCOUNT_NOTIFICATIONS])
    payload = {"account": "a", "from": OUR_NUMBER, "to": CONTACT, "body": "Hi", "brand": BRAND}
    assert client.post("/send", json=payload, base_url=PUBLIC).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/send", json=payload, headers=wrong, base_url=PUBLIC).status_code == 401
    right = {"Authorization": "Bearer s3cret"}
    response = client.post("/send", json=payload, headers=right, base_url=PUBLIC)
    assert response.status_code == 200
    assert response.get_json()["allowed"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payload=st.dictionaries(
        st.sampled_from(["account", "from", "to", "body", "brand", "kind", "use_case", "state"]),
        st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans()),
    )
)
def test_send_fuzz_never_500(client: Any, payload: dict[str, object]) -> None:
    response = client.post("/send", json=payload, base_url=PUBLIC)
    assert response.status_code in (200, 400)


# ------------------------------------------------------------ configuration


def test_settings_from_env(app_module: ModuleType) -> None:
    settings_ = app_module.Settings.from_env(
        {
            "TWILIO_AUTH_TOKEN": "tok",
            "A2P_STORAGE_URI": "sqlite:///:memory:",
            "PUBLIC_BASE_URL": PUBLIC,
            "A2P_TRUST_FORWARDED": "false",
            "A2P_ACCOUNT": "acct",
            "A2P_BRAND": "Owl",
            "A2P_SEND_TOKEN": "s",
        }
    )
    assert settings_.auth_token == "tok"
    assert settings_.public_base_url == PUBLIC
    assert settings_.trust_forwarded is False
    assert settings_.account == "acct"
    defaults = app_module.Settings.from_env({"TWILIO_AUTH_TOKEN": "tok"})
    assert defaults.storage_uri == "memory://"
    assert defaults.trust_forwarded
    assert defaults.public_base_url is None
    assert defaults.send_token is None


def test_app_refuses_to_start_without_a_token(app_module: ModuleType) -> None:
    with pytest.raises(ConfigurationError, match="TWILIO_AUTH_TOKEN"):
        app_module.create_app(environ={})
    with pytest.raises(ConfigurationError):
        app_module.Settings.from_env({"TWILIO_AUTH_TOKEN": "t", "A2P_TRUST_FORWARDED": "maybe"})
    with pytest.raises(ConfigurationError):
        app_module.create_app(app_module.Settings(auth_token=""))


def test_app_from_env_builds_its_engine(app_module: ModuleType) -> None:
    app = app_module.create_app(
        environ={"TWILIO_AUTH_TOKEN": "tok", "A2P_STORAGE_URI": "sqlite:///:memory:"}
    )
    engine = app.extensions["a2p_engine"]
    assert type(engine.storage).__name__ == "SQLiteStorage"
    assert app.test_client().get("/healthz").get_json() == {"ok": True}
    engine.storage.close()  # CPython 3.13 warns about an unclosed SQLite connection


def test_storage_failure_fails_closed(
    client: Any, app_engine: PolicyEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise StorageUnavailable("store down")

    monkeypatch.setattr(app_engine.storage, "get_many", broken)
    monkeypatch.setattr(app_engine.storage, "ping", broken)
    response = send(client)
    assert response.status_code == 503
    assert "unavailable" in response.get_json()["error"]
    assert client.get("/healthz", base_url=PUBLIC).status_code == 503


def test_replayed_signed_start_never_undoes_a_later_stop(
    client: Any, app_engine: PolicyEngine
) -> None:
    """The trust-boundaries issue: STOP, START, STOP, then the captured signed
    START posted again (an attacker, or Twilio retrying a timed-out webhook)."""
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    assert send(client).get_json()["allowed"]
    message_text(post_signed(client, "/sms/inbound", inbound_form(CONTACT, OUR_NUMBER, "STOP")))
    start = inbound_form(CONTACT, OUR_NUMBER, "START")
    assert message_text(post_signed(client, "/sms/inbound", start)) is not None
    assert send(client).get_json()["allowed"]
    message_text(post_signed(client, "/sms/inbound", inbound_form(CONTACT, OUR_NUMBER, "STOP")))
    assert message_text(post_signed(client, "/sms/inbound", start)) is None  # the replay
    decision = send(client).get_json()
    assert not decision["allowed"]
    assert "dnd.permanent" in [v["code"] for v in decision["violations"]]


def test_the_whole_loop_through_the_messenger(client: Any, app_engine: PolicyEngine) -> None:
    """/send sends the composed body through the (fake) transport, the
    status callback Twilio would post is counted once, and a STOP stops the
    next send."""
    transport = client.application.extensions["a2p_transport"]
    grant_consent(app_engine, CONTACT, BRAND, account=TEST_ACCOUNT_SID)
    first = send(client, idempotency_key="order-1").get_json()
    assert first["sent"]
    assert first["state"] == "sent"
    assert [m.body for m in transport.sent] == [first["body"]]
    assert first["body"].endswith("Reply STOP to unsubscribe")
    again = send(client, idempotency_key="order-1").get_json()
    assert again["duplicate"]
    assert len(transport.sent) == 1  # never sent twice
    callback = transport.deliver(first["sid"])
    counted = post_signed(client, "/sms/status", callback).get_json()
    assert counted["counted"]
    assert post_signed(client, "/sms/status", callback).get_json()["duplicate"]
    message_text(post_signed(client, "/sms/inbound", inbound_form(CONTACT, OUR_NUMBER, "STOP")))
    denied = send(client, idempotency_key="order-2").get_json()
    assert not denied["sent"]
    assert denied["state"] == "denied"
    assert "dnd.permanent" in [v["code"] for v in denied["violations"]]
    assert len(transport.sent) == 1
