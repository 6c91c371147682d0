"""The SPF check of the audit (`inboxready check`): the analysis, plus coverage of expected senders.

`CheckResult.data` is the `spf analyze` JSON object. Options read from the context:
`spf_senders` — include domains (or lists of networks) the domain's record must authorize; each
one not fully authorized gives spf-sender-not-authorized (RFC 7208 5.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inboxready.findings.check import CheckContext, CheckResult
from inboxready.findings.model import Finding, sort_findings
from inboxready.spf.analyze import analyze_graph
from inboxready.spf.coverage import sender_coverage
from inboxready.spf.graph import NodeStatus, fetch_graph


async def check_spf(ctx: CheckContext) -> CheckResult:
    graph = await fetch_graph(ctx.resolver, ctx.domain)
    analysis = analyze_graph(graph)
    findings: list[Finding] = list(analysis.findings)
    unchecked = list(analysis.unchecked)
    data: dict[str, Any] = analysis.to_dict()
    senders: Sequence[str | Sequence[str]] = ctx.options.get("spf_senders", ())
    if senders and graph.root_node.status is NodeStatus.RECORD:
        coverages = [await sender_coverage(ctx.resolver, ctx.domain, s, domain_graph=graph) for s in senders]
        data["coverage"] = [c.to_dict() for c in coverages]
        known = {(f.code, f.subject, f.message) for f in findings}
        for coverage in coverages:
            findings += [f for f in coverage.findings if (f.code, f.subject, f.message) not in known]
            unchecked += [u for u in coverage.unchecked if u not in unchecked]
    ordered = tuple(sort_findings(findings))
    data["findings"] = [f.to_dict() for f in ordered]
    return CheckResult("spf", ordered, data, tuple(unchecked))
