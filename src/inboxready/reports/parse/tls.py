"""SMTP TLS reports: RFC 8460 section 4 (JSON, application/tlsrpt+json or +gzip).

Required for a usable report: organization-name, report-id, date-range (RFC 3339 date-times),
policies with policy-type (tlsa, sts, no-policy-found) and policy-domain, and the summary counts.
Fields that only describe (contact-info, failure-details' IPs and host names, additional-information)
may be missing or null, as real reporters leave them out; mx-host is taken as a string or a list.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.parse.model import DateRange, TlsFailureDetail, TlsPolicy, TlsReport

POLICY_TYPES = frozenset({"tlsa", "sts", "no-policy-found"})


def _wrong(detail: str) -> ReportRejected:
    return ReportRejected(QuarantineReason.WRONG_SCHEMA, detail)


class _Object:
    """A JSON object with typed, capped accessors that name the field on error."""

    def __init__(self, value: Any, where: str, limits: Limits) -> None:
        if not isinstance(value, dict):
            raise _wrong(f"{where} is not a JSON object")
        self._value: dict[str, Any] = value
        self._where = where
        self._limits = limits

    def text(self, key: str, required: bool = False, limit: int | None = None) -> str:
        value = self._value.get(key)
        if value is None:
            if required:
                raise _wrong(f"{self._where}: {key!r} is missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _wrong(f"{self._where}: {key!r} is not a string")
        text = str(value).strip()
        cap = limit or self._limits.max_field_length
        if len(text) > cap:
            raise ReportRejected(QuarantineReason.FIELD_TOO_LONG, f"{self._where}: {key!r} is longer than {cap}")
        if required and not text:
            raise _wrong(f"{self._where}: {key!r} is empty")
        return text

    def count(self, key: str, required: bool = True) -> int:
        value = self._value.get(key)
        if value is None and not required:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
            raise _wrong(f"{self._where}: {key!r} is not a session count")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._value.get(key)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if len(items) > self._limits.max_records:
            raise ReportRejected(QuarantineReason.TOO_MANY_RECORDS, f"{self._where}: too many {key!r} entries")
        out = []
        for item in items:
            if not isinstance(item, str):
                raise _wrong(f"{self._where}: {key!r} holds a non-string")
            if len(item) > self._limits.max_field_length:
                raise ReportRejected(QuarantineReason.FIELD_TOO_LONG, f"{self._where}: {key!r} entry too long")
            out.append(item.strip())
        return tuple(out)

    def objects(self, key: str, required: bool = False) -> list[_Object]:
        value = self._value.get(key)
        if value is None:
            if required:
                raise _wrong(f"{self._where}: {key!r} is missing")
            return []
        if not isinstance(value, list):
            raise _wrong(f"{self._where}: {key!r} is not a list")
        if len(value) > self._limits.max_records:
            raise ReportRejected(QuarantineReason.TOO_MANY_RECORDS, f"{self._where}: more than "
                                 f"{self._limits.max_records} {key!r} entries")
        return [_Object(v, f"{self._where}.{key}[{i}]", self._limits) for i, v in enumerate(value)]

    def object(self, key: str) -> _Object:
        if key not in self._value:
            raise _wrong(f"{self._where}: {key!r} is missing")
        return _Object(self._value[key], f"{self._where}.{key}", self._limits)


def _datetime(text: str, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _wrong(f"{where} {text[:40]!r} is not an RFC 3339 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # RFC 3339 requires an offset; a bare time is read as UTC
    return value.astimezone(UTC)


def _failure(item: _Object) -> TlsFailureDetail:
    return TlsFailureDetail(
        result_type=item.text("result-type", required=True).lower(),
        failed_session_count=item.count("failed-session-count"),
        sending_mta_ip=item.text("sending-mta-ip"),
        receiving_mx_hostname=item.text("receiving-mx-hostname").rstrip(".").lower(),
        receiving_mx_helo=item.text("receiving-mx-helo"),
        receiving_ip=item.text("receiving-ip"),
        additional_information=item.text("additional-information"),
        failure_reason_code=item.text("failure-reason-code"),
    )


def _policy(item: _Object) -> TlsPolicy:
    policy = item.object("policy")
    summary = item.object("summary")
    policy_type = policy.text("policy-type", required=True).lower()
    if policy_type not in POLICY_TYPES:
        raise _wrong(f"policy-type {policy_type[:40]!r} is not one of {', '.join(sorted(POLICY_TYPES))}")
    return TlsPolicy(
        policy_type=policy_type,
        policy_domain=policy.text("policy-domain", required=True, limit=253).rstrip(".").lower(),
        successful_sessions=summary.count("total-successful-session-count"),
        failed_sessions=summary.count("total-failure-session-count"),
        policy_strings=policy.texts("policy-string"),
        mx_hosts=tuple(h.lower() for h in policy.texts("mx-host")),
        failures=tuple(_failure(f) for f in item.objects("failure-details")),
    )


def parse_tls_report(data: bytes, limits: Limits = DEFAULT_LIMITS) -> TlsReport:
    """Parse one RFC 8460 JSON report (already decompressed and size-capped by the caller)."""
    if not data.strip():
        raise ReportRejected(QuarantineReason.EMPTY, "no JSON content")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ReportRejected(QuarantineReason.MALFORMED_JSON, f"not valid JSON: {str(exc)[:200]}") from None
    root = _Object(document, "report", limits)
    dates = root.object("date-range")
    begin = _datetime(dates.text("start-datetime", required=True), "start-datetime")
    end = _datetime(dates.text("end-datetime", required=True), "end-datetime")
    if end < begin:
        raise _wrong("date-range ends before it begins")
    policies = tuple(_policy(p) for p in root.objects("policies", required=True))
    if not policies:
        raise _wrong("report.policies is empty")
    return TlsReport(
        org_name=root.text("organization-name", required=True, limit=limits.max_identity_length),
        report_id=root.text("report-id", required=True, limit=limits.max_identity_length),
        date_range=DateRange(begin, end),
        policies=policies,
        contact_info=root.text("contact-info"),
    )
