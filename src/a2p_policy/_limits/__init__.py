"""Sending limits: the ramp-up limiter, the error/opt-out rate monitor and
quiet hours.

Sources: sources.md [policy] (ramp-up model,
error and opt-out rate monitoring; sources.md: ramp-up and rate monitor) and the statutes
cited in :mod:`a2p_policy._limits.state_packs` (quiet hours, sources.md: quiet hours).
"""
