"""Sending: the outbound transport port, its Twilio and in-memory
implementations, and the Messenger that closes the loop (authorize, send the
composed body, learn from status callbacks and inbound messages, never
double-send). See docs/messenger.md."""

from a2p_policy._messaging.memory import InMemoryMessagingTransport, OutgoingRecord
from a2p_policy._messaging.messenger import DeferCallback, Messenger, SendResult, SendState
from a2p_policy._messaging.transport import MessageTransport, SentMessage, TransportError
from a2p_policy._messaging.twilio_transport import TwilioMessagingTransport

__all__ = [
    "DeferCallback",
    "InMemoryMessagingTransport",
    "MessageTransport",
    "Messenger",
    "OutgoingRecord",
    "SendResult",
    "SendState",
    "SentMessage",
    "TransportError",
    "TwilioMessagingTransport",
]
