"""Full audits per second: `inboxready check` (library and CLI) beside checkdmarc, same world, same server.

    python bench/check/run.py [--domains 2000] [--memory-domains 10000] [--concurrency 300]
                              [--server auto|knot|python] [--checkdmarc-domains N] [--skip ...]

Generates a world (bench/check/world.py: customer domains with MX, SPF include chains, DKIM
selectors, DMARC with internal and external report addresses, some MTA-STS/TLS-RPT/BIMI, about
one domain in six broken; provider, report-vendor, reverse and blocklist zones) of
max(DOMAINS, MEMORY_DOMAINS) domains, serves it with knot on 127.0.0.1 (one UDP worker; falls back
to `python -m inboxready.testing.dnsserver`), then runs, each in a fresh process (cold caches;
peak RSS from wait4):

- ours: `inboxready.audit.bulk.audit_many` over the first DOMAINS domains, DEFAULT_CHECKS, one
  CachingResolver over LiveResolver, CONCURRENCY audits in flight;
- cli: `inboxready --nameserver 127.0.0.1:PORT check --domains FILE --jsonl` on the same domains;
- checkdmarc: `checkdmarc.check_domains` (its normal, sequential use; `check_mx_tls` off, so no
  SMTP probe) on the same domains, nameservers = [Do53Nameserver("127.0.0.1", PORT)];
- memory: the CLI again over all MEMORY_DOMAINS domains; its peak RSS is the figure to keep under
  300 MB.

Every worker process refuses connections and datagrams to anything outside 127.0.0.0/8, and the
checkdmarc worker's host-name lookups (its HTTPS fetches of MTA-STS policies and BIMI logos) go
through the same server instead of the system resolver; the figures print how many were refused.
Prints domains/second for each, the ratio ours / checkdmarc, and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import world  # noqa: E402  (bench/check/world.py)

sys.path.insert(0, str(HERE.parent))  # bench/, for the shared server helpers
from _knot import Zone, dns_server  # noqa: E402

# ---- the servers -----------------------------------------------------------------------------


# ---- workers (each in its own process) ---------------------------------------------------------

REFUSED: list[str] = []


def loopback_only(resolve_port: int | None = None) -> None:
    """Refuse any socket destination outside 127.0.0.0/8; optionally answer host-name lookups from
    the bench server (checkdmarc asks the system resolver for its HTTPS fetches)."""
    real_connect, real_sendto, real_getaddrinfo = socket.socket.connect, socket.socket.sendto, socket.getaddrinfo

    def allowed(address: Any) -> bool:
        if isinstance(address, tuple) and address:
            try:
                return ipaddress.ip_address(address[0]).is_loopback
            except ValueError:
                return False
        return True  # AF_UNIX and the like

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            REFUSED.append(str(address))
            raise ConnectionRefusedError(f"bench: {address} is not loopback")
        real_connect(self, address)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        if not allowed(args[-1]):
            REFUSED.append(str(args[-1]))
            raise ConnectionRefusedError(f"bench: {args[-1]} is not loopback")
        return real_sendto(self, data, *args)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(name)
            return real_getaddrinfo(host, port, *args, **kwargs)
        except (ValueError, TypeError):
            pass
        addresses: list[str] = []
        if resolve_port is not None and name:
            import dns.exception
            import dns.resolver

            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers, resolver.port = ["127.0.0.1"], resolve_port
            with contextlib.suppress(dns.exception.DNSException):
                addresses = [r.address for r in resolver.resolve(name, "A", lifetime=2.0)]
        addresses = [a for a in addresses if ipaddress.ip_address(a).is_loopback]
        if not addresses:
            REFUSED.append(f"lookup {name}")
            raise socket.gaierror(socket.EAI_NONAME, f"bench: {name} has no loopback address")
        return [row for a in addresses for row in real_getaddrinfo(a, port, *args, **kwargs)]

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.sendto = sendto  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo


def worker_ours(port: int, domains: list[str], concurrency: int, discovery: bool | str) -> dict[str, Any]:
    from inboxready.audit.bulk import audit_many
    from inboxready.dns.cache import CachingResolver
    from inboxready.dns.live import LiveResolver

    async def run() -> dict[str, Any]:
        resolver = CachingResolver(LiveResolver([("127.0.0.1", port)], timeout=2.0, retries=2))
        done = incomplete = queries = findings = 0
        try:
            options = {"dkim_discovery": discovery}
            async for report in audit_many(domains, resolver, concurrency=concurrency, options=options):
                done += 1
                incomplete += not report.complete
                queries += report.dns_queries
                findings += len(report.findings)
        finally:
            await resolver.aclose()
        return {"domains": done, "incomplete": incomplete, "queries": queries, "sent": resolver.stats.sent,
                "findings": findings}

    return asyncio.run(run())


def worker_checkdmarc(port: int, domains: list[str]) -> dict[str, Any]:
    import warnings

    import checkdmarc
    import dns.query
    from dns.nameserver import Do53Nameserver

    warnings.simplefilter("ignore")
    sent = [0]

    def counted(send: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            sent[0] += 1
            return send(*args, **kwargs)

        return wrapper

    dns.query.udp, dns.query.tcp = counted(dns.query.udp), counted(dns.query.tcp)
    results = checkdmarc.check_domains(domains, nameservers=[Do53Nameserver("127.0.0.1", port)],
                                       timeout=2.0, check_mx_tls=False)
    rows = results if isinstance(results, list) else [results]
    errors = {area: sum(1 for r in rows if "error" in r.get(area, {})) for area in ("spf", "dmarc", "mx")}
    return {"domains": len(rows), "errors": errors, "version": checkdmarc.__version__, "sent": sent[0]}


#: Worker kinds of our audit, by DKIM discovery mode ("short" is what `check` uses for bulk runs).
DISCOVERY: dict[str, bool | str] = {"ours": True, "ours-short": "short", "ours-nodisc": False}


def worker_main(args: argparse.Namespace) -> int:
    domains = Path(args.list).read_text().split()
    loopback_only(args.port if args.worker == "checkdmarc" else None)
    start, cpu = time.perf_counter(), time.process_time()
    if args.worker in DISCOVERY:
        out = worker_ours(args.port, domains, args.concurrency, discovery=DISCOVERY[args.worker])
    else:
        out = worker_checkdmarc(args.port, domains)
    out.update(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu, refused=len(REFUSED),
               refused_sample=REFUSED[:3])
    print(json.dumps(out))
    return 0


# ---- the driver --------------------------------------------------------------------------------


def run_child(cmd: list[str], keep: Callable[[str], str | None] = str) -> tuple[list[str], int, float, float]:
    """(kept stdout lines, exit status, wall seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    kept = [k for k in map(keep, proc.stdout) if k is not None]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return kept, proc.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024


_DOMAIN = re.compile(r'"domain": ?"([^"]*)"')


def domain_of(line: str) -> str | None:
    """The domain of one --jsonl line (its first "domain" key), without parsing the whole report."""
    found = _DOMAIN.search(line)
    return found.group(1) if found else None


def run_worker(kind: str, port: int, listing: Path, concurrency: int) -> tuple[dict[str, Any], float]:
    cmd = [sys.executable, __file__, "--worker", kind, "--port", str(port), "--list", str(listing),
           "--concurrency", str(concurrency)]
    out, code, _, rss = run_child(cmd)
    if code != 0 or not out:
        raise SystemExit(f"{kind} worker failed (exit {code})")
    result: dict[str, Any] = json.loads(out[-1])
    return result, rss


def run_cli(port: int, listing: Path, concurrency: int, expected: list[str]) -> tuple[float, float, int, int]:
    """(seconds, peak RSS MB, JSON lines with the expected domains, exit code) of one CLI run."""
    exe = Path(sys.executable).with_name("inboxready")
    prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "inboxready"]
    cmd = [*prefix, "--nameserver", f"127.0.0.1:{port}", "check", "--domains", str(listing), "--jsonl",
           "--concurrency", str(concurrency)]
    seen, code, seconds, rss = run_child(cmd, domain_of)
    return seconds, rss, len(set(seen) & set(expected)), code


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=2000, help="domains in the comparison (default 2000)")
    parser.add_argument("--memory-domains", type=int, default=10_000, help="domains in the memory run (0: skip)")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="audits in flight (default 50: the work is CPU-bound, more only adds queueing)")
    parser.add_argument("--checkdmarc-domains", type=int, default=0, help="checkdmarc on the first N (0: all)")
    parser.add_argument("--server", choices=["auto", "knot", "python"], default="auto")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["ours", "ours-short", "ours-nodisc", "cli", "checkdmarc", "memory"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="write the world to DIR and keep it")
    parser.add_argument("--worker", choices=[*DISCOVERY, "checkdmarc"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--list", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args)
    with contextlib.ExitStack() as stack:
        if args.keep:
            workdir = Path(args.keep)
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-check-")))
        total = max(args.domains, args.memory_domains)
        start = time.perf_counter()
        domains, zones = world.write_world(workdir / "zones", total, args.seed)
        print(f"world: {len(domains)} domains, {len(zones)} zones in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        served = [Zone(zone if zone.endswith(".") else zone + ".", workdir / "zones" / world.zone_file(zone))
                  for zone in zones]
        port, server = stack.enter_context(dns_server(workdir, served, args.server))
        server += f" (loaded in {time.perf_counter() - start:.1f} s)"
        print(f"server: {server}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        compare(args, port, workdir, domains)
    return 0


def compare(args: argparse.Namespace, port: int, workdir: Path, domains: list[str]) -> None:
    first = domains[: args.domains]
    listing = workdir / "domains.txt"
    listing.write_text("\n".join(first) + "\n")
    rates: dict[str, float] = {}
    for kind, label in (("ours", "inboxready audit_many"), ("ours-short", "  same, bulk (short DKIM)"),
                        ("ours-nodisc", "  same, no DKIM discovery")):
        if kind in args.skip:
            continue
        out, rss = run_worker(kind, port, listing, args.concurrency)
        rates[kind] = rate(out["domains"], out["seconds"])
        print(f"{label:<25} {out['domains']:>5} domains {out['seconds']:7.1f} s {rates[kind]:8.1f} domains/s"
              f"  ({rate(out['domains'], out['cpu']):.1f} per CPU-s; {out['queries'] / max(out['domains'], 1):.0f}"
              f" queries/domain, {out['sent'] / max(out['domains'], 1):.0f} sent; {out['incomplete']} incomplete;"
              f" peak RSS {rss:.0f} MB; refused {out['refused']})")
    if "cli" not in args.skip:
        seconds, rss, lines, code = run_cli(port, listing, args.concurrency, first)
        print(f"{'inboxready check --jsonl':<25} {len(first):>5} domains {seconds:7.1f} s"
              f" {rate(len(first), seconds):8.1f} domains/s  ({lines} result lines; exit {code};"
              f" peak RSS {rss:.0f} MB; includes start-up)")
    dmarc_rate = 0.0
    if "checkdmarc" not in args.skip:
        subset = first[: args.checkdmarc_domains] if args.checkdmarc_domains else first
        sub_listing = workdir / "checkdmarc-domains.txt"
        sub_listing.write_text("\n".join(subset) + "\n")
        out, rss = run_worker("checkdmarc", port, sub_listing, 1)
        dmarc_rate = rate(out["domains"], out["seconds"])
        print(f"{'checkdmarc ' + out['version']:<25} {out['domains']:>5} domains {out['seconds']:7.1f} s"
              f" {dmarc_rate:8.1f} domains/s  ({rate(out['domains'], out['cpu']):.1f} per CPU-s;"
              f" {out['sent'] / max(out['domains'], 1):.0f} sent/domain;"
              f" errors {out['errors']}; peak RSS {rss:.0f} MB; refused {out['refused']} {out['refused_sample']})")
        for kind, what in (("ours", "full audit"), ("ours-short", "bulk default: short DKIM discovery"),
                           ("ours-nodisc", "without DKIM discovery")):
            if rates.get(kind) and dmarc_rate:
                print(f"ratio inboxready ({what}) / checkdmarc: {rates[kind] / dmarc_rate:.2f}x (aim: 10x)")
    if "memory" not in args.skip and args.memory_domains:
        every = domains[: args.memory_domains]
        big = workdir / "domains-memory.txt"
        big.write_text("\n".join(every) + "\n")
        seconds, rss, lines, code = run_cli(port, big, args.concurrency, every)
        verdict = "under" if rss < 300 else "OVER"
        print(f"memory: check --jsonl over {len(every)} domains: peak RSS {rss:.0f} MB ({verdict} 300 MB);"
              f" {lines} result lines; {rate(len(every), seconds):.1f} domains/s; exit {code}")


if __name__ == "__main__":
    sys.exit(main())
