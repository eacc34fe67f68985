"""The key scheme: one escaping function, injective, within the length limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._errors import InvalidArgument
from a2p_policy._limits import _common
from a2p_policy.storage import make_key as exported_make_key
from a2p_policy.storage.base import (
    HASHED_PART_MARKER,
    MAX_KEY_LENGTH,
    key_part,
    make_key,
    unescape_key_part,
)

HOSTILE = [":", "{", "}", "*", "?", "[", "]", "\\", "%", "\x00", "\n", "\r", "\t", '"', "'"]
#: Text biased towards the characters that used to forge keys.
hostile_text = st.text(
    alphabet=st.sampled_from(HOSTILE) | st.characters(codec=None), min_size=1, max_size=40
)
parts = st.lists(
    hostile_text | st.sampled_from(["n:p", "q", "n", "p:q", "%3A", "%25"]), min_size=1, max_size=5
)


@pytest.mark.parametrize(
    "plain",
    ["acct-1", "+14155550123", "Joe's Pizza", "shop_2", "consent", "log", "a b", "é", "ÿ#@!"],
)
def test_ordinary_ids_unchanged(plain: str) -> None:
    assert key_part(plain) == plain
    assert make_key("ns", plain) == f"ns:{plain}"


@pytest.mark.parametrize(
    "char", [*HOSTILE[:10], "\x7f", "\x85", "\xa0", "\u2028", "\u3000", "\ud800"]
)
def test_special_characters_escaped(char: str) -> None:
    out = key_part(f"a{char}b")
    assert char not in out.replace("%", "")
    assert out.startswith("a%")
    assert out.endswith("b")
    assert ":" not in out


def test_issue_collisions_are_gone() -> None:
    assert make_key("brand", "n:p", "q") != make_key("brand", "n", "p:q")
    assert make_key("engine", "status", "a:b", "c") != make_key("engine", "status", "a", "b:c")


@given(hostile_text)
def test_key_part_round_trips_and_has_no_separator(value: str) -> None:
    out = key_part(value)
    assert ":" not in out
    assert not out.startswith(HASHED_PART_MARKER)
    assert unescape_key_part(out) == value


@given(parts, parts)
def test_distinct_tuples_never_share_a_key(a: list[str], b: list[str]) -> None:
    if a != b:
        assert make_key(*a) != make_key(*b)
    else:
        assert make_key(*a) == make_key(*b)


@settings(max_examples=50)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(HOSTILE) | st.characters(codec=None),
            min_size=1,
            max_size=10_000,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_keys_fit_and_stay_distinct_when_long(ps: list[str]) -> None:
    key = make_key(*ps)
    assert 0 < len(key) <= MAX_KEY_LENGTH
    assert len(key.split(":")) == len(ps)
    # Changing one character of the longest part changes the key.
    i = max(range(len(ps)), key=lambda j: len(ps[j]))
    other = [*ps]
    other[i] = other[i] + "x"
    assert make_key(*other) != key


def test_ten_thousand_characters() -> None:
    a = make_key("consent", "x" * 10_000)
    b = make_key("consent", "x" * 9_999 + "y")
    assert len(a) <= MAX_KEY_LENGTH
    assert len(b) <= MAX_KEY_LENGTH
    assert a != b
    assert a.startswith("consent:" + HASHED_PART_MARKER)
    # A key that fits is never hashed.
    fits = "y" * (MAX_KEY_LENGTH - 4)
    assert make_key("ns", fits) == f"ns:{fits}"


@pytest.mark.parametrize("bad", [(), ("",), ("a", ""), ("a", 5), (None,), (b"x",)])
def test_make_key_rejects_bad_parts(bad: tuple[object, ...]) -> None:
    with pytest.raises(InvalidArgument):
        make_key(*bad)  # type: ignore[arg-type]


def test_too_many_parts_refused() -> None:
    with pytest.raises(InvalidArgument):
        make_key(*(["x" * 60] * 20))


def test_key_part_rejects_non_str() -> None:
    with pytest.raises(InvalidArgument):
        key_part(5)  # type: ignore[arg-type]


def test_one_escaping_function() -> None:
    assert _common.key_part is key_part
    assert exported_make_key is make_key


def test_unescape_refuses_a_hashed_part() -> None:
    with pytest.raises(InvalidArgument):
        unescape_key_part(make_key("x" * 600))


def test_cache_never_lets_a_non_str_part_through() -> None:
    class Text(str):
        pass

    assert make_key("ns", "acct") == "ns:acct"  # cached
    with pytest.raises(InvalidArgument):
        make_key("ns", Text("acct"))
    with pytest.raises(InvalidArgument):
        make_key("ns", ["acct"])  # type: ignore[arg-type]


@given(parts)
def test_cached_and_uncached_keys_agree(ps: list[str]) -> None:
    from a2p_policy.storage.base import _build_key

    assert make_key(*ps) == make_key(*ps) == _build_key(tuple(ps))
