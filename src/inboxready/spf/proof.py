"""Prove that two SPF record sets for one domain behave the same.

Two checks. Exact: both policies are evaluated over address ranges (`inboxready.spf.partition`) and
the sets of addresses getting each result must be equal. Sampled: the real evaluator (RFC 7208
check_host) runs on addresses at the edges of every range of either policy — first, middle, last,
and just outside — against both record sets published side by side over the same resolver, and
every result must agree. Both are compared as they intend to behave (without the lookup limits the
old one may break); the new set is then also evaluated with the limits receivers apply, and the
addresses where those limits still change its result are counted as `limit_errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.spf.checkhost import check_host_steps
from inboxready.spf.graph import fetch_graph
from inboxready.spf.overlay import TxtOverlayResolver
from inboxready.spf.partition import Partition, node_partition, policy_partition
from inboxready.spf.ranges import Address
from inboxready.spf.record import ResultCode
from inboxready.spf.result import SpfOptions, SpfRequest
from inboxready.spf.steps import drive

UNLIMITED = 1000
MAX_SAMPLES = 4000
_BATCH = 200


@dataclass(frozen=True, slots=True)
class Mismatch:
    ip: str
    old: str
    new: str

    def to_dict(self) -> dict[str, str]:
        return {"ip": self.ip, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class EquivalenceProof:
    samples: int
    mismatches: tuple[Mismatch, ...]
    exact: bool  # the range partitions agree for every address
    limit_errors: int = 0  # sampled addresses whose result the lookup limits still change in the new set

    @property
    def equivalent(self) -> bool:
        return self.exact and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {"equivalent": self.equivalent, "exact": self.exact, "samples": self.samples,
                "mismatches": [m.to_dict() for m in self.mismatches], "limit_errors": self.limit_errors}


def _same_results(old: Partition, new: Partition) -> bool:
    return all(old.addresses(r) == new.addresses(r) for r in (*ResultCode, None))


def _samples(old: Partition, new: Partition, limit: int) -> list[Address]:
    points: dict[Address, None] = {}
    for region in (*old.regions, *new.regions):
        for address in region.ips.boundary_samples():
            points[address] = None
    chosen = list(points)
    if len(chosen) > limit:
        step = len(chosen) / limit
        chosen = [chosen[int(i * step)] for i in range(limit)]
    return chosen


async def _results(resolver: Resolver, domain: str, ips: Sequence[Address], options: SpfOptions) -> list[str]:
    async def one(ip: Address) -> str:
        request = SpfRequest.build(ip, f"postmaster@{domain}", domain, timestamp=0)
        return (await drive(check_host_steps(request, options), resolver)).result.value

    out: list[str] = []
    for start in range(0, len(ips), _BATCH):
        out += await asyncio.gather(*(one(ip) for ip in ips[start : start + _BATCH]))
    return out


async def prove_equivalence(
    resolver: Resolver,
    domain: str,
    old_record: str,
    new_records: Sequence[tuple[str, str]],
    *,
    max_samples: int = MAX_SAMPLES,
) -> EquivalenceProof:
    """Compare `old_record` at `domain` with `new_records` ((name, text) pairs, main record first)."""
    old_resolver = TxtOverlayResolver(resolver, {domain: [old_record]})
    new_resolver = TxtOverlayResolver(resolver, {name: [text] for name, text in new_records})
    old_graph, new_graph = await asyncio.gather(fetch_graph(old_resolver, domain), fetch_graph(new_resolver, domain))
    old = node_partition(old_graph, domain, max_dns_terms=UNLIMITED, max_void_lookups=UNLIMITED)
    new = node_partition(new_graph, domain, max_dns_terms=UNLIMITED, max_void_lookups=UNLIMITED)
    samples = _samples(old, policy_partition(new_graph), max_samples)
    unlimited = SpfOptions(max_dns_terms=UNLIMITED, max_void_lookups=UNLIMITED, explanation=False, timestamp=0)
    before, after, limited = await asyncio.gather(
        _results(old_resolver, domain, samples, unlimited),
        _results(new_resolver, domain, samples, unlimited),
        _results(new_resolver, domain, samples, SpfOptions(explanation=False, timestamp=0)),
    )
    mismatches = tuple(Mismatch(str(ip), a, b) for ip, a, b in zip(samples, before, after, strict=True) if a != b)
    limit_errors = sum(1 for a, b in zip(after, limited, strict=True) if a != b)
    return EquivalenceProof(len(samples), mismatches[:50], _same_results(old, new), limit_errors)
