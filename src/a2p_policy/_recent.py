"""Bounded in-process memos: a dict that forgets its oldest entry.

The limits components remember small derived values per account (storage
keys, the last ramp start and override seen): pure functions of their
inputs, or guesses that a guarded storage operation checks. A
:class:`Recent` bounds them without the cliff of a cache that empties when
full: past ``size`` entries the oldest one is forgotten (first in, first
out), so the accounts in use stay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["Recent", "keyed_by_period"]

K = TypeVar("K")
V = TypeVar("V")


class Recent(dict[K, V]):
    """A dict of at most ``size`` entries; a new key past that forgets the
    oldest one. Reads are plain dict reads."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self and len(self) >= self.size:
            del self[next(iter(self))]
        super().__setitem__(key, value)


def keyed_by_period(
    memo: Recent[str, tuple[str, str]], account: str, period: str, build: Callable[[], str]
) -> str:
    """The storage key of ``account`` for ``period`` (a day, a bucket):
    remembered for the latest period of each account, built otherwise."""
    found = memo.get(account)
    if found is not None and found[0] == period:
        return found[1]
    key = build()
    memo[account] = (period, key)
    return key
