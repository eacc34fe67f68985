"""Quiet-hours rule packs: the federal window and the stricter state laws.

sources.md: quiet hours ("beyond the articles"): these rules are not in the
reference articles; every pack below cites the statute it encodes, and a
state gets a pack only once its statute is cited here. The citations are for
orientation, not legal advice: have counsel confirm them for your program.

Each pack gives, for every weekday (Monday first), the local-time window in
which marketing messages may be sent, its effective date (the pack is not
applied to local dates before it) and, where the law has one, a cap on
marketing messages per contact per rolling 24 hours.

The area-code table maps the area codes of the pack states to their state
(North American Numbering Plan assignments, overlays included), so a number
falls under its state's pack unless the caller knows the contact's address
(``state=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import attrs

from a2p_policy._validation import CA_PROVINCE_CODES
from a2p_policy._validation import US_STATE_CODES as _US_STATE_CODES

__all__ = [
    "AREA_CODE_STATES",
    "CA_PROVINCE_CODES",
    "FEDERAL_TCPA",
    "FLORIDA",
    "MARYLAND",
    "OKLAHOMA",
    "STATE_PACKS",
    "TEXAS",
    "US_STATE_CODES",
    "QuietHoursPack",
]

#: (start, end) in minutes after local midnight; the end is exclusive.
MinuteWindow = tuple[int, int]


def _h(start: int, end: int) -> MinuteWindow:
    return (start * 60, end * 60)


@attrs.frozen(slots=True)
class QuietHoursPack:
    """One jurisdiction's marketing-hours rule.

    ``windows`` has seven entries, Monday first; None forbids the whole day.
    """

    code: str
    name: str
    citation: str
    windows: tuple[MinuteWindow | None, ...]
    effective_from: date | None = None
    max_marketing_per_24h: int | None = None

    def __attrs_post_init__(self) -> None:
        if len(self.windows) != 7:
            raise ValueError("a pack needs exactly seven daily windows, Monday first")
        for w in self.windows:
            if w is not None and not 0 <= w[0] < w[1] <= 24 * 60:
                raise ValueError(f"bad window {w!r} in pack {self.code}")
        if self.max_marketing_per_24h is not None and self.max_marketing_per_24h < 1:
            raise ValueError("max_marketing_per_24h must be >= 1 or None")

    def applies_on(self, day: date) -> bool:
        """True if the pack is in force on the local date ``day``."""
        return self.effective_from is None or day >= self.effective_from

    def window_on(self, day: date) -> MinuteWindow | None:
        """The allowed window on local date ``day``."""
        return self.windows[day.weekday()]


#: Federal: Telephone Consumer Protection Act rules, 47 C.F.R.
#: § 64.1200(c)(1): no telephone solicitation before 8:00 or after 21:00 at
#: the called party's location. The FCC treats text messages as calls.
FEDERAL_TCPA = QuietHoursPack(
    code="US",
    name="Federal TCPA",
    citation="47 U.S.C. § 227; 47 C.F.R. § 64.1200(c)(1)",
    windows=(_h(8, 21),) * 7,
)


def _mini_tcpa(code: str, name: str, citation: str, effective_from: date) -> QuietHoursPack:
    """A state telephone solicitation act of the 2021-2024 kind: 8:00-20:00
    every day and at most three solicitations on the same subject per 24 h."""
    return QuietHoursPack(
        code=code,
        name=name,
        citation=citation,
        windows=(_h(8, 20),) * 7,
        effective_from=effective_from,
        max_marketing_per_24h=3,
    )


#: Florida Telephone Solicitation Act as amended in 2021 (HB 1029): 8:00-20:00
#: and at most three commercial solicitations on the same subject per 24 h.
FLORIDA = _mini_tcpa(
    "FL",
    "Florida Telephone Solicitation Act (FTSA)",
    "Fla. Stat. § 501.059 (FTSA) and § 501.616(6), as amended by Laws of Fla. 2021-174",
    date(2021, 7, 1),
)

#: Oklahoma Telephone Solicitation Act of 2022 (HB 3168): 8:00-20:00 and at
#: most three solicitations on the same subject per 24 h, from 2022-11-01.
OKLAHOMA = _mini_tcpa(
    "OK",
    "Oklahoma Telephone Solicitation Act (OTSA)",
    "Okla. Stat. tit. 15, § 775C.1 et seq.",
    date(2022, 11, 1),
)

#: Maryland Stop the Spam Calls Act of 2023 (SB 90): 8:00-20:00 and at most
#: three solicitations on the same subject per 24 h, from 2024-01-01.
MARYLAND = _mini_tcpa(
    "MD",
    "Maryland Stop the Spam Calls Act",
    "Md. Code Ann., Com. Law § 14-4501 et seq.",
    date(2024, 1, 1),
)

#: Texas SB 140 (2025) brings text messages under the telephone-solicitation
#: chapters; calling hours: Monday-Saturday 9:00-21:00, Sunday 12:00-21:00
#: (Tex. Bus. & Com. Code § 301.051), private action § 305.053.
TEXAS = QuietHoursPack(
    code="TX",
    name="Texas SB 140 (telephone solicitation by text)",
    citation="Tex. S.B. 140, 89th Leg. (2025); Tex. Bus. & Com. Code §§ 301.051, 305.053",
    windows=(_h(9, 21),) * 6 + (_h(12, 21),),
    effective_from=date(2025, 9, 1),
)

#: The state packs applied by default, by two-letter state code.
STATE_PACKS: Mapping[str, QuietHoursPack] = MappingProxyType(
    {p.code: p for p in (FLORIDA, OKLAHOMA, MARYLAND, TEXAS)}
)


def _codes(state: str, codes: str) -> dict[str, str]:
    return dict.fromkeys(codes.split(), state)


#: NANP area codes of the pack states (source: NANPA area code assignments,
#: overlays included as of 2025).
AREA_CODE_STATES: Mapping[str, str] = MappingProxyType(
    {
        **_codes(
            "FL",
            "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 "
            "813 850 863 904 941 954",
        ),
        **_codes("OK", "405 539 572 580 918"),
        **_codes("MD", "227 240 301 410 443 667"),
        **_codes(
            "TX",
            "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 "
            "817 830 832 903 915 936 940 945 956 972 979",
        ),
    }
)

#: Two-letter codes of the 50 states, DC and the inhabited territories (the
#: single definition lives in :mod:`a2p_policy._validation`, which also accepts
#: Canadian provinces: ``CA_PROVINCE_CODES``; no pack applies to a province
#: unless one is configured for its code).
US_STATE_CODES: frozenset[str] = _US_STATE_CODES
