"""The test kit's hypothesis strategies: every value is valid, arguments are
checked, and values shrink to simple ones."""

from __future__ import annotations

from datetime import UTC, datetime

import phonenumbers
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from a2p_policy import (
    ConsentLedger,
    ConsentRecord,
    ContentLinter,
    InvalidArgument,
    KeywordKind,
    ManualClock,
    MessageKind,
    OutboundMessage,
    PolicyEngine,
    Severity,
    TollFreeVerificationRequest,
    UseCase,
    classify_inbound,
    count_segments,
    is_toll_free,
    normalize_phone,
)
from a2p_policy._compose.segments import GSM7_BASIC, GSM7_EXTENSION
from a2p_policy._keywords import Certainty
from a2p_policy._tollfree.memory_transport import InMemoryTollFreeTransport
from a2p_policy._tollfree.precheck import precheck
from a2p_policy._usecases import TRANSACTIONAL_USE_CASES, OptInMethod
from a2p_policy.storage.memory import MemoryStorage
from a2p_policy.testing import _data, strategies
from a2p_policy.testing import strategies as kit

FEW = settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ tables


@pytest.mark.parametrize(
    ("areas", "region"),
    [(_data.US_AREA_CODES, "US"), (_data.CA_AREA_CODES, "CA")],
)
def test_area_code_tables_are_real_geographic_codes(areas: tuple[str, ...], region: str) -> None:
    assert len(set(areas)) == len(areas)
    for area in areas:
        assert area[0] in "23456789"
        assert area[1:] != "11"
        for exchange in (_data.EXCHANGES[0], _data.EXCHANGES[-1]):
            for line in ("0000", "9999"):
                parsed = phonenumbers.parse(f"+1{area}{exchange}{line}", None)
                assert phonenumbers.is_valid_number(parsed), (area, exchange, line)
                assert phonenumbers.region_code_for_number(parsed) == region
                assert not is_toll_free(f"+1{area}{exchange}{line}")


def test_exchanges_leave_out_reserved_codes() -> None:
    assert 211 not in _data.EXCHANGES
    assert 911 not in _data.EXCHANGES
    assert 555 not in _data.EXCHANGES
    assert all(200 <= e <= 999 for e in _data.EXCHANGES)
    assert list(_data.EXCHANGES) == sorted(_data.EXCHANGES)


def test_ucs2_characters_are_outside_gsm7() -> None:
    assert not set(_data.UCS2_ONLY) & (GSM7_BASIC | GSM7_EXTENSION)


# ------------------------------------------------------------------ phones


@given(kit.phone_numbers())
def test_phone_numbers_are_e164_and_normalize_to_themselves(number: str) -> None:
    assert normalize_phone(number) == number
    assert number.startswith("+1")
    assert len(number) == 12
    assert not is_toll_free(number)


@given(kit.phone_numbers(toll_free=True))
def test_toll_free_numbers_are_toll_free(number: str) -> None:
    assert normalize_phone(number) == number
    assert is_toll_free(number)


@given(kit.phone_numbers(region="CA"))
def test_canadian_numbers_are_canadian(number: str) -> None:
    assert normalize_phone(number) == number
    assert phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) == "CA"


@pytest.mark.parametrize("region", ["GB", "DE", "FR", "AU", "MX", "IN", "JP", "BR"])
def test_other_regions_use_example_numbers(region: str) -> None:
    @settings(max_examples=20)
    @given(kit.phone_numbers(region=region))
    def check(number: str) -> None:
        assert normalize_phone(number) == number
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.region_code_for_number(parsed) == region

    check()


@given(kit.phone_number_formats())
def test_raw_formats_normalize_to_their_number(pair: tuple[str, str]) -> None:
    raw, e164 = pair
    assert normalize_phone(raw) == e164


@given(kit.raw_phone_numbers(toll_free=True))
def test_raw_toll_free_numbers_normalize(raw: str) -> None:
    assert is_toll_free(normalize_phone(raw))


@given(kit.phone_number_formats(region="GB"))
def test_raw_international_formats_normalize(pair: tuple[str, str]) -> None:
    assert normalize_phone(pair[0]) == pair[1]


def test_phone_numbers_shrink_to_the_simplest_number() -> None:
    assert find(kit.phone_numbers(), lambda _: True) == "+12012000000"
    assert find(kit.phone_numbers(toll_free=True), lambda _: True) == "+18002000000"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "ZZ"},
        {"region": ""},
        {"region": 1},
        {"toll_free": "yes"},
        {"toll_free": None},
    ],
)
def test_phone_numbers_refuse_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        kit.phone_numbers(**kwargs)  # type: ignore[arg-type]


def test_region_without_toll_free_example_is_refused() -> None:
    missing = [
        r
        for r in ("VA", "AQ", "TK", "NU")
        if r in phonenumbers.SUPPORTED_REGIONS
        and phonenumbers.example_number_for_type(r, phonenumbers.PhoneNumberType.TOLL_FREE) is None
    ]
    assert missing
    with pytest.raises(InvalidArgument, match="toll-free"):
        kit.phone_numbers(toll_free=True, region=missing[0])


# ------------------------------------------------------------------ bodies


@given(
    st.sampled_from(["GSM-7", "UCS-2", None]),
    st.integers(1, 4),
    st.data(),
)
def test_message_bodies_fit_encoding_and_segments(
    encoding: str | None, max_segments: int, data: st.DataObject
) -> None:
    body = data.draw(kit.message_bodies(encoding, max_segments=max_segments))  # type: ignore[arg-type]
    info = count_segments(body)
    assert 1 <= info.segments <= max_segments
    if encoding is not None:
        assert info.encoding == encoding


@settings(max_examples=40)
@given(kit.message_bodies("GSM-7", max_segments=2, min_size=151))
def test_long_gsm_bodies_keep_min_size_and_fit(body: str) -> None:
    info = count_segments(body)
    assert len(body) >= 151
    assert 1 <= info.segments <= 2
    assert info.encoding == "GSM-7"


@settings(max_examples=40)
@given(kit.message_bodies("UCS-2", max_segments=1, min_size=34))
def test_long_ucs2_bodies_keep_their_ucs2_character(body: str) -> None:
    info = count_segments(body)
    assert len(body) >= 34
    assert info.encoding == "UCS-2"
    assert info.segments == 1


def test_fit_trims_a_text_that_is_too_long() -> None:
    text = "{" * 200
    fitted = strategies._fit(text, 1)
    assert fitted == "{" * 80
    ucs = strategies._fit("\U0001f600" * 50, 1, keep=0)
    assert count_segments(ucs).segments == 1
    assert ucs.startswith("\U0001f600")
    kept = strategies._fit("a" * 100 + "\u2019", 1, keep=100)
    assert kept.endswith("\u2019")
    assert count_segments(kept).segments == 1


@given(kit.message_bodies(min_size=0))
def test_min_size_zero_allows_the_empty_body(body: str) -> None:
    assert count_segments(body).segments <= 1


def test_message_bodies_shrink_to_one_character() -> None:
    simplest = find(kit.message_bodies("GSM-7"), lambda _: True)
    assert len(simplest) == 1
    assert simplest.isascii()
    assert simplest.isalnum()
    ucs = find(kit.message_bodies("UCS-2"), lambda _: True)
    assert len(ucs) == 1
    assert count_segments(ucs).encoding == "UCS-2"
    assert len(find(kit.message_bodies("GSM-7", max_segments=2), lambda b: len(b) > 160)) == 161


def test_bodies_cover_the_segment_boundary() -> None:
    # The strategy reaches the longest single-segment texts (generating is
    # what is tested: shrinking the find to 159 units took seconds).
    found = find(
        kit.message_bodies("GSM-7"),
        lambda b: count_segments(b).units >= 159,
        settings=settings(max_examples=2000, phases=[Phase.generate]),
    )
    assert count_segments(found).segments == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"encoding": "ASCII"},
        {"encoding": "gsm-7"},
        {"max_segments": 0},
        {"max_segments": 11},
        {"max_segments": True},
        {"max_segments": "2"},
        {"min_size": -1},
        {"min_size": 35},
        {"encoding": "GSM-7", "min_size": 80},
        {"min_size": None},
    ],
)
def test_message_bodies_refuse_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        kit.message_bodies(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=50)
@given(kit.notification_bodies(), kit.brands())
def test_notification_bodies_pass_the_linter(body: str, brand: str) -> None:
    info = count_segments(body)
    assert info.encoding == "GSM-7"
    assert info.segments == 1
    findings = ContentLinter().lint(body, brand=brand, initial=True)
    assert not [f for f in findings if f.severity is Severity.BLOCK]


@given(kit.brands())
def test_brands_are_clean(brand: str) -> None:
    assert brand.strip() == brand
    assert " " in brand
    assert not [f for f in ContentLinter().lint(brand) if f.severity is Severity.BLOCK]


# ----------------------------------------------------------------- consent


@FEW
@given(kit.consent_records())
def test_consent_records_validate(record: ConsentRecord) -> None:
    again = ConsentRecord.model_validate(record.model_dump())
    assert again == record
    assert record.phone == normalize_phone(record.phone)
    assert record.captured_at.tzinfo is not None
    if UseCase.MARKETING in record.scopes:
        assert record.express
    if record.method is OptInMethod.WEB_FORM:
        assert record.source_url


@FEW
@given(kit.consent_records(complete=True))
def test_complete_consent_records_have_every_proof_element(record: ConsentRecord) -> None:
    assert record.missing_evidence() == []


@FEW
@given(kit.consent_records(express=False))
def test_implied_consent_never_covers_marketing(record: ConsentRecord) -> None:
    assert not record.express
    assert UseCase.MARKETING not in record.scopes


@FEW
@given(
    kit.consent_records(
        phone="(415) 555-0123",
        brand=st.just("Owl"),
        scopes=frozenset({UseCase.MARKETING}),
        method=OptInMethod.WEB_FORM,
        captured_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
)
def test_consent_record_fields_can_be_fixed(record: ConsentRecord) -> None:
    assert record.phone == "+14155550123"
    assert record.brand == "Owl"
    assert record.scopes == frozenset({UseCase.MARKETING})
    assert record.express
    assert record.captured_at == datetime(2025, 1, 1, tzinfo=UTC)


@FEW
@given(kit.consent_records())
def test_consent_records_can_be_granted(record: ConsentRecord) -> None:
    ledger = ConsentLedger(storage=MemoryStorage(), clock=ManualClock())
    ledger.grant(record)
    assert ledger.is_granted(record.phone, record.brand)


def test_consent_records_refuse_contradictions() -> None:
    with pytest.raises(InvalidArgument):
        kit.consent_records(express=False, scopes=frozenset({UseCase.MARKETING}))
    with pytest.raises(InvalidArgument):
        kit.consent_records(complete="yes")  # type: ignore[arg-type]
    strategy = kit.consent_records(express=False, scopes=st.just(frozenset({UseCase.MARKETING})))
    with pytest.raises(InvalidArgument):
        find(strategy, lambda _: True)


# ---------------------------------------------------------------- outbound


@FEW
@given(kit.outbound_messages())
def test_outbound_messages_are_valid(msg: OutboundMessage) -> None:
    assert msg.to == normalize_phone(msg.to)
    assert not is_toll_free(msg.sender)
    assert isinstance(msg.kind, MessageKind)


@settings(max_examples=25)
@given(
    kit.outbound_messages(
        # Quiet hours hold non-transactional use cases at 12:00 UTC in Hawaii.
        use_case=st.sampled_from(sorted(TRANSACTIONAL_USE_CASES, key=lambda u: u.value)),
        kind=st.sampled_from([MessageKind.BULK, MessageKind.WORKFLOW, MessageKind.CONVERSATION]),
    )
)
def test_outbound_message_with_consent_is_allowed(msg: OutboundMessage) -> None:
    engine = PolicyEngine(storage=MemoryStorage(), clock=ManualClock(_data.CLOCK_START))
    assert engine.check(msg).codes == ("consent.missing",)
    record = ConsentRecord(
        phone=msg.to,
        brand=msg.brand,
        account=msg.account,
        method=OptInMethod.VIA_TEXT,
        captured_at=_data.CLOCK_START,
        scopes=frozenset(UseCase),
        express=True,
    )
    engine.consent.grant(record)
    decision = engine.authorize(msg)
    assert decision.allowed, decision.reason


# ---------------------------------------------------------------- toll-free


@settings(max_examples=40)
@given(kit.tollfree_requests())
def test_clean_tollfree_requests_have_no_blocking_finding(
    request: TollFreeVerificationRequest,
) -> None:
    assert TollFreeVerificationRequest.model_validate(request.to_params()) == request
    blocks = [f for f in precheck(request) if f.severity is Severity.BLOCK]
    assert blocks == []


@FEW
@given(kit.tollfree_requests(clean=False))
def test_noisy_tollfree_requests_still_validate(request: TollFreeVerificationRequest) -> None:
    assert TollFreeVerificationRequest.model_validate(request.to_params()) == request


def test_precheck_of_a_name_without_letters_returns_findings() -> None:
    from a2p_policy.testing import example_tollfree_request

    request = example_tollfree_request(business_name="\u2605\u2605")
    findings = precheck(request)
    assert isinstance(findings, list)


@FEW
@given(kit.tollfree_requests(customer_profile=True, business_type="SOLE_PROPRIETOR"))
def test_tollfree_request_options(request: TollFreeVerificationRequest) -> None:
    assert request.customer_profile_sid is not None
    assert request.business_street_address is None
    assert request.business_type == "SOLE_PROPRIETOR"


@FEW
@given(
    kit.tollfree_requests(
        customer_profile=False,
        use_cases=[UseCase.MARKETING],
        tollfree_phone_number_sid="PN" + "c" * 32,
    )
)
def test_tollfree_request_fixed_fields(request: TollFreeVerificationRequest) -> None:
    assert request.business_city is not None
    assert request.use_case_categories == ["MARKETING"]
    assert request.tollfree_phone_number_sid == "PN" + "c" * 32
    assert not [f for f in precheck(request) if f.severity is Severity.BLOCK]


@settings(max_examples=10)
@given(kit.tollfree_requests())
def test_tollfree_requests_are_accepted_by_the_fake_api(
    request: TollFreeVerificationRequest,
) -> None:
    fake = InMemoryTollFreeTransport(clock=ManualClock())
    verification = fake.create(request.to_params())
    assert verification.sid.startswith("HH")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"clean": "yes"},
        {"customer_profile": "no"},
        {"business_type": "LLC"},
        {"use_cases": []},
        {"use_cases": "MARKETING"},
        {"use_cases": ["MARKETING"]},
    ],
)
def test_tollfree_requests_refuse_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        kit.tollfree_requests(**kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------- inbound


@pytest.mark.parametrize("kind", [KeywordKind.OPT_OUT, KeywordKind.OPT_IN, KeywordKind.HELP])
def test_inbound_bodies_classify_as_exact_keywords(kind: KeywordKind) -> None:
    @settings(max_examples=60)
    @given(kit.inbound_bodies(kind))
    def check(body: str) -> None:
        match = classify_inbound(body)
        assert match.kind is kind, body
        assert match.certainty is Certainty.EXACT, body

    check()


@given(kit.inbound_bodies(KeywordKind.NONE))
def test_plain_replies_have_no_keyword(body: str) -> None:
    assert classify_inbound(body).kind is KeywordKind.NONE


@given(kit.inbound_bodies())
def test_any_inbound_body_is_a_keyword(body: str) -> None:
    assert classify_inbound(body).kind is not KeywordKind.NONE


def test_inbound_bodies_shrink_to_the_bare_keyword() -> None:
    assert find(kit.inbound_bodies(KeywordKind.OPT_OUT), lambda _: True) == "STOP"


def test_inbound_bodies_refuse_bad_kind() -> None:
    with pytest.raises(InvalidArgument):
        kit.inbound_bodies("STOP")  # type: ignore[arg-type]


def test_strategies_module_exports() -> None:
    import a2p_policy.testing as testing

    for name in strategies.__all__:
        assert getattr(testing, name) is getattr(strategies, name)
    assert set(strategies.__all__) <= set(testing.__all__)
    with pytest.raises(AttributeError):
        _ = testing.no_such_name
