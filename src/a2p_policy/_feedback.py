"""What comes back: status callbacks and inbound messages.

:func:`record_status` learns from Twilio's status callbacks (ramp start,
rate monitor, DND from error codes), idempotent by MessageSid;
:func:`handle_inbound` acts on STOP / START / HELP (consent and DND),
replay-proof by MessageSid. The engine's methods of the same names call
them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from a2p_policy._decide import conversation_key
from a2p_policy._dnd import DndKind, DndSource
from a2p_policy._errors import InvalidArgument
from a2p_policy._keywords import KeywordConfig, KeywordKind, KeywordMatch
from a2p_policy._messages import Decision, InboundResult, OutboundMessage, StatusResult
from a2p_policy._phone import SenderType, normalize_phone, normalize_sender, sender_type
from a2p_policy._validation import check_account, check_sid
from a2p_policy.storage import make_key

if TYPE_CHECKING:
    from a2p_policy._engine import PolicyEngine

__all__ = ["STATUS_WORDS", "cancel", "handle_inbound", "opt_out", "record_status"]

#: Twilio's message status words.
STATUS_WORDS: Final = frozenset(
    {
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "receiving",
        "received",
        "read",
        "canceled",
        "partially_delivered",
    }
)
_FINAL_OK: Final = frozenset({"delivered", "read"})
_FINAL_ERROR: Final = frozenset({"undelivered", "failed"})
_DAY_SECONDS: Final = 86_400.0
#: How long an inbound MessageSid is remembered. An opt-in (START) is kept
#: for good: replaying it after a later STOP would undo an opt-out. Anything
#: else replayed late is harmless (an opt-out again, a HELP reply).
_INBOUND_TTL: Final = 400 * _DAY_SECONDS


# ---------------------------------------------------------------- status
def record_status(
    engine: PolicyEngine,
    account: str,
    phone: str,
    status: str,
    error_code: int | str | None = None,
    *,
    message_sid: str | None = None,
) -> StatusResult:
    """See :meth:`a2p_policy.PolicyEngine.record_status`."""
    check_account(account)
    e164 = normalize_phone(phone)
    if not isinstance(status, str) or status.strip().lower() not in STATUS_WORDS:
        raise InvalidArgument(
            f"status must be one of Twilio's status words ({', '.join(sorted(STATUS_WORDS))}),"
            f" got {status!r}"
        )
    word = status.strip().lower()
    code = _parse_code(error_code)
    if message_sid is not None:
        sid = check_sid(message_sid, "message_sid")
        stage = "final" if word in _FINAL_OK | _FINAL_ERROR else word
        marker = make_key("engine", "status", account, sid, stage)
        if not engine.storage.put_if_absent(marker, word, ttl=7 * _DAY_SECONDS):
            return StatusResult(counted=False, duplicate=True)
    if word in ("sent", "delivered", "read"):
        engine.ramp.record_success(account)
    dnd: DndKind | None = None
    if word in _FINAL_OK:
        level = engine.monitor.record_outcome(account, delivered=True).level
    elif word in _FINAL_ERROR:
        level = engine.monitor.record_outcome(account, delivered=False, error_code=code).level
        if code is not None:
            dnd = engine.dnd.apply_error_code(account, e164, code)
    else:
        return StatusResult(counted=False)
    return StatusResult(counted=True, dnd=dnd, level=level)


def _parse_code(code: object) -> int | None:
    if code is None or code == "":
        return None
    if isinstance(code, bool):
        raise InvalidArgument(f"error_code must be an int or digit string, got {code!r}")
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code.strip())
    raise InvalidArgument(f"error_code must be an int or digit string, got {code!r}")


# ---------------------------------------------------------------- inbound
def handle_inbound(
    engine: PolicyEngine,
    account: str,
    phone: str,
    body: str,
    *,
    brand: str | None = None,
    to: str | None = None,
    message_sid: str | None = None,
) -> InboundResult:
    """See :meth:`a2p_policy.PolicyEngine.handle_inbound`."""
    check_account(account)
    e164 = normalize_phone(phone)
    if not isinstance(body, str):
        raise InvalidArgument(f"body must be a str, got {type(body).__name__}")
    if brand is not None and (not isinstance(brand, str) or not brand.strip()):
        raise InvalidArgument("brand must be a non-empty str or None")
    sid = None if message_sid is None else check_sid(message_sid, "message_sid")
    toll_free = to is not None and sender_type(normalize_sender(to)) is SenderType.TOLL_FREE
    classifier = engine.tollfree_keywords if toll_free else engine.keywords
    match = classifier.classify(body)
    if sid is not None and not _claim(engine, account, sid, match.kind):
        # Seen before: change nothing. A HELP is answered again (it changes
        # nothing either, and the first answer may have been lost with the
        # request Twilio retried); nothing else is.
        reply = None
        if match.kind is KeywordKind.HELP:
            reply = _act(
                engine, account, e164, match, classifier.config, brand=brand, toll_free=toll_free
            ).reply
        return InboundResult(
            kind=match.kind,
            reply=reply,
            keyword=match.keyword,
            certainty=match.certainty,
            duplicate=True,
        )
    result = _act(engine, account, e164, match, classifier.config, brand=brand, toll_free=toll_free)
    if sid is not None:
        engine.storage.put(_inbound_key(account, sid), "done", ttl=_inbound_ttl(match.kind))
    return result


def _inbound_key(account: str, sid: str) -> str:
    return make_key("engine", "inbound", account, sid)


def _inbound_ttl(kind: KeywordKind) -> float | None:
    return None if kind is KeywordKind.OPT_IN else _INBOUND_TTL


def _claim(engine: PolicyEngine, account: str, sid: str, kind: KeywordKind) -> bool:
    """True when this call may act on the message ``sid``. The SID is
    claimed before acting; if the claiming process died before it finished
    ("pending"), a retried opt-out is applied again (opting out twice is
    harmless) while anything else stays a duplicate (fail closed)."""
    key = _inbound_key(account, sid)
    if engine.storage.put_if_absent(key, "pending", ttl=_inbound_ttl(kind)):
        return True
    return kind is KeywordKind.OPT_OUT and engine.storage.get(key) == "pending"


def _act(
    engine: PolicyEngine,
    account: str,
    e164: str,
    match: KeywordMatch,
    rules: KeywordConfig,
    *,
    brand: str | None,
    toll_free: bool,
) -> InboundResult:
    brands = (brand,) if brand is not None else tuple(engine.brands(account))
    label = brand if brand is not None else (brands[0] if len(brands) == 1 else "")
    confirm_key = make_key("engine", "optout-confirmed", account, e164)
    replies = engine.inbound_settings

    def answer(reply: str | None, **flags: Any) -> InboundResult:
        return InboundResult(
            kind=match.kind,
            reply=reply,
            keyword=match.keyword,
            certainty=match.certainty,
            **flags,
        )

    if match.kind in (KeywordKind.OPT_OUT, KeywordKind.OPT_IN) and not match.honor:
        return answer(None, needs_review=True)
    if match.kind is KeywordKind.OPT_OUT:
        keyword = match.keyword or "STOP"
        _opt_out(engine, account, e164, brands, f"opt-out keyword {keyword}", keyword=keyword)
        reply = None
        # One confirmation, unless the carrier sends its own (toll-free).
        library_confirms = rules.confirm_opt_out and not rules.carrier_handles_stop
        send_confirmation = replies.opt_out_reply is not None and (
            library_confirms or (toll_free and replies.tollfree_confirmation)
        )
        if send_confirmation and engine.storage.put_if_absent(confirm_key, "1"):
            reply = fill(replies.opt_out_reply, label)
        return answer(reply, honored=True, brands=brands)
    if match.kind is KeywordKind.OPT_IN:
        engine.dnd.opt_in(account, e164)
        restored = tuple(b for b in brands if engine.consent.reinstate(e164, b, account=account))
        engine.storage.delete(confirm_key)
        return answer(fill(replies.opt_in_reply, label), honored=True, brands=restored)
    if match.kind is KeywordKind.HELP:
        reply = fill(replies.help_reply, label)
        if (
            not rules.reply_help_when_opted_out
            and engine.dnd.get(account, e164) is DndKind.PERMANENT
        ):
            reply = None
        return answer(reply, honored=match.honor)
    return InboundResult(kind=match.kind, reply=None)


def opt_out(
    engine: PolicyEngine, account: str, phone: str, *, brand: str | None = None, reason: str = ""
) -> tuple[str, ...]:
    """See :meth:`a2p_policy.PolicyEngine.opt_out`."""
    check_account(account)
    e164 = normalize_phone(phone)
    if brand is not None and (not isinstance(brand, str) or not brand.strip()):
        raise InvalidArgument("brand must be a non-empty str or None")
    if not isinstance(reason, str):
        raise InvalidArgument(f"reason must be a str, got {type(reason).__name__}")
    brands = (brand,) if brand is not None else tuple(engine.brands(account))
    _opt_out(engine, account, e164, brands, reason.strip() or "opt-out")
    return brands


def _opt_out(
    engine: PolicyEngine,
    account: str,
    e164: str,
    brands: tuple[str, ...],
    why: str,
    *,
    keyword: str | None = None,
) -> None:
    """What every honored opt-out does: a PERMANENT DND for the account,
    consent revoked for ``brands``, one opt-out counted."""
    if keyword is not None:
        engine.dnd.opt_out(account, e164, keyword=keyword)
    else:
        engine.dnd.set(account, e164, DndKind.PERMANENT, why, source=DndSource.KEYWORD)
    for b in brands:
        engine.consent.revoke(e164, b, account=account, reason=why)
    engine.monitor.record_opt_out(account)


def cancel(engine: PolicyEngine, msg: OutboundMessage, decision: Decision) -> None:
    """See :meth:`a2p_policy.PolicyEngine.cancel`."""
    if not isinstance(msg, OutboundMessage):
        raise InvalidArgument(f"msg must be an OutboundMessage, got {type(msg).__name__}")
    if not isinstance(decision, Decision):
        raise InvalidArgument(f"decision must be a Decision, got {type(decision).__name__}")
    if not decision.allowed:
        return
    if engine.ramped(msg):
        engine.ramp.release(msg.account, 1)
    engine.monitor.uncount_sent(msg.account, 1)
    if decision.initial:
        engine.storage.delete(conversation_key(msg))


def fill(template: str | None, brand: str) -> str | None:
    """A reply template with ``{brand}`` filled in (None stays None)."""
    if template is None:
        return None
    text = template.replace("{brand}", brand).strip()
    return text.removeprefix(": ").strip()
