"""Data tables of the test kit: area codes, vocabularies, keyword noise.

Why one module: every generated value must be *valid* (a test kit that
produces numbers ``normalize_phone`` refuses, or samples the content linter
blocks, makes downstream tests fail for the wrong reason), so the raw material
is kept here, typed, with its source, and checked by
``tests/testing/test_strategies.py``. Importing this module needs neither
hypothesis nor pytest (the plugin and the helpers use it too).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

#: Start of the plugin's ``a2p_clock`` (and of the helpers' default clock):
#: Monday 2026-01-05 12:00 UTC, the same instant as the project's ``clock``
#: fixture, so examples read the same in both.
CLOCK_START: Final[datetime] = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

#: Geographic US area codes in service (a spread over the states, plus
#: Hawaii and Alaska). Source: NANPA area code assignments (nanpa.com,
#: "Area Code Map" / NPA reports); each one is also valid in phonenumbers'
#: metadata (checked by the test kit's own tests).
US_AREA_CODES: Final[tuple[str, ...]] = (
    "201", "202", "203", "205", "206", "207", "208", "212", "213", "214",
    "215", "216", "217", "301", "302", "303", "304", "305", "307", "310",
    "312", "313", "314", "316", "317", "401", "402", "404", "405", "406",
    "407", "408", "410", "412", "415", "501", "502", "503", "504", "505",
    "512", "513", "515", "601", "602", "603", "605", "608", "612", "614",
    "615", "617", "619", "646", "650", "701", "702", "703", "704", "713",
    "714", "718", "720", "801", "802", "808", "813", "816", "901", "907",
    "914", "919", "949", "972",
)  # fmt: skip

#: Geographic Canadian area codes in service (every province and territory).
#: Source: NANPA / CNAC (Canadian Numbering Administrator) area code list.
CA_AREA_CODES: Final[tuple[str, ...]] = (
    "204", "226", "236", "249", "250", "289", "306", "343", "365", "403",
    "416", "418", "431", "437", "438", "450", "506", "514", "519", "548",
    "579", "581", "587", "604", "613", "639", "647", "705", "709", "778",
    "780", "782", "807", "819", "825", "867", "873", "902", "905",
)  # fmt: skip

#: NANP central office codes (NXX) never handed out as ordinary numbers:
#: N11 service codes (211 ... 911), 555 (directory / fictional), 950 and
#: 958/959 (carrier access and test), 976 (premium). Source: NANPA, "Central
#: Office Code Assignment Guidelines", reserved codes.
RESERVED_EXCHANGES: Final[frozenset[int]] = frozenset(
    {211, 311, 411, 511, 611, 711, 811, 911, 555, 950, 958, 959, 976}
)

#: Every ordinary NANP exchange (N = 2-9), in ascending order (shrinks to 200).
EXCHANGES: Final[tuple[int, ...]] = tuple(
    n for n in range(200, 1000) if n not in RESERVED_EXCHANGES
)

#: Words for brand names: neutral on purpose (no SHAFT or disallowed-content
#: vocabulary of :mod:`a2p_policy._content.vocabulary`, no "test"/"N/A"
#: answers of :data:`a2p_policy._tollfree.precheck.NOT_AN_ANSWER`).
BRAND_FIRST_WORDS: Final[tuple[str, ...]] = (
    "Acme", "Northwind", "Maple", "Summit", "Cedar", "Riverside", "Bluebird",
    "Pinecrest", "Lakeside", "Harbor", "Oakridge", "Sunrise", "Granite",
    "Willow", "Redwood", "Meadow",
)  # fmt: skip

BRAND_SECOND_WORDS: Final[tuple[str, ...]] = (
    "Dental", "Plumbing", "Bakery", "Bookstore", "Auto Repair", "Fitness",
    "Florist", "Landscaping", "Pet Grooming", "Hardware", "Cleaners",
    "Optometry", "Tailoring", "Roofing",
)  # fmt: skip

#: Legal suffixes for toll-free business names (precheck strips them).
LEGAL_SUFFIXES: Final[tuple[str, ...]] = ("", " LLC", " Inc.", " Co.", " Ltd.")

#: Transactional message templates with no finding the linter blocks: no
#: links, no regulated goods; ``{n}``, ``{day}``, ``{time}`` are filled in.
#: Shapes from sources.md [tfv-api] ("Production
#: Message Sample": order updates, appointment reminders, codes).
NOTIFICATION_TEMPLATES: Final[tuple[str, ...]] = (
    "Your order {n} has shipped and should arrive on {day}.",
    "Reminder: your appointment is on {day} at {time}.",
    "Your verification code is {n}. It expires in 10 minutes.",
    "Your repair is finished. Pick it up any day after {time}.",
    "We received your payment for invoice {n}. Thank you!",
    "Your reservation for {day} at {time} is confirmed.",
    "Your package {n} was delivered today at {time}.",
    "Your prescription glasses are ready for pickup on {day}.",
)

DAYS: Final[tuple[str, ...]] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)  # fmt: skip

TIMES: Final[tuple[str, ...]] = ("9:00 AM", "10:30 AM", "1:15 PM", "4:45 PM", "6:00 PM")

#: What a toll-free use-case summary says the messages are, per category.
#: Source: sources.md [tfv-api] ("Use Case
#: Summary": say who receives what and why).
SUMMARY_SUBJECTS: Final[tuple[str, ...]] = (
    "order confirmations and delivery updates",
    "appointment reminders and schedule changes",
    "one-time passcodes for signing in to their accounts",
    "service status updates and repair notices",
    "account notifications about payments and invoices",
)

#: Opt-in page paths (public sign-up pages, never a login wall or a home page;
#: compliance API article, "Opt-In Image URLs").
OPT_IN_PATHS: Final[tuple[str, ...]] = (
    "sms-signup",
    "text-alerts",
    "join-sms",
    "images/opt-in-form.png",
    "opt-in/screenshot.jpg",
)

#: Ordinary replies that are no keyword at all (classified NONE).
PLAIN_REPLIES: Final[tuple[str, ...]] = (
    "Thanks",
    "Thanks, see you then",
    "ok",
    "What time?",
    "Sounds good",
    "Can I reschedule to Friday?",
    "Got it",
    "Who is this?",
    "See you tomorrow",
)

#: Noise around a keyword that keeps it an EXACT match: surrounding white
#: space, punctuation, quotes and an emoji (sources.md: keywords: keywords are
#: matched case-insensitively, ignoring surrounding punctuation).
KEYWORD_PREFIXES: Final[tuple[str, ...]] = ("", " ", "  ", "\n", '"', "'", "*", "(")
KEYWORD_SUFFIXES: Final[tuple[str, ...]] = (
    "", " ", ".", "!", "!!", "?", "\n", '"', "'", ")", " \U0001f64f", " ...",
)  # fmt: skip

#: Characters outside the GSM 03.38 alphabet (force UCS-2): typographic
#: quotes and dashes, accented letters missing from GSM, Cyrillic, CJK and
#: emoji (astral, two UTF-16 units). Source: 3GPP TS 23.038 (the alphabet is
#: in :mod:`a2p_policy._compose.segments`).
UCS2_ONLY: Final[str] = (
    "\u2019\u201c\u201d\u2014\u2026\u00e1\u00ed\u00f3\u00fa\u00e7\u00ea\u00f4"
    "\u043f\u0440\u0438\u0432\u0435\u0442\u4e2d\u6587\U0001f600\U0001f389\U0001f44d"
)
