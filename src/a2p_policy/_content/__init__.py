"""Content rules: the linter, its vocabularies and the snowshoe detector."""

from a2p_policy._content.identify import has_opt_out, has_sender_id
from a2p_policy._content.linter import RULES, ContentLinter
from a2p_policy._content.normalize import NormalizedText, normalize_text
from a2p_policy._content.snowshoe import SnowshoeDetector, fingerprint
from a2p_policy._content.vocabulary import (
    CATEGORIES,
    COLD_OUTREACH,
    EVASION_WATCHWORDS,
    OPT_OUT_KEYWORDS,
    OPT_OUT_PATTERNS,
    URL_SHORTENERS,
    Category,
    Near,
    load_phrase_table,
)
from a2p_policy._findings import Finding, Severity

__all__ = [
    "CATEGORIES",
    "COLD_OUTREACH",
    "EVASION_WATCHWORDS",
    "OPT_OUT_KEYWORDS",
    "OPT_OUT_PATTERNS",
    "RULES",
    "URL_SHORTENERS",
    "Category",
    "ContentLinter",
    "Finding",
    "Near",
    "NormalizedText",
    "Severity",
    "SnowshoeDetector",
    "fingerprint",
    "has_opt_out",
    "has_sender_id",
    "load_phrase_table",
    "normalize_text",
]
