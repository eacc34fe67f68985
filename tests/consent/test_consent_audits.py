"""Audits of opt-in forms, terms pages and privacy policies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._consent.audits import (
    audit_opt_in_form,
    audit_privacy_policy,
    audit_terms,
    normalize_text,
)
from a2p_policy._errors import InvalidArgument
from a2p_policy._findings import Finding, Severity

# ---------------------------------------------------------------- opt-in form
#: A complete form, one element per sentence, so that removing a sentence
#: removes exactly one element.
FORM_PARTS: list[tuple[str, str]] = [
    ("optin.organization", "Sign up for texts from Acme Dental."),
    ("optin.program", "You will get appointment reminders and promotional offers."),
    ("optin.frequency", "Message frequency varies."),
    ("optin.rates", "Msg & data rates may apply."),
    ("optin.help", "Text HELP for help."),
    ("optin.stop", "Reply STOP to cancel."),
    ("optin.privacy", "Privacy Policy: https://acme.example/privacy-policy"),
    ("optin.terms", "Terms & Conditions: https://acme.example/tos"),
]
FORM = "\n".join(text for _, text in FORM_PARTS)
OPT_IN_IDS = {rule for rule, _ in FORM_PARTS} | {"optin.checkbox"}

#: The checkbox example of reference/leadconnector-twilio-suspension-appeal.md
#: ("For the web form"); its page links the policies separately.
ARTICLE_CHECKBOX = (
    "I agree to receive marketing messaging from COMPANY_NAME at the phone number provided "
    "above. I understand I will receive 2 messages a month, data rates may apply, Text HELP "
    "to 800-000-0000 for assistance, reply STOP to opt out"
)
#: The VERBAL opt-in example of reference/twilio-tfv-messaging-compliance-api.txt.
TWILIO_VERBAL = (
    "As part of our service, we can send you automated monthly text alerts regarding Twilio "
    "account payment activity. We will send two messages per month. Message and data rates "
    "may apply, depending on your mobile phone service plan. At any time you can get more help "
    "by replying HELP to these texts, or you can opt out completely by replying STOP. Mobile "
    'Terms of Service are available at "example.com/terms" and our Privacy Statement can be '
    "found at \"example.com/privacy\". Please reply with 'yes' or 'no' to indicate if you "
    "would like this service"
)


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def test_complete_form_passes() -> None:
    assert audit_opt_in_form(FORM) == []
    assert audit_opt_in_form(FORM, brand="Acme Dental") == []
    assert audit_opt_in_form(FORM, brand="ACME dental") == []


@pytest.mark.parametrize(("rule", "sentence"), FORM_PARTS)
def test_removing_each_element_yields_exactly_its_rule(rule: str, sentence: str) -> None:
    text = "\n".join(t for _, t in FORM_PARTS if t != sentence)
    assert rules(audit_opt_in_form(text, brand="Acme Dental")) == [rule]
    found = audit_opt_in_form(text)
    assert rules(found) == [rule]
    expected = Severity.WARN if rule == "optin.organization" else Severity.BLOCK
    assert found[0].severity is expected
    assert found[0].message
    assert found[0].fix


def test_article_examples_pass() -> None:
    footer = " See our Privacy Policy and Terms & Conditions."
    assert audit_opt_in_form(ARTICLE_CHECKBOX + footer) == []
    assert rules(audit_opt_in_form(ARTICLE_CHECKBOX)) == ["optin.privacy", "optin.terms"]
    assert audit_opt_in_form(TWILIO_VERBAL, brand="Twilio") == []


def test_empty_form_misses_everything() -> None:
    found = audit_opt_in_form("")
    assert sorted(rules(found)) == sorted(r for r, _ in FORM_PARTS)
    assert len(set(rules(found))) == len(found)


def test_brand_must_appear_when_given() -> None:
    found = audit_opt_in_form(FORM, brand="Beta Shop")
    assert rules(found) == ["optin.organization"]
    assert found[0].severity is Severity.BLOCK
    assert "Beta Shop" in found[0].message


def test_single_message_program_waives_help_and_stop() -> None:
    text = "\n".join(t for r, t in FORM_PARTS if r not in ("optin.help", "optin.stop"))
    assert rules(audit_opt_in_form(text)) == ["optin.help", "optin.stop"]
    assert audit_opt_in_form(text, single_message_program=True) == []
    # the waiver is only for HELP/STOP
    no_rates = text.replace("Msg & data rates may apply.", "")
    assert rules(audit_opt_in_form(no_rates, single_message_program=True)) == ["optin.rates"]


def test_preselected_checkbox() -> None:
    found = audit_opt_in_form(FORM, checkbox_preselected=True)
    assert rules(found) == ["optin.checkbox"]
    assert found[0].severity is Severity.BLOCK
    assert found[0].tfv_code == 30475
    html = '<label><input type="checkbox" name="sms" checked> ' + FORM + "</label>"
    assert rules(audit_opt_in_form(html)) == ["optin.checkbox"]
    unchecked = '<label><input type="checkbox" name="sms"> ' + FORM + "</label>"
    assert audit_opt_in_form(unchecked) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "By checking this box I agree to the Terms of Service and Privacy Policy and to "
        "receive text messages from Acme Dental.",
        "I accept the Terms & Conditions and agree to receive SMS messages.",
        "I agree to receive texts from Acme Dental and to the Terms and Conditions.",
    ],
)
def test_sms_consent_bundled_with_terms_is_flagged(sentence: str) -> None:
    found = audit_opt_in_form(FORM + "\n" + sentence)
    assert rules(found) == ["optin.checkbox"]
    assert found[0].span is not None
    start, end = found[0].span
    assert (FORM + "\n" + sentence)[start:end].strip() == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "See our Terms and Privacy Policy.",
        "I agree to receive texts from Acme Dental; see our Terms.",
        "I agree to the Terms of Service and Privacy Policy.",
    ],
)
def test_separate_consent_is_not_bundled(sentence: str) -> None:
    assert audit_opt_in_form(FORM + "\n" + sentence) == []


def _without(rule: str) -> str:
    return "\n".join(t for r, t in FORM_PARTS if r != rule)


@pytest.mark.parametrize(
    ("rule", "phrase"),
    [
        ("optin.rates", "Msg & data rates may apply."),
        ("optin.rates", "Message and data rates may apply."),
        ("optin.rates", "Msg&Data rates apply."),
        ("optin.rates", "MSG  &  DATA RATES MAY APPLY"),
        ("optin.rates", "Standard message rates apply."),
        ("optin.rates", "Carrier charges may apply."),
        ("optin.frequency", "4 messages per month."),
        ("optin.frequency", "Message frequency varies."),
        ("optin.frequency", "1 message per login."),
        ("optin.frequency", "Up to 5 msgs/week."),
        ("optin.frequency", "Recurring automated messages."),
        ("optin.frequency", "Msg frequency may vary."),
        ("optin.help", "Text HELP for help."),
        ("optin.help", "Help at 800-555-0100."),
        ("optin.help", "Reply \u201cHELP\u201d for assistance."),
        ("optin.help", "For help, call 800-555-0100."),
        ("optin.stop", "Text STOP to cancel."),
        ("optin.stop", "Reply \u201cSTOP\u201d to opt out."),
        ("optin.stop", "Reply UNSUBSCRIBE at any time."),
        ("optin.stop", "You can opt out by texting END."),
        ("optin.privacy", "Read our privacy notice."),
        ("optin.privacy", "https://acme.example/privacy"),
        ("optin.terms", "Mobile terms of service apply."),
        ("optin.terms", "See the T&Cs."),
        ("optin.terms", "Privacy Policy and Terms at acme.example/legal."),
        ("optin.program", "Join the Acme Smiles program."),
        ("optin.program", "We send texts about your upcoming visits."),
        ("optin.program", "Receive order status updates."),
    ],
)
def test_common_phrasings_are_recognized(rule: str, phrase: str) -> None:
    assert audit_opt_in_form(_without(rule) + "\n" + phrase) == []


@pytest.mark.parametrize(
    ("rule", "phrase"),
    [
        ("optin.rates", "We value your data."),
        ("optin.frequency", "Message us any time."),
        ("optin.help", "We help our patients smile."),
        ("optin.stop", "Stop by our office."),
        ("optin.stop", "Text us to stop."),
        ("optin.privacy", "We respect your privacy."),
    ],
)
def test_lookalikes_do_not_count(rule: str, phrase: str) -> None:
    assert rules(audit_opt_in_form(_without(rule) + "\n" + phrase)) == [rule]


def test_organization_heuristic_without_brand() -> None:
    base = _without("optin.organization")
    assert audit_opt_in_form(base + "\nTexts from the front desk.") != []
    assert audit_opt_in_form(base + "\nBrought to you by Acme Dental LLC.") == []


# ---------------------------------------------------------------- terms
#: The six bullets of reference/leadconnector-twilio-suspension-appeal.md
#: ("For the terms and Conditions page"), placeholders filled in.
ARTICLE_TERMS = """Acme Dental Reminders
1. Appointment reminders and occasional promotional offers from Acme Dental.
2. You can cancel the SMS service at any time. Simply text "STOP" to the shortcode. Upon
sending "STOP," we will confirm your unsubscribe status via SMS. Following this confirmation,
you will no longer receive SMS messages from us. To rejoin, sign up as you did initially, and
we will resume sending SMS messages to you.
3. If you experience issues with the messaging program, reply with the keyword HELP for more
assistance, or reach out directly to support@acme.example.
4. Carriers are not liable for delayed or undelivered messages.
5. As always, message and data rates may apply for messages sent to you from us and to us from
you. Message frequency varies. For questions about your text plan or data plan, contact your
wireless provider.
6. For privacy-related inquiries, please refer to our privacy policy: https://acme.example/privacy
"""

TERMS_PARTS: list[tuple[str, str]] = [
    ("terms.program", "Acme Dental Reminders: appointment reminders and promotional offers."),
    ("terms.stop", "You can cancel the SMS service at any time: simply text STOP."),
    ("terms.help", "If you have issues, reply HELP or write to support@acme.example."),
    ("terms.carriers", "Carriers are not liable for delayed or undelivered messages."),
    ("terms.rates", "Message and data rates may apply."),
    ("terms.frequency", "Message frequency varies."),
    ("terms.privacy", "Privacy: see our privacy policy at https://acme.example/privacy"),
]


def test_article_terms_pass() -> None:
    assert audit_terms(ARTICLE_TERMS) == []
    assert audit_terms("\n".join(t for _, t in TERMS_PARTS)) == []


@pytest.mark.parametrize(("rule", "sentence"), TERMS_PARTS)
def test_removing_each_terms_element_yields_its_rule(rule: str, sentence: str) -> None:
    text = "\n".join(t for _, t in TERMS_PARTS if t != sentence)
    found = audit_terms(text)
    assert rules(found) == [rule]
    assert found[0].severity is Severity.BLOCK


def test_terms_help_needs_a_contact() -> None:
    text = "\n".join(t for r, t in TERMS_PARTS if r != "terms.help") + "\nReply HELP for help."
    found = audit_terms(text)
    assert rules(found) == ["terms.help"]
    assert "support" in found[0].message
    assert audit_terms(text + " Or call 1-800-555-0100.") == []


def test_empty_terms_miss_everything() -> None:
    assert rules(audit_terms("")) == [r for r, _ in TERMS_PARTS]


def test_terms_without_program_name_and_description() -> None:
    """Issue 16: the article's bullets 2-6 alone (they say "the messaging
    program" and "SMS messages") do not describe the program: the template
    opens with "{Program Name} 1. {Insert program description here; a brief
    description of the types of messages users can expect upon opting in.}"."""
    bullets = ARTICLE_TERMS.split("\n2. ", 1)[1]
    assert "messaging program" in bullets
    found = audit_terms("2. " + bullets)
    assert rules(found) == ["terms.program"]
    assert found[0].severity is Severity.BLOCK
    # A title alone names the program but still does not describe the messages.
    assert rules(audit_terms("Acme Dental Text Program\n2. " + bullets)) == ["terms.program"]
    for description in (
        "Acme Dental Reminders: appointment reminders and occasional promotional offers.",
        "Acme Alerts. You will receive order updates and delivery notifications.",
        "Acme Club: texts about our upcoming events.",
    ):
        assert audit_terms(description + "\n2. " + bullets) == [], description


def test_opt_in_form_still_accepts_a_named_program() -> None:
    """The bare word "program" still names the program on an opt-in form."""
    text = FORM.replace("You will get appointment reminders and promotional offers.", "")
    assert "optin.program" in rules(audit_opt_in_form(text))
    assert "optin.program" not in rules(audit_opt_in_form(text + "\nJoin the Acme VIP program."))


# ---------------------------------------------------------------- privacy
#: The statement required by reference/leadconnector-twilio-suspension-appeal.md
#: ("For the privacy policy page").
ARTICLE_STATEMENT = (
    "No mobile information will be shared with third parties/affiliates for "
    "marketing/promotional purposes. Information sharing to subcontractors in support "
    "services, such as customer service is permitted. All other use case categories exclude "
    "text messaging originator opt-in data and consent; this information will not be shared "
    "with any third parties."
)


def test_article_privacy_statement_passes() -> None:
    assert audit_privacy_policy(ARTICLE_STATEMENT) == []
    assert audit_privacy_policy("We collect your name. " + ARTICLE_STATEMENT) == []


@pytest.mark.parametrize(
    "statement",
    [
        "We do not share mobile phone numbers or SMS opt-in data with third parties or "
        "affiliates for marketing purposes.",
        "Mobile opt-in information is never sold or shared with any third party.",
        "Text messaging originator opt-in data won\u2019t be shared with affiliates.",
        "NO MOBILE INFORMATION WILL BE SHARED WITH 3RD PARTIES OR AFFILIATES.",
    ],
)
def test_statement_variations_cancel_sharing_language(statement: str) -> None:
    policy = "We may share your information with our affiliates. " + statement
    assert audit_privacy_policy(policy) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "We may share your information with our affiliates.",
        "We sell customer lists to marketing partners.",
        "Your data may be disclosed to third-party service providers.",
        "Information is shared with 3rd parties.",
        "We may transfer data to an affiliate.",
    ],
)
def test_sharing_language_is_flagged(sentence: str) -> None:
    policy = "We collect your name and email. " + sentence + " Contact us with questions."
    found = audit_privacy_policy(policy)
    assert rules(found) == ["privacy.sharing"]
    assert found[0].severity is Severity.BLOCK
    assert found[0].tfv_code == 30477
    assert found[0].span is not None
    start, end = found[0].span
    assert policy[start:end] == sentence


def test_negative_mentions_are_warnings() -> None:
    found = audit_privacy_policy("We never sell your personal data.")
    assert rules(found) == ["privacy.sharing"]
    assert found[0].severity is Severity.WARN


def test_clean_policy_passes() -> None:
    assert audit_privacy_policy("We collect your name to book appointments.") == []
    assert audit_privacy_policy("") == []


def test_normalize_text() -> None:
    assert normalize_text("  Msg&Data \u201cRATES\u201d\n apply ") == "msg & data rates apply"
    assert normalize_text("Don\u2019t") == "dont"


# ---------------------------------------------------------------- fuzz
_ANY = st.one_of(st.none(), st.text(max_size=50), st.integers(), st.booleans())
_KNOWN = OPT_IN_IDS | {r for r, _ in TERMS_PARTS} | {"privacy.sharing"}


def _check(findings: list[Finding]) -> None:
    assert isinstance(findings, list)
    for f in findings:
        assert isinstance(f, Finding)
        assert f.rule in _KNOWN
        assert isinstance(f.severity, Severity)


@given(_ANY, _ANY, _ANY, _ANY)
@settings(max_examples=200)
def test_fuzz_audits(text: Any, flag1: Any, flag2: Any, brand: Any) -> None:
    calls: list[Callable[[], list[Finding]]] = [
        lambda: audit_opt_in_form(text),
        lambda: audit_opt_in_form(
            text, checkbox_preselected=flag1, single_message_program=flag2, brand=brand
        ),
        lambda: audit_terms(text),
        lambda: audit_privacy_policy(text),
    ]
    for call in calls:
        try:
            _check(call())
        except InvalidArgument:
            assert (
                not isinstance(text, str)
                or not all(isinstance(x, bool) for x in (flag1, flag2))
                or not (brand is None or (isinstance(brand, str) and brand.strip()))
            )


@given(st.text(max_size=300))
@settings(max_examples=150)
def test_fuzz_text_never_raises_and_ids_are_unique(text: str) -> None:
    for found in (audit_opt_in_form(text), audit_terms(text), audit_privacy_policy(text)):
        _check(found)
    ids = rules(audit_opt_in_form(text))
    assert len(ids) == len(set(ids))


@given(st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=200))
@settings(max_examples=150)
def test_adding_text_never_adds_a_missing_element(extra: str) -> None:
    """Missing-element findings are monotone: more text can only satisfy more."""
    for base in (FORM, _without("optin.stop"), ""):
        before = set(rules(audit_opt_in_form(base))) - {"optin.checkbox"}
        after = set(rules(audit_opt_in_form(base + "\n" + extra))) - {"optin.checkbox"}
        assert after <= before
    terms = "\n".join(t for _, t in TERMS_PARTS)
    assert audit_terms(terms + "\n" + extra) == []
