"""Findings from the report analysis (codes in inboxready.findings.codes.report)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.reports.model import Readiness, SourceGroup, SourceStats

#: Unauthorized sources reported one by one; the rest are summed in one more finding.
MAX_UNAUTHORIZED = 20
_ALIGNED = 0.98


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def _main_domain(sources: Sequence[SourceStats]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for s in sources:
        if s.header_from:
            counts[s.header_from[0]] += s.messages
    return max(counts, key=lambda d: counts[d]) if counts else ""


def sender_findings(sources: Sequence[SourceStats]) -> list[Finding]:
    """report-sender-failing-dkim / -spf for each identified service whose mail fails DMARC."""
    by_sender: dict[str, list[SourceStats]] = defaultdict(list)
    for s in sources:
        if s.group is SourceGroup.SENDER_FAILING and s.signature is not None:
            by_sender[s.signature.slug].append(s)
    findings = []
    for slug, members in sorted(by_sender.items()):
        signature = members[0].signature
        assert signature is not None
        messages = sum(s.messages for s in members)
        failing = sum(s.dmarc_fail for s in members)
        dkim = sum(s.dkim_aligned for s in members)
        spf = sum(s.spf_aligned for s in members)
        domain = _main_domain(members)
        data = {"sender": slug, "messages": messages, "dmarc_fail": failing, "dkim_aligned": dkim,
                "spf_aligned": spf, "ips": [s.ip for s in members], "domain": domain}
        where = (f"{signature.name} sent {messages} messages as {domain} from {len(members)} IP(s); "
                 f"{failing} failed DMARC")
        if dkim < _ALIGNED * messages:
            fix = signature.dkim_fix(domain) if signature.dkim_fix else None
            findings.append(make_finding(
                "report-sender-failing-dkim", signature.name,
                f"{where}: {_pct(dkim, messages)} carried a DKIM signature aligned with {domain}.", fix, data=data,
            ))
        if signature.spf_fix is not None and spf < _ALIGNED * messages:
            findings.append(make_finding(
                "report-sender-failing-spf", signature.name,
                f"{where}: {_pct(spf, messages)} passed SPF aligned with {domain}.", signature.spf_fix(domain),
                data=data,
            ))
    return findings


def _authenticates_as(source: SourceStats) -> str:
    own = set(source.header_from)
    others = sorted({d for d, _ in source.dkim_signatures if d not in own} | (set(source.envelope_domains) - own))
    return f"; it authenticates as {', '.join(others[:3])}" if others else ""


def unauthorized_findings(sources: Sequence[SourceStats]) -> list[Finding]:
    unknown = sorted((s for s in sources if s.group is SourceGroup.UNAUTHORIZED), key=lambda s: -s.dmarc_fail)
    findings = []
    for s in unknown[:MAX_UNAUTHORIZED]:
        name = f" ({s.ptr})" if s.ptr else ""
        findings.append(make_finding(
            "report-source-unauthorized", s.ip,
            f"{s.ip}{name} sent {s.messages} messages as {', '.join(s.header_from[:3])}; {s.dmarc_fail} failed "
            f"DMARC and it matches no known sending service{_authenticates_as(s)}.",
            data={"ip": s.ip, "ptr": s.ptr, "messages": s.messages, "dmarc_fail": s.dmarc_fail},
        ))
    rest = unknown[MAX_UNAUTHORIZED:]
    if rest:
        findings.append(make_finding(
            "report-source-unauthorized", f"{len(rest)} more sources",
            f"{len(rest)} more unknown sources sent {sum(s.messages for s in rest)} messages failing DMARC.",
            data={"ips": [s.ip for s in rest], "messages": sum(s.messages for s in rest)},
        ))
    return findings


def enforcement_finding(ready: Readiness) -> Finding:
    current = f"p={ready.policy or 'none'}" + (f" pct={ready.pct}" if ready.pct not in (None, 100) else "")
    step = f"p={ready.next_policy}"
    hurt = ready.hurt_messages
    hurt_text = f"; {hurt} messages from forwarders would be affected" if hurt else ""
    return make_finding(
        "dmarc-ready-for-enforcement", ready.domain,
        f"{ready.domain} can move from {current} to {step}: {_pct(ready.legitimate_pass, ready.legitimate_messages)} "
        f"of its {ready.legitimate_messages} legitimate messages pass DMARC and no known sender is failing"
        f"{hurt_text}; {ready.unauthorized_messages} messages from unauthorized sources would be "
        f"{'rejected' if ready.next_policy == 'reject' else 'quarantined'}.",
        f"Publish {step} (with pct=100) in the TXT record at _dmarc.{ready.domain} and keep reading the reports.",
        data={"domain": ready.domain, "policy": ready.policy, "next_policy": ready.next_policy},
    )


def quarantine_finding(reasons: Mapping[str, int]) -> Finding:
    total = sum(reasons.values())
    detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return make_finding(
        "report-quarantined", "reports store",
        f"{total} report inputs are quarantined ({detail}); their data is not in this summary.",
        data={"quarantined": total, "reasons": dict(reasons)},
    )
