"""`spf analyze`: a domain's SPF policy as a whole (RFC 7208).

    analysis = await analyze_spf(resolver, "example.com")
    analysis.dns_lookups, analysis.void_lookups    # worst case, against the limits of 10 and 2
    analysis.tree                                  # include/redirect tree with each node's cost
    analysis.networks                              # every authorized range, with the path granting it
    analysis.findings                              # errors and risky constructs, coded

The networks come from evaluating the policy over address ranges (`inboxready.spf.partition`), so
they are exactly the addresses that get 'pass' — an earlier -ip4 or a lookup limit is accounted for.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.model import Finding, sort_findings
from inboxready.spf.graph import NodeStatus, SpfGraph, fetch_graph
from inboxready.spf.names import is_valid_domain
from inboxready.spf.partition import Partition, policy_partition
from inboxready.spf.record import MAX_DNS_TERMS, MAX_VOID_LOOKUPS, ResultCode
from inboxready.spf.risks import (
    INVALIDATING,
    all_findings,
    construct_findings,
    failure_findings,
    limit_findings,
    node_findings,
    overlap_findings,
    root_findings,
    type99_findings,
)
from inboxready.spf.tree import TreeNode, build_tree

MAX_LISTED_NETWORKS = 1000


@dataclass(frozen=True, slots=True)
class AuthorizedNetwork:
    network: str
    version: int
    term: str  # the term that grants it (ip4:…, a, mx:…, all)
    domain: str  # the record holding that term
    via: tuple[str, ...] = ()  # include/redirect terms leading to it

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network, "term": self.term, "domain": self.domain, "via": list(self.via)}


@dataclass(frozen=True, slots=True)
class SpfAnalysis:
    domain: str
    record: str | None
    valid: bool
    dns_lookups: int
    void_lookups: int
    void_lookups_by_family: tuple[int, int]
    tree: TreeNode
    networks: tuple[AuthorizedNetwork, ...]
    findings: tuple[Finding, ...]
    unchecked: tuple[str, ...] = ()
    networks_truncated: bool = False
    undetermined: tuple[str, ...] = ()  # terms whose effect depends on more than the address
    graph: SpfGraph | None = field(default=None, compare=False)
    partition: Partition | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        root = self.graph.root_node if self.graph is not None else None
        return {
            "domain": self.domain,
            "record": self.record,
            "valid": self.valid,
            "dns_lookups": self.dns_lookups,
            "void_lookups": self.void_lookups,
            "limits": {"dns_lookups": MAX_DNS_TERMS, "void_lookups": MAX_VOID_LOOKUPS},
            "void_lookups_by_family": {"ip4": self.void_lookups_by_family[0], "ip6": self.void_lookups_by_family[1]},
            "networks": {
                "ip4": [n.to_dict() for n in self.networks if n.version == 4],
                "ip6": [n.to_dict() for n in self.networks if n.version == 6],
            },
            "networks_truncated": self.networks_truncated,
            "undetermined": list(self.undetermined),
            "answer_bytes": root.answer_size if root is not None else None,
            "type99": list(self.graph.type99 or ()) if self.graph is not None else [],
            "findings": [f.to_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
            "tree": self.tree.to_dict(),
        }


def authorized_networks(partition: Partition, limit: int = MAX_LISTED_NETWORKS) -> tuple[list[AuthorizedNetwork], bool]:
    """Every range that gets 'pass', as CIDR blocks, each with the path that grants it."""
    out: list[AuthorizedNetwork] = []
    for region in partition.regions:
        if region.result is not ResultCode.PASS or not region.path:
            continue
        last = region.path[-1]
        via = tuple(m.term for m in region.path[:-1])
        for network in region.ips.networks():
            out.append(AuthorizedNetwork(str(network), network.version, last.term, last.domain, via))
    out.sort(key=lambda n: (n.version, _sort_key(n.network)))
    return out[:limit], len(out) > limit


def _sort_key(network: str) -> tuple[int, int]:
    net = ipaddress.ip_network(network)
    return int(net.network_address), net.prefixlen


def analyze_graph(graph: SpfGraph) -> SpfAnalysis:
    """The analysis of an already fetched graph (pure)."""
    tree = build_tree(graph)
    partition = policy_partition(graph)
    findings = root_findings(graph)
    failures, unchecked = failure_findings(graph, tree)
    if graph.root_node.status is NodeStatus.RECORD:
        findings += node_findings(graph, tree) + limit_findings(graph, tree) + all_findings(graph, partition)
        findings += construct_findings(graph, tree) + type99_findings(graph) + overlap_findings(graph, tree)
    findings += failures
    networks, truncated = authorized_networks(partition)
    voids = tree.total_voids
    undetermined = tuple(dict.fromkeys(
        r.path[-1].term for r in partition.regions if r.result is None and r.path
    ))
    valid = graph.root_node.status is NodeStatus.RECORD and not any(f.code in INVALIDATING for f in findings)
    return SpfAnalysis(
        domain=graph.root,
        record=graph.root_node.text,
        valid=valid and not unchecked,
        dns_lookups=tree.cost,
        void_lookups=max(voids),
        void_lookups_by_family=voids,
        tree=tree,
        networks=tuple(networks),
        findings=tuple(sort_findings(findings)),
        unchecked=tuple(unchecked),
        networks_truncated=truncated,
        undetermined=undetermined,
        graph=graph,
        partition=partition,
    )


async def analyze_spf(resolver: Resolver, domain: str) -> SpfAnalysis:
    """Fetch and analyze the SPF policy of `domain`. InputError for a name that is not a domain."""
    if not is_valid_domain(domain):
        raise InputError(f"{domain!r} is not a valid domain name")
    return analyze_graph(await fetch_graph(resolver, domain))
