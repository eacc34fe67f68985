"""MessageComposer: append only when missing, policies, idempotence, segments."""

from __future__ import annotations

import contextlib
import enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2p_policy._compose.composer import AppendPolicy, MessageComposer
from a2p_policy._compose.segments import count_segments
from a2p_policy._content.linter import ContentLinter
from a2p_policy._errors import A2PPolicyError, ConfigurationError, InvalidArgument


class Kind(enum.Enum):
    BULK = "bulk"
    WORKFLOW = "workflow"
    CONVERSATION = "conversation"


@pytest.fixture
def composer() -> MessageComposer:
    return MessageComposer("ABC Dental")


def test_appends_both_when_missing(composer: MessageComposer) -> None:
    result = composer.compose("Your cleaning is tomorrow at 10am.")
    assert result.body == (
        "Your cleaning is tomorrow at 10am.\nThanks, ABC Dental\nReply STOP to unsubscribe"
    )
    assert result.appended == ("Thanks, ABC Dental", "Reply STOP to unsubscribe")
    assert result.segments == count_segments(result.body)
    assert result.segments_before == count_segments("Your cleaning is tomorrow at 10am.")
    assert not result.added_segment


@pytest.mark.parametrize(
    "body",
    [
        "abc dental: your cleaning is tomorrow. Reply STOP to unsubscribe",
        "ABCDENTAL reminder: cleaning tomorrow. Text STOP to cancel",
        "A.B.C. Dental: cleaning tomorrow. STOP to opt out",
        "Cleaning tomorrow - ABC  Dental. Opt out: STOP",
        "From ABC Dental: cleaning tomorrow. If you need to opt out, reply STOP.",
    ],
)
def test_nothing_appended_when_present(composer: MessageComposer, body: str) -> None:
    result = composer.compose(body)
    assert result.body == body
    assert result.appended == ()


def test_only_missing_part_is_appended(composer: MessageComposer) -> None:
    result = composer.compose("ABC Dental: cleaning tomorrow.")
    assert result.appended == ("Reply STOP to unsubscribe",)
    result = composer.compose("Cleaning tomorrow. Reply STOP to unsubscribe")
    assert result.appended == ("Thanks, ABC Dental",)


def test_follow_ups_are_left_alone(composer: MessageComposer) -> None:
    result = composer.compose("See you at 3!", initial=False)
    assert result.body == "See you at 3!"
    assert result.appended == ()


def test_bulk_only_policy_reproduces_platform() -> None:
    composer = MessageComposer("ABC Dental", policy=AppendPolicy.bulk_only())
    assert composer.compose("Hi", kind="BULK").appended
    assert composer.compose("Hi", kind=Kind.BULK).appended
    assert composer.compose("Hi", kind="bulk").appended
    assert not composer.compose("Hi", kind=Kind.WORKFLOW).appended
    assert not composer.compose("Hi", kind="CAMPAIGN").appended
    assert not composer.compose("Hi", kind="conversation").appended
    assert composer.compose("Hi", kind=None).appended  # unknown kind: fail closed
    assert not composer.compose("Hi", kind="BULK", initial=False).appended


def test_default_policy_covers_every_kind(composer: MessageComposer) -> None:
    for kind in ("BULK", "WORKFLOW", "CAMPAIGN", "MISSED_CALL_TEXT_BACK", "REVIEW_REQUEST"):
        assert composer.compose("Hi", kind=kind).appended


def test_always_policy_appends_on_follow_ups() -> None:
    composer = MessageComposer("ABC", policy=AppendPolicy.always())
    assert composer.compose("Hi", initial=False).appended


def test_custom_templates() -> None:
    composer = MessageComposer(
        "Bloom", sender_id_template="- {brand} team", opt_out_text="Text END to quit"
    )
    result = composer.compose("Tulips are in!")
    assert result.body == "Tulips are in!\n- Bloom team\nText END to quit"


def test_separator_space() -> None:
    composer = MessageComposer("Bloom", separator=" ")
    assert composer.compose("Hi.").body == "Hi. Thanks, Bloom Reply STOP to unsubscribe"


def test_reports_added_segment_and_picks_shorter_wording() -> None:
    composer = MessageComposer("ABC Dental")
    body = "x" * 120
    result = composer.compose(body)
    # The default wording would need 120+1+18+1+25 = 165 > 160; a shorter one fits.
    assert result.segments.segments == 1
    assert not result.added_segment
    assert result.body.startswith(body)
    assert result.appended != ("Thanks, ABC Dental", "Reply STOP to unsubscribe")
    assert len(result.body) <= 160
    # With no alternatives, the append adds a segment and says so.
    strict = MessageComposer("ABC Dental", opt_out_alternatives=(), sender_id_alternatives=())
    result = strict.compose(body)
    assert result.added_segment
    assert result.segments_before.segments == 1
    assert result.segments.segments == 2
    assert any("adds 1 segment" in w for w in result.warnings)


def test_keeps_default_wording_when_no_segment_saved(composer: MessageComposer) -> None:
    result = composer.compose("x" * 300)
    assert result.appended == ("Thanks, ABC Dental", "Reply STOP to unsubscribe")


def test_warns_about_ucs2_characters(composer: MessageComposer) -> None:
    result = composer.compose("We\u2019re open late tonight \u2014 come by! " + "x" * 40)
    assert result.segments.encoding == "UCS-2"
    assert any("force UCS-2" in w for w in result.warnings)


def test_empty_body(composer: MessageComposer) -> None:
    result = composer.compose("")
    assert result.body == "Thanks, ABC Dental\nReply STOP to unsubscribe"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sender_id_template": "Thanks!"},  # does not name the brand
        {"opt_out_text": "Reply NO MORE"},  # not a standard keyword
        {"opt_out_text": ""},
        {"separator": "|"},
        {"separator": ""},
        {"opt_out_alternatives": 5},
        {"sender_id_alternatives": "x"},
        {"opt_out_alternatives": ("bye",)},
        {"policy": "bulk"},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        MessageComposer("ABC", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("brand", ["", "   ", "!!!", None, 5, "x" * 300])
def test_bad_brand(brand: object) -> None:
    with pytest.raises(ConfigurationError):
        MessageComposer(brand)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda c: c.compose(None), InvalidArgument),
        (lambda c: c.compose("x", initial="yes"), InvalidArgument),
        (lambda c: c.compose("x", kind=3), InvalidArgument),
        (lambda c: c.compose("x", kind=""), InvalidArgument),
        (lambda c: c.compose("x", kind="not a kind!"), InvalidArgument),
    ],
)
def test_bad_arguments(composer: MessageComposer, call: object, exc: type[Exception]) -> None:
    assert callable(call)
    with pytest.raises(exc):
        call(composer)


def test_append_policy_validation() -> None:
    with pytest.raises(ConfigurationError):
        AppendPolicy(kinds="BULK")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        AppendPolicy(initial_only="no")  # type: ignore[arg-type]
    assert AppendPolicy(kinds=frozenset({"bulk"})).kinds == frozenset({"BULK"})


def test_composed_initial_message_passes_linter_checks(composer: MessageComposer) -> None:
    result = composer.compose("Your cleaning is tomorrow at 10am.")
    rules = {f.rule for f in ContentLinter().lint(result.body, brand="ABC Dental")}
    assert "sender.missing" not in rules
    assert "optout.missing" not in rules


brands = st.sampled_from(["ABC Dental", "Bloom", "Café Olé", "Smith & Sons LLC", "X1"])
bodies = st.text(max_size=250) | st.sampled_from(
    ["", " ", "reply", "Thanks,", "STOP", "ABC", "x" * 155, "Hi\n", "end-to-end"]
)


@settings(max_examples=150)
@given(brands, bodies, st.booleans())
def test_compose_properties(brand: str, body: str, initial: bool) -> None:
    composer = MessageComposer(brand)
    once = composer.compose(body, initial=initial)
    assert once.body.startswith(body)
    assert body in once.body
    twice = composer.compose(once.body, initial=initial)
    assert twice.body == once.body
    assert twice.appended == ()
    assert once.segments == count_segments(once.body)
    assert once.segments.segments >= once.segments_before.segments
    if initial:
        missing_sender, missing_opt_out = composer.needs(once.body)
        assert not missing_sender
        assert not missing_opt_out


@settings(max_examples=100)
@given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=20), st.integers()))
def test_compose_fuzz_never_raises_foreign_errors(body: str, kind: object) -> None:
    composer = MessageComposer("Bloom")
    with contextlib.suppress(A2PPolicyError):
        composer.compose(body, kind=kind)


def test_segment_figures_keep_emoji_whole() -> None:
    """Issue 19: the append lands the message at 132 UTF-16 units; cutting
    only between whole characters (👍🏽 is 4 units) needs 3 parts, not 2."""
    strict = MessageComposer("ABC Dental", opt_out_alternatives=(), sender_id_alternatives=())
    body = "ж" * 64 + "👍🏽" + "ж" * 19
    result = strict.compose(body)
    assert result.body == body + "\nThanks, ABC Dental\nReply STOP to unsubscribe"
    assert result.segments.units == 132
    assert result.segments == count_segments(result.body)
    assert result.segments_before.segments == 2
    assert result.segments.segments == 3
    assert result.added_segment
    assert any("adds 1 segment" in w for w in result.warnings)
