"""Read-side queries for the analysis: aggregation happens in SQL, rows come back small.

A report is selected when its date range overlaps [since, until) and, with a domain, when its
policy domain is that domain. Counts are messages (the sum of aggregate record counts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.engine import Connection

from inboxready.reports.parse.model import ReportKind
from inboxready.reports.store.models import (
    AggregateRow,
    FailureRow,
    QuarantineRow,
    Report,
    TlsFailureRow,
    TlsPolicyRow,
)
from inboxready.reports.store.store import DKIM_FIELDS, REASON_FIELDS, SPF_FIELDS


@dataclass(frozen=True, slots=True)
class ReportFilter:
    domain: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def clause(self, kind: ReportKind) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = [Report.kind == kind.value]
        if self.domain:
            parts.append(Report.domain == self.domain.lower().rstrip("."))
        if self.since is not None:
            parts.append(Report.date_end >= self.since)
        if self.until is not None:
            parts.append(Report.date_begin < self.until)
        return and_(*parts)


@dataclass(frozen=True, slots=True)
class RecordGroup:
    """Records sharing everything the analysis looks at, their counts summed."""

    domain: str
    source_ip: str
    header_from: str
    envelope_from: str
    disposition: str
    dkim: str
    spf: str
    reasons: tuple[dict[str, str], ...]
    dkim_auth: tuple[dict[str, str], ...]
    spf_auth: tuple[dict[str, str], ...]
    messages: int


def _decode(text: str, fields: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    """A stored JSON list of lists (see store.DKIM_FIELDS...) as dicts by field name."""
    if not text:
        return ()
    value: Any = json.loads(text)
    if not isinstance(value, list):
        return ()
    return tuple({k: v for k, v in zip(fields, item, strict=False) if v} for item in value if isinstance(item, list))


def record_groups(connection: Connection, where: ReportFilter) -> Iterator[RecordGroup]:
    columns = (
        Report.domain, AggregateRow.source_ip, AggregateRow.header_from, AggregateRow.envelope_from,
        AggregateRow.disposition, AggregateRow.dkim, AggregateRow.spf, AggregateRow.reasons,
        AggregateRow.dkim_auth, AggregateRow.spf_auth,
    )
    query = (
        select(*columns, func.sum(AggregateRow.count))
        .join(Report, Report.id == AggregateRow.report_pk)
        .where(where.clause(ReportKind.AGGREGATE))
        .group_by(*columns)
    )
    for row in connection.execute(query):
        yield RecordGroup(
            domain=row[0], source_ip=row[1], header_from=row[2], envelope_from=row[3], disposition=row[4],
            dkim=row[5], spf=row[6], reasons=_decode(row[7], REASON_FIELDS),
            dkim_auth=_decode(row[8], DKIM_FIELDS), spf_auth=_decode(row[9], SPF_FIELDS),
            messages=int(row[10] or 0),
        )


def report_counts(connection: Connection, where: ReportFilter) -> dict[ReportKind, int]:
    return {
        kind: int(connection.execute(select(func.count(Report.id)).where(where.clause(kind))).scalar_one())
        for kind in ReportKind
    }


@dataclass(frozen=True, slots=True)
class ReportVolume:
    domain: str
    begin: datetime
    end: datetime
    policy_p: str | None
    policy_pct: int | None
    messages: int
    dmarc_pass: int


def report_volumes(connection: Connection, where: ReportFilter) -> list[ReportVolume]:
    """Per aggregate report: its dates, published policy and message/pass counts."""
    passing = func.sum(
        case((or_(AggregateRow.dkim == "pass", AggregateRow.spf == "pass"), AggregateRow.count), else_=0)
    )
    query = (
        select(Report.domain, Report.date_begin, Report.date_end, Report.policy_p, Report.policy_pct,
               Report.message_count, passing)
        .outerjoin(AggregateRow, AggregateRow.report_pk == Report.id)
        .where(where.clause(ReportKind.AGGREGATE))
        .group_by(Report.id, Report.domain, Report.date_begin, Report.date_end, Report.policy_p, Report.policy_pct,
                  Report.message_count)
        .order_by(Report.date_begin)
    )
    return [
        ReportVolume(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0), int(r[6] or 0))
        for r in connection.execute(query)
    ]


def quarantine_reasons(connection: Connection) -> dict[str, int]:
    query = select(QuarantineRow.reason, func.count(QuarantineRow.id)).group_by(QuarantineRow.reason)
    return {reason: int(count) for reason, count in connection.execute(query)}


@dataclass(frozen=True, slots=True)
class TlsPolicyTotal:
    policy_domain: str
    policy_type: str
    successful_sessions: int
    failed_sessions: int


@dataclass(frozen=True, slots=True)
class TlsFailureTotal:
    policy_domain: str
    policy_type: str
    receiving_mx_hostname: str
    result_type: str
    failed_sessions: int


def tls_totals(connection: Connection, where: ReportFilter) -> tuple[list[TlsPolicyTotal], list[TlsFailureTotal]]:
    base = where.clause(ReportKind.TLS)
    policies = connection.execute(
        select(TlsPolicyRow.policy_domain, TlsPolicyRow.policy_type, func.sum(TlsPolicyRow.successful_sessions),
               func.sum(TlsPolicyRow.failed_sessions))
        .join(Report, Report.id == TlsPolicyRow.report_pk).where(base)
        .group_by(TlsPolicyRow.policy_domain, TlsPolicyRow.policy_type)
        .order_by(TlsPolicyRow.policy_domain, TlsPolicyRow.policy_type)
    )
    failures = connection.execute(
        select(TlsPolicyRow.policy_domain, TlsPolicyRow.policy_type, TlsFailureRow.receiving_mx_hostname,
               TlsFailureRow.result_type, func.sum(TlsFailureRow.failed_session_count))
        .join(TlsPolicyRow, TlsPolicyRow.id == TlsFailureRow.policy_pk)
        .join(Report, Report.id == TlsPolicyRow.report_pk).where(base)
        .group_by(TlsPolicyRow.policy_domain, TlsPolicyRow.policy_type, TlsFailureRow.receiving_mx_hostname,
                  TlsFailureRow.result_type)
    )
    return (
        [TlsPolicyTotal(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in policies],
        sorted(
            (TlsFailureTotal(r[0], r[1], r[2], r[3], int(r[4] or 0)) for r in failures),
            key=lambda f: (-f.failed_sessions, f.policy_domain, f.receiving_mx_hostname, f.result_type),
        ),
    )


@dataclass(frozen=True, slots=True)
class FailureSample:
    domain: str
    source_ip: str
    arrival_date: datetime | None
    auth_failure: str
    original_from: str
    subject: str


def failure_samples(connection: Connection, where: ReportFilter, limit: int = 20) -> list[FailureSample]:
    query = (
        select(Report.domain, FailureRow.source_ip, FailureRow.arrival_date, FailureRow.auth_failure,
               FailureRow.original_from, FailureRow.subject)
        .join(Report, Report.id == FailureRow.report_pk)
        .where(where.clause(ReportKind.FAILURE))
        .order_by(Report.date_begin.desc())
        .limit(limit)
    )
    return [FailureSample(*row) for row in connection.execute(query)]
