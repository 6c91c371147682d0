"""Findings about one SPF policy: errors that make it a permerror, and risky constructs.

Reads the record graph, the lookup tree and the range partition (no DNS). Sections of RFC 7208:
4.5 (record selection), 4.6 (syntax), 4.6.4 (limits), 5.1 (all), 5.2 (include), 5.5 (ptr),
5.6 (ip ranges), 3.3/3.4 (string and answer sizes), 14.1 (type 99).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from inboxready.dns.errors import DnsError
from inboxready.findings.check import lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.spf.graph import NodeStatus, RecordNode, SpfGraph
from inboxready.spf.partition import Partition
from inboxready.spf.record import (
    MAX_DNS_TERMS,
    MAX_MX_NAMES,
    MAX_VOID_LOOKUPS,
    Mechanism,
    MechanismKind,
    Qualifier,
    ResultCode,
)
from inboxready.spf.tree import TreeNode, evaluated_terms

UDP_LIMIT = 512
WIDE_PREFIX = {4: 16, 6: 32}
#: Error codes that make the policy a permerror (or absent): the policy is not "valid".
INVALIDATING = frozenset({"spf-missing", "spf-multiple-records", "spf-syntax", "spf-too-many-lookups",
                          "spf-void-lookups", "spf-include-no-record", "spf-too-many-mx"})


def is_own(domain: str, root: str) -> bool:
    """The domain's own records (the root and its subdomains), as opposed to a provider's."""
    return domain == root or domain.endswith("." + root)


def _reached(graph: SpfGraph, tree: TreeNode) -> Iterator[tuple[TreeNode, RecordNode]]:
    for _, item in tree.walk():
        if item.status not in ("loop", "dynamic", "truncated"):
            yield item, graph.node(item.domain)


def root_findings(graph: SpfGraph) -> list[Finding]:
    root = graph.root_node
    d = graph.root
    if root.status is NodeStatus.NONE:
        why = "the name does not exist or has no TXT record" if root.void else "no TXT record starts with v=spf1"
        return [make_finding("spf-missing", d, f"{d} has no SPF record ({why}).")]
    if root.status is NodeStatus.MULTIPLE:
        return [make_finding("spf-multiple-records", d, f"{d} publishes {root.error}; receivers get permerror.")]
    if root.status in (NodeStatus.SYNTAX, NodeStatus.NON_ASCII):
        return [make_finding("spf-syntax", d, f"SPF record of {d}: {root.error}.", data={"record": root.text})]
    return []


def node_findings(graph: SpfGraph, tree: TreeNode) -> list[Finding]:
    """Problems of included or redirected-to records, and DNS failures anywhere."""
    out: list[Finding] = []
    for depth, item in tree.walk():
        if depth == 0:
            continue
        parent = _parent_of(tree, item)
        if item.status in (NodeStatus.NONE.value, NodeStatus.INVALID_NAME.value):
            out.append(make_finding("spf-include-no-record", parent,
                                    f"'{item.via}' in {parent}: {item.domain} has no SPF record ({item.error}).",
                                    data={"term": item.via, "target": item.domain}))
        elif item.status == NodeStatus.MULTIPLE.value:
            out.append(make_finding("spf-multiple-records", item.domain,
                                    f"{item.domain} (reached by '{item.via}' in {parent}) publishes {item.error}."))
        elif item.status in (NodeStatus.SYNTAX.value, NodeStatus.NON_ASCII.value):
            out.append(make_finding("spf-syntax", item.domain,
                                    f"SPF record of {item.domain} (reached by '{item.via}'): {item.error}.",
                                    data={"record": item.record}))
    return out


def _parent_of(tree: TreeNode, target: TreeNode) -> str:
    for _, item in tree.walk():
        if any(child is target for child in item.children):
            return item.domain
    return tree.domain


def failure_findings(graph: SpfGraph, tree: TreeNode) -> tuple[list[Finding], list[str]]:
    errors: dict[tuple[str, str], tuple[str, DnsError]] = {}
    for _, node in _reached(graph, tree):
        if node.failure is not None:
            errors[(node.failure.name, node.failure.rdtype)] = (node.domain, node.failure)
        for facts in node.terms.values():
            lookups = [facts.a, facts.aaaa, facts.mx, *(h.a for h in facts.mx_hosts), *(h.aaaa for h in facts.mx_hosts)]
            for lookup in lookups:
                if lookup is not None and lookup.failure is not None:
                    errors[(lookup.failure.name, lookup.failure.rdtype)] = (node.domain, lookup.failure)
    findings = [lookup_failed(subject, error, f"part of the SPF policy of {graph.root}")
                for subject, error in errors.values()]
    return findings, [error.describe() for _, error in errors.values()]


def limit_findings(graph: SpfGraph, tree: TreeNode) -> list[Finding]:
    out = []
    d = graph.root
    if tree.has_loop:
        loop = next(item.error for _, item in tree.walk() if item.status == "loop")
        out.append(make_finding("spf-too-many-lookups", d,
                                f"The SPF policy of {d} never ends: {loop}; receivers stop at 10 lookups "
                                f"with permerror.", data={"dns_lookups": tree.cost, "limit": MAX_DNS_TERMS}))
    elif tree.cost > MAX_DNS_TERMS:
        heavy = sorted(tree.children, key=lambda c: -c.cost)[:3]
        detail = ", ".join(f"{c.via} costs {c.cost}" for c in heavy)
        out.append(make_finding("spf-too-many-lookups", d,
                                f"The SPF policy of {d} needs {tree.cost} DNS lookups (limit {MAX_DNS_TERMS}); "
                                f"{detail}.", data={"dns_lookups": tree.cost, "limit": MAX_DNS_TERMS}))
    v4, v6 = tree.total_voids
    if max(v4, v6) > MAX_VOID_LOOKUPS:
        family = "IPv4 and IPv6" if v4 == v6 else ("IPv4" if v4 > v6 else "IPv6")
        out.append(make_finding("spf-void-lookups", d,
                                f"The SPF policy of {d} makes {max(v4, v6)} void lookups for {family} senders "
                                f"(limit {MAX_VOID_LOOKUPS}).", data={"ip4": v4, "ip6": v6}))
    for _, node in _reached(graph, tree):
        for index, facts in node.terms.items():
            if facts.mx is not None and len(facts.mx.values) > MAX_MX_NAMES:
                term = node.record.terms[index] if node.record else index
                out.append(make_finding("spf-too-many-mx", node.domain,
                                        f"'{term}' in {node.domain}: {facts.target} has {len(facts.mx.values)} MX "
                                        f"records (limit {MAX_MX_NAMES})."))
    return out


def _effective_all(graph: SpfGraph) -> tuple[str, Mechanism] | None:
    """The 'all' that ends the root policy, following redirects."""
    node, seen = graph.root_node, set()
    while node.record is not None and node.domain not in seen:
        seen.add(node.domain)
        final = next((m for m in node.record.mechanisms if m.kind is MechanismKind.ALL), None)
        if final is not None:
            return node.domain, final
        redirect = node.record.redirect
        target = node.facts(node.record.terms.index(redirect)).target if redirect is not None else None
        if target is None:
            return None
        node = graph.node(target)
    return None


def all_findings(graph: SpfGraph, partition: Partition) -> list[Finding]:
    d = graph.root
    out = []
    final = _effective_all(graph)
    if final is not None and final[1].qualifier in (Qualifier.PASS, Qualifier.NEUTRAL):
        domain, mechanism = final
        severity = Severity.ERROR if mechanism.qualifier is Qualifier.PASS else Severity.WARNING
        what = "passes every sender" if mechanism.qualifier is Qualifier.PASS else "leaves every other sender neutral"
        out.append(make_finding("spf-permissive-all", d, f"'{mechanism.text}' in {domain} {what}.", severity=severity))
    elif final is None and graph.root_node.record is not None and not _redirects(graph):
        out.append(make_finding("spf-no-all", d, f"The SPF record of {d} has no 'all': other senders get neutral."))
    passing = partition.passing
    if not out or out[0].code != "spf-permissive-all":
        wide = [(v, r) for v, r in ((4, passing.only(4)), (6, passing.only(6)))
                if r.num_addresses >= 2 ** (31 if v == 4 else 127)]
        if wide:
            region = max((r for r in partition.regions if r.result is ResultCode.PASS and r.ips & wide[0][1]),
                         key=lambda r: r.ips.num_addresses)
            path = " → ".join(m.term for m in region.path)
            out.append(make_finding("spf-permissive-all", d,
                                    f"The SPF policy of {d} passes at least half of all IPv{wide[0][0]} "
                                    f"addresses (via {path}).", data={"path": path}))
    return out


def _redirects(graph: SpfGraph) -> bool:
    record = graph.root_node.record
    return record is not None and record.redirect is not None


def construct_findings(graph: SpfGraph, tree: TreeNode) -> list[Finding]:
    out: list[Finding] = []
    root = graph.root
    includes: Counter[str] = Counter()
    for item, node in _reached(graph, tree):
        if item.via is not None and item.via.lstrip("+-~?").lower().startswith("include:"):
            includes[item.domain] += 1
        if node.record is None:
            continue
        ptrs = [m.text for m in node.record.mechanisms if m.kind is MechanismKind.PTR]
        if ptrs:
            out.append(make_finding("spf-ptr-mechanism", node.domain, f"{node.domain} uses '{ptrs[0]}'."))
        if is_own(node.domain, root):
            out += _own_record_findings(node)
    dupes = [f"{name} ({count}×)" for name, count in includes.items() if count > 1]
    if dupes:
        out.append(make_finding("spf-duplicate-include", root,
                                f"The SPF tree of {root} includes {', '.join(dupes)}.", data={"includes": dupes}))
    return out


def _own_record_findings(node: RecordNode) -> list[Finding]:
    assert node.record is not None
    out = []
    for m in node.record.mechanisms:
        network = m.network
        if network is not None and network.prefixlen < WIDE_PREFIX[network.version] and m.qualifier in (
                Qualifier.PASS, Qualifier.NEUTRAL):
            out.append(make_finding("spf-wide-range", node.domain,
                                    f"'{m.text}' in {node.domain} authorizes {network.num_addresses:,} addresses.",
                                    data={"term": m.text}))
    reached = len(evaluated_terms(node.record))
    ignored = [t.text for t in node.record.terms[reached:] if t is not node.record.explanation
               and t not in node.record.unknown_modifiers]
    if ignored and any(m.kind is MechanismKind.ALL for m in node.record.mechanisms):
        out.append(make_finding("spf-terms-after-all", node.domain,
                                f"In {node.domain}, {', '.join(repr(t) for t in ignored)} come after 'all' "
                                f"and are never evaluated."))
    for strings in node.txt_strings:
        longest = max((len(s) for s in strings), default=0)
        if longest > 255:
            out.append(make_finding("spf-string-too-long", node.domain,
                                    f"A TXT string at {node.domain} is {longest} characters long."))
    if node.answer_size > UDP_LIMIT:
        out.append(make_finding("spf-record-too-long", node.domain,
                                f"The TXT answer for {node.domain} is about {node.answer_size} bytes "
                                f"(over {UDP_LIMIT}).", data={"bytes": node.answer_size}))
    return out


def type99_findings(graph: SpfGraph) -> list[Finding]:
    d = graph.root
    texts = [t for t in (graph.type99 or ()) if t[:6].lower() == "v=spf1"]
    if not texts:
        return []
    current = graph.root_node.text
    if any(t != current for t in texts):
        return [make_finding("spf-type99-mismatch", d, f"{d} has a type-99 SPF record '{texts[0]}' that differs "
                             f"from its TXT record '{current}'.", data={"type99": texts})]
    return [make_finding("spf-type99-present", d, f"{d} still publishes a type-99 SPF record.")]


def overlap_findings(graph: SpfGraph, tree: TreeNode, limit: int = 5) -> list[Finding]:
    declared: list[tuple[int, int, int, str]] = []
    for item, node in _reached(graph, tree):
        if node.record is None:
            continue
        for m in node.record.mechanisms:
            if m.network is not None and m.qualifier is Qualifier.PASS:
                net = m.network
                declared.append((net.version, int(net.network_address), int(net.broadcast_address),
                                 f"{m.text} ({item.domain})"))
    declared = sorted(set(declared))
    pairs = []
    widest: tuple[int, int, str] | None = None  # (version, end, term) of the range reaching furthest
    for version, start, end, text in declared:
        if widest is not None and widest[0] == version and start <= widest[1]:
            pairs.append(f"{widest[2]} and {text}")
        if widest is None or widest[0] != version or end > widest[1]:
            widest = (version, end, text)
    if not pairs:
        return []
    shown = "; ".join(pairs[:limit]) + (f"; and {len(pairs) - limit} more" if len(pairs) > limit else "")
    return [make_finding("spf-overlapping-ranges", graph.root, f"Overlapping ranges: {shown}.",
                         data={"pairs": pairs})]

