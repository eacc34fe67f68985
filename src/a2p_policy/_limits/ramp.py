"""Daily sending limits for new accounts: the ramp-up model.

Source: sources.md [policy], sections "Every new
account ... will follow the Ramp Up Model" (the day table), "Recommended
process for new accounts" (level unlock), "Error Screens and Notifications"
(the bulk message wording) and the FAQs "How often does the SMS limit last?"
(capped at 5000 daily from day 8) and "What happens when we hit our daily
limit?" (the limit covers every kind of message). Rules: sources.md: ramp-up.

Why it is built this way
    A limit that is checked and then written separately over-grants as soon
    as two workers send for the same account. Every grant here is one atomic
    :meth:`~a2p_policy.storage.base.Storage.reserve` on a counter whose key
    names the window (``ramp:count:<account>:<local date>``), so whatever the
    number of threads or processes sharing the store, a window's granted
    count never exceeds its limit. The ramp start is a first-writer-wins
    :meth:`~a2p_policy.storage.base.Storage.put_if_absent`; the level-unlock
    state is a small JSON value only ever changed by
    :meth:`~a2p_policy.storage.base.Storage.compare_and_set`, so two workers
    can never both advance it (no level is ever skipped).

Calendar mode (default)
    Day 1 is the local calendar day (in ``RampSchedule.tz``) of the first
    successful send (:meth:`RampUpLimiter.record_success`); until then the
    account stays on day 1. Day *n* gets ``daily_limits[n - 1]``, every day
    after the table gets ``steady_limit``. The limit refreshes at local
    midnight (``Grant.resets_at``).

Level-unlock mode
    Level *n* (starting at 1) allows ``daily_limits[n - 1]`` messages in a
    24-hour window that opens with the first reservation at that level. If
    the account's reservations reach the level's limit before the window
    closes, it is restricted for 24 hours counted from the reservation that
    reached the limit; when the restriction ends the next level applies and
    a fresh window opens with the next reservation. A window that closes
    without reaching the limit is simply replaced by a new one at the same
    level. The level after the table is the steady level (``steady_limit``
    per rolling 24-hour window, no further restriction).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._errors import ConfigurationError, StorageError
from a2p_policy._limits._common import (
    MAX_ACCOUNT_LENGTH,
    AccountKeyed,
    check_account,
    check_count,
    load_zone,
    local_midnight_utc,
    next_local_midnight,
)
from a2p_policy._recent import Recent, keyed_by_period
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy.storage.base import CommitPlan, Reservation, Storage
from a2p_policy.storage.uri import resolve_storage

__all__ = [
    "DEFAULT_DAILY_LIMITS",
    "DEFAULT_STEADY_LIMIT",
    "Grant",
    "RampMode",
    "RampSchedule",
    "RampUpLimiter",
]

#: Messages per day on days 1-7 of the ramp (source: the day table of
#: sources.md [policy]).
DEFAULT_DAILY_LIMITS: tuple[int, ...] = (100, 250, 500, 750, 1500, 2250, 3000)

#: Messages per day from day 8 on ("3000+" in the table; "capped at 5000
#: daily" in the article's FAQ). Raising it is a per-account override.
DEFAULT_STEADY_LIMIT = 5000

_DAY = timedelta(days=1)
_SECONDS_PER_DAY = 86_400.0
#: Counters are garbage-collected about two days after their window.
_COUNTER_TTL = 2 * _SECONDS_PER_DAY + 3600.0
#: Accounts whose last-seen ramp start and override a limiter remembers.
_SEEN_SIZE = 16_384
_NOTHING_SEEN: tuple[str | None, str | None] = (None, None)


class RampMode(enum.Enum):
    """How an account moves along the schedule."""

    #: One step per local calendar day since the first successful send.
    CALENDAR = "calendar"
    #: One step per level limit reached within 24 h, then a 24 h restriction.
    LEVEL_UNLOCK = "level_unlock"


def _limits_tuple(value: object) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ConfigurationError(
            f"daily_limits must be a sequence of ints, got {type(value).__name__}"
        )
    return tuple(value)


@attrs.frozen(slots=True)
class RampSchedule:
    """The ramp: per-day (or per-level) limits, the steady limit, the mode and
    the time zone whose midnight starts a new day.

    Limits are ints >= 1 that never decrease along the ramp, and
    ``steady_limit`` is at least the last daily limit; anything else raises
    :class:`~a2p_policy.ConfigurationError`.
    """

    daily_limits: tuple[int, ...] = attrs.field(
        default=DEFAULT_DAILY_LIMITS, converter=_limits_tuple
    )
    steady_limit: int = DEFAULT_STEADY_LIMIT
    mode: RampMode = RampMode.CALENDAR
    tz: str = "UTC"
    _zone: ZoneInfo = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        for i, limit in enumerate(self.daily_limits, start=1):
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ConfigurationError(
                    f"daily_limits[{i - 1}] must be an int >= 1, got {limit!r}"
                )
        for a, b in zip(self.daily_limits, self.daily_limits[1:], strict=False):
            if b < a:
                raise ConfigurationError(
                    f"daily_limits must never decrease along the ramp: {a} then {b}"
                )
        s = self.steady_limit
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise ConfigurationError(f"steady_limit must be an int >= 1, got {s!r}")
        if self.daily_limits and s < self.daily_limits[-1]:
            raise ConfigurationError(
                f"steady_limit ({s}) must be >= the last daily limit ({self.daily_limits[-1]})"
            )
        if not isinstance(self.mode, RampMode):
            raise ConfigurationError(f"mode must be a RampMode, got {self.mode!r}")
        object.__setattr__(self, "_zone", load_zone(self.tz))

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone."""
        return self._zone

    @property
    def steady_level(self) -> int:
        """The first day (or level) on ``steady_limit``: ``len(daily_limits) + 1``."""
        return len(self.daily_limits) + 1

    def limit_for_day(self, day: int) -> int:
        """The limit of ramp day (or level) ``day`` (1-based; < 1 counts as 1)."""
        check_count(day, "day", minimum=-(10**9))
        index = max(day, 1) - 1
        if index < len(self.daily_limits):
            return self.daily_limits[index]
        return self.steady_limit


def _plural(n: int) -> str:
    return f"{n} message" if n == 1 else f"{n} messages"


@attrs.frozen(slots=True)
class Grant:
    """The answer to a reservation: how many of the batch may be sent.

    ``used`` is the window's count after this reservation, ``resets_at`` the
    aware UTC instant a new window (or the next level) starts, ``level`` the
    ramp day (calendar mode) or level (level-unlock mode), and
    ``restricted_until`` the end of a level-unlock restriction, if any.
    """

    granted: int
    denied: int
    limit: int
    used: int
    resets_at: datetime
    level: int = 1
    restricted_until: datetime | None = None

    @property
    def requested(self) -> int:
        """Size of the batch asked for."""
        return self.granted + self.denied

    @property
    def allowed(self) -> bool:
        """True when the whole batch was granted."""
        return self.denied == 0

    @property
    def message(self) -> str:
        """A sentence for a person, e.g. ``allowed 5000 per day, already sent
        5000, 1 message will fail``."""
        before = self.used - self.granted
        if self.restricted_until is not None and self.granted == 0:
            return (
                f"sending restricted until {self.restricted_until.isoformat()} after the level "
                f"limit of {self.limit} was reached, {_plural(self.denied)} will fail"
            )
        head = f"allowed {self.limit} per day, already sent {before}"
        if self.denied:
            return f"{head}, {_plural(self.denied)} will fail"
        return f"{head}, {_plural(self.granted)} granted"


@attrs.frozen(slots=True)
class _LevelState:
    level: int = 1
    window_start: float | None = None
    restricted_until: float | None = None

    def dump(self) -> str:
        return json.dumps(
            {"level": self.level, "ws": self.window_start, "ru": self.restricted_until},
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def load(cls, raw: str | None) -> _LevelState:
        if raw is None:
            return cls()
        try:
            data: Any = json.loads(raw)
            level = data["level"]
            ws = data["ws"]
            ru = data["ru"]
            if isinstance(level, bool) or not isinstance(level, int) or level < 1:
                raise ValueError("level")
            for v in (ws, ru):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                    raise ValueError("time")
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"corrupt ramp level state: {raw[:80]!r}") from exc
        return cls(level, None if ws is None else float(ws), None if ru is None else float(ru))


class RampUpLimiter(AccountKeyed):
    """Per-account daily sending limits along a :class:`RampSchedule`.

    All state lives in ``storage`` (shared by every process that uses the
    same store); the limiter itself keeps none.
    """

    #: Garbage-collection TTL of a day's counter (seconds): about two days
    #: after its window.
    counter_ttl: float = _COUNTER_TTL

    def __init__(
        self,
        schedule: RampSchedule | None = None,
        *,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        prefix: str = "ramp",
    ) -> None:
        if schedule is None:
            schedule = RampSchedule()
        if not isinstance(schedule, RampSchedule):
            raise ConfigurationError(
                f"schedule must be a RampSchedule, got {type(schedule).__name__}"
            )
        clock = clock_or_system(clock)
        if not isinstance(prefix, str) or not prefix:
            raise ConfigurationError("prefix must be a non-empty str")
        self.schedule = schedule
        self.storage = resolve_storage(storage)
        self.clock: Clock = clock
        self._prefix = prefix
        self._day_cache: tuple[datetime, datetime, date, str] | None = None
        # The (start, override) values last seen per account: a reservation
        # is guarded by them (see _reserve_calendar), never trusts them.
        self._seen: Recent[str, tuple[str | None, str | None]] = Recent(_SEEN_SIZE)
        self._keys: Recent[str, tuple[str, str]] = Recent(_SEEN_SIZE)
        self._counters: Recent[str, tuple[str, str]] = Recent(_SEEN_SIZE)
        self._mode: _Mode = (
            _CalendarMode(self) if schedule.mode is RampMode.CALENDAR else _LevelUnlockMode(self)
        )

    def __repr__(self) -> str:
        return f"RampUpLimiter({self.schedule!r}, storage={self.storage!r})"

    # ------------------------------------------------------------ public API
    def record_success(self, account: str) -> None:
        """Note a successfully sent message; the first call starts the ramp
        (day 1 is the local date of that call)."""
        check_account(account)
        today = self._now().astimezone(self.schedule.zone).date()
        self.storage.put_if_absent(self._key("start", account), today.isoformat())

    def ramp_start(self, account: str) -> date | None:
        """The local date of the first successful send, or None before it."""
        check_account(account)
        return self._parse_start(self.storage.get(self._key("start", account)))

    def set_override(self, account: str, limit: int | None) -> None:
        """Replace the schedule's limit for ``account`` (an int >= 0; 0 stops
        all sending); None removes the override."""
        check_account(account)
        key = self._key("override", account)
        if limit is None:
            self.storage.delete(key)
            return
        check_count(limit, "limit")
        self.storage.put(key, str(limit))

    def get_override(self, account: str) -> int | None:
        """The account's override, or None."""
        check_account(account)
        return self._parse_override(self.storage.get(self._key("override", account)))

    def limit_for(self, account: str) -> int:
        """The account's current limit (today's in calendar mode, the current
        level's in level-unlock mode, the override when one is set)."""
        check_account(account)
        return self._mode.limit(account, self._now())

    def remaining(self, account: str) -> int:
        """How many more messages the account may send in the current window
        (0 while a level-unlock restriction lasts)."""
        check_account(account)
        return self._mode.remaining(account, self._now())

    def reserve(self, account: str, count: int = 1) -> Grant:
        """Reserve ``count`` messages (an int >= 0; 0 only reads) for
        ``account``; the part of the batch beyond what is left is denied."""
        if type(account) is not str or not account.strip() or len(account) > MAX_ACCOUNT_LENGTH:
            check_account(account)
        if type(count) is not int or count < 0:
            check_count(count)
        now = self.clock.now()
        if type(now) is not datetime or now.tzinfo is not UTC:
            now = ensure_aware(now, "clock.now()")
        return self._mode.reserve(account, count, now)

    def check(self, account: str, count: int = 1) -> Grant:
        """What :meth:`reserve` of ``count`` would answer now, without
        reserving anything or writing any state (for dry runs): the look of
        the look/act pair (``check``/``reserve``)."""
        check_account(account)
        check_count(count)
        return self._mode.peek(account, count, self._now())

    #: The former name of :meth:`check`.
    peek = check

    def release(self, account: str, count: int = 1) -> int:
        """Give back ``count`` reserved messages that never left (current
        window only; an int >= 0). Returns the window's count afterwards."""
        check_account(account)
        check_count(count)
        return self._mode.release(account, count, self._now())

    def level(self, account: str) -> int:
        """The account's current level-unlock level (1-based)."""
        check_account(account)
        return _LevelUnlockMode(self)._level_context(account, self._now())[0].level

    # ------------------------------------------------------------ calendar mode
    def _parse_start(self, raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise StorageError(f"corrupt ramp start date: {raw[:40]!r}") from exc

    def _parse_override(self, raw: str | None) -> int | None:
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError as exc:
            raise StorageError(f"corrupt ramp override: {raw[:40]!r}") from exc
        if value < 0:
            raise StorageError(f"corrupt ramp override: {raw[:40]!r}")
        return value

    def day_index(self, account: str) -> int:
        """The account's ramp day (1 until the first successful send)."""
        check_account(account)
        return self._day(self.ramp_start(account), self._now())

    def _day(self, start: date | None, now: datetime) -> int:
        if start is None:
            return 1
        today = now.astimezone(self.schedule.zone).date()
        return max(1, (today - start).days + 1)

    def _local_day(self, now: datetime) -> tuple[date, str, datetime]:
        """(local date, its ISO string, next local midnight in UTC) for ``now``.

        Pure time arithmetic, remembered for the current local day only: the
        cached answer is reused while ``now`` lies inside that day's bounds."""
        cached = self._day_cache
        if cached is not None and cached[0] <= now < cached[1]:
            return cached[2], cached[3], cached[1]
        zone = self.schedule.zone
        today = now.astimezone(zone).date()
        begins = local_midnight_utc(today, zone)
        ends = next_local_midnight(now, zone)
        self._day_cache = (begins, ends, today, today.isoformat())
        return today, today.isoformat(), ends

    def _calendar(self, account: str, now: datetime) -> tuple[int, int, str, datetime]:
        """(limit, day, counter key, resets_at) for ``now``: one storage read."""
        start_key, override_key = self.calendar_keys(account)
        start_raw, override_raw = self.storage.get_many([start_key, override_key])
        limit, day, resets_at = self.calendar_limit(now, start_raw, override_raw)
        return limit, day, self.counter_key(account, now), resets_at

    # The calendar mode's parts, for a caller that reads and commits them
    # with its own state (the engine's decisions: one snapshot, one commit).
    def calendar_keys(self, account: str) -> tuple[str, str]:
        """The keys of the ramp start and the override of ``account``."""
        keys = self._keys.get(account)
        if keys is None:
            keys = self._keys[account] = self._key("start", account), self._key("override", account)
        return keys

    def counter_key(self, account: str, now: datetime) -> str:
        """The key of the day's counter (calendar mode) at ``now``."""
        iso = self._local_day(now)[1]
        return keyed_by_period(
            self._counters, account, iso, lambda: self._key("count", account, iso)
        )

    def calendar_limit(
        self, now: datetime, start_raw: str | None, override_raw: str | None
    ) -> tuple[int, int, datetime]:
        """(limit, ramp day, resets_at) at ``now`` from the stored start and
        override (pure)."""
        today, _, resets_at = self._local_day(now)
        if start_raw is None:
            day = 1
        else:
            start = self._parse_start(start_raw)
            assert start is not None
            day = max(1, (today - start).days + 1)
        if override_raw is not None:
            limit = self._parse_override(override_raw)
            assert limit is not None
        else:
            limit = self.schedule.limit_for_day(day)
        return limit, day, resets_at

    def calendar_grant(
        self, granted: int, count: int, limit: int, used: int, day: int, resets_at: datetime
    ) -> Grant:
        """The :class:`Grant` of a calendar-mode reservation."""
        steady = len(self.schedule.daily_limits) + 1
        return Grant(granted, count - granted, limit, used, resets_at, min(day, steady))

    def _reserve_calendar(self, account: str, count: int, now: datetime) -> Grant:
        """One atomic storage operation in the usual case: the reservation is
        guarded by the start and override this process saw last (a new
        account has neither); if another process changed either, the commit
        writes nothing and answers the stored values, and the reservation is
        made again with them."""
        start_key, override_key = self.calendar_keys(account)
        counter = self.counter_key(account, now)
        return until_settled(
            lambda: self._try_reserve(account, count, now, start_key, override_key, counter),
            what=f"ramp-up limit of account {account!r}",
        )

    def _try_reserve(
        self,
        account: str,
        count: int,
        now: datetime,
        start_key: str,
        override_key: str,
        counter: str,
    ) -> Grant | _Conflict:
        """One guarded reservation with the start and override seen last."""
        start_raw, override_raw = self._seen.get(account, _NOTHING_SEEN)
        limit, day, resets_at = self.calendar_limit(now, start_raw, override_raw)
        done = self.storage.commit(
            CommitPlan(
                ((start_key, start_raw), (override_key, override_raw)),
                Reservation(counter, count, limit, _COUNTER_TTL),
            )
        )
        if not done.applied:
            self.remember(account, done.current[0], done.current[1])
            return CONFLICT
        return self.calendar_grant(done.granted, count, limit, done.used, day, resets_at)

    def remember(self, account: str, start_raw: str | None, override_raw: str | None) -> None:
        """Note the start and override last read for ``account`` (bounded:
        the oldest account is forgotten first)."""
        self._seen[account] = (start_raw, override_raw)


class _Mode(Protocol):
    """How a :class:`RampUpLimiter` counts and limits in one
    :class:`RampMode`: the strategy each public method delegates to."""

    def limit(self, account: str, now: datetime) -> int: ...

    def remaining(self, account: str, now: datetime) -> int: ...

    def reserve(self, account: str, count: int, now: datetime) -> Grant: ...

    def peek(self, account: str, count: int, now: datetime) -> Grant: ...

    def release(self, account: str, count: int, now: datetime) -> int: ...


class _CalendarMode:
    """:data:`RampMode.CALENDAR`: one counter per local day; the day's limit
    from the ramp start (or the override)."""

    def __init__(self, ramp: RampUpLimiter) -> None:
        self.ramp = ramp

    def limit(self, account: str, now: datetime) -> int:
        return self.ramp._calendar(account, now)[0]

    def remaining(self, account: str, now: datetime) -> int:
        limit, _, key, _ = self.ramp._calendar(account, now)
        return max(0, limit - self.ramp.storage.get_counter(key))

    def reserve(self, account: str, count: int, now: datetime) -> Grant:
        return self.ramp._reserve_calendar(account, count, now)

    def peek(self, account: str, count: int, now: datetime) -> Grant:
        ramp = self.ramp
        limit, day, key, resets_at = ramp._calendar(account, now)
        used = ramp.storage.get_counter(key)
        granted = min(count, max(0, limit - used))
        return ramp.calendar_grant(granted, count, limit, used + granted, day, resets_at)

    def release(self, account: str, count: int, now: datetime) -> int:
        return self.ramp.storage.release(self.ramp.counter_key(account, now), count)


class _LevelUnlockMode:
    """:data:`RampMode.LEVEL_UNLOCK`: a level's limit per 24 h window; a
    level completed within its window restricts sending for 24 h, then
    unlocks the next level. The level state is one JSON value changed only
    by compare-and-set."""

    def __init__(self, ramp: RampUpLimiter) -> None:
        self.ramp = ramp
        self.storage = ramp.storage
        self.schedule = ramp.schedule
        self._key = ramp._key
        self._parse_override = ramp._parse_override

    def limit(self, account: str, now: datetime) -> int:
        state, override, _ = self._level_context(account, now)
        return self._level_limit(state, override)

    def remaining(self, account: str, now: datetime) -> int:
        state, override, _ = self._level_context(account, now)
        if state.restricted_until is not None:
            return 0
        limit = self._level_limit(state, override)
        if state.window_start is None:
            return limit
        return max(0, limit - self.storage.get_counter(self._level_counter(account, state)))

    def reserve(self, account: str, count: int, now: datetime) -> Grant:
        return self._reserve_level(account, count, now)

    def peek(self, account: str, count: int, now: datetime) -> Grant:
        state, override, _ = self._level_context(account, now)
        limit = self._level_limit(state, override)
        if state.restricted_until is not None:
            until = datetime.fromtimestamp(state.restricted_until, UTC)
            used = self.storage.get_counter(self._level_counter(account, state))
            return Grant(0, count, limit, used, until, state.level, until)
        used = (
            0
            if state.window_start is None
            else self.storage.get_counter(self._level_counter(account, state))
        )
        granted = min(count, max(0, limit - used))
        start = state.window_start if state.window_start is not None else now.timestamp()
        window_end = datetime.fromtimestamp(start + _SECONDS_PER_DAY, UTC)
        return Grant(granted, count - granted, limit, used + granted, window_end, state.level)

    def release(self, account: str, count: int, now: datetime) -> int:
        state, _, _ = self._level_context(account, now)
        if state.window_start is None:
            return 0
        key = self._level_counter(account, state)
        if state.restricted_until is not None:
            # The level was completed: its window is closed for good.
            return self.storage.get_counter(key)
        return self.storage.release(key, count)

    def _level_limit(self, state: _LevelState, override: int | None) -> int:
        if override is not None:
            return override
        return self.schedule.limit_for_day(state.level)

    def _level_counter(self, account: str, state: _LevelState) -> str:
        ws = state.window_start if state.window_start is not None else 0.0
        return self._key("level", account, str(state.level), str(round(ws * 1_000_000)))

    def _effective(self, state: _LevelState, now_ts: float, *, open_window: bool) -> _LevelState:
        """The state as it stands at ``now_ts`` (pure)."""
        if state.restricted_until is not None:
            if now_ts < state.restricted_until:
                return state
            # Restriction over: exactly one level up, never more.
            state = _LevelState(min(state.level + 1, self.schedule.steady_level), None, None)
        if state.window_start is None or now_ts >= state.window_start + _SECONDS_PER_DAY:
            state = _LevelState(state.level, now_ts if open_window else None, None)
        return state

    def _level_context(
        self, account: str, now: datetime
    ) -> tuple[_LevelState, int | None, str | None]:
        """(effective state without writing, override, raw stored state)."""
        raw, override_raw = self.storage.get_many(
            [self._key("state", account), self._key("override", account)]
        )
        state = self._effective(_LevelState.load(raw), now.timestamp(), open_window=False)
        return state, self._parse_override(override_raw), raw

    def _reserve_level(self, account: str, count: int, now: datetime) -> Grant:
        state_key = self._key("state", account)
        now_ts = now.timestamp()

        def step() -> Grant | _Conflict:
            raw, override_raw = self.storage.get_many([state_key, self._key("override", account)])
            stored = _LevelState.load(raw)
            override = self._parse_override(override_raw)
            state = self._effective(stored, now_ts, open_window=True)
            limit = self._level_limit(state, override)
            if state.restricted_until is not None:
                until = datetime.fromtimestamp(state.restricted_until, UTC)
                used = self.storage.get_counter(self._level_counter(account, state))
                return Grant(0, count, limit, used, until, state.level, until)
            if state != stored and not self.storage.compare_and_set(state_key, raw, state.dump()):
                return CONFLICT  # another worker moved the state: look again
            assert state.window_start is not None
            key = self._level_counter(account, state)
            granted, used = self.storage.reserve(key, count, limit, _COUNTER_TTL)
            window_end = datetime.fromtimestamp(state.window_start + _SECONDS_PER_DAY, UTC)
            final = override is not None or state.level >= self.schedule.steady_level
            if used >= limit and not final:
                # Level completed within its 24 h window: restrict for 24 h.
                restricted = _LevelState(state.level, state.window_start, now_ts + _SECONDS_PER_DAY)
                if not self.storage.compare_and_set(state_key, state.dump(), restricted.dump()):
                    # Someone else restricted it first; report their restriction.
                    current = _LevelState.load(self.storage.get(state_key))
                    restricted = current if current.restricted_until is not None else restricted
                until = datetime.fromtimestamp(restricted.restricted_until or now_ts, UTC)
                return Grant(granted, count - granted, limit, used, until, state.level, until)
            return Grant(granted, count - granted, limit, used, window_end, state.level)

        return until_settled(step, what=f"ramp state of account {account!r}")
