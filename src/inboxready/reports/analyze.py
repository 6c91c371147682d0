"""Who sends as the domain, whether it passes DMARC, what to fix, and when to enforce.

From the stored aggregate reports (RFC 7489 section 7.2 / RFC 9990): messages, DMARC pass rate
(a message passes when SPF or DKIM passed aligned, RFC 7489 section 3.1 and 4.2), the policy
receivers applied; per source IP its volume, aligned SPF/DKIM rates, reverse name and sending
service. Sources fall in four groups: identified senders passing, identified senders failing (with
the exact fix), forwarders (SPF fails, DKIM survives, or the receiver says "forwarded" /
"mailing_list"), and unknown/unauthorized sources. Readiness: whether the next policy step
(none → quarantine → reject, RFC 7489 section 6.3) would hurt wanted mail, which and how much.
TLS reports (RFC 8460): failures per MX host and policy type.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding, sort_findings
from inboxready.reports.enrich import Enricher, PtrEnricher, default_enrichers
from inboxready.reports.findings import enforcement_finding, quarantine_finding, sender_findings, unauthorized_findings
from inboxready.reports.model import DayVolume, Readiness, SourceGroup, SourceStats, Summary
from inboxready.reports.parse.model import ReportKind
from inboxready.reports.store.queries import (
    RecordGroup,
    ReportFilter,
    ReportVolume,
    failure_samples,
    quarantine_reasons,
    record_groups,
    report_counts,
    report_volumes,
    tls_totals,
)
from inboxready.reports.store.store import ReportStore

#: A source (or domain) "passes" when at least this share of its messages pass DMARC.
PASS_THRESHOLD = 0.98
FORWARDING_REASONS = frozenset({"forwarded", "mailing_list", "trusted_forwarder"})
NEXT_POLICY = {"none": "quarantine", "quarantine": "reject"}


@dataclass(slots=True)
class _Accumulator:
    messages: int = 0
    dmarc_pass: int = 0
    spf_aligned: int = 0
    dkim_aligned: int = 0
    spf_authenticated: int = 0
    dkim_authenticated: int = 0
    domains: set[str] = field(default_factory=set)
    header_from: Counter[str] = field(default_factory=Counter)
    envelope: set[str] = field(default_factory=set)
    signatures: set[tuple[str, str]] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)
    dispositions: Counter[str] = field(default_factory=Counter)

    def add(self, g: RecordGroup) -> None:
        n = g.messages
        self.messages += n
        self.dmarc_pass += n if g.dkim == "pass" or g.spf == "pass" else 0
        self.spf_aligned += n if g.spf == "pass" else 0
        self.dkim_aligned += n if g.dkim == "pass" else 0
        self.spf_authenticated += n if any(a.get("result") == "pass" for a in g.spf_auth) else 0
        self.dkim_authenticated += n if any(a.get("result") == "pass" for a in g.dkim_auth) else 0
        self.domains.add(g.domain)
        self.header_from[g.header_from] += n
        if g.envelope_from:
            self.envelope.add(g.envelope_from)
        self.envelope.update(a["domain"] for a in g.spf_auth if a.get("domain") and a.get("scope", "mfrom") == "mfrom")
        self.signatures.update((a["domain"], a.get("selector", "")) for a in g.dkim_auth if a.get("domain"))
        self.reasons.update(r["type"] for r in g.reasons if r.get("type"))
        self.dispositions[g.disposition] += n

    def stats(self, ip: str) -> SourceStats:
        return SourceStats(
            ip=ip, messages=self.messages, dmarc_pass=self.dmarc_pass, spf_aligned=self.spf_aligned,
            dkim_aligned=self.dkim_aligned, spf_authenticated=self.spf_authenticated,
            dkim_authenticated=self.dkim_authenticated, domains=tuple(sorted(self.domains)),
            header_from=tuple(d for d, _ in self.header_from.most_common()),
            envelope_domains=tuple(sorted(self.envelope)),
            dkim_signatures=tuple(sorted(self.signatures)), override_reasons=tuple(sorted(self.reasons)),
            dispositions=dict(self.dispositions),
        )


def build_sources(groups: Iterable[RecordGroup]) -> list[SourceStats]:
    """Per source IP, busiest first."""
    by_ip: dict[str, _Accumulator] = defaultdict(_Accumulator)
    for g in groups:
        by_ip[g.source_ip].add(g)
    return sorted((acc.stats(ip) for ip, acc in by_ip.items()), key=lambda s: (-s.messages, s.ip))


def classify(source: SourceStats) -> SourceGroup:
    passing = source.pass_rate >= PASS_THRESHOLD
    half = source.messages / 2
    relayed = source.dkim_aligned > half and source.spf_authenticated < half
    # A selector alone says whose signature survived, not who connected: a service's mail relayed
    # from an address outside its networks, with SPF failing, is a forwarder's.
    weak_match = source.match_evidence == "dkim-selector"
    if source.signature is not None and not (weak_match and relayed):
        return SourceGroup.SENDER_PASSING if passing else SourceGroup.SENDER_FAILING
    if set(source.override_reasons) & FORWARDING_REASONS:
        return SourceGroup.FORWARDER
    if relayed:
        return SourceGroup.FORWARDER
    return SourceGroup.SENDER_PASSING if passing else SourceGroup.UNAUTHORIZED


def _label(source: SourceStats) -> str:
    if source.sender:
        return source.sender
    return f"{source.ip} ({source.ptr})" if source.ptr else source.ip


def readiness(domain: str, groups: Sequence[RecordGroup], by_ip: dict[str, SourceStats],
              volumes: Sequence[ReportVolume]) -> Readiness:
    legitimate = legitimate_pass = unauthorized = 0
    hurt: Counter[str] = Counter()
    for g in groups:
        source = by_ip[g.source_ip]
        passed = g.dkim == "pass" or g.spf == "pass"
        if source.group is SourceGroup.UNAUTHORIZED:
            unauthorized += g.messages
            continue
        legitimate += g.messages
        legitimate_pass += g.messages if passed else 0
        if not passed:
            hurt[_label(source)] += g.messages
    latest = max((v for v in volumes if v.domain == domain), key=lambda v: v.end, default=None)
    policy = latest.policy_p if latest else None
    pct = latest.policy_pct if latest else None
    if policy in ("quarantine", "reject") and pct is not None and pct < 100:
        next_policy: str | None = policy
    else:
        next_policy = NEXT_POLICY.get(policy or "none")
    failing_sender = any(by_ip[g.source_ip].group is SourceGroup.SENDER_FAILING for g in groups)
    ready = (next_policy is not None and legitimate > 0 and not failing_sender
             and legitimate_pass >= PASS_THRESHOLD * legitimate)
    return Readiness(domain, policy, pct, next_policy, ready, legitimate, legitimate_pass, unauthorized,
                     tuple(hurt.most_common()))


def timeline(volumes: Iterable[ReportVolume]) -> tuple[DayVolume, ...]:
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for v in volumes:
        bucket = days[v.begin.astimezone(UTC).date()]
        bucket[0] += v.messages
        bucket[1] += v.dmarc_pass
    return tuple(DayVolume(day, m, p) for day, (m, p) in sorted(days.items()))


async def summarize(
    store: ReportStore,
    where: ReportFilter | None = None,
    resolver: Resolver | None = None,
    enrichers: Sequence[Enricher] | None = None,
) -> Summary:
    """The summary of the stored reports selected by `where`, enriched and classified."""
    where = where or ReportFilter()
    with store.engine.connect() as connection:
        groups = list(record_groups(connection, where))
        counts = report_counts(connection, where)
        volumes = report_volumes(connection, where)
        reasons = quarantine_reasons(connection)
        tls_policies, tls_failures = tls_totals(connection, where)
        samples = failure_samples(connection, where)
    sources = build_sources(groups)
    steps = default_enrichers(resolver) if enrichers is None else list(enrichers)
    for step in steps:
        sources = await step(sources)
    sources = [replace(s, group=classify(s)) for s in sources]
    by_ip = {s.ip: s for s in sources}
    by_domain: dict[str, list[RecordGroup]] = defaultdict(list)
    for g in groups:
        by_domain[g.domain].append(g)
    ready = tuple(readiness(d, gs, by_ip, volumes) for d, gs in sorted(by_domain.items()))
    findings: list[Finding] = [*sender_findings(sources), *unauthorized_findings(sources)]
    findings += [enforcement_finding(r) for r in ready if r.ready]
    quarantined = sum(reasons.values())
    if quarantined:
        findings.append(quarantine_finding(reasons))
    unchecked = tuple(line for step in steps if isinstance(step, PtrEnricher) for line in step.unchecked)
    dispositions: Counter[str] = Counter()
    for s in sources:
        dispositions.update(s.dispositions)
    return Summary(
        domain=where.domain, since=where.since, until=where.until,
        reports=counts[ReportKind.AGGREGATE], tls_reports=counts[ReportKind.TLS],
        failure_reports=counts[ReportKind.FAILURE], messages=sum(s.messages for s in sources),
        dmarc_pass=sum(s.dmarc_pass for s in sources), quarantined=quarantined, quarantine_reasons=reasons,
        policy_applied=dict(dispositions.most_common()), sources=tuple(sources), readiness=ready,
        timeline=timeline(volumes), tls_policies=tuple(tls_policies), tls_failures=tuple(tls_failures),
        failure_samples=tuple(samples), findings=tuple(sort_findings(findings)), unchecked=unchecked,
    )


def parse_day(text: str, *, end: bool = False) -> datetime:
    """A --since/--until DATE (YYYY-MM-DD, UTC): the start of that day, or of the next with end=True."""
    day = date.fromisoformat(text.strip())
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start
