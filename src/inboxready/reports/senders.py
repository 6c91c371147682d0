"""Which sending service a report source belongs to, and the exact fix when its mail fails DMARC.

A `SenderSignature` describes one service by what shows in aggregate reports (RFC 7489 appendix C):
the networks its SPF record authorizes, the envelope (MAIL FROM) domains it uses, the d= domains
it signs with by default, and the DKIM selectors it uses on a customer's domain. The matcher is
pure; signatures come from the provider catalog (reports.catalog) or from anywhere else, so the
enrichment works the same without the catalog.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _under(domain: str, parents: Sequence[str]) -> bool:
    return any(domain == p or domain.endswith("." + p) for p in parents if p)


@dataclass(frozen=True, slots=True)
class SenderSignature:
    slug: str
    name: str
    networks: tuple[Network, ...] = ()
    envelope_domains: tuple[str, ...] = ()
    dkim_domains: tuple[str, ...] = ()
    #: Selectors the service uses on the customer's own domain (weak evidence on their own).
    dkim_selectors: tuple[str, ...] = ()
    #: The domain → the exact fix when the service's mail lacks aligned DKIM / fails SPF.
    dkim_fix: Callable[[str], str] | None = None
    spf_fix: Callable[[str], str] | None = None


@dataclass(frozen=True, slots=True)
class SourceEvidence:
    """What the reports say about one source IP."""

    ip: str
    envelope_domains: tuple[str, ...]
    #: (d=, selector) of every DKIM signature reported, whatever its result.
    dkim_signatures: tuple[tuple[str, str], ...]
    header_from: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SenderMatch:
    signature: SenderSignature
    #: "network", "envelope", "dkim-domain" or "dkim-selector".
    evidence: str


class SenderMatcher:
    def __init__(self, signatures: Sequence[SenderSignature]) -> None:
        self.signatures = tuple(signatures)
        self._networks = sorted(
            ((n, s) for s in self.signatures for n in s.networks), key=lambda pair: -pair[0].prefixlen
        )

    def match(self, evidence: SourceEvidence) -> SenderMatch | None:
        """The most specific service matching the evidence, strongest evidence first."""
        try:
            address = ipaddress.ip_address(evidence.ip)
        except ValueError:
            address = None
        if address is not None:
            for network, signature in self._networks:
                if address.version == network.version and address in network:
                    return SenderMatch(signature, "network")
        for signature in self.signatures:
            if any(_under(d, signature.envelope_domains) for d in evidence.envelope_domains):
                return SenderMatch(signature, "envelope")
        for signature in self.signatures:
            if any(_under(d, signature.dkim_domains) for d, _ in evidence.dkim_signatures):
                return SenderMatch(signature, "dkim-domain")
        own = set(evidence.header_from)
        for signature in self.signatures:
            if any(_under(d, tuple(own)) and s in signature.dkim_selectors for d, s in evidence.dkim_signatures):
                return SenderMatch(signature, "dkim-selector")
        return None
