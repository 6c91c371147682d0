"""Forward-confirmed reverse DNS of sending IPs (RFC 8601 section 3 "iprev", RFC 1912 section 2.1).

For an IP: the PTR records at its reverse name (RFC 1035 section 3.5, RFC 3596 section 2.5) must
exist; at least one PTR name must resolve (A for IPv4, AAAA for IPv6) back to the IP; that name
should not be a generic pool name (see `inboxready.hosts.rdns`); and when the server's HELO/EHLO
name is known it should be that PTR name (RFC 5321 section 4.1.1.1 asks for the host's primary name).

`check_ptr(resolver, ip, helo)` checks one IP. `check_reverse_dns(ctx)` is the audit check: the own
servers from `ctx.options["servers"]` (a list of {"ip": ..., "helo": ...}) and the addresses of
the domain's MX hosts (checked with warnings only: a receiving host needs no PTR to receive).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.hosts.rdns import generic_reasons, reverse_name

#: At most this many MX addresses are checked per domain (a big provider has dozens).
MAX_MX_ADDRESSES = 16
#: PTR checks running at once within one audit.
CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class PtrResult:
    ip: str
    reverse_name: str
    #: PTR target names, sorted.
    names: tuple[str, ...] = ()
    #: Each PTR name's addresses of the IP's family.
    forward: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: PTR names whose addresses include the IP (forward-confirmed).
    confirmed: tuple[str, ...] = ()
    #: PTR names judged generic, with the reasons.
    generic: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    helo: str | None = None
    #: HELO name equals a forward-confirmed PTR name (None: no HELO given).
    helo_matches: bool | None = None
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    @property
    def fcrdns(self) -> bool:
        return bool(self.confirmed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ip": self.ip,
            "reverse_name": self.reverse_name,
            "ptr": list(self.names),
            "forward": {name: list(addrs) for name, addrs in self.forward.items()},
            "confirmed": list(self.confirmed),
            "fcrdns": self.fcrdns,
            "generic": {name: list(reasons) for name, reasons in self.generic.items()},
            "helo": self.helo,
            "helo_matches": self.helo_matches,
            "findings": [f.to_dict() for f in self.findings],
            "complete": not self.unchecked,
            "unchecked": list(self.unchecked),
        }


def parse_ip(text: str) -> str:
    """The canonical text of an IP address; InputError for anything else."""
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        raise InputError(f"{text!r} is not an IPv4 or IPv6 address") from None


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


async def _forward(resolver: Resolver, name: str, rdtype: str) -> tuple[tuple[str, ...], DnsError | None]:
    """The addresses of `name` (empty for NXDOMAIN/NODATA) and a failure if the lookup failed."""
    try:
        answer: Answer = await resolver.query(name, rdtype)
    except DnsError as exc:
        return (), exc if exc.is_failure else None
    return tuple(answer.addresses()), None


async def check_ptr(resolver: Resolver, ip: str, helo: str | None = None) -> PtrResult:
    """Forward-confirmed reverse DNS of `ip`, and its agreement with the `helo` name when given."""
    ip = parse_ip(ip)
    rname = reverse_name(ip)
    base = PtrResult(ip=ip, reverse_name=rname, helo=_norm(helo) if helo else None)
    try:
        answer = await resolver.query(rname, "PTR")
    except DnsError as exc:
        if exc.is_failure:
            return dataclasses.replace(
                base, findings=(lookup_failed(ip, exc, f"the reverse DNS of {ip}"),), unchecked=(exc.describe(),)
            )
        message = f"{ip} has no PTR record at {rname} ({exc.label})."
        return dataclasses.replace(
            base, findings=(make_finding("ptr-missing", ip, message, data={"reverse_name": rname}),)
        )
    names = tuple(sorted({_norm(t) for t in answer.targets()}))
    rdtype = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
    lookups = await asyncio.gather(*(_forward(resolver, n, rdtype) for n in names))
    forward = {n: addrs for n, (addrs, _) in zip(names, lookups, strict=True)}
    failures = [err for _, err in lookups if err is not None]
    confirmed = tuple(n for n in names if any(_same_ip(a, ip) for a in forward[n]))
    judged = confirmed or names
    generic = {n: r for n in judged if (r := generic_reasons(n, ip))}
    result = dataclasses.replace(base, names=names, forward=forward, confirmed=confirmed, generic=generic)
    findings, unchecked = _ptr_findings(result, failures)
    if helo:
        helo_findings, helo_unchecked, matches = await _helo_findings(resolver, result, rdtype)
        findings += helo_findings
        unchecked += helo_unchecked
        result = dataclasses.replace(result, helo_matches=matches)
    return dataclasses.replace(result, findings=tuple(findings), unchecked=tuple(unchecked))


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _ptr_findings(result: PtrResult, failures: list[DnsError]) -> tuple[list[Finding], list[str]]:
    ip, names = result.ip, result.names
    findings: list[Finding] = []
    unchecked: list[str] = []
    if len(names) > 1:
        findings.append(make_finding("ptr-multiple", ip, f"{ip} has {len(names)} PTR records: {', '.join(names)}."))
    if not result.confirmed:
        if failures:
            findings.extend(lookup_failed(ip, f, f"that {f.name} resolves back to {ip}") for f in failures)
            unchecked.extend(f.describe() for f in failures)
        else:
            shown = "; ".join(f"{n} → {', '.join(result.forward[n]) or 'no address'}" for n in names)
            findings.append(
                make_finding(
                    "ptr-mismatch",
                    ip,
                    f"The PTR name of {ip} does not resolve back to it ({shown}).",
                    data={"ptr": list(names), "forward": {n: list(a) for n, a in result.forward.items()}},
                )
            )
    if result.generic and len(result.generic) == len(result.confirmed or names):
        name, reasons = next(iter(result.generic.items()))
        findings.append(
            make_finding(
                "ptr-generic",
                ip,
                f"The PTR name of {ip}, {name}, looks generic: it {' and '.join(reasons)}.",
                data={"generic": {n: list(r) for n, r in result.generic.items()}},
            )
        )
    return findings, unchecked


async def _helo_findings(
    resolver: Resolver, result: PtrResult, rdtype: str
) -> tuple[list[Finding], list[str], bool]:
    ip, helo = result.ip, result.helo or ""
    if helo in result.confirmed:
        return [], [], True
    if helo in result.names:
        return [], [], False  # the PTR name itself does not resolve back: ptr-mismatch says so
    addresses, failure = await _forward(resolver, helo, rdtype)
    if failure is not None:
        return [lookup_failed(ip, failure, f"the address of the HELO name {helo}")], [failure.describe()], False
    resolves = any(_same_ip(a, ip) for a in addresses)
    ptr = ", ".join(result.names) or "none"
    tail = "resolves to the IP" if resolves else f"does not resolve to {ip} either"
    message = f"The HELO name {helo} is not the PTR name of {ip} ({ptr}) and {tail}."
    return [make_finding("ptr-helo-mismatch", ip, message, data={"helo": helo, "ptr": list(result.names)})], [], False


# --- the audit check -------------------------------------------------------------------------------

#: Codes downgraded to warnings for MX hosts (receiving needs no PTR; it matters when they send).
_MX_DOWNGRADE = frozenset({"ptr-missing", "ptr-mismatch"})


def declared_servers(options: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(ip, helo) of the own sending servers declared in the options (policy file)."""
    servers: list[tuple[str, str | None]] = []
    for entry in options.get("servers") or ():
        if isinstance(entry, str):
            servers.append((parse_ip(entry), None))
        elif isinstance(entry, Mapping) and "ip" in entry:
            helo = entry.get("helo")
            servers.append((parse_ip(str(entry["ip"])), str(helo) if helo else None))
        else:
            raise InputError(f"servers: each entry needs an ip (got {entry!r})")
    return servers


async def mx_addresses(resolver: Resolver, domain: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(MX host, address) pairs of a domain, and the lookups that failed (reported by the MX check)."""
    try:
        answer = await resolver.query(domain, "MX")
    except DnsError as exc:
        return [], [exc.describe()] if exc.is_failure else []
    hosts = [t for t in dict.fromkeys(answer.targets()) if t not in ("", ".")]
    lookups = await asyncio.gather(*(_forward(resolver, h, t) for h in hosts for t in ("A", "AAAA")))
    pairs: list[tuple[str, str]] = []
    failed: list[str] = []
    for (host, _), (addrs, err) in zip(((h, t) for h in hosts for t in ("A", "AAAA")), lookups, strict=True):
        pairs.extend((host, a) for a in addrs)
        if err is not None:
            failed.append(err.describe())
    return list(dict.fromkeys(pairs))[:MAX_MX_ADDRESSES], failed


async def check_ips(
    resolver: Resolver, targets: Iterable[tuple[str, str | None]], concurrency: int = CONCURRENCY
) -> list[PtrResult]:
    """`check_ptr` for many (ip, helo) pairs, at most `concurrency` at a time, in input order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(ip: str, helo: str | None) -> PtrResult:
        async with gate:
            return await check_ptr(resolver, ip, helo)

    return list(await asyncio.gather(*(one(ip, helo) for ip, helo in targets)))


def _downgrade(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(
        dataclasses.replace(f, severity=Severity.WARNING) if f.code in _MX_DOWNGRADE else f for f in findings
    )


async def check_reverse_dns(ctx: CheckContext) -> CheckResult:
    """PTR / FCrDNS of the declared own servers and of the domain's MX hosts."""
    servers = declared_servers(ctx.options)
    mx_pairs, mx_failed = await mx_addresses(ctx.resolver, ctx.domain)
    server_ips = {ip for ip, _ in servers}
    mx_only = [(host, ip) for host, ip in mx_pairs if ip not in server_ips]
    results = await check_ips(ctx.resolver, [*servers, *((ip, None) for _, ip in mx_only)])
    server_results = results[: len(servers)]
    mx_results = [dataclasses.replace(r, findings=_downgrade(r.findings)) for r in results[len(servers) :]]
    findings: list[Finding] = []
    unchecked: list[str] = list(mx_failed)
    for r in (*server_results, *mx_results):
        findings.extend(r.findings)
        unchecked.extend(r.unchecked)
    data = {
        "servers": [r.to_dict() for r in server_results],
        "mx": [{"host": host, **r.to_dict()} for (host, _), r in zip(mx_only, mx_results, strict=True)],
    }
    return CheckResult("ptr", tuple(findings), data, tuple(dict.fromkeys(unchecked)))
