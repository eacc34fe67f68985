"""The policy engine: one object that decides, before each message leaves,
whether it may be sent and in what words, and learns from what comes back.

``PolicyEngine.check`` (no side effects) and ``authorize`` (consumes quota,
marks the conversation) run every rule of :mod:`a2p_policy._rules`, in order,
and report every one that fails; :mod:`a2p_policy._decide` says how a decision
reads once, runs the rules and commits. The allowed body is the composed one:
sender identification and opt-out language are appended where missing on
initial messages. Status callbacks and inbound messages are handled by
:mod:`a2p_policy._feedback`. Settings come grouped (:mod:`a2p_policy._settings`).

Sources: every reference article; see each component's module and
docs/sources.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from a2p_policy import _decide, _feedback
from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._compose.composer import ComposedMessage, MessageComposer
from a2p_policy._consent.ledger import ConsentLedger, ConsentState, ConsentView
from a2p_policy._consent.record import ConsentScope
from a2p_policy._content.linter import ContentLinter
from a2p_policy._content.snowshoe import SnowshoeDetector
from a2p_policy._dnd import DndManager
from a2p_policy._errors import ConfigurationError, InvalidArgument
from a2p_policy._findings import Finding, Severity
from a2p_policy._keywords import (
    KeywordConfig,
    shared_classifier,
    shared_toll_free_classifier,
)
from a2p_policy._limits.monitor import RateMonitor, RateThresholds
from a2p_policy._limits.quiet_hours import QuietHours
from a2p_policy._limits.ramp import RampUpLimiter
from a2p_policy._messages import (
    BulkResult,
    Decision,
    InboundResult,
    MessageKind,
    OutboundMessage,
    StatusResult,
    Violation,
)
from a2p_policy._phone import SenderType, sender_type
from a2p_policy._rules import TollFreeGate, VerificationLookup
from a2p_policy._settings import (
    DEFAULT_HELP_REPLY,
    DEFAULT_OPT_IN_REPLY,
    DEFAULT_OPT_OUT_REPLY,
    ContentSettings,
    InboundSettings,
    LimitsSettings,
    TollFreeSettings,
    resolve_settings,
)
from a2p_policy._validation import check_account
from a2p_policy.storage import Storage, make_key, resolve_storage

__all__ = ["DEFAULT_HELP_REPLY", "DEFAULT_OPT_IN_REPLY", "DEFAULT_OPT_OUT_REPLY", "PolicyEngine"]

#: Distinct (brand, body, initial, kind) whose composition and lint are kept.
_CONTENT_CACHE_SIZE: Final = 8_192
_CONTENT_CACHE_TEXT_LIMIT: Final = 2_000


class PolicyEngine:
    """Decides, before each message leaves, whether it may be sent and in
    what words, and learns from what comes back.

    ``storage``
        A :class:`~a2p_policy.storage.Storage` or a URI for
        :func:`~a2p_policy.open_storage` (``"sqlite:///a2p.db"`` is the
        embedded durable choice); default a new in-memory storage.
    ``clock``
        Time source (default :class:`~a2p_policy.SystemClock`).
    ``limits``, ``content``, ``inbound``, ``tollfree``
        :class:`~a2p_policy.LimitsSettings` (ramp-up, monitor tiers,
        quiet hours), :class:`~a2p_policy.ContentSettings` (composer,
        linter, snowshoe, conversation expiry),
        :class:`~a2p_policy.InboundSettings` (keywords, replies) and
        :class:`~a2p_policy.TollFreeSettings` (verification client
        and number map). ``tollfree`` also takes a verification client alone.
    ``consent_scope``
        :class:`~a2p_policy.ConsentScope`: ``ACCOUNT`` (default:
        consent belongs to the account that collected it) or ``BRAND``.

    The keyword arguments of 0.1 (``schedule=``, ``quiet_hours=``,
    ``linter=``, ``help_reply=``, ``tollfree_numbers=`` ...) still work for
    this release and warn (DeprecationWarning): each names the settings
    field it moved to.
    """

    def __init__(
        self,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        limits: LimitsSettings | None = None,
        content: ContentSettings | None = None,
        inbound: InboundSettings | None = None,
        tollfree: TollFreeSettings | Any = None,
        consent_scope: ConsentScope = ConsentScope.ACCOUNT,
        **legacy: Any,
    ) -> None:
        clock = clock_or_system(clock)
        if not isinstance(consent_scope, ConsentScope):
            raise ConfigurationError(
                "consent_scope must be ConsentScope.ACCOUNT (consent belongs to the account "
                f"that collected it) or ConsentScope.BRAND, got {consent_scope!r}"
            )
        groups = resolve_settings(limits, content, inbound, tollfree, legacy)
        self.clock: Clock = clock
        self.storage: Storage = resolve_storage(storage)
        self.consent_scope = consent_scope
        self.limits_settings: LimitsSettings = groups["limits"]
        self.content_settings: ContentSettings = groups["content"]
        self.inbound_settings: InboundSettings = groups["inbound"]
        self.tollfree_settings: TollFreeSettings = groups["tollfree"]
        self._build_components()
        self._composers: dict[str, MessageComposer] = {}
        self._known_brands: set[tuple[str, str]] = set()
        # Composition and lint are pure functions of these four and of the
        # engine's fixed settings: remembered for the most recent ones.
        self._content_cached = functools.lru_cache(maxsize=_CONTENT_CACHE_SIZE)(self._content)

    def _build_components(self) -> None:
        s, c = self.storage, self.clock
        lim, con, inb = self.limits_settings, self.content_settings, self.inbound_settings
        self.consent = ConsentLedger(storage=s, clock=c, scope=self.consent_scope)
        self.dnd = DndManager(storage=s, clock=c, temporary_expiry=lim.temporary_dnd_expiry)
        self.ramp = RampUpLimiter(lim.schedule, storage=s, clock=c)
        self.monitor = RateMonitor(
            lim.thresholds if lim.thresholds is not None else RateThresholds.default(),
            storage=s,
            clock=c,
            min_volume=lim.min_volume,
        )
        self.quiet_hours: QuietHours | None = self._shared(
            lim.quiet_hours, QuietHours, "quiet_hours"
        )
        self.snowshoe: SnowshoeDetector | None = self._shared(
            con.snowshoe, SnowshoeDetector, "snowshoe"
        )
        self.linter = con.linter if con.linter is not None else ContentLinter()
        base = inb.keywords if inb.keywords is not None else KeywordConfig.default()
        self.keywords = shared_classifier(base)
        # Toll-free senders (carrier-handled STOP): only START/UNSTOP re-subscribe.
        self.tollfree_keywords = shared_toll_free_classifier(base)
        tf = self.tollfree_settings
        self.tollfree: VerificationLookup | None = tf.client
        self.tollfree_gate = TollFreeGate(tf.client, tf.numbers) if tf.client is not None else None

    def _shared(self, value: Any, kind: type, name: str) -> Any:
        """A component the engine builds (True), none (False), or one passed
        in, which must share the engine's storage and clock."""
        if value is True:
            return kind(storage=self.storage, clock=self.clock)
        if value is False:
            return None
        if value.storage is not self.storage:
            raise ConfigurationError(
                f"{name} keeps its state in another storage than the engine's: build it with "
                f"{kind.__name__}(storage=engine_storage, clock=engine_clock), or pass True "
                "to let the engine build it (otherwise its caps or fingerprints would stay "
                "per process behind a shared store)"
            )
        if value.clock is not self.clock:
            raise ConfigurationError(
                f"{name} reads another clock than the engine's: build it with the same clock"
            )
        return value

    # ------------------------------------------------------------ settings
    @property
    def conversation_ttl(self) -> timedelta | None:
        return self.content_settings.conversation_ttl

    @property
    def ramp_short_codes(self) -> bool:
        return self.limits_settings.ramp_short_codes

    @property
    def help_reply(self) -> str:
        return self.inbound_settings.help_reply

    @property
    def opt_out_reply(self) -> str | None:
        return self.inbound_settings.opt_out_reply

    @property
    def opt_in_reply(self) -> str | None:
        return self.inbound_settings.opt_in_reply

    @property
    def tollfree_confirmation(self) -> bool:
        return self.inbound_settings.tollfree_confirmation

    # ------------------------------------------------------------ helpers
    def composer(self, brand: str) -> MessageComposer:
        """The composer for ``brand`` (one per brand, cached)."""
        if not isinstance(brand, str) or not brand.strip():
            raise InvalidArgument(f"brand must be a non-empty str, got {brand!r}")
        composer = self._composers.get(brand)
        if composer is None:
            con = self.content_settings
            composer = MessageComposer(
                brand,
                sender_id_template=con.sender_id_template,
                opt_out_text=con.opt_out_text,
                policy=con.append_policy,
            )
            if len(self._composers) < 10_000:
                self._composers[brand] = composer
        return composer

    def now(self) -> datetime:
        """The engine clock's time (aware)."""
        return ensure_aware(self.clock.now(), "clock.now()")

    def is_initial(
        self, marker: str | None, consent: ConsentView | ConsentState | None, now: datetime
    ) -> bool:
        """Initial: no outbound message to this contact since the consent was
        last granted (the marker keeps the consent version it was sent under),
        or the conversation expired."""
        if marker is None:
            return True
        stamp, _, version = marker.partition("|")
        try:
            last = datetime.fromisoformat(stamp)
            sent_under = int(version) if version else -1
        except ValueError:
            return True
        if consent is not None and consent.version != sent_under:
            return True
        ttl = self.conversation_ttl
        return ttl is not None and now - last > ttl

    def ramped(self, msg: OutboundMessage) -> bool:
        """Whether the ramp-up limit applies to ``msg``'s sender: long codes
        and toll-free numbers always, short codes only when configured."""
        return self.ramp_short_codes or sender_type(msg.sender) is not SenderType.SHORT_CODE

    def content_for(
        self, msg: OutboundMessage, initial: bool
    ) -> tuple[ComposedMessage, Violation | None, tuple[Finding, ...]]:
        """Compose and lint; cached per distinct (brand, body, initial, kind):
        both are pure functions of these and of the engine's fixed settings."""
        if len(msg.body) <= _CONTENT_CACHE_TEXT_LIMIT:
            return self._content_cached(msg.brand, msg.body, initial, msg.kind)
        return self._content(msg.brand, msg.body, initial, msg.kind)

    def _content(
        self, brand: str, body: str, initial: bool, kind: MessageKind
    ) -> tuple[ComposedMessage, Violation | None, tuple[Finding, ...]]:
        composed = self.composer(brand).compose(body, initial=initial, kind=kind)
        return (composed, *_lint(self.linter, composed.body, brand, initial))

    def remember_brand(self, account: str, brand: str) -> None:
        """Record that ``account`` sent as ``brand`` (for opt-outs without a brand)."""
        if (account, brand) in self._known_brands:
            return
        if self.storage.put_if_absent(make_key("engine", "brand", account, brand), "1"):
            self.storage.append(make_key("engine", "brands", account), brand)
        if len(self._known_brands) < 100_000:
            self._known_brands.add((account, brand))

    def brands(self, account: str) -> list[str]:
        """Every brand ``account`` has sent as (oldest first)."""
        check_account(account)
        seen: list[str] = []
        for _, brand in self.storage.read(make_key("engine", "brands", account)):
            if brand not in seen:
                seen.append(brand)
        return seen

    # ------------------------------------------------------------ decisions
    def check(self, msg: OutboundMessage) -> Decision:
        """Every rule for ``msg``, with no side effects."""
        return _decide.decide_one(self, msg, commit=False)

    def authorize(self, msg: OutboundMessage) -> Decision:
        """Every rule for ``msg``; when allowed, consume one message of the
        day's quota, count it as sent and mark the conversation."""
        return _decide.decide_one(self, msg, commit=True)

    def authorize_bulk(self, msgs: Iterable[OutboundMessage]) -> BulkResult:
        """Authorize a batch: DND and no-consent contacts are skipped without
        consuming quota, the rest are reserved in one storage operation per
        account and chunk, and the decisions come back in input order."""
        if isinstance(msgs, str | bytes) or not isinstance(msgs, Iterable):
            raise InvalidArgument(
                f"authorize_bulk takes an iterable of OutboundMessage, got {type(msgs).__name__}"
            )
        items = list(msgs) if not isinstance(msgs, list) else msgs
        return _decide.decide(self, items, commit=True)

    # ------------------------------------------------------------ feedback
    def record_status(
        self,
        account: str,
        phone: str,
        status: str,
        error_code: int | str | None = None,
        *,
        message_sid: str | None = None,
    ) -> StatusResult:
        """Learn from a status callback (Twilio's status words: queued, sent,
        delivered, undelivered, failed ...).

        ``sent``/``delivered`` start the ramp; final outcomes feed the rate
        monitor; an error code may set a DND. With ``message_sid`` the call is
        idempotent: the same outcome for the same message counts once, across
        processes.
        """
        return _feedback.record_status(
            self, account, phone, status, error_code, message_sid=message_sid
        )

    def handle_inbound(
        self,
        account: str,
        phone: str,
        body: str,
        *,
        brand: str | None = None,
        to: str | None = None,
        message_sid: str | None = None,
    ) -> InboundResult:
        """Act on an inbound message.

        An honored opt-out (EXACT, or PROBABLE "please stop texting me") sets
        a PERMANENT DND and revokes consent for ``brand`` (or, when None, for
        every brand the account has sent as); the reply is the single
        confirmation allowed after an opt-out (never marketing). An opt-in
        lifts the DND and reinstates what the last opt-out revoked. HELP gets
        the help reply. A POSSIBLE opt-out ("I'll stop by at 5") changes
        nothing and is flagged ``needs_review``. ``to`` is your number that
        received the message: for a toll-free number only START/UNSTOP
        re-subscribe and the carrier sends the opt-out confirmation.

        ``message_sid`` (Twilio's ``MessageSid``) makes the call replay-proof:
        a message seen before returns ``duplicate=True`` and changes nothing,
        so a webhook retried by Twilio, or a captured signed START replayed
        after a later STOP, never undoes an opt-out.
        """
        return _feedback.handle_inbound(
            self, account, phone, body, brand=brand, to=to, message_sid=message_sid
        )

    # ------------------------------------------------------------ sending
    def opt_out(
        self, account: str, phone: str, *, brand: str | None = None, reason: str = ""
    ) -> tuple[str, ...]:
        """Do what an honored STOP does, without an inbound message: a
        PERMANENT DND, consent revoked for ``brand`` (or, when None, every
        brand ``account`` has sent as) and one opt-out counted. Returns the
        brands revoked. For an opt-out learned another way, e.g. Twilio
        refusing a send with 21610 (the contact replied STOP to the carrier).
        No confirmation text: such a contact has already had one."""
        return _feedback.opt_out(self, account, phone, brand=brand, reason=reason)

    def cancel(self, msg: OutboundMessage, decision: Decision) -> None:
        """Undo an allowed :meth:`authorize` whose send was refused
        synchronously (the provider created no message): return the message
        to the day's quota (when its sender ramps up), un-count the send, and
        remove the conversation marker an initial decision wrote. Call it once
        per refused send (the Messenger does). Not returned (conservative): a
        state's frequency-cap slot and the snowshoe observation."""
        _feedback.cancel(self, msg, decision)


def _lint(
    linter: ContentLinter, body: str, brand: str, initial: bool
) -> tuple[Violation | None, tuple[Finding, ...]]:
    findings = linter.lint(body, brand=brand, initial=initial)
    blocks = tuple(f for f in findings if f.severity is Severity.BLOCK)
    warnings_ = tuple(f for f in findings if f.severity is not Severity.BLOCK)
    if not blocks:
        return None, warnings_
    text = "; ".join(f"{f.rule}: {f.message}" for f in blocks)
    return Violation("content.blocked", text, findings=blocks), warnings_
