"""a2p_policy: a policy engine for compliant SMS in the US and Canada.

The one public namespace (with :mod:`a2p_policy.storage` for backend authors
and :mod:`a2p_policy.testing`, the test kit): every other module is private
(``a2p_policy._engine``...) and may change without notice, as in httpx. Import
from here.
"""

from types import FunctionType as _FunctionType

from a2p_policy._cli import main
from a2p_policy._clock import Clock, ManualClock, SystemClock
from a2p_policy._codes.classifier import ErrorCodeClassifier
from a2p_policy._codes.models import DndAction, ErrorInfo, RejectionInfo
from a2p_policy._compose.composer import AppendPolicy, ComposedMessage, MessageComposer
from a2p_policy._compose.encoding import smart_encoding
from a2p_policy._compose.segments import SegmentInfo, count_segments
from a2p_policy._consent.audits import audit_opt_in_form, audit_privacy_policy, audit_terms
from a2p_policy._consent.ledger import (
    ConsentEvent,
    ConsentLedger,
    ConsentProof,
    ConsentState,
    ConsentView,
)
from a2p_policy._consent.record import ConsentRecord, ConsentScope, ConsentSource
from a2p_policy._content.linter import ContentLinter
from a2p_policy._content.snowshoe import SnowshoeDetector
from a2p_policy._demo import DemoReport, run_demo
from a2p_policy._dnd import DndEntry, DndKind, DndManager, DndOp, DndSource
from a2p_policy._engine import PolicyEngine
from a2p_policy._errors import (
    A2PPolicyError,
    ConfigurationError,
    ConsentError,
    DndLocked,
    InvalidArgument,
    InvalidPhoneNumber,
    InvalidTransition,
    MissingAccount,
    MissingExtraError,
    NaiveDatetimeError,
    SignatureError,
    StorageError,
    StorageUnavailable,
    TollFreeApiError,
)
from a2p_policy._findings import Finding, Severity
from a2p_policy._keywords import (
    Certainty,
    KeywordClassifier,
    KeywordConfig,
    KeywordKind,
    KeywordMatch,
    MatchReason,
    classify_inbound,
)
from a2p_policy._limits.monitor import (
    HealthLevel,
    MonitorStatus,
    RateMonitor,
    RateThresholds,
    RateWindow,
)
from a2p_policy._limits.quiet_hours import QuietHours, QuietHoursResult
from a2p_policy._limits.ramp import Grant, RampMode, RampSchedule, RampUpLimiter
from a2p_policy._messages import (
    BulkResult,
    Decision,
    InboundResult,
    MessageKind,
    OutboundMessage,
    StatusResult,
    Violation,
)
from a2p_policy._messaging.memory import InMemoryMessagingTransport
from a2p_policy._messaging.messenger import Messenger, SendResult
from a2p_policy._messaging.transport import MessageTransport, SentMessage, TransportError
from a2p_policy._messaging.twilio_transport import TwilioMessagingTransport
from a2p_policy._phone import (
    SenderType,
    is_toll_free,
    normalize_phone,
    normalize_sender,
    recipient_timezones,
    sender_type,
)
from a2p_policy._revocation import (
    Revocation,
    RevokeAllPolicy,
    add_business_days,
    revocation_deadline,
    us_federal_holidays,
)
from a2p_policy._settings import ContentSettings, InboundSettings, LimitsSettings, TollFreeSettings
from a2p_policy._tollfree.client import TollFreeVerificationClient
from a2p_policy._tollfree.events import VerificationEvent, parse_verification_events
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import (
    TollFreeVerification,
    TollFreeVerificationRequest,
    TrafficState,
    VerificationStatus,
)
from a2p_policy._tollfree.twilio_transport import TwilioTollFreeTransport
from a2p_policy._usecases import OptInMethod, UseCase
from a2p_policy._webhooks import (
    parse_inbound_message,
    parse_status_callback,
    public_url,
    verify_twilio_signature,
)
from a2p_policy.storage import MemoryStorage, Storage, open_storage, register_storage

__version__ = "0.1.0"

__all__ = [
    "A2PPolicyError",
    "AppendPolicy",
    "BulkResult",
    "Certainty",
    "Clock",
    "ComposedMessage",
    "ConfigurationError",
    "ConsentError",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentProof",
    "ConsentRecord",
    "ConsentScope",
    "ConsentSource",
    "ConsentState",
    "ConsentView",
    "ContentLinter",
    "ContentSettings",
    "Decision",
    "DemoReport",
    "DndAction",
    "DndEntry",
    "DndKind",
    "DndLocked",
    "DndManager",
    "DndOp",
    "DndSource",
    "ErrorCodeClassifier",
    "ErrorInfo",
    "Finding",
    "Grant",
    "HealthLevel",
    "InMemoryMessagingTransport",
    "InMemoryTollFreeTransport",
    "InboundResult",
    "InboundSettings",
    "InvalidArgument",
    "InvalidPhoneNumber",
    "InvalidTransition",
    "KeywordClassifier",
    "KeywordConfig",
    "KeywordKind",
    "KeywordMatch",
    "LimitsSettings",
    "ManualClock",
    "MatchReason",
    "MemoryStorage",
    "MessageComposer",
    "MessageKind",
    "MessageTransport",
    "Messenger",
    "MissingAccount",
    "MissingExtraError",
    "MonitorStatus",
    "NaiveDatetimeError",
    "OptInMethod",
    "OutboundMessage",
    "PolicyEngine",
    "QuietHours",
    "QuietHoursResult",
    "RampMode",
    "RampSchedule",
    "RampUpLimiter",
    "RateMonitor",
    "RateThresholds",
    "RateWindow",
    "RejectionInfo",
    "Revocation",
    "RevokeAllPolicy",
    "SegmentInfo",
    "SendResult",
    "SenderType",
    "SentMessage",
    "Severity",
    "SignatureError",
    "SnowshoeDetector",
    "StatusResult",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "SystemClock",
    "TollFreeApiError",
    "TollFreeSettings",
    "TollFreeVerification",
    "TollFreeVerificationClient",
    "TollFreeVerificationRequest",
    "TrafficState",
    "TransportError",
    "TwilioMessagingTransport",
    "TwilioTollFreeTransport",
    "UseCase",
    "VerificationEvent",
    "VerificationStatus",
    "Violation",
    "__version__",
    "add_business_days",
    "audit_opt_in_form",
    "audit_privacy_policy",
    "audit_terms",
    "classify_inbound",
    "count_segments",
    "is_toll_free",
    "main",
    "normalize_phone",
    "normalize_sender",
    "open_storage",
    "parse_inbound_message",
    "parse_status_callback",
    "parse_verification_events",
    "public_url",
    "recipient_timezones",
    "register_storage",
    "revocation_deadline",
    "run_demo",
    "sender_type",
    "smart_encoding",
    "us_federal_holidays",
    "verify_twilio_signature",
]


def _publish() -> None:
    """Show each public name as ``a2p_policy.X`` (reprs, tracebacks, pickles),
    as httpx does, except classes with their own annotations: their string
    annotations are resolved in ``sys.modules[cls.__module__]`` by
    ``typing.get_type_hints`` (attrs.resolve_types, pydantic rebuilds,
    hypothesis), which must stay the defining module."""
    namespace = globals()
    for name in __all__:
        obj = namespace[name]
        if isinstance(obj, type):
            if any(vars(k).get("__annotations__") for k in obj.__mro__ if k is not object):
                continue
        elif not isinstance(obj, _FunctionType):
            continue
        obj.__module__ = __name__


_publish()
