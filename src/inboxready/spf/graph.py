"""Everything DNS says about a domain's SPF policy, fetched once: the record graph.

`fetch_graph(resolver, domain)` reads the domain's TXT record and, level by level and concurrently,
every record its include/redirect terms name, plus what the a, mx and exists terms look up (A and
AAAA both, since analysis covers IPv4 and IPv6 senders). Targets whose macros depend only on the
current domain (%{d}) or the sender's domain (%{o}, taken to be the analyzed domain) are expanded;
targets that depend on the connecting IP or the local-part are marked dynamic (RFC 7208 7.3).

The graph is plain data; the analyzer, the coverage check and the optimizer read it without DNS.
A domain is fetched once however often it is included (loops are the walkers' business).
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.spf.macro import MacroString, MacroValues, expand
from inboxready.spf.names import target_name
from inboxready.spf.record import (
    MAX_MX_NAMES,
    Mechanism,
    MechanismKind,
    SpfRecord,
    SpfSyntaxError,
    parse_record,
    select_record,
)
from inboxready.spf.result import parse_ip

MAX_NODES = 120
_STATIC_LETTERS = frozenset("do")


class NodeStatus(enum.Enum):
    RECORD = "record"
    NONE = "none"  # no v=spf1 TXT record
    MULTIPLE = "multiple"
    SYNTAX = "syntax"
    NON_ASCII = "non-ascii"
    FAILURE = "failure"  # the TXT lookup failed (timeout, SERVFAIL...)
    INVALID_NAME = "invalid-name"
    NOT_FETCHED = "not-fetched"  # beyond the node limit


@dataclass(frozen=True, slots=True)
class Lookup:
    """One lookup's outcome: addresses/names, or void (NXDOMAIN/NODATA), or a failure."""

    values: tuple[str, ...] = ()
    void: bool = False
    failure: DnsError | None = field(default=None, compare=False)

    @classmethod
    def of(cls, reply: Answer | DnsError, kind: str) -> Lookup:
        if isinstance(reply, Answer):
            if kind == "MX":
                ordered = sorted(reply.records, key=lambda r: r.preference)  # type: ignore[attr-defined]
                return cls(tuple(r.exchange.to_text(omit_final_dot=True) or "." for r in ordered))  # type: ignore[attr-defined]
            return cls(tuple(reply.addresses()) if kind in ("A", "AAAA") else ("exists",))
        return cls(failure=reply) if reply.is_failure else cls(void=True)


@dataclass(frozen=True, slots=True)
class HostLookups:
    name: str
    a: Lookup
    aaaa: Lookup

    def for_family(self, version: int) -> Lookup:
        return self.a if version == 4 else self.aaaa


@dataclass(frozen=True, slots=True)
class TermFacts:
    """What the DNS said for one DNS-querying term of a record."""

    target: str | None  # the expanded target domain; None when dynamic
    dynamic: bool = False
    invalid: bool = False  # the target cannot be a DNS name (treated as non-existent)
    a: Lookup | None = None
    aaaa: Lookup | None = None
    mx: Lookup | None = None
    mx_hosts: tuple[HostLookups, ...] = ()

    def addresses(self, version: int) -> Lookup | None:
        return self.a if version == 4 else self.aaaa


@dataclass(frozen=True, slots=True)
class RecordNode:
    domain: str
    status: NodeStatus
    record: SpfRecord | None = None
    text: str | None = None
    error: str | None = None
    failure: DnsError | None = field(default=None, compare=False)
    void: bool = False  # the TXT lookup was NXDOMAIN or NODATA
    txt_strings: tuple[tuple[bytes, ...], ...] = ()
    answer_size: int = 0
    terms: dict[int, TermFacts] = field(default_factory=dict)

    def facts(self, index: int) -> TermFacts:
        return self.terms.get(index, TermFacts(target=None, dynamic=True))


@dataclass(frozen=True, slots=True)
class SpfGraph:
    root: str
    nodes: dict[str, RecordNode]
    #: Deprecated type-99 SPF records at the root (RFC 7208 3.1/14.1), or None when the lookup failed.
    type99: tuple[str, ...] | None = ()

    def node(self, domain: str) -> RecordNode:
        key = domain.rstrip(".").lower()
        return self.nodes.get(key) or RecordNode(key, NodeStatus.NOT_FETCHED)

    @property
    def root_node(self) -> RecordNode:
        return self.node(self.root)


def static_target(macro: MacroString | None, domain: str, root: str) -> str | None:
    """The expanded domain-spec when it needs only %{d} and %{o}; None when it is dynamic."""
    if macro is None:
        return domain
    if not macro.letters <= _STATIC_LETTERS:
        return None
    values = MacroValues(sender=f"postmaster@{root}", local_part="postmaster", sender_domain=root,
                         domain=domain, ip=parse_ip("0.0.0.0"), helo=root)
    return expand(macro, values).rstrip(".").lower()


def answer_wire_size(qname: str, strings: tuple[tuple[bytes, ...], ...]) -> int:
    """Size of a DNS response carrying these TXT records (no EDNS): header, question, and per record
    a compressed owner name, fixed fields and the character-strings (RFC 1035 4.1)."""
    name_length = sum(len(label) + 1 for label in qname.rstrip(".").split(".")) + 1
    rdata = sum(sum(1 + len(s) for s in record) for record in strings)
    return 12 + name_length + 4 + len(strings) * 12 + rdata


class ImpossibleName(DnsError):
    """A name that cannot exist in the DNS (empty or over-long label): answered without asking."""

    kind = "nxdomain"
    is_failure = False
    label = "not a valid DNS name"


async def _ask(resolver: Resolver, name: str, rdtype: str) -> Answer | DnsError:
    dns_name = target_name(name)
    if dns_name is None:
        return ImpossibleName(name, rdtype)
    try:
        return await resolver.query(dns_name, rdtype)
    except DnsError as exc:
        return exc


async def _host(resolver: Resolver, name: str) -> HostLookups:
    a, aaaa = await asyncio.gather(_ask(resolver, name, "A"), _ask(resolver, name, "AAAA"))
    return HostLookups(name, Lookup.of(a, "A"), Lookup.of(aaaa, "AAAA"))


async def _term_facts(resolver: Resolver, mechanism: Mechanism, domain: str, root: str) -> TermFacts:
    target = static_target(mechanism.domain_spec, domain, root)
    if target is None:
        return TermFacts(None, dynamic=True)
    if target_name(target) is None:
        return TermFacts(target, invalid=True)
    kind = mechanism.kind
    if kind is MechanismKind.A:
        host = await _host(resolver, target)
        return TermFacts(target, a=host.a, aaaa=host.aaaa)
    if kind is MechanismKind.EXISTS:
        return TermFacts(target, a=Lookup.of(await _ask(resolver, target, "A"), "exists"))
    if kind is MechanismKind.MX:
        mx = Lookup.of(await _ask(resolver, target, "MX"), "MX")
        names = [n for n in mx.values if n != "."][: MAX_MX_NAMES + 1]
        hosts = await asyncio.gather(*(_host(resolver, n) for n in names)) if len(mx.values) <= MAX_MX_NAMES else []
        return TermFacts(target, mx=mx, mx_hosts=tuple(hosts))
    return TermFacts(target)  # include, redirect, ptr: the target only


async def fetch_node(resolver: Resolver, domain: str, root: str) -> RecordNode:
    key = domain.rstrip(".").lower()
    if target_name(key) is None:
        return RecordNode(key, NodeStatus.INVALID_NAME, error="not a valid domain name")
    reply = await _ask(resolver, key, "TXT")
    if isinstance(reply, DnsError):
        if reply.is_failure:
            return RecordNode(key, NodeStatus.FAILURE, error=reply.describe(), failure=reply)
        return RecordNode(key, NodeStatus.NONE, void=True, error=reply.label)
    strings = tuple(reply.strings())
    selected = select_record(strings)

    def node(status: NodeStatus, error: str | None = None, **extra: Any) -> RecordNode:
        return RecordNode(key, status, text=selected.text, error=error, txt_strings=strings,
                          answer_size=answer_wire_size(key, strings), **extra)

    if selected.multiple:
        return node(NodeStatus.MULTIPLE, f"{selected.candidates} v=spf1 records")
    if selected.text is None:
        return node(NodeStatus.NONE, "no v=spf1 record among the TXT records")
    if selected.non_ascii:
        return node(NodeStatus.NON_ASCII, "non-ASCII characters in the record")
    try:
        record = parse_record(selected.text)
    except SpfSyntaxError as exc:
        return node(NodeStatus.SYNTAX, str(exc))
    indexed = [(i, t) for i, t in enumerate(record.terms) if isinstance(t, Mechanism) and t.kind.causes_lookup]
    facts = await asyncio.gather(*(_term_facts(resolver, t, key, root) for _, t in indexed))
    terms = {i: f for (i, _), f in zip(indexed, facts, strict=True)}
    redirect = record.redirect
    if redirect is not None:
        target = static_target(redirect.value, key, root)
        terms[record.terms.index(redirect)] = TermFacts(target, dynamic=target is None)
    return node(NodeStatus.RECORD, record=record, terms=terms)


def _children(node: RecordNode) -> list[str]:
    if node.record is None:
        return []
    out = []
    for index, term in enumerate(node.record.terms):
        is_include = isinstance(term, Mechanism) and term.kind is MechanismKind.INCLUDE
        if is_include or term is node.record.redirect:
            target = node.facts(index).target
            if target is not None and not node.facts(index).invalid:
                out.append(target)
    return out


async def _type99(resolver: Resolver, domain: str) -> tuple[str, ...] | None:
    reply = await _ask(resolver, domain, "SPF")
    if isinstance(reply, Answer):
        return tuple(reply.texts())
    if isinstance(reply, DnsError) and reply.is_failure:
        return None
    return ()


async def fetch_graph(resolver: Resolver, domain: str, *, max_nodes: int = MAX_NODES) -> SpfGraph:
    """The record graph of `domain` (fetching at most `max_nodes` records)."""
    root = domain.rstrip(".").lower()
    nodes: dict[str, RecordNode] = {}
    type99_task = asyncio.ensure_future(_type99(resolver, root))
    frontier = [root]
    while frontier:
        room = max_nodes - len(nodes)
        batch, frontier = frontier[:room], []
        if not batch:
            break
        for node in await asyncio.gather(*(fetch_node(resolver, d, root) for d in batch)):
            nodes[node.domain] = node
        for node_domain in batch:
            for child in _children(nodes[node_domain]):
                if child not in nodes and child not in frontier:
                    frontier.append(child)
    return SpfGraph(root, nodes, await type99_task)
