"""check_host() over whole address ranges at once: which addresses get which result.

`policy_partition(graph)` runs the same rules as the evaluator (RFC 7208 4.6-6: first match wins,
include maps pass to a match and none to permerror, redirect after all mechanisms, the 10-term and
2-void limits, resolve-all for mx) on sets of addresses instead of one address. Addresses travel in
groups that share their lookup and void counts, so the limits apply exactly as they would to each
address. The result is a partition of the whole IPv4+IPv6 space into regions, each with the result
and the decision path; a region whose result depends on more than the address range (ptr, %{i}
macros, the sender's local-part) has result None ("undetermined").

It also records, for every include reached, which addresses reach it (`IncludeReach`), which is how
coverage of a sender whose own policy is dynamic is decided.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from inboxready.spf.graph import NodeStatus, RecordNode, SpfGraph, TermFacts
from inboxready.spf.ranges import Address, IPRangeSet
from inboxready.spf.record import (
    MAX_DNS_TERMS,
    MAX_MX_NAMES,
    MAX_NESTING,
    MAX_VOID_LOOKUPS,
    Mechanism,
    MechanismKind,
    Qualifier,
    ResultCode,
)
from inboxready.spf.result import MatchedTerm

Path = tuple[MatchedTerm, ...]
_NO_MATCH = (ResultCode.FAIL, ResultCode.SOFTFAIL, ResultCode.NEUTRAL)


@dataclass(frozen=True, slots=True)
class PolicyRegion:
    ips: IPRangeSet
    result: ResultCode | None  # None: undetermined by address alone
    path: Path = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IncludeReach:
    domain: str  # the included domain
    path: Path  # the include chain, ending with the include term itself
    ips: IPRangeSet  # addresses whose evaluation reaches this include
    passes_through: bool  # every include on the chain is '+': a pass inside is a pass overall


@dataclass(frozen=True, slots=True)
class Partition:
    regions: tuple[PolicyRegion, ...]
    reaches: tuple[IncludeReach, ...] = ()

    def addresses(self, result: ResultCode | None) -> IPRangeSet:
        out = IPRangeSet()
        for region in self.regions:
            if region.result is result:
                out = out | region.ips
        return out

    @property
    def passing(self) -> IPRangeSet:
        return self.addresses(ResultCode.PASS)

    @property
    def undetermined(self) -> IPRangeSet:
        return self.addresses(None)

    def region_of(self, ip: Address | str) -> PolicyRegion:
        address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        for region in self.regions:
            if address in region.ips:
                return region
        raise LookupError(f"{ip} is in no region (the partition is incomplete)")


@dataclass(frozen=True, slots=True)
class _Group:
    ips: IPRangeSet
    lookups: int
    voids: int


@dataclass(frozen=True, slots=True)
class _Out:
    ips: IPRangeSet
    lookups: int
    voids: int
    result: ResultCode | None
    path: Path = ()
    reason: str | None = None


@dataclass(slots=True)
class _Split:
    matched: list[tuple[_Group, Path]] = field(default_factory=list)
    rest: list[_Group] = field(default_factory=list)
    decided: list[_Out] = field(default_factory=list)

    def decide(self, g: _Group, result: ResultCode | None, reason: str) -> _Split:
        if g.ips:
            self.decided.append(_Out(g.ips, g.lookups, g.voids, result, (), reason))
        return self

    def match(self, g: _Group, networks: IPRangeSet, path: Path = ()) -> _Split:
        inside, outside = g.ips & networks, g.ips - networks
        if inside:
            self.matched.append((_Group(inside, g.lookups, g.voids), path))
        if outside:
            self.rest.append(_Group(outside, g.lookups, g.voids))
        return self


def _merge(groups: Iterable[_Group]) -> list[_Group]:
    merged: dict[tuple[int, int], IPRangeSet] = {}
    for g in groups:
        if g.ips:
            key = (g.lookups, g.voids)
            merged[key] = merged[key] | g.ips if key in merged else g.ips
    return [_Group(ips, lookups, voids) for (lookups, voids), ips in merged.items()]


def _networks(addresses: Iterable[str], prefix: int) -> IPRangeSet:
    return IPRangeSet.from_networks(ipaddress.ip_network(f"{a}/{prefix}", strict=False) for a in addresses)


class _Walker:
    def __init__(self, graph: SpfGraph, max_terms: int, max_voids: int) -> None:
        self.graph = graph
        self.max_terms = max_terms
        self.max_voids = max_voids
        self.reaches: list[IncludeReach] = []

    def void(self, g: _Group, split: _Split, what: str) -> _Group | None:
        """Count one void lookup for the group; None when that exceeds the limit (permerror)."""
        if g.voids + 1 > self.max_voids:
            split.decide(g, ResultCode.PERMERROR, f"more than {self.max_voids} void lookups ({what})")
            return None
        return _Group(g.ips, g.lookups, g.voids + 1)

    def record(self, domain: str, groups: list[_Group], context: Path, passes: bool, root: bool) -> list[_Out]:
        if len(context) > MAX_NESTING:
            return [_Out(g.ips, g.lookups, g.voids, ResultCode.PERMERROR, (), f"nested more than {MAX_NESTING} "
                         f"deep at {domain} (a loop)") for g in groups]
        node = self.graph.node(domain)
        early = self._status(node, groups, root)
        if early is not None:
            return early
        assert node.record is not None
        outs: list[_Out] = []
        for index, term in enumerate(node.record.terms):
            if not groups:
                break
            if not isinstance(term, Mechanism):
                continue
            rest: list[_Group] = []
            for g in groups:
                split = self.mechanism(node, index, term, g, context, passes)
                here = MatchedTerm(node.domain, term.text)
                outs += [_Out(m.ips, m.lookups, m.voids, term.qualifier.result, (here, *inner))
                         for m, inner in split.matched]
                outs += [_Out(d.ips, d.lookups, d.voids, d.result, (here, *d.path), d.reason) for d in split.decided]
                rest += split.rest
            groups = _merge(rest)
        if groups:
            outs += self._after_mechanisms(node, groups, context, passes)
        return outs

    def _status(self, node: RecordNode, groups: list[_Group], root: bool) -> list[_Out] | None:
        status = node.status
        if status is NodeStatus.RECORD:
            return None
        result: ResultCode | None = ResultCode.PERMERROR
        if status is NodeStatus.NOT_FETCHED:
            result = None
        elif status is NodeStatus.FAILURE:
            result = ResultCode.TEMPERROR
        elif status in (NodeStatus.NONE, NodeStatus.INVALID_NAME):
            result = ResultCode.NONE
        outs = []
        for g in groups:
            if status is NodeStatus.NONE and node.void and not root:
                split = _Split()
                counted = self.void(g, split, f"{node.domain} TXT")
                outs += [_Out(d.ips, d.lookups, d.voids, d.result, (), d.reason) for d in split.decided]
                if counted is None:
                    continue
                g = counted
            outs.append(_Out(g.ips, g.lookups, g.voids, result, (), f"{node.domain}: {node.error or status.value}"))
        return outs

    def _after_mechanisms(self, node: RecordNode, groups: list[_Group], context: Path, passes: bool) -> list[_Out]:
        assert node.record is not None
        redirect = node.record.redirect
        if redirect is None:
            return [_Out(g.ips, g.lookups, g.voids, ResultCode.NEUTRAL, (), "no match, no redirect") for g in groups]
        facts = node.facts(node.record.terms.index(redirect))
        here = MatchedTerm(node.domain, redirect.text)
        outs: list[_Out] = []
        for g in groups:
            if g.lookups + 1 > self.max_terms:
                outs.append(_Out(g.ips, g.lookups + 1, g.voids, ResultCode.PERMERROR, (here,), "too many lookups"))
                continue
            if facts.target is None:
                outs.append(_Out(g.ips, g.lookups + 1, g.voids, None, (here,), "redirect target uses macros"))
                continue
            inner = self.record(facts.target, [_Group(g.ips, g.lookups + 1, g.voids)], (*context, here), passes,
                                root=False)
            for o in inner:
                result, reason = o.result, o.reason
                if result is ResultCode.NONE:
                    result, reason = ResultCode.PERMERROR, f"redirect target {facts.target} has no SPF record"
                outs.append(_Out(o.ips, o.lookups, o.voids, result, (here, *o.path), reason))
        return outs

    def mechanism(self, node: RecordNode, index: int, m: Mechanism, g: _Group, context: Path,
                  passes: bool) -> _Split:
        split = _Split()
        if m.kind is MechanismKind.ALL:
            return split.match(g, IPRangeSet.everything())
        if m.network is not None:
            return split.match(g, IPRangeSet.of(m.network))
        g = _Group(g.ips, g.lookups + 1, g.voids)
        if g.lookups > self.max_terms:
            return split.decide(g, ResultCode.PERMERROR, f"more than {self.max_terms} DNS-querying terms")
        facts = node.facts(index)
        if m.kind is MechanismKind.PTR or facts.target is None:
            return split.decide(g, None, f"'{m.text}' depends on more than the address")
        if m.kind is MechanismKind.INCLUDE:
            return self._include(node, m, facts, g, context, passes, split)
        if facts.invalid:
            split.rest.append(g)
            return split
        if m.kind is MechanismKind.EXISTS:
            return self._exists(facts, g, split)
        for version in (4, 6):
            part = _Group(g.ips.only(version), g.lookups, g.voids)
            if part.ips:
                if m.kind is MechanismKind.A:
                    self._a(m, facts, version, part, split)
                else:
                    self._mx(m, facts, version, part, split)
        return split

    def _exists(self, facts: TermFacts, g: _Group, split: _Split) -> _Split:
        lookup = facts.a
        assert lookup is not None
        if lookup.failure:
            return split.decide(g, ResultCode.TEMPERROR, lookup.failure.describe())
        if lookup.void:
            counted = self.void(g, split, f"{facts.target} A")
            if counted is not None:
                split.rest.append(counted)
            return split
        return split.match(g, IPRangeSet.everything())

    def _a(self, m: Mechanism, facts: TermFacts, version: int, g: _Group, split: _Split) -> None:
        lookup = facts.addresses(version)
        assert lookup is not None
        if lookup.failure:
            split.decide(g, ResultCode.TEMPERROR, lookup.failure.describe())
        elif lookup.void:
            counted = self.void(g, split, f"{facts.target} {'A' if version == 4 else 'AAAA'}")
            if counted is not None:
                split.rest.append(counted)
        else:
            split.match(g, _networks(lookup.values, m.prefix4 if version == 4 else m.prefix6))

    def _mx(self, m: Mechanism, facts: TermFacts, version: int, g: _Group, split: _Split) -> None:
        mx = facts.mx
        assert mx is not None
        if mx.failure:
            split.decide(g, ResultCode.TEMPERROR, mx.failure.describe())
            return
        if mx.void:
            counted = self.void(g, split, f"{facts.target} MX")
            if counted is not None:
                split.rest.append(counted)
            return
        if len(mx.values) > MAX_MX_NAMES:
            split.decide(g, ResultCode.PERMERROR, f"{facts.target} has more than {MAX_MX_NAMES} MX records")
            return
        addresses: list[str] = []
        for host in facts.mx_hosts:
            lookup = host.for_family(version)
            if lookup.failure:
                split.decide(g, ResultCode.TEMPERROR, lookup.failure.describe())
                return
            if lookup.void:
                counted = self.void(g, split, f"{host.name} {'A' if version == 4 else 'AAAA'}")
                if counted is None:
                    return
                g = counted
            addresses += lookup.values
        split.match(g, _networks(addresses, m.prefix4 if version == 4 else m.prefix6))

    def _include(self, node: RecordNode, m: Mechanism, facts: TermFacts, g: _Group, context: Path,
                 passes: bool, split: _Split) -> _Split:
        target = facts.target
        assert target is not None
        here = MatchedTerm(node.domain, m.text)
        chain_passes = passes and m.qualifier is Qualifier.PASS
        self.reaches.append(IncludeReach(target, (*context, here), g.ips, chain_passes))
        if facts.invalid:
            return split.decide(g, ResultCode.PERMERROR, f"include:{target}: not a valid domain name")
        for o in self.record(target, [g], (*context, here), chain_passes, root=False):
            group = _Group(o.ips, o.lookups, o.voids)
            if o.result is ResultCode.PASS:
                split.matched.append((group, o.path))
            elif o.result in _NO_MATCH:
                split.rest.append(group)
            elif o.result is ResultCode.NONE:
                split.decided.append(_Out(o.ips, o.lookups, o.voids, ResultCode.PERMERROR, o.path,
                                          f"include:{target} has no SPF record"))
            else:
                split.decided.append(_Out(o.ips, o.lookups, o.voids, o.result, o.path, o.reason))
        return split


def policy_partition(graph: SpfGraph, *, max_dns_terms: int = MAX_DNS_TERMS,
                     max_void_lookups: int = MAX_VOID_LOOKUPS) -> Partition:
    """The result of the graph's root policy for every address, as regions of address ranges."""
    return node_partition(graph, graph.root, max_dns_terms=max_dns_terms, max_void_lookups=max_void_lookups)


def node_partition(graph: SpfGraph, domain: str, *, max_dns_terms: int = MAX_DNS_TERMS,
                   max_void_lookups: int = MAX_VOID_LOOKUPS) -> Partition:
    """The partition of the policy at `domain` (any node of the graph) evaluated on its own."""
    walker = _Walker(graph, max_dns_terms, max_void_lookups)
    outs = walker.record(domain, [_Group(IPRangeSet.everything(), 0, 0)], (), True, root=True)
    merged: dict[tuple[ResultCode | None, Path, str | None], IPRangeSet] = {}
    for o in outs:
        if o.ips:
            key = (o.result, o.path, o.reason if o.result is not ResultCode.PASS else None)
            merged[key] = merged[key] | o.ips if key in merged else o.ips
    regions = tuple(PolicyRegion(ips, result, path, reason) for (result, path, reason), ips in merged.items())
    return Partition(regions, tuple(walker.reaches))
