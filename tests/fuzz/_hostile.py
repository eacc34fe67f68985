"""Shared pieces of the fuzz suite: hostile-input strategies, the example
budget, and the one rule every fuzz test checks.

The rule: a public parser given anything at all either answers or raises a
``ValueError`` (which includes pydantic's ``ValidationError`` and the
library's :class:`~a2p_policy._errors.InvalidArgument`) or an
:class:`~a2p_policy._errors.A2PPolicyError`. Any other exception (TypeError,
RecursionError, OverflowError, UnicodeEncodeError, KeyError ...) is a crash
deep inside and fails the test.

Budget (examples per fuzz test, each public parser has one or two tests):

* ``A2P_FUZZ_EXAMPLES=N``: exactly N (for bisecting a failure; the local
  ``dev`` scale is off then);
* ``A2P_FUZZ=thorough`` (or ``HYPOTHESIS_PROFILE=thorough``): 20,000;
* ``CI`` set: 1,000 (a parser with several tests gets a few thousand in
  all, and the whole suite stays around a minute of CPU);
* otherwise: 300, which the local ``dev`` hypothesis profile runs as 60
  (``tests/_budget.py``: a quick local run).

A test may scale its budget with ``weight`` (slow targets such as the CLI
or opening SQLite run fewer examples).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from a2p_policy._errors import A2PPolicyError

__all__ = [
    "ALLOWED_ERRORS",
    "any_value",
    "budget",
    "fuzz",
    "hostile_json",
    "hostile_json_text",
    "hostile_text",
    "wrong_type",
]

#: What a public parser may raise on bad input.
ALLOWED_ERRORS: tuple[type[BaseException], ...] = (ValueError, A2PPolicyError)

F = TypeVar("F", bound=Callable[..., Any])


def budget(weight: float = 1.0) -> int:
    """The number of examples for one fuzz test (see the module doc)."""
    explicit = os.environ.get("A2P_FUZZ_EXAMPLES", "").strip()
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    if "thorough" in (
        os.environ.get("A2P_FUZZ", "").strip().lower(),
        os.environ.get("HYPOTHESIS_PROFILE", "").strip().lower(),
    ):
        base = 20_000
    elif os.environ.get("CI"):
        base = 1_000
    else:
        base = 300
    return max(10, int(base * weight))


def fuzz(weight: float = 1.0) -> Callable[[F], F]:
    """``@settings`` for a fuzz test: the budget, no deadline, and the
    health checks that large hostile inputs trip turned off."""
    return settings(
        max_examples=budget(weight),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


# ------------------------------------------------------------------ strings
_SPECIAL = [
    "",
    " ",
    "\x00",
    "\n",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\ufeff",  # byte order mark
    "\ud800",  # lone surrogates
    "\udfff",
    "\udcff",
    "\U0001f600",
    "'\"`",
    "{}",
    "{0}",
    "%s%n",
    ":",
    "*",
    "?",
    "[",
    "\\",
    "../",
    "ＳＴＯＰ",
    "ꜱᴛᴏᴘ",
    "٣٠٠٠٧",
    "NaN",
    "Infinity",
    "-0",
    "1e999",
    "9" * 400,
    "null",
    "true",
]

#: Every code point, lone surrogates (category Cs) included.
_alphabet = st.characters(exclude_categories=())


@st.composite
def _long_text(draw: st.DrawFn) -> str:
    unit = draw(st.sampled_from(["a", "9", "\x00", "\ud800", " ", "é", ":", "[", "\U0001f600"]))
    n = draw(st.sampled_from([1_000, 5_000, 10_000]))
    return unit * n


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Strings with NULs, lone surrogates, control and format characters,
    confusables, numbers in odd spellings, and 10,000-character runs."""
    piece = st.one_of(st.sampled_from(_SPECIAL), st.text(_alphabet, max_size=max_size))
    return st.one_of(
        st.text(_alphabet, max_size=max_size),
        st.lists(piece, min_size=1, max_size=4).map("".join),
        _long_text(),
    )


def wrong_type() -> st.SearchStrategy[Any]:
    """Values of the wrong type where an API takes a str."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**30, max_value=10**40),
        st.floats(),
        st.sampled_from([math.nan, math.inf, -math.inf, -0.0]),
        st.binary(max_size=20),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        st.tuples(st.integers()),
        st.just(object()),
        st.just(b"\xff\xfe"),
        st.just(bytearray(b"x")),
    )


def any_value(max_size: int = 60) -> st.SearchStrategy[Any]:
    """A hostile string or a value of the wrong type."""
    return st.one_of(hostile_text(max_size), wrong_type())


# --------------------------------------------------------------------- JSON
def _deep(depth: int, leaf: Any, kind: str) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def hostile_json() -> st.SearchStrategy[Any]:
    """Parsed-JSON-like values: scalars (huge, NaN, inf), nested containers,
    and deep nesting just under the interpreter's recursion limit."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=10**20, max_value=10**30),
        st.floats(),
        hostile_text(20),
    )
    nested = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(hostile_text(10), inner, max_size=4),
        ),
        max_leaves=15,
    )
    deep = st.builds(
        _deep,
        st.sampled_from([40, 150, 300]),
        scalars,
        st.sampled_from(["list", "dict"]),
    )
    return st.one_of(nested, deep)


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


def hostile_json_text() -> st.SearchStrategy[str]:
    """JSON text and near-JSON text: valid documents, truncated ones, NaN
    and Infinity, enormous numbers, and nesting far past any limit."""
    return st.one_of(
        hostile_json().map(_dumps),
        hostile_json()
        .map(_dumps)
        .flatmap(lambda s: st.integers(0, max(0, len(s) - 1)).map(lambda i: s[:i])),
        st.sampled_from(
            [
                "[" * 100_000,
                "[" * 50_000 + "]" * 50_000,
                '{"a":' * 20_000 + "1" + "}" * 20_000,
                "9" * 5_000,
                "-" + "9" * 5_000,
                "1e999999",
                "NaN",
                "[Infinity, -Infinity]",
                '"\\ud800"',
                '"\\u0000"',
                "\ufeff[]",
                "",
            ]
        ),
        hostile_text(),
    )
