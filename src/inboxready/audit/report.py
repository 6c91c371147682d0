"""The result of auditing one domain: findings, per-area sections, and what could not be checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inboxready.audit.grade import Grade, grade
from inboxready.findings.model import Finding, Severity, sort_findings


@dataclass(frozen=True, slots=True)
class DomainReport:
    domain: str
    findings: tuple[Finding, ...]
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    unchecked: tuple[str, ...] = ()
    #: Number of DNS queries the audit asked of the resolver (cache hits included).
    dns_queries: int = 0

    @property
    def sorted_findings(self) -> list[Finding]:
        return sort_findings(self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def complete(self) -> bool:
        return not self.unchecked

    def exit_code(self, fail_on: Severity | None = Severity.ERROR) -> int:
        """3 when a DNS failure kept a check from completing, 1 for findings at or above `fail_on`."""
        if self.unchecked:
            return 3
        if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in self.findings):
            return 1
        return 0

    @property
    def grade(self) -> Grade:
        return grade(self.findings, self.complete)

    def to_dict(self) -> dict[str, Any]:
        g = self.grade
        out: dict[str, Any] = {
            "domain": self.domain,
            "grade": g.letter,
            "score": g.score,
            "findings": [f.to_dict() for f in self.sorted_findings],
            "summary": {s.value: self.count(s) for s in Severity},
            "complete": self.complete,
            "unchecked": list(self.unchecked),
            "dns_queries": self.dns_queries,
        }
        for area, section in self.sections.items():
            out[area] = dict(section)
        return out
