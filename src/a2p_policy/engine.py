"""The policy engine: every rule, in order, for each outbound message.

``PolicyEngine.check`` (no side effects) and ``authorize`` (consumes quota,
marks the conversation) run these rules and report every one that fails, in
this order:

1. ``sender.unverified`` / ``sender.blocked``: a US/CA toll-free sender must
   have an approved verification (SPEC 9; only when a toll-free client is
   configured).
2. ``account.suspended``: the rate monitor suspended the account; one-on-one
   conversation replies, test messages, resends and missed-call text-back
   are exempt (SPEC 7).
3. ``dnd.permanent`` / ``dnd.temporary``: the contact is on do-not-disturb
   (SPEC 8).
4. ``consent.missing`` / ``consent.revoked`` / ``consent.scope`` /
   ``consent.not_express``: proof of opt-in for this brand and use case
   (SPEC 3).
5. ``quiet_hours``: marketing outside the recipient's allowed hours, or over
   a state's frequency cap (SPEC 10).
6. ``content.blocked``: a BLOCK finding of the content linter on the composed
   body (SPEC 5).
7. ``limit.daily``: the ramp-up limit of the day is used up (SPEC 6).

The allowed body is the composed one: sender identification and opt-out
language are appended where missing on initial messages (SPEC 4).

Sources: every reference article; see each component's module.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from a2p_policy.clock import Clock, SystemClock, ensure_aware
from a2p_policy.compose import AppendPolicy, ComposedMessage, MessageComposer
from a2p_policy.consent import ConsentLedger, ConsentState
from a2p_policy.content import ContentLinter, SnowshoeDetector
from a2p_policy.dnd import DndEntry, DndKind, DndManager
from a2p_policy.errors import ConfigurationError, InvalidArgument
from a2p_policy.findings import Finding, Severity
from a2p_policy.keywords import KeywordClassifier, KeywordConfig, KeywordKind
from a2p_policy.limits import (
    HealthLevel,
    MonitorStatus,
    QuietHours,
    QuietHoursResult,
    RampSchedule,
    RampUpLimiter,
    RateMonitor,
    RateThresholds,
)
from a2p_policy.limits.state_packs import US_STATE_CODES
from a2p_policy.messages import (
    EXEMPT_FROM_SUSPENSION,
    BulkResult,
    Decision,
    InboundResult,
    MessageKind,
    OutboundMessage,
    StatusResult,
    Violation,
)
from a2p_policy.phone import is_toll_free, normalize_phone
from a2p_policy.storage import Storage, resolve_storage
from a2p_policy.usecases import UseCase

__all__ = ["DEFAULT_HELP_REPLY", "DEFAULT_OPT_IN_REPLY", "DEFAULT_OPT_OUT_REPLY", "PolicyEngine"]

log = logging.getLogger(__name__)

DEFAULT_OPT_OUT_REPLY = (
    "{brand}: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
)
DEFAULT_OPT_IN_REPLY = "{brand}: You are subscribed again. Reply HELP for help, STOP to opt out."
DEFAULT_HELP_REPLY = (
    "{brand}: for help, contact us. Msg & data rates may apply. Reply STOP to opt out."
)

_STATUS_WORDS = frozenset(
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
_FINAL_OK = frozenset({"delivered", "read"})
_FINAL_ERROR = frozenset({"undelivered", "failed"})
_BULK_CHUNK = 5_000
#: Distinct (brand, body, initial, kind) whose composition and lint are kept.
_CONTENT_CACHE_SIZE = 8_192
_CONTENT_CACHE_TEXT_LIMIT = 2_000
_DAY_SECONDS = 86_400.0


class PolicyEngine:
    """One object that decides, before each message leaves, whether it may be
    sent and in what words, and learns from what comes back.

    Parameters (all keyword-only):

    ``storage``
        A :class:`~a2p_policy.storage.Storage` or a URI for
        :func:`~a2p_policy.open_storage` (``"sqlite:///a2p.db"`` is the
        embedded durable choice); default a new in-memory storage.
    ``clock``
        Time source (default :class:`~a2p_policy.clock.SystemClock`).
    ``schedule``, ``thresholds``, ``min_volume``
        Ramp-up schedule and rate-monitor tiers.
    ``sender_id_template``, ``opt_out_text``, ``append_policy``
        Composer settings (per brand).
    ``linter``
        A configured :class:`~a2p_policy.content.ContentLinter`.
    ``quiet_hours``
        A :class:`~a2p_policy.limits.QuietHours`, True for the default
        (federal window plus state packs), False to turn the rule off.
    ``tollfree``, ``tollfree_numbers``
        A :class:`~a2p_policy.tollfree.TollFreeVerificationClient` and the
        map of your toll-free sender numbers (any format) to their
        verification SID (``HH...``) or phone-number SID (``PN...``). With a
        client configured, a toll-free sender without an approved
        verification is refused.
    ``keywords``
        A :class:`~a2p_policy.keywords.KeywordConfig` for inbound messages
        (e.g. with Spanish keywords added).
    ``help_reply``, ``opt_out_reply``, ``opt_in_reply``
        Reply templates (``{brand}`` is filled in); ``opt_out_reply=None``
        sends no confirmation.
    ``tollfree_confirmation``
        Send the opt-out confirmation for toll-free senders too (default
        False: the carrier sends its own, SPEC 2).
    ``conversation_ttl``
        After this long without an outbound message, the next message counts
        as initial again (default: never).
    ``snowshoe``
        A :class:`~a2p_policy.content.SnowshoeDetector`, True for the
        default, False (default) to turn it off.
    """

    def __init__(
        self,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        schedule: RampSchedule | None = None,
        thresholds: RateThresholds | None = None,
        min_volume: int = 100,
        sender_id_template: str = "Thanks, {brand}",
        opt_out_text: str = "Reply STOP to unsubscribe",
        append_policy: AppendPolicy | None = None,
        linter: ContentLinter | None = None,
        quiet_hours: QuietHours | bool = True,
        tollfree: Any = None,
        tollfree_numbers: Mapping[str, str] | None = None,
        keywords: KeywordConfig | None = None,
        help_reply: str = DEFAULT_HELP_REPLY,
        opt_out_reply: str | None = DEFAULT_OPT_OUT_REPLY,
        opt_in_reply: str | None = DEFAULT_OPT_IN_REPLY,
        tollfree_confirmation: bool = False,
        conversation_ttl: timedelta | None = None,
        snowshoe: SnowshoeDetector | bool = False,
        temporary_dnd_expiry: Mapping[int, timedelta] | None = None,
    ) -> None:
        if clock is not None and not isinstance(clock, Clock):
            raise ConfigurationError(f"clock must be a Clock, got {type(clock).__name__}")
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.storage: Storage = resolve_storage(storage)
        s, c = self.storage, self.clock
        self.consent = ConsentLedger(storage=s, clock=c)
        self.dnd = DndManager(storage=s, clock=c, temporary_expiry=temporary_dnd_expiry)
        self.ramp = RampUpLimiter(schedule, storage=s, clock=c)
        self.monitor = RateMonitor(
            thresholds if thresholds is not None else RateThresholds.default(),
            storage=s,
            clock=c,
            min_volume=min_volume,
        )
        if quiet_hours is True:
            self.quiet_hours: QuietHours | None = QuietHours(storage=s, clock=c)
        elif quiet_hours is False or quiet_hours is None:
            self.quiet_hours = None
        elif isinstance(quiet_hours, QuietHours):
            self.quiet_hours = quiet_hours
        else:
            raise ConfigurationError("quiet_hours must be a QuietHours, True or False")
        if linter is not None and not isinstance(linter, ContentLinter):
            raise ConfigurationError("linter must be a ContentLinter")
        self.linter = linter if linter is not None else ContentLinter()
        if snowshoe is True:
            self.snowshoe: SnowshoeDetector | None = SnowshoeDetector(storage=s, clock=c)
        elif snowshoe is False or snowshoe is None:
            self.snowshoe = None
        elif isinstance(snowshoe, SnowshoeDetector):
            self.snowshoe = snowshoe
        else:
            raise ConfigurationError("snowshoe must be a SnowshoeDetector, True or False")
        for name, template in (
            ("help_reply", help_reply),
            ("opt_out_reply", opt_out_reply),
            ("opt_in_reply", opt_in_reply),
        ):
            if template is not None and not isinstance(template, str):
                raise ConfigurationError(f"{name} must be a str or None")
        if conversation_ttl is not None and (
            not isinstance(conversation_ttl, timedelta) or conversation_ttl <= timedelta(0)
        ):
            raise ConfigurationError("conversation_ttl must be a positive timedelta or None")
        self.help_reply = help_reply
        self.opt_out_reply = opt_out_reply
        self.opt_in_reply = opt_in_reply
        self.tollfree_confirmation = bool(tollfree_confirmation)
        self.conversation_ttl = conversation_ttl
        self._composer_settings = (sender_id_template, opt_out_text, append_policy)
        self._composers: dict[str, MessageComposer] = {}
        # Validate the templates now rather than on the first message.
        MessageComposer(
            "Brand",
            sender_id_template=sender_id_template,
            opt_out_text=opt_out_text,
            policy=append_policy,
        )
        if keywords is not None and not isinstance(keywords, KeywordConfig):
            raise ConfigurationError("keywords must be a KeywordConfig")
        base = keywords if keywords is not None else KeywordConfig.default()
        self.keywords = KeywordClassifier(base)
        # Toll-free senders (carrier-handled STOP): only START/UNSTOP re-subscribe.
        self._tollfree_keywords = KeywordClassifier(
            attrs.evolve(
                base,
                opt_in=tuple(k for k in base.opt_in if k.upper() != "YES"),
                confirm_opt_out=False,
                reply_help_when_opted_out=False,
                carrier_handles_stop=True,
            )
        )
        if tollfree is not None:
            missing = [
                m for m in ("get", "fetch", "list") if not callable(getattr(tollfree, m, None))
            ]
            if missing:
                raise ConfigurationError(
                    "tollfree must be a TollFreeVerificationClient (missing "
                    + ", ".join(missing)
                    + ")"
                )
        if tollfree_numbers is not None and not isinstance(tollfree_numbers, Mapping):
            raise ConfigurationError(
                "tollfree_numbers must be a mapping of sender number to verification SID"
            )
        self.tollfree = tollfree
        self._tollfree_numbers: dict[str, str] = {}
        for number, sid in (tollfree_numbers or {}).items():
            if not isinstance(sid, str) or sid[:2] not in ("HH", "PN"):
                raise ConfigurationError(
                    f"tollfree_numbers values must be verification (HH...) or phone number "
                    f"(PN...) SIDs, got {sid!r}"
                )
            self._tollfree_numbers[normalize_phone(number)] = sid
        self._known_brands: set[tuple[str, str]] = set()
        self._content_cache: dict[
            tuple[str, str, bool, MessageKind],
            tuple[ComposedMessage, Violation | None, tuple[Finding, ...]],
        ] = {}

    # ------------------------------------------------------------ helpers
    def composer(self, brand: str) -> MessageComposer:
        """The composer for ``brand`` (one per brand, cached)."""
        if not isinstance(brand, str) or not brand.strip():
            raise InvalidArgument(f"brand must be a non-empty str, got {brand!r}")
        composer = self._composers.get(brand)
        if composer is None:
            template, opt_out, policy = self._composer_settings
            composer = MessageComposer(
                brand,
                sender_id_template=template,
                opt_out_text=opt_out,
                policy=policy,
            )
            if len(self._composers) < 10_000:
                self._composers[brand] = composer
        return composer

    def _now(self) -> datetime:
        return ensure_aware(self.clock.now(), "clock.now()")

    @staticmethod
    def _conv_key(msg: OutboundMessage) -> str:
        return f"engine:conv:{msg.account}:{msg.sender}:{msg.to}"

    def _is_initial(self, marker: str | None, consent: ConsentState | None, now: datetime) -> bool:
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
        return self.conversation_ttl is not None and now - last > self.conversation_ttl

    def _sender_violation(
        self, sender: str, cache: dict[str, Violation | None]
    ) -> Violation | None:
        if self.tollfree is None or not is_toll_free(sender):
            return None
        if sender in cache:
            return cache[sender]
        cache[sender] = result = self._tollfree_violation(sender)
        return result

    def _tollfree_violation(self, sender: str) -> Violation | None:
        from a2p_policy.tollfree import TrafficState

        sid = self._tollfree_numbers.get(sender)
        if sid is None:
            return Violation(
                "sender.unverified",
                f"toll-free sender {sender} has no known verification; submit one and map the "
                "number in tollfree_numbers",
            )
        try:
            verification = self._lookup_verification(sid)
        except Exception as exc:  # fail closed on any lookup failure
            log.warning("toll-free verification lookup failed for %s: %s", sender, exc)
            return Violation(
                "sender.unverified",
                f"toll-free verification of {sender} could not be read ({type(exc).__name__})",
            )
        if verification is None:
            return Violation(
                "sender.unverified", f"toll-free sender {sender}: verification {sid} not found"
            )
        traffic = verification.traffic
        if traffic is TrafficState.VERIFIED:
            return None
        if traffic is TrafficState.BLOCKED:
            return Violation(
                "sender.blocked",
                f"toll-free sender {sender} was rejected without resubmission "
                f"(codes {list(verification.rejection_codes)}); sends fail with 30032",
            )
        return Violation(
            "sender.unverified",
            f"toll-free sender {sender} is not verified (status {verification.status.value}); "
            "since 2024-01-31 unverified toll-free numbers cannot send in the US/Canada",
        )

    def _lookup_verification(self, sid: str) -> Any:
        client = self.tollfree
        if sid.startswith("HH"):
            found = client.get(sid)
            return found if found is not None else client.fetch(sid)
        found_list = client.list(tollfree_phone_number_sid=sid)
        if not found_list:
            return None
        return max(found_list, key=lambda v: v.date_updated or v.date_created or 0)

    def _suspension(self, status: MonitorStatus, kind: MessageKind) -> Violation | None:
        if status.level is not HealthLevel.SUSPENDED or kind in EXEMPT_FROM_SUSPENSION:
            return None
        until = status.suspended_until
        return Violation(
            "account.suspended",
            f"account suspended ({status.reason})"
            + (f" until {until.isoformat()}" if until else ""),
            retry_at=until,
        )

    @staticmethod
    def _dnd_violation(entry: DndEntry | None) -> Violation | None:
        if entry is None:
            return None
        why = f": {entry.reason}" if entry.reason else ""
        if entry.kind is DndKind.PERMANENT:
            return Violation("dnd.permanent", f"contact is on permanent do-not-disturb{why}")
        return Violation(
            "dnd.temporary",
            f"contact is on temporary do-not-disturb{why}",
            retry_at=entry.expires_at,
        )

    @staticmethod
    def _consent_violation(state: ConsentState | None, msg: OutboundMessage) -> Violation | None:
        if state is None:
            return Violation(
                "consent.missing", f"no consent on record for {msg.to} with brand {msg.brand!r}"
            )
        record = state.record
        if record is None:
            when = state.revoked_at.isoformat() if state.revoked_at else "earlier"
            return Violation(
                "consent.revoked", f"{msg.to} revoked consent for {msg.brand!r} ({when})"
            )
        if msg.use_case not in record.scopes:
            return Violation(
                "consent.scope",
                f"consent covers {sorted(u.value for u in record.scopes)}, "
                f"not {msg.use_case.value}",
            )
        if msg.use_case is UseCase.MARKETING and not record.express:
            return Violation(
                "consent.not_express",
                "marketing needs express consent (a stand-alone affirmative agreement)",
            )
        return None

    def _quiet(self, msg: OutboundMessage, now: datetime, *, reserve: bool) -> Violation | None:
        return self._quiet_capped(msg, now, reserve=reserve)[0]

    def _quiet_capped(
        self,
        msg: OutboundMessage,
        now: datetime,
        *,
        reserve: bool,
        memo: dict[tuple[object, ...], QuietHoursResult] | None = None,
    ) -> tuple[Violation | None, bool]:
        """(violation or None, whether a frequency cap applies). Without a
        cap, ``QuietHours.reserve`` writes nothing and answers exactly what
        ``check`` answered for the same instant, so only capped sends need
        the reservation after the check."""
        quiet = self.quiet_hours
        if quiet is None:
            return None, False
        if msg.use_case in quiet.exempt_use_cases and _valid_state(msg.state):
            # Exempt (transactional): QuietHours would allow it without any
            # storage access; skip building its context (time zones, packs).
            return None, False
        if memo is not None and not reserve:
            result = quiet.check_shared(
                msg.to, now, use_case=msg.use_case, state=msg.state, memo=memo
            )
        else:
            method = quiet.reserve if reserve else quiet.check
            result = method(msg.to, now, use_case=msg.use_case, state=msg.state)
        capped = result.sent_in_24h is not None
        if result.allowed:
            return None, capped
        return Violation("quiet_hours", result.reason, retry_at=result.next_allowed_at), capped

    def _content(
        self, msg: OutboundMessage, initial: bool
    ) -> tuple[ComposedMessage, Violation | None, tuple[Finding, ...]]:
        """Compose and lint; cached per distinct (brand, body, initial, kind):
        both are pure functions of these and of the engine's fixed settings."""
        key = (msg.brand, msg.body, initial, msg.kind)
        found = self._content_cache.get(key)
        if found is not None:
            return found
        result = self._compose_and_lint(msg, initial)
        if len(msg.body) <= _CONTENT_CACHE_TEXT_LIMIT:
            if len(self._content_cache) >= _CONTENT_CACHE_SIZE:
                self._content_cache.clear()  # bounded: start over rather than grow
            self._content_cache[key] = result
        return result

    def _compose_and_lint(
        self, msg: OutboundMessage, initial: bool
    ) -> tuple[ComposedMessage, Violation | None, tuple[Finding, ...]]:
        composed = self.composer(msg.brand).compose(msg.body, initial=initial, kind=msg.kind)
        findings = self.linter.lint(composed.body, brand=msg.brand, initial=initial)
        blocks = tuple(f for f in findings if f.severity is Severity.BLOCK)
        warnings = tuple(f for f in findings if f.severity is not Severity.BLOCK)
        if not blocks:
            return composed, None, warnings
        text = "; ".join(f"{f.rule}: {f.message}" for f in blocks)
        return composed, Violation("content.blocked", text, findings=blocks), warnings

    def _remember_brand(self, account: str, brand: str) -> None:
        if (account, brand) in self._known_brands:
            return
        if self.storage.put_if_absent(f"engine:brand:{account}:{brand}", "1"):
            self.storage.append(f"engine:brands:{account}", brand)
        if len(self._known_brands) < 100_000:
            self._known_brands.add((account, brand))

    def brands(self, account: str) -> list[str]:
        """Every brand ``account`` has sent as (oldest first)."""
        _check_account(account)
        seen: list[str] = []
        for _, brand in self.storage.read(f"engine:brands:{account}"):
            if brand not in seen:
                seen.append(brand)
        return seen

    # ------------------------------------------------------------ decisions
    def check(self, msg: OutboundMessage) -> Decision:
        """Every rule for ``msg``, with no side effects."""
        return self._decide([msg], commit=False)[0].decisions[0]

    def authorize(self, msg: OutboundMessage) -> Decision:
        """Every rule for ``msg``; when allowed, consume one message of the
        day's quota, count it as sent and mark the conversation."""
        return self._decide([msg], commit=True)[0].decisions[0]

    def authorize_bulk(self, msgs: Iterable[OutboundMessage]) -> BulkResult:
        """Authorize a batch: DND and no-consent contacts are skipped without
        consuming quota, the rest are reserved in one storage operation per
        account and chunk, and the decisions come back in input order."""
        if isinstance(msgs, str | bytes) or not isinstance(msgs, Iterable):
            raise InvalidArgument(
                f"authorize_bulk takes an iterable of OutboundMessage, got {type(msgs).__name__}"
            )
        items = list(msgs) if not isinstance(msgs, list) else msgs
        results = self._decide(items, commit=True)
        decisions = [d for r in results for d in r.decisions]
        return _merge_bulk(decisions, results)

    def _decide(self, msgs: Sequence[OutboundMessage], *, commit: bool) -> list[BulkResult]:
        for i, m in enumerate(msgs):
            if not isinstance(m, OutboundMessage):
                raise InvalidArgument(
                    f"item {i} must be an OutboundMessage, got {type(m).__name__}"
                )
        if not msgs:
            return [_bulk_result([], 0, 0, 0, 0, "")]
        now = self._now()
        decisions: list[Decision | None] = [None] * len(msgs)
        by_account: dict[str, list[int]] = {}
        for i, m in enumerate(msgs):
            by_account.setdefault(m.account, []).append(i)
        counts = {"dnd": 0, "consent": 0, "limit": 0, "other": 0}
        limit_notes: list[str] = []
        sender_cache: dict[str, Violation | None] = {}
        for account, indices in by_account.items():
            status = self.monitor.status(account) if commit else self.monitor.peek(account)
            for start in range(0, len(indices), _BULK_CHUNK):
                chunk = indices[start : start + _BULK_CHUNK]
                note = self._decide_chunk(
                    account,
                    [msgs[i] for i in chunk],
                    chunk,
                    decisions,
                    status,
                    now,
                    commit=commit,
                    counts=counts,
                    sender_cache=sender_cache,
                )
                if note:
                    limit_notes.append(note)
        final = [d for d in decisions if d is not None]
        allowed = sum(1 for d in final if d.allowed)
        return [
            _bulk_result(
                final,
                allowed,
                counts["dnd"],
                counts["consent"],
                counts["limit"],
                "; ".join(limit_notes),
                denied_other=counts["other"],
            )
        ]

    def _decide_chunk(
        self,
        account: str,
        chunk: list[OutboundMessage],
        indices: list[int],
        out: list[Decision | None],
        status: MonitorStatus,
        now: datetime,
        *,
        commit: bool,
        counts: dict[str, int],
        sender_cache: dict[str, Violation | None],
    ) -> str:
        entries = self.dnd.entries(account, [m.to for m in chunk])
        states = self.consent.states([(m.to, m.brand) for m in chunk])
        markers = self.storage.get_many([self._conv_key(m) for m in chunk])
        pending: list[_Pending] = []
        quiet_memo: dict[tuple[object, ...], QuietHoursResult] = {}
        for pos, msg in enumerate(chunk):
            violations: list[Violation] = []
            v = self._sender_violation(msg.sender, sender_cache)
            if v:
                violations.append(v)
            v = self._suspension(status, msg.kind)
            if v:
                violations.append(v)
            dnd_v = self._dnd_violation(entries[pos])
            if dnd_v:
                violations.append(dnd_v)
            consent_v = self._consent_violation(states[pos], msg)
            if consent_v:
                violations.append(consent_v)
            v, capped = self._quiet_capped(msg, now, reserve=False, memo=quiet_memo)
            if v:
                violations.append(v)
            initial = self._is_initial(markers[pos], states[pos], now)
            composed, content_v, warnings = self._content(msg, initial)
            if content_v:
                violations.append(content_v)
            if dnd_v is not None:
                counts["dnd"] += 1
            elif consent_v is not None:
                counts["consent"] += 1
            elif violations:
                counts["other"] += 1
            pending.append(
                _Pending(indices[pos], msg, composed, warnings, initial, violations, pos, capped)
            )

        if commit and self.snowshoe is not None:
            # Observing counts the sender for this text even if a later rule
            # refuses the message: conservative, never under-counting.
            for p in pending:
                if p.violations:
                    continue
                finding = self.snowshoe.observe(p.msg.sender, p.composed.body, scope=account)
                if finding is not None and finding.severity is Severity.BLOCK:
                    p.violations.append(
                        Violation(
                            "content.blocked",
                            f"{finding.rule}: {finding.message}",
                            findings=(finding,),
                        )
                    )
                    counts["other"] += 1
        candidates = [p for p in pending if not p.violations]
        refused = [p for p in pending if p.violations]
        note = ""
        if commit:
            grant = self.ramp.reserve(account, len(candidates)) if candidates else None
        else:
            grant = self.ramp.peek(account, len(candidates)) if candidates else None
        granted = grant.granted if grant is not None else 0
        if grant is not None and grant.denied:
            note = grant.message
        for n, p in enumerate(candidates):
            if n >= granted:
                assert grant is not None
                p.violations.append(
                    Violation("limit.daily", grant.message, retry_at=grant.resets_at)
                )
                counts["limit"] += 1
        if refused:
            # Report every failed rule: say so when the day's quota is used up
            # too (read-only; refused messages never consume quota).
            exhausted = grant if grant is not None and grant.denied else None
            if exhausted is None:
                probe = self.ramp.peek(account, 1)
                exhausted = probe if probe.denied else None
            if exhausted is not None:
                text = (
                    f"daily limit of {exhausted.limit} reached"
                    if exhausted.restricted_until is None
                    else exhausted.message
                )
                for p in refused:
                    p.violations.append(
                        Violation("limit.daily", text, retry_at=exhausted.resets_at)
                    )
        if commit:
            sent = [p for p in candidates if not p.violations]
            if self.quiet_hours is not None:
                for p in sent:
                    if not p.capped:
                        continue  # no cap: nothing to reserve, the check stands
                    v = self._quiet(p.msg, now, reserve=True)
                    if v:
                        p.violations.append(v)
                        self.ramp.release(account, 1)
                        counts["other"] += 1
                sent = [p for p in sent if not p.violations]
            if sent:
                stamp = now.isoformat()
                self.storage.put_many(
                    {self._conv_key(p.msg): _marker(stamp, states[p.pos]) for p in sent},
                    ttl=self._conv_ttl(),
                )
                for p in sent:
                    self._remember_brand(account, p.msg.brand)
                # Counted now, judged by the next decision's status(): sending
                # more can only lower the opt-out rate, except by reaching the
                # minimum volume, which that next status() sees first.
                self.monitor.count_sent(account, len(sent))
        for p in pending:
            retry = max((v.retry_at for v in p.violations if v.retry_at), default=None)
            out[p.index] = Decision(
                allowed=not p.violations,
                body=p.composed.body,
                violations=tuple(p.violations),
                warnings=p.warnings,
                segments=p.composed.segments.segments,
                encoding=p.composed.segments.encoding,
                initial=p.initial,
                retry_at=retry,
            )
        return note

    def _conv_ttl(self) -> float | None:
        if self.conversation_ttl is None:
            return None
        return max(self.conversation_ttl.total_seconds(), 1.0) + _DAY_SECONDS

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
        _check_account(account)
        e164 = normalize_phone(phone)
        if not isinstance(status, str) or status.strip().lower() not in _STATUS_WORDS:
            raise InvalidArgument(
                f"status must be one of Twilio's status words ({', '.join(sorted(_STATUS_WORDS))}),"
                f" got {status!r}"
            )
        word = status.strip().lower()
        code = _parse_code(error_code)
        if message_sid is not None:
            if not isinstance(message_sid, str) or not message_sid.strip():
                raise InvalidArgument("message_sid must be a non-empty str or None")
            stage = "final" if word in _FINAL_OK | _FINAL_ERROR else word
            marker = f"engine:status:{account}:{message_sid.strip()}:{stage}"
            if not self.storage.put_if_absent(marker, word, ttl=7 * _DAY_SECONDS):
                return StatusResult(counted=False, duplicate=True)
        if word in ("sent", "delivered", "read"):
            self.ramp.record_success(account)
        dnd: DndKind | None = None
        level = None
        if word in _FINAL_OK:
            level = self.monitor.record_outcome(account, delivered=True).level
        elif word in _FINAL_ERROR:
            level = self.monitor.record_outcome(account, delivered=False, error_code=code).level
            if code is not None:
                dnd = self.dnd.apply_error_code(account, e164, code)
        else:
            return StatusResult(counted=False)
        return StatusResult(counted=True, dnd=dnd, level=level)

    def handle_inbound(
        self,
        account: str,
        phone: str,
        body: str,
        *,
        brand: str | None = None,
        to: str | None = None,
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
        """
        _check_account(account)
        e164 = normalize_phone(phone)
        if not isinstance(body, str):
            raise InvalidArgument(f"body must be a str, got {type(body).__name__}")
        if brand is not None and (not isinstance(brand, str) or not brand.strip()):
            raise InvalidArgument("brand must be a non-empty str or None")
        toll_free = to is not None and is_toll_free(normalize_phone(to))
        match = (self._tollfree_keywords if toll_free else self.keywords).classify(body)
        brands = (brand,) if brand is not None else tuple(self.brands(account))
        label = brand if brand is not None else (brands[0] if len(brands) == 1 else "")
        confirm_key = f"engine:optout-confirmed:{account}:{e164}"

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
            self.dnd.opt_out(account, e164, keyword=match.keyword or "STOP")
            for b in brands:
                self.consent.revoke(e164, b, reason=f"opt-out keyword {match.keyword}")
            self.monitor.record_opt_out(account)
            reply = None
            send_confirmation = self.opt_out_reply is not None and (
                self.tollfree_confirmation or not toll_free
            )
            if send_confirmation and self.storage.put_if_absent(confirm_key, "1"):
                reply = _fill(self.opt_out_reply, label)
            return answer(reply, honored=True, brands=brands)
        if match.kind is KeywordKind.OPT_IN:
            self.dnd.opt_in(account, e164)
            restored = tuple(b for b in brands if self.consent.reinstate(e164, b))
            self.storage.delete(confirm_key)
            reply = _fill(self.opt_in_reply, label) if self.opt_in_reply is not None else None
            return answer(reply, honored=True, brands=restored)
        if match.kind is KeywordKind.HELP:
            reply = _fill(self.help_reply, label)
            if toll_free and self.dnd.get(account, e164) is DndKind.PERMANENT:
                reply = None
            return answer(reply, honored=match.honor)
        return InboundResult(kind=match.kind, reply=None)

    # ------------------------------------------------------------ send pipeline
    # Used by a2p_policy.messaging.Messenger (issue 15). Appended here only.
    def opt_out(
        self, account: str, phone: str, *, brand: str | None = None, reason: str = ""
    ) -> tuple[str, ...]:
        """Do what an honored STOP does, without an inbound message: set a
        PERMANENT DND, revoke consent for ``brand`` (or, when None, for every
        brand ``account`` has sent as) and count one opt-out in the rate
        monitor. Returns the brands revoked.

        For an opt-out learned another way, e.g. Twilio refusing a send with
        error 21610 ("Attempt to send to unsubscribed recipient": the contact
        replied STOP to the carrier or to Twilio directly). ``reason`` is kept
        in the DND entry and the consent event (default ``"opt-out"``).
        No confirmation text is produced: a 21610 contact has already had one.
        """
        _check_account(account)
        e164 = normalize_phone(phone)
        if brand is not None and (not isinstance(brand, str) or not brand.strip()):
            raise InvalidArgument("brand must be a non-empty str or None")
        if not isinstance(reason, str):
            raise InvalidArgument(f"reason must be a str, got {type(reason).__name__}")
        from a2p_policy.dnd import DndSource

        why = reason.strip() or "opt-out"
        self.dnd.set(account, e164, DndKind.PERMANENT, why, source=DndSource.KEYWORD)
        brands = (brand,) if brand is not None else tuple(self.brands(account))
        for b in brands:
            self.consent.revoke(e164, b, reason=why)
        self.monitor.record_opt_out(account)
        return brands

    def cancel(self, msg: OutboundMessage, decision: Decision) -> None:
        """Undo an allowed :meth:`authorize` whose send was refused
        synchronously (the provider created no message): return the reserved
        message to the day's ramp-up quota and un-count the send in the rate
        monitor. A decision that was not allowed reserved nothing: no-op.

        Call it once per refused send (the :class:`~a2p_policy.messaging.Messenger`
        does, guarded by its idempotency record): each call returns one message.

        The conversation marker: when the decision was ``initial`` the marker
        ``authorize`` wrote is removed, so the next message is initial again
        (with sender identification and opt-out language). When it was not
        initial the conversation already existed and the marker stays, only
        its last-activity time moved to the refused attempt (it matters only
        with ``conversation_ttl``). Not returned (conservative): a state's
        quiet-hours frequency-cap slot and the snowshoe observation.
        """
        if not isinstance(msg, OutboundMessage):
            raise InvalidArgument(f"msg must be an OutboundMessage, got {type(msg).__name__}")
        if not isinstance(decision, Decision):
            raise InvalidArgument(f"decision must be a Decision, got {type(decision).__name__}")
        if not decision.allowed:
            return
        account = msg.account
        # Every allowed decision reserved one message from the ramp.
        self.ramp.release(account, 1)
        # RateMonitor.count_sent takes no negative count; add -1 to the same
        # bucket field it incremented (a bucket that turned over in between
        # gets the -1 instead: that only under-counts sends, which raises the
        # rates, never lowers them).
        monitor = self.monitor
        bucket = monitor.window.current_bucket(self._now())
        monitor.storage.add_counts(
            monitor._key("counts", account, bucket), {"sent": -1}, monitor.window.ttl
        )
        if decision.initial:
            self.storage.delete(self._conv_key(msg))


@attrs.define(slots=True)
class _Pending:
    """One message on its way through the rules of a chunk."""

    index: int
    msg: OutboundMessage
    composed: ComposedMessage
    warnings: tuple[Finding, ...]
    initial: bool
    violations: list[Violation]
    pos: int
    capped: bool = False


def _valid_state(state: object) -> bool:
    """What QuietHours accepts as ``state``: None or a US state code."""
    return state is None or (isinstance(state, str) and state.strip().upper() in US_STATE_CODES)


def _marker(stamp: str, consent: ConsentState | None) -> str:
    return f"{stamp}|{consent.version if consent is not None else -1}"


def _fill(template: str | None, brand: str) -> str | None:
    if template is None:
        return None
    text = template.replace("{brand}", brand).strip()
    return text.removeprefix(": ").strip()


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


def _check_account(account: object) -> str:
    if not isinstance(account, str) or not account.strip():
        raise InvalidArgument(f"account must be a non-empty str, got {account!r}")
    return account


def _bulk_result(
    decisions: list[Decision],
    allowed: int,
    dnd: int,
    consent: int,
    limit: int,
    limit_note: str,
    *,
    denied_other: int = 0,
) -> BulkResult:
    total = len(decisions)
    parts = [f"{total} messages: {allowed} allowed"]
    if dnd:
        parts.append(f"{dnd} skipped (do-not-disturb)")
    if consent:
        parts.append(f"{consent} skipped (no consent)")
    if limit:
        parts.append(f"{limit} denied (daily limit)")
    if denied_other:
        parts.append(f"{denied_other} denied (other rules)")
    summary = ", ".join(parts)
    if limit_note:
        summary += f". {limit_note}"
    return BulkResult(
        decisions=tuple(decisions),
        allowed=allowed,
        skipped_dnd=dnd,
        skipped_consent=consent,
        denied_limit=limit,
        denied_other=denied_other,
        summary=summary,
    )


def _merge_bulk(decisions: list[Decision], results: list[BulkResult]) -> BulkResult:
    r = results[0]
    return (
        r
        if len(results) == 1
        else _bulk_result(
            decisions,
            sum(x.allowed for x in results),
            sum(x.skipped_dnd for x in results),
            sum(x.skipped_consent for x in results),
            sum(x.denied_limit for x in results),
            "",
            denied_other=sum(x.denied_other for x in results),
        )
    )


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
