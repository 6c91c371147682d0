"""The DKIM audit of one domain: each selector's key record, key type and size, flags and findings.

Declared selectors (per sender) are checked as facts: a declared selector without a key record is
dkim-missing-selector (RFC 6376 section 3.6.2). With nothing declared, common selector names are
tried, and the output says that discovery cannot prove a selector absent. DNS failures are
"could not check", never "missing".
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inboxready.dkim.record import KeyType
from inboxready.dkim.selectors import (
    BULK_SELECTORS,
    DISCOVERY_NOTE,
    Discovery,
    SelectorLookup,
    SelectorStatus,
    discover_selectors,
    key_name,
    lookup_selector,
    normalize_selector,
)
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding

#: Sender name used for selectors given without one (e.g. `dkim analyze --selector`).
UNNAMED_SENDER = "declared"

DeclaredSelectors = Sequence[str] | Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class DkimAnalysis:
    domain: str
    #: "declared" (selectors given), "discovery" (common names tried) or "none" (neither).
    mode: str
    selectors: tuple[SelectorLookup, ...]
    discovery: Discovery | None
    findings: tuple[Finding, ...]
    unchecked: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "mode": self.mode,
            "selectors": [s.to_dict() for s in self.selectors],
            "discovery": self.discovery.to_dict() if self.discovery is not None else None,
            "findings": [f.to_dict() for f in self.findings],
            "complete": not self.unchecked,
            "unchecked": list(self.unchecked),
        }


def declared_by_selector(declared: DeclaredSelectors | None) -> dict[str, tuple[str, ...]]:
    """{selector: senders} from a plain list or a {sender: [selectors]} mapping; ValueError if invalid."""
    if not declared:
        return {}
    pairs: list[tuple[str, str]] = []
    if isinstance(declared, Mapping):
        for sender, selectors in declared.items():
            if isinstance(selectors, str):
                selectors = [selectors]
            pairs.extend((str(sender), s) for s in selectors)
    else:
        pairs.extend((UNNAMED_SENDER, s) for s in declared)
    out: dict[str, list[str]] = {}
    for sender, selector in pairs:
        senders = out.setdefault(normalize_selector(selector), [])
        if sender not in senders:
            senders.append(sender)
    return {selector: tuple(senders) for selector, senders in out.items()}


async def analyze_dkim(
    resolver: Resolver, domain: str, declared: DeclaredSelectors | None = None, *, discover: bool | str = True
) -> DkimAnalysis:
    """Check the declared selectors, or discover common ones when none are declared (and `discover`).

    Raises ValueError for a declared selector that is not a valid name (input, not data).
    """
    domain = domain.strip().rstrip(".").lower()
    by_selector = declared_by_selector(declared)
    discovery: Discovery | None = None
    if by_selector:
        lookups = list(await asyncio.gather(
            *(lookup_selector(resolver, domain, s, senders) for s, senders in by_selector.items())
        ))
    elif not discover:
        return DkimAnalysis(domain, "none", (), None, (), ())
    else:
        discovery = await discover_selectors(resolver, domain, BULK_SELECTORS if discover == "short" else None)
        lookups = [*discovery.found, *discovery.failed]
    findings: list[Finding] = []
    unchecked: list[str] = []
    for lookup in lookups:
        findings.extend(_selector_findings(lookup))
        if lookup.status is SelectorStatus.LOOKUP_FAILED and lookup.error is not None:
            unchecked.append(lookup.error.describe())
    findings.extend(_domain_findings(domain, lookups, discovery))
    return DkimAnalysis(
        domain=domain,
        mode="discovery" if discovery is not None else "declared",
        selectors=tuple(lookups),
        discovery=discovery,
        findings=tuple(findings),
        unchecked=tuple(unchecked),
    )


def _selector_findings(lookup: SelectorLookup) -> list[Finding]:
    subject = lookup.name
    if lookup.status is SelectorStatus.LOOKUP_FAILED:
        assert lookup.error is not None
        return [lookup_failed(subject, lookup.error, f"the DKIM key of selector {lookup.selector}")]
    if lookup.status is SelectorStatus.MISSING:
        if not lookup.declared:
            return []
        why = lookup.error.label if lookup.error is not None else "no TXT record"
        if lookup.delegated_to:
            why = f"its CNAME points to {lookup.delegated_to}: {why}"
        return [make_finding(
            "dkim-missing-selector", subject,
            f"Declared selector {lookup.selector}{_declared_for(lookup)} has no key record at {subject} ({why}).",
            data={"selector": lookup.selector, "declared_by": list(lookup.declared_by)},
        )]
    findings: list[Finding] = []
    if len(lookup.records) > 1:
        findings.append(make_finding(
            "dkim-multiple-records", subject,
            f"{subject} has {len(lookup.records)} DKIM key records; verifiers pick one at random.",
        ))
    for record in lookup.records:
        for problem in record.problems:
            findings.append(make_finding(problem.code, subject, problem.message, severity=problem.severity,
                                         data={"selector": lookup.selector, "record": record.text}))
        if record.revoked:
            severity = Severity.ERROR if lookup.declared else Severity.INFO
            findings.append(make_finding(
                "dkim-revoked", subject,
                f"Selector {lookup.selector} is revoked (empty p=)"
                + (f", but it is declared as a signing selector{_declared_for(lookup)}." if lookup.declared
                   else "; fine for a retired selector."),
                severity=severity, data={"selector": lookup.selector},
            ))
    return findings


def _declared_for(lookup: SelectorLookup) -> str:
    senders = [s for s in lookup.declared_by if s != UNNAMED_SENDER]
    return f" (for {', '.join(senders)})" if senders else ""


def _domain_findings(
    domain: str, lookups: Sequence[SelectorLookup], discovery: Discovery | None
) -> list[Finding]:
    findings: list[Finding] = []
    found = [lookup for lookup in lookups if lookup.status is SelectorStatus.FOUND]
    if discovery is not None and not found and not discovery.failed:
        findings.append(make_finding(
            "dkim-no-selectors-found", domain,
            f"None of the {len(discovery.tried)} common selectors has a key record at {domain}. "
            + DISCOVERY_NOTE,
            data={"tried": list(discovery.tried)},
        ))
    usable = [r for lookup in found for r in lookup.records if r.usable]
    if usable and all(r.key_type is KeyType.ED25519 for r in usable):
        findings.append(make_finding(
            "dkim-ed25519-only", domain,
            f"All DKIM keys found for {domain} are Ed25519; receivers that only verify RSA see no valid key.",
        ))
    return findings


async def check_dkim(ctx: CheckContext) -> CheckResult:
    """The audit check. Options: "dkim_selectors", a list or a {sender: [selectors]} mapping;
    "dkim_discovery": True (default: every common selector), "short" (the few most used, for bulk
    runs) or False (no discovery) when nothing is declared."""
    declared = ctx.options.get("dkim_selectors")
    try:
        analysis = await analyze_dkim(ctx.resolver, ctx.domain, declared,
                                      discover=ctx.options.get("dkim_discovery", True))
    except ValueError as exc:
        finding = make_finding("dkim-missing-selector", key_name(ctx.domain, "?"), f"Declared selector: {exc}.")
        return CheckResult("dkim", (finding,), {"domain": ctx.domain, "error": str(exc)})
    return CheckResult("dkim", analysis.findings, analysis.to_dict(), analysis.unchecked)
