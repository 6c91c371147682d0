"""Enrichment steps for report sources: each takes the sources and returns them enriched.

A step is any `async (sources) -> sources` callable, so steps can be added, removed or replaced:
`PtrEnricher` adds the reverse name of each source (PTR, RFC 1035 section 3.5) through our
Resolver; `SenderEnricher` names the sending service (catalog SPF networks, envelope domains, DKIM
d=/selectors). `default_enrichers` uses the provider catalog when it can be loaded, and works
without it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence

import dns.exception
import dns.reversename

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.reports.model import SourceStats
from inboxready.reports.senders import SenderMatcher, SenderSignature, SourceEvidence

Enricher = Callable[[list[SourceStats]], Awaitable[list[SourceStats]]]
SignatureLoader = Callable[[], Awaitable[Sequence[SenderSignature]]]


class PtrEnricher:
    """Reverse names for the `limit` busiest sources; lookup failures are listed in `unchecked`."""

    def __init__(self, resolver: Resolver, limit: int = 200, concurrency: int = 16) -> None:
        self.resolver = resolver
        self.limit = limit
        self.concurrency = concurrency
        self.unchecked: list[str] = []

    async def _ptr(self, ip: str, gate: asyncio.Semaphore) -> str | None:
        try:
            name = dns.reversename.from_address(ip)
        except (dns.exception.SyntaxError, ValueError):
            return None
        async with gate:
            try:
                answer = await self.resolver.query(name, "PTR")
            except DnsError as exc:
                if exc.is_failure:
                    self.unchecked.append(f"PTR of {ip}: {exc.describe()}")
                return None
        targets = sorted(answer.targets())
        return targets[0] if targets else None

    async def __call__(self, sources: list[SourceStats]) -> list[SourceStats]:
        gate = asyncio.Semaphore(self.concurrency)
        busiest = sorted(sources, key=lambda s: -s.messages)[: self.limit]
        names = await asyncio.gather(*(self._ptr(s.ip, gate) for s in busiest))
        found = {s.ip: n for s, n in zip(busiest, names, strict=True)}
        return [dataclasses.replace(s, ptr=found.get(s.ip, s.ptr)) for s in sources]


class SenderEnricher:
    """Names each source's sending service from signatures (loaded once, on first use)."""

    def __init__(self, signatures: Sequence[SenderSignature] | SignatureLoader) -> None:
        self._signatures = signatures
        self._matcher: SenderMatcher | None = None

    async def matcher(self) -> SenderMatcher:
        if self._matcher is None:
            loaded = self._signatures() if callable(self._signatures) else self._signatures
            signatures = await loaded if not isinstance(loaded, Sequence) else loaded
            self._matcher = SenderMatcher(signatures)
        return self._matcher

    async def __call__(self, sources: list[SourceStats]) -> list[SourceStats]:
        matcher = await self.matcher()
        out = []
        for source in sources:
            match = matcher.match(
                SourceEvidence(source.ip, source.envelope_domains, source.dkim_signatures, source.header_from)
            )
            if match is None:
                out.append(source)
            else:
                out.append(dataclasses.replace(
                    source, sender=match.signature.name, signature=match.signature, match_evidence=match.evidence
                ))
        return out


def catalog_enricher(resolver: Resolver | None) -> SenderEnricher | None:
    """A SenderEnricher over the provider catalog, or None when the catalog is not available."""
    try:
        from inboxready.reports.catalog import catalog_signatures
    except ImportError:
        return None
    return SenderEnricher(lambda: catalog_signatures(resolver))


def default_enrichers(resolver: Resolver | None) -> list[Enricher]:
    steps: list[Enricher] = []
    if resolver is not None:
        steps.append(PtrEnricher(resolver))
    catalog = catalog_enricher(resolver)
    if catalog is not None:
        steps.append(catalog)
    return steps
