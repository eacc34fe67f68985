"""Findings: what a rule reports about a text, a form or a request.

Shared by the content linter, the consent audits and the toll-free
pre-submission check, so callers handle every report the same way.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Finding", "Severity"]


class Severity(enum.Enum):
    """How serious a finding is: BLOCK stops a send, WARN and INFO inform."""

    BLOCK = "BLOCK"
    WARN = "WARN"
    INFO = "INFO"


@attrs.frozen(slots=True)
class Finding:
    """One rule's report.

    ``rule`` is a stable dotted id (``"url.shortener"``, ``"optin.stop"``),
    ``tfv_code`` the toll-free rejection code a reviewer would give for it
    (None when there is none), ``field`` the request field or text part the
    finding is about (when relevant), ``fix`` what to do about it.
    """

    rule: str
    severity: Severity
    message: str
    tfv_code: int | None = None
    field: str | None = None
    fix: str | None = None
    span: tuple[int, int] | None = None

    def __str__(self) -> str:
        code = f" [{self.tfv_code}]" if self.tfv_code else ""
        return f"{self.severity.value} {self.rule}{code}: {self.message}"
