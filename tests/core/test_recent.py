"""Recent: a bounded memo that forgets its oldest entry, never empties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._recent import Recent, keyed_by_period


@given(size=st.integers(1, 8), keys=st.lists(st.integers(0, 20), max_size=60))
def test_keeps_at_most_size_entries_and_the_newest_keys(size: int, keys: list[int]) -> None:
    memo: Recent[int, int] = Recent(size)
    order: list[int] = []  # model: insertion order of the keys present
    for n, key in enumerate(keys):
        memo[key] = n
        if key not in order:
            order.append(key)
            if len(order) > size:
                order.pop(0)
        assert len(memo) <= size
        assert list(memo) == order
        assert memo[key] == n  # the key just written is always there


def test_overwriting_a_present_key_forgets_nothing() -> None:
    memo: Recent[str, int] = Recent(2)
    memo["a"] = 1
    memo["b"] = 2
    memo["a"] = 3
    assert dict(memo) == {"a": 3, "b": 2}


def test_keyed_by_period_builds_once_per_period() -> None:
    memo: Recent[str, tuple[str, str]] = Recent(4)
    built: list[str] = []

    def build(period: str) -> str:
        built.append(period)
        return f"k:{period}"

    assert keyed_by_period(memo, "acct", "d1", lambda: build("d1")) == "k:d1"
    assert keyed_by_period(memo, "acct", "d1", lambda: build("d1")) == "k:d1"
    assert keyed_by_period(memo, "acct", "d2", lambda: build("d2")) == "k:d2"
    assert built == ["d1", "d2"]
