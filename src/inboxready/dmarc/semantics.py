"""What a syntactically usable DMARC record means for the domain (RFC 7489 sections 6.3 and 6.6,
RFC 9989 sections 4.7 and 5.1): monitoring only (p=none), no reports, subdomains left weaker than
the domain, partial pct, failure reports without fo, test mode.

Each finding carries `data["suggested"]`: the record with that one thing changed, where the change
is clear. Pure: no I/O.
"""

from __future__ import annotations

from inboxready.dmarc.record import DmarcRecord
from inboxready.dmarc.tags import DmarcMode, Policy
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding


def with_tag(record_text: str, name: str, value: str | None) -> str:
    """`record_text` with tag `name` set to `value` (appended if absent) or removed (None)."""
    entries: list[tuple[str, str]] = []
    replaced = False
    for piece in record_text.split(";"):
        tag, sep, current = piece.strip().partition("=")
        if not sep:
            continue
        tag = tag.strip().lower()
        if tag == name:
            replaced = True
            if value is not None:
                entries.append((tag, value))
            continue
        entries.append((tag, current.strip()))
    if not replaced and value is not None:
        entries.append((name, value))
    return "; ".join(f"{tag}={val}" for tag, val in entries)


def policy_findings(record: DmarcRecord, subject: str) -> list[Finding]:
    """Findings about what the record asks of receivers; none for a record receivers ignore."""
    policy = record.effective_policy
    if policy is None:
        return []
    base = record.corrected
    findings: list[Finding] = []
    if policy is Policy.NONE and record.policy_valid:  # an invalid p is the syntax finding's business
        findings.append(_policy_none(record, subject, base))
    findings.extend(_reporting(record, subject, base, policy))
    findings.extend(_subdomains(record, subject, base, policy))
    if record.mode is DmarcMode.RFC7489 and record.pct is not None and record.pct < 100 and policy is not Policy.NONE:
        findings.append(
            make_finding(
                "dmarc-pct-partial",
                subject,
                f"pct={record.pct}: p={policy.to_text()} applies to only {record.pct}% of failing mail at RFC "
                f"7489 receivers (the rest gets p={policy.weakened().to_text()}); RFC 9989 receivers ignore "
                "pct and apply the full policy.",
                data={"pct": record.pct, "suggested": with_tag(base, "pct", None)},
            )
        )
    findings.extend(_failure_reports(record, subject, base))
    if record.testing and policy is not Policy.NONE:
        findings.append(
            make_finding(
                "dmarc-test-mode",
                subject,
                f"t=y: RFC 9989 receivers apply p={policy.weakened().to_text()} instead of p={policy.to_text()}.",
                data={"suggested": with_tag(base, "t", None)},
            )
        )
    return findings


def _policy_none(record: DmarcRecord, subject: str, base: str) -> Finding:
    step = with_tag(base, "p", Policy.QUARANTINE.to_text())
    if record.mode is DmarcMode.DMARCBIS:
        step = with_tag(step, "t", "y")
    message = (
        "p=none: receivers take no action on mail that fails DMARC, so anyone can still send as this "
        "domain. Keep p=none only while you read the aggregate reports."
    )
    fix = (
        "When the reports show every legitimate sender passing (SPF or DKIM aligned), publish "
        f'"{step}", watch the reports for a few weeks, then move to p=reject.'
    )
    return make_finding("dmarc-policy-none", subject, message, fix, data={"suggested": step})


def _reporting(record: DmarcRecord, subject: str, base: str, policy: Policy) -> list[Finding]:
    if record.rua:
        return []
    suggested = with_tag(base, "rua", f"mailto:dmarc-reports@{_domain_of(subject)}")
    if policy is Policy.NONE:
        message = "p=none and no rua: the record neither protects the domain nor sends you any report."
        return [make_finding("dmarc-none-without-rua", subject, message, data={"suggested": suggested})]
    message = "No rua: receivers send no aggregate reports, so failures of your own senders go unseen."
    if record.ruf:
        message += " Only failure reports (ruf) are requested, and few receivers send those."
    else:
        message += " No failure reports (ruf) either: the domain asks for no reporting at all."
    return [make_finding("dmarc-no-reporting", subject, message, data={"suggested": suggested})]


def _subdomains(record: DmarcRecord, subject: str, base: str, policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    sp = record.subdomain_policy if record.policy_valid else None
    if sp is not None and sp.strength < policy.strength:
        findings.append(
            make_finding(
                "dmarc-weak-subdomain-policy",
                subject,
                f"sp={sp.to_text()} is weaker than p={policy.to_text()}: mail from any subdomain can be "
                "spoofed with less consequence than mail from the domain itself.",
                data={"tag": "sp", "suggested": with_tag(base, "sp", None)},
            )
        )
    np = record.nonexistent_policy if record.policy_valid else None
    parent = sp or policy
    if record.mode is DmarcMode.DMARCBIS and np is not None and np.strength < parent.strength:
        findings.append(
            make_finding(
                "dmarc-weak-subdomain-policy",
                subject,
                f"np={np.to_text()} is weaker than {'sp' if sp else 'p'}={parent.to_text()}: mail from "
                "subdomains that do not even exist, a favourite of spoofers, gets the weaker policy.",
                data={"tag": "np", "suggested": with_tag(base, "np", None)},
            )
        )
    return findings


def _failure_reports(record: DmarcRecord, subject: str, base: str) -> list[Finding]:
    if record.ruf and not record.fo:
        return [
            make_finding(
                "dmarc-ruf-without-fo",
                subject,
                "ruf without fo: failure reports are only requested when SPF and DKIM both fail (fo=0).",
                data={"suggested": with_tag(base, "fo", "1")},
            )
        ]
    if record.fo and not record.ruf:
        return [
            make_finding(
                "dmarc-fo-without-ruf",
                subject,
                "fo is set but there is no ruf, so no failure reports are requested and fo has no effect.",
                data={"suggested": with_tag(base, "fo", None)},
            )
        ]
    return []


def _domain_of(subject: str) -> str:
    return subject[len("_dmarc.") :] if subject.startswith("_dmarc.") else subject
