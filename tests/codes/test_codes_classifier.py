"""Error-code classifier: every table row, the article's tables, and fuzz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._codes.classifier import ErrorCodeClassifier, parse_code
from a2p_policy._codes.models import (
    DndAction,
    ErrorCategory,
    ErrorInfo,
    HttpErrorInfo,
    RejectionInfo,
)
from a2p_policy._codes.tables import (
    COMPLIANCE_HTTP_ERRORS,
    DELIVERY_ERRORS,
    GENERIC_CORRECTION_NOT_RESUBMITTABLE,
    GENERIC_CORRECTION_RESUBMITTABLE,
    TOLLFREE_CORRECTIONS,
    TOLLFREE_REJECTIONS,
)

REFERENCE = Path("/work/shared/reference")
API_ARTICLE = REFERENCE / "twilio-tfv-messaging-compliance-api.txt"

T, P, N = DndAction.TEMPORARY, DndAction.PERMANENT, DndAction.NONE

#: The expected rule for every delivery/API code, written from SPEC section 8
#: and Twilio's error dictionary independently of the table:
#: code -> (dnd_action, is_error, retryable)
EXPECTED: dict[int, tuple[DndAction, bool, bool]] = {
    30001: (N, True, True),
    30002: (N, True, False),
    30003: (T, True, True),
    30004: (P, True, False),
    30005: (T, True, False),
    30006: (T, True, False),
    30007: (N, True, False),
    30008: (N, True, True),
    30009: (N, True, True),
    30010: (N, True, False),
    30017: (N, True, True),
    30019: (N, True, False),
    30022: (N, True, True),
    30023: (N, True, True),
    30027: (N, True, True),
    30032: (N, True, False),
    30034: (N, True, False),
    21211: (N, False, False),
    21408: (N, False, False),
    21602: (N, False, False),
    21610: (P, False, False),
    21612: (N, False, False),
    21614: (N, False, False),
    21617: (N, False, False),
    21635: (N, False, False),
}

clf = ErrorCodeClassifier()


def test_expected_covers_the_table_exactly() -> None:
    assert set(EXPECTED) == set(DELIVERY_ERRORS)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_every_delivery_row(code: int) -> None:
    dnd, is_error, retryable = EXPECTED[code]
    for form in (code, str(code), f"  {code}\n"):
        info = clf.classify(form)
        assert info.known
        assert info.code == code
        assert info.dnd_action is dnd
        assert info.is_error is is_error
        assert info.retryable is retryable
        assert info.description.strip()
        assert info.source
        expected_category = ErrorCategory.API if code < 30000 else info.category
        assert info.category is expected_category
        assert info.category is not ErrorCategory.UNKNOWN


def test_spec_section_8_dnd_actions() -> None:
    assert [clf.classify(c).dnd_action for c in (30003, 30005, 30006)] == [T, T, T]
    assert clf.classify(30004).dnd_action is P
    assert clf.classify(21610).dnd_action is P
    assert clf.classify(30008).dnd_action is N


def test_carrier_filter_30007() -> None:
    info = clf.classify("30007")
    assert (info.is_error, info.retryable, info.dnd_action) == (True, False, N)
    assert "filter" in info.description.lower()


def test_tollfree_unverified_30032_and_unregistered_30034() -> None:
    assert "verified" in clf.classify(30032).description.lower()
    assert "unregistered" in clf.classify(30034).description.lower()


def test_api_refusals_are_not_delivery_errors() -> None:
    for code in (21211, 21408, 21610, 21612, 21614, 21635):
        info = clf.classify(code)
        assert info.category is ErrorCategory.API
        assert not info.is_error


def test_no_code() -> None:
    for value in (None, "", "   "):
        info = clf.classify(value)
        assert info == ErrorInfo(
            code=None,
            description="no error code",
            dnd_action=N,
            is_error=False,
            retryable=False,
            known=False,
            category=ErrorCategory.NONE,
            source="",
        )


@pytest.mark.parametrize("code", [1, 12345, 30011, 99999, 123456789])
def test_unknown_code(code: int) -> None:
    info = clf.classify(code)
    assert info.code == code
    assert not info.known
    assert info.dnd_action is N
    assert info.is_error
    assert not info.retryable
    assert info.category is ErrorCategory.UNKNOWN


class _Weird:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize(
    "value",
    [
        30003.0,
        float("nan"),
        float("inf"),
        True,
        False,
        0,
        -30003,
        "-30003",
        "+30003",
        "30003.0",
        "3e4",
        "30 003",
        "٣٠٠٠٣",  # Arabic-Indic digits
        "３０００３",  # full-width digits
        "1" * 5000,
        10**20,
        b"30003",
        object(),
        _Weird(),
        [30003],
        {"code": 30003},
    ],
)
def test_malformed_code_never_raises(value: object) -> None:
    info = clf.classify(value)  # type: ignore[arg-type]
    assert not info.known
    assert info.dnd_action is N
    assert info.code is None
    rej = clf.tollfree_rejection(value)  # type: ignore[arg-type]
    assert not rej.known
    assert rej.code is None
    assert not rej.resubmittable
    assert clf.http_error(value).known is False  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=10**9 - 1), st.text(" \t\n", max_size=3))
def test_parse_code_round_trip(n: int, pad: str) -> None:
    assert parse_code(n) == n
    assert parse_code(f"{pad}{n}{pad}") == n
    assert clf.classify(f"{pad}{n}").code == n


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
)


@given(_ANY, st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)))
def test_fuzz_every_method(value: object, edit_allowed: object) -> None:
    info = clf.classify(value)  # type: ignore[arg-type]
    assert isinstance(info, ErrorInfo)
    assert info.known == (info.code in DELIVERY_ERRORS)
    if not info.known:
        assert info.dnd_action is N
    rej = clf.tollfree_rejection(value, edit_allowed)  # type: ignore[arg-type]
    assert isinstance(rej, RejectionInfo)
    assert rej.known == (rej.code in TOLLFREE_REJECTIONS)
    assert rej.correction
    if not rej.known:
        assert rej.resubmittable == (edit_allowed is True)
    http = clf.http_error(value)  # type: ignore[arg-type]
    assert isinstance(http, HttpErrorInfo)
    assert http.known == (http.status in COMPLIANCE_HTTP_ERRORS)


# ---------------------------------------------------------------- toll-free
def _article_rejection_rows() -> dict[int, tuple[str, bool]]:
    if not API_ARTICLE.exists():
        pytest.skip(f"reference article {API_ARTICLE} is not present on this machine")
    text = API_ARTICLE.read_text(encoding="utf-8")
    start = text.index("Rejection codes and solutions")
    rows: dict[int, tuple[str, bool]] = {}
    for line in text[start:].splitlines()[1:]:
        m = re.fullmatch(r"(\d{5}) \| (.+?) \| (Yes|No) \|\s*", line)
        if m:
            rows[int(m.group(1))] = (m.group(2), m.group(3) == "Yes")
        elif rows and not line.startswith("---"):
            break
    return rows


def test_rejection_table_matches_the_article_row_by_row() -> None:
    rows = _article_rejection_rows()
    assert len(rows) >= 30  # the parser found the table
    assert set(rows) == set(TOLLFREE_REJECTIONS)
    for code, (description, resubmittable) in rows.items():
        info = clf.tollfree_rejection(code)
        assert info.known, code
        assert info.description == description, code
        assert info.resubmittable is resubmittable, code
        assert clf.tollfree_rejection(str(code)) == info


def test_rejection_table_range() -> None:
    assert min(TOLLFREE_REJECTIONS) == 30437
    assert max(TOLLFREE_REJECTIONS) == 30480


#: Codes whose correction the resubmission article covers (by its categories).
COVERED_ELIGIBLE = {30445, 30446, 30448, 30449, 30451, 30452, 30471, 30472, 30473}
COVERED_ELIGIBLE |= {30474, 30475, 30476, 30477, 30478, 30479}
COVERED_INELIGIBLE = {30441, 30442, 30443, 30444, 30455, 30456, 30457, 30458, 30459}
COVERED_INELIGIBLE |= {30460, 30461, 30462, 30463, 30464, 30465, 30466, 30467, 30468}
COVERED_INELIGIBLE |= {30469, 30470, 30480}


def test_correction_advice_per_code() -> None:
    assert set(TOLLFREE_CORRECTIONS) == COVERED_ELIGIBLE | COVERED_INELIGIBLE
    for code in COVERED_ELIGIBLE:
        assert TOLLFREE_REJECTIONS[code].resubmittable, code
    for code in COVERED_INELIGIBLE:
        assert not TOLLFREE_REJECTIONS[code].resubmittable, code
        assert "Not eligible" in clf.tollfree_rejection(code).correction
    for code, row in TOLLFREE_REJECTIONS.items():
        info = clf.tollfree_rejection(code)
        if code in TOLLFREE_CORRECTIONS:
            assert info.correction == TOLLFREE_CORRECTIONS[code]
        elif row.resubmittable:
            assert info.correction == GENERIC_CORRECTION_RESUBMITTABLE
        else:
            assert info.correction == GENERIC_CORRECTION_NOT_RESUBMITTABLE


def test_specific_corrections() -> None:
    assert "https" in clf.tollfree_rejection(30471).correction
    assert "MM/DD/YYYY" in clf.tollfree_rejection(30448).correction
    assert "shortener" in clf.tollfree_rejection(30449).correction.lower()
    assert "7 days" in clf.tollfree_rejection(30437).correction


def test_known_codes_ignore_edit_allowed() -> None:
    assert clf.tollfree_rejection(30441, True).resubmittable is False
    assert clf.tollfree_rejection(30446, False).resubmittable is True


@pytest.mark.parametrize(
    ("code", "family"),
    [
        (30481, "tfv-rejection-detail"),
        (30511, "tfv-rejection-detail"),
        (30546, "tfv-rejection-detail"),
        (30800, "verification-rejection"),
        (30824, "verification-rejection"),
        (30879, "verification-rejection"),
    ],
)
def test_newer_families_follow_edit_allowed(code: int, family: str) -> None:
    for edit_allowed, expected in ((True, True), (False, False), (None, False)):
        info = clf.tollfree_rejection(code, edit_allowed)
        assert info.family == family
        assert not info.known
        assert info.resubmittable is expected
        assert info.code == code
    assert clf.tollfree_rejection(str(code)).resubmittable is False
    assert clf.tollfree_rejection(code, "yes").resubmittable is False  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [30436, 30438, 30450, 30547, 30799, 30880, 12345])
def test_outside_every_family(code: int) -> None:
    info = clf.tollfree_rejection(code, True)
    assert not info.known
    assert info.family is None
    assert info.resubmittable is True
    assert clf.tollfree_rejection(code).resubmittable is False


# ---------------------------------------------------------------- HTTP
def _article_http_rows() -> list[tuple[int, str]]:
    if not API_ARTICLE.exists():
        pytest.skip(f"reference article {API_ARTICLE} is not present on this machine")
    text = API_ARTICLE.read_text(encoding="utf-8")
    start = text.index("Status Code | Error Message | Description |")
    rows = []
    for line in text[start:].splitlines()[2:]:
        m = re.match(r"(\d{3})(?: \([^)]*\))? \| (.+?) \| ", line)
        if not m:
            break
        rows.append((int(m.group(1)), m.group(2)))
    return rows


def test_http_errors_match_the_article() -> None:
    rows = _article_http_rows()
    assert {status for status, _ in rows} == {400, 404, 409, 422, 500}
    for status, message in rows:
        info = clf.http_error(status)
        assert info.known
        assert message in info.messages
        assert info.retryable is (status >= 500)


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (409, False), (422, False), (500, True)]
)
def test_http_error_meanings(status: int, retryable: bool) -> None:
    info = clf.http_error(status)
    assert info.known
    assert info.status == status
    assert info.retryable is retryable
    assert info.title
    assert info.action


def test_http_conflict_and_approved_edit() -> None:
    assert "in progress" in clf.http_error(409).description
    assert "Cannot edit an approved submission." in clf.http_error(400).messages


@pytest.mark.parametrize(("status", "retryable"), [(418, False), (502, True), (599, True)])
def test_http_unknown_status(status: int, retryable: bool) -> None:
    info = clf.http_error(status)
    assert not info.known
    assert info.status == status
    assert info.retryable is retryable


@pytest.mark.parametrize("status", [0, 99, 600, 70000, None, "abc", 4.0])
def test_http_malformed_status(status: object) -> None:
    info = clf.http_error(status)  # type: ignore[arg-type]
    assert not info.known
    assert info.status is None
    assert not info.retryable


def test_repr_and_values_are_frozen() -> None:
    assert repr(clf) == "ErrorCodeClassifier()"
    info = clf.classify(30003)
    with pytest.raises(AttributeError):
        info.code = 1  # type: ignore[misc]
