"""A small Flask app that wires Twilio's messaging webhooks to a PolicyEngine.

Routes

Every route goes through one :class:`~a2p_policy.Messenger` (the engine plus
an outbound transport: the in-memory fake by default, Twilio's API with
``A2P_TRANSPORT=twilio``), so the whole loop is here: decision, composed
body, send, status callback, STOP, DND.

``POST /sms/inbound``
    Twilio's inbound-message webhook. Verifies ``X-Twilio-Signature``
    against the public URL, parses the form, lets the engine act on it
    (de-duplicated by ``MessageSid``: a retried or replayed webhook changes
    nothing)
    (STOP: permanent do-not-disturb and consent revoked; START: lifted; HELP:
    the help reply) and answers TwiML: ``<Response><Message>reply</Message>
    </Response>`` or an empty ``<Response/>``. When Advanced Opt-Out is on,
    Twilio adds ``OptOutType`` and sends the confirmation itself: the app then
    acts on Twilio's classification and replies nothing (no double
    confirmation; SPEC section 2: one confirmation after an opt-out).
``POST /sms/status``
    The status callback of sent messages: verifies, parses and feeds
    ``engine.record_status`` with the ``MessageSid`` (Twilio may post the same
    callback twice; it counts once). Answers JSON.
``POST /send``
    JSON in (``account``, ``from``, ``to``, ``body``, ``brand``, optional
    ``kind``, ``use_case``, ``state``, ``idempotency_key``): authorizes one
    message, sends the composed body through the transport when allowed, and
    answers the decision as JSON with ``sent``, ``sid``, ``state`` (sent,
    denied, deferred, refused, retry, uncertain) and ``retry_at``. The same
    ``idempotency_key`` never sends twice. Protected by a bearer token when
    ``A2P_SEND_TOKEN`` is set.
``GET /healthz``
    200 when the storage answers, else 503.

Errors: every library error (:class:`~a2p_policy.A2PPolicyError`) becomes a
4xx JSON answer ``{"error": <the library's message>, "field": <the field it
is about, or null>}``: 400 for bad input, 403 for a bad signature; never a
500. A storage outage is a 503 (fail closed: no decision without the state
it depends on).

Senders: our number may be a long code (10DLC), a toll-free number or a
short code (``12345``): an inbound message to a short code, a status
callback from one and a ``/send`` from one all work (docs/senders.md).

Configuration (environment variables, or keyword arguments of
:func:`create_app`)

``TWILIO_AUTH_TOKEN`` (required)
    The auth token that signs the webhooks.
``A2P_STORAGE_URI`` (default ``memory://``)
    Where the engine keeps its state; ``sqlite:///a2p.db`` survives restarts.
``PUBLIC_BASE_URL`` (e.g. ``https://sms.example.com``)
    Scheme and host Twilio calls; the signature covers the URL, so behind a
    proxy either set this or let ``X-Forwarded-Proto``/``-Host``/``-Port``
    rebuild it (``A2P_TRUST_FORWARDED``, default on; only behind a proxy you
    control).
``A2P_ACCOUNT``
    The engine account for every request (default: the form's
    ``AccountSid``).
``A2P_BRAND``
    The brand an opt-out applies to (default: every brand the account sent
    as).
``A2P_SEND_TOKEN``
    Bearer token required by ``/send`` when set.
``A2P_TRANSPORT`` (``memory``, default, or ``twilio``)
    Where ``/send`` sends: the in-memory fake (nothing leaves; see
    ``app.extensions["a2p_transport"].sent``) or Twilio's API
    (``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``; needs
    ``pip install a2p-policy[twilio]``).

Run: ``cd examples/webhook_app && TWILIO_AUTH_TOKEN=... flask --app app run``.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, request
from twilio.twiml.messaging_response import MessagingResponse

from a2p_policy import (
    A2PPolicyError,
    ConfigurationError,
    Decision,
    InMemoryMessagingTransport,
    MessageTransport,
    Messenger,
    OutboundMessage,
    PolicyEngine,
    SendResult,
    SignatureError,
    StorageError,
    TwilioMessagingTransport,
    parse_inbound_message,
    parse_status_callback,
    public_url,
    verify_twilio_signature,
)

__all__ = ["Settings", "create_app", "decision_to_json", "send_result_to_json"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    """The app's configuration (see the module docstring)."""

    auth_token: str
    storage_uri: str = "memory://"
    public_base_url: str | None = None
    trust_forwarded: bool = True
    account: str | None = None
    brand: str | None = None
    send_token: str | None = None
    transport: str = "memory"
    account_sid: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("TWILIO_AUTH_TOKEN", "").strip()
        if not token:
            raise ConfigurationError(
                "TWILIO_AUTH_TOKEN is not set: webhooks cannot be verified without it"
            )
        forwarded = env.get("A2P_TRUST_FORWARDED", "1").strip().lower()
        if forwarded not in _TRUE | _FALSE:
            raise ConfigurationError(
                f"A2P_TRUST_FORWARDED must be true or false, not {forwarded!r}"
            )
        transport = env.get("A2P_TRANSPORT", "").strip().lower() or "memory"
        if transport not in ("memory", "twilio"):
            raise ConfigurationError(f"A2P_TRANSPORT must be memory or twilio, not {transport!r}")
        return cls(
            transport=transport,
            account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip() or None,
            auth_token=token,
            storage_uri=env.get("A2P_STORAGE_URI", "").strip() or "memory://",
            public_base_url=env.get("PUBLIC_BASE_URL", "").strip() or None,
            trust_forwarded=forwarded in _TRUE,
            account=env.get("A2P_ACCOUNT", "").strip() or None,
            brand=env.get("A2P_BRAND", "").strip() or None,
            send_token=env.get("A2P_SEND_TOKEN", "").strip() or None,
        )


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """A decision as JSON-ready data."""
    return {
        "allowed": decision.allowed,
        "body": decision.body,
        "reason": decision.reason,
        "violations": [
            {
                "code": v.code,
                "message": v.message,
                "retry_at": v.retry_at.isoformat() if v.retry_at else None,
            }
            for v in decision.violations
        ],
        "warnings": [
            {"rule": f.rule, "severity": f.severity.value, "message": f.message}
            for f in decision.warnings
        ],
        "segments": decision.segments,
        "encoding": decision.encoding,
        "initial": decision.initial,
        "retry_at": decision.retry_at.isoformat() if decision.retry_at else None,
    }


def send_result_to_json(result: SendResult) -> dict[str, Any]:
    """A send as JSON-ready data: the decision's fields, and what was sent."""
    data: dict[str, Any] = decision_to_json(result.decision) if result.decision else {}
    data.update(
        sent=result.sent,
        sid=result.sid,
        state=result.state,
        duplicate=result.duplicate,
        retry_at=result.retry_at.isoformat() if result.retry_at else data.get("retry_at"),
        error=str(result.error) if result.error is not None else None,
    )
    return data


def _transport(config: Settings, engine: PolicyEngine) -> MessageTransport:
    if config.transport == "twilio":
        from twilio.rest import Client

        if not config.account_sid:
            raise ConfigurationError("A2P_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID")
        return TwilioMessagingTransport(Client(config.account_sid, config.auth_token))
    return InMemoryMessagingTransport(clock=engine.clock)


def _twiml(reply: str | None) -> Response:
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), status=200, mimetype="application/xml")


def _error(status: int, message: str, field: str | None = None) -> Response:
    response = jsonify(error=message, field=field)
    response.status_code = status
    return response


#: JSON keys of ``/send`` for the message fields that have another name.
_SEND_KEYS = {"sender": "from"}


def _library_error(exc: A2PPolicyError, keys: Mapping[str, str] | None = None) -> Response:
    """A library error as a 4xx: the library's message and the field."""
    field = getattr(exc, "field", None)  # the library's errors name their field
    if not isinstance(field, str):
        field = None
    if field is not None and keys:
        field = keys.get(field, field)
    return _error(403 if isinstance(exc, SignatureError) else 400, str(exc), field)


def _is_phone(address: str) -> bool:
    """False for channel addresses (``whatsapp:+1...``), which the SMS rules
    do not cover."""
    return ":" not in address or address.lower().startswith("tel:")


def create_app(  # noqa: PLR0915  # Flask routes are closures over the app: they stand here
    settings: Settings | None = None,
    *,
    engine: PolicyEngine | None = None,
    transport: MessageTransport | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build the app. ``settings`` default to the environment
    (:meth:`Settings.from_env`); ``engine`` defaults to a PolicyEngine on
    ``settings.storage_uri``; ``transport`` to the one ``settings`` name."""
    config = settings if settings is not None else Settings.from_env(environ)
    if not config.auth_token:
        raise ConfigurationError("auth_token must be set: webhooks cannot be verified without it")
    policy = engine if engine is not None else PolicyEngine(storage=config.storage_uri)
    outbound = transport if transport is not None else _transport(config, policy)
    callback_url = (
        f"{config.public_base_url.rstrip('/')}/sms/status" if config.public_base_url else None
    )
    messenger = Messenger(
        policy, outbound, status_callback=callback_url, default_account=config.account
    )
    app = Flask(__name__)
    app.extensions["a2p_engine"] = policy
    app.extensions["a2p_settings"] = config
    app.extensions["a2p_transport"] = outbound
    app.extensions["a2p_messenger"] = messenger

    def verified_form() -> dict[str, str] | None:
        """The form (first value of each field) when the signature is
        Twilio's (checked over every value), else None."""
        url = public_url(
            request.url,
            dict(request.headers),
            base_url=config.public_base_url,
            trust_forwarded=config.trust_forwarded,
        )
        ok = verify_twilio_signature(
            url,
            request.form.to_dict(flat=False),
            request.headers.get("X-Twilio-Signature"),
            config.auth_token,
            signature_settings=request.headers.get("X-Twilio-Webhooks-Signature-Settings"),
        )
        return request.form.to_dict() if ok else None

    def account_for(account_sid: str | None) -> str:
        return config.account or account_sid or "default"

    @app.post("/sms/inbound")
    def inbound() -> Response:
        form = verified_form()
        if form is None:
            return _error(403, "invalid or missing X-Twilio-Signature")
        try:
            message = parse_inbound_message(form)
        except A2PPolicyError as exc:
            return _library_error(exc)
        if not _is_phone(message.from_):
            return _twiml(None)
        # The Messenger acts on Advanced Opt-Out verdicts silently (Twilio
        # replied already) and de-duplicates by MessageSid.
        result = messenger.handle_inbound_webhook(
            form, account=account_for(message.account_sid), brand=config.brand
        )
        return _twiml(result.reply)

    @app.post("/sms/status")
    def status() -> Response:
        form = verified_form()
        if form is None:
            return _error(403, "invalid or missing X-Twilio-Signature")
        try:
            callback = parse_status_callback(form)
        except A2PPolicyError as exc:
            return _library_error(exc)
        if not _is_phone(callback.to):
            return jsonify(counted=False, duplicate=False, ignored="not an SMS recipient")
        # Account and phone from the send when the Messenger sent it.
        result = messenger.handle_status_callback(form, account=account_for(callback.account_sid))
        return jsonify(
            counted=result.counted,
            duplicate=result.duplicate,
            dnd=result.dnd.name if result.dnd is not None else None,
            level=result.level.name if result.level is not None else None,
        )

    @app.post("/send")
    def send() -> Response:
        if config.send_token is not None:
            given = request.headers.get("Authorization", "")
            expected = f"Bearer {config.send_token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return _error(401, "missing or wrong bearer token")
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _error(400, "the body must be a JSON object")
        state = data.get("state")
        account: Any = data.get("account") or config.account
        brand: Any = data.get("brand")
        try:
            message = OutboundMessage(
                account,
                data.get("from", data.get("sender")),
                data.get("to"),
                data.get("body"),
                brand=brand,
                kind=data.get("kind", "BULK"),
                use_case=data.get("use_case", "ACCOUNT_NOTIFICATIONS"),
                # An unusable state is refused (400), never silently dropped.
                state=None if state is None or state == "" else state,
            )
        except A2PPolicyError as exc:
            return _library_error(exc, _SEND_KEYS)
        key: Any = data.get("idempotency_key")
        return jsonify(send_result_to_json(messenger.send(message, idempotency_key=key)))

    @app.get("/healthz")
    def healthz() -> Response:
        try:
            ok = policy.storage.ping()
        except A2PPolicyError:
            ok = False
        response = jsonify(ok=ok)
        response.status_code = 200 if ok else 503
        return response

    @app.errorhandler(A2PPolicyError)
    def library_error(exc: A2PPolicyError) -> Response:
        # Anything the engine refuses after parsing (an account id, a
        # number) is bad input: a 4xx with the library's message, never a 500.
        return _library_error(exc)

    @app.errorhandler(StorageError)
    def storage_down(exc: StorageError) -> Response:
        # Fail closed: no decision without the state it depends on.
        return _error(503, f"policy storage unavailable: {exc}")

    return app
