"""Helpers for tests of code built on a2p_policy (no hypothesis needed).

Why: the set-up a downstream test needs before its first assertion is always
the same: consent on record for the contact (proof of opt-in is the first
rule the engine applies, sources.md: consent), a verified toll-free sender (since
2024-01-31 an unverified toll-free number cannot send; sources.md: toll-free verification), and
Twilio webhook posts with a valid ``X-Twilio-Signature``. These helpers do
each in one call, through the library's public API, so a test exercises the
same paths as production.

Sources: consent/record.py (the consent rules and proof elements, from
sources.md [appeal] item 6);
sources.md [tfv-api] (request fields and the
review states driven by :class:`~a2p_policy.InMemoryTollFreeTransport`);
webhooks.py (the form fields Twilio posts and the signature algorithm).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from a2p_policy._clock import ensure_aware
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import InvalidArgument
from a2p_policy._phone import normalize_phone
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import TollFreeVerification, TollFreeVerificationRequest
from a2p_policy._usecases import OptInMethod, UseCase

__all__ = [
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "approve_tollfree",
    "example_tollfree_request",
    "grant_consent",
    "inbound_form",
    "sign_twilio_request",
    "status_form",
]

#: A well-formed account SID for webhook forms in tests.
TEST_ACCOUNT_SID = "AC" + "0" * 32
#: An auth token for signing test webhooks (never a real one).
TEST_AUTH_TOKEN = "a2p-test-auth-token"


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def grant_consent(
    engine: PolicyEngine,
    phone: str,
    brand: str,
    *,
    account: str | None = None,
    scopes: Iterable[UseCase] | UseCase | None = None,
    method: OptInMethod = OptInMethod.VIA_TEXT,
    express: bool = True,
    captured_at: datetime | None = None,
    **evidence: Any,
) -> ConsentRecord:
    """Record consent of ``phone`` for ``brand`` in ``engine.consent`` and
    return the record.

    ``account`` is the tenant that holds the consent: required when the
    engine keys consent by account (``ConsentScope.ACCOUNT``, its default),
    ignored in ``ConsentScope.BRAND``. Defaults: every use case (pass
    ``scopes`` to test scope rules), a text opt-in with keyword START,
    express consent, captured now on the engine's clock. WEB_FORM gets a
    source URL unless ``evidence`` gives one. Extra keyword arguments are evidence fields of
    :class:`~a2p_policy.ConsentRecord` (``name``, ``email``,
    ``ip_address``...). Raises what the record raises for invalid input
    (``ConsentError``, pydantic's ``ValidationError``).
    """
    if not isinstance(engine, PolicyEngine):
        raise InvalidArgument(f"engine must be a PolicyEngine, got {type(engine).__name__}")
    when = (
        ensure_aware(captured_at, "captured_at")
        if captured_at is not None
        else ensure_aware(engine.clock.now(), "engine.clock.now()")
    )
    if scopes is None:
        scope_set = frozenset(UseCase)
    elif isinstance(scopes, UseCase):
        scope_set = frozenset({scopes})
    else:
        scope_set = frozenset(scopes)
    data: dict[str, Any] = {
        "phone": phone,
        "brand": brand,
        "method": method,
        "captured_at": when,
        "scopes": scope_set,
        "express": express,
        "account": account,
    }
    if method is OptInMethod.VIA_TEXT:
        data["keyword"] = "START"
    if method is OptInMethod.WEB_FORM:
        data["source_url"] = "https://www.example.com/sms-signup"
    data.update(evidence)
    record = ConsentRecord(**data)
    engine.consent.grant(record)
    return record


def example_tollfree_request(**overrides: Any) -> TollFreeVerificationRequest:
    """A complete, well-written toll-free verification request (no BLOCK
    finding in ``precheck``); ``overrides`` replace fields (``None`` removes
    one). Each call uses a new ``tollfree_phone_number_sid`` unless given."""
    params: dict[str, Any] = {
        "business_name": "Maple Dental LLC",
        "business_website": "https://www.maple-dental.com",
        "notification_email": "compliance@maple-dental.com",
        "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
        "use_case_summary": (
            "Maple Dental sends appointment reminders and schedule changes to patients who "
            "signed up on our website, about four messages per month."
        ),
        "production_message_sample": (
            "Maple Dental: Reminder: your appointment is on Monday at 9:00 AM. "
            "Reply STOP to opt out."
        ),
        "opt_in_image_urls": ["https://www.maple-dental.com/sms-signup"],
        "opt_in_type": "WEB_FORM",
        "message_volume": "1,000",
        "tollfree_phone_number_sid": _sid("PN"),
        "business_street_address": "123 Main Street",
        "business_city": "Portland",
        "business_state_province_region": "OR",
        "business_postal_code": "97201",
        "business_country": "US",
        "business_contact_first_name": "Jordan",
        "business_contact_last_name": "Lee",
        "business_contact_email": "owner@maple-dental.com",
        "business_contact_phone": "+15035550123",
        "business_type": "PRIVATE_PROFIT",
        "business_registration_number": "12-3456789",
        "business_registration_authority": "EIN",
        "business_registration_country": "US",
        "opt_in_confirmation_message": (
            "Maple Dental: You are subscribed to appointment reminders. Msg frequency varies. "
            "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
        ),
        "help_message_sample": (
            "Maple Dental: for help call (503) 555-0123. Reply STOP to opt out."
        ),
        "privacy_policy_url": "https://www.maple-dental.com/privacy",
        "terms_and_conditions_url": "https://www.maple-dental.com/terms",
    }
    for key, value in overrides.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return TollFreeVerificationRequest(**params)


def approve_tollfree(
    client: TollFreeVerificationClient,
    fake: InMemoryTollFreeTransport,
    number: str,
    request: TollFreeVerificationRequest | None = None,
) -> TollFreeVerification:
    """Register ``number`` with the fake, submit a verification for it
    (``request`` or :func:`example_tollfree_request`), approve it and return
    the approved record. Map the number to ``result.sid`` in the engine's
    ``tollfree_numbers`` to make it a verified sender."""
    if not isinstance(client, TollFreeVerificationClient):
        raise InvalidArgument("client must be a TollFreeVerificationClient")
    if not isinstance(fake, InMemoryTollFreeTransport):
        raise InvalidArgument("fake must be an InMemoryTollFreeTransport")
    e164 = normalize_phone(number)
    if request is None:
        pn = fake.add_number(e164)
        request = example_tollfree_request(tollfree_phone_number_sid=pn)
    else:
        fake.add_number(e164, sid=request.tollfree_phone_number_sid)
    submitted = client.submit(request)
    fake.approve(submitted.sid)
    return client.fetch(submitted.sid)


def sign_twilio_request(
    url: str,
    form: Mapping[str, str] | None,
    auth_token: str = TEST_AUTH_TOKEN,
    *,
    algorithm: str | None = None,
) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for a POST of ``form`` to
    ``url`` (the public URL, query string included), computed with the twilio
    SDK's ``RequestValidator``. ``algorithm``: None (``"HMAC_SHA1"``) or
    ``"HMAC_SHA256"`` (the value the ``X-Twilio-Webhooks-Signature-Settings``
    header names as ``algorithm=HMAC_SHA256``)."""
    from a2p_policy._optional import require

    validator_module = require("twilio.request_validator", "sign_twilio_request")
    RequestValidator = validator_module.RequestValidator

    if not isinstance(url, str) or not url:
        raise InvalidArgument("url must be a non-empty string")
    if not isinstance(auth_token, str) or not auth_token:
        raise InvalidArgument("auth_token must be a non-empty string")
    if form is not None and not isinstance(form, Mapping):
        raise InvalidArgument("form must be a mapping of str to str")
    params = {str(k): str(v) for k, v in (form or {}).items()}
    try:
        signature: str = RequestValidator(auth_token).compute_signature(url, params, algorithm)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    return signature


def inbound_form(
    from_: str,
    to: str,
    body: str,
    *,
    message_sid: str | None = None,
    account_sid: str = TEST_ACCOUNT_SID,
    opt_out_type: str | None = None,
    num_media: int = 0,
    **extra: str,
) -> dict[str, str]:
    """The form Twilio posts to a number's inbound webhook (``From``, ``To``,
    ``Body``, ``MessageSid``, ``AccountSid``, ``NumMedia``; ``OptOutType`` as
    Advanced Opt-Out adds it). ``extra`` adds or replaces fields."""
    form = {
        "MessageSid": message_sid or _sid("SM"),
        "SmsMessageSid": message_sid or "",
        "AccountSid": account_sid,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": str(num_media),
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    form["SmsMessageSid"] = form["MessageSid"]
    if opt_out_type is not None:
        form["OptOutType"] = opt_out_type
    form.update(extra)
    return form


def status_form(
    message_sid: str,
    status: str,
    *,
    to: str,
    from_: str,
    error_code: int | str | None = None,
    account_sid: str = TEST_ACCOUNT_SID,
    **extra: str,
) -> dict[str, str]:
    """The form of a message status callback (``MessageSid``,
    ``MessageStatus`` and the older ``SmsStatus``, ``To``, ``From``,
    ``ErrorCode`` when given). ``extra`` adds or replaces fields."""
    form = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "AccountSid": account_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": to,
        "From": from_,
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    form.update(extra)
    return form
