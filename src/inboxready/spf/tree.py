"""The include/redirect tree of a policy with each node's DNS-lookup cost (RFC 7208 4.6.4).

Costs are those of evaluating an address that matches nothing, the worst case the 10-term limit is
about: every DNS-querying term up to the first 'all' counts, through every include, plus redirect
when there is no 'all'. Void lookups are counted the same way, separately for IPv4 clients (A
lookups) and IPv6 clients (AAAA lookups). A domain already on the path is a loop and is not expanded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inboxready.spf.graph import NodeStatus, RecordNode, SpfGraph, TermFacts
from inboxready.spf.record import Mechanism, MechanismKind, SpfRecord, Term

MAX_TREE_NODES = 300


@dataclass(frozen=True, slots=True)
class TreeNode:
    domain: str
    via: str | None  # the include/redirect term that leads here (None at the root)
    status: str  # a NodeStatus value, or "loop", "dynamic", "truncated"
    record: str | None
    own_lookups: int  # DNS-querying terms evaluated in this record
    cost: int  # lookups this node causes, including the term that reached it and its subtree
    voids: tuple[int, int]  # void lookups in this record: (IPv4 clients, IPv6 clients)
    children: tuple[TreeNode, ...] = ()
    error: str | None = None

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TreeNode]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    @property
    def total_voids(self) -> tuple[int, int]:
        v4, v6 = self.voids
        for child in self.children:
            c4, c6 = child.total_voids
            v4, v6 = v4 + c4, v6 + c6
        return v4, v6

    @property
    def has_loop(self) -> bool:
        return any(node.status == "loop" for _, node in self.walk())

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "via": self.via,
            "status": self.status,
            "record": self.record,
            "own_lookups": self.own_lookups,
            "cost": self.cost,
            "void_lookups": {"ip4": self.voids[0], "ip6": self.voids[1]},
            "error": self.error,
            "children": [c.to_dict() for c in self.children],
        }


def evaluated_terms(record: SpfRecord) -> list[tuple[int, Term]]:
    """The terms evaluation can reach: mechanisms up to the first 'all', then redirect if no 'all'."""
    out: list[tuple[int, Term]] = []
    for index, term in enumerate(record.terms):
        if isinstance(term, Mechanism):
            out.append((index, term))
            if term.kind is MechanismKind.ALL:
                return out
    if record.redirect is not None:
        out.append((record.terms.index(record.redirect), record.redirect))
    return out


def _facts_voids(facts: TermFacts, kind: MechanismKind) -> tuple[int, int]:
    if facts.dynamic or facts.invalid:
        return 0, 0
    if kind is MechanismKind.A:
        return int(bool(facts.a and facts.a.void)), int(bool(facts.aaaa and facts.aaaa.void))
    if kind is MechanismKind.EXISTS:
        void = int(bool(facts.a and facts.a.void))
        return void, void
    if kind is MechanismKind.MX and facts.mx is not None:
        base = int(facts.mx.void)
        return (base + sum(h.a.void for h in facts.mx_hosts), base + sum(h.aaaa.void for h in facts.mx_hosts))
    return 0, 0


class _Builder:
    def __init__(self, graph: SpfGraph) -> None:
        self.graph = graph
        self.budget = MAX_TREE_NODES

    def build(self, domain: str, via: str | None, path: tuple[str, ...]) -> TreeNode:
        entry = 0 if via is None else 1
        if domain in path:
            return TreeNode(domain, via, "loop", None, 0, entry, (0, 0),
                            error="include loop: " + " → ".join((*path, domain)))
        self.budget -= 1
        if self.budget < 0:
            return TreeNode(domain, via, "truncated", None, 0, entry, (0, 0), error="tree too large to expand")
        node = self.graph.node(domain)
        if node.status is not NodeStatus.RECORD or node.record is None:
            void = int(node.void and via is not None)
            return TreeNode(domain, via, node.status.value, node.text, 0, entry, (void, void), error=node.error)
        return self._record(node, node.record, via, (*path, domain))

    def _record(self, node: RecordNode, record: SpfRecord, via: str | None, path: tuple[str, ...]) -> TreeNode:
        own = 0
        cost = 0 if via is None else 1
        v4 = v6 = 0
        children: list[TreeNode] = []
        for index, term in evaluated_terms(record):
            is_redirect = term is record.redirect
            if not is_redirect and not (isinstance(term, Mechanism) and term.kind.causes_lookup):
                continue
            own += 1
            facts = node.facts(index)
            if is_redirect or (isinstance(term, Mechanism) and term.kind is MechanismKind.INCLUDE):
                children.append(self._child(facts, term.text, path))
                continue
            cost += 1
            assert isinstance(term, Mechanism)
            d4, d6 = _facts_voids(facts, term.kind)
            v4, v6 = v4 + d4, v6 + d6
        cost += sum(child.cost for child in children)
        return TreeNode(node.domain, via, NodeStatus.RECORD.value, record.text, own, cost, (v4, v6),
                        tuple(children))

    def _child(self, facts: TermFacts, text: str, path: tuple[str, ...]) -> TreeNode:
        if facts.target is None:
            return TreeNode(text, text, "dynamic", None, 0, 1, (0, 0), error="target depends on macros")
        if facts.invalid:
            return TreeNode(facts.target, text, NodeStatus.INVALID_NAME.value, None, 0, 1, (0, 0),
                            error="not a valid domain name")
        return self.build(facts.target, text, path)


def build_tree(graph: SpfGraph) -> TreeNode:
    return _Builder(graph).build(graph.root, None, ())
