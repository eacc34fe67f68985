"""Toll-free verification: request/response models, pre-submission check,
state machine, client, transports (twilio SDK and an in-memory fake) and
Event Streams webhooks.

Sources: sources.md [tfv-api] and
sources.md [tfv-rejections]; sources.md: toll-free verification. The twilio
transport imports twilio lazily (only when used).
"""
