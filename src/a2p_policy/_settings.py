"""The engine's settings, grouped by what they govern.

``PolicyEngine(storage=..., clock=..., limits=LimitsSettings(...),
content=ContentSettings(...), inbound=InboundSettings(...),
tollfree=TollFreeSettings(...))``: each group is a frozen value, validated
when it is built, so a typo fails at start-up rather than on the first
message. Every component the engine builds from them shares the engine's
storage and clock; a component passed in (a ``QuietHours`` or
``SnowshoeDetector``) must already share them, or the engine refuses it with
:class:`~a2p_policy.ConfigurationError` (a component with a storage of
its own would keep caps or fingerprints per process behind a shared store).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

import attrs

from a2p_policy._compose.composer import AppendPolicy, MessageComposer
from a2p_policy._content.linter import ContentLinter
from a2p_policy._content.snowshoe import SnowshoeDetector
from a2p_policy._errors import ConfigurationError
from a2p_policy._keywords import KeywordConfig
from a2p_policy._limits.monitor import RateThresholds
from a2p_policy._limits.quiet_hours import QuietHours
from a2p_policy._limits.ramp import RampSchedule
from a2p_policy._phone import normalize_phone

__all__ = [
    "DEFAULT_HELP_REPLY",
    "DEFAULT_OPT_IN_REPLY",
    "DEFAULT_OPT_OUT_REPLY",
    "ContentSettings",
    "InboundSettings",
    "LimitsSettings",
    "TollFreeSettings",
    "resolve_settings",
]

DEFAULT_OPT_OUT_REPLY: Final = (
    "{brand}: You are unsubscribed and will receive no more messages. Reply START to resubscribe."
)
DEFAULT_OPT_IN_REPLY: Final = (
    "{brand}: You are subscribed again. Reply HELP for help, STOP to opt out."
)
DEFAULT_HELP_REPLY: Final = (
    "{brand}: for help, contact us. Msg & data rates may apply. Reply STOP to opt out."
)


def _instance_of(kind: type | tuple[type, ...], what: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise ConfigurationError(f"{attribute.name} must be {what}, got {value!r}")

    return check


def _optional(kind: type | tuple[type, ...], what: str) -> Any:
    inner = _instance_of(kind, what)

    def check(obj: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(obj, attribute, value)

    return check


def _none_is_false(value: Any) -> Any:
    return False if value is None else value


def _positive_delta(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
        raise ConfigurationError(f"{attribute.name} must be a positive timedelta or None")


def _min_volume(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"min_volume must be an int >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class LimitsSettings:
    """How much may be sent: the ramp-up schedule, the rate monitor's tiers,
    quiet hours and state packs, and the DND expiry of temporary errors.

    ``quiet_hours``: True (the federal window plus state packs), False (the
    rule off), or a :class:`~a2p_policy.QuietHours` built on the
    engine's storage and clock. ``ramp_short_codes``: apply the ramp-up to
    short-code senders too (default False: carrier-vetted, own throughput).
    """

    schedule: RampSchedule | None = attrs.field(
        default=None, validator=_optional(RampSchedule, "a RampSchedule")
    )
    thresholds: RateThresholds | None = attrs.field(
        default=None, validator=_optional(RateThresholds, "RateThresholds")
    )
    min_volume: int = attrs.field(default=100, validator=_min_volume)
    quiet_hours: QuietHours | bool = attrs.field(
        default=True,
        converter=_none_is_false,
        validator=_instance_of((QuietHours, bool), "a QuietHours, True or False"),
    )
    ramp_short_codes: bool = attrs.field(default=False, validator=_instance_of(bool, "a bool"))
    temporary_dnd_expiry: Mapping[int, timedelta] | None = attrs.field(
        default=None, validator=_optional(Mapping, "a mapping of error code to timedelta")
    )


@attrs.frozen(kw_only=True)
class ContentSettings:
    """In what words: the composer's templates, the linter, the snowshoe
    detector, and when a conversation counts as new (``conversation_ttl``:
    after this long without an outbound message the next one is initial
    again; default never)."""

    sender_id_template: str = attrs.field(
        default="Thanks, {brand}", validator=_instance_of(str, "a str")
    )
    opt_out_text: str = attrs.field(
        default="Reply STOP to unsubscribe", validator=_instance_of(str, "a str")
    )
    append_policy: AppendPolicy | None = attrs.field(
        default=None, validator=_optional(AppendPolicy, "an AppendPolicy")
    )
    linter: ContentLinter | None = attrs.field(
        default=None, validator=_optional(ContentLinter, "a ContentLinter")
    )
    snowshoe: SnowshoeDetector | bool = attrs.field(
        default=False,
        converter=_none_is_false,
        validator=_instance_of((SnowshoeDetector, bool), "a SnowshoeDetector, True or False"),
    )
    conversation_ttl: timedelta | None = attrs.field(default=None, validator=_positive_delta)

    def __attrs_post_init__(self) -> None:
        # Validate the templates now rather than on the first message.
        MessageComposer(
            "Brand",
            sender_id_template=self.sender_id_template,
            opt_out_text=self.opt_out_text,
            policy=self.append_policy,
        )


def _reply(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{attribute.name} must be a str or None")


@attrs.frozen(kw_only=True)
class InboundSettings:
    """What comes back: the keyword lists and the replies (``{brand}`` is
    filled in; ``opt_out_reply=None`` sends no confirmation).
    ``tollfree_confirmation``: send the opt-out confirmation for toll-free
    senders too (default False: the carrier sends its own)."""

    keywords: KeywordConfig | None = attrs.field(
        default=None, validator=_optional(KeywordConfig, "a KeywordConfig")
    )
    help_reply: str = attrs.field(default=DEFAULT_HELP_REPLY, validator=_instance_of(str, "a str"))
    opt_out_reply: str | None = attrs.field(default=DEFAULT_OPT_OUT_REPLY, validator=_reply)
    opt_in_reply: str | None = attrs.field(default=DEFAULT_OPT_IN_REPLY, validator=_reply)
    tollfree_confirmation: bool = attrs.field(default=False, converter=bool)


def _numbers(value: object) -> Mapping[str, str]:
    """The toll-free number map, each number as E.164, each value a
    verification (HH...) or phone-number (PN...) SID."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            "tollfree numbers must be a mapping of sender number to verification SID"
        )
    out: dict[str, str] = {}
    for number, sid in value.items():
        if not isinstance(sid, str) or sid[:2] not in ("HH", "PN"):
            raise ConfigurationError(
                f"tollfree numbers must map to verification (HH...) or phone number "
                f"(PN...) SIDs, got {sid!r}"
            )
        if not isinstance(number, str):
            raise ConfigurationError(f"tollfree numbers must be str, got {number!r}")
        out[normalize_phone(number)] = sid
    return out


@attrs.frozen(kw_only=True)
class TollFreeSettings:
    """Toll-free senders: a verification client (a
    :class:`~a2p_policy.TollFreeVerificationClient`) and the map of
    your toll-free numbers (any format) to their verification SID (``HH...``)
    or phone-number SID (``PN...``). With a client, a toll-free sender without
    an approved verification is refused."""

    client: Any = None
    numbers: Mapping[str, str] = attrs.field(factory=dict, converter=_numbers)


# ---------------------------------------------------------------- resolving
#: The keyword arguments of PolicyEngine 0.1, each with the settings group it moved to.
_LEGACY: Final[dict[str, tuple[str, str]]] = {
    "schedule": ("limits", "schedule"),
    "thresholds": ("limits", "thresholds"),
    "min_volume": ("limits", "min_volume"),
    "quiet_hours": ("limits", "quiet_hours"),
    "ramp_short_codes": ("limits", "ramp_short_codes"),
    "temporary_dnd_expiry": ("limits", "temporary_dnd_expiry"),
    "sender_id_template": ("content", "sender_id_template"),
    "opt_out_text": ("content", "opt_out_text"),
    "append_policy": ("content", "append_policy"),
    "linter": ("content", "linter"),
    "snowshoe": ("content", "snowshoe"),
    "conversation_ttl": ("content", "conversation_ttl"),
    "keywords": ("inbound", "keywords"),
    "help_reply": ("inbound", "help_reply"),
    "opt_out_reply": ("inbound", "opt_out_reply"),
    "opt_in_reply": ("inbound", "opt_in_reply"),
    "tollfree_confirmation": ("inbound", "tollfree_confirmation"),
    "tollfree_numbers": ("tollfree", "numbers"),
}
_GROUPS: Final[dict[str, type]] = {
    "limits": LimitsSettings,
    "content": ContentSettings,
    "inbound": InboundSettings,
    "tollfree": TollFreeSettings,
}


def resolve_settings(
    limits: LimitsSettings | None,
    content: ContentSettings | None,
    inbound: InboundSettings | None,
    tollfree: Any,
    legacy: Mapping[str, Any],
) -> dict[str, Any]:
    """The engine's four settings groups, with the 0.1 keyword arguments
    folded in (each warns: DeprecationWarning naming its new place)."""
    given: dict[str, Any] = {"limits": limits, "content": content, "inbound": inbound}
    moved: dict[str, dict[str, Any]] = {name: {} for name in _GROUPS}
    if tollfree is None or isinstance(tollfree, TollFreeSettings):
        given["tollfree"] = tollfree
    else:  # a verification client alone, as in 0.1
        given["tollfree"] = None
        moved["tollfree"]["client"] = tollfree
    for key, value in legacy.items():
        if key not in _LEGACY:
            raise ConfigurationError(f"PolicyEngine() got an unexpected keyword argument {key!r}")
        group, field = _LEGACY[key]
        moved[group][field] = value
        if group != "tollfree":
            _warn(f"PolicyEngine({key}=...)", f"{group}={_GROUPS[group].__name__}({field}=...)")
    if moved["tollfree"]:
        _warn(
            "PolicyEngine(tollfree=<client>, tollfree_numbers=...)",
            "tollfree=TollFreeSettings(client=..., numbers=...)",
        )
    out: dict[str, Any] = {}
    for name, kind in _GROUPS.items():
        value = given[name]
        if value is not None and not isinstance(value, kind):
            raise ConfigurationError(f"{name} must be a {kind.__name__}, got {value!r}")
        if moved[name]:
            if value is not None:
                raise ConfigurationError(
                    f"pass {', '.join(moved[name])} inside {name}={kind.__name__}(...), not both"
                )
            value = kind(**moved[name])
        out[name] = value if value is not None else kind()
    return out


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated: pass {new}", DeprecationWarning, stacklevel=4)
