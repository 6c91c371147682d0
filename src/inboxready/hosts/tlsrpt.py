"""SMTP TLS Reporting policy record (RFC 8460 section 3): _smtp._tls.DOMAIN TXT.

    tlsrpt-record = "v=TLSRPTv1" 1*(field-delim tlsrpt-field) [field-delim]
    field-delim   = *WSP ";" *WSP
    tlsrpt-rua    = "rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)      ; mailto: or https:

Senders keep only records that begin with "v=TLSRPTv1;"; unless exactly one remains they assume
the domain does not implement TLS-RPT. `parse_tlsrpt_record` is pure; `check_tlsrpt(ctx)` is the
audit check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding

_START = re.compile(r"v=TLSRPTv1[ \t]*;")
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}\Z")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+\Z")
_ADDR = re.compile(r"[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\Z")


@dataclass(frozen=True, slots=True)
class TlsRptRecord:
    text: str
    rua: tuple[str, ...] = ()
    extensions: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


def is_tlsrpt_record(text: str) -> bool:
    return bool(_START.match(text))


def parse_tlsrpt_record(text: str) -> TlsRptRecord:
    if not is_tlsrpt_record(text):
        return TlsRptRecord(text, errors=('the record must begin with "v=TLSRPTv1;"',))
    errors: list[str] = []
    rua: list[str] | None = None
    extensions: list[tuple[str, str]] = []
    fields = [f.strip(" \t") for f in text.split(";")[1:]]
    if fields and fields[-1] == "":
        fields.pop()
    for field_text in fields:
        name, sep, value = field_text.partition("=")
        if not sep or not _EXT_NAME.match(name):
            errors.append(f"malformed field {field_text!r}")
        elif name == "rua":
            if rua is not None:
                errors.append("rua appears twice")
                continue
            rua = [u.strip(" \t") for u in value.split(",")]
            errors.extend(p for u in rua if (p := uri_problem(u)))
        elif not _EXT_VALUE.match(value):
            errors.append(f"malformed value in {field_text!r}")
        else:
            extensions.append((name, value))
    if rua is None:
        errors.append("rua= (where to send reports) is missing")
    return TlsRptRecord(text, tuple(rua or ()), tuple(extensions), tuple(errors))


def uri_problem(uri: str) -> str | None:
    """Why a rua URI is unusable (RFC 8460 3: mailto: with an address, or https: with a host)."""
    if not uri:
        return "empty rua URI"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        address = unquote(parts.path)
        return None if _ADDR.match(address) else f"rua {uri!r} is not mailto:<e-mail address>"
    if scheme == "https":
        return None if parts.hostname else f"rua {uri!r} has no host"
    return f"rua {uri!r} must be a mailto: or https: URI"


@dataclass(frozen=True, slots=True)
class TlsRptReport:
    domain: str
    records: tuple[str, ...] = ()
    record: TlsRptRecord | None = None
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "published": bool(self.records),
            "records": list(self.records),
            "rua": list(self.record.rua) if self.record else [],
            "valid": bool(self.record and self.record.valid),
        }


async def evaluate_tlsrpt(resolver: Resolver, domain: str) -> TlsRptReport:
    domain = domain.rstrip(".").lower()
    name = f"_smtp._tls.{domain}"
    try:
        texts = (await resolver.query(name, "TXT")).texts()
    except DnsError as exc:
        if exc.is_failure:
            return TlsRptReport(domain, findings=(lookup_failed(domain, exc, "the TLS-RPT record"),),
                                unchecked=(exc.describe(),))
        missing = make_finding("tlsrpt-missing", domain, f"{domain} has no {name} TXT record ({exc.label}).")
        return TlsRptReport(domain, findings=(missing,))
    candidates = tuple(t for t in texts if t[:8].lower() == "v=tlsrpt")
    selected = [t for t in candidates if is_tlsrpt_record(t)]
    if len(selected) > 1:
        message = f"{name} has {len(selected)} TLS-RPT records; RFC 8460 3 makes senders ignore them all."
        return TlsRptReport(domain, candidates, findings=(make_finding("tlsrpt-invalid", domain, message),))
    if not selected:
        if not candidates:
            message = f"{domain} has no TLS-RPT record at {name} (its TXT records are something else)."
            return TlsRptReport(domain, findings=(make_finding("tlsrpt-missing", domain, message),))
        message = f'{name}: {candidates[0]!r} does not begin with "v=TLSRPTv1;".'
        return TlsRptReport(domain, candidates, findings=(make_finding("tlsrpt-invalid", domain, message),))
    record = parse_tlsrpt_record(selected[0])
    findings: tuple[Finding, ...] = ()
    if record.errors:
        message = f"The TLS-RPT record {record.text!r}: {'; '.join(record.errors)}."
        findings = (make_finding("tlsrpt-invalid", domain, message),)
    return TlsRptReport(domain, candidates, record, findings)


async def check_tlsrpt(ctx: CheckContext) -> CheckResult:
    report = await evaluate_tlsrpt(ctx.resolver, ctx.domain)
    return CheckResult("tlsrpt", report.findings, report.to_dict(), report.unchecked)
