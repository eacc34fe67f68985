"""Quiet hours: when a marketing text may reach a recipient.

sources.md: quiet hours (beyond the reference articles). The federal rule (TCPA,
47 C.F.R. § 64.1200(c)(1)) allows solicitations between 8:00 and 21:00 in
the recipient's local time; Florida, Oklahoma, Maryland and Texas are
stricter (see :mod:`a2p_policy._limits.state_packs`, where each pack cites
its statute and effective date).

Why it is built this way
    * A number's area code may span several time zones (sources.md: phone numbers); the send
      must be inside the window in *every* one of them, so the check is run
      per zone and the next allowed instant is searched in the intersection.
    * The answer carries ``next_allowed_at`` so a scheduler can defer the
      message instead of dropping it. The search is bounded: the earliest
      allowed instant is either the requested time or the opening of some
      zone's window, so only those candidates (at most ``horizon_days`` per
      zone) are tried.
    * The three-per-24-hours cap of the FL/OK/MD packs is a per-contact list
      of the last send times (at most ``cap`` entries) changed only with
      ``compare_and_set``: :meth:`QuietHours.reserve` never over-grants even
      when several workers text the same contact.
    * Transactional use cases (one-time passcodes, account notifications,
      fraud and security alerts, customer care, delivery notifications) are
      not held unless configured (``exempt_use_cases``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import attrs

from a2p_policy._clock import Clock, clock_or_system, ensure_aware
from a2p_policy._errors import ConfigurationError, InvalidArgument, StorageError
from a2p_policy._limits._common import load_zone
from a2p_policy._limits.state_packs import (
    AREA_CODE_STATES,
    FEDERAL_TCPA,
    STATE_PACKS,
    MinuteWindow,
    QuietHoursPack,
)
from a2p_policy._phone import normalize_phone, recipient_timezones
from a2p_policy._recent import Recent
from a2p_policy._retry import CONFLICT, _Conflict, until_settled
from a2p_policy._usecases import TRANSACTIONAL_USE_CASES, UseCase
from a2p_policy._validation import check_state, enum_by_name
from a2p_policy.storage.base import Storage, make_key
from a2p_policy.storage.uri import resolve_storage

__all__ = ["FALLBACK_ZONES", "QuietHours", "QuietHoursResult", "state_for_number"]

#: Zones assumed when phonenumbers knows none for a number: every zone of the
#: 50 states, so the check fails closed.
FALLBACK_ZONES: tuple[str, ...] = (
    "America/Anchorage",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
    "Pacific/Honolulu",
)

_DAY = timedelta(days=1)
_WINDOW_SECONDS = 86_400.0
#: (zones, packs, minute) whose cap and window verdict are remembered.
_FACTS_CACHE_SIZE = 4_096


@attrs.frozen(slots=True)
class QuietHoursResult:
    """Whether a message may be sent at ``at``, and if not, when.

    ``next_allowed_at`` equals ``at`` when allowed, is the earliest later
    instant allowed in every zone (and under the frequency cap) otherwise,
    and None when no such instant exists within the search horizon.
    """

    allowed: bool
    next_allowed_at: datetime | None
    reason: str
    zones: tuple[str, ...]
    at: datetime
    state: str | None = None
    rules: tuple[str, ...] = ()
    exempt: bool = False
    sent_in_24h: int | None = None


def state_for_number(phone: str) -> str | None:
    """The pack state of a NANP number's area code (FL, OK, MD, TX), else None."""
    e164 = normalize_phone(phone)
    if len(e164) == 12 and e164.startswith("+1"):
        return AREA_CODE_STATES.get(e164[2:5])
    return None


def _pack_state(e164: str, state: object) -> str | None:
    """The state whose pack applies: ``state`` when given (a US state, DC, a
    US territory or a Canadian province/territory, checked by the shared
    validator :func:`a2p_policy._validation.check_state`), else the one of the
    number's area code. A province gets no pack unless one is configured
    for its code; the federal window still applies."""
    if state is None:
        return state_for_number(e164)
    return check_state(state)


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return load_zone(name)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _use_case(value: object) -> UseCase:
    use_case = enum_by_name(UseCase, value)
    if use_case is None:
        raise InvalidArgument(f"use_case must be a UseCase, got {value!r}")
    return use_case


class QuietHours:
    """The quiet-hours rule: federal window, state packs, frequency cap."""

    def __init__(
        self,
        *,
        packs: Mapping[str, QuietHoursPack] | Iterable[QuietHoursPack] | None = None,
        federal: QuietHoursPack | None = FEDERAL_TCPA,
        exempt_use_cases: Iterable[UseCase] = TRANSACTIONAL_USE_CASES,
        storage: Storage | str | None = None,
        clock: Clock | None = None,
        horizon_days: int = 14,
        prefix: str = "quiet",
    ) -> None:
        if packs is None:
            packs = STATE_PACKS
        values = packs.values() if isinstance(packs, Mapping) else packs
        if isinstance(values, str) or not isinstance(values, Iterable):
            raise ConfigurationError("packs must be a mapping or an iterable of QuietHoursPack")
        pack_map: dict[str, QuietHoursPack] = {}
        for p in values:
            if not isinstance(p, QuietHoursPack):
                raise ConfigurationError(f"packs must hold QuietHoursPack values, got {p!r}")
            pack_map[p.code.upper()] = p
        if federal is not None and not isinstance(federal, QuietHoursPack):
            raise ConfigurationError("federal must be a QuietHoursPack or None")
        if isinstance(exempt_use_cases, str) or not isinstance(exempt_use_cases, Iterable):
            raise ConfigurationError("exempt_use_cases must be an iterable of UseCase")
        exempt = frozenset(exempt_use_cases)
        if not all(isinstance(u, UseCase) for u in exempt):
            raise ConfigurationError("exempt_use_cases must hold UseCase members")
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, int):
            raise ConfigurationError("horizon_days must be an int")
        if not 1 <= horizon_days <= 366:
            raise ConfigurationError("horizon_days must be between 1 and 366")
        clock = clock_or_system(clock)
        self.packs: Mapping[str, QuietHoursPack] = pack_map
        self.federal = federal
        self.exempt_use_cases = exempt
        self.horizon_days = horizon_days
        self.storage = resolve_storage(storage)
        self.clock: Clock = clock
        self._prefix = prefix if isinstance(prefix, str) and prefix else "quiet"
        self._facts: Recent[
            tuple[object, ...],
            tuple[tuple[QuietHoursPack, ...], int | None, str | None],
        ] = Recent(_FACTS_CACHE_SIZE)

    # ------------------------------------------------------------ public API
    def check(
        self,
        phone: str,
        at: datetime | None = None,
        *,
        use_case: UseCase,
        state: str | None = None,
        subject: str | None = None,
    ) -> QuietHoursResult:
        """May a ``use_case`` message be sent to ``phone`` at ``at`` (default:
        now)? No side effects; see :meth:`reserve` to also count the send
        toward a state's frequency cap."""
        ctx = self._context(phone, at, use_case, state, subject)
        if isinstance(ctx, QuietHoursResult):
            return ctx
        return self._decide(ctx, self._history(ctx)[1])

    def reserve(
        self,
        phone: str,
        at: datetime | None = None,
        *,
        use_case: UseCase,
        state: str | None = None,
        subject: str | None = None,
    ) -> QuietHoursResult:
        """Like :meth:`check`, and when allowed under a frequency cap, count
        the send atomically (a concurrent reservation cannot pass the cap)."""
        ctx = self._context(phone, at, use_case, state, subject)
        if isinstance(ctx, QuietHoursResult):
            return ctx

        def step() -> QuietHoursResult | _Conflict:
            raw, history = self._history(ctx)
            result = self._decide(ctx, history)
            if not result.allowed or ctx.cap is None:
                return result
            recent = [t for t in history if t > ctx.at_ts - _WINDOW_SECONDS]
            new = sorted([*recent, ctx.at_ts])[-ctx.cap :]
            if self.storage.compare_and_set(
                ctx.key, raw, json.dumps(new), _WINDOW_SECONDS + 3600.0
            ):
                return attrs.evolve(result, sent_in_24h=len(recent) + 1)
            return CONFLICT

        return until_settled(step, what=f"frequency record of {ctx.phone}")

    def check_shared(
        self,
        phone: str,
        at: datetime,
        *,
        use_case: UseCase,
        state: str | None = None,
        memo: dict[tuple[object, ...], QuietHoursResult],
    ) -> QuietHoursResult:
        """:meth:`check` for many numbers at one instant ``at`` (a bulk
        send): answers that do not depend on the number itself (no frequency
        cap in force, so no per-number history) are shared through ``memo``
        by time zones, state and use case. ``memo`` belongs to one instant and
        one caller: start a new one for another ``at``."""
        e164 = normalize_phone(phone)
        st = _pack_state(e164, state)
        zones = recipient_timezones(e164) or FALLBACK_ZONES
        key = (zones, st, use_case, at)
        found = memo.get(key)
        if found is not None:
            return found
        result = self.check(e164, at, use_case=use_case, state=state)
        if result.sent_in_24h is None:  # no cap, no history: the same for every number
            memo[key] = result
        return result

    def state_for(self, phone: str) -> str | None:
        """The state whose pack applies by area code (None if no pack state)."""
        return state_for_number(phone)

    # ------------------------------------------------------------ internals
    def _context(
        self,
        phone: str,
        at: datetime | None,
        use_case: object,
        state: object,
        subject: object,
    ) -> _Context | QuietHoursResult:
        e164 = normalize_phone(phone)
        when = ensure_aware(self.clock.now() if at is None else at, "at")
        uc = _use_case(use_case)
        st = _pack_state(e164, state)
        if subject is not None and not isinstance(subject, str):
            raise InvalidArgument(f"subject must be a str or None, got {subject!r}")
        zones = recipient_timezones(e164) or FALLBACK_ZONES
        packs = tuple(p for p in (self.federal, self.packs.get(st or "")) if p is not None)
        if uc in self.exempt_use_cases:
            return QuietHoursResult(
                True, when, f"{uc.name} is exempt from quiet hours", zones, when, st, (), True
            )
        if not packs:
            return QuietHoursResult(True, when, "no quiet-hours rule configured", zones, when, st)
        at_ts = when.timestamp()
        cap, blocked = self._minute_facts(zones, packs, when, at_ts)
        key = make_key(self._prefix, "freq", e164, *((subject,) if subject else ()))
        return _Context(e164, when, at_ts, st, zones, packs, cap, key, blocked)

    def _minute_facts(
        self,
        zones: tuple[str, ...],
        packs: tuple[QuietHoursPack, ...],
        when: datetime,
        at_ts: float,
    ) -> tuple[int | None, str | None]:
        """(frequency cap in force, why ``when`` is outside the window or
        None), a pure function of the zones, the packs and the minute of
        ``when``: windows open and close on whole minutes, and zone offsets
        and local dates change only on whole minutes, so every instant of one
        UTC minute gets the same answer (since 1970 every zone's offset is a
        whole number of minutes; earlier instants are not cached).
        Remembered per minute (bounded)."""
        minute = math.floor(at_ts / 60.0)
        key = (zones, minute, *map(id, packs))
        found = self._facts.get(key) if at_ts >= 0 else None
        if (
            found is not None
            and len(found[0]) == len(packs)
            and all(a is b for a, b in zip(found[0], packs, strict=True))
        ):
            return found[1], found[2]
        caps = [
            p.max_marketing_per_24h
            for p in packs
            if p.max_marketing_per_24h is not None
            and any(p.applies_on(when.astimezone(_zone(z)).date()) for z in zones)
        ]
        cap = min(caps) if caps else None
        blocked = self._blocked(zones, packs, when)
        if at_ts >= 0:
            self._facts[key] = (packs, cap, blocked)  # bounded: the oldest minute goes
        return cap, blocked

    def _history(self, ctx: _Context) -> tuple[str | None, list[float]]:
        if ctx.cap is None:
            return None, []
        raw = self.storage.get(ctx.key)
        if raw is None:
            return None, []
        try:
            data = json.loads(raw)
            if not isinstance(data, list):
                raise TypeError("list")
            return raw, [float(x) for x in data]
        except (ValueError, TypeError) as exc:
            raise StorageError(f"corrupt frequency record at {ctx.key}") from exc

    def _window(
        self, packs: tuple[QuietHoursPack, ...], day: date
    ) -> tuple[MinuteWindow | None, str]:
        """The intersection of every pack in force on (local date) ``day``."""
        start, end, names = 0, 24 * 60, []
        for p in packs:
            if not p.applies_on(day):
                continue
            w = p.window_on(day)
            names.append(p.code)
            if w is None:
                return None, p.code
            start, end = max(start, w[0]), min(end, w[1])
        if start >= end:
            return None, "+".join(names)
        return (start, end), "+".join(names)

    def _blocked_zone(self, ctx: _Context, t: datetime) -> str | None:
        """None if ``t`` is inside the window in every zone, else a reason."""
        if t is ctx.at:
            return ctx.blocked
        return self._blocked(ctx.zones, ctx.packs, t)

    def _blocked(
        self, zones: tuple[str, ...], packs: tuple[QuietHoursPack, ...], t: datetime
    ) -> str | None:
        for z in zones:
            local = t.astimezone(_zone(z))
            w, rule = self._window(packs, local.date())
            if w is None:
                return f"no sending allowed on {local:%A} in {z} ({rule})"
            secs = local.hour * 3600 + local.minute * 60 + local.second
            if not w[0] * 60 <= secs + local.microsecond / 1e6 < w[1] * 60:
                return f"{local:%H:%M} in {z} is outside {_fmt(w[0])}-{_fmt(w[1])} ({rule})"
        return None

    def _next_allowed(self, ctx: _Context, start: datetime) -> datetime | None:
        if self._blocked_zone(ctx, start) is None:
            return start
        candidates: set[datetime] = set()
        for z in ctx.zones:
            zi = _zone(z)
            first = start.astimezone(zi).date()
            for i in range(self.horizon_days + 1):
                day = first + timedelta(days=i)
                w, _ = self._window(ctx.packs, day)
                if w is None:
                    continue
                opening = datetime.combine(day, time(w[0] // 60, w[0] % 60), tzinfo=zi)
                opening_utc = opening.astimezone(UTC)
                if opening_utc > start:
                    candidates.add(opening_utc)
        for t in sorted(candidates):
            if self._blocked_zone(ctx, t) is None:
                return t
        return None

    def _decide(self, ctx: _Context, history: list[float]) -> QuietHoursResult:
        rules = tuple(p.code for p in ctx.packs)
        blocked = self._blocked_zone(ctx, ctx.at)
        earliest = ctx.at
        sent = None
        cap_reason = None
        if ctx.cap is not None:
            recent = sorted(t for t in history if t > ctx.at_ts - _WINDOW_SECONDS)
            sent = len(recent)
            if sent >= ctx.cap:
                free = recent[sent - ctx.cap] + _WINDOW_SECONDS
                earliest = max(earliest, datetime.fromtimestamp(free, UTC))
                cap_reason = (
                    f"{sent} marketing messages already sent to {ctx.phone} in the last 24 h "
                    f"(at most {ctx.cap})"
                )
        if blocked is None and cap_reason is None:
            return QuietHoursResult(
                True,
                ctx.at,
                "inside the allowed hours in " + ", ".join(ctx.zones),
                ctx.zones,
                ctx.at,
                ctx.state,
                rules,
                sent_in_24h=sent,
            )
        nxt = self._next_allowed(ctx, earliest)
        reason = "; ".join(r for r in (blocked, cap_reason) if r)
        if nxt is None:
            reason += f"; no allowed time within {self.horizon_days} days"
        return QuietHoursResult(
            False, nxt, reason, ctx.zones, ctx.at, ctx.state, rules, sent_in_24h=sent
        )


@attrs.frozen(slots=True)
class _Context:
    phone: str
    at: datetime
    at_ts: float
    state: str | None
    zones: tuple[str, ...]
    packs: tuple[QuietHoursPack, ...]
    cap: int | None
    key: str
    blocked: str | None = None
