"""MX checks (RFC 5321 section 5.1, RFC 7505 null MX, RFC 2181 section 10.3)."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError, NXDomain
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


async def _addresses(ctx: CheckContext, host: str) -> tuple[list[str], list[str], DnsError | None]:
    """(addresses, CNAME chain, failure) for an MX host, A and AAAA together."""
    results = await asyncio.gather(
        ctx.resolver.query(host, "A"), ctx.resolver.query(host, "AAAA"), return_exceptions=True
    )
    addresses: list[str] = []
    chain: list[str] = []
    failure: DnsError | None = None
    for result in results:
        if isinstance(result, Answer):
            addresses.extend(result.addresses())
            chain = chain or list(result.cname_chain)
        elif isinstance(result, DnsError):
            if result.is_failure:
                failure = result
        elif isinstance(result, BaseException):
            raise result
    return addresses, chain, failure


async def check_mx(ctx: CheckContext) -> CheckResult:
    domain = ctx.domain
    findings: list[Finding] = []
    try:
        answer = await ctx.resolver.query(domain, "MX")
    except DnsError as exc:
        if exc.is_failure:
            return CheckResult("mx", (lookup_failed(domain, exc, "MX records"),), {}, (exc.describe(),))
        if isinstance(exc, NXDomain):
            # RFC 8020: nothing exists at or below the name; mail from it fails everywhere.
            findings.append(make_finding("domain-nonexistent", domain, f"{domain} does not exist (NXDOMAIN)."))
        else:
            findings.append(make_finding("mx-missing", domain, f"{domain} has no MX record ({exc.label})."))
        return CheckResult("mx", tuple(findings), {"hosts": []})
    records = sorted(answer.records, key=lambda r: (r.preference, str(r.exchange)))  # type: ignore[attr-defined]
    hosts: list[dict[str, Any]] = []
    unchecked: list[str] = []
    for record in records:
        target = record.exchange.to_text(omit_final_dot=True)  # type: ignore[attr-defined]
        if target in ("", "."):
            findings.append(
                make_finding("mx-null", domain, f"{domain} publishes a null MX (RFC 7505): it accepts no mail.")
            )
            hosts.append({"preference": record.preference, "host": ".", "addresses": []})  # type: ignore[attr-defined]
            continue
        entry: dict[str, Any] = {"preference": record.preference, "host": target, "addresses": []}  # type: ignore[attr-defined]
        hosts.append(entry)
        if _is_ip(target):
            findings.append(
                make_finding("mx-points-to-ip", domain, f"MX {record.preference} names the IP {target}.")  # type: ignore[attr-defined]
            )
            continue
        addresses, chain, failure = await _addresses(ctx, target)
        entry["addresses"] = addresses
        if chain:
            findings.append(
                make_finding("mx-cname", target, f"MX host {target} is an alias for {chain[-1]}.")
            )
        if failure is not None and not addresses:
            findings.append(lookup_failed(target, failure, f"the addresses of MX host {target}"))
            unchecked.append(failure.describe())
        elif not addresses:
            findings.append(make_finding("mx-target-missing", target, f"MX host {target} has no A/AAAA record."))
    return CheckResult("mx", tuple(findings), {"hosts": hosts}, tuple(unchecked))
