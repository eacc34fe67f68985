"""PolicyEngine.check / authorize: each rule, its violation code, the order
in which violations are reported, the composed body, side effects.

Rules and their sources: SPEC sections 3 (consent), 4 (composing), 5
(content), 6 (ramp-up), 7 (suspension and its exempt kinds), 8 (DND), 9
(toll-free verification), 10 (quiet hours); API.md "Engine".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.engine._support import (
    ACCOUNT,
    BRAND,
    SENDER,
    TO,
    TO2,
    TOLL_FREE,
    grant,
    msg,
    snapshot,
)

from a2p_policy._clock import ManualClock
from a2p_policy._compose.composer import AppendPolicy
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._findings import Severity
from a2p_policy._limits.monitor import HealthLevel
from a2p_policy._messages import EXEMPT_FROM_SUSPENSION, MessageKind
from a2p_policy._settings import ContentSettings, LimitsSettings, TollFreeSettings
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.events import parse_verification_events
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._usecases import UseCase
from a2p_policy.storage.memory import MemoryStorage

#: The documented order of the rules (engine module docstring, brief).
RULE_ORDER = (
    "sender.",
    "account.suspended",
    "dnd.",
    "consent.",
    "quiet_hours",
    "content.blocked",
    "limit.daily",
)

SHORTENER_BODY = "Your order shipped, track it at https://bit.ly/abc123"


def rule_rank(code: str) -> int:
    for i, prefix in enumerate(RULE_ORDER):
        if code.startswith(prefix):
            return i
    raise AssertionError(f"unknown violation code {code}")


def suspend(engine: PolicyEngine, account: str = ACCOUNT) -> None:
    """Trip the default 12.5 % error-rate suspension with 100 outcomes."""
    for i in range(100):
        engine.record_status(account, TO2, "failed" if i < 13 else "delivered", error_code=30008)
    assert engine.monitor.status(account).level is HealthLevel.SUSPENDED


def exhaust(engine: PolicyEngine, account: str = ACCOUNT) -> None:
    engine.ramp.set_override(account, 0)
    assert engine.ramp.remaining(account) == 0


# ------------------------------------------------------------------ each rule
def test_allowed_message_has_no_violations(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.check(msg())
    assert d.allowed
    assert d.violations == ()
    assert d.codes == ()
    assert d.reason == "allowed"
    assert d.retry_at is None


def test_consent_missing(engine: PolicyEngine) -> None:
    d = engine.check(msg())
    assert not d.allowed
    assert d.codes == ("consent.missing",)


def test_consent_revoked(engine: PolicyEngine) -> None:
    grant(engine)
    engine.consent.revoke(TO, BRAND, account=ACCOUNT, reason="email request")
    assert engine.check(msg()).codes == ("consent.revoked",)


def test_consent_is_per_brand(engine: PolicyEngine) -> None:
    grant(engine, brand="Other Brand")
    assert engine.check(msg()).codes == ("consent.missing",)


def test_consent_scope(engine: PolicyEngine) -> None:
    grant(engine, scopes=(UseCase.ACCOUNT_NOTIFICATIONS,))
    d = engine.check(msg(use_case=UseCase.DELIVERY_NOTIFICATIONS))
    assert d.codes == ("consent.scope",)


def test_marketing_needs_express_consent(engine: PolicyEngine) -> None:
    # A record with MARKETING in scope must be express (ConsentRecord refuses
    # otherwise), so non-express consent shows as consent.scope for marketing.
    grant(engine, scopes=(UseCase.ACCOUNT_NOTIFICATIONS,), express=False)
    assert engine.check(msg(use_case=UseCase.MARKETING)).codes == ("consent.scope",)
    grant(engine, scopes=(UseCase.MARKETING,), express=True)
    assert engine.check(msg("Sale today: 10% off", use_case=UseCase.MARKETING)).allowed


def test_dnd_permanent_and_temporary(engine: PolicyEngine) -> None:
    grant(engine)
    grant(engine, TO2)
    engine.dnd.set(ACCOUNT, TO, DndKind.PERMANENT, "30004")
    engine.dnd.set(ACCOUNT, TO2, DndKind.TEMPORARY, "30003")
    assert engine.check(msg()).codes == ("dnd.permanent",)
    assert engine.check(msg(to=TO2)).codes == ("dnd.temporary",)


def test_dnd_is_per_account(engine: PolicyEngine) -> None:
    grant(engine)
    engine.dnd.set("other-account", TO, DndKind.PERMANENT)
    assert engine.check(msg()).allowed


def test_account_suspended_with_retry_at(engine: PolicyEngine) -> None:
    grant(engine)
    suspend(engine)
    d = engine.check(msg())
    assert d.codes == ("account.suspended",)
    # Default tiers: the suspension lasts until the next 00:00 UTC (SPEC 7).
    assert d.retry_at == datetime(2026, 1, 6, tzinfo=UTC)
    assert d.violations[0].retry_at == d.retry_at


@pytest.mark.parametrize("kind", list(MessageKind))
def test_suspension_exemptions_by_kind(engine: PolicyEngine, kind: MessageKind) -> None:
    grant(engine)
    suspend(engine)
    d = engine.check(msg(kind=kind))
    exempt = kind in {
        MessageKind.CONVERSATION,
        MessageKind.TEST,
        MessageKind.RESEND,
        MessageKind.MISSED_CALL_TEXT_BACK,
    }
    assert {
        MessageKind.CONVERSATION,
        MessageKind.TEST,
        MessageKind.RESEND,
        MessageKind.MISSED_CALL_TEXT_BACK,
    } == EXEMPT_FROM_SUSPENSION
    assert d.allowed is exempt
    assert d.codes == (() if exempt else ("account.suspended",))


def test_suspension_ends_at_midnight_utc(engine: PolicyEngine, day_clock: ManualClock) -> None:
    grant(engine)
    suspend(engine)
    day_clock.set(datetime(2026, 1, 6, 0, 0, tzinfo=UTC))
    assert "account.suspended" not in engine.check(msg()).codes


def test_quiet_hours_marketing_deferred_with_retry_at(
    engine: PolicyEngine, day_clock: ManualClock
) -> None:
    grant(engine, scopes=(UseCase.MARKETING, UseCase.ACCOUNT_NOTIFICATIONS), express=True)
    # 12:00 UTC is 04:00 in San Francisco: outside 8:00-21:00 (TCPA).
    day_clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    d = engine.check(msg("Sale today: 10% off", use_case=UseCase.MARKETING))
    assert d.codes == ("quiet_hours",)
    # 8:00 PST = 16:00 UTC the same day.
    assert d.retry_at == datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    denied = engine.authorize(msg("Sale today: 10% off", use_case=UseCase.MARKETING))
    assert denied.codes == ("quiet_hours",)
    day_clock.set(d.retry_at)
    assert engine.check(msg("Sale today: 10% off", use_case=UseCase.MARKETING)).allowed


def test_quiet_hours_do_not_hold_transactional(
    engine: PolicyEngine, day_clock: ManualClock
) -> None:
    grant(engine)
    day_clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    d = engine.authorize(msg("Your code is 123456"))
    assert d.allowed, d.reason


def test_quiet_hours_can_be_turned_off(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(storage=store, clock=day_clock, limits=LimitsSettings(quiet_hours=False))
    grant(engine, scopes=(UseCase.MARKETING,), express=True)
    day_clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert engine.check(msg("Sale today", use_case=UseCase.MARKETING)).allowed


def test_content_block_shortener(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.check(msg(SHORTENER_BODY))
    assert d.codes == ("content.blocked",)
    (violation,) = d.violations
    assert [f.rule for f in violation.findings] == ["url.shortener"]
    assert violation.findings[0].severity is Severity.BLOCK
    assert violation.findings[0].tfv_code == 30449
    assert "url.shortener" in violation.message


def test_content_block_insecure_url(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.check(msg("Your order shipped, see http://acme.example.com/orders/1"))
    assert d.codes == ("content.blocked",)
    assert [f.rule for f in d.violations[0].findings] == ["url.insecure"]


def test_content_warn_passes_through(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.authorize(msg("We have a great d3al on your account"))
    assert d.allowed
    assert "evasion.obfuscation" in [w.rule for w in d.warnings]
    assert all(w.severity is not Severity.BLOCK for w in d.warnings)


def test_composed_initial_body_has_no_missing_element_warnings(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.check(msg())
    rules = {w.rule for w in d.warnings}
    assert "sender.missing" not in rules
    assert "optout.missing" not in rules


def test_daily_limit(engine: PolicyEngine) -> None:
    grant(engine)
    engine.ramp.set_override(ACCOUNT, 2)
    assert engine.authorize(msg()).allowed
    assert engine.authorize(msg()).allowed
    d = engine.authorize(msg())
    assert d.codes == ("limit.daily",)
    # The limit refreshes at the next midnight of the schedule's zone (UTC).
    assert d.retry_at == datetime(2026, 1, 6, tzinfo=UTC)


def test_check_reports_daily_limit_like_authorize(engine: PolicyEngine) -> None:
    """check() answers what authorize() would: same code, same retry_at."""
    grant(engine)
    exhaust(engine)
    checked = engine.check(msg())
    assert checked.codes == ("limit.daily",)
    assert checked.retry_at == datetime(2026, 1, 6, tzinfo=UTC)
    assert checked.retry_at == engine.authorize(msg()).retry_at


def test_day_one_limit_is_100(engine: PolicyEngine) -> None:
    grant(engine)
    allowed = sum(engine.authorize(msg()).allowed for _ in range(101))
    assert allowed == 100
    assert engine.ramp.remaining(ACCOUNT) == 0


# ------------------------------------------------------------------ order, several at once
def test_every_failed_rule_reported_in_order_check(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    transport = InMemoryTollFreeTransport(clock=day_clock)
    client = TollFreeVerificationClient(transport, clock=day_clock)
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        limits=LimitsSettings(min_volume=1),
        tollfree=TollFreeSettings(client=client, numbers={}),
    )
    suspend(engine)
    engine.dnd.set(ACCOUNT, TO, DndKind.PERMANENT)
    exhaust(engine)
    day_clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # 4:00 in San Francisco
    m = msg(SHORTENER_BODY, sender=TOLL_FREE, use_case=UseCase.MARKETING)
    d = engine.check(m)
    assert d.codes == (
        "sender.unverified",
        "account.suspended",
        "dnd.permanent",
        "consent.missing",
        "quiet_hours",
        "content.blocked",
        "limit.daily",
    )
    assert not d.allowed
    assert all(code in d.reason for code in d.codes)
    # retry_at is the latest of the violations' retry times.
    assert d.retry_at == max(v.retry_at for v in d.violations if v.retry_at)


def test_every_failed_rule_reported_by_authorize_too(engine: PolicyEngine) -> None:
    """authorize must report every failed rule, like check (the issue: "report
    every failed rule, not only the first"), including the daily limit."""
    exhaust(engine)
    m = msg(SHORTENER_BODY)
    checked = engine.check(m)
    assert checked.codes == ("consent.missing", "content.blocked", "limit.daily")
    authorized = engine.authorize(m)
    assert authorized.codes == checked.codes


def test_several_violations_without_limit(engine: PolicyEngine) -> None:
    engine.dnd.set(ACCOUNT, TO, DndKind.TEMPORARY)
    d = engine.authorize(msg(SHORTENER_BODY))
    assert d.codes == ("dnd.temporary", "consent.missing", "content.blocked")
    codes = [rule_rank(c) for c in d.codes]
    assert codes == sorted(codes)


# ------------------------------------------------------------------ composing
def test_initial_message_gets_sender_id_and_opt_out(engine: PolicyEngine) -> None:
    grant(engine)
    d = engine.authorize(msg("Your order shipped"))
    assert d.initial
    assert d.body == "Your order shipped\nThanks, Acme\nReply STOP to unsubscribe"
    assert d.segments == 1
    assert d.encoding == "GSM-7"


def test_second_message_is_not_initial(engine: PolicyEngine, day_clock: ManualClock) -> None:
    grant(engine)
    assert engine.authorize(msg()).initial
    day_clock.advance(timedelta(minutes=5))
    d = engine.authorize(msg("Your order arrived"))
    assert not d.initial
    assert d.body == "Your order arrived"


def test_body_already_compliant_is_not_changed(engine: PolicyEngine) -> None:
    grant(engine)
    body = "Acme: your order shipped. Reply STOP to unsubscribe"
    assert engine.check(msg(body)).body == body


def test_check_does_not_mark_conversation(engine: PolicyEngine) -> None:
    grant(engine)
    assert engine.check(msg()).initial
    assert engine.check(msg()).initial
    assert engine.authorize(msg()).initial


def test_refused_message_does_not_mark_conversation(engine: PolicyEngine) -> None:
    grant(engine)
    assert engine.authorize(msg(SHORTENER_BODY)).codes == ("content.blocked",)
    assert engine.authorize(msg()).initial


def test_conversation_is_per_sender(engine: PolicyEngine) -> None:
    grant(engine)
    engine.authorize(msg())
    assert engine.check(msg(sender="+14155550198")).initial
    assert not engine.check(msg()).initial


def test_new_consent_grant_makes_next_message_initial(
    engine: PolicyEngine, day_clock: ManualClock
) -> None:
    grant(engine)
    engine.authorize(msg())
    day_clock.advance(timedelta(hours=1))
    assert not engine.check(msg()).initial
    day_clock.advance(timedelta(seconds=1))
    grant(engine)
    d = engine.check(msg())
    assert d.initial
    assert d.body.endswith("Reply STOP to unsubscribe")


def test_grant_at_same_instant_as_last_send_makes_next_initial(engine: PolicyEngine) -> None:
    """A grant recorded after the last send is a new consent, even when the
    two share a timestamp (a clock that did not move, a coarse clock)."""
    grant(engine)
    engine.authorize(msg())
    grant(engine)
    assert engine.check(msg()).initial


def test_conversation_ttl(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store, clock=day_clock, content=ContentSettings(conversation_ttl=timedelta(days=30))
    )
    grant(engine)
    engine.authorize(msg())
    day_clock.advance(timedelta(days=30))
    assert not engine.check(msg()).initial
    day_clock.advance(timedelta(seconds=1))
    assert engine.check(msg()).initial


def test_without_ttl_conversation_never_expires(
    engine: PolicyEngine, day_clock: ManualClock
) -> None:
    grant(engine)
    engine.authorize(msg())
    day_clock.advance(timedelta(days=400))
    assert not engine.check(msg()).initial


def test_bulk_only_append_policy(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        content=ContentSettings(append_policy=AppendPolicy.bulk_only()),
    )
    grant(engine)
    assert engine.check(msg(kind=MessageKind.CONVERSATION)).body == "Your order shipped"
    assert engine.check(msg(kind=MessageKind.BULK)).body.endswith("Reply STOP to unsubscribe")


def test_custom_composer_texts(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        content=ContentSettings(sender_id_template="-{brand}", opt_out_text="Txt STOP to opt out"),
    )
    grant(engine)
    assert engine.check(msg()).body == "Your order shipped\n-Acme\nTxt STOP to opt out"


# ------------------------------------------------------------------ side effects
def test_check_has_no_side_effects(engine: PolicyEngine, store: MemoryStorage) -> None:
    grant(engine)
    grant(engine, TO2)
    engine.authorize(msg(to=TO2))
    engine.record_status(ACCOUNT, TO2, "delivered")
    before = snapshot(store)
    remaining = engine.ramp.remaining(ACCOUNT)
    status = engine.monitor.status(ACCOUNT)
    for m in (msg(), msg(to=TO2), msg(SHORTENER_BODY), msg(use_case=UseCase.MARKETING)):
        engine.check(m)
    assert snapshot(store) == before
    assert engine.ramp.remaining(ACCOUNT) == remaining
    after = engine.monitor.status(ACCOUNT)
    assert (after.sent, after.outcomes, after.errors) == (status.sent, status.outcomes, 0)
    assert engine.check(msg()).initial


def test_check_after_suspension_ended_has_no_side_effects(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    """check() must not write even when the monitor's level changed since
    the last write (a suspension that ended at midnight): no stored marker,
    no level-change notification."""
    engine = PolicyEngine(storage=store, clock=day_clock, limits=LimitsSettings(min_volume=1))
    grant(engine)
    engine.record_status(ACCOUNT, TO2, "failed")
    assert engine.check(msg()).codes == ("account.suspended",)
    day_clock.set(datetime(2026, 1, 6, 1, 0, tzinfo=UTC))
    seen: list[HealthLevel] = []
    engine.monitor.subscribe(lambda account, status: seen.append(status.level))
    before = snapshot(store)
    assert engine.check(msg()).allowed
    assert snapshot(store) == before
    assert seen == []


def test_authorize_consumes_exactly_one_and_marks(
    engine: PolicyEngine, store: MemoryStorage
) -> None:
    grant(engine)
    remaining = engine.ramp.remaining(ACCOUNT)
    sent = engine.monitor.status(ACCOUNT).sent
    d = engine.authorize(msg())
    assert d.allowed
    assert engine.ramp.remaining(ACCOUNT) == remaining - 1
    assert engine.monitor.status(ACCOUNT).sent == sent + 1
    assert not engine.check(msg()).initial
    assert engine.brands(ACCOUNT) == [BRAND]


def test_refused_authorize_consumes_nothing(engine: PolicyEngine, store: MemoryStorage) -> None:
    grant(engine)
    engine.dnd.set(ACCOUNT, TO, DndKind.PERMANENT)
    before = snapshot(store)
    assert not engine.authorize(msg()).allowed
    assert not engine.authorize(msg(to=TO2)).allowed
    assert snapshot(store) == before


def test_storage_uri_and_instance(day_clock: ManualClock, tmp_path: Any) -> None:
    for storage in ("memory://", None, MemoryStorage()):
        engine = PolicyEngine(storage=storage, clock=day_clock)
        grant(engine)
        assert engine.authorize(msg()).allowed


# ------------------------------------------------------------------ toll-free sender
_PN_REQUEST: dict[str, Any] = {
    "business_name": "Acme Widgets LLC",
    "business_website": "https://www.acme-widgets.example.com",
    "notification_email": "compliance@acme-widgets.example.com",
    "use_case_categories": ["ACCOUNT_NOTIFICATIONS"],
    "use_case_summary": (
        "Order and shipping notifications to customers who opted in at checkout on our web site"
    ),
    "production_message_sample": (
        "Acme: your order 1234 shipped and arrives Tuesday. Reply STOP to opt out."
    ),
    "opt_in_image_urls": ["https://www.acme-widgets.example.com/images/checkout-optin.png"],
    "opt_in_type": "WEB_FORM",
    "message_volume": "1,000",
    "business_street_address": "1 Market Street",
    "business_city": "San Francisco",
    "business_state_province_region": "CA",
    "business_postal_code": "94105",
    "business_country": "US",
    "business_contact_first_name": "Ada",
    "business_contact_last_name": "Lovelace",
    "business_contact_email": "ada@acme-widgets.example.com",
    "business_contact_phone": "+14155550123",
    "business_type": "PRIVATE_PROFIT",
    "business_registration_number": "12-3456789",
    "business_registration_authority": "EIN",
    "business_registration_country": "US",
}


class TollFree:
    """A toll-free sender with its verification in the in-memory fake."""

    def __init__(self, store: MemoryStorage, clock: ManualClock, *, by: str = "HH") -> None:
        self.transport = InMemoryTollFreeTransport(clock=clock)
        self.client = TollFreeVerificationClient(self.transport, clock=clock)
        self.pn = self.transport.add_number(TOLL_FREE)
        self.sid = self.client.submit({**_PN_REQUEST, "tollfree_phone_number_sid": self.pn}).sid
        key = self.sid if by == "HH" else self.pn
        self.engine = PolicyEngine(
            storage=store,
            clock=clock,
            tollfree=TollFreeSettings(client=self.client, numbers={TOLL_FREE: key}),
        )
        self.events_seen = 0
        grant(self.engine)

    def sync(self) -> None:
        """Deliver the fake's Event Streams events to the client (webhook)."""
        events = parse_verification_events(self.transport.event_payload(self.events_seen))
        self.events_seen += len(events)
        self.client.apply_events(events)

    def codes(self) -> tuple[str, ...]:
        return self.engine.check(msg(sender=TOLL_FREE)).codes


@pytest.mark.parametrize("by", ["HH", "PN"])
def test_tollfree_pending_then_approved(
    store: MemoryStorage, day_clock: ManualClock, by: str
) -> None:
    tf = TollFree(store, day_clock, by=by)
    assert tf.codes() == ("sender.unverified",)
    tf.transport.start_review(tf.sid)
    tf.sync()
    assert tf.codes() == ("sender.unverified",)
    tf.transport.approve(tf.sid)
    tf.sync()
    assert tf.codes() == ()
    assert tf.engine.authorize(msg(sender=TOLL_FREE)).allowed


def test_tollfree_rejected_resubmittable(store: MemoryStorage, day_clock: ManualClock) -> None:
    tf = TollFree(store, day_clock)
    tf.transport.start_review(tf.sid)
    tf.transport.reject(tf.sid, [30446])
    tf.sync()
    d = tf.engine.check(msg(sender=TOLL_FREE))
    assert d.codes == ("sender.unverified",)
    assert "TWILIO_REJECTED" in d.violations[0].message


@pytest.mark.parametrize(
    ("codes", "edit_allowed"), [([30441], None), ([30446], False), ([30446, 30461], None)]
)
def test_tollfree_rejected_not_resubmittable_is_blocked(
    store: MemoryStorage, day_clock: ManualClock, codes: list[int], edit_allowed: bool | None
) -> None:
    tf = TollFree(store, day_clock)
    tf.transport.start_review(tf.sid)
    tf.transport.reject(tf.sid, codes, edit_allowed=edit_allowed)
    tf.sync()
    d = tf.engine.check(msg(sender=TOLL_FREE))
    assert d.codes == ("sender.blocked",)
    assert "30032" in d.violations[0].message


def test_tollfree_decision_seen_after_fetch(store: MemoryStorage, day_clock: ManualClock) -> None:
    tf = TollFree(store, day_clock)
    tf.transport.approve(tf.sid)
    tf.client.fetch(tf.sid)
    assert tf.codes() == ()


def test_tollfree_unmapped_sender_fails_closed(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    tf = TollFree(store, day_clock)
    tf.transport.approve(tf.sid)
    tf.sync()
    other = "+18885550123"
    d = tf.engine.check(msg(sender=other))
    assert d.codes == ("sender.unverified",)
    assert other in d.violations[0].message


def test_tollfree_unknown_sid_fails_closed(store: MemoryStorage, day_clock: ManualClock) -> None:
    transport = InMemoryTollFreeTransport(clock=day_clock)
    client = TollFreeVerificationClient(transport, clock=day_clock)
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        tollfree=TollFreeSettings(client=client, numbers={TOLL_FREE: "HH" + "f" * 32}),
    )
    grant(engine)
    assert engine.check(msg(sender=TOLL_FREE)).codes == ("sender.unverified",)


def test_tollfree_rule_needs_a_client(engine: PolicyEngine) -> None:
    grant(engine)
    assert engine.check(msg(sender=TOLL_FREE)).allowed


def test_local_sender_not_subject_to_tollfree_rule(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    tf = TollFree(store, day_clock)
    assert tf.engine.check(msg(sender=SENDER)).allowed


def test_tollfree_numbers_must_map_to_sids(store: MemoryStorage) -> None:
    from a2p_policy._errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        PolicyEngine(storage=store, tollfree=TollFreeSettings(numbers={TOLL_FREE: "not-a-sid"}))
