"""Sending: the outbound transport port, its Twilio and in-memory
implementations, and the Messenger that closes the loop (authorize, send the
composed body, learn from status callbacks and inbound messages, never
double-send). See docs/messenger.md."""
