"""Segment counting: GSM-7 and UCS-2 limits, escapes and surrogate pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._compose.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    count_segments,
    graphemes,
    is_gsm7,
)
from a2p_policy._errors import InvalidArgument

GSM_CHARS = sorted(GSM7_BASIC | GSM7_EXTENSION)


def test_empty_text_has_no_segments() -> None:
    info = count_segments("")
    assert (info.encoding, info.segments, info.units) == ("GSM-7", 0, 0)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_limits(length: int, segments: int) -> None:
    info = count_segments("a" * length)
    assert info.encoding == "GSM-7"
    assert info.units == length
    assert info.segments == segments


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_limits(length: int, segments: int) -> None:
    info = count_segments("ж" * length)
    assert info.encoding == "UCS-2"
    assert info.units == length
    assert info.segments == segments


@pytest.mark.parametrize("ch", list("^{}\\[~]|€\f"))
def test_extension_characters_count_twice(ch: str) -> None:
    info = count_segments(ch)
    assert info.encoding == "GSM-7"
    assert info.units == 2


def test_extension_at_limit() -> None:
    assert count_segments("a" * 158 + "€").segments == 1
    assert count_segments("a" * 159 + "€").segments == 2


def test_escape_pair_not_split_across_parts() -> None:
    # 152 plain septets then an escape pair: the pair cannot start at 153.
    text = "a" * 152 + "€" + "a" * 150
    info = count_segments(text)
    assert info.units == 304
    # a naive 304/153 would say 2; the pair moves to part 2: 152 | 2+150=152 -> 2 parts
    assert info.segments == 2
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3  # 152 | 154 does not fit 153


def test_surrogate_pair_not_split() -> None:
    text = "ж" * 66 + "😀" + "ж" * 67
    info = count_segments(text)
    assert info.units == 135
    assert info.segments == 3  # 66 | 2+65 | 2 ... the pair starts part 2
    assert count_segments("😀").units == 2


def test_one_non_gsm_char_switches_to_ucs2() -> None:
    assert count_segments("Hello ’world").encoding == "UCS-2"
    assert count_segments("Hello 'world").encoding == "GSM-7"
    assert count_segments("é à ñ Ç £ ¥ Ø").encoding == "GSM-7"
    assert count_segments("á").encoding == "UCS-2"


def test_rejects_non_str() -> None:
    with pytest.raises(InvalidArgument):
        count_segments(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        is_gsm7(3)  # type: ignore[arg-type]


@given(st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=700))
def test_gsm7_invariants(text: str) -> None:
    info = count_segments(text)
    assert info.encoding == "GSM-7"
    assert info.units == sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    if info.units <= 160:
        assert info.segments == (1 if text else 0)
    else:
        assert info.segments * 153 >= info.units
        assert (
            info.segments - 1
        ) * 153 < info.units + info.segments  # at most one septet lost per part
    assert info.remaining is not None
    assert 0 <= info.remaining <= info.per_segment
    assert info == type(info)(info.encoding, info.segments, info.units)


@given(st.text(max_size=400))
def test_any_text_invariants(text: str) -> None:
    info = count_segments(text)
    assert info.segments >= (1 if text else 0)
    single = 160 if info.encoding == "GSM-7" else 70
    part = 153 if info.encoding == "GSM-7" else 67
    if info.units <= single:
        assert info.segments == (1 if text else 0)
    else:
        assert info.segments >= -(-info.units // part)
    assert is_gsm7(text) == (info.encoding == "GSM-7")


@given(st.text(max_size=300), st.text(max_size=120))
def test_monotonic_in_appended_text(body: str, extra: str) -> None:
    assert count_segments(body + extra).segments >= count_segments(body).segments


# -- grapheme clusters (issue 19) ---------------------------------------------

#: Clusters that stay one cluster whatever comes before or after them (each
#: starts with a base character), with their UTF-16 length.
CLUSTERS = [
    "👍🏽",
    "👨\u200d👩\u200d👧\u200d👦",
    "🧑\u200d🦰",
    "🇺🇸",
    "1\ufe0f\u20e3",
    "❤\ufe0f",
    "e\u0301",
    "o\u0302\u0323",
    "\u1112\u1161\u11ab",
    "😀",
    "漢",
    "ж",
    "a",
]


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 64 + "👍🏽" + "a" * 64, 3),  # 64 | 4+64 > 67 -> 3
        ("a" * 66 + "e\u0301" + "a" * 66, 3),
        ("a" * 64 + "🇺🇸" + "a" * 64, 3),
        ("a" * 66 + "❤\ufe0f" + "a" * 66, 3),
        ("a" * 65 + "1\ufe0f\u20e3" + "a" * 65, 3),
        ("a" * 63 + "👨\u200d👩\u200d👧" + "a" * 63, 3),
        ("a" * 66 + "\ud83d\udc4d" + "a" * 66, 3),  # a pair held as two code points
    ],
)
def test_clusters_are_never_split(text: str, segments: int) -> None:
    info = count_segments(text)
    assert info.encoding == "UCS-2"
    assert info.segments == segments


def test_split_surrogate_pair_counts_as_the_character() -> None:
    joined = "ж" * 66 + "😀" + "ж" * 67
    split = "ж" * 66 + "\ud83d\ude00" + "ж" * 67
    assert count_segments(split) == count_segments(joined)
    assert list(graphemes("\ud83d\ude00")) == ["😀"]


def test_lone_surrogate_is_a_character_of_its_own() -> None:
    info = count_segments("a\ud83d")
    assert (info.encoding, info.segments, info.units) == ("UCS-2", 1, 2)


def test_crlf_may_be_cut() -> None:
    assert list(graphemes("a\r\nb")) == ["a", "\r", "\n", "b"]
    # ж*66 then CR LF: CR ends part 1, LF starts part 2 (Twilio's calculator).
    assert count_segments("ж" * 66 + "\r\n" + "ж" * 66).segments == 2


def test_cluster_longer_than_a_part_is_cut_between_code_points() -> None:
    zalgo = "a" + "\u0301" * 100
    info = count_segments(zalgo)
    assert info.units == 101
    assert info.segments == 2
    assert count_segments("😀" * 40 + "a" + "\u0301" * 200).segments == 5


@given(st.lists(st.sampled_from(CLUSTERS), max_size=120))
def test_segments_match_cluster_packing(clusters: list[str]) -> None:
    """Reference packing written from the cluster list alone."""
    text = "".join(clusters)
    info = count_segments(text)
    units = [len(c.encode("utf-16-le")) // 2 for c in clusters]
    assert info.units == (sum(units) if info.encoding == "UCS-2" else info.units)
    if info.encoding == "GSM-7":
        return
    total = sum(units)
    if total == 0:
        expected = 0
    elif total <= 70:
        expected = 1
    else:
        expected, used = 1, 0
        for cost in units:
            if used + cost > 67:
                expected += 1
                used = 0
            used += cost
    assert info.segments == expected
    assert list(graphemes(text)) == [c for c in clusters if c]


@given(st.text(max_size=400), st.sampled_from(CLUSTERS[:9]))
def test_a_cluster_never_lowers_the_count(text: str, cluster: str) -> None:
    """Appending a cluster never makes a text take fewer segments, and the
    count is never below what the units alone need."""
    before = count_segments(text)
    after = count_segments(text + cluster)
    assert after.segments >= before.segments
    if after.segments > 1:
        per_part = 153 if after.encoding == "GSM-7" else 67
        assert after.segments >= -(-after.units // per_part)
    assert after.remaining is not None
    assert after.remaining >= 0


@pytest.mark.parametrize("value", [None, b"ab", 5, ["a"]])
def test_helpers_reject_non_str(value: object) -> None:
    from a2p_policy._compose.encoding import is_emoji_sequence
    from a2p_policy._compose.segments import has_joining

    for helper in (has_joining, is_emoji_sequence, lambda v: list(graphemes(v))):
        with pytest.raises(InvalidArgument):
            helper(value)  # type: ignore[arg-type]
