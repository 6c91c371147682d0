"""What extraction yields for one input: reports to store, or refusals to quarantine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inboxready.reports.parse.aggregate import AggregateStream
from inboxready.reports.parse.errors import QuarantineReason
from inboxready.reports.parse.model import FailureReport, TlsReport


def _no_evidence() -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class AggregateItem:
    """An aggregate report being streamed; consume `stream.records()` before the next item."""

    name: str
    stream: AggregateStream
    #: The first bytes of the input that carried it, kept if reading the records fails later.
    evidence: Callable[[], bytes] = _no_evidence


@dataclass(frozen=True, slots=True)
class TlsItem:
    name: str
    report: TlsReport


@dataclass(frozen=True, slots=True)
class FailureItem:
    name: str
    report: FailureReport


@dataclass(frozen=True, slots=True)
class Rejected:
    name: str
    reason: QuarantineReason
    detail: str
    #: The first bytes of the refused input (at most Limits.max_quarantine_bytes).
    evidence: bytes = b""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A message part that may hold a report (decoded from its transfer encoding)."""

    name: str
    payload: bytes


Extracted = AggregateItem | TlsItem | FailureItem | Rejected
