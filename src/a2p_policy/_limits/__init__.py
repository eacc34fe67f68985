"""Sending limits: the ramp-up limiter, the error/opt-out rate monitor and
quiet hours.

Sources: sources.md [policy] (ramp-up model,
error and opt-out rate monitoring; sources.md: ramp-up and rate monitor) and the statutes
cited in :mod:`a2p_policy._limits.state_packs` (quiet hours, sources.md: quiet hours).
"""

from a2p_policy._limits.monitor import (
    SUSPENSION_EXEMPT_KINDS,
    HealthLevel,
    MonitorStatus,
    RateMonitor,
    RateThresholds,
    RateWindow,
    SuspensionPolicy,
    parse_rate,
)
from a2p_policy._limits.quiet_hours import QuietHours, QuietHoursResult, state_for_number
from a2p_policy._limits.ramp import (
    DEFAULT_DAILY_LIMITS,
    DEFAULT_STEADY_LIMIT,
    Grant,
    RampMode,
    RampSchedule,
    RampUpLimiter,
)
from a2p_policy._limits.state_packs import (
    AREA_CODE_STATES,
    FEDERAL_TCPA,
    STATE_PACKS,
    QuietHoursPack,
)

__all__ = [
    "AREA_CODE_STATES",
    "DEFAULT_DAILY_LIMITS",
    "DEFAULT_STEADY_LIMIT",
    "FEDERAL_TCPA",
    "STATE_PACKS",
    "SUSPENSION_EXEMPT_KINDS",
    "Grant",
    "HealthLevel",
    "MonitorStatus",
    "QuietHours",
    "QuietHoursPack",
    "QuietHoursResult",
    "RampMode",
    "RampSchedule",
    "RampUpLimiter",
    "RateMonitor",
    "RateThresholds",
    "RateWindow",
    "SuspensionPolicy",
    "parse_rate",
    "state_for_number",
]
