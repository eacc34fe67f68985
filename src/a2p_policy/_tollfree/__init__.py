"""Toll-free verification: request/response models, pre-submission check,
state machine, client, transports (twilio SDK and an in-memory fake) and
Event Streams webhooks.

Sources: sources.md [tfv-api] and
sources.md [tfv-rejections]; sources.md: toll-free verification. The twilio
transport imports twilio lazily (only when used).
"""

from a2p_policy._tollfree.client import (
    PrecheckFailed,
    TollFreeVerificationClient,
    VerificationTimeout,
)
from a2p_policy._tollfree.events import VerificationEvent, parse_verification_events
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.models import (
    RejectionReason,
    TollFreeVerification,
    TollFreeVerificationRequest,
    TrafficState,
    VerificationStatus,
)
from a2p_policy._tollfree.precheck import precheck
from a2p_policy._tollfree.state import EditWindow
from a2p_policy._tollfree.transport import TollFreeTransport
from a2p_policy._tollfree.twilio_transport import TwilioTollFreeTransport

__all__ = [
    "EditWindow",
    "InMemoryTollFreeTransport",
    "PrecheckFailed",
    "RejectionReason",
    "TollFreeTransport",
    "TollFreeVerification",
    "TollFreeVerificationClient",
    "TollFreeVerificationRequest",
    "TrafficState",
    "TwilioTollFreeTransport",
    "VerificationEvent",
    "VerificationStatus",
    "VerificationTimeout",
    "parse_verification_events",
    "precheck",
]
