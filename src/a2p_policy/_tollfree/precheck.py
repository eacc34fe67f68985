"""Pre-submission check: predict a reviewer's rejection codes before sending.

Why: a rejection costs days, and some (SHAFT, disallowed content) are final
and block the number. Most rejections in the reference articles are
visible in the request itself: a sample without brand or opt-out, a
shortened or ``http://`` link, an opt-in URL that is a home page or sits
behind a login, "N/A" answers, a one-word use case, marketing without
express consent, consent bundled with the service or shared with partners,
an ISV's name in place of the end business, too many numbers for one
business. :func:`precheck` reports each as a :class:`~a2p_policy.Finding`
naming the field, the rejection code it predicts and the fix.

Sources
- sources.md [tfv-api]: "Business Name"
  (rejected: the ISV's name, "N/A"), "Production Message Sample" (brand,
  opt-out; must match the use case), "Use Case Summary" (rejected:
  "Marketing"), "Opt-In Image URLs" (rejected: a bare home page, links
  behind a login or in a private drive), "Opt-in" (marketing needs express
  consent), rejection table (codes).
- sources.md [tfv-rejections]: corrections for 30446,
  30448, 30449, 30471, 30474, 30475, 30476 ("N/A", "see attached",
  "Online", "Text to Join", "Keyword"; "'Opt in' is part of Terms of
  Service or Privacy Policy" -> ``tfv.optin.terms_page``; "Opt in links
  provided are behind login/password secure links" -> ``tfv.optin.login``),
  30473 ("password protected" -> ``tfv.website.login``; the API article's
  Business Website: "The URL is behind a login/password"), 30477, 30479.
- sources.md: content and toll-free verification. Content vocabularies (SHAFT, disallowed, URL
  shorteners, opt-out and sender phrasing) come from :mod:`a2p_policy._content`;
  this module keeps only the request-level phrase lists below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import SplitResult, urlsplit

from a2p_policy._errors import InvalidArgument
from a2p_policy._findings import Finding, Severity
from a2p_policy._tollfree.models import TollFreeVerificationRequest, public_url_problem

__all__ = [
    "CONDITION_OF_SERVICE_PHRASES",
    "IMPLIED_CONSENT_PHRASES",
    "JUSTIFICATION_WORDS",
    "MAX_NUMBERS_PER_BUSINESS",
    "MIN_SUMMARY_WORDS",
    "NOT_AN_ANSWER",
    "PRIVATE_LINK_HOSTS",
    "PRIVATE_LINK_HOST_LABELS",
    "PRIVATE_LINK_PATH_WORDS",
    "TERMS_PAGE_SEGMENT",
    "THIRD_PARTY_PHRASES",
    "normalize_business_name",
    "precheck",
]

#: Answers that are not answers (resubmission article, 30476: "N/A", "see
#: attached", "Online", "Text to Join", "Keyword"; API article, Business
#: Name: "N/A").
NOT_AN_ANSWER: Final[frozenset[str]] = frozenset(
    {
        "n/a",
        "na",
        "n.a.",
        "n.a",
        "none",
        "null",
        "nil",
        "-",
        "--",
        "...",
        ".",
        "tbd",
        "tba",
        "test",
        "testing",
        "asdf",
        "xxx",
        "see attached",
        "attached",
        "see above",
        "same",
        "same as above",
        "online",
        "text to join",
        "keyword",
        "website",
        "web",
        "unknown",
        "not applicable",
        "no",
        "yes",
        "lorem ipsum",
    }
)

#: Hosts whose links are private or need a login (resubmission article,
#: 30476: "Opt in links are expired or private such i.e. Google Drive",
#: "behind login/password secure links").
PRIVATE_LINK_HOSTS: Final[frozenset[str]] = frozenset(
    {
        "drive.google.com",
        "docs.google.com",
        "dropbox.com",
        "www.dropbox.com",
        "onedrive.live.com",
        "1drv.ms",
        "sharepoint.com",
        "box.com",
        "app.box.com",
        "icloud.com",
        "www.icloud.com",
    }
)

#: Path words of a login wall (same source).
PRIVATE_LINK_PATH_WORDS: Final[tuple[str, ...]] = (
    "login",
    "log-in",
    "signin",
    "sign-in",
    "auth",
    "account/login",
    "wp-admin",
    "wp-login",
    "admin",
    "logon",
    "log-on",
    "sso",
    "login-page",
    "signin-page",
    "member-login",
    "client-login",
    "customer-login",
    "user-login",
)

#: First host labels of a login wall ("login.example.com"; same source, and
#: for a business website the API article's "Rejected Example: ... The URL is
#: behind a login/password").
PRIVATE_LINK_HOST_LABELS: Final[frozenset[str]] = frozenset(
    {"login", "signin", "sign-in", "auth", "sso", "accounts"}
)

#: A path segment that is a terms-of-service or privacy-policy page
#: ("terms-of-service", "privacy_policy.html", "sms-terms", "tos"): the
#: resubmission article, 30476: "'Opt in' is part of Terms of Service or
#: Privacy Policy" -> "Provide updated opt in that is outside of terms or
#: service or privacy policy".
TERMS_PAGE_SEGMENT: Final = re.compile(
    r"(?:[a-z]+-)?(?:terms|privacy|tos|t-?and-?c|t-?c|legal|eula)"
    r"(?:-?(?:of-?service|of-?use|and-?conditions|conditions|of-?sale|policy|notice|statement"
    r"|center|centre|page))?(?:\.[a-z0-9]{1,5})?"
)

#: Consent that is not express, for marketing (30446: "cannot be part of a
#: transaction, terms of service, or privacy policy").
IMPLIED_CONSENT_PHRASES: Final[tuple[str, ...]] = (
    "by providing your phone number",
    "by providing their phone number",
    "by entering your phone number",
    "by making a purchase",
    "by purchasing",
    "by signing up for an account",
    "by creating an account",
    "by using our service",
    "by using this site",
    "as part of checkout",
    "at checkout",
    "pre-checked",
    "prechecked",
    "automatically enrolled",
    "automatically opted in",
    "opted in by default",
    "implied consent",
    "by agreeing to our terms",
    "by accepting our terms",
    "agree to the terms of service",
    "accept the terms and conditions",
    "purchased list",
    "imported list",
    "uploaded contacts",
    "existing customers list",
)

#: Messaging consent bundled with the service (30475).
CONDITION_OF_SERVICE_PHRASES: Final[tuple[str, ...]] = (
    "required to receive text",
    "required to receive sms",
    "must agree to receive",
    "must consent to receive",
    "required to use our service",
    "required for service",
    "condition of service",
    "condition of purchase",
    "condition of employment",
    "mandatory sms",
    "sms consent is required",
    "consent is required to",
)

#: Opt-in shared with other businesses (30477, also 30468).
THIRD_PARTY_PHRASES: Final[tuple[str, ...]] = (
    "third party",
    "third parties",
    "3rd party",
    "3rd parties",
    "our partners",
    "marketing partners",
    "affiliates",
    "affiliated companies",
    "share your information",
    "share your number",
    "share your phone number",
    "sell your information",
    "sold to",
    "partner companies",
    "other businesses",
    "lead generation",
)

#: Words that explain why one business needs more than five numbers
#: (resubmission article, 30479: agents, departments, locations).
JUSTIFICATION_WORDS: Final[tuple[str, ...]] = (
    "location",
    "locations",
    "department",
    "departments",
    "agent",
    "agents",
    "franchise",
    "branch",
    "branches",
    "store",
    "stores",
    "office",
    "offices",
    "team",
    "teams",
)

#: More numbers than this for one business need a justification (30479).
MAX_NUMBERS_PER_BUSINESS: Final = 5

#: A use-case summary shorter than this is vague (API article, "Use Case
#: Summary": "Marketing" is the rejected example).
MIN_SUMMARY_WORDS: Final = 8

_WORD = re.compile(r"[^\W_]+")
_LEGAL = re.compile(
    r"\b(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|gmbh|"
    r"lp|llp|pc|pllc)\b\.?"
)


def normalize_business_name(name: str) -> str:
    """Case-, accent-, punctuation- and legal-suffix-free form of a name
    ("Owl, Inc." -> "owl")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _LEGAL.sub(" ", text)
    return " ".join(_WORD.findall(text))


def _finding(
    rule: str,
    severity: Severity,
    field: str,
    message: str,
    fix: str,
    code: int | None,
) -> Finding:
    return Finding(
        rule=rule, severity=severity, message=message, tfv_code=code, field=field, fix=fix
    )


def _contains(text: str, phrases: Iterable[str]) -> str | None:
    low = " ".join(text.lower().split())
    for phrase in phrases:
        if re.search(rf"(?<![^\W_]){re.escape(phrase)}(?![^\W_])", low):
            return phrase
    return None


def _is_not_an_answer(value: str) -> bool:
    return " ".join(value.lower().split()).strip(" .!") in NOT_AN_ANSWER or not _WORD.search(value)


def precheck(
    request: TollFreeVerificationRequest,
    *,
    isv_names: Sequence[str] = (),
    numbers_for_business: int | None = None,
) -> list[Finding]:
    """Predict the rejection codes a reviewer would give ``request``.

    ``isv_names``: the ISV's own names (a submission in their name gets
    30474). ``numbers_for_business``: how many toll-free numbers this business
    has (with this one); more than five without a justification in
    ``additional_information`` gets 30479. Findings are BLOCK when the
    articles name the case as a rejection, WARN when it is a likely one.
    """
    if not isinstance(request, TollFreeVerificationRequest):
        raise InvalidArgument(
            f"precheck takes a TollFreeVerificationRequest, got {type(request).__name__}"
        )
    if isinstance(isv_names, str):
        isv_names = (isv_names,)
    if any(not isinstance(n, str) for n in isv_names):
        raise InvalidArgument("isv_names must be strings")
    if numbers_for_business is not None and (
        isinstance(numbers_for_business, bool)
        or not isinstance(numbers_for_business, int)
        or numbers_for_business < 0
    ):
        raise InvalidArgument("numbers_for_business must be an int >= 0 or None")
    out: list[Finding] = []
    out += _business_findings(request, isv_names, numbers_for_business)
    out += _answer_findings(request)
    out += _sample_findings(request)
    out += _opt_in_findings(request)
    out += _content_findings(request)
    return out


# ----------------------------------------------------------------- business


def _business_findings(
    req: TollFreeVerificationRequest, isv_names: Sequence[str], numbers: int | None
) -> list[Finding]:
    out: list[Finding] = []
    if req.business_type is None:
        out.append(
            _finding(
                "tfv.business_type.missing",
                Severity.BLOCK,
                "business_type",
                "business_type is missing: the API now requires it (and, unless "
                "SOLE_PROPRIETOR, the registration number, authority and country)",
                "Set business_type (PRIVATE_PROFIT, PUBLIC_PROFIT, SOLE_PROPRIETOR, "
                "NON_PROFIT, GOVERNMENT) and the business registration fields.",
                30472,
            )
        )
    name = normalize_business_name(req.business_name)
    isv = {normalize_business_name(n) for n in isv_names if normalize_business_name(n)}
    for field in ("business_name", "doing_business_as"):
        value = getattr(req, field)
        if value and normalize_business_name(value) in isv:
            out.append(
                _finding(
                    "tfv.business.isv",
                    Severity.BLOCK,
                    field,
                    f"{field} {value!r} is the ISV, not the end business sending the messages",
                    "Give the end business's name, address, contact, email and website "
                    "(the business the recipient engages with).",
                    30474,
                )
            )
    if numbers is not None and numbers > MAX_NUMBERS_PER_BUSINESS:
        info = req.additional_information or ""
        if not _contains(info, JUSTIFICATION_WORDS):
            out.append(
                _finding(
                    "tfv.business.too_many_numbers",
                    Severity.BLOCK,
                    "additional_information",
                    f"{numbers} toll-free numbers for {req.business_name!r} (more than "
                    f"{MAX_NUMBERS_PER_BUSINESS}) without a justification",
                    "Explain in additional_information why one business needs more than "
                    "five numbers (agents, departments, locations with their addresses).",
                    30479,
                )
            )
    if name and req.business_website:
        parts = urlsplit(req.business_website)
        host = (parts.hostname or "").lower()
        if _behind_login(parts) and host not in PRIVATE_LINK_HOSTS:
            out.append(
                _finding(
                    "tfv.website.login",
                    Severity.BLOCK,
                    "business_website",
                    f"business_website {req.business_website!r} looks like a page behind a "
                    "login or password",
                    "Give the end business's live, public website (a page anyone can open "
                    "without signing in).",
                    30473,
                )
            )
        if host in PRIVATE_LINK_HOSTS:
            out.append(
                _finding(
                    "tfv.website.private",
                    Severity.BLOCK,
                    "business_website",
                    f"business_website {req.business_website!r} is not the business's site",
                    "Give the end business's public website (or public social media page).",
                    30473,
                )
            )
    return out


_ANSWER_FIELDS: Final[tuple[tuple[str, int | None], ...]] = (
    ("business_name", 30474),
    ("doing_business_as", 30472),
    ("business_street_address", 30451),
    ("business_city", 30451),
    ("business_state_province_region", 30451),
    ("business_postal_code", 30451),
    ("business_contact_first_name", 30472),
    ("business_contact_last_name", 30472),
    ("use_case_summary", None),
    ("production_message_sample", None),
    ("additional_information", None),
    ("opt_in_confirmation_message", 30476),
    ("help_message_sample", None),
)


def _answer_findings(req: TollFreeVerificationRequest) -> list[Finding]:
    out: list[Finding] = []
    for field, code in _ANSWER_FIELDS:
        value = getattr(req, field)
        if isinstance(value, str) and _is_not_an_answer(value):
            out.append(
                _finding(
                    "tfv.field.not_an_answer",
                    Severity.BLOCK,
                    field,
                    f"{field} is {value!r}, which reviewers treat as no answer",
                    f"Write the real {field.replace('_', ' ')} of the end business.",
                    code,
                )
            )
    summary = req.use_case_summary
    words = _WORD.findall(summary)
    categories = {c.replace("_", " ").lower() for c in req.use_case_categories}
    if not _is_not_an_answer(summary) and (
        len(words) < 2 or " ".join(w.lower() for w in words) in categories
    ):
        out.append(
            _finding(
                "tfv.summary.vague",
                Severity.BLOCK,
                "use_case_summary",
                f"use_case_summary {summary!r} does not say what messages are sent or to whom",
                "Describe who receives the messages, what they contain and why, e.g. "
                "'Sends order confirmations and delivery updates to customers of ...'.",
                None,
            )
        )
    elif len(words) < MIN_SUMMARY_WORDS:
        out.append(
            _finding(
                "tfv.summary.short",
                Severity.WARN,
                "use_case_summary",
                f"use_case_summary has {len(words)} words; a detailed summary is reviewed faster",
                "Say who the recipients are, how they opted in, what the messages contain "
                "and how often.",
                None,
            )
        )
    return out


# ------------------------------------------------------------------- sample


def _sample_findings(req: TollFreeVerificationRequest) -> list[Finding]:
    out: list[Finding] = []
    sample = req.production_message_sample
    brands = [b for b in (req.business_name, req.doing_business_as) if b]
    if not _has_brand(sample, brands):
        out.append(
            _finding(
                "tfv.sample.brand",
                Severity.WARN,
                "production_message_sample",
                "production_message_sample does not name the business sending it",
                f"Start the sample with the business name, e.g. '{brands[0]}: ...'.",
                None,
            )
        )
    if not _has_opt_out(sample):
        out.append(
            _finding(
                "tfv.sample.opt_out",
                Severity.WARN,
                "production_message_sample",
                "production_message_sample has no opt-out language",
                "End the sample with 'Reply STOP to opt out.'",
                None,
            )
        )
    return out


def _has_brand(sample: str, brands: Sequence[str]) -> bool:
    from a2p_policy._content.identify import has_sender_id

    # A name without letters or digits cannot be found in a text: it never
    # identifies the sender (the linter refuses such a brand outright). A
    # name longer than the linter's brand patterns (200 characters; the model
    # allows 500) is looked for as it is written, case aside.
    folded = sample.casefold()
    return any(
        has_sender_id(sample, brand=b) if len(b) <= _PATTERN_BRAND else b.casefold() in folded
        for b in brands
        if b and _nameable(b)
    )


#: Longest name the linter's brand patterns take.
_PATTERN_BRAND = 200


def _nameable(name: str | None) -> bool:
    return bool(name) and any(ch.isalnum() for ch in name or "")


def _has_opt_out(sample: str) -> bool:
    from a2p_policy._content.identify import has_opt_out

    return has_opt_out(sample)


# ------------------------------------------------------------------- opt-in


def _opt_in_findings(req: TollFreeVerificationRequest) -> list[Finding]:
    website = urlsplit(req.business_website)
    out = [
        finding
        for index, url in enumerate(req.opt_in_image_urls)
        if (finding := _opt_in_link_finding(req, website, index, url)) is not None
    ]
    return out + _opt_in_text_findings(req)


def _opt_in_link_finding(
    req: TollFreeVerificationRequest, website: SplitResult, index: int, url: str
) -> Finding | None:
    """The problem with one opt-in link (sources.md [tfv-rejections], the
    "Opt-in" rows: private drives, pages behind a login, the terms or privacy
    page, a home page), or None."""
    field = f"opt_in_image_urls[{index}]"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.strip("/")
    problem = public_url_problem(url)
    if problem:  # pragma: no cover - the model already refuses these
        return _finding(
            "tfv.optin.url",
            Severity.BLOCK,
            field,
            f"{url!r} {problem}",
            "Give a public link.",
            30476,
        )
    if host in PRIVATE_LINK_HOSTS or any(h in host for h in ("sharepoint.com",)):
        return _finding(
            "tfv.optin.private_link",
            Severity.BLOCK,
            field,
            f"{url!r} is a private drive or document link reviewers cannot open",
            "Host the opt-in screenshot or document on the business's public website.",
            30476,
        )
    if _behind_login(parts):
        return _finding(
            "tfv.optin.login",
            Severity.BLOCK,
            field,
            f"{url!r} looks like a page behind a login",
            "Link the public page where the number is entered, or a screenshot of it.",
            30476,
        )
    if (
        _is_terms_page(parts)
        or _same_url(url, req.terms_and_conditions_url)
        or _same_url(url, req.privacy_policy_url)
    ):
        return _finding(
            "tfv.optin.terms_page",
            Severity.BLOCK,
            field,
            f"{url!r} is a terms-of-service or privacy-policy page: an opt-in inside "
            "the terms or privacy policy is not an opt-in",
            "Link the page (or a screenshot) where the customer opts in to texts, "
            "outside the terms of service and privacy policy.",
            30476,
        )
    if not path and not parts.query:
        same_site = host.removeprefix("www.") == (website.hostname or "").lower().removeprefix(
            "www."
        )
        return _finding(
            "tfv.optin.home_page",
            Severity.BLOCK,
            field,
            f"{url!r} is a home page"
            + (" (the business website)" if same_site else "")
            + ", not the page where consent is collected",
            "Link the exact sign-up page or a screenshot/document of the opt-in "
            "(e.g. https://example.com/signupforsms).",
            30476,
        )
    return None


def _opt_in_text_findings(req: TollFreeVerificationRequest) -> list[Finding]:
    """Consent as a condition of service, shared consent, implied marketing
    consent (sources.md [tfv-rejections], 30475, 30477, 30446)."""
    out: list[Finding] = []
    texts = [
        (f, getattr(req, f))
        for f in ("opt_in_confirmation_message", "additional_information", "use_case_summary")
        if getattr(req, f)
    ]
    marketing = "MARKETING" in req.use_case_categories
    for field, text in texts:
        phrase = _contains(text, CONDITION_OF_SERVICE_PHRASES)
        if phrase:
            out.append(
                _finding(
                    "tfv.optin.condition_of_service",
                    Severity.BLOCK,
                    field,
                    f"{field} makes messaging consent a condition of service ({phrase!r})",
                    "Collect SMS consent separately and optionally: the customer must be able "
                    "to use the service without agreeing to texts.",
                    30475,
                )
            )
        phrase = _contains(text, THIRD_PARTY_PHRASES)
        if phrase:
            out.append(
                _finding(
                    "tfv.optin.third_party",
                    Severity.BLOCK,
                    field,
                    f"{field} suggests the opt-in is shared with others ({phrase!r})",
                    "Remove information-sharing language: consent is one-to-one with the "
                    "business sending the messages, and is not shared or sold.",
                    30477,
                )
            )
        if marketing:
            phrase = _contains(text, IMPLIED_CONSENT_PHRASES)
            if phrase and field != "use_case_summary":
                out.append(
                    _finding(
                        "tfv.optin.not_express",
                        Severity.BLOCK,
                        field,
                        f"marketing consent looks implied, not express ({phrase!r})",
                        "Use a stand-alone, unchecked opt-in for marketing texts, separate from "
                        "purchase, terms of service and privacy policy.",
                        30446,
                    )
                )
    if marketing and req.opt_in_type == "VERBAL" and not req.opt_in_confirmation_message:
        out.append(
            _finding(
                "tfv.optin.not_express",
                Severity.WARN,
                "opt_in_type",
                "marketing with VERBAL opt-in and no opt-in confirmation message: reviewers "
                "need proof of express consent",
                "Link the verbal script in opt_in_image_urls and set "
                "opt_in_confirmation_message (the text sent after the customer agrees).",
                30446,
            )
        )
    return out


def _segments(path: str) -> list[str]:
    return [seg for seg in path.lower().replace("_", "-").split("/") if seg]


def _behind_login(parts: SplitResult) -> bool:
    """A link to a page behind a login wall.

    Sources: the resubmission article, 30476 ("Opt in links provided are
    behind login/password secure links") and 30473 ("Corporate URL/Website
    provided did not resolve, is not yet live, says 'Coming Soon', password
    protected, etc"); the API article, Business Website ("Rejected Example:
    ... The URL is behind a login/password"). A path segment (without its
    file extension) naming a login page, a path holding ``account/login``,
    or a host whose first label is one (``login.example.com``).
    """
    segments = [seg.rsplit(".", 1)[0] if "." in seg else seg for seg in _segments(parts.path)]
    joined = "/" + "/".join(segments) + "/"
    if any(f"/{w}/" in joined for w in PRIVATE_LINK_PATH_WORDS):
        return True
    host = (parts.hostname or "").lower()
    return host.split(".", 1)[0] in PRIVATE_LINK_HOST_LABELS and host.count(".") >= 2


def _is_terms_page(parts: SplitResult) -> bool:
    """An opt-in link that is the terms of service or the privacy policy.

    Source: the resubmission article, 30476 ("Opt-in - No opt-in provided"):
    "'Opt in' is part of Terms of Service or Privacy Policy" -> "Provide
    updated opt in that is outside of terms or service or privacy policy".
    The last path segment (the page itself) is checked, so a screenshot
    stored under ``/legal/`` or a page named "privacy-first-signup" pass.
    """
    segments = _segments(parts.path)
    return bool(segments) and TERMS_PAGE_SEGMENT.fullmatch(segments[-1]) is not None


def _same_url(url: str, other: str | None) -> bool:
    if not other:
        return False

    def key(value: str) -> tuple[str, str]:
        p = urlsplit(value.strip())
        return ((p.hostname or "").lower().removeprefix("www."), p.path.rstrip("/").lower())

    # A home page is reported as a home page, even when the policy is there.
    return bool(key(url)[1]) and key(url) == key(other)


# ------------------------------------------------------------------- content

_SHAFT_DISALLOWED: Final = frozenset(range(30441, 30471)) - {
    30442,
    30444,
    30445,
    30446,
    30447,
    30448,
    30449,
    30451,
    30452,
}


def _content_findings(req: TollFreeVerificationRequest) -> list[Finding]:
    out: list[Finding] = []
    brand = req.doing_business_as or req.business_name
    for field in (
        "use_case_summary",
        "production_message_sample",
        "business_name",
        "doing_business_as",
    ):
        text = getattr(req, field)
        if not text:
            continue
        for f in _lint(text, brand):
            code = f.tfv_code
            is_url = code in (30449, 30471)
            if is_url and field != "production_message_sample":
                continue
            if not is_url and code not in _SHAFT_DISALLOWED:
                continue
            severity, fix, rule = Severity.BLOCK, f.fix, f.rule
            if code == 30456 and req.age_gated_content:
                severity = Severity.WARN
                fix = (
                    "Alcohol needs a robust age gate: collect the date of birth "
                    "(MM/DD/YYYY), not a yes/no 'Are you 21+' question."
                )
            out.append(
                Finding(
                    rule=f"tfv.content.{rule}",
                    severity=severity,
                    message=f"{field}: {f.message}",
                    tfv_code=code,
                    field=field,
                    fix=fix or _content_fix(code),
                    span=f.span,
                )
            )
    return out


def _content_fix(code: int | None) -> str:
    if code == 30449:
        return "Use the full link on the business's own domain, not a public shortener."
    if code == 30471:
        return "Use https:// links only."
    return (
        "This category is not allowed on toll-free numbers and is not resubmittable; "
        "remove it only if the business does not actually send such content."
    )


def _lint(text: str, brand: str | None) -> list[Finding]:
    from a2p_policy._content.linter import ContentLinter

    # Only the SHAFT, disallowed and URL findings are kept (see the caller):
    # the brand only helps the linter; a name too long for its brand
    # patterns is left out rather than refused.
    usable = (
        brand if brand is not None and _nameable(brand) and len(brand) <= _PATTERN_BRAND else None
    )
    findings: list[Finding] = ContentLinter().lint(text, brand=usable, initial=True)
    return findings
