"""The suite's hypothesis budget (tests/_budget.py): the local ``dev``
profile runs a fifth of each test's examples, ``ci`` and ``thorough`` run
them all."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _budget
from tests._budget import examples, profile_name, scale_given_test, scaled


@pytest.mark.parametrize(
    ("written", "dev"),
    [(1, 1), (4, 4), (10, 10), (30, 10), (50, 10), (60, 12), (100, 20), (300, 60), (2000, 400)],
)
def test_scaled_is_a_fifth_never_below_ten(written: int, dev: int) -> None:
    assert scaled(written) == dev


@pytest.mark.parametrize(
    ("env", "profile"),
    [
        ({}, "dev"),
        ({"CI": "true"}, "ci"),
        ({"CI": "1"}, "ci"),
        ({"CI": "false"}, "dev"),
        ({"CI": "true", "HYPOTHESIS_PROFILE": "thorough"}, "thorough"),
        ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
    ],
)
def test_profile_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], profile: str
) -> None:
    for name in ("CI", "HYPOTHESIS_PROFILE", "A2P_FUZZ_EXAMPLES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert profile_name() == profile
    assert examples(300) == (60 if profile == "dev" else 300)


def test_an_exact_fuzz_count_turns_the_scale_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    monkeypatch.setenv("A2P_FUZZ_EXAMPLES", "77")
    assert examples(300) == 300


def _counting_test(max_examples: int) -> tuple[Callable[[], None], list[int]]:
    calls: list[int] = []

    @settings(max_examples=max_examples, database=None)
    @given(st.integers())
    def probe(n: int) -> None:
        calls.append(n)

    return probe, calls


@pytest.mark.parametrize("profile", ["dev", "ci"])
def test_a_given_test_runs_the_scaled_count(monkeypatch: pytest.MonkeyPatch, profile: str) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", profile)
    monkeypatch.delenv("A2P_FUZZ_EXAMPLES", raising=False)
    probe, calls = _counting_test(50)
    assert scale_given_test(probe) is (profile == "dev")
    assert scale_given_test(probe) is False  # once per function
    probe()
    assert len(calls) == (10 if profile == "dev" else 50)


@settings(max_examples=50)
@given(st.integers(1, 10**6))
def test_scaled_stays_between_the_floor_and_the_written_count(written: int) -> None:
    assert min(written, _budget.DEV_FLOOR) <= scaled(written) <= written


def test_collected_given_tests_were_scaled(request: pytest.FixtureRequest) -> None:
    """The conftest hook went over every collected ``@given`` test, this
    module's included, under ``dev`` (and over none under ``ci``)."""
    tests = (getattr(item, "obj", None) for item in request.session.items)
    given_tests = [
        getattr(test, "__func__", test)
        for test in tests
        if getattr(test, "hypothesis", None) is not None
    ]
    if test_scaled_stays_between_the_floor_and_the_written_count not in given_tests:
        pytest.skip("needs this module's @given test collected too")
    seen = [getattr(test, _budget._SCALED_FLAG, False) for test in given_tests]
    if profile_name() == "dev":
        assert all(seen)
    else:
        assert not any(seen)
