"""How many examples a hypothesis test runs: the profiles and the local scale.

``tests/conftest.py`` registers three profiles and loads one at start:

* ``dev`` (the default without ``CI``): :data:`DEV_DEFAULT` (20) examples
  for a test without settings of its own, and every ``max_examples``
  written in a test divided by :data:`DEV_DIVISOR` (never below
  ``min(n, DEV_FLOOR)``); random seeds, so successive local runs try
  different inputs;
* ``ci`` (``CI=true``): the counts written in the tests, unchanged (100 for a
  test without one), derandomized;
* ``thorough``: 2,000 for a test without a count, the written counts kept.

``HYPOTHESIS_PROFILE=NAME`` picks one explicitly; ``A2P_FUZZ_EXAMPLES``
(bisecting a fuzz failure, see ``tests/fuzz/_hostile.py``) turns the local
scale off so that the count asked for is the count run.

The scale is applied by ``tests/conftest.py`` to every collected ``@given``
test (:func:`scale_given_test`) and, for the stateful tests that pass their
settings to ``run_state_machine_as_test``, by :func:`examples`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Final

from hypothesis import settings

__all__ = [
    "DEV_DIVISOR",
    "DEV_FLOOR",
    "examples",
    "profile_name",
    "scale_given_test",
    "scaled",
]

DEV_DIVISOR: Final = 5
DEV_FLOOR: Final = 10
#: What the ``dev`` profile gives a test without a count of its own.
DEV_DEFAULT: Final = 20

#: Set on a test function once its settings are scaled (parametrized tests
#: and test classes share one function object).
_SCALED_FLAG: Final = "_a2p_examples_scaled"
#: Where ``@given`` / ``@settings`` keep a test's settings (hypothesis 6).
_SETTINGS_ATTR: Final = "_hypothesis_internal_use_settings"


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def profile_name() -> str:
    """The profile this run uses: ``HYPOTHESIS_PROFILE``, else ``ci`` under
    ``CI=true``, else ``dev``."""
    explicit = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if explicit:
        return explicit
    return "ci" if _truthy("CI") else "dev"


def _scaling() -> bool:
    return profile_name() == "dev" and not os.environ.get("A2P_FUZZ_EXAMPLES", "").strip()


def scaled(n: int) -> int:
    """``n`` examples as the ``dev`` profile runs them: ``n // DEV_DIVISOR``
    but at least ``min(n, DEV_FLOOR)``."""
    return max(min(n, DEV_FLOOR), n // DEV_DIVISOR)


def examples(n: int) -> int:
    """The ``max_examples`` to run for a test written with ``n``: ``n`` under
    the ``ci`` and ``thorough`` profiles, :func:`scaled` under ``dev``."""
    return scaled(n) if _scaling() else n


def scale_given_test(test: Callable[..., Any]) -> bool:
    """Scale the ``max_examples`` of a ``@given`` test in place for the
    ``dev`` profile (once per function); True when its settings changed.

    Hypothesis reads a test's settings when the test is called, from the
    attribute ``@settings`` sets on it, so replacing that attribute with a
    child settings object (same health checks, deadline, phases ...) is
    what ``@settings(max_examples=examples(n))`` on the test would do.
    """
    func = getattr(test, "__func__", test)  # a test method: its function
    if not _scaling() or getattr(func, "hypothesis", None) is None:
        return False
    if getattr(func, _SCALED_FLAG, False):
        return False
    setattr(func, _SCALED_FLAG, True)
    current = getattr(func, _SETTINGS_ATTR, None)
    if not isinstance(current, settings) or current is settings.default:
        return False  # no settings of its own: the dev profile's count already
    wanted = examples(current.max_examples)
    if wanted == current.max_examples:
        return False
    setattr(func, _SETTINGS_ATTR, settings(current, max_examples=wanted))
    return True
