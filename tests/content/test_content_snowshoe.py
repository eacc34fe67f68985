"""SnowshoeDetector: near-identical text from many senders within a window."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._clock import ManualClock
from a2p_policy._content.snowshoe import SnowshoeDetector, fingerprint
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument
from a2p_policy._findings import Severity
from a2p_policy.storage.memory import MemoryStorage

SENDERS = [f"+1415555{n:04d}" for n in range(20)]
TEMPLATE = "Hi {name}, your {n} reward points expire {date}. Redeem at {url} today!"


def text(i: int) -> str:
    names = ["John", "Mary", "Ana", "Li", "Omar", "Zoe", "Raj", "Eve"]
    return TEMPLATE.format(
        name=names[i % len(names)],
        n=100 + i,
        date=f"{i % 12 + 1}/15",
        url=f"https://acme.com/r/{i}",
    )


def test_fingerprint_ignores_names_numbers_links() -> None:
    assert fingerprint(text(1)) == fingerprint(text(2))
    assert fingerprint(text(1))[0] != fingerprint("Your order has shipped, track it online")[0]
    assert fingerprint("hey, your order shipped")[0] == fingerprint("yo your order shipped!!")[0]
    assert fingerprint("your order shipped")[0] == fingerprint("shipped: your order")[0]
    assert (
        fingerprint("Ｈｉ ＪＯＨＮ, your order shipped!")[0]
        == fingerprint("Hi Mary your order shipped")[0]
    )


def test_reports_more_than_max_senders(clock: ManualClock, memory_storage: MemoryStorage) -> None:
    detector = SnowshoeDetector(storage=memory_storage, clock=clock)
    for i in range(5):
        assert detector.observe(SENDERS[i], text(i)) is None
    # the same sender again is not a new sender
    assert detector.observe(SENDERS[0], text(9)) is None
    finding = detector.observe(SENDERS[5], text(5))
    assert finding is not None
    assert finding.rule == "content.snowshoe"
    assert finding.severity is Severity.BLOCK
    assert "6 sender" in finding.message


def test_window_expires(clock: ManualClock, memory_storage: MemoryStorage) -> None:
    detector = SnowshoeDetector(
        storage=memory_storage, clock=clock, window=timedelta(hours=1), max_senders=2
    )
    detector.observe(SENDERS[0], text(0))
    detector.observe(SENDERS[1], text(1))
    clock.advance(timedelta(hours=1, seconds=1))
    assert detector.observe(SENDERS[2], text(2)) is None  # the first two fell out
    assert detector.observe(SENDERS[3], text(3)) is None
    assert detector.observe(SENDERS[4], text(4)) is not None


def test_shared_across_instances(clock: ManualClock, memory_storage: MemoryStorage) -> None:
    a = SnowshoeDetector(storage=memory_storage, clock=clock, max_senders=2)
    b = SnowshoeDetector(storage=memory_storage, clock=clock, max_senders=2)
    a.observe(SENDERS[0], text(0))
    b.observe(SENDERS[1], text(1))
    assert a.observe(SENDERS[2], text(2)) is not None


def test_different_texts_and_scopes_are_separate(
    clock: ManualClock, memory_storage: MemoryStorage
) -> None:
    detector = SnowshoeDetector(storage=memory_storage, clock=clock, max_senders=1)
    detector.observe(SENDERS[0], text(0))
    assert detector.observe(SENDERS[1], "Your table for two is ready at the front desk") is None
    assert detector.observe(SENDERS[1], text(1), scope="acct-2") is None
    assert detector.observe(SENDERS[1], text(1)) is not None


def test_short_texts_not_tracked(clock: ManualClock) -> None:
    detector = SnowshoeDetector(clock=clock, max_senders=1)
    for sender in SENDERS[:5]:
        assert detector.observe(sender, "OK, thanks John!") is None


def test_sender_formats_normalized(clock: ManualClock) -> None:
    detector = SnowshoeDetector(clock=clock, max_senders=1)
    detector.observe("+14155550000", text(0))
    assert detector.observe("(415) 555-0000", text(1)) is None
    assert detector.observe("12345", text(1)) is not None  # short code


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": timedelta(0)},
        {"window": 5},
        {"max_senders": 0},
        {"max_senders": True},
        {"min_words": -1},
        {"severity": "BLOCK"},
        {"clock": object()},
        {"storage": 5},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises((ConfigurationError, InvalidArgument)):
        SnowshoeDetector(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=60)
@given(
    st.one_of(st.text(max_size=20), st.none(), st.integers()),
    st.one_of(st.text(max_size=80), st.none()),
)
def test_fuzz_raises_only_library_errors(sender: object, body: object) -> None:
    detector = SnowshoeDetector(clock=ManualClock())
    with contextlib.suppress(A2PPolicyError):
        detector.observe(sender, body)  # type: ignore[arg-type]


@settings(max_examples=30)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=12))
def test_threshold_property(max_senders: int, senders: int) -> None:
    detector = SnowshoeDetector(clock=ManualClock(), max_senders=max_senders)
    results = [detector.observe(SENDERS[i], text(i)) for i in range(senders)]
    for i, result in enumerate(results):
        assert (result is not None) == (i + 1 > max_senders)
