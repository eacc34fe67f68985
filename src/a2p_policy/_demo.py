"""A simulated first fortnight of a new sending account, end to end.

Why this module exists
    The rules of this library interact: the ramp-up limit decides how many
    messages a day may leave, delivery errors put contacts on do-not-disturb
    and feed the error rate, opt-outs feed the opt-out rate, and a bad error
    rate suspends the account until 00:00 UTC. Reading each component's page
    does not show how they play together; a realistic run does. ``run_demo``
    drives one :class:`~a2p_policy.PolicyEngine` on a SQLite file (the
    embedded durable default) through ``days`` simulated days on a
    :class:`~a2p_policy.ManualClock` and returns a :class:`DemoReport`
    with one :class:`DemoDay` row per day. It is deterministic for a seed.

The scenario (facts from the reference articles; the numbers are ours)
    * A new account (brand "Harbor Fitness", one local 10DLC number) imports
      a list of contacts with first-party consent records: web form, paper
      form or text-in, scopes account notifications and customer care, some
      with express consent to marketing (reference/twilio-consent-opt-in.md,
      "What consent do you need"; marketing without express consent is
      refused by :class:`~a2p_policy.ConsentRecord`). A few contacts
      have no consent record: the engine skips them.
    * Every day the account sends a transactional bulk notification (class
      schedule) through ``authorize_bulk`` in four waves from 16:00 UTC, to
      a rotating slice of the list a little larger than its day's limit, so
      the ramp-up limits (100, 250, 500, 750, 1500, 2250, 3000, then 5000 a
      day) show up as the daily sent counts
      (reference/phone-messaging-policy-rampup-dnd.txt, the day table and
      "capped at 5000 daily").
    * Delivery outcomes come back through ``record_status`` with the error
      codes of the same article's DND section: 30003, 30005 and 30006 put the
      contact on temporary DND, 30004 and 21610 on permanent DND, 30007
      (carrier filtering) and 30008 (unknown) only count as errors.
    * Contacts reply: a few STOP (and synonyms) after each campaign, some of
      them START again days later, a few ask HELP or a question that gets a
      one-on-one CONVERSATION reply.
    * On the bad day (day 9 by default) the account imports a stale list
      segment (a 2019 trade-show sign-up sheet) and texts it first: about a
      third of those numbers are dead, the error rate crosses 12.5 % and the
      rate monitor suspends the account until 00:00 UTC
      ("Error and Opt-out Rate Monitoring"). The remaining waves of that day
      are refused; CONVERSATION replies still go (the article's exempt
      kinds); the next day sending resumes.

Sends happen in the afternoon UTC and are transactional, so US quiet hours
(SPEC 10) never hold them; the numbers are made up (valid North American
numbers in real area codes, random line numbers).
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import attrs

from a2p_policy._clock import ManualClock
from a2p_policy._compose.composer import MessageComposer
from a2p_policy._consent.record import ConsentRecord
from a2p_policy._content.linter import ContentLinter
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import InvalidArgument, InvalidPhoneNumber
from a2p_policy._keywords import KeywordKind
from a2p_policy._limits.monitor import HealthLevel, MonitorStatus
from a2p_policy._messages import Decision, MessageKind, OutboundMessage
from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendResult
from a2p_policy._phone import normalize_phone
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy.storage import Storage

__all__ = [
    "DEFAULT_BAD_DAY",
    "DEFAULT_CONTACTS",
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEMO_COLUMN_NOTES",
    "DEMO_START",
    "DemoDay",
    "DemoReport",
    "DemoShowcase",
    "SuspensionEvent",
    "TraceEvent",
    "demo_showcase",
    "run_demo",
]

#: Monday 2026-03-02 14:00 UTC: the first simulated morning.
DEMO_START: Final = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DEFAULT_DAYS: Final = 14
DEFAULT_SEED: Final = 7
#: Contacts on the account's own list (the stale segment of the bad day
#: comes on top: 15 % of this number).
DEFAULT_CONTACTS: Final = 6000
DEFAULT_BAD_DAY: Final = 9

ACCOUNT: Final = "AC-harbor-fitness"
BRAND: Final = "Harbor Fitness"
SENDER: Final = "+12065550143"

#: The daily transactional notification (no URL: nothing for the linter).
CAMPAIGN_BODY: Final = (
    "Harbor Fitness: your class schedule for the week is ready in the app. Reply STOP to opt out."
)
CONVERSATION_REPLY: Final = "Hi! We are open 6am-10pm every day, pool until 8pm. - Harbor Fitness"
STALE_REPLY: Final = (
    "Harbor Fitness here: you signed up at our 2019 expo booth. Reply STOP and we "
    "will not text again."
)

#: How many of a day's audience go in each of the four waves (fractions).
WAVES: Final[tuple[float, ...]] = (0.25, 0.25, 0.25, 0.25)
#: UTC hour of the first wave; one wave an hour.
FIRST_WAVE_HOUR: Final = 16
#: The campaign targets this many times the day's limit (the planner
#: overshoots, so the limit, not the list, decides the daily count).
AUDIENCE_FACTOR: Final = 1.2

#: Share of the list with no consent record (imported without proof).
NO_CONSENT_SHARE: Final = 0.02
#: Share of consenting contacts who also gave express consent to marketing.
MARKETING_SHARE: Final = 0.4

#: Persistent fates of a number (every send to it fails with this code),
#: as shares of the own list and of the stale segment. Sources for the DND
#: effect of each code: reference/phone-messaging-policy-rampup-dnd.txt.
FATES_LIST: Final[Mapping[int, float]] = {
    30006: 0.010,  # landline: temporary DND
    30005: 0.006,  # number no longer in service: temporary DND
    30004: 0.003,  # the handset blocks the sender: permanent DND
    21610: 0.001,  # replied STOP to another number of the service: permanent DND
}
FATES_STALE: Final[Mapping[int, float]] = {
    30005: 0.14,
    30006: 0.09,
    30003: 0.05,
    30004: 0.03,
    21610: 0.01,
}
#: Per-message chances of a transient failure for a healthy number.
TRANSIENT: Final[Mapping[int, float]] = {
    30003: 0.0025,  # handset off: temporary DND
    30008: 0.0030,  # unknown error: counts as an error, no DND
    30007: 0.0015,  # filtered by the carrier: counts as an error, no DND
}
#: Chance that a recipient of a delivered message replies STOP that evening.
STOP_RATE: Final = 0.0025
STOP_RATE_STALE: Final = 0.03
#: Chance, each morning, that a contact who opted out two or more days ago
#: texts START.
START_RATE: Final = 0.12
#: Opt-out keywords people actually send (all honored: EXACT, or PROBABLE).
STOP_WORDS: Final[tuple[str, ...]] = (
    "STOP",
    "Stop",
    "stop",
    "STOP!",
    "Unsubscribe",
    "cancel",
    "END",
    "quit",
    "Stop please",
    "please stop texting me",
)
START_WORDS: Final[tuple[str, ...]] = ("START", "Start", "UNSTOP", "start")
QUESTIONS: Final[tuple[str, ...]] = (
    "What time does the pool open on Saturday?",
    "Is the 6pm spin class still on?",
    "Can I bring a guest tomorrow?",
    "Do you have parking at the Elm St location?",
)
STALE_QUESTIONS: Final[tuple[str, ...]] = (
    "Who is this?",
    "How did you get my number??",
    "I don't remember signing up for anything",
)

FIRST_NAMES: Final[tuple[str, ...]] = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sophia", "Elijah", "Isabella",
    "Lucas", "Mia", "Levi", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Jack",
    "Camila", "Henry", "Aaliyah", "Daniel", "Priya", "Wei", "Fatima", "Diego", "Chloe",
    "Omar", "Grace", "Hiroshi", "Zoe", "Malik", "Lucia", "Samuel", "Nora", "Andre",
)  # fmt: skip
LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Nguyen", "Patel", "Kim", "Chen", "Okafor", "Cohen", "Rossi", "Murphy",
)  # fmt: skip
#: Real area codes across the US and Canada (several time zones).
AREA_CODES: Final[tuple[str, ...]] = (
    "206", "253", "425", "503", "415", "510", "213", "619", "702", "602", "303", "801",
    "512", "214", "713", "312", "612", "314", "404", "305", "813", "615", "704", "617",
    "212", "718", "215", "412", "202", "410", "907", "808", "416", "604", "514",
)  # fmt: skip

_METHODS: Final[tuple[tuple[OptInMethod, float], ...]] = (
    (OptInMethod.WEB_FORM, 0.55),
    (OptInMethod.PAPER_FORM, 0.30),
    (OptInMethod.VIA_TEXT, 0.15),
)
_BASE_SCOPES: Final = frozenset({UseCase.ACCOUNT_NOTIFICATIONS, UseCase.CUSTOMER_CARE})
_SUSPENDED_CODE: Final = "account.suspended"
_DND_CODES: Final = frozenset({"dnd.permanent", "dnd.temporary"})
_CONSENT_CODES: Final = frozenset(
    {"consent.missing", "consent.revoked", "consent.scope", "consent.not_express"}
)

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------- results
@attrs.frozen(slots=True)
class DemoDay:
    """One simulated day (counts are that day's; rates are the monitor's view
    of the UTC day at its end)."""

    day: int
    date: date
    limit: int
    requested: int
    sent: int
    skipped_dnd: int
    skipped_consent: int
    denied_limit: int
    denied_suspended: int
    denied_other: int
    delivered: int
    failed: int
    errors: int
    error_rate: float
    opt_outs: int
    opt_ins: int
    opt_out_rate: float
    level: HealthLevel
    peak_level: HealthLevel
    dnd_permanent: int
    dnd_temporary: int
    conversation_replies: int
    help_replies: int
    error_codes: Mapping[int, int]
    note: str = ""

    @property
    def dnd_total(self) -> int:
        return self.dnd_permanent + self.dnd_temporary

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "date": self.date.isoformat(),
            "limit": self.limit,
            "requested": self.requested,
            "sent": self.sent,
            "skipped_dnd": self.skipped_dnd,
            "skipped_consent": self.skipped_consent,
            "denied_limit": self.denied_limit,
            "denied_suspended": self.denied_suspended,
            "denied_other": self.denied_other,
            "delivered": self.delivered,
            "failed": self.failed,
            "errors": self.errors,
            "error_rate": round(self.error_rate, 6),
            "opt_outs": self.opt_outs,
            "opt_ins": self.opt_ins,
            "opt_out_rate": round(self.opt_out_rate, 6),
            "level": self.level.name,
            "peak_level": self.peak_level.name,
            "dnd_permanent": self.dnd_permanent,
            "dnd_temporary": self.dnd_temporary,
            "dnd_total": self.dnd_total,
            "conversation_replies": self.conversation_replies,
            "help_replies": self.help_replies,
            "error_codes": {str(k): v for k, v in sorted(self.error_codes.items())},
            "note": self.note,
        }


@attrs.frozen(slots=True)
class SuspensionEvent:
    """A change of the account's health level seen by the monitor."""

    day: int
    at: datetime
    level: HealthLevel
    until: datetime | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "at": self.at.isoformat(),
            "level": self.level.name,
            "until": self.until.isoformat() if self.until else None,
            "reason": self.reason,
        }


@attrs.frozen(slots=True)
class TraceEvent:
    """One thing that happened to one contact (only with ``trace=True``).

    ``event`` is ``"send"`` (a decision; ``allowed`` and ``codes`` set),
    ``"status"`` (``detail`` the status word, ``error_code``), or the kind of
    an inbound message: ``"OPT_OUT"``, ``"OPT_IN"``, ``"HELP"``, ``"NONE"``.
    """

    day: int
    at: datetime
    phone: str
    event: str
    allowed: bool | None = None
    codes: tuple[str, ...] = ()
    kind: str = ""
    detail: str = ""
    error_code: int | None = None


@attrs.frozen(slots=True)
class DemoReport:
    """The whole run: one row per day, the level changes, totals."""

    days: tuple[DemoDay, ...]
    events: tuple[SuspensionEvent, ...]
    storage: str
    seed: int
    contacts: int
    stale_contacts: int
    bad_day: int | None
    account: str
    brand: str
    started_at: datetime
    elapsed: float
    trace: tuple[TraceEvent, ...] = ()

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the days (DND counts are the last day's)."""
        keys = (
            "requested",
            "sent",
            "skipped_dnd",
            "skipped_consent",
            "denied_limit",
            "denied_suspended",
            "denied_other",
            "delivered",
            "failed",
            "errors",
            "opt_outs",
            "opt_ins",
            "conversation_replies",
            "help_replies",
        )
        out = {k: sum(int(getattr(d, k)) for d in self.days) for k in keys}
        last = self.days[-1] if self.days else None
        out["dnd_permanent"] = last.dnd_permanent if last else 0
        out["dnd_temporary"] = last.dnd_temporary if last else 0
        out["suspended_days"] = sum(1 for d in self.days if d.peak_level is HealthLevel.SUSPENDED)
        return out

    def error_codes(self) -> dict[int, int]:
        total: Counter[int] = Counter()
        for d in self.days:
            total.update(d.error_codes)
        return dict(sorted(total.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "brand": self.brand,
            "storage": self.storage,
            "seed": self.seed,
            "contacts": self.contacts,
            "stale_contacts": self.stale_contacts,
            "bad_day": self.bad_day,
            "started_at": self.started_at.isoformat(),
            "elapsed_seconds": round(self.elapsed, 3),
            "days": [d.to_dict() for d in self.days],
            "events": [e.to_dict() for e in self.events],
            "totals": self.totals,
            "error_codes": {str(k): v for k, v in self.error_codes().items()},
        }


# ---------------------------------------------------------------- showcase
#: What each column of the demo's daily table means, and the summary's
#: "failed N (M counted as errors)" wording (printed under the table).
DEMO_COLUMN_NOTES: Final[tuple[str, ...]] = (
    "columns: day, date = simulated day (UTC); limit = that day's ramp-up limit;",
    "  req = messages requested (campaign and replies); sent = allowed and handed on;",
    "  dnd / no-cons = skipped without using quota (do-not-disturb, no consent);",
    "  limit- = denied by the daily limit; susp- = refused while suspended;",
    "  deliv / errors = delivery receipts delivered / failed or undelivered;",
    "  err% = the rate monitor's error rate of the UTC day (errors it counts / outcomes);",
    "  stop / start = opt-out and opt-in replies; stop% = opt-outs / messages sent;",
    "  level = worst monitor level of the day; on DND = numbers on do-not-disturb at its end.",
    "  'failed N (M counted as errors)': N receipts were failed or undelivered; the monitor",
    "  counts M of them in the error rate (21610, sent to a number that had replied STOP,",
    "  is a failure but not a delivery error) on the day it sees them.",
)

#: The demo's showcase: a first message to a new contact and a promotion
#: that the content linter refuses (a public URL shortener, rejection code
#: 30449 of the toll-free review, "High risk - Public URL shortener in sample
#: message" in Twilio's Messaging Compliance API rejection reasons).
SHOWCASE_BODY: Final = "Welcome! Your first class is booked for Monday 7:00 am. See you there."
SHOWCASE_LINT_BODY: Final = (
    "Harbor Fitness: 20% off this week, book at https://bit.ly/hf-offer Reply STOP to opt out"
)


@attrs.frozen(slots=True)
class DemoShowcase:
    """One composed initial message and one content-lint finding."""

    body: str
    composed: str
    appended: tuple[str, ...]
    segments: str
    lint_body: str
    finding_rule: str
    finding_severity: str
    finding_code: int | None
    finding_message: str

    def lines(self) -> list[str]:
        """The showcase as printed by ``a2p-policy demo``."""
        out = ["A first message to a new contact, as composed (sender id and opt-out added):"]
        out += [f"  | {line}" for line in self.composed.splitlines()]
        appended = ", ".join(repr(part) for part in self.appended) or "nothing"
        out.append(f"  appended: {appended}; {self.segments}")
        out.append("A promotion the content linter refuses:")
        out.append(f"  | {self.lint_body}")
        code = f", rejection code {self.finding_code}" if self.finding_code is not None else ""
        out.append(f"  {self.finding_severity} {self.finding_rule}{code}: {self.finding_message}")
        return out


def demo_showcase(brand: str = BRAND) -> DemoShowcase:
    """Compose :data:`SHOWCASE_BODY` as an initial message for ``brand`` and
    lint :data:`SHOWCASE_LINT_BODY`; the first BLOCK finding is shown."""
    composed = MessageComposer(brand).compose(SHOWCASE_BODY, initial=True)
    findings = ContentLinter().lint(SHOWCASE_LINT_BODY, brand=brand, initial=True)
    blocking = [f for f in findings if f.severity.name == "BLOCK"]
    if not blocking:  # pragma: no cover - the body is chosen to be refused
        raise InvalidArgument("the showcase promotion was not refused by the linter")
    finding = blocking[0]
    return DemoShowcase(
        body=SHOWCASE_BODY,
        composed=composed.body,
        appended=tuple(composed.appended),
        segments=str(composed.segments),
        lint_body=SHOWCASE_LINT_BODY,
        finding_rule=finding.rule,
        finding_severity=finding.severity.name,
        finding_code=finding.tfv_code,
        finding_message=finding.message,
    )


# ---------------------------------------------------------------- contacts
@attrs.frozen(slots=True)
class _Contact:
    phone: str
    name: str
    fate: int | None
    stale: bool
    record: ConsentRecord | None


def _pick(rng: random.Random, table: Mapping[int, float]) -> int | None:
    r = rng.random()
    acc = 0.0
    for code, share in table.items():
        acc += share
        if r < acc:
            return code
    return None


def _phone(rng: random.Random, seen: set[str]) -> str:
    while True:
        area = rng.choice(AREA_CODES)
        exchange = rng.randint(201, 999)
        if exchange % 100 == 11 or exchange == 555:
            continue
        raw = f"+1{area}{exchange}{rng.randint(0, 9999):04d}"
        try:
            e164 = normalize_phone(raw)
        except InvalidPhoneNumber:
            continue
        if e164 not in seen and e164 != SENDER:
            seen.add(e164)
            return e164


def _make_contacts(
    rng: random.Random, n: int, *, stale: bool, seen: set[str], now: datetime
) -> list[_Contact]:
    out: list[_Contact] = []
    slug = BRAND.lower().replace(" ", "")
    for _ in range(n):
        phone = _phone(rng, seen)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        fate = _pick(rng, FATES_STALE if stale else FATES_LIST)
        record: ConsentRecord | None = None
        if stale:
            captured = datetime(2019, 4, 13, 15, 0, tzinfo=UTC) + timedelta(
                minutes=rng.randint(0, 600)
            )
            record = ConsentRecord(
                phone=phone,
                brand=BRAND,
                account=ACCOUNT,
                method=OptInMethod.PAPER_FORM,
                captured_at=captured,
                scopes=_BASE_SCOPES,
                express=False,
                name=name,
                details="2019 fitness expo booth sign-up sheet (scanned)",
            )
        elif rng.random() >= NO_CONSENT_SHARE:
            method = _weighted_method(rng)
            marketing = rng.random() < MARKETING_SHARE
            captured = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
            email = f"{first}.{last}{rng.randint(1, 99)}@example.com".lower()
            extra: dict[str, Any] = {}
            if method is OptInMethod.WEB_FORM:
                extra = {
                    "source_url": f"https://www.{slug}.example/join",
                    "ip_address": f"198.51.100.{rng.randint(1, 254)}",
                }
            elif method is OptInMethod.VIA_TEXT:
                extra = {"keyword": "JOIN"}
            else:
                extra = {"details": "front-desk membership form"}
            record = ConsentRecord(
                phone=phone,
                brand=BRAND,
                account=ACCOUNT,
                method=method,
                captured_at=captured,
                scopes=_BASE_SCOPES | ({UseCase.MARKETING} if marketing else set()),
                express=marketing,
                name=name,
                email=email,
                consent_text=(
                    f"I agree to receive account and class texts from {BRAND}"
                    + (" and marketing offers" if marketing else "")
                    + ". Msg & data rates may apply. Msg frequency varies. "
                    "Reply HELP for help, STOP to opt out."
                ),
                **extra,
            )
        out.append(_Contact(phone, name, fate, stale, record))
    return out


def _weighted_method(rng: random.Random) -> OptInMethod:
    r = rng.random()
    acc = 0.0
    for method, share in _METHODS:
        acc += share
        if r < acc:
            return method
    return _METHODS[-1][0]


# ---------------------------------------------------------------- the run
@attrs.define
class _DayCounts:
    requested: int = 0
    sent: int = 0
    skipped_dnd: int = 0
    skipped_consent: int = 0
    denied_limit: int = 0
    denied_suspended: int = 0
    denied_other: int = 0
    delivered: int = 0
    failed: int = 0
    opt_outs: int = 0
    opt_ins: int = 0
    conversation_replies: int = 0
    help_replies: int = 0
    error_codes: Counter[int] = attrs.Factory(Counter)
    recipients: list[str] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)


class _Run:
    def __init__(
        self,
        *,
        engine: PolicyEngine,
        clock: ManualClock,
        rng: random.Random,
        trace: bool,
    ) -> None:
        self.engine = engine
        # The whole loop: decisions, composed bodies sent through a fake
        # transport, Twilio's status callbacks and inbound webhooks back.
        self.transport = InMemoryMessagingTransport(clock=clock)
        self.messenger = Messenger(engine, self.transport, default_account=ACCOUNT)
        self.sids: dict[str, str] = {}
        self.clock = clock
        self.rng = rng
        self.trace_on = trace
        self.trace: list[TraceEvent] = []
        self.day = 0
        self.peak = HealthLevel.HEALTHY
        self.events: list[SuspensionEvent] = []
        self.stopped_on: dict[str, int] = {}
        self.by_phone: dict[str, _Contact] = {}
        engine.monitor.subscribe(self._on_level)

    def _on_level(self, account: str, status: MonitorStatus) -> None:
        if account != ACCOUNT:
            return
        if status.level.rank > self.peak.rank:
            self.peak = status.level
        self.events.append(
            SuspensionEvent(
                self.day, status.checked_at, status.level, status.suspended_until, status.reason
            )
        )

    def note(self, **kw: Any) -> None:
        if self.trace_on:
            self.trace.append(TraceEvent(day=self.day, at=self.clock.now(), **kw))

    # -------------------------------------------------------- sends
    def tally(
        self,
        c: _DayCounts,
        decisions: Sequence[Decision],
        phones: Sequence[str],
        kind: MessageKind = MessageKind.BULK,
    ) -> None:
        for phone, d in zip(phones, decisions, strict=True):
            c.requested += 1
            codes = d.codes
            if d.allowed:
                c.sent += 1
                c.recipients.append(phone)
            elif _DND_CODES.intersection(codes):
                c.skipped_dnd += 1
            elif _CONSENT_CODES.intersection(codes):
                c.skipped_consent += 1
            elif _SUSPENDED_CODE in codes:
                c.denied_suspended += 1
            elif "limit.daily" in codes:
                c.denied_limit += 1
            else:
                c.denied_other += 1
            if self.trace_on:
                self.note(phone=phone, event="send", allowed=d.allowed, codes=codes, kind=kind.name)

    def bulk(self, c: _DayCounts, phones: Sequence[str]) -> list[str]:
        if not phones:
            return []
        msgs = [
            OutboundMessage(ACCOUNT, SENDER, p, CAMPAIGN_BODY, brand=BRAND, kind=MessageKind.BULK)
            for p in phones
        ]
        results = self.messenger.send_bulk(msgs, max_workers=1)  # one worker: deterministic
        self.tally(c, [_decision(r) for r in results], phones)
        sent = [(p, r.sid) for p, r in zip(phones, results, strict=True) if r.sent and r.sid]
        self.sids.update(sent)
        return [p for p, _ in sent]

    def reply(self, c: _DayCounts, phone: str, body: str) -> bool:
        msg = OutboundMessage(
            ACCOUNT,
            SENDER,
            phone,
            body,
            brand=BRAND,
            kind=MessageKind.CONVERSATION,
            use_case=UseCase.CUSTOMER_CARE,
        )
        result = self.messenger.send(msg)
        d = _decision(result)
        self.tally(c, [d], [phone], MessageKind.CONVERSATION)
        if result.sent and result.sid:
            self.sids[phone] = result.sid
            c.conversation_replies += 1
            self.outcomes(c, [phone])
        return d.allowed

    # -------------------------------------------------------- outcomes
    def outcomes(self, c: _DayCounts, phones: Sequence[str]) -> list[str]:
        """Feed one final status per sent message; return the delivered ones."""
        rng = self.rng
        delivered: list[str] = []
        for phone in phones:
            contact = self.by_phone[phone]
            code = contact.fate if contact.fate is not None else _pick(rng, TRANSIENT)
            sid = self.sids[phone]
            if code is None:
                self.messenger.handle_status_callback(self.transport.deliver(sid))
                c.delivered += 1
                delivered.append(phone)
                if self.trace_on:
                    self.note(phone=phone, event="status", detail="delivered")
                continue
            word = "failed" if code == 21610 else "undelivered"
            self.messenger.handle_status_callback(self.transport.fail(sid, code))
            c.failed += 1
            c.error_codes[code] += 1
            if self.trace_on:
                self.note(phone=phone, event="status", detail=word, error_code=code)
        return delivered

    # -------------------------------------------------------- inbound
    def inbound(self, c: _DayCounts, phone: str, body: str) -> None:
        form = self.transport.inbound(from_=phone, to=SENDER, body=body)
        result = self.messenger.handle_inbound_webhook(form, brand=BRAND)
        kind = result.kind
        if self.trace_on:
            self.note(
                phone=phone,
                event=kind.name,
                detail=body,
                allowed=bool(getattr(result, "honored", False)),
            )
        if kind is KeywordKind.OPT_OUT and result.honored:
            c.opt_outs += 1
            self.stopped_on[phone] = self.day
        elif kind is KeywordKind.OPT_IN and result.honored:
            c.opt_ins += 1
            self.stopped_on.pop(phone, None)
        elif kind is KeywordKind.HELP and result.reply:
            c.help_replies += 1


def _decision(result: SendResult) -> Decision:
    if result.decision is None:  # pragma: no cover - every fresh send has one
        raise AssertionError("a send without a decision")
    return result.decision


def _default_db() -> str:
    folder = tempfile.mkdtemp(prefix="a2p-policy-demo-")
    return f"sqlite:///{os.path.join(folder, 'demo.db')}"


def _positive(name: str, value: object, *, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{name} must be an int >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{name} must be at most {maximum}, got {value!r}")
    return value


def run_demo(
    *,
    days: int = DEFAULT_DAYS,
    storage: Storage | str | None = None,
    seed: int = DEFAULT_SEED,
    contacts: int = DEFAULT_CONTACTS,
    bad_day: int | None = DEFAULT_BAD_DAY,
    progress: Progress | None = None,
    trace: bool = False,
) -> DemoReport:
    """Simulate ``days`` days of a new account and return the report.

    ``storage`` is a :class:`~a2p_policy.storage.Storage` or a URI (default:
    a new SQLite file in a fresh temporary directory; pass a fresh store:
    the account starts its ramp on day 1). ``contacts`` is the size of the
    account's own list (at least 50); ``bad_day`` the day the stale segment
    is texted (None: no bad day). ``progress(done, total)`` is called after
    every wave and at the end of every day (``total`` = ``days * 5``).
    ``trace`` keeps every decision, status and inbound message in
    :attr:`DemoReport.trace` (for tests; it costs memory).
    """
    days = _positive("days", days, maximum=366)
    contacts = _positive("contacts", contacts, minimum=50, maximum=200_000)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidArgument(f"seed must be an int, got {seed!r}")
    if bad_day is not None:
        bad_day = _positive("bad_day", bad_day)
    if progress is not None and not callable(progress):
        raise InvalidArgument("progress must be callable or None")
    if storage is None:
        storage = _default_db()
    label = storage if isinstance(storage, str) else type(storage).__name__
    started = time.perf_counter()

    clock = ManualClock(DEMO_START)
    engine = PolicyEngine(storage=storage, clock=clock)
    rng = random.Random(seed)
    run = _Run(engine=engine, clock=clock, rng=rng, trace=trace)
    plan = _plan(run, contacts=contacts, days=days, bad_day=bad_day, progress=progress)
    rows = [_simulate_day(run, plan, day) for day in range(1, days + 1)]
    stale_n = len(plan.stale)

    report = DemoReport(
        days=tuple(rows),
        events=tuple(run.events),
        storage=label,
        seed=seed,
        contacts=contacts,
        stale_contacts=stale_n,
        bad_day=bad_day if stale_n else None,
        account=ACCOUNT,
        brand=BRAND,
        started_at=DEMO_START,
        elapsed=time.perf_counter() - started,
        trace=tuple(run.trace),
    )
    if isinstance(storage, str):  # opened here: closed here (a Storage passed in stays open)
        engine.storage.close()
    return report


@attrs.define(slots=True)
class _Plan:
    """What carries over from one simulated day to the next."""

    own: list[_Contact]
    stale: list[_Contact]
    listed: list[str]
    bad_day: int | None
    total_steps: int
    progress: Progress | None
    pointer: int = 0
    step: int = 0
    yesterday: list[str] = attrs.field(factory=list)

    def tick(self) -> None:
        self.step += 1
        if self.progress is not None:
            self.progress(self.step, self.total_steps)


def _plan(
    run: _Run, *, contacts: int, days: int, bad_day: int | None, progress: Progress | None
) -> _Plan:
    """The account's own list (with consent) and the stale segment."""
    seen: set[str] = set()
    own = _make_contacts(run.rng, contacts, stale=False, seen=seen, now=DEMO_START)
    stale_n = max(1, round(contacts * 0.15)) if bad_day is not None and bad_day <= days else 0
    stale = _make_contacts(run.rng, stale_n, stale=True, seen=seen, now=DEMO_START)
    for contact in (*own, *stale):
        run.by_phone[contact.phone] = contact
    for contact in own:
        if contact.record is not None:
            run.engine.consent.grant(contact.record)
    return _Plan(
        own=own,
        stale=stale,
        listed=[c.phone for c in own],
        bad_day=bad_day,
        total_steps=days * (len(WAVES) + 1),
        progress=progress,
    )


def _simulate_day(run: _Run, plan: _Plan, day: int) -> DemoDay:
    """One day: the stale import (on the bad day), morning inbound, the
    campaign in waves, evening opt-outs, and the day's snapshot."""
    run.day = day
    morning = DEMO_START + timedelta(days=day - 1)
    run.clock.set(morning)
    run.peak = run.engine.monitor.status(ACCOUNT).level
    c = _DayCounts()
    is_bad = day == plan.bad_day and bool(plan.stale)
    if is_bad:  # 14:00 the stale segment is imported on the bad day.
        for contact in plan.stale:
            assert contact.record is not None
            run.engine.consent.grant(contact.record)
        plan.listed.extend(x.phone for x in plan.stale)
        c.notes.append(
            f"imported a stale segment of {len(plan.stale)} contacts (2019 sign-up sheet)"
        )
    _morning_inbound(run, plan, c, morning + timedelta(hours=1))
    limit = _campaign(run, plan, c, morning, is_bad=is_bad)
    run.clock.set(morning + timedelta(hours=6))  # 20:00 opt-outs from today's recipients.
    for phone in c.recipients:
        rate = STOP_RATE_STALE if run.by_phone[phone].stale else STOP_RATE
        if phone not in run.stopped_on and run.rng.random() < rate:
            run.inbound(c, phone, run.rng.choice(STOP_WORDS))
    run.clock.set(morning + timedelta(hours=9))  # 23:00 the day's snapshot.
    row = _snapshot(run, c, day, morning, limit)
    plan.yesterday = c.recipients
    plan.tick()
    return row


def _morning_inbound(run: _Run, plan: _Plan, c: _DayCounts, at: datetime) -> None:
    """15:00: START from earlier opt-outs, HELP and questions (answered)."""
    run.clock.set(at)
    rng = run.rng
    for phone, stopped in sorted(run.stopped_on.items()):
        if stopped <= run.day - 2 and rng.random() < START_RATE:
            run.inbound(c, phone, rng.choice(START_WORDS))
    if plan.yesterday:
        for phone in rng.sample(plan.yesterday, min(len(plan.yesterday), 2)):
            run.inbound(c, phone, "HELP")
        for phone in rng.sample(plan.yesterday, min(len(plan.yesterday), 3)):
            run.clock.advance(timedelta(minutes=3))
            run.inbound(c, phone, rng.choice(QUESTIONS))
            run.reply(c, phone, CONVERSATION_REPLY)


def _campaign(run: _Run, plan: _Plan, c: _DayCounts, morning: datetime, *, is_bad: bool) -> int:
    """16:00-19:00: the campaign in waves, outcomes 20 minutes after each;
    returns the day's limit."""
    limit = run.engine.ramp.limit_for(ACCOUNT)
    size = min(len(plan.listed), math.ceil(limit * AUDIENCE_FACTOR))
    audience: list[str] = []
    pool = plan.listed
    if is_bad:
        audience = [x.phone for x in plan.stale]
        size = max(0, size - len(audience))
        stale_set = set(audience)
        pool = [p for p in plan.listed if p not in stale_set]
    audience.extend(pool[(plan.pointer + i) % len(pool)] for i in range(size))
    plan.pointer = (plan.pointer + size) % max(1, len(pool))
    for n, wave in enumerate(_split(audience, len(plan.stale) if is_bad else None)):
        run.clock.set(morning + timedelta(hours=FIRST_WAVE_HOUR - 14 + n))
        allowed = run.bulk(c, wave)
        run.clock.advance(timedelta(minutes=20))
        delivered = run.outcomes(c, allowed)
        if is_bad and n == 0:
            # The stale numbers answer while the account is suspended:
            # one-on-one replies are exempt and still go.
            run.clock.advance(timedelta(minutes=10))
            for phone in run.rng.sample(delivered, min(len(delivered), 3)):
                run.inbound(c, phone, run.rng.choice(STALE_QUESTIONS))
                run.reply(c, phone, STALE_REPLY)
        plan.tick()
    return limit


def _snapshot(run: _Run, c: _DayCounts, day: int, morning: datetime, limit: int) -> DemoDay:
    """23:00: the day's row of the table."""
    status = run.engine.monitor.status(ACCOUNT)
    entries = run.engine.dnd.entries(ACCOUNT, list(run.by_phone))
    perm = sum(1 for e in entries if e is not None and e.kind is DndKind.PERMANENT)
    temp = sum(1 for e in entries if e is not None and e.kind is DndKind.TEMPORARY)
    for e in run.events:
        if e.day == day and e.level is HealthLevel.SUSPENDED:
            c.notes.append(
                f"SUSPENDED at {e.at:%H:%M} UTC until {e.until:%Y-%m-%d %H:%M} UTC"
                if e.until
                else f"SUSPENDED at {e.at:%H:%M} UTC"
            )
    return DemoDay(
        day=day,
        date=morning.date(),
        limit=limit,
        requested=c.requested,
        sent=c.sent,
        skipped_dnd=c.skipped_dnd,
        skipped_consent=c.skipped_consent,
        denied_limit=c.denied_limit,
        denied_suspended=c.denied_suspended,
        denied_other=c.denied_other,
        delivered=c.delivered,
        failed=c.failed,
        errors=status.errors,
        error_rate=status.error_rate,
        opt_outs=c.opt_outs,
        opt_ins=c.opt_ins,
        opt_out_rate=status.opt_out_rate,
        level=status.level,
        peak_level=run.peak if run.peak.rank >= status.level.rank else status.level,
        dnd_permanent=perm,
        dnd_temporary=temp,
        conversation_replies=c.conversation_replies,
        help_replies=c.help_replies,
        error_codes=dict(sorted(c.error_codes.items())),
        note="; ".join(c.notes),
    )


def _split(audience: list[str], first: int | None) -> list[list[str]]:
    """Cut the audience into ``len(WAVES)`` waves (the first one exactly
    ``first`` long when given: the stale segment)."""
    n = len(WAVES)
    if first is not None:
        head, rest = audience[:first], audience[first:]
        k = n - 1
        step = math.ceil(len(rest) / k) if rest else 0
        return [head] + [rest[i * step : (i + 1) * step] for i in range(k)]
    out: list[list[str]] = []
    start = 0
    for i, share in enumerate(WAVES):
        end = len(audience) if i == n - 1 else start + round(len(audience) * share)
        out.append(audience[start:end])
        start = end
    return out
