"""Audits of an opt-in form, a privacy policy and a terms page.

Why: reviewers (toll-free verification, 10DLC vetting, suspension appeals)
read these three texts before anything else, and each has a short list of
elements they check for. Finding a missing element before submission saves a
rejection cycle.

Sources
* Opt-in form, the 9 elements: sources.md [appeal], section "2. Please
  provide the Web URL address around your data collection methods"
  (program/description, organization, fee disclosure, frequency, customer
  care, opt-out, privacy link, terms link, optional un-checked SMS checkbox)
  and section "For the web form" (the SMS checkbox must be separate from the
  T&C/Privacy Policy consent). Customer care and opt-out are not required
  for single-message programs such as 2FA.
* Terms: the same article, section "For the terms and Conditions page" (the
  six carrier minimum bullets).
* Privacy policy: the same article, section "For the privacy policy page"
  (remove share/sell/affiliate/third-party language; state that no mobile
  information is shared with third parties/affiliates for marketing), and
  sources.md [tfv-rejections] (rejection 30477, opt-in
  shared with third parties).

Severities (a documented choice)
* BLOCK for every element the articles list as required: a reviewer rejects
  on any of them. ``optin.checkbox`` carries TFV code 30475 (consent made
  part of accepting the terms/service) and ``privacy.sharing`` 30477.
* WARN where the check is only a heuristic or advisory: ``optin.organization``
  when no ``brand=`` was given (the audit then only looks for "from <Name>"
  or a company-like name), and ``privacy.sharing`` for a sentence that
  mentions sharing only in the negative ("we do not sell your data") while
  the policy lacks the full no-sharing statement.

Matching is done on normalized text: Unicode NFKC, case folded, curly quotes
and dashes straightened, quotes dropped, ``&`` spaced, white space collapsed;
HTML tags are removed (a link's ``href`` is kept as text), and
``<input type="checkbox" ... checked>`` counts as a pre-selected checkbox.
Spans index the text as given.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import Final

import attrs

from a2p_policy._errors import InvalidArgument
from a2p_policy._findings import Finding, Severity

__all__ = [
    "MAX_AUDIT_TEXT",
    "OPT_IN_RULES",
    "TERMS_PROGRAM_PATTERNS",
    "TERMS_RULES",
    "AuditRule",
    "audit_opt_in_form",
    "audit_privacy_policy",
    "audit_terms",
    "normalize_text",
]

#: Longest text the audits accept (characters).
MAX_AUDIT_TEXT: Final = 1_000_000


@attrs.frozen(slots=True)
class AuditRule:
    """One required element: its rule id, how it is recognized, what to do."""

    rule: str
    message: str
    fix: str
    patterns: tuple[re.Pattern[str], ...]
    severity: Severity = Severity.BLOCK
    tfv_code: int | None = None

    def present(self, normalized: str) -> bool:
        return any(p.search(normalized) for p in self.patterns)


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


# ---------------------------------------------------------------- vocabulary
# Phrasings seen in the appeal article's examples, the Twilio opt-in examples
# (sources.md [tfv-api], "Opt-In Type") and common
# variants. Patterns run on normalize_text() output (lower case, no quotes).

_MSG_NOUN = (
    r"(?:msgs?|messages?|messaging|texts?|txts?|sms|mms|alerts?|notifications?|reminders?"
    r"|updates?|offers?|codes?|passcodes?|newsletters?)"
)
_MSG_TYPE = (
    r"(?:marketing|promotional|promotions?|offers?|deals?|discounts?|coupons?|sales?"
    r"|appointments?|reminders?|account|orders?|delivery|shipping|billing|payments?"
    r"|security|fraud|verification|one time|one-time|otp|2fa|two[ -]factor|authentication"
    r"|login|events?|customer care|support|informational|conversational|transactional"
    r"|recurring|automated|news|product|service|reservation|booking|order status)"
)
_VERB_KEYWORD = (
    r"\b(?:text|txt|reply|send|texting|replying|sending|respond|responding|message)"
    r"\s+(?:with\s+|back\s+)?(?:the\s+)?(?:keyword\s+|word\s+)?"
)
_STOP_WORDS = r"(?:stop|stopall|stop all|unsubscribe|cancel|end|quit|revoke|optout|opt out)"

PROGRAM_PATTERNS: Final = _rx(
    r"\bprogram\b",
    rf"\b{_MSG_TYPE}\b(?:\s+[\w-]+){{0,3}}?\s+{_MSG_NOUN}\b",
    rf"\b{_MSG_NOUN}\s+(?:about|regarding|related to|concerning|on|for|with)\s+"
    r"(?:your|our|the|upcoming|new|any)\b",
)
#: What the terms page's first bullet must say: the types of messages users
#: can expect. The appeal article's template ("For the terms and Conditions
#: page") opens with "{Program Name} 1. {Insert program description here; a
#: brief description of the types of messages users can expect upon opting
#: in.}"; its own bullets 2-6 mention "the messaging program" and "SMS
#: messages", so the bare word "program" (enough on an opt-in form, where it
#: names the program) does not describe anything on a terms page.
TERMS_PROGRAM_PATTERNS: Final = PROGRAM_PATTERNS[1:]
RATES_PATTERNS: Final = _rx(
    r"\bdata\s+rates?\b",
    r"\b(?:msgs?|messages?|messaging|texts?|txt|sms)\s*(?:&|and|\+|/)\s*data\b",
    r"\b(?:msg|message|messaging|text|txt|sms|carrier|standard)\s+(?:rates?|charges?|fees?)\b",
    r"\b(?:rates?|charges?|fees?)\s+(?:may|might|will|could|can)\s+apply\b",
)
FREQUENCY_PATTERNS: Final = _rx(
    r"\b(?:msgs?|messages?|messaging|texts?|txt|sms|alerts?)\s+frequency\b",
    r"\bfrequency\s+(?:varies|vary|may vary|will vary|differs|depends)\b",
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|a)"
    r"\s+(?:[\w-]+\s+){0,2}?(?:msgs?|messages?|texts?|txts?|alerts?|sms|notifications?"
    r"|reminders?)\s*(?:per|a|an|each|every|/)\s*(?:[\w-]+\s+)?(?:day|week|month|year"
    r"|login|log-in|sign-in|order|appointment|visit|request|transaction|quarter|purchase"
    r"|event|shipment|booking|reservation|mo|wk)\b",
    r"\b(?:daily|weekly|monthly|yearly|annual)\s+(?:[\w-]+\s+)?" + _MSG_NOUN + r"\b",
    r"\b(?:msgs?|messages?|texts?)\s+(?:will\s+be\s+sent\s+|are\s+sent\s+)?"
    r"(?:daily|weekly|monthly)\b",
    r"\brecurring\s+(?:[\w-]+\s+){0,2}?" + _MSG_NOUN + r"\b",
    r"\bup to\s+\d+\s+" + _MSG_NOUN + r"\b",
)
HELP_PATTERNS: Final = _rx(
    _VERB_KEYWORD + r"help\b",
    r"\bhelp\s+(?:to|at|@)\s*[+\d(]",
    r"\bfor\s+(?:help|assistance|support)\s*[,:]?\s*(?:call|contact|email|e-mail|text|reply"
    r"|visit|reach)",
    r"\bcustomer\s+(?:care|support|service)\s*(?:at|:|is available)",
)
STOP_PATTERNS: Final = _rx(
    _VERB_KEYWORD + _STOP_WORDS + r"\b",
    r"\b(?:stop|stopall|unsubscribe|optout)\s+to\s+(?:opt[ -]?out|unsubscribe|cancel|end"
    r"|stop|quit)\b",
)
PRIVACY_PATTERNS: Final = _rx(
    r"\bprivacy\s+(?:policy|statement|notice|page|terms)\b",
    r"/privacy",
    r"\bprivacy[-_]policy\b",
)
TERMS_PATTERNS: Final = _rx(
    r"\bterms\s*(?:and|&)\s*conditions\b",
    r"\bterms\s+of\s+(?:service|use)\b",
    r"\b(?:mobile|sms|messaging|text|texting|program)\s+terms\b",
    r"\bt\s*&\s*cs?\b",
    r"/terms",
    r"\b(?:our|the)\s+terms\b",
    r"\bprivacy\s+(?:policy|statement|notice)\s*(?:and|&)\s*terms\b",
    r"\bterms\s*(?:and|&)\s*privacy\b",
)
CARRIERS_PATTERNS: Final = _rx(
    r"\bcarriers?\b[^.]{0,60}?\b(?:not|arent|no)\s+(?:be\s+)?(?:held\s+)?(?:liable|responsible)",
    r"\b(?:not|no)\s+(?:be\s+)?(?:held\s+)?(?:liable|responsible|liability)\b[^.]{0,60}?"
    r"\bcarriers?\b",
)
#: A support contact for ``terms.help``: an email address, a North American
#: phone number, or a short code after "call/text/at/to".
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<!\d)(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}(?!\d)"
    r"|\b(?:call|text|txt|at|to)\s+\d{5,6}\b"
)

#: The 9 opt-in form elements (appeal article, section 2). ``optin.checkbox``
#: is handled separately (it is about the checkbox, not the text).
OPT_IN_RULES: Final[tuple[AuditRule, ...]] = (
    AuditRule(
        "optin.program",
        "the form does not name the program or describe the messages that will be sent",
        "say what the messages are, e.g. 'appointment reminders and promotional offers'",
        PROGRAM_PATTERNS,
    ),
    AuditRule(
        "optin.organization",
        "the form does not name the organization sending the messages",
        "name the business, e.g. 'I agree to receive messages from Acme Dental'",
        (),
    ),
    AuditRule(
        "optin.rates",
        "the form has no fee disclosure",
        "add 'Message and data rates may apply'",
        RATES_PATTERNS,
    ),
    AuditRule(
        "optin.frequency",
        "the form does not disclose the message frequency",
        "add e.g. 'Message frequency varies' or '4 messages per month'",
        FREQUENCY_PATTERNS,
    ),
    AuditRule(
        "optin.help",
        "the form has no customer care information",
        "add 'Text HELP for help' or 'Help at <phone number>'",
        HELP_PATTERNS,
    ),
    AuditRule(
        "optin.stop",
        "the form has no opt-out instructions",
        "add 'Reply STOP to cancel'",
        STOP_PATTERNS,
    ),
    AuditRule(
        "optin.privacy",
        "the form does not link to the privacy policy",
        "add a link to the privacy policy that describes how opt-in data is used",
        PRIVACY_PATTERNS,
    ),
    AuditRule(
        "optin.terms",
        "the form does not link to the terms and conditions",
        "add a link to the terms and conditions (mobile terms of service)",
        TERMS_PATTERNS,
    ),
)

#: The carrier minimum terms (appeal article, "For the terms and Conditions
#: page"). ``terms.help`` also needs a support contact (checked in code).
TERMS_RULES: Final[tuple[AuditRule, ...]] = (
    AuditRule(
        "terms.program",
        "the terms do not name the program or describe its messages",
        "start with the program name and a short description of the messages",
        TERMS_PROGRAM_PATTERNS,
    ),
    AuditRule(
        "terms.stop",
        "the terms do not say how to cancel with STOP",
        "add 'You can cancel the SMS service at any time: text STOP'",
        STOP_PATTERNS,
    ),
    AuditRule(
        "terms.help",
        "the terms do not give the HELP keyword and a support contact",
        "add 'Reply HELP for assistance, or contact <support email or toll-free number>'",
        HELP_PATTERNS,
    ),
    AuditRule(
        "terms.carriers",
        "the terms do not say carriers are not liable for delayed or undelivered messages",
        "add 'Carriers are not liable for delayed or undelivered messages'",
        CARRIERS_PATTERNS,
    ),
    AuditRule(
        "terms.rates",
        "the terms do not disclose message and data rates",
        "add 'Message and data rates may apply'",
        RATES_PATTERNS,
    ),
    AuditRule(
        "terms.frequency",
        "the terms do not disclose the message frequency",
        "add 'Message frequency varies'",
        FREQUENCY_PATTERNS,
    ),
    AuditRule(
        "terms.privacy",
        "the terms do not link to the privacy policy",
        "add 'For privacy-related inquiries, see our privacy policy: <link>'",
        PRIVACY_PATTERNS,
    ),
)

# Privacy policy vocabulary (appeal article, "For the privacy policy page").
_SHARING = re.compile(
    r"\b(?:share[sd]?|sharing|sell|sells|selling|sold|sale of|resell\w*|rent(?:s|ed|ing)?"
    r"|affiliat\w*|third[ -]?part(?:y|ies)|3rd[ -]?part(?:y|ies))\b"
)
_NEGATION = re.compile(
    r"\b(?:no|not|never|none|nor|neither|wont|dont|doesnt|cannot|cant|without|nothing)\b"
)
_MOBILE = re.compile(
    r"\b(?:mobile|sms|mms|text|texts|texting|phone|phones|cell|cellular|opt-in|opt in|optin"
    r"|originator|messaging|handset|wireless)\b"
)
_SHARE_VERB = re.compile(
    r"\b(?:shar\w*|sold|sell\w*|disclos\w*|rent\w*|transfer\w*|provid\w*|trad\w*|exchang\w*"
    r"|distribut\w*|release\w*)\b"
)
_PARTY = re.compile(
    r"\b(?:third[ -]?part\w*|3rd[ -]?part\w*|affiliat\w*|partners?|other (?:companies|"
    r"parties|party|entities|businesses))\b"
)

# Bundled consent: agreeing to the terms/privacy policy and to receive texts
# in one statement (appeal article, "For the web form").
_AGREE_TERMS = re.compile(
    r"\b(?:agree|accept|consent|acknowledge)\w*\s+(?:to\s+|with\s+)?(?:the\s+|our\s+|all\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:terms|privacy|t\s*&\s*c)"
)
_AGREE_RECEIVE = re.compile(
    r"\b(?:agree|accept|consent|opt in|opt-in|sign up|subscribe)\w*\b.{0,80}?\b(?:receive|get|be"
    r" sent|be contacted)\b.{0,60}?" + _MSG_NOUN
)
_AND_TERMS = re.compile(
    r"\b(?:and|&)\s+(?:to\s+|with\s+)?(?:the\s+|our\s+)(?:[\w-]+\s+)?(?:terms|privacy)"
)
_MESSAGES = re.compile(r"\b(?:sms|mms|texts?|text messages?|messages?|messaging|msgs?)\b")

_CHECKED_BOX = re.compile(
    r"<input\b(?=[^>]*\btype\s*=\s*[\"']?checkbox)(?=[^>]*\bchecked\b)[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_HREF = re.compile(r"\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\S))+[.!?]*")

_TRANSLATE: Final = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u200b": "",
        "\u00ad": "",
    }
)
_QUOTES_RE = re.compile(r"[\"'`]")
_AMP_RE = re.compile(r"\s*&\s*")
_WS_RE = re.compile(r"\s+")
_NON_WORD_EDGE = re.compile(r"^\W|\W$")


# ---------------------------------------------------------------- helpers
def normalize_text(text: str) -> str:
    """The form every audit pattern runs on (see the module docstring)."""
    t = unicodedata.normalize("NFKC", html.unescape(text)).translate(_TRANSLATE).casefold()
    t = _QUOTES_RE.sub("", t)
    t = _AMP_RE.sub(" & ", t)
    return _WS_RE.sub(" ", t).strip()


def _check_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise InvalidArgument(f"{name} must be a str, got {type(text).__name__}")
    if len(text) > MAX_AUDIT_TEXT:
        raise InvalidArgument(f"{name} is longer than {MAX_AUDIT_TEXT} characters")
    return text


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be a bool, got {type(value).__name__}")
    return value


def _strip_markup(text: str) -> str:
    """Replace each tag by its href (if any) padded to the tag's length, so
    offsets into the result are offsets into the original."""

    def repl(m: re.Match[str]) -> str:
        tag = m.group(0)
        href = _HREF.search(tag)
        inner = f" {href.group(1)} " if href else " "
        return inner.ljust(len(tag))[: len(tag)]

    return _TAG.sub(repl, text) if "<" in text else text


def _sentences(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _SENTENCE.finditer(text):
        chunk = m.group(0)
        body = chunk.strip()
        if body:
            start = m.start() + (len(chunk) - len(chunk.lstrip()))
            out.append((start, start + len(body), normalize_text(body)))
    return out


def _finding(rule: AuditRule, message: str | None = None) -> Finding:
    return Finding(
        rule=rule.rule,
        severity=rule.severity,
        message=message or rule.message,
        tfv_code=rule.tfv_code,
        fix=rule.fix,
    )


_ORG_STOP: Final = frozenset(
    [
        "the",
        "us",
        "you",
        "your",
        "our",
        "this",
        "that",
        "these",
        "those",
        "time",
        "any",
        "all",
        "a",
        "an",
        "which",
        "whom",
        "them",
        "it",
        "its",
        "my",
        "me",
        "other",
        "others",
        "here",
        "there",
        "now",
        "today",
        "then",
        "one",
        "each",
        "every",
        "day",
        "week",
        "month",
    ]
)
_FROM_NAME = re.compile(r"\b[Ff]rom\s+([A-Z0-9][\w&'.\-]*)")
_COMPANY = re.compile(
    r"\b[A-Z0-9][\w&'.\-]*\s+(?:Inc|LLC|L\.L\.C|Ltd|Corp|Corporation|Company|Co|GmbH|PLC|LLP"
    r"|LP|Group|Holdings)\b\.?"
)


def _has_organization(raw: str, normalized: str, brand: str | None) -> bool:
    if brand is not None:
        b = normalize_text(brand)
        if not b:
            return False
        left = r"\b" if b[0].isalnum() or b[0] == "_" else ""
        right = r"\b" if b[-1].isalnum() or b[-1] == "_" else ""
        return re.search(left + re.escape(b) + right, normalized) is not None
    for m in _FROM_NAME.finditer(raw):
        if m.group(1).casefold().strip(".'") not in _ORG_STOP:
            return True
    return _COMPANY.search(raw) is not None


def _bundled(sentences: Sequence[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The span of a sentence that folds SMS consent into accepting the
    terms or privacy policy, if any."""
    for start, end, s in sentences:
        if not _MESSAGES.search(s):
            continue
        if _AGREE_TERMS.search(s) and re.search(r"\b(?:receive|get|be sent|be contacted)\b", s):
            return start, end
        if _AGREE_RECEIVE.search(s) and _AND_TERMS.search(s):
            return start, end
    return None


# ---------------------------------------------------------------- audits
def audit_opt_in_form(
    text: str,
    *,
    checkbox_preselected: bool = False,
    single_message_program: bool = False,
    brand: str | None = None,
) -> list[Finding]:
    """Check an opt-in form's text for the 9 elements; one finding per
    missing element (rule ids ``optin.*``, see :data:`OPT_IN_RULES`).

    ``brand`` (optional) is the organization the form must name; without it
    the audit looks for "from <Name>" or a company name (WARN only).
    ``single_message_program`` waives HELP and STOP (e.g. 2FA).
    """
    raw = _check_text(text)
    pre = _check_flag(checkbox_preselected, "checkbox_preselected")
    single = _check_flag(single_message_program, "single_message_program")
    if brand is not None and not isinstance(brand, str):
        raise InvalidArgument(f"brand must be a str or None, got {type(brand).__name__}")
    if brand is not None and not brand.strip():
        raise InvalidArgument("brand must not be empty (pass None to guess from the text)")
    plain = _strip_markup(raw)
    normalized = normalize_text(plain)
    findings: list[Finding] = []
    for rule in OPT_IN_RULES:
        if single and rule.rule in ("optin.help", "optin.stop"):
            continue
        if rule.rule == "optin.organization":
            if not _has_organization(plain, normalized, brand):
                if brand is None:
                    findings.append(
                        attrs.evolve(
                            _finding(rule),
                            severity=Severity.WARN,
                            message=rule.message + " (no brand given: pass brand= to check it)",
                        )
                    )
                else:
                    findings.append(_finding(rule, f"the form does not name the brand {brand!r}"))
            continue
        if not rule.present(normalized):
            findings.append(_finding(rule))
    reasons: list[str] = []
    span: tuple[int, int] | None = None
    if pre or _CHECKED_BOX.search(raw):
        reasons.append("the SMS consent checkbox is pre-selected")
    bundled = _bundled(_sentences(plain))
    if bundled is not None:
        span = bundled
        reasons.append("SMS consent is bundled with accepting the terms/privacy policy")
    if reasons:
        findings.append(
            Finding(
                rule="optin.checkbox",
                severity=Severity.BLOCK,
                message="; ".join(reasons),
                tfv_code=30475,
                fix="use an optional, un-checked checkbox for SMS consent only, separate from "
                "the terms/privacy policy checkbox",
                span=span,
            )
        )
    return findings


def audit_terms(text: str) -> list[Finding]:
    """Check a terms page for the carrier minimum elements; one finding per
    missing element (``terms.program``, ``terms.stop``, ``terms.help``,
    ``terms.carriers``, ``terms.rates``, ``terms.frequency``,
    ``terms.privacy``; all BLOCK).

    ``terms.program`` needs a description of the messages, not just the word
    "program": the appeal article's template ("For the terms and Conditions
    page") starts "{Program Name} 1. {Insert program description here; a
    brief description of the types of messages users can expect upon opting
    in.}", and its later bullets already say "the messaging program"."""
    normalized = normalize_text(_strip_markup(_check_text(text)))
    findings: list[Finding] = []
    for rule in TERMS_RULES:
        if not rule.present(normalized):
            findings.append(_finding(rule))
        elif rule.rule == "terms.help" and not _CONTACT.search(normalized):
            findings.append(
                _finding(rule, "the terms give the HELP keyword but no support email or number")
            )
    return findings


def _has_no_sharing_statement(sentences: Sequence[tuple[int, int, str]]) -> bool:
    return any(
        _NEGATION.search(s) and _MOBILE.search(s) and _SHARE_VERB.search(s) and _PARTY.search(s)
        for _, _, s in sentences
    )


def audit_privacy_policy(text: str) -> list[Finding]:
    """Flag sharing/selling/affiliate/third-party language (``privacy.sharing``,
    one finding per sentence, with its span) unless the policy states that no
    mobile information is shared with third parties/affiliates for marketing.

    A sentence that mentions sharing only in the negative is a WARN; any
    other is a BLOCK (TFV rejection 30477).
    """
    plain = _strip_markup(_check_text(text))
    sentences = _sentences(plain)
    if _has_no_sharing_statement(sentences):
        return []
    findings: list[Finding] = []
    for start, end, s in sentences:
        m = _SHARING.search(s)
        if m is None:
            continue
        negated = _NEGATION.search(s) is not None
        findings.append(
            Finding(
                rule="privacy.sharing",
                severity=Severity.WARN if negated else Severity.BLOCK,
                message=f"the policy mentions {m.group(0)!r} of personal information"
                + (" (in the negative)" if negated else ""),
                tfv_code=30477,
                fix="remove sharing/selling/affiliate/third-party language and state: 'No "
                "mobile information will be shared with third parties/affiliates for "
                "marketing/promotional purposes.'",
                span=(start, end),
            )
        )
    return findings
