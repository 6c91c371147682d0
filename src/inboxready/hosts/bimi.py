"""BIMI assertion record syntax (draft-brand-indicators-for-message-identification, section 4).

    default._bimi.DOMAIN TXT "v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem"

A tag-list (as DKIM's, RFC 6376 3.2) starting with v=BIMI1; l= the https URL of the SVG Tiny PS
logo, a= the https URL of the PEM evidence document (VMC/CMC); both empty declines BIMI. Mailbox
providers show the logo only when the domain's DMARC policy is at enforcement (quarantine or
reject, pct=100, subdomain policy not none), which this check verifies from _dmarc.DOMAIN (the
organizational domain's record is not consulted here). Only syntax is checked: the logo and
certificate are not fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inboxready.dmarc.record import is_dmarc_record, parse_dmarc_record
from inboxready.dmarc.tags import Policy
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding

SELECTOR = "default"
_LOOKS_LIKE_BIMI = re.compile(r"[ \t]*v[ \t]*=[ \t]*bimi", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BimiRecord:
    text: str
    logo: str | None = None  # l=
    authority: str | None = None  # a=
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def declined(self) -> bool:
        """l= and a= both empty: the domain declines to show a logo (draft section 4.3)."""
        return self.valid and not self.logo and not self.authority


def is_bimi_record(text: str) -> bool:
    head = text.split(";", 1)[0]
    name, _, value = head.partition("=")
    return name.strip() == "v" and value.strip() == "BIMI1"


def parse_bimi_record(text: str) -> BimiRecord:
    if not is_bimi_record(text):
        return BimiRecord(text, errors=("the record must begin with v=BIMI1",))
    tags: dict[str, str] = {}
    errors: list[str] = []
    warnings: list[str] = []
    for piece in text.split(";")[1:]:
        if not piece.strip(" \t"):
            continue
        name, sep, value = piece.partition("=")
        name = name.strip(" \t").lower()
        if not sep or not name.isalnum():
            errors.append(f"malformed tag {piece.strip()!r}")
        elif name in tags:
            errors.append(f"tag {name} appears twice")
        else:
            tags[name] = value.strip(" \t")
    logo, authority = tags.get("l") or None, tags.get("a") or None
    if "l" not in tags:
        errors.append("l= (the logo URL) is missing")
    if logo is not None:
        errors.extend(_url_problems(logo, "l", ".svg", warnings))
    if authority is not None:
        errors.extend(_url_problems(authority, "a", ".pem", warnings))
    return BimiRecord(text, logo, authority, tuple(errors), tuple(warnings))


def _url_problems(url: str, tag: str, suffix: str, warnings: list[str]) -> list[str]:
    if "," in url:
        return [f"{tag}= must hold a single URL, not a list ({url!r})"]
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        return [f"{tag}= must be an https:// URL, not {url!r}"]
    if not parts.path.lower().endswith(suffix):
        warnings.append(f"{tag}= {url} does not end in {suffix}")
    return []


@dataclass(frozen=True, slots=True)
class BimiReport:
    domain: str
    record: BimiRecord | None = None
    dmarc_enforced: bool | None = None
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "domain": self.domain,
            "published": r is not None,
            "record": r.text if r else None,
            "logo": r.logo if r else None,
            "authority": r.authority if r else None,
            "declined": bool(r and r.declined),
            "valid": bool(r and r.valid),
            "dmarc_enforced": self.dmarc_enforced,
        }


async def _dmarc_enforced(resolver: Resolver, domain: str) -> tuple[bool, str]:
    """(enforced, why not); DnsError propagates for lookup failures."""
    try:
        texts = (await resolver.query(f"_dmarc.{domain}", "TXT")).texts()
    except DnsError as exc:
        if exc.is_failure:
            raise
        texts = []
    records = [t for t in texts if is_dmarc_record(t)]
    if len(records) != 1:
        return False, f"_dmarc.{domain} has {'no' if not records else 'several'} DMARC record(s)"
    record = parse_dmarc_record(records[0])
    policy, sub = record.effective_policy, record.effective_subdomain_policy
    if policy not in (Policy.QUARANTINE, Policy.REJECT):
        return False, f"the DMARC policy is p={policy.to_text() if policy else 'unset'}"
    if record.percent != 100:
        return False, f"the DMARC policy applies to pct={record.percent} only"
    if sub is Policy.NONE:
        return False, "the DMARC subdomain policy is sp=none"
    return True, ""


async def evaluate_bimi(resolver: Resolver, domain: str) -> BimiReport:
    domain = domain.rstrip(".").lower()
    name = f"{SELECTOR}._bimi.{domain}"
    try:
        texts = (await resolver.query(name, "TXT")).texts()
    except DnsError as exc:
        if exc.is_failure:
            return BimiReport(domain, findings=(lookup_failed(domain, exc, "the BIMI record"),),
                              unchecked=(exc.describe(),))
        return BimiReport(domain)
    candidates = [t for t in texts if _LOOKS_LIKE_BIMI.match(t)]
    if not candidates:
        return BimiReport(domain)
    if len(candidates) > 1:
        message = f"{name} has {len(candidates)} BIMI records; receivers ignore them all."
        return BimiReport(domain, findings=(make_finding("bimi-invalid", domain, message),))
    record = parse_bimi_record(candidates[0])
    findings: list[Finding] = []
    if record.errors:
        findings.append(make_finding("bimi-invalid", domain, f"The BIMI record {record.text!r}: "
                                     f"{'; '.join(record.errors)}."))
    elif record.warnings:
        findings.append(make_finding("bimi-invalid", domain, f"The BIMI record: {'; '.join(record.warnings)}.",
                                     severity=Severity.WARNING))
    if record.declined or not record.valid:
        return BimiReport(domain, record, findings=tuple(findings))
    if record.authority is None:
        findings.append(make_finding("bimi-no-authority", domain, f"The BIMI record of {domain} has no a= "
                                     "evidence document (VMC or CMC)."))
    try:
        enforced, why = await _dmarc_enforced(resolver, domain)
    except DnsError as exc:
        findings.append(lookup_failed(domain, exc, "the DMARC policy BIMI depends on"))
        return BimiReport(domain, record, None, tuple(findings), (exc.describe(),))
    if not enforced:
        findings.append(make_finding("bimi-dmarc-not-enforced", domain, f"{domain} publishes BIMI but {why}."))
    return BimiReport(domain, record, enforced, tuple(findings))


async def check_bimi(ctx: CheckContext) -> CheckResult:
    report = await evaluate_bimi(ctx.resolver, ctx.domain)
    return CheckResult("bimi", report.findings, report.to_dict(), report.unchecked)
