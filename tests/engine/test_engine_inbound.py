"""PolicyEngine.handle_inbound: opt-out, opt-in and HELP exactly as API.md.

Sources: SPEC section 2 (keywords, "any reasonable means", one confirmation
that does not market, toll-free carrier-handled STOP: only START/UNSTOP
re-subscribe, no HELP reply while opted out); DESIGN.md "Pitfalls" (keyword
bugs seen in the wild: "Stop. Thank you" missed, "STOP this bill" taken as an
opt-out, the confirmation never sent because the opt-out was recorded first).
"""

from __future__ import annotations

import re

import pytest
from tests.engine._support import ACCOUNT, BRAND, TO, TOLL_FREE, grant, msg, snapshot

from a2p_policy._clock import ManualClock
from a2p_policy._content.linter import ContentLinter
from a2p_policy._dnd import DndKind
from a2p_policy._engine import PolicyEngine
from a2p_policy._findings import Severity
from a2p_policy._keywords import Certainty, KeywordConfig, KeywordKind
from a2p_policy._settings import InboundSettings
from a2p_policy._usecases import UseCase
from a2p_policy.storage.memory import MemoryStorage

#: Marketing words a confirmation must not carry (SPEC 2: "must not market").
_MARKETING = re.compile(
    r"\b(sale|discount|offer|deal|coupon|promo|free|% off|shop|buy|save|win|new arrivals)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(com|net|org|ly|io|co)\b", re.IGNORECASE)


def stop(engine: PolicyEngine, body: str = "STOP", **kw: str) -> object:
    return engine.handle_inbound(ACCOUNT, TO, body, **kw)


# ------------------------------------------------------------------ opt-out
@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOP!!!",
        "Stop. Thank you",
        "stopall",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "quit",
        "REVOKE",
        "optout",
        "OPT OUT",
        "please stop texting me",
    ],
)
def test_opt_out_variants_are_honored(engine: PolicyEngine, body: str) -> None:
    grant(engine)
    r = engine.handle_inbound(ACCOUNT, TO, body, brand=BRAND)
    assert r.kind is KeywordKind.OPT_OUT
    assert r.honored
    assert not r.needs_review
    assert r.reply is not None
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.consent.is_granted(TO, BRAND, account=ACCOUNT)
    assert engine.check(msg()).codes == ("dnd.permanent", "consent.revoked")


@pytest.mark.parametrize("body", ["STOP this bill", "I'll stop by at 5", "No STOP"])
def test_possible_opt_out_needs_review_and_changes_nothing(
    engine: PolicyEngine, store: MemoryStorage, body: str
) -> None:
    grant(engine)
    engine.authorize(msg())
    before = snapshot(store)
    r = engine.handle_inbound(ACCOUNT, TO, body)
    assert r.kind is KeywordKind.OPT_OUT
    assert r.certainty is Certainty.POSSIBLE
    assert r.needs_review
    assert not r.honored
    assert r.reply is None
    assert snapshot(store) == before
    assert engine.check(msg()).allowed


def test_exact_certainty_reported(engine: PolicyEngine) -> None:
    r = engine.handle_inbound(ACCOUNT, TO, " Stop. ", brand=BRAND)
    assert r.keyword == "STOP"
    assert r.certainty is Certainty.EXACT


def test_opt_out_revokes_only_the_given_brand(engine: PolicyEngine) -> None:
    grant(engine, brand="Acme")
    grant(engine, brand="Beta")
    r = engine.handle_inbound(ACCOUNT, TO, "STOP", brand="Acme")
    assert r.brands == ("Acme",)
    assert not engine.consent.is_granted(TO, "Acme", account=ACCOUNT)
    assert engine.consent.is_granted(TO, "Beta", account=ACCOUNT)


def test_opt_out_without_brand_revokes_every_brand_the_account_sent_as(
    engine: PolicyEngine,
) -> None:
    for brand in ("Acme", "Beta", "Gamma"):
        grant(engine, brand=brand)
    engine.authorize(msg(brand="Acme"))
    engine.authorize(msg(brand="Beta"))
    engine.authorize(msg(brand="Beta", account="other-account"))
    assert engine.brands(ACCOUNT) == ["Acme", "Beta"]
    r = engine.handle_inbound(ACCOUNT, TO, "STOP")
    assert set(r.brands) == {"Acme", "Beta"}
    assert not engine.consent.is_granted(TO, "Acme", account=ACCOUNT)
    assert not engine.consent.is_granted(TO, "Beta", account=ACCOUNT)
    assert engine.consent.is_granted(TO, "Gamma", account=ACCOUNT)  # never sent as by this account


def test_opt_out_blocks_every_brand_of_the_account_via_dnd(engine: PolicyEngine) -> None:
    grant(engine, brand="Acme")
    grant(engine, brand="Beta")
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand="Acme")
    # Consent for Beta stands, but the contact's DND covers the account.
    assert engine.check(msg(brand="Beta")).codes == ("dnd.permanent",)


def test_exactly_one_confirmation_per_opt_out_episode(engine: PolicyEngine) -> None:
    grant(engine)
    first = stop(engine, brand=BRAND)
    assert first.reply is not None  # type: ignore[attr-defined]
    for body in ("STOP", "stop", "UNSUBSCRIBE", "please stop texting me"):
        again = engine.handle_inbound(ACCOUNT, TO, body, brand=BRAND)
        assert again.honored
        assert again.reply is None
    start = engine.handle_inbound(ACCOUNT, TO, "START", brand=BRAND)
    assert start.honored
    assert engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply is not None
    assert engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply is None


def test_one_confirmation_across_engines_sharing_a_store(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    a = PolicyEngine(storage=store, clock=day_clock)
    b = PolicyEngine(storage=store, clock=day_clock)
    replies = [e.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply for e in (a, b, a)]
    assert sum(r is not None for r in replies) == 1


def test_confirmation_does_not_market(engine: PolicyEngine) -> None:
    reply = engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply
    assert reply is not None
    assert BRAND in reply
    assert "unsubscribed" in reply.lower()
    assert not _MARKETING.search(reply), reply
    assert not _LINK.search(reply), reply
    assert not [
        f
        for f in ContentLinter().lint(reply, brand=BRAND, initial=False)
        if f.severity is Severity.BLOCK
    ]


def test_custom_and_disabled_confirmation(store: MemoryStorage, day_clock: ManualClock) -> None:
    custom = PolicyEngine(
        storage=store,
        clock=day_clock,
        inbound=InboundSettings(opt_out_reply="{brand}: unsubscribed. No more texts."),
    )
    assert custom.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).reply == (
        "Acme: unsubscribed. No more texts."
    )
    silent = PolicyEngine(clock=day_clock, inbound=InboundSettings(opt_out_reply=None))
    r = silent.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    assert r.honored
    assert r.reply is None
    assert silent.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_opt_out_counts_for_the_monitor(engine: PolicyEngine) -> None:
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    assert engine.monitor.status(ACCOUNT).opt_outs == 1


def test_phone_is_normalized(engine: PolicyEngine) -> None:
    grant(engine)
    engine.handle_inbound(ACCOUNT, "(415) 555-0100", "STOP", brand=BRAND)
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


# ------------------------------------------------------------------ opt-in
@pytest.mark.parametrize("word", ["START", "start", "Unstop", "YES"])
def test_start_lifts_dnd_and_reinstates_consent(engine: PolicyEngine, word: str) -> None:
    grant(engine, scopes=(UseCase.ACCOUNT_NOTIFICATIONS, UseCase.MARKETING), express=True)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    r = engine.handle_inbound(ACCOUNT, TO, word, brand=BRAND)
    assert r.kind is KeywordKind.OPT_IN
    assert r.honored
    assert r.brands == (BRAND,)
    assert r.reply is not None
    assert engine.dnd.get(ACCOUNT, TO) is None
    assert engine.consent.is_granted(TO, BRAND, UseCase.MARKETING, account=ACCOUNT)
    assert engine.check(msg()).allowed
    assert engine.check(msg("Sale today", use_case=UseCase.MARKETING)).allowed


def test_start_without_brand_reinstates_every_brand_revoked(engine: PolicyEngine) -> None:
    for brand in ("Acme", "Beta"):
        grant(engine, brand=brand)
        engine.authorize(msg(brand=brand))
    engine.handle_inbound(ACCOUNT, TO, "STOP")
    r = engine.handle_inbound(ACCOUNT, TO, "START")
    assert set(r.brands) == {"Acme", "Beta"}
    assert engine.check(msg(brand="Acme")).allowed
    assert engine.check(msg(brand="Beta")).allowed


def test_start_records_via_text_evidence(engine: PolicyEngine) -> None:
    grant(engine)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    engine.handle_inbound(ACCOUNT, TO, "START", brand=BRAND)
    kinds = [e.kind.name for e in engine.consent.history(TO, BRAND, account=ACCOUNT)]
    assert kinds[-2:] == ["REVOKE", "REINSTATE"]


def test_start_lifts_dnd_from_error_30004(engine: PolicyEngine) -> None:
    grant(engine)
    engine.record_status(ACCOUNT, TO, "undelivered", error_code=30004)
    assert engine.check(msg()).codes == ("dnd.permanent",)
    engine.handle_inbound(ACCOUNT, TO, "START", brand=BRAND)
    assert engine.check(msg()).allowed


def test_start_does_not_create_consent(engine: PolicyEngine) -> None:
    r = engine.handle_inbound(ACCOUNT, TO, "START", brand=BRAND)
    assert r.brands == ()
    assert engine.check(msg()).codes == ("consent.missing",)


def test_new_grant_does_not_lift_opt_out(engine: PolicyEngine) -> None:
    """Only the contact's opt-in lifts a PERMANENT DND (SPEC 8)."""
    grant(engine)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    grant(engine)
    assert engine.check(msg()).codes == ("dnd.permanent",)


# ------------------------------------------------------------------ toll-free `to`
def test_yes_does_not_resubscribe_on_toll_free(engine: PolicyEngine) -> None:
    grant(engine)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE)
    r = engine.handle_inbound(ACCOUNT, TO, "YES", brand=BRAND, to=TOLL_FREE)
    assert not r.honored
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    assert not engine.check(msg()).allowed
    r = engine.handle_inbound(ACCOUNT, TO, "UNSTOP", brand=BRAND, to=TOLL_FREE)
    assert r.honored
    assert engine.check(msg()).allowed


def test_yes_does_not_resubscribe_on_toll_free_with_custom_keywords(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    """A custom KeywordConfig (e.g. Spanish words added) must keep the
    toll-free rule: YES does not re-subscribe there (SPEC 2)."""
    spanish = KeywordConfig.default().with_keywords(opt_out=["ALTO"], opt_in=["COMENZAR"])
    engine = PolicyEngine(storage=store, clock=day_clock, inbound=InboundSettings(keywords=spanish))
    grant(engine)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE)
    engine.handle_inbound(ACCOUNT, TO, "YES", brand=BRAND, to=TOLL_FREE)
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_toll_free_stop_gets_no_library_confirmation(engine: PolicyEngine) -> None:
    r = engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE)
    assert r.honored
    assert r.reply is None
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT


def test_toll_free_confirmation_can_be_turned_on(
    store: MemoryStorage, day_clock: ManualClock
) -> None:
    engine = PolicyEngine(
        storage=store, clock=day_clock, inbound=InboundSettings(tollfree_confirmation=True)
    )
    assert engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE).reply
    assert engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE).reply is None


def test_local_to_number_keeps_yes(engine: PolicyEngine) -> None:
    grant(engine)
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to="+14155550199")
    r = engine.handle_inbound(ACCOUNT, TO, "YES", brand=BRAND, to="+14155550199")
    assert r.honored
    assert engine.check(msg()).allowed


# ------------------------------------------------------------------ HELP
@pytest.mark.parametrize("word", ["HELP", "help", " Info. "])
def test_help_reply(engine: PolicyEngine, word: str) -> None:
    r = engine.handle_inbound(ACCOUNT, TO, word, brand=BRAND)
    assert r.kind is KeywordKind.HELP
    assert r.reply is not None
    assert r.reply.startswith("Acme:")
    assert "STOP" in r.reply
    assert engine.dnd.get(ACCOUNT, TO) is None


def test_help_reply_is_configurable(store: MemoryStorage, day_clock: ManualClock) -> None:
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        inbound=InboundSettings(
            help_reply="{brand} support: call 415-555-0123. Reply STOP to opt out."
        ),
    )
    r = engine.handle_inbound(ACCOUNT, TO, "HELP", brand=BRAND)
    assert r.reply == "Acme support: call 415-555-0123. Reply STOP to opt out."


def test_help_suppressed_for_opted_out_toll_free_contact(engine: PolicyEngine) -> None:
    assert engine.handle_inbound(ACCOUNT, TO, "HELP", brand=BRAND, to=TOLL_FREE).reply
    engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND, to=TOLL_FREE)
    assert engine.handle_inbound(ACCOUNT, TO, "HELP", brand=BRAND, to=TOLL_FREE).reply is None
    # On a local number the HELP reply still goes out.
    assert engine.handle_inbound(ACCOUNT, TO, "HELP", brand=BRAND).reply


def test_help_without_brand_uses_the_single_brand(engine: PolicyEngine) -> None:
    grant(engine)
    engine.authorize(msg())
    r = engine.handle_inbound(ACCOUNT, TO, "HELP")
    assert r.reply is not None
    assert r.reply.startswith("Acme:")


def test_help_without_any_brand_has_no_dangling_prefix(engine: PolicyEngine) -> None:
    r = engine.handle_inbound(ACCOUNT, TO, "HELP")
    assert r.reply is not None
    assert not r.reply.startswith(":")
    assert "{brand}" not in r.reply


# ------------------------------------------------------------------ other text
@pytest.mark.parametrize("body", ["", "   ", "Thanks, see you Tuesday", "🙂"])
def test_other_text_changes_nothing(engine: PolicyEngine, store: MemoryStorage, body: str) -> None:
    grant(engine)
    before = snapshot(store)
    r = engine.handle_inbound(ACCOUNT, TO, body)
    assert r.kind is KeywordKind.NONE
    assert r.reply is None
    assert not r.honored
    assert snapshot(store) == before


# ------------------------------------------------------------------ Spanish
def test_spanish_keywords(store: MemoryStorage, day_clock: ManualClock) -> None:
    spanish = KeywordConfig.default().with_keywords(
        opt_out=["ALTO", "PARAR", "CANCELAR"], opt_in=["COMENZAR"], help=["AYUDA"]
    )
    engine = PolicyEngine(
        storage=store,
        clock=day_clock,
        inbound=InboundSettings(
            keywords=spanish,
            help_reply="{brand}: ayuda en acme.example. Responda ALTO para cancelar.",
        ),
    )
    grant(engine)
    r = engine.handle_inbound(ACCOUNT, TO, " Alto. ", brand=BRAND)
    assert r.kind is KeywordKind.OPT_OUT
    assert r.honored
    assert engine.dnd.get(ACCOUNT, TO) is DndKind.PERMANENT
    help_reply = engine.handle_inbound(ACCOUNT, TO, "ayuda", brand=BRAND)
    assert help_reply.kind is KeywordKind.HELP
    assert help_reply.reply == "Acme: ayuda en acme.example. Responda ALTO para cancelar."
    r = engine.handle_inbound(ACCOUNT, TO, "COMENZAR", brand=BRAND)
    assert r.kind is KeywordKind.OPT_IN
    assert r.honored
    assert engine.check(msg()).allowed
    # The English words still work.
    assert engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND).honored


def test_keyword_config_flags_are_honoured(store: MemoryStorage, day_clock: ManualClock) -> None:
    """confirm_opt_out and reply_help_when_opted_out are read, not only set:
    a program whose carrier confirms opt-outs itself sends no second one."""
    quiet = KeywordConfig(confirm_opt_out=False, reply_help_when_opted_out=False)
    engine = PolicyEngine(storage=store, clock=day_clock, inbound=InboundSettings(keywords=quiet))
    grant(engine)
    stop = engine.handle_inbound(ACCOUNT, TO, "STOP", brand=BRAND)
    assert stop.honored
    assert stop.reply is None
    assert engine.handle_inbound(ACCOUNT, TO, "HELP", brand=BRAND).reply is None
    toll_free = KeywordConfig.default().for_toll_free()
    assert "YES" not in [k.upper() for k in toll_free.opt_in]
    assert toll_free.carrier_handles_stop
    assert not toll_free.confirm_opt_out
