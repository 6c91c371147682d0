"""Report enrichment from the policy file: the senders a domain declares itself.

The catalog knows services; only the policy knows the domain's own servers. Their IPs and DKIM
selectors become signatures too, so their mail is "a declared sender", never "a forwarder".
"""

from __future__ import annotations

import ipaddress

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.policy.model import Policy
from inboxready.reports.catalog import catalog_signatures
from inboxready.reports.enrich import Enricher, PtrEnricher, SenderEnricher
from inboxready.reports.senders import SenderSignature


def own_server_signatures(policy: Policy) -> list[SenderSignature]:
    return [
        SenderSignature(
            slug="own-server",
            name=f"own server {server.helo or server.ip[0]}",
            networks=tuple(ipaddress.ip_network(ip) for ip in server.ip),
            dkim_selectors=(server.dkim.selector,) if server.dkim else (),
        )
        for server in policy.servers
    ]


async def hosted_sender_signatures(policy: Policy, resolver: Resolver) -> list[SenderSignature]:
    """Senders declared by a host name (a web host's server): the addresses that name has now."""
    out = []
    for sender in policy.senders:
        host = sender.parameters.get("host")
        if not isinstance(host, str):
            continue
        networks = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = await resolver.query(host, rdtype)
            except DnsError:
                continue
            networks += [ipaddress.ip_network(a) for a in answer.addresses()]
        if networks:
            out.append(SenderSignature(slug=sender.service, name=f"{sender.service} {host}", networks=tuple(networks)))
    return out


def policy_enrichers(policy: Policy, resolver: Resolver | None) -> list[Enricher]:
    """Reverse names, then the policy's own servers and hosts, then the catalog's services."""

    async def signatures() -> list[SenderSignature]:
        hosted = await hosted_sender_signatures(policy, resolver) if resolver is not None else []
        return [*own_server_signatures(policy), *hosted, *await catalog_signatures(resolver)]

    steps: list[Enricher] = [PtrEnricher(resolver)] if resolver is not None else []
    return [*steps, SenderEnricher(signatures)]
