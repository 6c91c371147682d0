"""The audit of a domain against its declared policy: what `check --policy` and `demo` run.

It plans the policy's records, compares them with DNS (the diff), runs every audit check with the
expectations the plan implies (each sender's DKIM selectors, the own servers, the SPF senders to
cover), and merges it all into one report with each sender's DMARC path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from inboxready.audit.engine import DEFAULT_CHECKS, Check, audit_domain
from inboxready.audit.report import DomainReport
from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding
from inboxready.policy.diff import diff_plan
from inboxready.policy.model import PolicyFile
from inboxready.policy.plan import make_plan
from inboxready.providers.catalog import Catalog

_PATH_STATUS = {"aligned": "pass", "pending": "pending", "fails": "fail"}


def _merge_diff(findings: list[Finding], diff: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
    """A check that already reports a name (dkim-missing-selector at k3._domainkey...) takes the
    plan's exact record as its fix; the diff's own finding for that name is then dropped, so one
    problem counts once in the grade."""
    by_subject = {f.subject: i for i, f in enumerate(findings)}
    rest = []
    for change in diff:
        index = by_subject.get(str(change.data.get("name", "")))
        if index is None:
            rest.append(change)
        else:
            findings[index] = replace(findings[index], fix=change.fix)
    return findings, rest


async def audit_with_policy(
    policy: PolicyFile,
    catalog: Catalog,
    resolver: Resolver,
    *,
    checks: Sequence[Check] = DEFAULT_CHECKS,
    options: Mapping[str, Any] | None = None,
) -> DomainReport:
    plan = await make_plan(policy, catalog, resolver)
    diff = await diff_plan(plan, resolver)
    silence = policy.policy.silence
    report = await audit_domain(
        plan.domain, resolver, checks=checks, options={**plan.check_options(), **(options or {})}, silence=silence
    )
    findings, diff_only = _merge_diff(list(report.findings), diff.findings)
    seen = {(f.code, f.subject) for f in findings}
    extra: list[Finding] = []
    for finding in (*plan.conflicts, *diff_only):
        if finding.code not in silence and (finding.code, finding.subject) not in seen:
            seen.add((finding.code, finding.subject))
            extra.append(finding)
    sections = dict(report.sections)
    sections["senders"] = {
        "policy": policy.path,
        "paths": [
            {"sender": p.sender, "provider": p.provider, "path": p.text, "status": _PATH_STATUS[p.status]}
            for p in plan.paths
        ],
    }
    sections["plan"] = {"diff": diff.to_dict(), "steps": [s.to_dict() for s in plan.steps]}
    return DomainReport(
        domain=report.domain,
        findings=(*findings, *extra),
        sections=sections,
        unchecked=tuple(dict.fromkeys((*report.unchecked, *plan.unchecked, *diff.unchecked))),
        dns_queries=report.dns_queries,
    )
