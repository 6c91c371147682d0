"""The Finding type and its severity scale."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @classmethod
    def from_text(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"severity must be error, warning or info, not {text!r}") from None

    def to_text(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """Higher is worse: error 3, warning 2, info 1."""
        return {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}[self]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    message: str
    fix: str = ""
    refs: tuple[str, ...] = ()
    #: Machine-readable details for JSON output (e.g. the corrected record, the lookup count).
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def area(self) -> str:
        return self.code.split("-", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "refs": list(self.refs),
        }
        if self.data:
            out["data"] = self.data
        return out


def worst_severity(findings: Iterable[Finding]) -> Severity | None:
    worst: Severity | None = None
    for f in findings:
        if worst is None or f.severity.rank > worst.rank:
            worst = f.severity
    return worst


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by area, code and subject (stable for output and tests)."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.area, f.code, f.subject))
