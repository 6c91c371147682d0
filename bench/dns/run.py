"""Parsed DNS answers per second: inboxready's LiveResolver vs dnspython's stock async resolver.

    python bench/dns/run.py [--names 20000] [--queries 20000] [--concurrency 500] [--rounds 1]

Starts knot (Debian package `knot`) on 127.0.0.1 with a generated zone of NAMES names, each with an
A and a TXT record; when knotd is missing it falls back to inboxready's own test server (and says
so). Then it asks QUERIES distinct questions with CONCURRENCY in flight, first through
`inboxready.dns.live.LiveResolver`, then through `dns.asyncresolver.Resolver` pointed at the same
server, and prints answers/second for both and their ratio. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dns.asyncresolver
import dns.exception
import dns.message
import dns.query

from inboxready.dns import DnsError
from inboxready.dns.live import LiveResolver

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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        port: int = udp.getsockname()[1]
    return port


def wait_until_answering(port: int, seconds: float = 15.0) -> bool:
    query = dns.message.make_query(f"h0.{ZONE}", "A")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            dns.query.udp(query, "127.0.0.1", port=port, timeout=0.3)
            return True
        except (dns.exception.DNSException, OSError):
            time.sleep(0.1)
    return False


@contextmanager
def knot_server(workdir: Path, zone: Path) -> Iterator[int | None]:
    knotd = shutil.which("knotd") or ("/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists() else None)
    if knotd is None:
        yield None
        return
    port = free_port()
    shutil.copy(zone, workdir / f"{ZONE}zone")
    (workdir / "db").mkdir()
    conf = workdir / "knot.conf"
    conf.write_text(
        f"""server:
    rundir: "{workdir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{workdir / "db"}"
template:
  - id: default
    storage: "{workdir}"
    file: "%s.zone"
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: {ZONE}
"""
    )
    proc = subprocess.Popen([knotd, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_until_answering(port):
            proc.terminate()
            err = proc.communicate(timeout=5)[1].decode(errors="replace").strip()
            print(f"note: knotd did not answer ({err[-300:]})", file=sys.stderr)
            yield None
        else:
            yield port
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def python_server(zone: Path) -> Iterator[int]:
    cmd = [sys.executable, "-m", "inboxready.testing.dnsserver", "--zones", str(zone), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        if not wait_until_answering(port):
            raise SystemExit("inboxready's test server did not answer")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
    parser.add_argument("--server", choices=["auto", "knot", "python"], default="auto")
    args = parser.parse_args()
    work = questions(args.names, args.queries)
    with tempfile.TemporaryDirectory(prefix="bench-dns-") as tmp:
        workdir = Path(tmp)
        zone = workdir / "bench.zone"
        write_zone(zone, args.names)
        with knot_server(workdir, zone) if args.server != "python" else _none() as port:
            server = f"knot on 127.0.0.1:{port}"
            if port is None:
                if args.server == "knot":
                    raise SystemExit("knotd is not available (apt-get install -y knot)")
                print("note: knotd not available; using inboxready.testing.dnsserver (slower server)")
                with python_server(zone) as port:
                    asyncio.run(run_live(port, work, args.concurrency))  # fill its answer cache
                    return compare(f"inboxready test server on 127.0.0.1:{port}", port, work, args)
            return compare(server, port, work, args)


@contextmanager
def _none() -> Iterator[None]:
    yield None


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
