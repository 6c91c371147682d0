"""Sender signatures from the provider catalog (inboxready.providers), for report enrichment.

For each catalog entry: the networks its SPF include authorizes (resolved through our Resolver,
following include: and redirect= within RFC 7208's limit of 10 lookups per service), its envelope
domain when the envelope sender is the service's own (SPF cannot align), the DKIM selectors it uses
on the customer's domain, and the exact fixes rendered for a domain (the DKIM records to publish;
the SPF include to add when the envelope sender is the customer's domain).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.reports.senders import Network, SenderSignature
from inboxready.spf.record import MechanismKind, SpfSyntaxError, parse_record, select_record

if TYPE_CHECKING:
    from inboxready.providers.model import Provider
    from inboxready.providers.setup import SenderSetup

MAX_LOOKUPS = 10
_PLACEHOLDER_DOMAIN = "example.invalid"


async def spf_networks(resolver: Resolver, domain: str, budget: list[int] | None = None) -> list[Network]:
    """ip4/ip6 networks reachable from `domain`'s SPF record through include: and redirect=."""
    budget = budget if budget is not None else [MAX_LOOKUPS]
    if budget[0] <= 0:
        return []
    budget[0] -= 1
    try:
        answer = await resolver.query(domain, "TXT")
    except DnsError:
        return []
    selected = select_record(answer.strings())
    if selected.text is None:
        return []
    try:
        record = parse_record(selected.text)
    except SpfSyntaxError:
        return []
    networks: list[Network] = []
    targets: list[str] = []
    for mechanism in record.mechanisms:
        if mechanism.kind in (MechanismKind.IP4, MechanismKind.IP6) and mechanism.network is not None:
            networks.append(mechanism.network)
        elif (mechanism.kind is MechanismKind.INCLUDE and mechanism.domain_spec is not None
              and not mechanism.domain_spec.has_macros):
            targets.append(mechanism.domain_spec.literal_value())
    if record.redirect is not None and not record.redirect.value.has_macros:
        targets.append(record.redirect.value.literal_value())
    for target in targets:
        networks.extend(await spf_networks(resolver, target, budget))
    return networks


def _records_text(records: Sequence[tuple[str, str, str | None, tuple[str, ...]]]) -> str:
    shown = []
    for name, rtype, value, missing in records:
        target = value if value is not None else "<" + ", ".join(missing or ("value from the service",)) + ">"
        shown.append(f"{name} {rtype} {target}")
    return "; ".join(shown)


def _setup(provider: Provider, domain: str) -> SenderSetup | None:
    """The entry rendered with its defaults; None when it cannot be rendered without user values."""
    from inboxready.providers.setup import sender_setup

    try:
        return sender_setup(provider, domain, {})
    except (KeyError, ValueError):
        return None


def _dkim_fix(provider: Provider, domain: str) -> str:
    setup = _setup(provider, domain)
    records = [(r.name, r.type, r.value, r.missing) for r in setup.dkim_records] if setup else []
    if setup is None or not records:
        return f"{provider.name} sends as {domain} without aligned DKIM: switch on DKIM signing for {domain} there."
    selectors = sorted({(r.selector or r.name.split("._domainkey", 1)[0]) for r in setup.dkim_records})
    kind = "CNAMEs" if provider.dkim is not None and provider.dkim.form == "cname" else "key records"
    return (
        f"{provider.name} sends as {domain} without aligned DKIM: publish the {'/'.join(selectors)}._domainkey "
        f"{kind} ({_records_text(records)}) and switch on DKIM signing for {domain} at {provider.name}."
    )


def _spf_fix(provider: Provider, domain: str) -> str:
    setup = _setup(provider, domain)
    mechanisms = (" ".join(setup.spf_mechanisms) if setup else "") or "the include: or networks it documents"
    return f"{provider.name} sends with {domain} as envelope sender: add {mechanisms} to the SPF record of {domain}."


async def _signature(provider: Provider, resolver: Resolver | None) -> SenderSignature:
    setup = _setup(provider, _PLACEHOLDER_DOMAIN)
    networks: list[Network] = []
    for mechanism in setup.spf_mechanisms if setup else ():
        kind, _, value = mechanism.partition(":")
        if kind in ("ip4", "ip6"):
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
            except ValueError:
                continue
        elif kind == "include" and resolver is not None and "<" not in value:
            networks.extend(await spf_networks(resolver, value))
    own_envelope = provider.envelope.default == "provider" and provider.envelope.provider_domain
    provider_domains = (provider.envelope.provider_domain.lower(),) if own_envelope and \
        provider.envelope.provider_domain else ()
    records = setup.dkim_records if setup else ()
    selectors = tuple(sorted({r.selector for r in records if r.selector and "<" not in r.selector}))
    spf_needed = provider.spf.root == "needed" and provider.envelope.default == "own-domain"
    return SenderSignature(
        slug=provider.slug,
        name=provider.name,
        networks=tuple(networks),
        envelope_domains=provider_domains,
        dkim_domains=provider_domains,
        dkim_selectors=selectors,
        dkim_fix=(lambda domain: _dkim_fix(provider, domain)) if provider.dkim is not None else None,
        spf_fix=(lambda domain: _spf_fix(provider, domain)) if spf_needed else None,
    )


async def catalog_signatures(resolver: Resolver | None) -> list[SenderSignature]:
    """One signature per catalog entry (SPF includes resolved when a resolver is given)."""
    from inboxready.providers.catalog import load_catalog

    catalog = load_catalog()
    return list(await asyncio.gather(*(_signature(catalog[slug], resolver) for slug in sorted(catalog))))
