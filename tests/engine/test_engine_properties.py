"""Invariants of the PolicyEngine under any sequence of operations.

For any sequence of consent grants, single and bulk authorizations, inbound
STOP/START/YES/HELP (on local and toll-free numbers), status callbacks and
clock moves:

* an opted-out contact is never allowed until it opts in again (SPEC 2, 8);
* the messages allowed per account per day never exceed the ramp limit
  (SPEC 6);
* check() never changes what a following authorize() decides (API.md:
  check has no side effects), and agrees with it on ``allowed``;
* bulk decisions come back in input order, and ``allowed`` iff no
  violations.

Two engines on two stores run the same operations; one of them also calls
check() before every authorization, and their answers must be equal.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.engine._support import DAYTIME, SENDER, TOLL_FREE, grant, phone

from a2p_policy._clock import ManualClock
from a2p_policy._engine import PolicyEngine
from a2p_policy._limits.ramp import RampSchedule
from a2p_policy._messages import Decision, MessageKind, OutboundMessage
from a2p_policy._settings import LimitsSettings
from a2p_policy._usecases import UseCase
from a2p_policy.storage.memory import MemoryStorage

ACCOUNTS = ("acct-a", "acct-b")
BRANDS = ("Acme", "Beta")
CONTACTS = tuple(phone(n) for n in range(2))
SCHEDULE = RampSchedule(daily_limits=(3, 5), steady_limit=6)

#: Inbound bodies and what they do to the opted-out state:
#: "out" (honored opt-out), "in" (opt-in everywhere), "in-local" (opt-in on a
#: local number only: YES on toll-free does not re-subscribe), None (nothing).
INBOUND: dict[str, str | None] = {
    "STOP": "out",
    " Stop. ": "out",
    "Stop. Thank you": "out",
    "please stop texting me": "out",
    "START": "in",
    "unstop": "in",
    "YES": "in-local",
    "HELP": None,
    "I'll stop by at 5": None,
    "STOP this bill": None,
    "see you soon": None,
}

account_st = st.sampled_from(ACCOUNTS)
contact_st = st.integers(0, len(CONTACTS) - 1)
brand_st = st.sampled_from(BRANDS)
use_case_st = st.sampled_from([UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING])
kind_st = st.sampled_from([MessageKind.BULK, MessageKind.CONVERSATION])
shortener_st = st.sampled_from([False, False, False, True])
message_st = st.tuples(account_st, contact_st, brand_st, use_case_st, kind_st, shortener_st)

authorize_st = st.tuples(st.just("authorize"), message_st)
op_st = st.one_of(
    st.tuples(st.just("grant"), contact_st, brand_st, st.booleans()),
    authorize_st,
    authorize_st,
    authorize_st,
    st.tuples(st.just("bulk"), st.lists(message_st, max_size=8)),
    st.tuples(
        st.just("inbound"),
        account_st,
        contact_st,
        st.sampled_from(sorted(INBOUND)),
        st.one_of(st.none(), brand_st),
        st.booleans(),
    ),
    st.tuples(
        st.just("status"),
        account_st,
        contact_st,
        st.sampled_from(["sent", "delivered", "undelivered", "failed", "queued"]),
        st.sampled_from([None, 30003, 30004, 30008, 21610]),
    ),
    st.tuples(st.just("advance"), st.integers(1, 12 * 60)),
)


def build(fields: tuple[Any, ...], tag: str) -> OutboundMessage:
    account, contact, brand, use_case, kind, shortener = fields
    body = f"[{tag}] Your update" + (" https://bit.ly/x" if shortener else "")
    return OutboundMessage(
        account, SENDER, CONTACTS[contact], body, brand=brand, kind=kind, use_case=use_case
    )


class Run:
    """Two engines (plain and checked-first) and the model of opt-outs."""

    def __init__(self) -> None:
        self.clock = ManualClock(DAYTIME)
        self.plain = PolicyEngine(
            storage=MemoryStorage(), clock=self.clock, limits=LimitsSettings(schedule=SCHEDULE)
        )
        self.checked = PolicyEngine(
            storage=MemoryStorage(), clock=self.clock, limits=LimitsSettings(schedule=SCHEDULE)
        )
        self.opted_out: set[tuple[str, str]] = set()
        self.allowed_per_day: Counter[tuple[str, str]] = Counter()
        self.tag = 0
        for contact in CONTACTS:  # most contacts start with consent, with every account
            for brand in BRANDS[:1]:
                for e in self.engines():
                    for account in ACCOUNTS:
                        grant(
                            e,
                            contact,
                            brand=brand,
                            scopes=(UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING),
                            express=True,
                            account=account,
                        )

    def engines(self) -> tuple[PolicyEngine, PolicyEngine]:
        return self.plain, self.checked

    def next_tag(self) -> str:
        self.tag += 1
        return str(self.tag)

    def verify(self, decisions: list[Decision], msgs: list[OutboundMessage]) -> None:
        day = self.clock.now().date().isoformat()
        for m, d in zip(msgs, decisions, strict=True):
            assert d.allowed is (d.violations == ()), d
            assert d.body.startswith(m.body), (m.body, d.body)
            if d.allowed:
                assert (m.account, m.to) not in self.opted_out, (m, d)
                self.allowed_per_day[(m.account, day)] += 1
        for account in ACCOUNTS:
            limit = self.plain.ramp.limit_for(account)
            assert self.allowed_per_day[(account, day)] <= limit, (account, day, limit)
            assert self.plain.ramp.remaining(account) == self.checked.ramp.remaining(account)

    def apply(self, op: tuple[Any, ...]) -> None:
        name = op[0]
        if name == "grant":
            _, contact, brand, marketing = op
            scopes = (
                (UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING)
                if marketing
                else (UseCase.ACCOUNT_NOTIFICATIONS,)
            )
            for e in self.engines():
                for account in ACCOUNTS:
                    grant(
                        e,
                        CONTACTS[contact],
                        brand=brand,
                        scopes=scopes,
                        express=marketing,
                        account=account,
                    )
        elif name == "authorize":
            m = build(op[1], self.next_tag())
            checked_first = self.checked.check(m)
            a = self.plain.authorize(m)
            b = self.checked.authorize(m)
            assert a == b, (a, b)
            assert checked_first.allowed is b.allowed, (checked_first, b)
            assert checked_first.body == b.body
            self.verify([a], [m])
        elif name == "bulk":
            msgs = [build(f, self.next_tag()) for f in op[1]]
            for m in msgs:
                self.checked.check(m)
            ra = self.plain.authorize_bulk(msgs)
            rb = self.checked.authorize_bulk(msgs)
            assert ra == rb
            assert len(ra.decisions) == len(msgs)
            assert ra.allowed == sum(d.allowed for d in ra.decisions)
            self.verify(list(ra.decisions), msgs)
        elif name == "inbound":
            _, account, contact, body, brand, toll_free = op
            to = TOLL_FREE if toll_free else SENDER
            results = [
                e.handle_inbound(account, CONTACTS[contact], body, brand=brand, to=to)
                for e in self.engines()
            ]
            assert results[0] == results[1]
            effect = INBOUND[body]
            key = (account, CONTACTS[contact])
            if effect == "out":
                assert results[0].honored
                self.opted_out.add(key)
            elif effect == "in" or (effect == "in-local" and not toll_free):
                assert results[0].honored
                self.opted_out.discard(key)
        elif name == "status":
            _, account, contact, word, code = op
            statuses = [
                e.record_status(account, CONTACTS[contact], word, error_code=code)
                for e in self.engines()
            ]
            assert statuses[0] == statuses[1]
        elif name == "advance":
            self.clock.advance(timedelta(minutes=op[1]))
        else:  # pragma: no cover
            raise AssertionError(name)


@settings(max_examples=60)
@given(st.lists(op_st, max_size=30))
def test_engine_invariants(ops: list[tuple[Any, ...]]) -> None:
    run = Run()
    for op in ops:
        run.apply(op)


@settings(max_examples=40)
@given(st.lists(st.tuples(contact_st, brand_st, st.booleans()), max_size=40), st.integers(1, 8))
def test_bulk_never_exceeds_the_limit_and_keeps_order(
    items: list[tuple[int, str, bool]], limit: int
) -> None:
    clock = ManualClock(DAYTIME)
    engine = PolicyEngine(storage=MemoryStorage(), clock=clock)
    engine.ramp.set_override("acct-a", limit)
    for contact in (0, 1):
        grant(engine, CONTACTS[contact], brand="Acme", account="acct-a")
    msgs = [
        OutboundMessage(
            "acct-a",
            SENDER,
            CONTACTS[c],
            f"[{i}] hi",
            brand=b,
            use_case=UseCase.ACCOUNT_NOTIFICATIONS,
        )
        for i, (c, b, _) in enumerate(items)
    ]
    result = engine.authorize_bulk(msgs)
    assert [d.body.split("]")[0] for d in result.decisions] == [f"[{i}" for i in range(len(msgs))]
    eligible = [i for i, (c, b, _) in enumerate(items) if c in (0, 1) and b == "Acme"]
    allowed = [i for i, d in enumerate(result.decisions) if d.allowed]
    # The first `limit` eligible messages by input order, no more.
    assert allowed == eligible[:limit]
    assert engine.ramp.remaining("acct-a") == limit - len(allowed)
    assert result.denied_limit == len(eligible) - len(allowed)
    assert result.skipped_consent == len(items) - len(eligible)
