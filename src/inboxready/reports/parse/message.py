"""Report e-mail: which parts of a message (RFC 5322, MIME RFC 2045/2046) carry reports.

A message with a message/feedback-report part (RFC 6591; also inside multipart/mixed, as Netease
sends them) is a failure report. Otherwise every attachment is a report candidate: parts with a
file name or a report media type (application/zip, application/gzip, text/xml, application/xml,
application/tlsrpt+gzip, application/tlsrpt+json, application/json, application/octet-stream);
message bodies (inline text/plain, text/html) are not. An attachment of another type is refused as
"not a report"; a message with no candidate at all is refused as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.failure import parse_failure_report
from inboxready.reports.parse.items import Attachment, FailureItem, Rejected
from inboxready.reports.parse.limits import Limits

REPORT_TYPES = frozenset({
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "application/gzip",
    "application/x-gzip",
    "application/xml",
    "text/xml",
    "application/tlsrpt+gzip",
    "application/tlsrpt+json",
    "application/json",
    "application/octet-stream",
})


def _parts(message: Message, limits: Limits) -> list[Message]:
    parts: list[Message] = []
    try:
        for part in message.walk():
            parts.append(part)
            if len(parts) > limits.max_mime_parts:
                raise ReportRejected(
                    QuarantineReason.MALFORMED_MESSAGE, f"more than {limits.max_mime_parts} MIME parts"
                )
    except RecursionError:
        raise ReportRejected(QuarantineReason.MALFORMED_MESSAGE, "MIME structure nested too deeply") from None
    return parts


def _is_candidate(part: Message) -> bool:
    if part.is_multipart() or part.get_content_maintype() == "message":
        return False
    filename = part.get_filename()
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    if filename or disposition == "attachment":
        return True
    return part.get_content_type() in REPORT_TYPES


def _inside_attached_message(part: Message, attached: list[Message]) -> bool:
    return any(part is not outer and part in outer.walk() for outer in attached)


def extract_message(name: str, data: bytes, limits: Limits) -> Iterator[Attachment | FailureItem | Rejected]:
    """The report candidates of one message, a failure report, or refusals."""
    evidence = data[: limits.max_quarantine_bytes]
    try:
        message = BytesParser(policy=compat32).parsebytes(data)
    except RecursionError:
        raise ReportRejected(QuarantineReason.MALFORMED_MESSAGE, "MIME structure nested too deeply") from None
    parts = _parts(message, limits)
    feedback = next((p for p in parts if p.get_content_type() == "message/feedback-report"), None)
    if feedback is not None:
        try:
            yield FailureItem(name, parse_failure_report(message, feedback, limits))
        except ReportRejected as exc:
            yield Rejected(name, exc.reason, exc.detail, evidence)
        return
    attached = [p for p in parts if p.get_content_type() == "message/rfc822"]
    found = False
    for part in parts:
        if not _is_candidate(part) or (attached and _inside_attached_message(part, attached)):
            continue
        found = True
        part_name = part.get_filename() or f"{name}#part{parts.index(part)}"
        kind = part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            yield Rejected(part_name, QuarantineReason.MALFORMED_MESSAGE, "attachment cannot be decoded", evidence)
        elif kind in REPORT_TYPES or _report_name(part_name):
            yield Attachment(part_name, payload)
        else:
            yield Rejected(part_name, QuarantineReason.NOT_A_REPORT, f"attachment of type {kind} is not a report",
                           payload[: limits.max_quarantine_bytes])
    if not found:
        yield Rejected(name, QuarantineReason.NOT_A_REPORT, "message carries no report attachment and no "
                       "feedback-report part", evidence)


def _report_name(name: str) -> bool:
    return name.lower().endswith((".xml", ".gz", ".gzip", ".zip", ".json"))
