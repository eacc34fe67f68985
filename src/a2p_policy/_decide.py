"""How a decision runs: read once, run the rules, then commit.

For each account (and chunk of at most 5,000 messages) of a call:

1. **read**: :func:`read_batch` gathers the monitor's kept level (with the
   conversation markers, in one read), the DND entries and the consent
   states, one storage call each;
2. **rules**: :func:`run_rules` prepares each message (initial or follow-up,
   composed body, lint) and runs :data:`a2p_policy._rules.RULES` over it;
3. **batch steps**: the snowshoe check (committing calls only), then the
   daily limit (:func:`apply_limit`): one reservation for every message that
   passed, in input order;
4. **commit** (:func:`commit`): state-pack frequency caps, conversation
   markers, the account's brands and the monitor's sent count.

``check`` runs 1-3 read-only (``peek`` instead of ``reserve``); ``authorize``
and ``authorize_bulk`` run all four. A single message (``check``,
``authorize``) goes straight through :func:`decide_one`: the same steps on a
chunk of one, without the bulk bookkeeping (grouping by account, counts and
summary of :func:`bulk_result`), so both paths decide alike by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from a2p_policy._consent.ledger import ConsentView
from a2p_policy._errors import InvalidArgument, StorageError
from a2p_policy._findings import Severity
from a2p_policy._limits.ramp import Grant, RampMode
from a2p_policy._messages import BulkResult, Decision, OutboundMessage, Violation
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy._rules import RULES, Batch, Candidate, quiet_hours_check, suspension_rule
from a2p_policy.storage import make_key
from a2p_policy.storage.base import CommitPlan, Committed, Reservation

if TYPE_CHECKING:
    from a2p_policy._engine import PolicyEngine

__all__ = [
    "BULK_CHUNK",
    "bulk_result",
    "conversation_key",
    "decide",
    "decide_one",
    "refusal_kind",
]

#: Most messages of one account decided with one set of storage reads.
BULK_CHUNK: Final = 5_000
_DAY_SECONDS: Final = 86_400.0
_FIRST: Final = (0,)


def conversation_key(msg: OutboundMessage) -> str:
    """The marker of the last message from ``msg.sender`` to ``msg.to``."""
    return make_key("engine", "conv", msg.account, msg.sender, msg.to)


# ---------------------------------------------------------------- the call
def decide_one(engine: PolicyEngine, msg: OutboundMessage, *, commit: bool) -> Decision:
    """Decide one message: the same steps as :func:`decide`, without the
    bulk bookkeeping (no grouping by account, no summary)."""
    if not isinstance(msg, OutboundMessage):
        raise InvalidArgument(f"msg must be an OutboundMessage, got {type(msg).__name__}")
    batch = read_batch(engine, msg.account, [msg], engine.now(), commit=commit, sender_cache={})
    candidates, _ = decide_chunk(engine, batch, [msg], _FIRST)
    return decision_of(candidates[0])


def decide(engine: PolicyEngine, msgs: Sequence[OutboundMessage], *, commit: bool) -> BulkResult:
    """Decide ``msgs`` (in input order), committing when ``commit``."""
    for i, m in enumerate(msgs):
        if not isinstance(m, OutboundMessage):
            raise InvalidArgument(f"item {i} must be an OutboundMessage, got {type(m).__name__}")
    if not msgs:
        return bulk_result([], "")
    now = engine.now()
    out: list[Decision | None] = [None] * len(msgs)
    by_account: dict[str, list[int]] = {}
    for i, m in enumerate(msgs):
        by_account.setdefault(m.account, []).append(i)
    notes: list[str] = []
    sender_cache: dict[str, Violation | None] = {}
    for account, indices in by_account.items():
        for start in range(0, len(indices), BULK_CHUNK):
            chunk = indices[start : start + BULK_CHUNK]
            part = [msgs[i] for i in chunk]
            batch = read_batch(engine, account, part, now, commit=commit, sender_cache=sender_cache)
            candidates, note = decide_chunk(engine, batch, part, chunk)
            for c in candidates:
                out[c.index] = decision_of(c)
            if note:
                notes.append(note)
    return bulk_result([d for d in out if d is not None], "; ".join(notes))


def read_batch(
    engine: PolicyEngine,
    account: str,
    chunk: list[OutboundMessage],
    now: datetime,
    *,
    commit: bool,
    sender_cache: dict[str, Violation | None],
) -> Batch:
    """Step 1: everything the rules read, in one
    :meth:`~a2p_policy.storage.base.Storage.snapshot`: the monitor's kept
    level, the conversation markers, the ramp start, override and day
    counter (calendar mode), and the DND and consent logs."""
    monitor, ramp = engine.monitor, engine.ramp
    kept_key = monitor.kept_key(account)
    marker_keys = [conversation_key(m) for m in chunk]
    values = [kept_key, *marker_keys]
    counters: list[str] = []
    calendar = ramp.schedule.mode is RampMode.CALENDAR
    if calendar:
        values.extend(ramp.calendar_keys(account))
        counters.append(ramp.counter_key(account, now))
    logs = engine.dnd.log_keys(account, [m.to for m in chunk])
    logs.extend(engine.consent.log_keys([(m.to, m.brand) for m in chunk], account=account))
    snap = engine.storage.snapshot(values, logs, counters)
    if len(snap.values) != len(values) or len(snap.logs) != len(logs):
        raise StorageError("storage answered snapshot with the wrong number of entries")
    n = len(chunk)
    guards = [(kept_key, snap.values[0])]
    if calendar:
        guards.append((values[-2], snap.values[-2]))
        guards.append((values[-1], snap.values[-1]))
    return Batch(
        account=account,
        now=now,
        commit=commit,
        status=monitor.current_from(account, snap.values[0], commit=commit, now=now),
        entries=engine.dnd.entries_from(snap.logs[:n], now),
        states=engine.consent.views_from(snap.logs[n:]),
        markers=snap.values[1 : n + 1],
        marker_keys=marker_keys,
        sender_cache=sender_cache,
        guards=guards,
        used=snap.counters[0] if counters else 0,
    )


def decide_chunk(
    engine: PolicyEngine, batch: Batch, chunk: list[OutboundMessage], indices: Sequence[int]
) -> tuple[list[Candidate], str]:
    """Steps 2-4 for one chunk: the candidates (in chunk order) and the
    limit note (or "")."""
    candidates = run_rules(engine, batch, chunk, indices)
    if not batch.commit:
        return candidates, dry_limit(engine, batch, candidates)
    check_snowshoe(engine, batch, candidates)
    reserve_caps(engine, batch, candidates)
    if engine.ramp.schedule.mode is RampMode.CALENDAR:
        return candidates, settle(engine, batch, candidates)
    return candidates, settle_levels(engine, batch, candidates)


# ---------------------------------------------------------------- rules
def run_rules(
    engine: PolicyEngine,
    batch: Batch,
    chunk: list[OutboundMessage],
    indices: Sequence[int],
) -> list[Candidate]:
    """Step 2: every rule of :data:`~a2p_policy._rules.RULES` on every message."""
    candidates: list[Candidate] = []
    for pos, msg in enumerate(chunk):
        initial = engine.is_initial(batch.markers[pos], batch.states[pos], batch.now)
        composed, content, warnings = engine.content_for(msg, initial)
        c = Candidate(indices[pos], pos, msg, initial, composed, content, warnings)
        for rule in RULES:
            violation = rule(engine, batch, c)
            if violation is not None:
                c.violations.append(violation)
        candidates.append(c)
    return candidates


def check_snowshoe(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> None:
    """Step 3a (committing calls): the same text from too many senders.
    Observing counts the sender even if a later step refuses the message:
    conservative, never under-counting."""
    detector = engine.snowshoe
    if detector is None:
        return
    for c in candidates:
        if c.violations:
            continue
        finding = detector.observe(c.msg.sender, c.composed.body, scope=batch.account)
        if finding is not None and finding.severity is Severity.BLOCK:
            c.violations.append(
                Violation(
                    "content.blocked", f"{finding.rule}: {finding.message}", findings=(finding,)
                )
            )


def dry_limit(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> str:
    """Step 3 of a dry run (``check``): what the daily limit would answer,
    from the counter read in step 1 (calendar mode) or a peek."""
    ramped = [c for c in candidates if not c.violations and engine.ramped(c.msg)]
    if engine.ramp.schedule.mode is RampMode.CALENDAR:
        grant = _calendar_grant(engine, batch, len(ramped), None)
    else:
        grant = _level_peek(engine, batch, len(ramped))
    return apply_grant(engine, candidates, ramped, grant)


def _level_peek(engine: PolicyEngine, batch: Batch, count: int) -> Grant:
    if count:
        return engine.ramp.peek(batch.account, count)
    probe = engine.ramp.peek(batch.account, 1)
    before = probe.used - probe.granted
    return Grant(0, 0, probe.limit, before, probe.resets_at, probe.level, probe.restricted_until)


def _calendar_grant(
    engine: PolicyEngine, batch: Batch, count: int, done: Committed | None
) -> Grant:
    """The calendar-mode grant of ``count`` messages: committed (``done``)
    or, without a commit, judged on the counter read in step 1."""
    ramp = engine.ramp
    start_raw, override_raw = batch.guards[1][1], batch.guards[2][1]
    limit, day, resets_at = ramp.calendar_limit(batch.now, start_raw, override_raw)
    if done is not None and done.applied and count:
        granted, used = done.granted, done.used
    else:
        granted = min(count, max(0, limit - batch.used))
        used = batch.used + granted
    return ramp.calendar_grant(granted, count, limit, used, day, resets_at)


def apply_grant(
    engine: PolicyEngine, candidates: list[Candidate], ramped: list[Candidate], grant: Grant
) -> str:
    """Refuse the ramped messages past the grant (``limit.daily``), in input
    order; refused messages hear when the day's quota is used up too (they
    never consume quota). Returns the limit note (or "")."""
    for c in ramped[grant.granted :]:
        c.violations.append(Violation("limit.daily", grant.message, retry_at=grant.resets_at))
    if grant.used >= grant.limit or grant.restricted_until is not None:
        text = (
            f"daily limit of {grant.limit} reached"
            if grant.restricted_until is None
            else grant.message
        )
        asked = {id(c) for c in ramped}
        for c in candidates:
            if c.violations and id(c) not in asked and engine.ramped(c.msg):
                c.violations.append(Violation("limit.daily", text, retry_at=grant.resets_at))
    return grant.message if grant.denied else ""


def reserve_caps(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> None:
    """Step 3b (committing calls): a state's frequency cap, reserved for
    every capped message that passed the rules, before the daily limit: a
    message the daily limit then refuses keeps its cap slot (conservative:
    the cap can only under-send)."""
    if engine.quiet_hours is None:
        return
    for c in candidates:
        if c.capped and not c.violations:
            violation = quiet_hours_check(engine, c.msg, batch.now, reserve=True)[0]
            if violation is not None:
                c.violations.append(violation)


# ---------------------------------------------------------------- commit
def settle(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> str:
    """Step 4 (calendar mode): one :meth:`~a2p_policy.storage.base.Storage.commit`
    reserves the day's quota for the messages that passed, marks the
    conversations of those granted and counts them as sent, guarded by the
    kept level, ramp start and override read in step 1. If another writer
    changed one of those, nothing was written: the decision takes the new
    values (a new suspension refuses what it must) and commits again."""
    if all(c.violations for c in candidates):
        return apply_grant(engine, candidates, [], _calendar_grant(engine, batch, 0, None))

    def step() -> tuple[Committed, list[Candidate]] | _Conflict:
        sent = [c for c in candidates if not c.violations]
        plan, ramped = _plan(engine, batch, sent)
        done = engine.storage.commit(plan)
        if done.applied:
            return done, ramped
        _refresh(engine, batch, candidates, done.current)
        return CONFLICT

    done, ramped = until_settled(step, what=f"decision state of account {batch.account!r}")
    engine.ramp.remember(batch.account, batch.guards[1][1], batch.guards[2][1])
    grant = _calendar_grant(engine, batch, len(ramped), done)
    note = apply_grant(engine, candidates, ramped, grant)
    _after_commit(engine, batch, candidates, done)
    return note


def _plan(
    engine: PolicyEngine, batch: Batch, sent: list[Candidate], *, reserve: bool = True
) -> tuple[CommitPlan, list[Candidate]]:
    """The commit of ``sent``: the reservation of its ramped messages (their
    markers ranked in input order) and the sent count."""
    stamp = batch.now.isoformat()
    puts: list[tuple[str, str, int]] = []
    ramped: list[Candidate] = []
    for c in sent:
        rank = -1
        if reserve and engine.ramped(c.msg):
            rank = len(ramped)
            ramped.append(c)
        puts.append((batch.marker_keys[c.pos], _marker(stamp, batch.states[c.pos]), rank))
    reservation = None
    if ramped:
        start_raw, override_raw = batch.guards[1][1], batch.guards[2][1]
        limit = engine.ramp.calendar_limit(batch.now, start_raw, override_raw)[0]
        counter = engine.ramp.counter_key(batch.account, batch.now)
        reservation = Reservation(counter, len(ramped), limit, engine.ramp.counter_ttl)
    monitor = engine.monitor
    counts = [(monitor.counts_key(batch.account, batch.now), "sent", len(sent) - len(ramped), 1)]
    plan = CommitPlan(
        guards=batch.guards,
        reserve=reservation,
        puts=puts,
        put_ttl=_conversation_ttl(engine),
        counts=counts,
        count_ttl=monitor.ttl,
    )
    return plan, ramped


def _refresh(
    engine: PolicyEngine, batch: Batch, candidates: list[Candidate], current: list[str | None]
) -> None:
    """A guard changed under the decision: take the values found."""
    kept_changed = current[0] != batch.guards[0][1]
    batch.guards = [(key, value) for (key, _), value in zip(batch.guards, current, strict=True)]
    if kept_changed:
        batch.status = engine.monitor.current_from(
            batch.account, current[0], commit=True, now=batch.now
        )
        for c in candidates:
            if not c.violations:
                violation = suspension_rule(engine, batch, c)
                if violation is not None:
                    c.violations.append(violation)


def _after_commit(
    engine: PolicyEngine, batch: Batch, candidates: list[Candidate], done: Committed
) -> None:
    """Remember the brands sent as, and keep the monitor's level if the
    counts crossed a boundary."""
    sent = [c for c in candidates if not c.violations]
    for c in sent:
        engine.remember_brand(batch.account, c.msg.brand)
    if done.counts and sent:
        engine.monitor.counted(batch.account, done.counts[0], known=batch.status, now=batch.now)


def settle_levels(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> str:
    """Step 4 (level-unlock mode): the level's reservation is its own
    compare-and-set step (:meth:`~a2p_policy.RampUpLimiter.reserve`),
    then one commit marks and counts what was granted."""
    ramped = [c for c in candidates if not c.violations and engine.ramped(c.msg)]
    if ramped:
        grant = engine.ramp.reserve(batch.account, len(ramped))
    else:
        grant = _level_peek(engine, batch, 0)
    note = apply_grant(engine, candidates, ramped, grant)
    sent = [c for c in candidates if not c.violations]
    if sent:
        plan = _plan(engine, batch, sent, reserve=False)[0]
        done = engine.storage.commit(plan._replace(guards=()))
        _after_commit(engine, batch, candidates, done)
    return note


def decision_of(c: Candidate) -> Decision:
    retry = max((v.retry_at for v in c.violations if v.retry_at), default=None)
    return Decision(
        allowed=not c.violations,
        body=c.composed.body,
        violations=tuple(c.violations),
        warnings=c.warnings,
        segments=c.composed.segments.segments,
        encoding=c.composed.segments.encoding,
        initial=c.initial,
        retry_at=retry,
    )


def _marker(stamp: str, consent: ConsentView | None) -> str:
    return f"{stamp}|{consent.version if consent is not None else -1}"


def _conversation_ttl(engine: PolicyEngine) -> float | None:
    ttl = engine.conversation_ttl
    if ttl is None:
        return None
    return max(ttl.total_seconds(), 1.0) + _DAY_SECONDS


# ---------------------------------------------------------------- results
def refusal_kind(decision: Decision) -> str:
    """Why a decision counts as refused in a bulk summary: ``"dnd"``,
    ``"consent"``, ``"other"`` (any other rule, snowshoe, a state's cap),
    ``"limit"`` (only the daily limit) or ``""`` (allowed). A message refused
    by a rule also hears about an exhausted quota; it counts for the rule."""
    if decision.allowed:
        return ""
    codes = [v.code for v in decision.violations]
    if any(code.startswith("dnd.") for code in codes):
        return "dnd"
    if any(code.startswith("consent.") for code in codes):
        return "consent"
    if any(code != "limit.daily" for code in codes):
        return "other"
    return "limit"


def bulk_result(decisions: list[Decision], limit_note: str) -> BulkResult:
    """The decisions with their counts and a one-line summary."""
    counts = dict.fromkeys(("", "dnd", "consent", "limit", "other"), 0)
    for d in decisions:
        counts[refusal_kind(d)] += 1
    allowed = counts[""]
    parts = [f"{len(decisions)} messages: {allowed} allowed"]
    for kind, words in (
        ("dnd", "skipped (do-not-disturb)"),
        ("consent", "skipped (no consent)"),
        ("limit", "denied (daily limit)"),
        ("other", "denied (other rules)"),
    ):
        if counts[kind]:
            parts.append(f"{counts[kind]} {words}")
    summary = ", ".join(parts)
    if limit_note:
        summary += f". {limit_note}"
    return BulkResult(
        decisions=tuple(decisions),
        allowed=allowed,
        skipped_dnd=counts["dnd"],
        skipped_consent=counts["consent"],
        denied_limit=counts["limit"],
        denied_other=counts["other"],
        summary=summary,
    )
