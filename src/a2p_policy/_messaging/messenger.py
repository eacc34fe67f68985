"""The Messenger: authorize, send the composed body, learn, never double-send.

Why: every application wrote the same glue around the engine (call
``authorize``, send the composed body, map the MessageSid back to account and
phone for status callbacks, turn Twilio's synchronous refusals into DND,
retry later what quiet hours deferred) and got it subtly wrong. The Messenger
is that glue, once, on top of the engine's storage, so it holds across
processes on every backend.

One send (:meth:`Messenger.send`):

1. with an ``idempotency_key``, claim the key: ``put_if_absent`` writes the
   intent (state ``pending``) *before* anything else; a key already present
   answers its first result (``duplicate=True``) and nothing is reserved or
   sent again; a key left ``pending`` (a process killed between the intent
   and the transport's answer, or a send still in flight) is reported
   ``uncertain`` and never re-sent automatically;
2. ``engine.authorize`` (consumes quota only when allowed);
3. refused: ``denied``, or ``deferred`` with ``retry_at`` when every failed
   rule is one that passes with time (quiet hours, daily limit, suspension,
   temporary DND); a ``defer`` callback gets the message and ``retry_at``;
4. allowed: the transport sends the composed body; the sid is remembered
   with account and phone (for status callbacks) and the sender/contact pair
   with its account (for inbound messages);
5. a synchronous refusal is not a send: ``engine.cancel`` returns the quota;
   21610 is an opt-out exactly as a STOP (``engine.opt_out``); other codes
   apply their DND; HTTP 429 and 5xx give ``retry_at`` (state ``retry``);
6. the key's record moves from ``pending`` to its final state with a
   ``compare_and_set``. ``deferred`` and ``retry`` keys may be claimed again
   (the next call with the same key authorizes anew); every other state is
   final.

Sources: Twilio's "Create a Message" (synchronous errors), status callback
and inbound webhook parameters; Twilio's error dictionary (21610: the
recipient replied STOP); sources.md: keywords and ramp-up and DND.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import attrs

from a2p_policy._clock import ensure_aware
from a2p_policy._codes.models import DndAction
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument, StorageError
from a2p_policy._keywords import KeywordKind
from a2p_policy._messages import Decision, InboundResult, OutboundMessage, StatusResult, Violation
from a2p_policy._messaging.transport import MessageTransport, SentMessage, TransportError
from a2p_policy._webhooks import parse_inbound_message, parse_status_callback
from a2p_policy.storage.base import make_key

__all__ = ["DeferCallback", "Messenger", "SendResult", "SendState"]

log = logging.getLogger(__name__)

#: ``defer(message, retry_at)``: schedule ``message`` to be sent again at ``retry_at``.
DeferCallback = Callable[[OutboundMessage, datetime], None]

_DAY = 86_400.0
_MAX_KEY = 200
_RECLAIMABLE = frozenset({"deferred", "retry"})


class SendState:
    """The states of a send (``SendResult.state``, stored per idempotency key)."""

    PENDING = "pending"  #: the intent is written; the transport has not answered (yet)
    SENT = "sent"  #: the provider accepted the message (``sid`` is set)
    DENIED = "denied"  #: a rule refused it for good (consent, DND, content ...)
    DEFERRED = "deferred"  #: refused by rules that pass with time; see ``retry_at``
    REFUSED = "refused"  #: the provider refused it synchronously; not retryable
    RETRY = "retry"  #: the provider refused it for now (429, 5xx); see ``retry_at``
    UNCERTAIN = "uncertain"  #: nobody knows whether it went out; never re-sent


@attrs.frozen(slots=True)
class SendResult:
    """What :meth:`Messenger.send` did.

    ``sent``: the provider accepted the message (``sid`` is its id).
    ``decision``: the engine's decision (for a duplicate, rebuilt from the
    stored record without findings). ``body``: the composed text (what was,
    or would have been, sent). ``retry_at``: when a deferred or retryable
    send may be tried again. ``error``: the transport's refusal.
    ``duplicate``: the idempotency key was already used and this is the
    first result (nothing was reserved or sent by this call). ``state``: one
    of :class:`SendState`.
    """

    sent: bool
    sid: str | None = None
    decision: Decision | None = None
    body: str | None = None
    retry_at: datetime | None = None
    error: TransportError | None = None
    duplicate: bool = False
    state: str = SendState.SENT
    idempotency_key: str | None = None

    @property
    def uncertain(self) -> bool:
        """True when nobody knows whether the message went out: a process
        died (or is still busy) between writing the intent and the
        transport's answer, or the transport lost the connection. Such a
        send is never repeated automatically; check the provider's logs and
        settle it with :meth:`Messenger.resolve`."""
        return self.state in (SendState.UNCERTAIN, SendState.PENDING)

    @property
    def deferred(self) -> bool:
        return self.state in (SendState.DEFERRED, SendState.RETRY)


@attrs.frozen(slots=True)
class _Claim:
    key: str
    raw: str
    attempt: int
    user_key: str


class Messenger:
    """Sends through ``transport`` what ``engine`` allows, and learns from
    what comes back.

    ``status_callback``: the URL passed with each message (Twilio POSTs the
    message's status there; hand the form to :meth:`handle_status_callback`).
    ``defer``: called with ``(message, retry_at)`` for every deferred send
    and every retryable refusal, e.g. ``lambda m, at: task.apply_async(...,
    eta=at)``. ``default_account``: the account of inbound messages whose
    sender/contact pair was never sent through this Messenger.
    ``idempotency_ttl``: how long a key is remembered (default 7 days).
    ``retry_429``: how many times a 429 is retried in-process, with
    exponential backoff from ``backoff`` seconds, before the send is given
    back as ``retry``. ``retry_delay``: the first ``retry_at`` delay for a
    retryable refusal (doubling per attempt of the same key, at most 1 hour).
    """

    def __init__(
        self,
        engine: PolicyEngine,
        transport: MessageTransport,
        *,
        status_callback: str | None = None,
        defer: DeferCallback | None = None,
        default_account: str | None = None,
        idempotency_ttl: timedelta = timedelta(days=7),
        retry_429: int = 3,
        backoff: float = 0.5,
        retry_delay: timedelta = timedelta(seconds=30),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        for method in ("authorize", "authorize_bulk", "cancel", "opt_out", "record_status"):
            if not callable(getattr(engine, method, None)):
                raise ConfigurationError(f"engine must be a PolicyEngine (missing {method})")
        if getattr(engine, "storage", None) is None or getattr(engine, "clock", None) is None:
            raise ConfigurationError("engine must be a PolicyEngine (no storage or clock)")
        if not callable(getattr(transport, "send", None)):
            raise ConfigurationError("transport must be a MessageTransport (a send method)")
        if status_callback is not None and (
            not isinstance(status_callback, str) or not status_callback.strip()
        ):
            raise ConfigurationError("status_callback must be a non-empty str or None")
        if defer is not None and not callable(defer):
            raise ConfigurationError("defer must be a callable (message, retry_at) or None")
        if default_account is not None and (
            not isinstance(default_account, str) or not default_account.strip()
        ):
            raise ConfigurationError("default_account must be a non-empty str or None")
        if not isinstance(idempotency_ttl, timedelta) or idempotency_ttl <= timedelta(0):
            raise ConfigurationError("idempotency_ttl must be a positive timedelta")
        if isinstance(retry_429, bool) or not isinstance(retry_429, int) or retry_429 < 0:
            raise ConfigurationError("retry_429 must be an int >= 0")
        if isinstance(backoff, bool) or not isinstance(backoff, int | float) or backoff < 0:
            raise ConfigurationError("backoff must be a number of seconds >= 0")
        if not isinstance(retry_delay, timedelta) or retry_delay <= timedelta(0):
            raise ConfigurationError("retry_delay must be a positive timedelta")
        self.engine = engine
        self.transport = transport
        self.status_callback = status_callback
        self.defer = defer
        self.default_account = default_account
        self._ttl = idempotency_ttl.total_seconds()
        self._retry_429 = retry_429
        self._backoff = float(backoff)
        self._retry_delay = retry_delay
        self._sleep = sleep
        self._storage = engine.storage

    def __repr__(self) -> str:
        return f"Messenger(transport={self.transport!r})"

    # ------------------------------------------------------------ keys
    @staticmethod
    def _idem_key(account: str, key: str) -> str:
        return make_key("messenger", "idem", account, key)

    @staticmethod
    def _sid_key(sid: str) -> str:
        return make_key("messenger", "sid", sid)

    @staticmethod
    def _route_key(sender: str, contact: str) -> str:
        return make_key("messenger", "route", sender, contact)

    def _now(self) -> datetime:
        return ensure_aware(self.engine.clock.now(), "clock.now()")

    # ------------------------------------------------------------ sending
    def send(self, msg: OutboundMessage, *, idempotency_key: str | None = None) -> SendResult:
        """Authorize ``msg`` and, when allowed, send its composed body.

        With ``idempotency_key`` (unique per account; at most 200
        characters) the send happens at most once across processes and
        backends: a repeated key answers the first result with
        ``duplicate=True`` (a ``deferred`` or ``retry`` key is tried again).
        """
        if not isinstance(msg, OutboundMessage):
            raise InvalidArgument(f"msg must be an OutboundMessage, got {type(msg).__name__}")
        claim: _Claim | None = None
        if idempotency_key is not None:
            found = self._claim(msg, idempotency_key)
            if isinstance(found, SendResult):
                return found
            claim = found
        try:
            decision = self.engine.authorize(msg)
        except BaseException:
            self._release(claim)
            raise
        return self._after_decision(msg, decision, claim)

    def send_bulk(  # noqa: PLR0912  # argument checks, then authorize, send, record per message
        self,
        msgs: Iterable[OutboundMessage],
        *,
        max_workers: int = 8,
        idempotency_keys: Sequence[str | None] | None = None,
    ) -> list[SendResult]:
        """Authorize a batch with ``engine.authorize_bulk`` (one quota
        reservation per account and chunk), then send the allowed ones on up
        to ``max_workers`` threads; a 429 backs off and retries. Results in
        input order. ``idempotency_keys`` (one per message, None for none)
        work as in :meth:`send`."""
        if isinstance(msgs, str | bytes) or not isinstance(msgs, Iterable):
            raise InvalidArgument("send_bulk takes an iterable of OutboundMessage")
        items = list(msgs)
        for i, m in enumerate(items):
            if not isinstance(m, OutboundMessage):
                raise InvalidArgument(
                    f"item {i} must be an OutboundMessage, got {type(m).__name__}"
                )
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise InvalidArgument(f"max_workers must be an int >= 1, got {max_workers!r}")
        keys: list[str | None] = [None] * len(items)
        if idempotency_keys is not None:
            keys = list(idempotency_keys)
            if len(keys) != len(items):
                raise InvalidArgument("idempotency_keys must have one entry per message")
        results: list[SendResult | None] = [None] * len(items)
        claims: list[_Claim | None] = [None] * len(items)
        todo: list[int] = []
        try:
            for i, (m, k) in enumerate(zip(items, keys, strict=True)):
                if k is None:
                    todo.append(i)
                    continue
                found = self._claim(m, k)
                if isinstance(found, SendResult):
                    results[i] = found
                else:
                    claims[i] = found
                    todo.append(i)
            bulk = self.engine.authorize_bulk([items[i] for i in todo]) if todo else None
        except BaseException:
            for c in claims:
                self._release(c)
            raise
        if bulk is None:
            return [r for r in results if r is not None]
        decisions: list[Decision] = list(bulk.decisions)

        def one(pos: int) -> tuple[int, SendResult]:
            i = todo[pos]
            return i, self._after_decision(items[i], decisions[pos], claims[i])

        if max_workers == 1 or len(todo) == 1:
            done = [one(p) for p in range(len(todo))]
        else:
            with ThreadPoolExecutor(max_workers=min(max_workers, len(todo))) as pool:
                done = list(pool.map(one, range(len(todo))))
        for i, r in done:
            results[i] = r
        return [r for r in results if r is not None]

    def _after_decision(
        self, msg: OutboundMessage, decision: Decision, claim: _Claim | None
    ) -> SendResult:
        user_key = claim.user_key if claim is not None else None
        if not decision.allowed:
            deferrable = bool(decision.violations) and all(
                v.retry_at is not None for v in decision.violations
            )
            result = SendResult(
                sent=False,
                decision=decision,
                body=decision.body,
                retry_at=decision.retry_at if deferrable else None,
                state=SendState.DEFERRED if deferrable else SendState.DENIED,
                idempotency_key=user_key,
            )
            self._finish(claim, result)
            if deferrable and self.defer is not None and result.retry_at is not None:
                self.defer(msg, result.retry_at)
            return result
        tries = 0
        while True:
            try:
                sent = self.transport.send(
                    to=msg.to,
                    sender=msg.sender,
                    body=decision.body,
                    status_callback=self.status_callback,
                )
                if not isinstance(sent, SentMessage):
                    raise TransportError(
                        0, None, f"transport returned {type(sent).__name__}, not a SentMessage"
                    )
            except TransportError as exc:
                if exc.uncertain:
                    return self._uncertain(claim, decision, exc)
                if exc.status == 429 and tries < self._retry_429:
                    self._sleep(self._backoff * (2**tries))
                    tries += 1
                    continue
                return self._refused(msg, decision, claim, exc)
            except BaseException as exc:
                self._uncertain(
                    claim,
                    decision,
                    TransportError(0, None, f"transport raised {type(exc).__name__}: {exc}"),
                )
                raise
            break
        self._remember(sent.sid, msg)
        result = SendResult(
            sent=True,
            sid=sent.sid,
            decision=decision,
            body=decision.body,
            state=SendState.SENT,
            idempotency_key=user_key,
        )
        self._finish(claim, result)
        return result

    def _refused(
        self,
        msg: OutboundMessage,
        decision: Decision,
        claim: _Claim | None,
        exc: TransportError,
    ) -> SendResult:
        """A synchronous refusal: no message exists. Give the quota back,
        learn from the code, and answer ``refused`` or ``retry``."""
        self.engine.cancel(msg, decision)
        if exc.unsubscribed:
            self.engine.opt_out(
                msg.account, msg.to, reason=f"error {exc.code}: unsubscribed recipient"
            )
        elif exc.code is not None and exc.dnd_action is not DndAction.NONE:
            self.engine.dnd.apply_error_code(msg.account, msg.to, exc.code)
        retry_at: datetime | None = None
        if exc.retryable:
            attempt = claim.attempt if claim is not None else 1
            delay = min(self._retry_delay * (2 ** (attempt - 1)), timedelta(hours=1))
            retry_at = self._now() + delay
        result = SendResult(
            sent=False,
            decision=decision,
            body=decision.body,
            retry_at=retry_at,
            error=exc,
            state=SendState.RETRY if retry_at is not None else SendState.REFUSED,
            idempotency_key=claim.user_key if claim is not None else None,
        )
        self._finish(claim, result)
        if retry_at is not None and self.defer is not None:
            self.defer(msg, retry_at)
        return result

    def _uncertain(
        self, claim: _Claim | None, decision: Decision, exc: TransportError
    ) -> SendResult:
        # The message may exist: the quota stays consumed (counted as sent).
        log.warning("send outcome unknown (%s); it will not be repeated automatically", exc)
        result = SendResult(
            sent=False,
            decision=decision,
            body=decision.body,
            error=exc,
            state=SendState.UNCERTAIN,
            idempotency_key=claim.user_key if claim is not None else None,
        )
        try:
            self._finish(claim, result)
        except A2PPolicyError:  # the record stays pending: uncertain all the same
            log.warning("could not record the uncertain send", exc_info=True)
        return result

    def _remember(self, sid: str, msg: OutboundMessage) -> None:
        ttl = 30 * _DAY
        self._storage.put_many(
            {
                self._sid_key(sid): json.dumps(_about(msg)),
                self._route_key(msg.sender, msg.to): json.dumps(
                    {"account": msg.account, "brand": msg.brand}
                ),
            },
            ttl=ttl,
        )

    # ------------------------------------------------------------ idempotency
    def _claim(self, msg: OutboundMessage, key: object) -> _Claim | SendResult:
        if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY:
            raise InvalidArgument(
                f"idempotency_key must be a non-empty str of at most {_MAX_KEY} characters"
            )
        rkey = self._idem_key(msg.account, key)
        about = _about(msg)
        for _ in range(16):
            raw = self._storage.get(rkey)
            if raw is None:
                pending = self._pending(1, about)
                if self._storage.put_if_absent(rkey, pending, ttl=self._ttl):
                    return _Claim(rkey, pending, 1, key)
                continue
            record = _loads(raw)
            earlier = record.get("msg")
            if isinstance(earlier, dict) and earlier != about:
                raise InvalidArgument(
                    f"idempotency key {key!r} was used for another message "
                    f"(to {earlier.get('to')} from {earlier.get('sender')}, brand "
                    f"{earlier.get('brand')!r}); use one key per message"
                )
            state = record.get("state")
            if state in _RECLAIMABLE:
                attempt = int(record.get("attempt", 1)) + 1
                pending = self._pending(attempt, about)
                if self._storage.compare_and_set(rkey, raw, pending, ttl=self._ttl):
                    return _Claim(rkey, pending, attempt, key)
                continue
            return _from_record(record, key)
        raise StorageError(f"could not claim idempotency key {key!r} (too much contention)")

    def _pending(self, attempt: int, about: dict[str, str]) -> str:
        return json.dumps(
            {
                "state": SendState.PENDING,
                "attempt": attempt,
                "at": self._now().isoformat(),
                "token": uuid.uuid4().hex,
                "msg": about,
            }
        )

    def _finish(self, claim: _Claim | None, result: SendResult) -> None:
        if claim is None:
            return
        record = _to_record(result, claim.attempt, _loads(claim.raw).get("msg"))
        if not self._storage.compare_and_set(claim.key, claim.raw, record, ttl=self._ttl):
            log.warning(
                "idempotency key %r changed while its send was in progress; result not stored",
                claim.user_key,
            )

    def _release(self, claim: _Claim | None) -> None:
        """Nothing was sent (authorize failed): let the key be used again."""
        if claim is None:
            return
        try:
            self._storage.compare_and_set(claim.key, claim.raw, None)
        except A2PPolicyError:
            log.warning("could not release idempotency key %r", claim.user_key, exc_info=True)

    def idempotency_state(self, account: str, idempotency_key: str) -> str | None:
        """The stored state of a key (``pending`` shows as ``uncertain``), or None."""
        raw = self._storage.get(self._idem_key(account, idempotency_key))
        if raw is None:
            return None
        return _from_record(_loads(raw), idempotency_key).state

    def resolve(self, account: str, idempotency_key: str, *, sid: str | None) -> None:
        """Settle an ``uncertain`` key after checking the provider's logs:
        with the message's ``sid`` it becomes ``sent`` (and its status
        callbacks are understood); with None the key is forgotten, so the
        next send with it goes out (its earlier reservation is not returned).
        A key in any other state raises :class:`InvalidArgument`."""
        rkey = self._idem_key(account, idempotency_key)
        raw = self._storage.get(rkey)
        record = _loads(raw) if raw is not None else {}
        if record.get("state") not in (SendState.PENDING, SendState.UNCERTAIN):
            raise InvalidArgument(f"idempotency key {idempotency_key!r} is not uncertain")
        if sid is None:
            self._storage.compare_and_set(rkey, raw, None)
            return
        if not isinstance(sid, str) or not sid.strip():
            raise InvalidArgument("sid must be a non-empty str or None")
        msg = record.get("msg")
        if isinstance(msg, dict):
            self._storage.put(self._sid_key(sid), json.dumps(msg), ttl=30 * _DAY)
        settled = dict(record, state=SendState.SENT, sid=sid)
        self._storage.compare_and_set(rkey, raw, json.dumps(settled), ttl=self._ttl)

    # ------------------------------------------------------------ feedback
    def handle_status_callback(
        self, form: Mapping[str, str], *, account: str | None = None
    ) -> StatusResult:
        """Learn from Twilio's status callback form: the account and phone
        come from the message sid remembered at send time, and
        ``engine.record_status`` counts each outcome once (duplicate
        callbacks answer ``duplicate=True``). A 21610 in a callback is an
        opt-out, as a STOP.

        A sid this Messenger never sent (a message sent by other code) is
        attributed to ``account`` (else ``default_account``) and the form's
        ``To``; without either it is logged and answers ``counted=False``.
        """
        callback = parse_status_callback(form)
        raw = self._storage.get(self._sid_key(callback.message_sid))
        if raw is not None:
            known = _loads(raw)
            acct, phone = known.get("account"), known.get("to")
            if not isinstance(acct, str) or not isinstance(phone, str):
                raise StorageError(f"corrupt message record for {callback.message_sid}")
            account = acct
        else:
            account = account if account is not None else self.default_account
            phone = callback.to
            if account is None or not _is_phone(phone):
                log.warning("status callback for unknown message %s ignored", callback.message_sid)
                return StatusResult(counted=False)
        result: StatusResult = self.engine.record_status(
            account,
            phone,
            callback.status.value,
            callback.error_code,
            message_sid=callback.message_sid,
        )
        if callback.error_code == 21610 and result.counted:
            self.engine.opt_out(account, phone, reason="error 21610: unsubscribed recipient")
        return result

    def handle_inbound_webhook(
        self,
        form: Mapping[str, str],
        *,
        account: str | None = None,
        brand: str | None = None,
    ) -> InboundResult:
        """Act on Twilio's inbound message form (STOP, START, HELP ...) and
        return the engine's :class:`~a2p_policy.InboundResult`; put
        its ``reply`` (when not None) in the TwiML answer.

        The account is ``account`` when given, else the one that last sent
        from this number to this contact through the Messenger, else
        ``default_account``; without any, :class:`ConfigurationError` (an
        opt-out must never be dropped silently: Twilio retries the webhook).
        Each MessageSid is acted on once. With Twilio's Advanced Opt-Out
        (an ``OptOutType`` field), Twilio's verdict (STOP, START, HELP) is
        acted on and the reply is None: Twilio has already answered.
        Messages from channel addresses (``whatsapp:...``) are ignored.
        """
        inbound = parse_inbound_message(form)
        contact, ours = inbound.from_, inbound.to
        if not _is_phone(contact):
            # A channel address (whatsapp:..., messenger:...): not an SMS contact.
            return InboundResult(kind=KeywordKind.NONE, reply=None)
        acct = account
        if acct is None and _is_phone(ours):
            raw = self._storage.get(self._route_key(ours, contact))
            if raw is not None:
                found = _loads(raw).get("account")
                acct = found if isinstance(found, str) else None
        if acct is None:
            acct = self.default_account
        if acct is None:
            raise ConfigurationError(
                f"no account known for messages to {ours} from {contact}: pass account= "
                "or configure Messenger(default_account=...)"
            )
        # With Advanced Opt-Out, Twilio has classified the message and sent
        # its own reply: act on Twilio's verdict and stay silent.
        advanced = inbound.opt_out_type is not None
        body = inbound.opt_out_type.value if inbound.opt_out_type is not None else inbound.body
        to = ours if _is_phone(ours) else None
        # The engine de-duplicates by MessageSid (replay-proof, across processes).
        result = self.engine.handle_inbound(
            acct, contact, body, brand=brand, to=to, message_sid=inbound.message_sid
        )
        return attrs.evolve(result, reply=None) if advanced else result


def _is_phone(address: str) -> bool:
    """A phone number, not a channel address (``whatsapp:+1...``)."""
    return ":" not in address or address.lower().startswith("tel:")


# ---------------------------------------------------------------- records
def _loads(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise StorageError(f"corrupt Messenger record: {raw[:60]!r}") from exc
    if not isinstance(value, dict):
        raise StorageError(f"corrupt Messenger record: {raw[:60]!r}")
    return value


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_dt(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value)


def _about(msg: OutboundMessage) -> dict[str, str]:
    return {"account": msg.account, "to": msg.to, "sender": msg.sender, "brand": msg.brand}


def _to_record(result: SendResult, attempt: int, about: object) -> str:
    d = result.decision
    e = result.error
    return json.dumps(
        {
            "state": result.state,
            "attempt": attempt,
            "msg": about,
            "sid": result.sid,
            "body": result.body,
            "retry_at": _dt(result.retry_at),
            "error": None
            if e is None
            else {
                "status": e.status,
                "code": e.code,
                "message": e.message,
                "retryable": e.retryable,
            },
            "decision": None
            if d is None
            else {
                "allowed": d.allowed,
                "body": d.body,
                "violations": [[v.code, v.message, _dt(v.retry_at)] for v in d.violations],
                "segments": d.segments,
                "encoding": d.encoding,
                "initial": d.initial,
                "retry_at": _dt(d.retry_at),
            },
        }
    )


def _from_record(record: Mapping[str, Any], key: str) -> SendResult:
    state = record.get("state")
    if state == SendState.PENDING:
        state = SendState.UNCERTAIN
    if not isinstance(state, str):
        raise StorageError("corrupt Messenger record: no state")
    d = record.get("decision")
    decision = None
    if isinstance(d, dict):
        decision = Decision(
            allowed=bool(d.get("allowed")),
            body=str(d.get("body", "")),
            violations=tuple(
                Violation(str(c), str(m), retry_at=_parse_dt(r))
                for c, m, r in d.get("violations", [])
            ),
            segments=int(d.get("segments", 0)),
            encoding=str(d.get("encoding", "GSM-7")),
            initial=bool(d.get("initial", True)),
            retry_at=_parse_dt(d.get("retry_at")),
        )
    e = record.get("error")
    error = None
    if isinstance(e, dict):
        error = TransportError(
            int(e.get("status", 0)),
            e.get("code") if isinstance(e.get("code"), int) else None,
            str(e.get("message", "")),
            retryable=bool(e.get("retryable", False)),
        )
    sid = record.get("sid")
    body = record.get("body")
    return SendResult(
        sent=state == SendState.SENT,
        sid=sid if isinstance(sid, str) else None,
        decision=decision,
        body=body if isinstance(body, str) else (decision.body if decision else None),
        retry_at=_parse_dt(record.get("retry_at")),
        error=error,
        duplicate=True,
        state=state,
        idempotency_key=key,
    )
