"""Composing outbound messages: segments, smart encoding and the composer."""
