"""Parsed DNS answers per second: inboxready's LiveResolver vs dnspython's stock async resolver.

    python bench/dns/run.py [--names 20000] [--queries 20000] [--concurrency 500] [--rounds 1]

Starts knot (Debian package `knot`) on 127.0.0.1 with a generated zone of NAMES names, each with an
A and a TXT record (bench/_knot.py); when knotd is missing it falls back to inboxready's own test
server (and says so); `--server python` picks that one. After one unreported warm-up pass it asks
QUERIES distinct questions with CONCURRENCY in flight, first through `inboxready.dns.live.LiveResolver`,
then through `dns.asyncresolver.Resolver` pointed at the same server, and prints answers/second for both and their
ratio. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import dns.asyncresolver
import dns.exception

from inboxready.dns import DnsError
from inboxready.dns.live import LiveResolver

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for the shared server helpers
from _knot import CHOICES, Zone, dns_server  # noqa: E402

ZONE = "bench.example."
Result = tuple[float, int, int, float]  # seconds, answers, failures, client CPU seconds


def write_zone(path: Path, names: int) -> None:
    lines = [
        f"$ORIGIN {ZONE}",
        "$TTL 3600",
        "@ SOA ns1 hostmaster 1 3600 600 86400 60",
        "@ NS ns1",
        "ns1 A 127.0.0.1",
    ]
    for i in range(names):
        lines.append(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        lines.append(f'h{i} TXT "v=spf1 ip4:192.0.2.{i % 256} include:_spf.bench.example -all"')
    path.write_text("\n".join(lines) + "\n")


def questions(names: int, count: int) -> list[tuple[str, str]]:
    return [(f"h{i % names}.{ZONE}", "A" if (i // names) % 2 == 0 else "TXT") for i in range(count)]


async def measure(ask: Callable[[str, str], Awaitable[int]], work: list[tuple[str, str]], concurrency: int) -> Result:
    """(seconds, answers, failures, client CPU seconds) for `work` with `concurrency` in flight."""
    todo = iter(work)
    answers = failures = 0

    async def worker() -> None:
        nonlocal answers, failures
        for name, rdtype in todo:
            try:
                records = await ask(name, rdtype)
            except (DnsError, dns.exception.DNSException):
                failures += 1
            else:
                answers += 1 if records else 0
                failures += 0 if records else 1

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, answers, failures, time.process_time() - cpu


async def run_live(port: int, work: list[tuple[str, str]], concurrency: int) -> Result:
    resolver = LiveResolver([("127.0.0.1", port)], timeout=2.0, retries=2)

    async def ask(name: str, rdtype: str) -> int:
        return len((await resolver.query(name, rdtype)).records)

    try:
        return await measure(ask, work, concurrency)
    finally:
        await resolver.aclose()


async def run_stock(port: int, work: list[tuple[str, str]], concurrency: int) -> Result:
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port
    resolver.timeout = 2.0
    resolver.lifetime = 6.0
    resolver.cache = None

    async def ask(name: str, rdtype: str) -> int:
        return len(await resolver.resolve(name, rdtype, search=False))

    return await measure(ask, work, concurrency)


def report(label: str, result: Result) -> float:
    seconds, answers, failures, cpu = result
    rate = answers / seconds if seconds else 0.0
    per_cpu = answers / cpu if cpu else 0.0
    print(
        f"{label:<28} {answers:>6} answers {failures:>4} failed {seconds:6.2f} s"
        f" {rate:8,.0f} answers/s ({per_cpu:,.0f} per client CPU-second)"
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="repeat each measurement, report the best")
    parser.add_argument("--server", choices=CHOICES, default="auto")
    args = parser.parse_args()
    work = questions(args.names, args.queries)
    with tempfile.TemporaryDirectory(prefix="bench-dns-") as tmp:
        workdir = Path(tmp)
        zone = workdir / "bench.zone"
        write_zone(zone, args.names)
        with dns_server(workdir, [Zone(ZONE, zone)], args.server) as (port, server):
            asyncio.run(run_live(port, work, args.concurrency))  # warm-up: fills any answer cache
            return compare(server, port, work, args)


def compare(server: str, port: int, work: list[tuple[str, str]], args: argparse.Namespace) -> int:
    print(f"server: {server}; {len(work)} queries, {args.concurrency} in flight, {os.cpu_count()} CPUs")
    live = max(
        (asyncio.run(run_live(port, work, args.concurrency)) for _ in range(args.rounds)),
        key=lambda r: r[1] / r[0],
    )
    stock = max(
        (asyncio.run(run_stock(port, work, args.concurrency)) for _ in range(args.rounds)),
        key=lambda r: r[1] / r[0],
    )
    live_rate = report("inboxready LiveResolver", live)
    stock_rate = report("dnspython dns.asyncresolver", stock)
    if stock_rate:
        print(f"ratio LiveResolver / dnspython: {live_rate / stock_rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
