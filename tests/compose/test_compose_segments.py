"""Segment counting: GSM-7 and UCS-2 limits, escapes and surrogate pairs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy.compose import count_segments, is_gsm7
from a2p_policy.compose.segments import GSM7_BASIC, GSM7_EXTENSION
from a2p_policy.errors import InvalidArgument

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
