"""Turn the policy's senders and servers into catalog setups, checking parameters with file:line.

A service missing from the catalog becomes a `sender-unknown` finding (the rest is still planned);
a parameter that does not fit its catalog type is a PolicyError naming the line in the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.model import Policy, PolicyError, PolicyFile, Server
from inboxready.providers.catalog import Catalog
from inboxready.providers.setup import SenderSetup, check_values, sender_setup

OWN_SERVER = "own-server"


@dataclass(frozen=True, slots=True)
class ResolvedSenders:
    setups: tuple[SenderSetup, ...]
    findings: tuple[Finding, ...]


def _where(source: PolicyFile | None, *path: str | int) -> str:
    return source.where(*path) if source is not None else "policy"


def server_parameters(server: Server) -> dict[str, object]:
    params: dict[str, object] = {"ip": list(server.ip)}
    if server.helo:
        params["helo"] = server.helo
    if server.dkim is not None:
        params["dkim_selector"] = server.dkim.selector
        if server.dkim.key:
            params["dkim_key"] = server.dkim.key
    return params


def resolve_senders(policy: Policy | PolicyFile, catalog: Catalog) -> ResolvedSenders:
    """Catalog setups for every sender and server; PolicyError lists every bad parameter."""
    source = policy if isinstance(policy, PolicyFile) else None
    pol = policy.policy if isinstance(policy, PolicyFile) else policy
    setups: list[SenderSetup] = []
    findings: list[Finding] = []
    problems: list[str] = []
    labels: dict[str, int] = {}
    for index, sender in enumerate(pol.senders):
        provider = catalog.get(sender.service)
        if provider is None:
            hint = catalog.suggest(sender.service)
            findings.append(
                make_finding(
                    "sender-unknown",
                    sender.service,
                    f"{_where(source, 'senders', index, 'service')}: {sender.service!r} is not in the catalog"
                    + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                    + "; its records are not planned.",
                    data={"service": sender.service, "suggestions": hint},
                )
            )
            continue
        values, bad = check_values(provider, sender.parameters)
        for name, message in bad:
            path: tuple[str | int, ...] = ("senders", index, "parameters", name) if name else ("senders", index)
            problems.append(f"{_where(source, *path)}: {message}")
        labels[provider.slug] = labels.get(provider.slug, 0) + 1
        label = provider.slug if labels[provider.slug] == 1 else f"{provider.slug}#{labels[provider.slug]}"
        if not bad:
            setups.append(sender_setup(provider, pol.domain, values, label))
    own = catalog.get(OWN_SERVER)
    for index, server in enumerate(pol.servers):
        if own is None:
            problems.append(f"{_where(source, 'servers', index)}: the catalog has no {OWN_SERVER} entry")
            break
        values, bad = check_values(own, server_parameters(server))
        problems.extend(f"{_where(source, 'servers', index)}: {message}" for _name, message in bad)
        if not bad:
            label = f"{OWN_SERVER} {', '.join(server.ip)}"
            setups.append(sender_setup(own, pol.domain, values, label))
    if problems:
        raise PolicyError(problems)
    return ResolvedSenders(tuple(setups), tuple(findings))


