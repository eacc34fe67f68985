"""The public namespace: one sorted ``__all__`` whose every name imports,
and nothing public that it forgets."""

from __future__ import annotations

import importlib

import a2p_policy


def test_all_is_sorted_and_unique() -> None:
    names = list(a2p_policy.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_name_in_all_is_importable() -> None:
    for name in a2p_policy.__all__:
        assert getattr(a2p_policy, name) is not None, name


def test_all_is_complete() -> None:
    """Every public class, function or constant bound in the package's
    namespace is listed (submodules themselves are not names)."""
    listed = set(a2p_policy.__all__)
    public = {
        name
        for name, value in vars(a2p_policy).items()
        if not name.startswith("_") and not isinstance(value, type(importlib))
    }
    assert public <= listed, sorted(public - listed)
