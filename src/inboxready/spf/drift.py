"""`spf optimize --check-drift`: has a published flattened record set fallen behind its providers?

Flattening copies the providers' ranges into your records; providers change them. `check_drift`
evaluates the source record (the one with the includes, resolved now) and the published set over
address ranges and reports the ranges the providers added (mail from them now fails your SPF) and
the ranges they dropped (you still authorize addresses that are no longer theirs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.spf.graph import fetch_graph
from inboxready.spf.overlay import TxtOverlayResolver
from inboxready.spf.partition import Partition, node_partition, policy_partition
from inboxready.spf.proof import UNLIMITED
from inboxready.spf.ranges import IPRangeSet
from inboxready.spf.record import ResultCode, parse_record


@dataclass(frozen=True, slots=True)
class RangeChange:
    network: str
    source: str  # the term granting it (in the source record for added ranges, the published set for removed)

    def to_dict(self) -> dict[str, str]:
        return {"network": self.network, "source": self.source}


@dataclass(frozen=True, slots=True)
class Drift:
    domain: str
    source_record: str
    added: tuple[RangeChange, ...]
    removed: tuple[RangeChange, ...]
    published_from: str  # "dns" or "given records"

    @property
    def in_sync(self) -> bool:
        return not self.added and not self.removed

    def to_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "source_record": self.source_record, "in_sync": self.in_sync,
                "published_from": self.published_from, "added": [c.to_dict() for c in self.added],
                "removed": [c.to_dict() for c in self.removed]}


def _changes(ranges: IPRangeSet, partition: Partition) -> tuple[RangeChange, ...]:
    out = []
    for network in ranges.networks():
        block = IPRangeSet.of(network)
        region = next((r for r in partition.regions if r.result is ResultCode.PASS and r.ips & block), None)
        source = region.path[0].term if region is not None and region.path else ""
        out.append(RangeChange(str(network), source))
    return tuple(out)


async def check_drift(
    resolver: Resolver,
    domain: str,
    source_record: str,
    published: Sequence[tuple[str, str]] | None = None,
) -> Drift:
    """Compare `source_record` resolved now with the set published at `domain` (from DNS, or the
    given (name, text) records, main record first). Raises SpfSyntaxError for a bad source record."""
    parse_record(source_record)
    domain = domain.rstrip(".").lower()
    source_graph = await fetch_graph(TxtOverlayResolver(resolver, {domain: [source_record]}), domain)
    current = node_partition(source_graph, domain, max_dns_terms=UNLIMITED, max_void_lookups=UNLIMITED)
    published_resolver = resolver if published is None else TxtOverlayResolver(
        resolver, {name: [text] for name, text in published})
    published_policy = policy_partition(await fetch_graph(published_resolver, domain))
    now, then = current.passing, published_policy.passing
    return Drift(domain, source_record, _changes(now - then, current), _changes(then - now, published_policy),
                 "dns" if published is None else "given records")
