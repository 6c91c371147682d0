"""The result model of the report analysis, shared by the terminal, JSON and HTML outputs."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from inboxready.findings.model import Finding
from inboxready.reports.senders import SenderSignature
from inboxready.reports.store.queries import FailureSample, TlsFailureTotal, TlsPolicyTotal


class SourceGroup(enum.Enum):
    """How a source IP's mail relates to the domain (the issue's four groups)."""

    SENDER_PASSING = "declared-passing"
    SENDER_FAILING = "declared-failing"
    FORWARDER = "forwarder"
    UNAUTHORIZED = "unauthorized"

    @classmethod
    def from_text(cls, text: str) -> SourceGroup:
        return cls(text.strip().lower())

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class SourceStats:
    """One source IP over the selected reports; counts are messages."""

    ip: str
    messages: int
    dmarc_pass: int
    spf_aligned: int
    dkim_aligned: int
    #: Messages whose SPF / DKIM authenticated (any domain), aligned or not.
    spf_authenticated: int
    dkim_authenticated: int
    domains: tuple[str, ...]
    header_from: tuple[str, ...]
    envelope_domains: tuple[str, ...]
    dkim_signatures: tuple[tuple[str, str], ...]
    override_reasons: tuple[str, ...]
    dispositions: Mapping[str, int]
    ptr: str | None = None
    sender: str | None = None
    signature: SenderSignature | None = field(default=None, compare=False)
    match_evidence: str | None = None
    group: SourceGroup | None = None

    @property
    def dmarc_fail(self) -> int:
        return self.messages - self.dmarc_pass

    @property
    def pass_rate(self) -> float:
        return self.dmarc_pass / self.messages if self.messages else 1.0


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether a domain can take its next DMARC policy step (p=none → quarantine → reject)."""

    domain: str
    policy: str | None
    pct: int | None
    next_policy: str | None
    ready: bool
    legitimate_messages: int
    legitimate_pass: int
    unauthorized_messages: int
    #: (sender or IP, messages that would be quarantined/rejected) for wanted mail failing DMARC.
    would_hurt: tuple[tuple[str, int], ...]

    @property
    def hurt_messages(self) -> int:
        return sum(n for _, n in self.would_hurt)


@dataclass(frozen=True, slots=True)
class DayVolume:
    day: date
    messages: int
    dmarc_pass: int


@dataclass(frozen=True, slots=True)
class Summary:
    domain: str | None
    since: datetime | None
    until: datetime | None
    reports: int
    tls_reports: int
    failure_reports: int
    messages: int
    dmarc_pass: int
    quarantined: int
    quarantine_reasons: Mapping[str, int]
    policy_applied: Mapping[str, int]
    sources: tuple[SourceStats, ...]
    readiness: tuple[Readiness, ...]
    timeline: tuple[DayVolume, ...]
    tls_policies: tuple[TlsPolicyTotal, ...]
    tls_failures: tuple[TlsFailureTotal, ...]
    failure_samples: tuple[FailureSample, ...]
    findings: tuple[Finding, ...]
    #: Lookups that failed during enrichment (PTR, SPF includes), as "could not check" lines.
    unchecked: tuple[str, ...] = ()

    @property
    def dmarc_fail(self) -> int:
        return self.messages - self.dmarc_pass

    def group(self, group: SourceGroup) -> tuple[SourceStats, ...]:
        return tuple(s for s in self.sources if s.group is group)
