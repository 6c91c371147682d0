"""What a parsed report is: frozen, slotted dataclasses; timestamps are timezone-aware UTC.

Aggregate reports: RFC 7489 appendix C and RFC 9990 (DMARCbis aggregate reporting). Failure
reports: RFC 6591 (ARF authentication failure) as used by RFC 7489 section 7.3 / RFC 9991. SMTP TLS
reports: RFC 8460 section 4.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class _TextEnum(enum.Enum):
    @classmethod
    def from_text(cls, text: str) -> _TextEnum:
        return cls(text.strip().lower())

    def to_text(self) -> str:
        return str(self.value)


class ReportKind(_TextEnum):
    AGGREGATE = "aggregate"
    FAILURE = "failure"
    TLS = "tls"


class Disposition(_TextEnum):
    """policy_evaluated/disposition; RFC 9990 adds "pass" (no policy applied, message passed)."""

    NONE = "none"
    PASS = "pass"
    QUARANTINE = "quarantine"
    REJECT = "reject"


class DmarcResult(_TextEnum):
    PASS = "pass"
    FAIL = "fail"


class DkimResult(_TextEnum):
    NONE = "none"
    PASS = "pass"
    FAIL = "fail"
    POLICY = "policy"
    NEUTRAL = "neutral"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


class SpfResult(_TextEnum):
    NONE = "none"
    NEUTRAL = "neutral"
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


@dataclass(frozen=True, slots=True)
class DateRange:
    begin: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PolicyPublished:
    domain: str
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    adkim: str | None = None
    aspf: str | None = None
    pct: int | None = None
    fo: str | None = None
    testing: str | None = None
    discovery_method: str | None = None


@dataclass(frozen=True, slots=True)
class AggregateHeader:
    """Everything of an aggregate report but its records (which are streamed)."""

    org_name: str
    report_id: str
    date_range: DateRange
    policy: PolicyPublished
    email: str = ""
    extra_contact_info: str = ""
    version: str = ""
    generator: str = ""
    errors: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.policy.domain


@dataclass(frozen=True, slots=True)
class PolicyOverride:
    type: str
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DkimAuth:
    domain: str
    result: DkimResult
    selector: str = ""
    human_result: str = ""


@dataclass(frozen=True, slots=True)
class SpfAuth:
    domain: str
    result: SpfResult
    scope: str = ""
    human_result: str = ""


@dataclass(frozen=True, slots=True)
class AggregateRecord:
    source_ip: str
    count: int
    disposition: Disposition
    dkim: DmarcResult
    spf: DmarcResult
    header_from: str
    envelope_from: str = ""
    envelope_to: str = ""
    reasons: tuple[PolicyOverride, ...] = ()
    dkim_auth: tuple[DkimAuth, ...] = ()
    spf_auth: tuple[SpfAuth, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim is DmarcResult.PASS or self.spf is DmarcResult.PASS


@dataclass(frozen=True, slots=True)
class FailureReport:
    """One RFC 6591 authentication-failure report (an ARF message/feedback-report)."""

    org_name: str
    report_id: str
    domain: str
    arrival_date: datetime | None
    #: The Date: of the report message itself.
    report_date: datetime | None = None
    feedback_type: str = "auth-failure"
    user_agent: str = ""
    source_ip: str = ""
    auth_failure: str = ""
    identity_alignment: str = ""
    delivery_result: str = ""
    dkim_domain: str = ""
    dkim_selector: str = ""
    original_mail_from: str = ""
    original_rcpt_to: str = ""
    authentication_results: str = ""
    original_from: str = ""
    subject: str = ""
    original_headers: str = ""


@dataclass(frozen=True, slots=True)
class TlsFailureDetail:
    result_type: str
    failed_session_count: int
    sending_mta_ip: str = ""
    receiving_mx_hostname: str = ""
    receiving_mx_helo: str = ""
    receiving_ip: str = ""
    additional_information: str = ""
    failure_reason_code: str = ""


@dataclass(frozen=True, slots=True)
class TlsPolicy:
    policy_type: str
    policy_domain: str
    successful_sessions: int
    failed_sessions: int
    policy_strings: tuple[str, ...] = ()
    mx_hosts: tuple[str, ...] = ()
    failures: tuple[TlsFailureDetail, ...] = ()


@dataclass(frozen=True, slots=True)
class TlsReport:
    org_name: str
    report_id: str
    date_range: DateRange
    policies: tuple[TlsPolicy, ...]
    contact_info: str = ""

    @property
    def domain(self) -> str:
        return self.policies[0].policy_domain if self.policies else ""
