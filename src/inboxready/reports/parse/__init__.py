"""Parsing DMARC aggregate, DMARC failure and SMTP TLS reports from hostile input.

`extract(name, source, limits)` turns one input (file, attachment, message) into reports or
refusals; the parsers for each format are pure and return frozen dataclasses.
"""

from inboxready.reports.parse.aggregate import AggregateStream, parse_aggregate
from inboxready.reports.parse.containers import extract
from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.items import AggregateItem, Extracted, FailureItem, Rejected, TlsItem
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.parse.model import (
    AggregateHeader,
    AggregateRecord,
    DateRange,
    Disposition,
    DkimAuth,
    DkimResult,
    DmarcResult,
    FailureReport,
    PolicyOverride,
    PolicyPublished,
    ReportKind,
    SpfAuth,
    SpfResult,
    TlsFailureDetail,
    TlsPolicy,
    TlsReport,
)
from inboxready.reports.parse.tls import parse_tls_report

__all__ = [
    "DEFAULT_LIMITS",
    "AggregateHeader",
    "AggregateItem",
    "AggregateRecord",
    "AggregateStream",
    "DateRange",
    "DkimAuth",
    "DkimResult",
    "Disposition",
    "DmarcResult",
    "Extracted",
    "FailureItem",
    "FailureReport",
    "Limits",
    "PolicyOverride",
    "PolicyPublished",
    "QuarantineReason",
    "Rejected",
    "ReportKind",
    "ReportRejected",
    "SpfAuth",
    "SpfResult",
    "TlsFailureDetail",
    "TlsItem",
    "TlsPolicy",
    "TlsReport",
    "extract",
    "parse_aggregate",
    "parse_tls_report",
]
