"""Composing outbound messages: segments, smart encoding and the composer."""

from a2p_policy._compose.composer import AppendPolicy, ComposedMessage, MessageComposer
from a2p_policy._compose.encoding import GSM7_REPLACEMENTS, SmartEncoding, smart_encoding
from a2p_policy._compose.segments import SegmentInfo, count_segments, is_gsm7

__all__ = [
    "GSM7_REPLACEMENTS",
    "AppendPolicy",
    "ComposedMessage",
    "MessageComposer",
    "SegmentInfo",
    "SmartEncoding",
    "count_segments",
    "is_gsm7",
    "smart_encoding",
]
