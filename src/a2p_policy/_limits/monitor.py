"""Error-rate and opt-out-rate monitoring with warning and suspension tiers.

Source: reference/phone-messaging-policy-rampup-dnd.txt, section "Error and
Opt-out Rate Monitoring" (violation email at 8 % error / 1 % opt-out,
temporary restriction at 12.5 % / 2.5 % until 00:00 UTC, the exempt message
kinds) and "What are error and opt-out rates" (good bands 0-6 % error and
0-1 % opt-out; 12 % / 2 % lock sending for 24 h). The appeal articles
(reference/leadconnector-twilio-suspension-appeal.md) describe what a
suspended sender has to fix. Rules: SPEC section 7.

Why it is built this way
    * Counting is O(1) per event and bounded in memory whatever the volume:
      every event is one :meth:`~a2p_policy.storage.base.Storage.add_counts`
      on a time bucket (``sent``, ``outcomes``, ``errors``, ``opt_outs``);
      the window (the current UTC day by default, or a rolling window of
      fixed buckets) is read with one ``get_counts``.
    * Thresholds are :class:`fractions.Fraction` and every comparison is done
      in integers (``errors * den >= num * outcomes``), so 12.5 % of 200
      messages is exactly 25 errors, with no float rounding at the boundary.
    * A suspension is stored (it lasts until 00:00 UTC, or 24 h with the
      ``lock_24h`` preset, even if the rates drop meanwhile), and the "last
      notified level" marker is moved with ``compare_and_set`` so each
      change of level is announced once, even with several processes.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import attrs

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._errors import ConfigurationError, InvalidArgument, StorageError
from a2p_policy._limits._common import AccountKeyed, check_account, check_count
from a2p_policy._recent import Recent, keyed_by_period
from a2p_policy._retry import CONFLICT, until_settled
from a2p_policy.storage.base import Storage
from a2p_policy.storage.uri import resolve_storage

__all__ = [
    "SUSPENSION_EXEMPT_KINDS",
    "HealthLevel",
    "MonitorStatus",
    "RateMonitor",
    "RateThresholds",
    "RateWindow",
    "SuspensionPolicy",
    "parse_rate",
]

#: Message kinds still sent while an account is suspended: one-on-one
#: conversation replies, test messages, resends and missed-call text-back
#: (source: "Please Note: One-on-one conversation, Test SMS, Resend Message,
#: and MissedCallTextBack are allowed even if the account is suspended").
SUSPENSION_EXEMPT_KINDS: frozenset[str] = frozenset(
    {"CONVERSATION", "TEST", "RESEND", "MISSED_CALL_TEXT_BACK"}
)

_log = logging.getLogger(__name__)

_FIELDS = ("sent", "outcomes", "errors", "opt_outs")
_DAY = 86_400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Kept values parsed and remembered (one per account and level change).
_KEPT_CACHE_SIZE = 16_384


def _clamped(counts: Mapping[str, int]) -> tuple[int, int, int, int]:
    """(sent, outcomes, errors, opt_outs), never negative, errors <= outcomes."""
    sent, outcomes, errors, opt_outs = (max(0, int(counts.get(f, 0))) for f in _FIELDS)
    return sent, outcomes, min(errors, outcomes), opt_outs


def _fingerprint(thresholds: object, window: object, min_volume: int) -> str:
    """A short name of a monitor's configuration (for its kept-level key)."""
    text = f"{thresholds!r}|{window!r}|{min_volume}"
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


class HealthLevel(enum.Enum):
    """The account's sending health, worst last."""

    HEALTHY = "healthy"
    WARNING = "warning"
    SUSPENDED = "suspended"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {HealthLevel.HEALTHY: 0, HealthLevel.WARNING: 1, HealthLevel.SUSPENDED: 2}


class SuspensionPolicy(enum.Enum):
    """How long a suspension lasts once a suspension threshold is crossed."""

    #: Until the next 00:00 UTC (the article's temporary restriction).
    UNTIL_UTC_MIDNIGHT = "until_utc_midnight"
    #: A fixed duration from the trip (``RateThresholds.suspension_duration``).
    FIXED_DURATION = "fixed_duration"


def parse_rate(value: object, name: str = "rate") -> Fraction:
    """A rate as an exact fraction in [0, 1].

    Accepts a ``Fraction``, an ``int``, a ``Decimal``, a ``float`` (read by
    its shortest decimal form, so ``0.125`` is exactly 1/8 and ``0.08`` is
    exactly 2/25) or a string such as ``"0.125"``, ``"1/8"`` or ``"12.5%"``.
    """
    try:
        if isinstance(value, bool):
            raise TypeError("bool")
        if isinstance(value, Fraction):
            rate = value
        elif isinstance(value, int):
            rate = Fraction(value)
        elif isinstance(value, float):
            rate = Fraction(repr(value))
        elif isinstance(value, Decimal):
            rate = Fraction(value)
        elif isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                rate = Fraction(Decimal(text[:-1].strip())) / 100
            else:
                rate = Fraction(text)
        else:
            raise TypeError(type(value).__name__)
    except (TypeError, ValueError, ZeroDivisionError, InvalidOperation, OverflowError) as exc:
        raise ConfigurationError(
            f"{name} must be a rate such as 0.08, '8%' or Fraction(2, 25), got {value!r}"
        ) from exc
    if not 0 <= rate <= 1:
        raise ConfigurationError(f"{name} must be between 0 and 1, got {value!r}")
    return rate


def _opt_rate(value: object, name: str) -> Fraction | None:
    return None if value is None else parse_rate(value, name)


def _conv_warn_error_rate(v: object) -> Fraction | None:
    return _opt_rate(v, "warn_error_rate")


def _conv_warn_opt_out_rate(v: object) -> Fraction | None:
    return _opt_rate(v, "warn_opt_out_rate")


def _conv_suspend_error_rate(v: object) -> Fraction | None:
    return _opt_rate(v, "suspend_error_rate")


def _conv_suspend_opt_out_rate(v: object) -> Fraction | None:
    return _opt_rate(v, "suspend_opt_out_rate")


def _ratio(num: int, den: int) -> str:
    """``num / den`` as a percentage string, without building a Fraction."""
    text = f"{num * 100 / den:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _pct(rate: Fraction) -> str:
    """``Fraction(1, 8)`` -> ``'12.5%'`` (at most 4 decimals, trailing zeros cut)."""
    text = f"{float(rate * 100):.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _reaches(num: int, den: int, threshold: Fraction) -> bool:
    """``num / den >= threshold`` in exact integer arithmetic (``den`` > 0)."""
    return num * threshold.denominator >= threshold.numerator * den


@attrs.frozen(slots=True)
class RateThresholds:
    """Warning and suspension tiers (each rate may be None: not judged).

    A rate *at* its threshold crosses it (``>=``). ``suspension`` says how
    long a suspension lasts.
    """

    warn_error_rate: Fraction | None = attrs.field(
        default=Fraction(8, 100), converter=_conv_warn_error_rate
    )
    warn_opt_out_rate: Fraction | None = attrs.field(
        default=Fraction(1, 100), converter=_conv_warn_opt_out_rate
    )
    suspend_error_rate: Fraction | None = attrs.field(
        default=Fraction(125, 1000), converter=_conv_suspend_error_rate
    )
    suspend_opt_out_rate: Fraction | None = attrs.field(
        default=Fraction(25, 1000), converter=_conv_suspend_opt_out_rate
    )
    suspension: SuspensionPolicy = SuspensionPolicy.UNTIL_UTC_MIDNIGHT
    suspension_duration: timedelta = timedelta(hours=24)
    name: str = "custom"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.suspension, SuspensionPolicy):
            raise ConfigurationError(
                f"suspension must be a SuspensionPolicy, got {self.suspension!r}"
            )
        d = self.suspension_duration
        if not isinstance(d, timedelta) or d <= timedelta(0):
            raise ConfigurationError(f"suspension_duration must be a positive timedelta, got {d!r}")
        for kind in ("error", "opt_out"):
            warn = getattr(self, f"warn_{kind}_rate")
            susp = getattr(self, f"suspend_{kind}_rate")
            if warn is not None and susp is not None and warn > susp:
                raise ConfigurationError(
                    f"warn_{kind}_rate ({_pct(warn)}) must not exceed "
                    f"suspend_{kind}_rate ({_pct(susp)})"
                )

    @classmethod
    def default(cls) -> RateThresholds:
        """Warning at 8 % error or 1 % opt-out; suspension at 12.5 % error or
        2.5 % opt-out until the next 00:00 UTC."""
        return cls(name="default")

    @classmethod
    def lock_24h(cls) -> RateThresholds:
        """Warning at 8 % error or 1 % opt-out; 12 % error or 2 % opt-out
        locks sending for 24 h from the moment it is crossed."""
        return cls(
            suspend_error_rate=Fraction(12, 100),
            suspend_opt_out_rate=Fraction(2, 100),
            suspension=SuspensionPolicy.FIXED_DURATION,
            suspension_duration=timedelta(hours=24),
            name="lock_24h",
        )

    def suspension_end(self, tripped_at: datetime) -> datetime:
        """When a suspension that starts at ``tripped_at`` ends (aware UTC)."""
        at = ensure_aware(tripped_at, "tripped_at")
        if self.suspension is SuspensionPolicy.FIXED_DURATION:
            return at + self.suspension_duration
        return datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=UTC)

    def evaluate(
        self, sent: int, outcomes: int, errors: int, opt_outs: int, *, min_volume: int = 100
    ) -> tuple[HealthLevel, str]:
        """The level the counts alone give, and why (a pure function).

        The error rate (errors / outcomes) is judged only once ``outcomes``
        reaches ``min_volume``; the opt-out rate (opt-outs / sent) only once
        ``sent`` does.
        """
        for n, v in (("sent", sent), ("outcomes", outcomes), ("errors", errors)):
            check_count(v, n)
        check_count(opt_outs, "opt_outs")
        check_count(min_volume, "min_volume")
        return self._evaluate(sent, outcomes, errors, opt_outs, min_volume)

    def _level(
        self, sent: int, outcomes: int, errors: int, opt_outs: int, min_volume: int
    ) -> HealthLevel:
        """The level of :meth:`_evaluate`, in integers only (no reason text):
        what a send checks to see whether it moved the level."""
        judged_error = outcomes > 0 and outcomes >= min_volume
        judged_opt = sent > 0 and sent >= min_volume
        for level, err_t, opt_t in (
            (HealthLevel.SUSPENDED, self.suspend_error_rate, self.suspend_opt_out_rate),
            (HealthLevel.WARNING, self.warn_error_rate, self.warn_opt_out_rate),
        ):
            if judged_error and err_t is not None and _reaches(errors, outcomes, err_t):
                return level
            if judged_opt and opt_t is not None and _reaches(opt_outs, sent, opt_t):
                return level
        return HealthLevel.HEALTHY

    def _evaluate(
        self, sent: int, outcomes: int, errors: int, opt_outs: int, min_volume: int
    ) -> tuple[HealthLevel, str]:
        judged_error = outcomes > 0 and outcomes >= min_volume
        judged_opt = sent > 0 and sent >= min_volume
        if not judged_error and not judged_opt:
            return HealthLevel.HEALTHY, (
                f"below minimum volume ({max(sent, outcomes)} < {min_volume} messages in the "
                "window): rates not judged"
            )
        crossed: dict[HealthLevel, list[str]] = {HealthLevel.SUSPENDED: [], HealthLevel.WARNING: []}
        for level, tier, err_t, opt_t in (
            (
                HealthLevel.SUSPENDED,
                "suspension",
                self.suspend_error_rate,
                self.suspend_opt_out_rate,
            ),
            (HealthLevel.WARNING, "warning", self.warn_error_rate, self.warn_opt_out_rate),
        ):
            if judged_error and err_t is not None and _reaches(errors, outcomes, err_t):
                crossed[level].append(
                    f"error rate {_ratio(errors, outcomes)} ({errors}/{outcomes}) "
                    f">= {tier} threshold {_pct(err_t)}"
                )
            if judged_opt and opt_t is not None and _reaches(opt_outs, sent, opt_t):
                crossed[level].append(
                    f"opt-out rate {_ratio(opt_outs, sent)} ({opt_outs}/{sent}) "
                    f">= {tier} threshold {_pct(opt_t)}"
                )
        for level in (HealthLevel.SUSPENDED, HealthLevel.WARNING):
            if crossed[level]:
                return level, "; ".join(crossed[level])
        parts = []
        if judged_error:
            parts.append(f"error rate {_ratio(errors, outcomes)} ({errors}/{outcomes})")
        if judged_opt:
            parts.append(f"opt-out rate {_ratio(opt_outs, sent)} ({opt_outs}/{sent})")
        return HealthLevel.HEALTHY, " and ".join(parts) + " below the warning thresholds"


@attrs.frozen(slots=True)
class RateWindow:
    """The window the rates are computed over, made of fixed time buckets.

    ``RateWindow.utc_day()`` (default): one bucket, the current UTC calendar
    day. ``RateWindow.rolling(timedelta(hours=24), bucket=timedelta(hours=1))``:
    the last 24 one-hour buckets (the current, partial one included).
    """

    length: timedelta = timedelta(days=1)
    bucket: timedelta = timedelta(days=1)
    calendar_day: bool = True

    def __attrs_post_init__(self) -> None:
        for name in ("length", "bucket"):
            v = getattr(self, name)
            if not isinstance(v, timedelta) or v < timedelta(seconds=1):
                raise ConfigurationError(f"{name} must be a timedelta of at least 1 s, got {v!r}")
        if self.length % self.bucket:
            raise ConfigurationError("length must be a whole number of buckets")
        if self.length // self.bucket > 1440:
            raise ConfigurationError("a window may hold at most 1440 buckets")

    @classmethod
    def utc_day(cls) -> RateWindow:
        return cls()

    @classmethod
    def rolling(
        cls, length: timedelta = timedelta(hours=24), *, bucket: timedelta = timedelta(hours=1)
    ) -> RateWindow:
        return cls(length=length, bucket=bucket, calendar_day=False)

    @property
    def ttl(self) -> float:
        return (self.length + self.bucket).total_seconds() + 3600.0

    def current_bucket(self, now: datetime) -> str:
        if self.calendar_day:
            return now.astimezone(UTC).date().isoformat()
        return str(int(now.timestamp() // self.bucket.total_seconds()))

    def buckets(self, now: datetime) -> list[str]:
        if self.calendar_day:
            return [self.current_bucket(now)]
        n = self.length // self.bucket
        last = int(now.timestamp() // self.bucket.total_seconds())
        return [str(i) for i in range(last - n + 1, last + 1)]

    def start(self, now: datetime) -> datetime:
        """When the window containing ``now`` began (aware UTC)."""
        if self.calendar_day:
            return datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
        size = self.bucket.total_seconds()
        n = self.length // self.bucket
        first = int(now.timestamp() // size) - n + 1
        return datetime.fromtimestamp(first * size, UTC)


@attrs.frozen(slots=True)
class MonitorStatus:
    """An account's health at one instant.

    ``error_rate`` and ``opt_out_rate`` are floats for display (0.0 with no
    messages); ``error_fraction`` / ``opt_out_fraction`` are the exact values
    the tiers were compared with. ``rate_level`` is the level the window's
    counts alone give; ``level`` is worse while a stored suspension lasts.
    """

    account: str
    level: HealthLevel
    error_rate: float
    opt_out_rate: float
    suspended_until: datetime | None
    reason: str
    sent: int
    outcomes: int
    errors: int
    opt_outs: int
    checked_at: datetime
    window_start: datetime
    rate_level: HealthLevel = HealthLevel.HEALTHY
    #: True when read from the kept level (:meth:`RateMonitor.current`).
    from_kept: bool = attrs.field(default=False, eq=False, repr=False, kw_only=True)

    @property
    def error_fraction(self) -> Fraction:
        """errors / outcomes, exact (0 with no outcomes)."""
        return Fraction(self.errors, self.outcomes) if self.outcomes else Fraction(0)

    @property
    def opt_out_fraction(self) -> Fraction:
        """opt-outs / sent, exact (0 with nothing sent)."""
        return Fraction(self.opt_outs, self.sent) if self.sent else Fraction(0)

    @property
    def suspended(self) -> bool:
        return self.level is HealthLevel.SUSPENDED


Subscriber = Callable[[str, MonitorStatus], None]


def _kind_name(kind: object) -> str:
    if isinstance(kind, enum.Enum):
        return kind.name
    if isinstance(kind, str):
        return kind.strip().upper().replace("-", "_").replace(" ", "_")
    raise InvalidArgument(
        f"kind must be a message kind name (str) or an Enum member, got {type(kind).__name__}"
    )


class RateMonitor(AccountKeyed):
    """Counts sends, outcomes and opt-outs per account and judges the rates."""

    def __init__(
        self,
        thresholds: RateThresholds | None = None,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        min_volume: int = 100,
        window: RateWindow | None = None,
        exempt_kinds: Iterable[str] = SUSPENSION_EXEMPT_KINDS,
        prefix: str = "monitor",
    ) -> None:
        if thresholds is None:
            thresholds = RateThresholds.default()
        if not isinstance(thresholds, RateThresholds):
            raise ConfigurationError(
                f"thresholds must be RateThresholds, got {type(thresholds).__name__}"
            )
        if window is None:
            window = RateWindow.utc_day()
        if not isinstance(window, RateWindow):
            raise ConfigurationError(f"window must be a RateWindow, got {type(window).__name__}")
        clock = clock_or_system(clock)
        try:
            check_count(min_volume, "min_volume", minimum=1)
        except InvalidArgument as exc:
            raise ConfigurationError(str(exc)) from exc
        if isinstance(exempt_kinds, str) or not isinstance(exempt_kinds, Iterable):
            raise ConfigurationError("exempt_kinds must be an iterable of kind names")
        if not isinstance(prefix, str) or not prefix:
            raise ConfigurationError("prefix must be a non-empty str")
        self.thresholds = thresholds
        self.window = window
        self.min_volume = min_volume
        self.exempt_kinds = frozenset(_kind_name(k) for k in exempt_kinds)
        self.storage = resolve_storage(storage)
        self.clock: Clock = clock
        self._prefix = prefix
        self._subscribers: list[Subscriber] = []
        self._sub_lock = threading.Lock()
        self._classifier: Any = None
        self._classifier_loaded = False
        #: (from, to, bucket, window start) of the bucket last seen: the clock
        #: moves within one bucket for hours, so its key is built once.
        self._span_cache: tuple[float, float, str, datetime] = (0.0, 0.0, "", _EPOCH)
        #: (account, kept value) -> the status it holds (parsed once).
        self._kept_cache: dict[tuple[str, str], MonitorStatus] = {}
        self._config = _fingerprint(thresholds, window, min_volume)
        self._kept_keys: Recent[str, str] = Recent(_KEPT_CACHE_SIZE)
        self._counts_keys: Recent[str, tuple[str, str]] = Recent(_KEPT_CACHE_SIZE)
        #: Account ids already checked (a pure check of the string).
        self._accounts: set[str] = set()

    def __repr__(self) -> str:
        return f"RateMonitor({self.thresholds.name}, storage={self.storage!r})"

    def _check_account(self, account: str) -> None:
        """:func:`check_account`, remembered for the accounts seen."""
        if type(account) is str and account in self._accounts:
            return
        check_account(account)
        if len(self._accounts) >= _KEPT_CACHE_SIZE:
            self._accounts.clear()
        self._accounts.add(account)

    def kept_key(self, account: str) -> str:
        """The key of the account's kept level (see :meth:`current`). It names
        the monitor's configuration: monitors with other thresholds, minimum
        volume or window sharing a store keep their own."""
        key = self._kept_keys.get(account)
        if key is None:
            key = self._kept_keys[account] = self._key("level", account, self._config)
        return key

    def _span(self, now: datetime) -> tuple[str, datetime]:
        """(bucket of ``now``, start of the window containing ``now``)."""
        ts = now.timestamp()
        lo, hi, bucket, start = self._span_cache
        if lo <= ts < hi:
            return bucket, start
        window = self.window
        if window.calendar_day:
            start = window.start(now)
            lo = start.timestamp()
            hi = lo + _DAY
        else:
            size = window.bucket.total_seconds()
            lo = (ts // size) * size
            hi = lo + size
            start = window.start(now)
        bucket = window.current_bucket(now)
        self._span_cache = (lo, hi, bucket, start)
        return bucket, start

    # ------------------------------------------------------------ recording
    def record_sent(self, account: str, count: int = 1) -> MonitorStatus:
        """Count ``count`` messages sent (accepted by the carrier)."""
        check_account(account)
        check_count(count)
        return self._record(account, {"sent": count})

    def count_sent(
        self, account: str, count: int = 1, *, known: MonitorStatus | None = None
    ) -> None:
        """Count ``count`` messages sent, like :meth:`record_sent`, and keep
        the account's level: the counts the write returns are judged in
        integers, and only when the level moved (sending more lowers the
        opt-out rate, or reaches the minimum volume) is the full judgement run
        (store a suspension, notify subscribers, keep the new level).
        ``known`` is the status the caller read with :meth:`current` (the
        engine's decisions pass it); without it the kept level is read."""
        self._check_account(account)
        check_count(count)
        if count:
            self._count(account, count, known)

    def uncount_sent(self, account: str, count: int = 1) -> None:
        """Take back ``count`` sends counted by :meth:`count_sent` whose message
        never left (the provider refused it synchronously). Taken from the
        current bucket: if the bucket turned over in between, the window
        total is still right. The level is kept as :meth:`count_sent` does
        (fewer sends can raise the opt-out rate)."""
        check_account(account)
        check_count(count)
        if count:
            self._count(account, -count, None)

    def _count(self, account: str, delta: int, known: MonitorStatus | None) -> None:
        now = self._now()
        counts = self.storage.add_counts(self.counts_key(account, now), {"sent": delta}, self.ttl)
        self.counted(account, counts, known=known, now=now)

    @property
    def ttl(self) -> float:
        """Garbage-collection TTL (seconds) of a bucket's counts."""
        return self.window.ttl

    def counts_key(self, account: str, now: datetime) -> str:
        """The key of the hash of counts of the bucket holding ``now``."""
        bucket = self._span(now)[0]
        return keyed_by_period(
            self._counts_keys, account, bucket, lambda: self._key("counts", account, bucket)
        )

    def counted(
        self,
        account: str,
        counts: Mapping[str, int],
        *,
        known: MonitorStatus | None,
        now: datetime,
    ) -> None:
        """Keep the level after sends were counted elsewhere (the engine's
        commit adds them to :meth:`counts_key`): ``counts`` is that bucket's
        hash after the write. Only when the level moved is the full
        judgement run (store a suspension, notify, keep the new level)."""
        start = self._span(now)[1]
        if not self.window.calendar_day:
            counts = self._window_counts(account, now)
        if known is None or not known.from_kept:
            known = self._kept_status(account, self.storage.get(self.kept_key(account)))
        if known is not None and known.window_start == start:
            sent, outcomes, errors, opt_outs = _clamped(counts)
            level = self.thresholds._level(sent, outcomes, errors, opt_outs, self.min_volume)
            if level is known.rate_level:
                return  # the level did not move: nothing to keep or announce
        self._judge(account, now, counts, keep=True)

    def record_outcome(
        self, account: str, *, delivered: bool, error_code: int | str | None = None
    ) -> MonitorStatus:
        """Count one final outcome. An undelivered or failed message counts as
        an error unless its code is known not to be one (see
        :class:`~a2p_policy.ErrorCodeClassifier`)."""
        check_account(account)
        if not isinstance(delivered, bool):
            raise InvalidArgument(f"delivered must be a bool, got {delivered!r}")
        if error_code is not None and (
            isinstance(error_code, bool) or not isinstance(error_code, int | str)
        ):
            raise InvalidArgument(f"error_code must be an int, a str or None, got {error_code!r}")
        is_error = not delivered and self._is_error(error_code)
        return self._record(account, {"outcomes": 1, "errors": int(is_error)})

    def record_opt_out(self, account: str, count: int = 1) -> MonitorStatus:
        """Count ``count`` opt-outs (STOP and its synonyms)."""
        check_account(account)
        check_count(count)
        return self._record(account, {"opt_outs": count})

    def _is_error(self, code: int | str | None) -> bool:
        if code is None:
            return True
        if not self._classifier_loaded:
            try:
                from a2p_policy._codes.classifier import ErrorCodeClassifier

                self._classifier = ErrorCodeClassifier()
            except ImportError:  # pragma: no cover - codes package absent
                self._classifier = None
            self._classifier_loaded = True
        if self._classifier is None:  # pragma: no cover
            return True
        try:
            return bool(self._classifier.classify(code).is_error)
        except Exception:  # pragma: no cover - the classifier promises never to raise
            return True

    def _record(self, account: str, deltas: Mapping[str, int]) -> MonitorStatus:
        now = self._now()
        bucket = self._span(now)[0]
        counts = self.storage.add_counts(
            self._key("counts", account, bucket), deltas, self.window.ttl
        )
        if not self.window.calendar_day:
            counts = self._window_counts(account, now)
        return self._judge(account, now, counts)

    # ------------------------------------------------------------ reading
    def _window_counts(self, account: str, now: datetime) -> dict[str, int]:
        total = dict.fromkeys(_FIELDS, 0)
        keys = [self._key("counts", account, b) for b in self.window.buckets(now)]
        for h in self.storage.get_counts(keys):
            for f in _FIELDS:
                total[f] += max(0, h.get(f, 0))
        return total

    def status(self, account: str) -> MonitorStatus:
        """The account's level now (may trip or end a suspension and notify)."""
        check_account(account)
        now = self._now()
        return self._judge(account, now, self._window_counts(account, now))

    def peek(self, account: str) -> MonitorStatus:
        """The account's level now, without storing a suspension or notifying
        subscribers (for dry runs such as ``PolicyEngine.check``)."""
        check_account(account)
        now = self._now()
        return self._judge(account, now, self._window_counts(account, now), commit=False)

    def is_send_allowed(self, account: str, kind: object = "BULK") -> bool:
        """False only while the account is suspended and ``kind`` (a name such
        as ``"CONVERSATION"`` or an Enum member with that name) is not one of
        the exempt kinds."""
        check_account(account)
        name = _kind_name(kind)
        if name in self.exempt_kinds:
            return True
        return not self.current(account).suspended

    def check(self, account: str, kind: object = "BULK") -> MonitorStatus:
        """The level a ``kind`` message of ``account`` meets now, with no side
        effects (the look of the library's look/act pair, like
        ``PolicyEngine.check``; :meth:`status` is the act: it stores a
        suspension and notifies). An exempt ``kind`` never sees SUSPENDED (it
        is reported as WARNING, with the suspension in ``reason``)."""
        check_account(account)
        name = _kind_name(kind)
        st = self.peek(account)
        if st.suspended and name in self.exempt_kinds:
            return attrs.evolve(
                st, level=HealthLevel.WARNING, reason=f"{name} is exempt from: {st.reason}"
            )
        return st

    # ------------------------------------------------------------ kept level
    def current(self, account: str, *, commit: bool = True) -> MonitorStatus:
        """The account's kept level: one small read instead of the window's
        counts. Every event that changes the counts (through this monitor)
        keeps it up to date, so it equals what :meth:`status` would judge; it
        is judged again (``status``, or ``peek`` when ``commit`` is False)
        only when missing, when the window rolled over or when a stored
        suspension ended. Its counts and reason are those of the last change
        of level."""
        self._check_account(account)
        raw = self.storage.get(self.kept_key(account))
        return self.current_from(account, raw, commit=commit)

    def current_from(
        self,
        account: str,
        raw: str | None,
        *,
        commit: bool = True,
        now: datetime | None = None,
    ) -> MonitorStatus:
        """:meth:`current` from the kept value ``raw`` the caller read at
        :meth:`kept_key` (in one read with its other keys)."""
        if now is None:
            now = self._now()
        kept = self._kept_status(account, raw)
        if kept is not None and kept.window_start == self._span(now)[1]:
            until = kept.suspended_until
            if until is None or now < until:
                return kept
        return self.status(account) if commit else self.peek(account)

    def _kept_status(self, account: str, raw: str | None) -> MonitorStatus | None:
        if raw is None:
            return None
        found = self._kept_cache.get((account, raw))
        if found is not None:
            return found
        try:
            data = json.loads(raw)
            sent, outcomes, errors, opt_outs = (int(v) for v in data["c"])
            until = data["u"]
            checked = datetime.fromtimestamp(float(data["t"]), UTC)
            status = MonitorStatus(
                account=account,
                level=HealthLevel(data["l"]),
                error_rate=errors / outcomes if outcomes else 0.0,
                opt_out_rate=opt_outs / sent if sent else 0.0,
                suspended_until=None if until is None else datetime.fromtimestamp(until, UTC),
                reason=str(data["why"]),
                sent=sent,
                outcomes=outcomes,
                errors=errors,
                opt_outs=opt_outs,
                checked_at=checked,
                window_start=datetime.fromtimestamp(float(data["w"]), UTC),
                rate_level=HealthLevel(data["r"]),
                from_kept=True,
            )
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            raise StorageError(f"corrupt kept health level: {raw[:80]!r}") from exc
        if len(self._kept_cache) >= _KEPT_CACHE_SIZE:
            self._kept_cache.clear()
        self._kept_cache[(account, raw)] = status
        return status

    def _keep(self, account: str, raw: str | None, status: MonitorStatus) -> bool:
        """Keep ``status`` as the account's level, unless another writer
        changed the kept value since ``raw`` was read (False: judge again).
        Written only when the level, the rate level, the suspension end or
        the window changed; every write bumps a sequence number, so a
        compare-and-set never succeeds on a value that changed and changed
        back."""
        old = self._kept_status(account, raw)
        if (
            old is not None
            and old.level is status.level
            and old.rate_level is status.rate_level
            and old.suspended_until == status.suspended_until
            and old.window_start == status.window_start
        ):
            return True
        seq = 0
        if raw is not None:
            seq = int(json.loads(raw).get("n", 0)) + 1
        until = status.suspended_until
        new = json.dumps(
            {
                "n": seq,
                "l": status.level.value,
                "r": status.rate_level.value,
                "u": None if until is None else until.timestamp(),
                "w": status.window_start.timestamp(),
                "t": status.checked_at.timestamp(),
                "c": [status.sent, status.outcomes, status.errors, status.opt_outs],
                "why": status.reason,
            },
            separators=(",", ":"),
        )
        ttl = self.window.ttl
        if until is not None:
            ttl = max(ttl, (until - status.checked_at).total_seconds() + 3600.0)
        return self.storage.compare_and_set(self.kept_key(account), raw, new, ttl)

    # ------------------------------------------------------------ judging
    def _judge(
        self,
        account: str,
        now: datetime,
        counts: Mapping[str, int],
        *,
        commit: bool = True,
        keep: bool = False,
    ) -> MonitorStatus:
        """Judge ``counts``; when ``commit``, store a suspension, keep the
        level and notify a change. A healthy level with nothing kept yet is
        kept only when ``keep`` (a send was counted): a refused decision
        writes nothing."""
        if not commit:
            result = self._judge_once(account, now, counts, commit=False, keep=False)
            assert isinstance(result, MonitorStatus)
            return result
        first = [counts]

        def step() -> MonitorStatus | Any:
            # A lost race on the kept level: read the counts again.
            window = first.pop() if first else self._window_counts(account, now)
            return self._judge_once(account, now, window, commit=True, keep=keep)

        status: MonitorStatus = until_settled(step, what=f"health level of account {account!r}")
        return status

    def _judge_once(
        self, account: str, now: datetime, counts: Mapping[str, int], *, commit: bool, keep: bool
    ) -> MonitorStatus | Any:
        sent, outcomes, errors, opt_outs = _clamped(counts)
        level, reason = self.thresholds._evaluate(sent, outcomes, errors, opt_outs, self.min_volume)
        rate_level = level
        susp_key = self._key("suspension", account)
        marker_key = self._key("notified", account)
        kept_key = self.kept_key(account)
        susp_raw, marker_raw, kept_raw = self.storage.get_many([susp_key, marker_key, kept_key])
        until, stored_reason = self._load_suspension(susp_raw, now)
        if until is None and level is HealthLevel.SUSPENDED and not commit:
            until = self.thresholds.suspension_end(now)
            stored_reason = reason
        elif until is None and level is HealthLevel.SUSPENDED:
            until = self.thresholds.suspension_end(now)
            new = json.dumps(
                {"until": until.timestamp(), "reason": reason, "since": now.timestamp()}
            )
            ttl = max(60.0, (until - now).total_seconds() + 3600.0)
            if not self.storage.compare_and_set(susp_key, susp_raw, new, ttl):
                # Another worker tripped (or changed) it first: use theirs.
                until, stored_reason = self._load_suspension(self.storage.get(susp_key), now)
                if until is None:  # pragma: no cover - raced with an expiry
                    until = self.thresholds.suspension_end(now)
            else:
                stored_reason = reason
        if until is not None:
            level = HealthLevel.SUSPENDED
            reason = f"suspended until {until.isoformat()}: {stored_reason}"
        status = MonitorStatus(
            account=account,
            level=level,
            error_rate=errors / outcomes if outcomes else 0.0,
            opt_out_rate=opt_outs / sent if sent else 0.0,
            suspended_until=until,
            reason=reason,
            sent=sent,
            outcomes=outcomes,
            errors=errors,
            opt_outs=opt_outs,
            checked_at=now,
            window_start=self._span(now)[1],
            rate_level=rate_level,
        )
        if not commit:
            return status
        quiet = kept_raw is None and level is HealthLevel.HEALTHY and not keep
        if not quiet and not self._keep(account, kept_raw, status):
            return CONFLICT
        previous = marker_raw if marker_raw is not None else HealthLevel.HEALTHY.value
        if previous != level.value and self.storage.compare_and_set(
            marker_key, marker_raw, level.value
        ):
            self._notify(account, status)
        return status

    def _load_suspension(self, raw: str | None, now: datetime) -> tuple[datetime | None, str]:
        if raw is None:
            return None, ""
        try:
            data = json.loads(raw)
            until = datetime.fromtimestamp(float(data["until"]), UTC)
            reason = str(data.get("reason", ""))
        except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
            # OSError: an "until" past what the platform's time functions take.
            raise StorageError(f"corrupt suspension record: {raw[:80]!r}") from exc
        if now >= until:
            return None, ""
        return until, reason

    # ------------------------------------------------------------ subscriptions
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(account, status)`` on every change of level (the
        hook behind a violation email or a suspension email). Returns a
        function that unsubscribes. A callback that raises does not stop the
        others: its error is logged (logger ``a2p_policy._limits.monitor``)."""
        if not callable(callback):
            raise InvalidArgument(f"callback must be callable, got {type(callback).__name__}")
        with self._sub_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._sub_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self, account: str, status: MonitorStatus) -> None:
        with self._sub_lock:
            subscribers = list(self._subscribers)
        for cb in subscribers:
            try:
                cb(account, status)
            except Exception:
                _log.exception("rate monitor subscriber %r failed for account %r", cb, account)
