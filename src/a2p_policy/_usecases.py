"""Domain enumerations shared by consent, content, toll-free and the engine.

Source: sources.md [tfv-api] (UseCaseCategories
and OptInType parameters of the Messaging Compliance API).
"""

from __future__ import annotations

import enum

__all__ = ["TRANSACTIONAL_USE_CASES", "OptInMethod", "UseCase"]


class UseCase(enum.Enum):
    """The use-case categories of toll-free verification (API values)."""

    TWO_FACTOR_AUTHENTICATION = "TWO_FACTOR_AUTHENTICATION"
    ACCOUNT_NOTIFICATIONS = "ACCOUNT_NOTIFICATIONS"
    CUSTOMER_CARE = "CUSTOMER_CARE"
    CHARITY_NONPROFIT = "CHARITY_NONPROFIT"
    DELIVERY_NOTIFICATIONS = "DELIVERY_NOTIFICATIONS"
    FRAUD_ALERT_MESSAGING = "FRAUD_ALERT_MESSAGING"
    EVENTS = "EVENTS"
    HIGHER_EDUCATION = "HIGHER_EDUCATION"
    K12 = "K12"
    MARKETING = "MARKETING"
    POLLING_AND_VOTING_NON_POLITICAL = "POLLING_AND_VOTING_NON_POLITICAL"
    POLITICAL_ELECTION_CAMPAIGNS = "POLITICAL_ELECTION_CAMPAIGNS"
    PUBLIC_SERVICE_ANNOUNCEMENT = "PUBLIC_SERVICE_ANNOUNCEMENT"
    SECURITY_ALERT = "SECURITY_ALERT"


#: Use cases that are informational rather than promotional: exempt from
#: quiet hours by default (sources.md: quiet hours) and not requiring express consent.
TRANSACTIONAL_USE_CASES: frozenset[UseCase] = frozenset(
    {
        UseCase.TWO_FACTOR_AUTHENTICATION,
        UseCase.ACCOUNT_NOTIFICATIONS,
        UseCase.CUSTOMER_CARE,
        UseCase.DELIVERY_NOTIFICATIONS,
        UseCase.FRAUD_ALERT_MESSAGING,
        UseCase.SECURITY_ALERT,
    }
)


class OptInMethod(enum.Enum):
    """How consent was collected (the API's ``OptInType`` values)."""

    VERBAL = "VERBAL"
    WEB_FORM = "WEB_FORM"
    PAPER_FORM = "PAPER_FORM"
    VIA_TEXT = "VIA_TEXT"
    MOBILE_QR_CODE = "MOBILE_QR_CODE"
