"""`dmarc analyze` and the audit check: discovery, the record's problems and meaning, and its
report destinations, as one result whose `to_dict()` is the documented JSON shape.

JSON (keys snake_case): {"domain", "mode", "record", "found_at", "discovery", "organizational_domain",
"policy", "valid", "destinations", "findings", "unchecked"}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inboxready.dmarc.destinations import DestinationCheck, check_destinations
from inboxready.dmarc.discovery import PUBLIC_SUFFIX_DOMAIN, Discovery, discover_dmarc
from inboxready.dmarc.lookup import normalize_domain
from inboxready.dmarc.orgdomain import org_domain_finder
from inboxready.dmarc.record import DmarcRecord
from inboxready.dmarc.semantics import policy_findings
from inboxready.dmarc.tags import DmarcMode
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult
from inboxready.findings.model import Finding, Severity, sort_findings
from inboxready.findings.registry import make_finding

#: CheckContext option naming the mode ("rfc7489" or "dmarcbis").
MODE_OPTION = "dmarc_mode"
DEFAULT_MODE = DmarcMode.RFC7489


@dataclass(frozen=True, slots=True)
class DmarcAnalysis:
    domain: str
    mode: DmarcMode
    discovery: Discovery
    destinations: tuple[DestinationCheck, ...] = ()
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    @property
    def record(self) -> DmarcRecord | None:
        return self.discovery.record

    def to_dict(self) -> dict[str, Any]:
        record = self.record
        return {
            "domain": self.domain,
            "mode": self.mode.to_text(),
            "record": record.text if record else None,
            "found_at": self.discovery.found_at,
            "discovery": self.discovery.to_dict(),
            "organizational_domain": self.discovery.organizational_domain,
            "policy": record.to_dict() if record else None,
            "valid": bool(record and record.valid),
            "corrected": record.corrected if record and record.problems else None,
            "destinations": [d.to_dict() for d in self.destinations],
            "findings": [f.to_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
        }


async def analyze_dmarc(resolver: Resolver, domain: str, mode: DmarcMode = DEFAULT_MODE) -> DmarcAnalysis:
    """Everything inboxready knows about a domain's DMARC; never raises for data or DNS outcomes."""
    name = normalize_domain(domain)
    discovery = await discover_dmarc(resolver, name, mode)
    findings: list[Finding] = list(discovery.findings)
    unchecked: list[str] = list(discovery.unchecked)
    destinations: tuple[DestinationCheck, ...] = ()
    record = discovery.record
    if record is not None and discovery.mechanism == PUBLIC_SUFFIX_DOMAIN:
        # The public suffix operator's record: nothing in it is the domain owner's to fix.
        findings.append(_only_psd_policy(discovery))
    elif record is not None and discovery.policy_domain is not None:
        findings.extend(record.problems)
        findings.extend(policy_findings(record, discovery.found_at or name))
        result = await check_destinations(resolver, record, discovery.policy_domain, org_domain_finder(mode, resolver))
        destinations = result.checks
        findings.extend(result.findings)
        unchecked.extend(result.unchecked)
    return DmarcAnalysis(
        domain=name,
        mode=mode,
        discovery=discovery,
        destinations=destinations,
        findings=tuple(sort_findings(findings)),
        unchecked=tuple(dict.fromkeys(unchecked)),
    )


def _only_psd_policy(discovery: Discovery) -> Finding:
    org = discovery.organizational_domain or discovery.domain
    return make_finding(
        "dmarc-missing",
        discovery.domain,
        f"Neither {discovery.domain} nor its Organizational Domain {org} publishes a DMARC record; only the "
        f"policy of the public suffix {discovery.policy_domain} applies (RFC 9989 4.10.1), which you do not "
        "control and which sends reports to its operator.",
        f'Publish TXT at _dmarc.{org}: "v=DMARC1; p=none; rua=mailto:dmarc-reports@{org}" (use a mailbox '
        "that reads the reports).",
        severity=Severity.WARNING,
        data={"psd": discovery.policy_domain, "organizational_domain": org},
    )


def mode_from_options(options: Any) -> DmarcMode:
    value = options.get(MODE_OPTION) if hasattr(options, "get") else None
    if isinstance(value, DmarcMode):
        return value
    if isinstance(value, str):
        try:
            return DmarcMode.from_text(value)
        except ValueError:
            return DEFAULT_MODE
    return DEFAULT_MODE


async def check_dmarc(ctx: CheckContext) -> CheckResult:
    """The audit check: area "dmarc", data = the `dmarc analyze --json` object."""
    analysis = await analyze_dmarc(ctx.resolver, ctx.domain, mode_from_options(ctx.options))
    return CheckResult("dmarc", analysis.findings, analysis.to_dict(), analysis.unchecked)
