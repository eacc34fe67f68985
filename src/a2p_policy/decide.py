"""How a decision runs: read once, run the rules, then commit.

For each account (and chunk of at most 5,000 messages) of a call:

1. **read**: :func:`read_batch` gathers the monitor's kept level (with the
   conversation markers, in one read), the DND entries and the consent
   states, one storage call each;
2. **rules**: :func:`run_rules` prepares each message (initial or follow-up,
   composed body, lint) and runs :data:`a2p_policy.rules.RULES` over it;
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

from a2p_policy.consent import ConsentState
from a2p_policy.errors import InvalidArgument
from a2p_policy.findings import Severity
from a2p_policy.limits import Grant
from a2p_policy.messages import BulkResult, Decision, OutboundMessage, Violation
from a2p_policy.rules import RULES, Batch, Candidate, quiet_hours_check
from a2p_policy.storage import make_key

if TYPE_CHECKING:
    from a2p_policy.engine import PolicyEngine

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
    """Step 1: everything the rules read, one storage call per kind; the
    monitor's kept level comes in the same read as the conversation markers
    (:meth:`~a2p_policy.limits.RateMonitor.current_from`)."""
    monitor = engine.monitor
    raw = engine.storage.get_many(
        [monitor.kept_key(account), *(conversation_key(m) for m in chunk)]
    )
    status = monitor.current_from(account, raw[0], commit=commit, now=now)
    del raw[0]
    return Batch(
        account=account,
        now=now,
        commit=commit,
        status=status,
        entries=engine.dnd.entries(account, [m.to for m in chunk]),
        states=engine.consent.states([(m.to, m.brand) for m in chunk], account=account),
        markers=raw,
        sender_cache=sender_cache,
    )


def decide_chunk(
    engine: PolicyEngine, batch: Batch, chunk: list[OutboundMessage], indices: Sequence[int]
) -> tuple[list[Candidate], str]:
    """Steps 2-4 for one chunk: the candidates (in chunk order) and the
    limit note (or "")."""
    candidates = run_rules(engine, batch, chunk, indices)
    if batch.commit:
        check_snowshoe(engine, batch, candidates)
    note = apply_limit(engine, batch, candidates)
    if batch.commit:
        commit(engine, batch, candidates)
    return candidates, note


# ---------------------------------------------------------------- rules
def run_rules(
    engine: PolicyEngine,
    batch: Batch,
    chunk: list[OutboundMessage],
    indices: Sequence[int],
) -> list[Candidate]:
    """Step 2: every rule of :data:`~a2p_policy.rules.RULES` on every message."""
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


def apply_limit(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> str:
    """Step 3b: one reservation (or peek) for every message that passed, in
    input order; refused messages hear when the day's quota is used up too
    (read-only: they never consume quota). The ramp-up counts long-code and
    toll-free sends, and short-code sends only when configured."""
    passed = [c for c in candidates if not c.violations and engine.ramped(c.msg)]
    refused = [c for c in candidates if c.violations and engine.ramped(c.msg)]
    grant: Grant | None = None
    if passed:
        method = engine.ramp.reserve if batch.commit else engine.ramp.peek
        grant = method(batch.account, len(passed))
    note = grant.message if grant is not None and grant.denied else ""
    for n, c in enumerate(passed):
        if grant is not None and n >= grant.granted:
            c.violations.append(Violation("limit.daily", grant.message, retry_at=grant.resets_at))
    if refused:
        exhausted = grant if grant is not None and grant.denied else None
        if exhausted is None:
            probe = engine.ramp.peek(batch.account, 1)
            exhausted = probe if probe.denied else None
        if exhausted is not None:
            text = (
                f"daily limit of {exhausted.limit} reached"
                if exhausted.restricted_until is None
                else exhausted.message
            )
            for c in refused:
                c.violations.append(Violation("limit.daily", text, retry_at=exhausted.resets_at))
    return note


# ---------------------------------------------------------------- commit
def commit(engine: PolicyEngine, batch: Batch, candidates: list[Candidate]) -> None:
    """Step 4: reserve state-pack caps, then mark, remember and count what
    is sent."""
    sent = [c for c in candidates if not c.violations]
    if engine.quiet_hours is not None:
        for c in sent:
            if not c.capped:
                continue  # no cap: nothing to reserve, the check stands
            violation = quiet_hours_check(engine, c.msg, batch.now, reserve=True)[0]
            if violation is not None:
                c.violations.append(violation)
                if engine.ramped(c.msg):
                    engine.ramp.release(batch.account, 1)
        sent = [c for c in sent if not c.violations]
    if not sent:
        return
    stamp = batch.now.isoformat()
    engine.storage.put_many(
        {conversation_key(c.msg): _marker(stamp, batch.states[c.pos]) for c in sent},
        ttl=_conversation_ttl(engine),
    )
    for c in sent:
        engine.remember_brand(batch.account, c.msg.brand)
    # Counted, and the kept level moved only if the counts crossed a
    # boundary (see RateMonitor.count_sent).
    engine.monitor.count_sent(batch.account, len(sent), known=batch.status)


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


def _marker(stamp: str, consent: ConsentState | None) -> str:
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
