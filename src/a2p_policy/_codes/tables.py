"""The code tables: delivery and API errors, toll-free rejection codes,
Compliance API HTTP errors.

Every table is a typed, read-only module constant with its source:

* :data:`DELIVERY_ERRORS` - Twilio messaging error codes. Meanings from
  Twilio's error dictionary (https://www.twilio.com/docs/api/errors/<code>);
  the DND action of 30003/30004/30005/30006/30008 from
  sources.md [policy] ("Spam Message Handling",
  the undelivered error-code table) and of 21610 from sources.md: DND; 30032
  from sources.md [tfv-api] (unverified toll-free numbers fail with 30032)
  and sources.md [tfv-rejections] ("What happens to my traffic ...").
* :data:`TOLLFREE_REJECTIONS` - codes 30437-30480 with description and
  "Resubmittable?" exactly as the table "Rejection codes and solutions" in
  sources.md [tfv-api] (a test parses the article and compares every row).
* :data:`TOLLFREE_CORRECTIONS` - the correction advice for the codes the
  resubmission article covers (sources.md [tfv-rejections], both tables),
  paraphrased; the article names categories, not numbers, so the mapping to
  codes is ours and follows the category names.
* :data:`TOLLFREE_FAMILIES` - code ranges Twilio added after the article
  (30481-30546 in May 2025, 30800-30879 for the generic verification
  rejections); sources.md: toll-free verification says to classify them by family only.
* :data:`COMPLIANCE_HTTP_ERRORS` - the error table at the end of
  sources.md [tfv-api] (400, 404, 409, 422,
  500), plus 401/403/429/503 with their standard HTTP meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from a2p_policy._codes.models import DndAction, ErrorCategory

__all__ = [
    "COMPLIANCE_HTTP_ERRORS",
    "DELIVERY_ERRORS",
    "DND_ARTICLE",
    "GENERIC_CORRECTION_NOT_RESUBMITTABLE",
    "GENERIC_CORRECTION_RESUBMITTABLE",
    "TFV_API_ARTICLE",
    "TFV_RESUBMISSION_ARTICLE",
    "TOLLFREE_CORRECTIONS",
    "TOLLFREE_FAMILIES",
    "TOLLFREE_REJECTIONS",
    "TWILIO_ERROR_DICTIONARY",
    "DeliveryError",
    "HttpError",
    "RejectionFamily",
    "TollFreeRejection",
]

DND_ARTICLE: Final = "Phone Messaging Policy and Compliance (HighLevel/LeadConnector help center)"
TFV_API_ARTICLE: Final = "Twilio, Toll-Free Verification with the Messaging Compliance API"
TFV_RESUBMISSION_ARTICLE: Final = (
    "Twilio, Toll-Free Verification rejections and resubmission (help center)"
)
TWILIO_ERROR_DICTIONARY: Final = "https://www.twilio.com/docs/api/errors"


@attrs.frozen(slots=True)
class DeliveryError:
    """One row of :data:`DELIVERY_ERRORS`."""

    description: str
    dnd_action: DndAction
    is_error: bool
    retryable: bool
    category: ErrorCategory
    source: str


_T, _P, _N = DndAction.TEMPORARY, DndAction.PERMANENT, DndAction.NONE
_DEL, _SEND, _API = ErrorCategory.DELIVERY, ErrorCategory.SENDING, ErrorCategory.API


def _d(
    description: str,
    dnd: DndAction,
    is_error: bool,
    retryable: bool,
    category: ErrorCategory,
    *,
    source: str = TWILIO_ERROR_DICTIONARY,
) -> DeliveryError:
    return DeliveryError(description, dnd, is_error, retryable, category, source)


#: Twilio messaging error codes: meaning, DND action, whether the outcome
#: counts toward the error rate, whether a later unchanged resend may succeed.
#: 21xxx codes are REST API refusals: no message exists, nothing reached a
#: carrier, so they do not count toward the error rate (sources.md: rate monitor counts outcomes
#: "after acceptance").
DELIVERY_ERRORS: Final[Mapping[int, DeliveryError]] = MappingProxyType(
    {
        # --- failed after acceptance / undelivered (30xxx)
        30001: _d("Queue overflow: too many messages queued for the sender", _N, True, True, _SEND),
        30002: _d("Account suspended", _N, True, False, _SEND),
        30003: _d(
            "Unreachable destination handset (switched off or out of service)",
            _T,
            True,
            True,
            _DEL,
            source=DND_ARTICLE,
        ),
        30004: _d(
            "Message blocked: the recipient does not want SMS or has blocked the sender",
            _P,
            True,
            False,
            _DEL,
            source=DND_ARTICLE,
        ),
        30005: _d(
            "Unknown destination handset: the number is inactive or does not exist",
            _T,
            True,
            False,
            _DEL,
            source=DND_ARTICLE,
        ),
        30006: _d(
            "Landline or unreachable carrier: the number cannot receive SMS",
            _T,
            True,
            False,
            _DEL,
            source=DND_ARTICLE,
        ),
        30007: _d(
            "Message filtered by the carrier (spam or policy violation); change the "
            "content or sender before sending again",
            _N,
            True,
            False,
            _DEL,
        ),
        30008: _d(
            "Unknown error (no specific reason given)", _N, True, True, _DEL, source=DND_ARTICLE
        ),
        30009: _d("Missing segment of a multi-part message", _N, True, True, _DEL),
        30010: _d("Message price exceeds the MaxPrice set on the request", _N, True, False, _SEND),
        30017: _d("Carrier network congestion", _N, True, True, _DEL),
        30019: _d("Content size exceeds the carrier's limit", _N, True, False, _DEL),
        30022: _d("US A2P 10DLC: throughput (rate) limit exceeded", _N, True, True, _SEND),
        30023: _d("US A2P 10DLC: daily message cap reached", _N, True, True, _SEND),
        30027: _d("US A2P 10DLC: T-Mobile daily message limit reached", _N, True, True, _SEND),
        30032: _d(
            "Toll-free number has not been verified (or its verification was rejected "
            "and it is blocked)",
            _N,
            True,
            False,
            _SEND,
            source=TFV_API_ARTICLE,
        ),
        30034: _d(
            "Message from an unregistered number: US A2P 10DLC registration required",
            _N,
            True,
            False,
            _SEND,
        ),
        # --- REST API refusals (21xxx): no message was created
        21211: _d("Invalid 'To' phone number", _N, False, False, _API),
        21408: _d(
            "Permission to send SMS has not been enabled for the region of the 'To' number",
            _N,
            False,
            False,
            _API,
        ),
        21602: _d("Message body is required", _N, False, False, _API),
        21610: _d(
            "Attempt to send to an unsubscribed recipient (the recipient replied STOP)",
            _P,
            False,
            False,
            _API,
            source=DND_ARTICLE + "; " + TWILIO_ERROR_DICTIONARY,
        ),
        21612: _d(
            "The 'To' number is not reachable via SMS with this 'From' (unsupported "
            "combination of To and From)",
            _N,
            False,
            False,
            _API,
        ),
        21614: _d("'To' number is not a valid mobile number", _N, False, False, _API),
        21617: _d("Message body exceeds the 1600 character limit", _N, False, False, _API),
        21635: _d("'To' number cannot be a landline", _N, False, False, _API),
    }
)


@attrs.frozen(slots=True)
class TollFreeRejection:
    """One row of :data:`TOLLFREE_REJECTIONS`."""

    description: str
    resubmittable: bool


#: Toll-free verification rejection codes, exactly as the table
#: "Rejection codes and solutions" in the Compliance API article.
TOLLFREE_REJECTIONS: Final[Mapping[int, TollFreeRejection]] = MappingProxyType(
    {
        code: TollFreeRejection(desc, resub)
        for code, desc, resub in (
            (30437, "Edit time expired", True),
            (30440, "Unknown error", False),
            (30441, "Disallowed - SHAFT - Sex", False),
            (30442, "Business associated with a known Spam campaign", False),
            (30443, "Disallowed - Loan Marketing", False),
            (30444, "High risk - Third-party lead generation services and marketing: Fraud", False),
            (30445, "Could not verify Business", True),
            (30446, "Opt-in not sufficient - express consent required", True),
            (
                30447,
                "Phone Number Error - the toll-free phone number is not provisioned to Twilio",
                False,
            ),
            (30448, "Age Gate Not Present / Not Acceptable", True),
            (30449, "High risk - Public URL shortener in sample message", True),
            (30451, "Address is invalid", True),
            (30452, "Email is invalid", True),
            (30455, "Disallowed - SHAFT - Hate", False),
            (30456, "Disallowed - SHAFT - Alcohol", False),
            (30457, "Disallowed - SHAFT - Firearms", False),
            (30458, "Disallowed - SHAFT - Tobacco/Vape", False),
            (30459, "Disallowed - SHAFT - Cannabis/CBD", False),
            (30460, "Disallowed - Third party debt collection", False),
            (30461, "Disallowed - Gambling", False),
            (30462, "Disallowed - Sweepstakes", False),
            (30463, "Disallowed - Stock Alerts", False),
            (30464, "Disallowed - Cryptocurrency", False),
            (30465, "Disallowed - Risk Investment/Get Rich Quick Schemes", False),
            (30466, "Disallowed - Debt reduction", False),
            (30467, "Disallowed - Credit Repair", False),
            (30468, "Disallowed - Third party lead generation", False),
            (30469, "Disallowed - Illegal Substances/articles", False),
            (
                30470,
                "Disallowed - High risk - Third-party lead generation services and marketing: "
                "Deceptive marketing",
                False,
            ),
            (30471, "Disallowed - High risk - Non-secured URL in sample message", True),
            (30472, "Business information not valid", True),
            (30473, "Cannot validate business website URL", True),
            (30474, "Need end business", True),
            (
                30475,
                "Opt-in not sufficient - Cannot combine consent for messaging with requirement "
                "for service",
                True,
            ),
            (30476, "Opt-in not provided", True),
            (30477, "Opt-in not sufficient - Third party information sharing not allowed", True),
            (30478, "Phone number error - single phone number used for multiple businesses", True),
            (
                30479,
                "Justification needed for more than five toll-free phone numbers per businesses",
                True,
            ),
            (30480, "Business associated with a known Phishing campaign", False),
        )
    }
)

_BUSINESS_INFO = (
    "Give the end business's own, verifiable information in every field (legal name, "
    "street address, contact name, email and website) so the reviewer can confirm it."
)
_DISALLOWED = (
    "Not eligible for resubmission: the use case is a forbidden toll-free messaging "
    "category. The number is blocked (sends fail with 30032). Use another channel "
    "(email, voice) or appeal through Twilio Support if the category was misjudged."
)


def _disallowed(what: str) -> str:
    return f"Submission was judged to include {what}. {_DISALLOWED}"


#: Correction advice per code, from the resubmission article's two tables
#: (eligible and ineligible rejection types), in our words.
TOLLFREE_CORRECTIONS: Final[Mapping[int, str]] = MappingProxyType(
    {
        30445: _BUSINESS_INFO,
        30472: _BUSINESS_INFO,
        30451: "Give the end business's real, complete street address. " + _BUSINESS_INFO,
        30452: "Give a working business email address (name@domain.tld). " + _BUSINESS_INFO,
        30448: (
            "Replace a yes/no age question with a robust age gate that collects the full date "
            "of birth (MM/DD/YYYY)."
        ),
        30449: (
            "Remove public URL shorteners from the sample message: use a link on the brand's "
            "own domain or the full, unshortened URL."
        ),
        30471: "Use only secure links (https://) in the sample message.",
        30473: (
            "Make the business website live and publicly reachable (no 'coming soon' page, "
            "no password, no broken domain)."
        ),
        30474: (
            "Submit the end business that sends the messages, not the ISV or platform: its "
            "name, address, contact person, email and website."
        ),
        30446: (
            "Marketing needs express consent: a stand-alone, explicit agreement to receive "
            "marketing texts, not part of a purchase, terms of service or privacy policy."
        ),
        30475: (
            "The opt-in must say clearly that giving the phone number signs the user up for "
            "text messages; consent to SMS may not be a condition of the service, and an "
            "email sign-up is not SMS consent."
        ),
        30476: (
            "Show how the handset user opts in: a public link or a clear screenshot of the "
            "opt-in (web form, keyword and where it is advertised, paper form, verbal "
            "script), outside the terms and privacy policy, not behind a login, in the "
            "submission itself."
        ),
        30477: (
            "Remove language that shares opt-in or phone numbers with partners, affiliates or "
            "third parties: consent is for one business only."
        ),
        30478: "Use one toll-free number per business.",
        30479: (
            "Explain why one business at one address needs more than five numbers (agents, "
            "departments, or locations: give each location's address)."
        ),
        30441: _disallowed("adult content (SHAFT - sex)"),
        30455: _disallowed("hateful, profane or violent speech (SHAFT - hate)"),
        30457: _disallowed("firearms, ammunition or gun ranges (SHAFT - firearms)"),
        30458: _disallowed("tobacco or vape products (SHAFT - tobacco)"),
        30459: _disallowed("cannabis, CBD, THC or hemp products (SHAFT - cannabis)"),
        30442: _disallowed("traffic flagged for spam"),
        30443: _disallowed("loan marketing"),
        30460: _disallowed("third-party debt collection (no first-party opt-in)"),
        30461: _disallowed("gambling, betting or casino content"),
        30462: _disallowed("sweepstakes, contests or prizes"),
        30463: _disallowed("stock alerts or stock-market content"),
        30464: _disallowed("cryptocurrency or NFT content"),
        30465: _disallowed("risky investments promising a return"),
        30466: _disallowed("debt consolidation or reduction"),
        30467: _disallowed("credit repair"),
        30468: _disallowed("third-party lead generation (data shared beyond the business)"),
        30469: _disallowed("federally illegal substances"),
        30480: _disallowed("traffic flagged for phishing"),
        30444: _disallowed("traffic flagged for fraud (high risk)"),
        30470: _disallowed("deceptive marketing (high risk)"),
        30456: _disallowed(
            "alcohol (SHAFT - alcohol); the resubmission guide treats alcohol with a robust "
            "date-of-birth age gate as eligible, so appeal with one in place"
        ),
    }
)

#: Advice for a resubmittable code the resubmission article does not cover.
GENERIC_CORRECTION_RESUBMITTABLE: Final = (
    "Read the rejection reasons on the verification record, correct every field they name, "
    "and edit the rejected submission (at least one field must change). Resubmit within 7 "
    "days of the rejection to stay in the prioritized queue."
)
#: Advice for a code that is not resubmittable (or whose status is unknown).
GENERIC_CORRECTION_NOT_RESUBMITTABLE: Final = (
    "Not resubmittable as it stands: the number stays blocked (sends fail with 30032). "
    "Contact Twilio Support to appeal, or delete the verification and submit a new one "
    "only once the cause is understood and fixed."
)


@attrs.frozen(slots=True)
class RejectionFamily:
    """A range of newer rejection codes, classified by family only."""

    name: str
    first: int
    last: int
    description: str


#: Rejection code ranges added after the article (sources.md: toll-free verification).
TOLLFREE_FAMILIES: Final[tuple[RejectionFamily, ...]] = (
    RejectionFamily(
        "tfv-rejection-detail",
        30481,
        30546,
        "Toll-free verification rejection (detailed reason added by Twilio in 2025)",
    ),
    RejectionFamily(
        "verification-rejection",
        30800,
        30879,
        "Sender verification rejection (generic verification code family)",
    ),
)


@attrs.frozen(slots=True)
class HttpError:
    """One status of :data:`COMPLIANCE_HTTP_ERRORS`."""

    title: str
    description: str
    messages: tuple[str, ...]
    retryable: bool
    action: str


#: HTTP errors of the Messaging Compliance API, with the messages the article
#: lists for each status.
COMPLIANCE_HTTP_ERRORS: Final[Mapping[int, HttpError]] = MappingProxyType(
    {
        400: HttpError(
            "Bad Request",
            "The request failed validation: a required field is missing, a value is "
            "invalid, or an edit sent no new value.",
            (
                "Missing mandatory field name for submitting a verification.",
                "Email address is invalid.",
                "Phone number is invalid.",
                "The messageVolume parameter is invalid.",
                "The useCase parameter is invalid.",
                "The optInType parameter is invalid.",
                "No values were submitted as part of a resubmission.",
                "No values were different when resubmitting.",
                "Cannot edit an approved submission.",
            ),
            False,
            "Fix the request (run precheck) and send it again; an edit must change at "
            "least one field, and only a rejected submission can be edited.",
        ),
        401: HttpError(
            "Unauthorized",
            "The account SID or auth token was refused.",
            (),
            False,
            "Check the credentials.",
        ),
        403: HttpError(
            "Forbidden",
            "The account may not use this resource.",
            (),
            False,
            "Check the account's permissions.",
        ),
        404: HttpError(
            "Not Found",
            "No toll-free verification exists with that SID, or none for the account.",
            (
                "Toll-Free verification not found.",
                "No Toll-Free verification records found.",
            ),
            False,
            "Check the verification SID (HH...) and the account; submit a verification first.",
        ),
        409: HttpError(
            "Conflict",
            "Another verification exists or is in progress for this toll-free number.",
            (
                "Toll-free verification cannot be submitted when another verification exists "
                "or is in progress.",
            ),
            False,
            "Wait for the existing verification, edit it if rejected, or delete it first.",
        ),
        422: HttpError(
            "Unprocessable Entity",
            "The request is well formed but refers to something unusable: no primary or "
            "an unapproved customer profile, or a number that is not toll-free, not found, "
            "or not in the account.",
            (
                "No primary profile for account.",
                "Provided Customer Profile is not approved.",
                "Provided Customer Profile is not of the right profile type.",
                "Provided Customer Profile does not exist.",
                "Provided tollFreeNumber is not Toll-Free.",
                "TollFree phone number not found.",
                "Toll-Free phone number is not associated with an account.",
            ),
            False,
            "Fix the customer profile (Trust Hub) or the phone number SID, then resubmit.",
        ),
        429: HttpError(
            "Too Many Requests",
            "The API rate limit was exceeded.",
            (),
            True,
            "Retry later with exponential backoff.",
        ),
        500: HttpError(
            "Internal Server Error",
            "General server error: Twilio failed to process the request.",
            ("General/Server Error.",),
            True,
            "Retry later with exponential backoff; the request itself may be fine.",
        ),
        503: HttpError(
            "Service Unavailable",
            "The API is temporarily unavailable.",
            (),
            True,
            "Retry later with exponential backoff.",
        ),
    }
)
