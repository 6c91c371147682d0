"""The domain's one SPF record: every sender whose envelope sender is the domain, within the limits.

Mechanisms are merged without duplicates, address mechanisms first (they cost no lookup). The
record is analyzed by the SPF analyzer as if published (`TxtOverlayResolver`), includes resolved
through the resolver (RFC 7208 section 4.6.4: at most 10 DNS-querying terms); over the limit, the
SPF optimizer (`optimize_record`) flattens what it can, possibly into _spfN sub-records. A sender
whose SPF alone passes every address or enormous networks is too broad (RFC 7208 section 5.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.model import Policy
from inboxready.policy.records import SpfSummary
from inboxready.providers.setup import SenderSetup
from inboxready.spf.analyze import SpfAnalysis, analyze_spf
from inboxready.spf.optimize import optimize_record
from inboxready.spf.overlay import TxtOverlayResolver

LOOKUP_LIMIT = 10
#: Authorizing more addresses than this (a /8 of IPv4, a /16 of IPv6) is "+all-like" breadth.
BROAD_IPV4 = 2**24
BROAD_IPV6 = 2**112


@dataclass(frozen=True, slots=True)
class SpfPlan:
    summary: SpfSummary
    senders: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()
    #: Sub-records (name, text) the optimizer moved ranges to, reached by include from the main record.
    extra_records: tuple[tuple[str, str], ...] = ()
    #: What the record must authorize, for the SPF check's coverage test: include domains, and each
    #: sender's own networks as one list.
    coverage: tuple[str | tuple[str, ...], ...] = ()


def _coverage(mechanisms: Sequence[str]) -> list[str | tuple[str, ...]]:
    includes: list[str | tuple[str, ...]] = [m.split(":", 1)[1] for m in mechanisms if m.startswith("include:")]
    networks = tuple(m.split(":", 1)[1] for m in mechanisms if m.startswith(("ip4:", "ip6:")))
    return includes + ([networks] if networks else [])


def _order(mechanism: str) -> int:
    kind = mechanism.lstrip("+").split(":", 1)[0].split("/", 1)[0].lower()
    return {"ip4": 0, "ip6": 1, "a": 2, "mx": 3, "include": 5}.get(kind, 4)


def compose_record(mechanisms: Sequence[str], all_term: str) -> str:
    unique = list(dict.fromkeys(m.strip() for m in mechanisms if m.strip()))
    unique.sort(key=_order)
    return " ".join(["v=spf1", *unique, all_term])


async def _analyze(resolver: Resolver, record: str, domain: str) -> SpfAnalysis:
    """The SPF analyzer's view of `record` as if published at `domain` (includes resolved live)."""
    return await analyze_spf(TxtOverlayResolver(resolver, {domain: [record]}), domain)


def _too_broad(analysis: SpfAnalysis) -> str | None:
    if analysis.partition is None:
        return None
    passing = analysis.partition.passing
    ipv4, ipv6 = passing.only(4).num_addresses, passing.only(6).num_addresses
    if ipv4 == 2**32 or ipv6 == 2**128:
        return "its SPF passes every address (an 'all' with a pass qualifier)"
    if ipv4 >= BROAD_IPV4:
        return f"it authorizes {ipv4:,} IPv4 addresses (a /8 or more)"
    if ipv6 >= BROAD_IPV6:
        return "it authorizes a /16 or more of IPv6"
    return None


async def plan_spf(policy: Policy, setups: Sequence[SenderSetup], resolver: Resolver) -> SpfPlan:
    domain = policy.domain
    mechanisms: list[str] = []
    senders: list[str] = []
    findings: list[Finding] = []
    unchecked: list[str] = []
    coverage: list[str | tuple[str, ...]] = []
    for setup in setups:
        if setup.provider.spf.root == "not-needed" or not setup.spf_mechanisms:
            continue
        alone = await _analyze(resolver, compose_record(setup.spf_mechanisms, "-all"), domain)
        unchecked.extend(alone.unchecked)
        broad = _too_broad(alone)
        if broad is not None:
            findings.append(make_finding(
                "sender-too-broad", setup.label,
                f"{setup.label} is not added to the SPF record: {broad}.",
                data={"sender": setup.label, "mechanisms": list(setup.spf_mechanisms)},
            ))
            continue
        mechanisms.extend(setup.spf_mechanisms)
        senders.append(setup.label)
        coverage.extend(_coverage(setup.spf_mechanisms))
    record = compose_record(mechanisms, policy.options.spf_all)
    analysis = await _analyze(resolver, record, domain)
    unchecked.extend(analysis.unchecked)
    summary = SpfSummary(record, None if analysis.unchecked else analysis.dns_lookups)
    extra: tuple[tuple[str, str], ...] = ()
    if analysis.unchecked:
        findings.append(make_finding(
            "plan-spf-unchecked", domain, f"Could not count the SPF lookups of {record!r}: {analysis.unchecked[0]}."
        ))
    elif analysis.dns_lookups > LOOKUP_LIMIT:
        summary, extra, more = await _optimize(resolver, record, domain, analysis.dns_lookups)
        findings.extend(more)
    return SpfPlan(summary, tuple(senders), tuple(findings), tuple(dict.fromkeys(unchecked)), extra,
                   tuple(dict.fromkeys(coverage)))


async def _optimize(
    resolver: Resolver, record: str, domain: str, lookups: int
) -> tuple[SpfSummary, tuple[tuple[str, str], ...], list[Finding]]:
    """Rewrite an over-limit record with the SPF optimizer; report what still does not fit."""
    optimized = await optimize_record(resolver, record, domain)
    if optimized.within_limits:
        summary = SpfSummary(optimized.record, optimized.dns_lookups_after, optimized=True, original=record,
                             notes=optimized.notes)
        return summary, tuple((r.name, r.text) for r in optimized.records[1:]), []
    finding = make_finding(
        "plan-spf-over-limit", domain,
        f"The combined SPF record needs {lookups} DNS lookups (limit {LOOKUP_LIMIT}); after optimization "
        f"still {optimized.dns_lookups_after} (kept: {', '.join(optimized.kept) or 'nothing'}).",
        data={"record": record, "dns_lookups": lookups, "after_optimization": optimized.dns_lookups_after},
    )
    return SpfSummary(record, lookups, notes=optimized.notes), (), [finding]
