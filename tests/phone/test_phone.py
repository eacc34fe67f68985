"""Phone numbers: normalization to E.164, toll-free detection, time zones
(SPEC section 1; toll-free area codes from
reference/twilio-tfv-messaging-compliance-api.txt)."""

from __future__ import annotations

import contextlib
import gc
import string
import tracemalloc
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy import _phone as phone_module
from a2p_policy._errors import A2PPolicyError, InvalidPhoneNumber
from a2p_policy._phone import (
    CACHE_SIZE,
    TOLL_FREE_AREA_CODES,
    is_toll_free,
    normalize_phone,
    recipient_timezones,
)

# -- formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "+14155550123",
        "4155550123",
        "(415) 555-0123",
        "415-555-0123",
        "415.555.0123",
        "415 555 0123",
        "1 415 555 0123",
        "1-415-555-0123",
        "+1 (415) 555-0123",
        "+1.415.555.0123",
        "  +1 415 555 0123  ",
        "tel:+14155550123",
        "TEL:+1-415-555-0123",
        "\t(415)5550123\n",
        "００１４１５５５５０１２３".replace("００", "+"),  # full-width digits
    ],
)
def test_common_formats(raw: str) -> None:
    assert normalize_phone(raw) == "+14155550123"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("(416) 555-0123", "CA", "+14165550123"),
        ("416-555-0123", "US", "+14165550123"),
        ("030 123456", "de", "+4930123456"),
    ],
)
def test_regions(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected
    assert normalize_phone(raw, default_region=region) == expected


# -- Canadian numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("416-555-0123", "America/Toronto"),  # Toronto
        ("604-555-0123", "America/Vancouver"),  # Vancouver
        ("514-555-0123", "America/Toronto"),  # Montreal
        ("403-555-0123", "America/Edmonton"),  # Calgary
        ("902-555-0123", "America/Halifax"),  # Nova Scotia
    ],
)
def test_canadian_numbers(raw: str, zone: str) -> None:
    e164 = normalize_phone(raw)
    assert e164.startswith("+1")
    assert len(e164) == 12
    assert not is_toll_free(e164)
    assert zone in recipient_timezones(raw)


# -- toll-free -----------------------------------------------------------------------


@pytest.mark.parametrize("area", sorted(TOLL_FREE_AREA_CODES))
def test_toll_free_area_codes(area: str) -> None:
    number = f"+1{area}5550199"
    assert is_toll_free(number)
    assert is_toll_free(f"({area}) 555-0199")
    assert is_toll_free(f"1-{area}-555-0199")


def test_toll_free_set_is_the_spec_list() -> None:
    assert frozenset({"800", "833", "844", "855", "866", "877", "888"}) == TOLL_FREE_AREA_CODES


@pytest.mark.parametrize(
    "number",
    [
        "+14155550123",  # geographic
        "+18225550199",  # 822 is reserved for toll-free but not in use
        "+18805550199",
        "+448001234567",  # UK freephone is not US/Canada toll-free
        "+80012345678",  # international freephone
        "not a number",
        "",
        "800",
    ],
)
def test_not_toll_free(number: str) -> None:
    assert not is_toll_free(number)


@given(st.from_type(object) | st.text() | st.integers() | st.none())
def test_is_toll_free_never_raises(value: object) -> None:
    assert is_toll_free(value) in (True, False)  # type: ignore[arg-type]


# -- invalid numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "123",
        "555-0123",  # no area code
        "+1 415 555 012",  # too short
        "+1 415 555 01234",  # too long
        "+1 011 555 0123",  # area code cannot start with 0
        "+1 115 555 0123",  # nor with 1
        "+999 123",
        "+",
        "tel:",
        "1" * 65,
    ],
)
def test_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)


@pytest.mark.parametrize("value", [None, 4155550123, 4.15, b"+14155550123", ["+1"], object()])
def test_non_str_is_invalid_phone_number(value: object) -> None:
    with pytest.raises(InvalidPhoneNumber, match="must be a str"):
        normalize_phone(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("region", ["USA", "", "1", "U", None, 1, "??"])
def test_bad_region(region: object) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("4155550123", region)  # type: ignore[arg-type]


def test_invalid_phone_number_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a"):
        normalize_phone("nope")


# -- time zones ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zones"),
    [
        ("+12085550123", {"America/Boise", "America/Los_Angeles"}),  # Idaho
        ("+16055550123", {"America/Denver", "America/North_Dakota/Center"}),  # S. Dakota
        ("+17015550123", {"America/Denver", "America/North_Dakota/Center"}),  # N. Dakota
        ("+19075550123", {"America/Adak", "America/Anchorage"}),  # Alaska
        ("+17095550123", {"America/Halifax", "America/St_Johns"}),  # Newfoundland/Labrador
    ],
)
def test_multi_zone_area_codes(raw: str, zones: set[str]) -> None:
    got = recipient_timezones(raw)
    assert set(got) == zones
    assert list(got) == sorted(got)


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("(212) 555-0123", "America/New_York"),
        ("(312) 555-0123", "America/Chicago"),
        ("(808) 555-0123", "Pacific/Honolulu"),
        ("(415) 555-0123", "America/Los_Angeles"),
    ],
)
def test_single_zone_area_codes(raw: str, zone: str) -> None:
    assert recipient_timezones(raw) == (zone,)


def test_toll_free_spans_every_nanp_zone() -> None:
    zones = recipient_timezones("+18005550199")
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)
    assert len(zones) > 10


@pytest.mark.parametrize("raw", ["+14155550123", "+12085550123", "+447911123456"])
def test_time_zones_are_real_iana_zones(raw: str) -> None:
    for name in recipient_timezones(raw):
        zoneinfo.ZoneInfo(name)


def test_non_geographic_number_has_no_time_zone() -> None:
    # +800 (international freephone) is valid but belongs to no zone: the
    # docstring promises an empty tuple.
    assert recipient_timezones("+80012345678") == ()


def test_recipient_timezones_invalid() -> None:
    with pytest.raises(InvalidPhoneNumber):
        recipient_timezones("not a phone")
    with pytest.raises(InvalidPhoneNumber):
        recipient_timezones(None)  # type: ignore[arg-type]


# -- fuzz and idempotence --------------------------------------------------------------

phone_like = st.text(alphabet=string.digits + " +-().tel:x#*", max_size=24)
nanp = st.builds(
    lambda a, b, c, fmt: fmt.format(a=a, b=b, c=c),
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    st.sampled_from(
        ["{a}{b}{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "1-{a}-{b}-{c}", "{a}.{b}.{c}"]
    ),
)
anything = st.one_of(
    st.text(),
    phone_like,
    nanp,
    st.integers(),
    st.none(),
    st.binary(),
    st.floats(),
    st.lists(st.text(), max_size=2),
)


def _valid_e164(value: str) -> bool:
    return value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16


@given(anything, st.one_of(st.just("US"), st.sampled_from(["CA", "GB", "xx", ""]), st.text()))
def test_fuzz_normalize_returns_e164_or_invalid_phone_number(raw: object, region: object) -> None:
    try:
        result = normalize_phone(raw, region)  # type: ignore[arg-type]
    except InvalidPhoneNumber:
        return
    assert _valid_e164(result)


@given(anything)
def test_fuzz_recipient_timezones(raw: object) -> None:
    try:
        zones = recipient_timezones(raw)  # type: ignore[arg-type]
    except InvalidPhoneNumber:
        return
    assert isinstance(zones, tuple)
    assert all(isinstance(z, str) for z in zones)


@given(st.one_of(nanp, phone_like, st.text()), st.sampled_from(["US", "CA", "GB", "DE", "IN"]))
def test_normalize_is_idempotent(raw: str, region: str) -> None:
    try:
        once = normalize_phone(raw, region)
    except InvalidPhoneNumber:
        return
    assert normalize_phone(once, region) == once
    assert normalize_phone(once) == once  # E.164 does not depend on the region


@given(nanp)
def test_valid_nanp_numbers_normalize_to_plus_one(raw: str) -> None:
    try:
        e164 = normalize_phone(raw)
    except InvalidPhoneNumber:
        return
    assert e164.startswith("+1")
    assert len(e164) == 12
    assert is_toll_free(e164) == (e164[2:5] in TOLL_FREE_AREA_CODES)


def test_errors_are_library_errors() -> None:
    with pytest.raises(A2PPolicyError):
        normalize_phone("x")


# -- cache -------------------------------------------------------------------------


def test_cache_is_bounded() -> None:
    info = phone_module._cached.cache_info()
    assert info.maxsize == CACHE_SIZE
    for i in range(2_000):
        with contextlib.suppress(InvalidPhoneNumber):
            normalize_phone(f"+1415{i:07d}")
    assert phone_module._cached.cache_info().currsize <= CACHE_SIZE


def test_cache_does_not_change_answers() -> None:
    first = normalize_phone("(415) 555-0123")
    second = normalize_phone("(415) 555-0123")
    assert first == second == "+14155550123"
    for _ in range(2):
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone("bogus")


def test_cache_memory_is_bounded_for_huge_inputs() -> None:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(40):
            with contextlib.suppress(InvalidPhoneNumber):
                normalize_phone(f"{i}" + "9" * 100_000)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 1_000_000
