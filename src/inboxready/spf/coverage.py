"""Does a domain's SPF policy authorize ALL of a sending service? Decided by evaluation.

    coverage = await sender_coverage(resolver, "example.com", "_spf.provider.example")
    coverage = await sender_coverage(resolver, "example.com", ["192.0.2.0/24", "2001:db8::/48"])
    coverage.covered        # True, False, or None when it cannot be decided

The sender's networks are its own policy's 'pass' set (an include domain) or the networks given.
The domain's policy is evaluated over address ranges (`inboxready.spf.partition`): a network is
covered when every one of its addresses gets 'pass' — exact interval arithmetic, not sampling, and
not string comparison of records (so a provider reached through a nested include, or a domain that
lists the provider's ranges itself, counts; an earlier -ip4 or a lookup limit that cuts the
provider off does not). A sender whose policy depends on the connecting address in ways ranges
cannot express (exists:%{i}…, ptr) is covered when every address that could pass reaches the
sender's include through '+' includes (RFC 7208 5.2).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.spf.graph import NodeStatus, SpfGraph, fetch_graph
from inboxready.spf.partition import Partition, policy_partition
from inboxready.spf.ranges import IPRangeSet, Network
from inboxready.spf.record import ResultCode
from inboxready.spf.risks import failure_findings
from inboxready.spf.tree import build_tree

COVERED, NOT_COVERED, PARTIAL, UNDETERMINED = "covered", "not-covered", "partial", "undetermined"


@dataclass(frozen=True, slots=True)
class NetworkCoverage:
    network: str
    status: str  # covered, not-covered, partial, undetermined
    uncovered: tuple[str, ...] = ()  # the blocks that do not get 'pass'
    results: tuple[str, ...] = ()  # what those blocks get instead (fail, softfail, permerror…)
    via: str = ""  # the decision path for the part that passes

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network, "status": self.status, "uncovered": list(self.uncovered),
                "results": list(self.results), "via": self.via}


@dataclass(frozen=True, slots=True)
class Coverage:
    domain: str
    sender: str
    covered: bool | None
    networks: tuple[NetworkCoverage, ...]
    reason: str
    via: tuple[str, ...] = ()  # the include chain reaching the sender, when it is included
    dynamic: str | None = None  # how the sender's address-dependent part was decided
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "sender": self.sender,
            "covered": self.covered,
            "reason": self.reason,
            "via": list(self.via),
            "dynamic": self.dynamic,
            "networks": [n.to_dict() for n in self.networks],
            "findings": [f.to_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
        }


def _network_coverage(network: Network, policy: Partition) -> NetworkCoverage:
    block = IPRangeSet.of(network)
    not_passing = block - policy.passing
    via = next((" → ".join(m.term for m in r.path) for r in policy.regions
                if r.result is ResultCode.PASS and r.ips & block), "")
    if not not_passing:
        return NetworkCoverage(str(network), COVERED, via=via)
    results = sorted({(r.result.value if r.result else "undetermined") for r in policy.regions if r.ips & not_passing})
    blocks = tuple(str(n) for n in not_passing.networks()[:20])
    if not (not_passing - policy.undetermined):
        return NetworkCoverage(str(network), UNDETERMINED, blocks, tuple(results), via)
    status = NOT_COVERED if not_passing == block else PARTIAL
    return NetworkCoverage(str(network), status, blocks, tuple(results), via)


def _dynamic_part(sender: str, sender_policy: Partition, policy: Partition) -> tuple[bool | None, str | None,
                                                                                    tuple[str, ...]]:
    """(covered, how, include chain) for the sender's address-dependent part."""
    maybe = sender_policy.undetermined
    reaches = [r for r in policy.reaches if r.domain == sender and r.passes_through]
    via = tuple(m.term for m in reaches[0].path) if reaches else ()
    if not maybe:
        return True, None, via
    needed = maybe - policy.passing
    reached = IPRangeSet()
    for reach in reaches:
        reached = reached | reach.ips
    if needed <= reached:
        return True, f"the address-dependent part of {sender} is reached through {' → '.join(via)}", via
    if reaches:
        return None, f"the include of {sender} is not reached for every address", via
    return False, f"{sender} decides by address ({', '.join(_dynamic_terms(sender_policy))}) but is not included", via


def _dynamic_terms(policy: Partition) -> list[str]:
    return list(dict.fromkeys(r.path[-1].term for r in policy.regions if r.result is None and r.path))


def _problems(graph: SpfGraph) -> tuple[list[Finding], list[str]]:
    return failure_findings(graph, build_tree(graph))


async def sender_coverage(
    resolver: Resolver,
    domain: str,
    sender: str | Sequence[str | Network],
    *,
    domain_graph: SpfGraph | None = None,
) -> Coverage:
    """Whether `domain` authorizes every address of `sender` (an include domain, or networks)."""
    graph = domain_graph or await fetch_graph(resolver, domain)
    policy = policy_partition(graph)
    findings, unchecked = _problems(graph)
    dynamic_ok: bool | None = True
    how: str | None = None
    via: tuple[str, ...] = ()
    if isinstance(sender, str):
        name = sender.removeprefix("include:").rstrip(".").lower()
        sender_graph = await fetch_graph(resolver, name)
        more, more_unchecked = _problems(sender_graph)
        findings, unchecked = findings + more, unchecked + more_unchecked
        if sender_graph.root_node.status is not NodeStatus.RECORD:
            return Coverage(graph.root, name, None if unchecked else False, (),
                            f"{name} has no usable SPF record ({sender_graph.root_node.error})",
                            findings=tuple(findings), unchecked=tuple(unchecked))
        sender_policy = policy_partition(sender_graph)
        networks: list[Network] = sender_policy.passing.networks()
        dynamic_ok, how, via = _dynamic_part(name, sender_policy, policy)
        label = name
    else:
        try:
            networks = [ipaddress.ip_network(n, strict=False) if isinstance(n, str) else n for n in sender]
        except ValueError as exc:
            raise InputError(f"not a network: {exc}") from None
        label = ", ".join(str(n) for n in networks)
    per_network = tuple(_network_coverage(n, policy) for n in networks)
    covered = _verdict(per_network, dynamic_ok, bool(unchecked))
    reason = _reason(per_network, covered, how)
    if covered is False:
        findings.append(_not_authorized(graph.root, label, per_network, how))
    return Coverage(graph.root, label, covered, per_network, reason, via, how, tuple(findings), tuple(unchecked))


def _verdict(networks: Sequence[NetworkCoverage], dynamic_ok: bool | None, failed: bool) -> bool | None:
    statuses = {n.status for n in networks}
    if statuses & {NOT_COVERED, PARTIAL} or dynamic_ok is False:
        return False
    if failed or UNDETERMINED in statuses or dynamic_ok is None:
        return None
    return True


def _reason(networks: Sequence[NetworkCoverage], covered: bool | None, how: str | None) -> str:
    bad = [n for n in networks if n.status != COVERED]
    if covered is True:
        parts = [f"all {len(networks)} networks pass"] if networks else []
        return "; ".join([*parts, *([how] if how else [])]) or "nothing to cover"
    if not bad:
        return how or "could not be decided"
    first = bad[0]
    text = f"{len(bad)} of {len(networks)} networks do not fully pass; e.g. {first.network} ({first.status}: "
    return text + f"{', '.join(first.uncovered[:3])} get {'/'.join(first.results)})"


def _not_authorized(domain: str, sender: str, networks: Sequence[NetworkCoverage], how: str | None) -> Finding:
    bad = [n for n in networks if n.status in (NOT_COVERED, PARTIAL)]
    sample = ", ".join(f"{n.network} ({'/'.join(n.results)})" for n in bad[:3])
    message = f"{domain} does not authorize all of {sender}"
    message += f": {len(bad)} of {len(networks)} networks would not pass, e.g. {sample}." if bad else f": {how}."
    return make_finding("spf-sender-not-authorized", domain, message,
                        data={"sender": sender, "networks": [n.to_dict() for n in bad[:50]]})
