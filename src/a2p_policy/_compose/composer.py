"""The message composer: sender identification and opt-out language, once.

Why: the initial message to a contact must name the brand that obtained the
consent and tell how to opt out with a standard keyword; the platform in the
reference appends "Thanks, <Location Name>" and "Reply STOP to unsubscribe"
only when the message does not already carry them, and only on bulk sends
(sources.md [policy], "Mandatory Opt-Out
Language & Sender Information addition" and the FAQ "Is the auto append ...
also applying to every first text of workflow"; "Lack of Sender
Identification" / "Lack of Opt-Out Language" in
sources.md [appeal]; sources.md: composing).

What it guarantees:

* each part is appended only when missing (the brand in any case or spacing,
  any standard opt-out instruction), so composing is idempotent;
* the original body is kept verbatim at the start of the result;
* which message kinds get the append is an :class:`AppendPolicy`: by default
  every initial message; :meth:`AppendPolicy.bulk_only` reproduces the
  reference platform;
* among the accepted wordings it keeps the configured one unless a shorter
  one saves a segment, and it reports when its append adds a segment.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from a2p_policy._compose.encoding import smart_encoding
from a2p_policy._compose.segments import SegmentInfo, count_segments
from a2p_policy._content.identify import brand_pattern, opt_out_in
from a2p_policy._content.normalize import normalize_text
from a2p_policy._errors import ConfigurationError, InvalidArgument

__all__ = [
    "DEFAULT_OPT_OUT_ALTERNATIVES",
    "DEFAULT_SENDER_ID_ALTERNATIVES",
    "AppendPolicy",
    "ComposedMessage",
    "MessageComposer",
]

#: Shorter opt-out wordings the composer may use when they save a segment;
#: each carries a standard keyword (sources.md [appeal], "Lack of Opt-Out
#: Language"; "Text STOP to cancel" in its opt-in checklist).
DEFAULT_OPT_OUT_ALTERNATIVES: Final[tuple[str, ...]] = (
    "Reply STOP to opt out",
    "Text STOP to cancel",
    "STOP to opt out",
    "STOP to end",
)

#: Shorter sender identifications the composer may use when they save a segment.
DEFAULT_SENDER_ID_ALTERNATIVES: Final[tuple[str, ...]] = ("-{brand}",)

_KIND_NAME: Final = re.compile(r"^[A-Z][A-Z0-9_]*$")


def kind_name(kind: object) -> str | None:
    """The upper-case name of a message kind given as a str, an Enum or None."""
    if kind is None:
        return None
    if isinstance(kind, enum.Enum):
        name = kind.name
    elif isinstance(kind, str):
        name = re.sub(r"[\s\-]+", "_", kind.strip()).upper()
    else:
        raise InvalidArgument(f"kind must be a str, an Enum or None, got {type(kind).__name__}")
    if not _KIND_NAME.match(name):
        raise InvalidArgument(f"kind {kind!r} is not a message kind name (e.g. 'BULK')")
    return name


@attrs.frozen(slots=True)
class AppendPolicy:
    """Which messages get sender identification and opt-out language appended.

    ``kinds``: the message kind names in scope (None: every kind);
    ``initial_only``: only initial messages (the rule of the messaging
    policy). A message of unknown kind (``kind=None``) is in scope: the
    composer fails closed.
    """

    kinds: frozenset[str] | None = None
    initial_only: bool = True

    def __attrs_post_init__(self) -> None:
        if self.kinds is not None:
            if isinstance(self.kinds, str) or not isinstance(self.kinds, Iterable):
                raise ConfigurationError("AppendPolicy.kinds must be a set of kind names or None")
            names = frozenset(kind_name(k) for k in self.kinds)
            object.__setattr__(self, "kinds", frozenset(n for n in names if n is not None))
        if not isinstance(self.initial_only, bool):
            raise ConfigurationError("AppendPolicy.initial_only must be a bool")

    @classmethod
    def all_initial(cls) -> AppendPolicy:
        """Every initial message of any kind (the default)."""
        return cls(None, True)

    @classmethod
    def bulk_only(cls, *, initial_only: bool = True) -> AppendPolicy:
        """The reference platform: bulk sends only, never workflows, campaigns
        or one-on-one conversations (sources.md [policy], FAQ on the auto append)."""
        return cls(frozenset({"BULK"}), initial_only)

    @classmethod
    def always(cls) -> AppendPolicy:
        """Every message, initial or not."""
        return cls(None, False)

    def applies(self, kind: object = None, *, initial: bool = True) -> bool:
        """True when a message of ``kind`` (initial or not) gets the append."""
        name = kind_name(kind)
        if self.initial_only and not initial:
            return False
        return self.kinds is None or name is None or name in self.kinds


@attrs.frozen(slots=True)
class ComposedMessage:
    """The result of :meth:`MessageComposer.compose`.

    ``body`` the text to send; ``appended`` the parts added, in order;
    ``segments`` / ``segments_before`` the counts after and before;
    ``added_segment`` whether the append made it longer by a segment or more;
    ``warnings`` human-readable notes (segment growth, UCS-2 characters).
    """

    body: str
    appended: tuple[str, ...]
    segments: SegmentInfo
    segments_before: SegmentInfo
    warnings: tuple[str, ...] = ()

    @property
    def added_segment(self) -> bool:
        return bool(self.appended) and self.segments.segments > self.segments_before.segments


def _check_template(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty str")
    return value


class MessageComposer:
    """Append sender identification and opt-out language where they are missing.

    ``brand``: the brand that obtained the consent. ``sender_id_template``:
    the identification, ``{brand}`` replaced by the brand (it must then name
    the brand). ``opt_out_text``: the opt-out language (it must carry a
    standard keyword). ``policy``: which messages get the append.
    ``separator``: what goes between the body and each appended part.
    ``opt_out_alternatives`` / ``sender_id_alternatives``: shorter accepted
    wordings used only when they save a segment (pass ``()`` to never use
    them).
    """

    def __init__(
        self,
        brand: str,
        *,
        sender_id_template: str = "Thanks, {brand}",
        opt_out_text: str = "Reply STOP to unsubscribe",
        policy: AppendPolicy | None = None,
        separator: str = "\n",
        opt_out_alternatives: Sequence[str] = DEFAULT_OPT_OUT_ALTERNATIVES,
        sender_id_alternatives: Sequence[str] = DEFAULT_SENDER_ID_ALTERNATIVES,
    ) -> None:
        if not isinstance(brand, str):
            raise ConfigurationError(f"brand must be a str, got {type(brand).__name__}")
        try:
            self._brand_re = brand_pattern(brand)
        except InvalidArgument as exc:
            raise ConfigurationError(str(exc)) from exc
        self.brand = brand.strip()
        if policy is None:
            policy = AppendPolicy.all_initial()
        if not isinstance(policy, AppendPolicy):
            raise ConfigurationError("policy must be an AppendPolicy")
        self.policy = policy
        if not isinstance(separator, str) or not separator or separator.strip():
            raise ConfigurationError("separator must be whitespace, e.g. '\\n' or ' '")
        self.separator = separator
        template = _check_template(sender_id_template, "sender_id_template")
        opt_out = _check_template(opt_out_text, "opt_out_text")
        self.sender_id = self._sender(template, "sender_id_template")
        self.opt_out_text = self._opt_out(opt_out, "opt_out_text")
        for alternatives in (opt_out_alternatives, sender_id_alternatives):
            if isinstance(alternatives, str) or not isinstance(alternatives, Iterable):
                raise ConfigurationError("alternatives must be sequences of str, not a str")
        opt_alts = [
            self._opt_out(_check_template(a, "opt_out_alternatives"), "an alternative")
            for a in opt_out_alternatives
        ]
        sender_alts = [
            self._sender(_check_template(a, "sender_id_alternatives"), "an alternative")
            for a in sender_id_alternatives
        ]
        self._sender_choices = tuple(dict.fromkeys([self.sender_id, *sender_alts]))
        self._opt_out_choices = tuple(dict.fromkeys([self.opt_out_text, *opt_alts]))

    def _sender(self, template: str, name: str) -> str:
        text = template.replace("{brand}", self.brand).strip()
        if not self._names_brand(text):
            raise ConfigurationError(
                f"{name} {template!r} does not name the brand {self.brand!r}; include {{brand}}"
            )
        return text

    @staticmethod
    def _opt_out(text: str, name: str) -> str:
        text = text.strip()
        if not opt_out_in(normalize_text(text).text):
            raise ConfigurationError(
                f"{name} {text!r} is not a standard opt-out instruction "
                "(e.g. 'Reply STOP to unsubscribe')"
            )
        return text

    def _names_brand(self, text: str) -> bool:
        return self._brand_re.search(normalize_text(text).text) is not None

    def needs(self, body: str) -> tuple[bool, bool]:
        """(sender identification missing, opt-out language missing) for ``body``."""
        if not isinstance(body, str):
            raise InvalidArgument(f"body must be a str, got {type(body).__name__}")
        norm = normalize_text(body).text
        return self._brand_re.search(norm) is None, not opt_out_in(norm)

    def _join(self, body: str, parts: Sequence[str]) -> str:
        text = body
        for part in parts:
            if not text:
                text = part
            else:
                text = text + ("" if text[-1].isspace() else self.separator) + part
        return text

    def compose(self, body: str, *, initial: bool = True, kind: object = None) -> ComposedMessage:
        """Compose ``body`` for sending (see the class docstring).

        ``initial``: the first message to this contact since the consent was
        granted. ``kind``: the message kind (``MessageKind`` member or its
        name); None when unknown.
        """
        if not isinstance(body, str):
            raise InvalidArgument(f"body must be a str, got {type(body).__name__}")
        if not isinstance(initial, bool):
            raise InvalidArgument(f"initial must be a bool, got {type(initial).__name__}")
        before = count_segments(body)
        if not self.policy.applies(kind, initial=initial):
            return ComposedMessage(body, (), before, before, self._encoding_notes(body, before))
        need_sender, need_opt_out = self.needs(body)
        if not (need_sender or need_opt_out):
            return ComposedMessage(body, (), before, before, self._encoding_notes(body, before))
        senders = self._sender_choices if need_sender else (None,)
        opt_outs = self._opt_out_choices if need_opt_out else (None,)
        parts = tuple(p for p in (senders[0], opt_outs[0]) if p is not None)
        text = self._join(body, parts)
        info = count_segments(text)
        best = (info.segments, 0, text, parts, info)
        if info.segments > before.segments:
            # The configured wording adds a segment: a shorter accepted one may not.
            for rank_s, sender in enumerate(senders):
                for rank_o, opt_out in enumerate(opt_outs):
                    parts = tuple(p for p in (sender, opt_out) if p is not None)
                    text = self._join(body, parts)
                    info = count_segments(text)
                    key = (info.segments, rank_s + rank_o)
                    if key < best[:2]:
                        best = (key[0], key[1], text, parts, info)
        _, _, text, parts, info = best
        warnings = list(self._encoding_notes(text, info))
        if info.segments > before.segments and before.segments:
            warnings.insert(
                0,
                f"appending {' and '.join(repr(p) for p in parts)} adds "
                f"{info.segments - before.segments} segment(s) "
                f"({before.segments} -> {info.segments})",
            )
        if before.encoding == "GSM-7" and info.encoding == "UCS-2":
            warnings.append("the appended text switches the message to UCS-2 (70 per segment)")
        return ComposedMessage(text, parts, info, before, tuple(warnings))

    @staticmethod
    def _encoding_notes(text: str, info: SegmentInfo) -> tuple[str, ...]:
        if info.encoding != "UCS-2":
            return ()
        advice = smart_encoding(text)
        if advice.saved > 0:
            chars = "".join(sorted(advice.replacements))
            return (
                f"characters {chars!r} force UCS-2; replacing them with GSM-7 look-alikes "
                f"saves {advice.saved} segment(s) (see smart_encoding)",
            )
        return ()

    def __repr__(self) -> str:
        return f"MessageComposer({self.brand!r}, policy={self.policy!r})"
