"""Short but real messages are tracked by the snowshoe detector too."""

from __future__ import annotations

from a2p_policy import ManualClock, SnowshoeDetector


def test_short_message_from_many_senders_is_flagged(clock: ManualClock) -> None:
    detector = SnowshoeDetector(clock=clock, max_senders=5)
    results = [
        detector.observe(f"+1415555010{i}", "Hi John, 50% off today at acme.com") for i in range(7)
    ]
    assert results[:5] == [None] * 5
    assert all(r is not None and r.rule == "content.snowshoe" for r in results[5:])


def test_tiny_replies_are_not_tracked(clock: ManualClock) -> None:
    detector = SnowshoeDetector(clock=clock, max_senders=1)
    assert [detector.observe(f"+1415555010{i}", "OK thanks") for i in range(4)] == [None] * 4


def test_short_texts_differing_in_words_are_different(clock: ManualClock) -> None:
    detector = SnowshoeDetector(clock=clock, max_senders=1)
    assert detector.observe("+14155550100", "Hi John, 50% off today at acme.com") is None
    assert detector.observe("+14155550101", "Hi Mary, 20% off tomorrow at acme.com") is None
