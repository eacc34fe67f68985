"""One retry helper for compare-and-set loops.

Components that change a stored value with optimistic concurrency (read,
compute, ``compare_and_set`` / ``append(expect_version=...)``) run their
step through :func:`until_settled`: a step returns its result, or
:data:`CONFLICT` when another writer got there first and the step must read
again. After ``attempts`` conflicts the change fails closed with
:class:`~a2p_policy._errors.ConcurrentUpdateError` (a ``StorageError``):
nothing is allowed on a guess.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Final, TypeVar

from a2p_policy._errors import ConcurrentUpdateError

__all__ = ["CONFLICT", "DEFAULT_ATTEMPTS", "until_settled"]

T = TypeVar("T")

#: Attempts before giving up (each a read and a conditional write).
DEFAULT_ATTEMPTS: Final = 64


class _Conflict:
    """The step lost a race: read again."""

    def __repr__(self) -> str:
        return "CONFLICT"


#: What a step returns when its conditional write lost a race.
CONFLICT: Final = _Conflict()


def until_settled(
    step: Callable[[], T | _Conflict], *, what: str, attempts: int = DEFAULT_ATTEMPTS
) -> T:
    """Run ``step`` until it returns something other than :data:`CONFLICT`;
    ``what`` names the record in the error (e.g. ``"DND of +14155550123"``).
    After the first few conflicts, waits a random moment (at most 10 ms)
    before trying again, so that racing writers spread out."""
    for attempt in range(attempts):
        result = step()
        if not isinstance(result, _Conflict):
            return result
        if attempt >= 3:
            time.sleep(random.uniform(0, min(0.0005 * attempt, 0.01)))
    raise ConcurrentUpdateError(
        f"{what} kept changing under concurrent writers ({attempts} attempts); try again"
    )
