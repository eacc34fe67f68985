"""Error codes: what Twilio's delivery, API and toll-free rejection codes mean
for the policy rules (DND, error rate, retries, resubmission).

Sources: reference/phone-messaging-policy-rampup-dnd.txt ("Spam Message
Handling"), reference/twilio-tfv-messaging-compliance-api.txt ("Rejection
codes and solutions" and the HTTP error table),
reference/twilio-tfv-rejection-resubmission.txt, and Twilio's error
dictionary. See :mod:`a2p_policy.codes.tables`.
"""

from a2p_policy.codes.classifier import ErrorCodeClassifier, parse_code
from a2p_policy.codes.models import (
    DndAction,
    ErrorCategory,
    ErrorInfo,
    HttpErrorInfo,
    RejectionInfo,
)

__all__ = [
    "DndAction",
    "ErrorCategory",
    "ErrorCodeClassifier",
    "ErrorInfo",
    "HttpErrorInfo",
    "RejectionInfo",
    "parse_code",
]
