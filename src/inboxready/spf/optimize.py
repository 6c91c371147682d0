"""`spf optimize`: an equivalent record set within the limits of RFC 7208 4.6.4.

    optimized = await optimize_record(resolver, "v=spf1 include:… include:… ~all", "example.com")
    optimized.records          # what to publish: (name, TXT strings), main record first
    optimized.proof            # old and new evaluated over sampled addresses, plus an exact comparison

Terms are rewritten in order (first match wins, so order is kept): ip4/ip6 stay; a and mx become the
ranges they resolve to now; an include whose policy is fully static (no macros, ptr or exists, no
errors) becomes the ranges it passes, with the include's qualifier; a static redirect= becomes its
target's ranges and final 'all'. Terms that cannot be flattened (exists, ptr, macros, lookups that
fail now) are kept. Consecutive ranges with the same qualifier are merged into the fewest CIDR
blocks. When the record would exceed `max_record_bytes` (450 by default, under the 512-byte UDP
answer with room for other TXT records, RFC 7208 3.4), runs of ranges move to sub-records
_spf1.DOMAIN, _spf2.DOMAIN… reached by include (one lookup each); TXT strings are at most 255 octets.

The original is compared as it intends to behave (without the lookup limits it may break); the new
set is evaluated with the real limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.spf.graph import SpfGraph, TermFacts, fetch_graph
from inboxready.spf.overlay import TxtOverlayResolver, split_strings
from inboxready.spf.partition import node_partition
from inboxready.spf.proof import UNLIMITED, EquivalenceProof, prove_equivalence
from inboxready.spf.ranges import IPRangeSet
from inboxready.spf.record import MAX_DNS_TERMS, Mechanism, MechanismKind, Qualifier, ResultCode, parse_record
from inboxready.spf.tree import build_tree

SAFE_RECORD_BYTES = 450
_QUALIFIER_OF = {ResultCode.PASS: Qualifier.PASS, ResultCode.FAIL: Qualifier.FAIL,
                 ResultCode.SOFTFAIL: Qualifier.SOFTFAIL, ResultCode.NEUTRAL: Qualifier.NEUTRAL}


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    name: str
    text: str

    @property
    def strings(self) -> tuple[str, ...]:
        return split_strings(self.text)

    def zone_line(self) -> str:
        quoted = " ".join(f'"{s}"' for s in self.strings)
        return f"{self.name}. IN TXT {quoted}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": "TXT", "text": self.text, "strings": list(self.strings),
                "bytes": len(self.text)}


@dataclass(frozen=True, slots=True)
class FlattenedTerm:
    term: str  # the original term (include:…, a, mx:…, redirect=…)
    networks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "networks": list(self.networks)}


@dataclass(slots=True)
class _Run:
    qualifier: Qualifier
    ips: IPRangeSet
    sources: list[str] = field(default_factory=list)

    def texts(self, prefix: str | None = None) -> list[str]:
        lead = self.qualifier.value if prefix is None and self.qualifier is not Qualifier.PASS else (prefix or "")
        out = []
        for net in self.ips.networks():
            kind = "ip4" if net.version == 4 else "ip6"
            address = str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
            out.append(f"{lead}{kind}:{address}")
        return out


@dataclass(frozen=True, slots=True)
class _Kept:
    text: str
    cost: int


@dataclass(frozen=True, slots=True)
class OptimizedSpf:
    domain: str
    original: str
    records: tuple[PublishedRecord, ...]
    dns_lookups_before: int
    dns_lookups_after: int
    flattened: tuple[FlattenedTerm, ...]
    kept: tuple[str, ...]
    notes: tuple[str, ...] = ()
    proof: EquivalenceProof | None = None

    @property
    def within_limits(self) -> bool:
        return self.dns_lookups_after <= MAX_DNS_TERMS

    @property
    def record(self) -> str:
        """The main record (at the domain); publish `records` as a whole when there are sub-records."""
        return self.records[0].text

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "source_record": self.original,
            "records": [r.to_dict() for r in self.records],
            "dns_lookups_before": self.dns_lookups_before,
            "dns_lookups_after": self.dns_lookups_after,
            "within_limits": self.within_limits,
            "flattened": [f.to_dict() for f in self.flattened],
            "kept": list(self.kept),
            "notes": list(self.notes),
            "proof": self.proof.to_dict() if self.proof is not None else None,
        }


class _Flattener:
    def __init__(self, graph: SpfGraph) -> None:
        self.graph = graph
        self.tree = build_tree(graph)
        self.items: list[_Run | _Kept] = []
        self.flattened: list[FlattenedTerm] = []
        self.notes: list[str] = []
        self.final: str | None = None

    def add(self, qualifier: Qualifier, ips: IPRangeSet, source: str) -> None:
        last = self.items[-1] if self.items else None
        if isinstance(last, _Run) and last.qualifier is qualifier:
            last.ips = last.ips | ips
            last.sources.append(source)
        else:
            self.items.append(_Run(qualifier, ips, [source]))

    def keep(self, text: str, cost: int) -> None:
        self.items.append(_Kept(text, cost))

    def child_cost(self, text: str) -> int:
        """Lookups a kept include/redirect costs; more than the limit when its tree loops."""
        child = next((c for c in self.tree.children if c.via == text), None)
        if child is None:
            return 1
        return MAX_DNS_TERMS + 1 if child.has_loop else child.cost

    def static_policy(self, target: str) -> dict[ResultCode, IPRangeSet] | str:
        """The target's results by address when ranges decide them completely and without errors;
        otherwise why not."""
        part = node_partition(self.graph, target, max_dns_terms=UNLIMITED, max_void_lookups=UNLIMITED)
        out: dict[ResultCode, IPRangeSet] = {}
        for region in part.regions:
            if region.result is None:
                return "its policy depends on more than the address"
            if region.result not in _QUALIFIER_OF:
                return f"its policy gives {region.result.value} ({region.reason})"
            out[region.result] = out.get(region.result, IPRangeSet()) | region.ips
        return out

    def run(self) -> None:
        root = self.graph.root_node
        assert root.record is not None
        for index, term in enumerate(root.record.terms):
            if not isinstance(term, Mechanism):
                continue
            if self.final is not None:
                self.notes.append(f"dropped '{term.text}': it comes after 'all' and is never evaluated")
                continue
            self.mechanism(term, root.facts(index))
        redirect = root.record.redirect
        if redirect is not None and self.final is None:
            self.redirect(redirect.text, root.facts(root.record.terms.index(redirect)))

    def mechanism(self, m: Mechanism, facts: TermFacts) -> None:
        if m.kind is MechanismKind.ALL:
            self.final = m.text
        elif m.network is not None:
            self.add(m.qualifier, IPRangeSet.of(m.network), m.text)
        elif m.kind in (MechanismKind.A, MechanismKind.MX) and not facts.dynamic:
            ips = _resolved(m, facts)
            if ips is None:
                self.notes.append(f"kept '{m.text}': its lookups fail or exceed a limit now")
                self.keep(m.text, 1)
                return
            self.add(m.qualifier, ips, m.text)
            self.flattened.append(FlattenedTerm(m.text, tuple(str(n) for n in ips.networks())))
        elif m.kind is MechanismKind.INCLUDE and facts.target is not None and not facts.invalid:
            policy = self.static_policy(facts.target)
            if isinstance(policy, str):
                self.notes.append(f"kept '{m.text}': {policy}")
                self.keep(m.text, self.child_cost(m.text))
                return
            ips = policy.get(ResultCode.PASS, IPRangeSet())
            self.add(m.qualifier, ips, m.text)
            self.flattened.append(FlattenedTerm(m.text, tuple(str(n) for n in ips.networks())))
        else:
            self.keep(m.text, self.child_cost(m.text) if m.kind is MechanismKind.INCLUDE else 1)

    def redirect(self, text: str, facts: TermFacts) -> None:
        target = facts.target
        node = self.graph.node(target) if target is not None else None
        policy = self.static_policy(target) if target is not None else "its target uses macros"
        if isinstance(policy, str) or node is None or node.record is None or node.record.explanation is not None:
            self.notes.append(f"kept '{text}': {policy if isinstance(policy, str) else 'its target has exp='}")
            self.keep(text, self.child_cost(text))
            return
        default = max(policy, key=lambda r: policy[r].num_addresses)
        for result in (ResultCode.PASS, ResultCode.FAIL, ResultCode.SOFTFAIL, ResultCode.NEUTRAL):
            if result is not default and result in policy:
                self.add(_QUALIFIER_OF[result], policy[result], text)
        qualifier = _QUALIFIER_OF[default]
        self.final = ("" if qualifier is Qualifier.PASS else qualifier.value) + "all"
        self.flattened.append(FlattenedTerm(text, tuple(str(n) for n in policy.get(ResultCode.PASS, IPRangeSet())
                                                         .networks())))


def _resolved(m: Mechanism, facts: TermFacts) -> IPRangeSet | None:
    """The ranges an a/mx term stands for now; None when a lookup fails or mx exceeds its limit."""
    hosts: list[tuple[Any, Any]] = []
    if m.kind is MechanismKind.A:
        hosts = [(facts.a, facts.aaaa)]
    elif facts.mx is not None:
        if facts.mx.failure is not None or len(facts.mx.values) > 10:
            return None
        hosts = [(h.a, h.aaaa) for h in facts.mx_hosts]
    nets: list[str] = []
    for a, aaaa in hosts:
        if a is None or aaaa is None or a.failure is not None or aaaa.failure is not None:
            return None
        nets += [f"{x}/{m.prefix4}" for x in a.values] + [f"{x}/{m.prefix6}" for x in aaaa.values]
    return IPRangeSet.from_networks(nets)


def _layout(domain: str, items: list[_Run | _Kept], tail: list[str], limit: int) -> list[PublishedRecord]:
    """The main record with as many ranges inline as fit in `limit`, the rest in sub-records."""
    runs = [i for i, item in enumerate(items) if isinstance(item, _Run)]
    texts = {i: items[i].texts(prefix="") for i in runs}  # type: ignore[union-attr]
    inline = {i: len(texts[i]) for i in runs}
    records = _place(domain, items, tail, texts, inline, limit)
    if len(records[0].text) <= limit:
        return records
    for i in runs:  # move every run out, then bring back as many ranges as still fit
        inline[i] = 0
    for i in runs:  # binary search for the most ranges of this run that keep the main record fitting
        low, high = 0, len(texts[i])
        while low < high:
            inline[i] = (low + high + 1) // 2
            if len(_place(domain, items, tail, texts, inline, limit)[0].text) <= limit:
                low = inline[i]
            else:
                high = inline[i] - 1
        inline[i] = low
    return _place(domain, items, tail, texts, inline, limit)


def _place(domain: str, items: list[_Run | _Kept], tail: list[str], texts: dict[int, list[str]],
           inline: dict[int, int], limit: int) -> list[PublishedRecord]:
    terms: list[str] = []
    subs: list[PublishedRecord] = []
    for i, item in enumerate(items):
        if isinstance(item, _Kept):
            terms.append(item.text)
            continue
        lead = "" if item.qualifier is Qualifier.PASS else item.qualifier.value
        terms += [lead + t for t in texts[i][: inline[i]]]
        for chunk in _chunks(texts[i][inline[i]:], limit - len("v=spf1  -all")):
            name = f"_spf{len(subs) + 1}.{domain}"
            subs.append(PublishedRecord(name, " ".join(["v=spf1", *chunk, "-all"])))
            terms.append(f"{lead}include:{name}")
    return [PublishedRecord(domain, " ".join(["v=spf1", *terms, *tail])), *subs]


def _chunks(terms: list[str], room: int) -> list[list[str]]:
    out: list[list[str]] = [[]]
    size = 0
    for term in terms:
        if out[-1] and size + 1 + len(term) > room:
            out.append([])
            size = 0
        out[-1].append(term)
        size += len(term) + 1
    return [c for c in out if c]


async def optimize_record(
    resolver: Resolver,
    record_text: str,
    domain: str,
    *,
    max_record_bytes: int = SAFE_RECORD_BYTES,
    prove: bool = True,
) -> OptimizedSpf:
    """An equivalent record set for `record_text` published at `domain` (raises SpfSyntaxError)."""
    record = parse_record(record_text)
    domain = domain.rstrip(".").lower()
    graph = await fetch_graph(TxtOverlayResolver(resolver, {domain: [record_text]}), domain)
    flat = _Flattener(graph)
    flat.run()
    tail = [t.text for t in record.terms if t is not record.redirect and not isinstance(t, Mechanism)]
    tail = ([flat.final] if flat.final else []) + tail
    records = _layout(domain, flat.items, tail, max_record_bytes)
    after = sum(i.cost for i in flat.items if isinstance(i, _Kept)) + len(records) - 1
    kept = tuple(i.text for i in flat.items if isinstance(i, _Kept))
    proof = None
    if prove:
        proof = await prove_equivalence(resolver, domain, record_text, [(r.name, r.text) for r in records])
    return OptimizedSpf(domain, record_text, tuple(records), flat.tree.cost, after, tuple(flat.flattened), kept,
                        tuple(flat.notes), proof)


async def optimize_domain(resolver: Resolver, domain: str, **options: Any) -> OptimizedSpf:
    """Optimize the record `domain` publishes now (raises InputError when it has none)."""
    graph = await fetch_graph(resolver, domain)
    text = graph.root_node.text
    if text is None:
        raise InputError(f"{domain} publishes no single SPF record to optimize ({graph.root_node.error})")
    return await optimize_record(resolver, text, domain, **options)
