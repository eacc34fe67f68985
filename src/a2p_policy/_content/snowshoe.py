"""Snowshoe detection: the same text spread over many sender numbers.

Why: spreading similar or identical messages across many phone numbers to
dilute each number's volume is "snowshoeing"; carriers and Twilio treat it
as filtering evasion and restrict the account ("Filtering Evasion" in
sources.md [policy]; "Same or similar message
sent across a large number of phone numbers" in
sources.md [appeal]; sources.md: content: more
than 5 senders within 24 hours by default).

How: each text is reduced to a fingerprint that ignores what legitimately
varies between recipients (names and other capitalised words, numbers,
links, e-mail addresses, punctuation, case, accents, look-alike letters) and
what a spammer varies cheaply (greetings and other words of up to three
letters, word order, repeated words): the set of its remaining words. The
senders seen with each fingerprint live in a recency set of the storage port
(:meth:`~a2p_policy.storage.base.Storage.touch`, one atomic operation), so
several processes sharing one store see the same count.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import timedelta
from typing import Final

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._content.normalize import normalize_text
from a2p_policy._errors import ConfigurationError, InvalidArgument, InvalidPhoneNumber
from a2p_policy._findings import Finding, Severity
from a2p_policy._phone import normalize_phone
from a2p_policy.storage.base import Storage, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = ["SnowshoeDetector", "fingerprint"]

_URL: Final = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w.\-]+\.(?:com|net|org|ly|co|io|us)(?:/\S*)?"
)
_EMAIL: Final = re.compile(r"\S+@\S+\.\w+")
_CAPITALISED: Final = re.compile(r"\b[A-Z][\w'’\-]*")
_NUMBER: Final = re.compile(r"[$€£]?\d[\d,.:/\-]*\w*")
_WORD: Final = re.compile(r"[^\W\d_]+")
_SHORT_CODE: Final = re.compile(r"^\d{5,6}$")
_MIN_LEN: Final = 4
RULE: Final = "content.snowshoe"


def fingerprint(text: str) -> tuple[str, int]:
    """(fingerprint, number of distinct words kept) of ``text`` for near-duplicate
    detection (see the module docstring for what is ignored)."""
    if not isinstance(text, str):
        raise InvalidArgument(f"text must be a str, got {type(text).__name__}")
    stripped = _URL.sub(" ", unicodedata.normalize("NFKC", text))
    stripped = _EMAIL.sub(" ", stripped)
    stripped = _CAPITALISED.sub(" ", stripped)
    stripped = _NUMBER.sub(" ", stripped)
    words = sorted({w for w in _WORD.findall(normalize_text(stripped).text) if len(w) >= _MIN_LEN})
    digest = hashlib.blake2b(" ".join(words).encode("utf-8", "surrogatepass"), digest_size=16)
    return digest.hexdigest(), len(words)


#: A text with fewer content words than ``min_words`` is still tracked (by all
#: of its words) when it has at least this many characters.
_MIN_SHORT_CHARS: Final = 20


def _short_fingerprint(text: str) -> str:
    stripped = _URL.sub(" ", unicodedata.normalize("NFKC", text))
    stripped = _EMAIL.sub(" ", stripped)
    stripped = _CAPITALISED.sub(" ", stripped)
    stripped = _NUMBER.sub(" ", stripped)
    words = sorted(set(_WORD.findall(normalize_text(stripped).text)))
    digest = hashlib.blake2b(
        ("short:" + " ".join(words)).encode("utf-8", "surrogatepass"), digest_size=16
    )
    return digest.hexdigest()


def _describe(window: timedelta) -> str:
    seconds = window.total_seconds()
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _sender_key(sender: object) -> str:
    if not isinstance(sender, str):
        raise InvalidArgument(f"sender must be a str, got {type(sender).__name__}")
    raw = sender.strip()
    if _SHORT_CODE.match(raw):
        return raw
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        raise
    except Exception as exc:  # pragma: no cover - normalize_phone raises its own error
        raise InvalidPhoneNumber(f"sender {sender!r} is not a phone number") from exc


class SnowshoeDetector:
    """Report near-identical text sent from more than ``max_senders`` numbers
    within ``window``.

    ``observe(sender, text)`` records the sender for the text's fingerprint
    and returns a finding (rule ``content.snowshoe``) once more than
    ``max_senders`` distinct senders used it within the window; texts with
    fewer than ``min_words`` words that do not vary (a bare "OK") are not
    tracked. ``scope`` (e.g. the account) separates unrelated senders sharing
    a template; ``severity`` is BLOCK by default (the send spreads evasion).
    """

    def __init__(
        self,
        *,
        window: timedelta = timedelta(hours=24),
        max_senders: int = 5,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        min_words: int = 3,
        severity: Severity = Severity.BLOCK,
    ) -> None:
        if not isinstance(window, timedelta) or window <= timedelta(0):
            raise ConfigurationError("window must be a positive timedelta")
        for name, value, low in (("max_senders", max_senders, 1), ("min_words", min_words, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigurationError(f"{name} must be an int >= {low}, got {value!r}")
        if not isinstance(severity, Severity):
            raise ConfigurationError("severity must be a Severity")
        clock = clock_or_system(clock)
        self.window = window
        self.max_senders = max_senders
        self.min_words = min_words
        self.severity = severity
        self.storage = resolve_storage(storage)
        self.clock: Clock = clock

    def observe(self, sender: str, text: str, *, scope: str | None = None) -> Finding | None:
        """Record that ``sender`` sent ``text``; a finding when it is snowshoeing."""
        who = _sender_key(sender)
        if scope is not None and (not isinstance(scope, str) or not scope or len(scope) > 200):
            raise InvalidArgument("scope must be a non-empty str of at most 200 characters")
        digest, words = fingerprint(text)
        if words < self.min_words:
            # Few content words: a short message still counts when it is a
            # real message (not "OK"): fingerprint all of its words instead.
            if len(text.strip()) < _MIN_SHORT_CHARS:
                return None
            digest = _short_fingerprint(text)
        now = ensure_aware(self.clock.now(), "clock.now()")
        key = make_key("snowshoe", scope or "-", digest) if scope else make_key("snowshoe", digest)
        seconds = self.window.total_seconds()
        count = self.storage.touch(key, who, now.timestamp(), seconds)
        if count <= self.max_senders:
            return None
        return Finding(
            rule=RULE,
            severity=self.severity,
            message=(
                f"the same text was sent from {count} sender numbers within "
                f"{_describe(self.window)} (limit {self.max_senders}): snowshoeing"
            ),
            fix="send from one number per use case, or justify the extra numbers to the carrier",
        )

    def __repr__(self) -> str:
        return f"SnowshoeDetector(window={self.window!r}, max_senders={self.max_senders})"
