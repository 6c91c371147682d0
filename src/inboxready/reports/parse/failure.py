"""DMARC failure reports: the ARF format (RFC 5965) for authentication failures (RFC 6591), as
RFC 7489 section 7.3 and RFC 9991 use it.

The machine-readable part is the message/feedback-report part; its Feedback-Type must be
"auth-failure" (other ARF types, e.g. "abuse" complaints, are not DMARC reports). The original
message's headers come from a message/rfc822 or text/rfc822-headers part (RFC 6591 section 3).
The report's identity is its reporter (the From: domain of the report, else Reporting-MTA), its
Message-ID (else a digest of its content) and the reported domain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import quopri
from datetime import UTC, datetime
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.limits import Limits
from inboxready.reports.parse.model import FailureReport


def _field(fields: Message, name: str, limit: int) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise ReportRejected(QuarantineReason.FIELD_TOO_LONG, f"feedback field {name} is longer than {limit}")
    return text


def _feedback_fields(part: Message) -> Message:
    """The feedback-report fields, whether the parser saw them as headers or as an encoded body."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message) and len(inner.keys()) > 0:
        return inner
    body = inner.get_payload() if isinstance(inner, Message) else payload
    raw = body if isinstance(body, str) else ""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    try:
        if encoding == "base64":
            raw = base64.b64decode(raw.encode("ascii", "ignore")).decode("utf-8", "replace")
        elif encoding == "quoted-printable":
            raw = quopri.decodestring(raw.encode("ascii", "ignore")).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise ReportRejected(QuarantineReason.MALFORMED_MESSAGE, "feedback-report part is not decodable") from None
    return HeaderParser(policy=compat32).parsestr(raw.replace("\r\n", "\n"))


def _original_headers(message: Message, limit: int) -> tuple[str, Message | None]:
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/rfc822-headers", "text/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                original = payload[0]
                text = "".join(f"{k}: {v}\n" for k, v in original.items())
            else:
                text = str(payload)
                original = HeaderParser(policy=compat32).parsestr(text.replace("\r\n", "\n"))
            return text[:limit], original
    return "", None


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _ip(text: str) -> str:
    try:
        return ipaddress.ip_address(text.split()[0].strip("[]")).compressed if text.split() else ""
    except ValueError:
        return ""


def _domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].strip().rstrip(".").lower()


def parse_failure_report(message: Message, feedback: Message, limits: Limits) -> FailureReport:
    """One failure report from a report message and its message/feedback-report part."""
    cap = limits.max_field_length
    fields = _feedback_fields(feedback)
    feedback_type = _field(fields, "Feedback-Type", cap).lower()
    if not feedback_type:
        raise ReportRejected(QuarantineReason.WRONG_SCHEMA, "feedback-report part without Feedback-Type")
    if feedback_type != "auth-failure":
        raise ReportRejected(QuarantineReason.NOT_AUTH_FAILURE, f"ARF Feedback-Type {feedback_type!r} is not an "
                             "authentication failure report (RFC 6591)")
    headers, original = _original_headers(message, limits.max_original_headers)
    original_from = _field(original, "From", cap) if original is not None else ""
    domain = (_field(fields, "Reported-Domain", cap).rstrip(".").lower() or _domain_of(original_from)
              or _field(fields, "DKIM-Domain", cap).lower())
    if not domain:
        raise ReportRejected(QuarantineReason.WRONG_SCHEMA, "failure report names no domain (no Reported-Domain, "
                             "no original From)")
    org = _domain_of(str(message.get("From", ""))) or _field(fields, "Reporting-MTA", cap).partition(";")[2].strip()
    ident = limits.max_identity_length
    report_id = _field(message, "Message-ID", cap).strip("<>")
    if not report_id or len(report_id) > ident:
        digest = hashlib.sha256(("\n".join(f"{k}:{v}" for k, v in fields.items()) + headers).encode()).hexdigest()
        report_id = f"sha256:{digest}"
    return FailureReport(
        org_name=(org or _field(fields, "User-Agent", cap) or "unknown")[:ident],
        report_id=report_id,
        domain=domain[:253],
        arrival_date=_date(_field(fields, "Arrival-Date", cap) or _field(fields, "Received-Date", cap)),
        report_date=_date(_field(message, "Date", cap)),
        feedback_type=feedback_type,
        user_agent=_field(fields, "User-Agent", cap),
        source_ip=_ip(_field(fields, "Source-IP", cap)),
        auth_failure=_field(fields, "Auth-Failure", cap).lower(),
        identity_alignment=_field(fields, "Identity-Alignment", cap).lower(),
        delivery_result=_field(fields, "Delivery-Result", cap).lower(),
        dkim_domain=_field(fields, "DKIM-Domain", cap).lower(),
        dkim_selector=_field(fields, "DKIM-Selector", cap),
        original_mail_from=_field(fields, "Original-Mail-From", cap),
        original_rcpt_to=_field(fields, "Original-Rcpt-To", cap),
        authentication_results=_field(fields, "Authentication-Results", cap),
        original_from=original_from,
        subject=_field(original, "Subject", cap) if original is not None else "",
        original_headers=headers,
    )
