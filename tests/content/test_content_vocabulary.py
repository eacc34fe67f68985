"""Every vocabulary term is caught alone, in capitals and inside a sentence."""

from __future__ import annotations

import re

import pytest

from a2p_policy._content.linter import RULES, ContentLinter, term_key
from a2p_policy._content.vocabulary import CATEGORIES, COLD_OUTREACH, URL_SHORTENERS
from a2p_policy._findings import Severity

LINTER = ContentLinter()
TERMS = [(c.rule, t) for c in (*CATEGORIES.values(), COLD_OUTREACH) for t in c.terms]
EXCEPTIONS = [(c.rule, t) for c in CATEGORIES.values() for t in c.exceptions]

API_CODES = {
    "shaft.sex": 30441, "shaft.hate": 30455, "shaft.alcohol": 30456,
    "shaft.firearms": 30457, "shaft.tobacco": 30458, "shaft.cannabis": 30459,
    "disallowed.loans": 30443, "disallowed.debt_collection": 30460,
    "disallowed.gambling": 30461, "disallowed.sweepstakes": 30462,
    "disallowed.stock_alerts": 30463, "disallowed.crypto": 30464,
    "disallowed.risk_investment": 30465, "disallowed.debt_reduction": 30466,
    "disallowed.credit_repair": 30467, "disallowed.lead_generation": 30468,
    "disallowed.illegal_substances": 30469,
}  # fmt: skip


def rules_of(text: str) -> set[str]:
    return {f.rule for f in LINTER.lint(text, initial=False)}


@pytest.mark.parametrize(("rule", "code"), sorted(API_CODES.items()))
def test_api_rule_ids_codes_and_block(rule: str, code: int) -> None:
    assert CATEGORIES[rule].tfv_code == code
    assert CATEGORIES[rule].severity is Severity.BLOCK
    assert RULES[rule] == (Severity.BLOCK, code)


def test_url_rules() -> None:
    assert RULES["url.shortener"] == (Severity.BLOCK, 30449)
    assert RULES["url.insecure"] == (Severity.BLOCK, 30471)
    assert RULES["sender.missing"][0] is Severity.WARN
    assert RULES["optout.missing"][0] is Severity.WARN
    assert RULES["evasion.obfuscation"][0] is Severity.WARN


# One test per table (each lists every entry that fails): the tables hold
# about 850 entries, and a test per entry costs more in the runner than the
# check itself.
def test_each_term_is_caught() -> None:
    missed = [
        (rule, term)
        for rule, term in TERMS
        if term_key(term) != term_key(term.upper())
        or rule not in rules_of(f"Hello, {term} here.")
        or rule not in rules_of(f"HELLO, {term.upper()} HERE.")
    ]
    assert len(TERMS) > 500
    assert missed == []


def test_each_exception_is_innocent() -> None:
    flagged = [
        (rule, term) for rule, term in EXCEPTIONS if rule in rules_of(f"Hello, {term} here.")
    ]
    assert EXCEPTIONS
    assert flagged == []


def test_each_shortener_is_caught() -> None:
    missed = [
        domain
        for domain in sorted(URL_SHORTENERS)
        if "url.shortener" not in rules_of(f"See https://{domain}/abc123 today")
        or "url.shortener" not in rules_of(f"See {domain.upper()}/abc123 today")
    ]
    assert len(URL_SHORTENERS) > 20
    assert missed == []


def test_terms_are_normalized_lower_case() -> None:
    for rule, term in TERMS:
        assert term == term.lower(), (rule, term)
        assert re.fullmatch(r"[a-z0-9' $%.&-]+", term), (rule, term)
