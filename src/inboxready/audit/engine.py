"""Run the checks for one domain concurrently and merge their results into a DomainReport."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import dns.exception

from inboxready.audit.report import DomainReport
from inboxready.audit.requirements import requirements_section
from inboxready.blocklists.check import check_domain_blocklists
from inboxready.dkim.analyze import check_dkim
from inboxready.dmarc.analyze import check_dmarc
from inboxready.dns.answer import name_text, to_name
from inboxready.dns.cache import CountingResolver
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.hosts.bimi import check_bimi
from inboxready.hosts.mtasts import check_mtasts
from inboxready.hosts.mx import check_mx
from inboxready.hosts.ptr import check_reverse_dns
from inboxready.hosts.tlsrpt import check_tlsrpt
from inboxready.spf.check import check_spf

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")


def mail_domain(text: str) -> str:
    """The normalized (lower-case, IDNA) form of a domain that mail can be sent as; ValueError if none."""
    try:
        name = name_text(to_name(text.strip()))
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise ValueError((str(exc) or type(exc).__name__).rstrip(".")) from exc
    labels = name.split(".")
    if name == "." or len(labels) < 2:
        raise ValueError("a mail domain has at least two labels")
    bad = [label for label in labels if not _LABEL.match(label)]
    if bad:
        raise ValueError(f"label {bad[0]!r} has characters other than letters, digits, '-' and '_'")
    return name


Check = Callable[[CheckContext], Awaitable[CheckResult]]

#: The checks `check` and `demo` run, in report order. Areas add theirs here.
DEFAULT_CHECKS: tuple[Check, ...] = (
    check_mx, check_spf, check_dkim, check_dmarc, check_reverse_dns, check_mtasts, check_tlsrpt, check_bimi,
    check_domain_blocklists,
)


async def audit_domain(
    domain: str,
    resolver: Resolver,
    *,
    checks: Sequence[Check] = DEFAULT_CHECKS,
    options: Mapping[str, Any] | None = None,
    silence: frozenset[str] = frozenset(),
) -> DomainReport:
    try:
        name = mail_domain(domain)
    except ValueError as exc:
        finding = make_finding("domain-invalid", domain, f"{domain!r} is not a valid domain name: {exc}.")
        return DomainReport(domain=domain, findings=(finding,))
    counted = CountingResolver(resolver)
    ctx = CheckContext(domain=name, resolver=counted, options=options or {})
    results = await asyncio.gather(*(check(ctx) for check in checks))
    findings: list[Finding] = []
    sections: dict[str, Mapping[str, Any]] = {}
    unchecked: list[str] = []
    for result in results:
        findings.extend(f for f in result.findings if f.code not in silence)
        if result.data:
            sections[result.area] = result.data
        unchecked.extend(result.unchecked)
    if {"spf", "dkim", "dmarc"} <= sections.keys():
        sections["requirements"] = requirements_section(sections, findings)
    return DomainReport(
        domain=ctx.domain,
        findings=tuple(findings),
        sections=sections,
        unchecked=tuple(dict.fromkeys(unchecked)),
        dns_queries=len(counted.log),
    )
