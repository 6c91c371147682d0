"""SPF checks per second: inboxready's evaluator (cold and warm cache) beside pyspf, same world.

    python bench/spf/run.py [--domains 2000] [--concurrency 256] [--pyspf-checks 0 (= all)] [--rtt MS]
                            [--server auto|knot|python]

Generates a world in a temporary directory: sending providers with realistic include chains
(nested netblock includes, a/mx-based records, a dynamic exists:%{i} provider) and DOMAINS customer
domains, each authorizing one to four providers plus its own servers. Serves it on 127.0.0.1 with
knot (one knot.conf zone entry per zone file, one UDP worker; bench/_knot.py) or, with
`--server python` or when knotd is missing (a note says so), with inboxready's own test server
(`python -m inboxready.testing.dnsserver`). Builds one (ip, sender) pair per domain (about half
inside an authorized range), then times:

- the server alone: distinct questions answered per second with many in flight (its own ceiling);
- inboxready cold: a fresh CachingResolver, every check running concurrently (CONCURRENCY at once),
  identical questions shared in flight;
- inboxready warm: the same pairs again through the same cache;
- pyspf (2.0.14, dnspython backend pointed at the same server): the same pairs, one after the other,
  as pyspf works (a fresh query object, so a fresh cache, per check).

A first unreported pass warms the server (the Python server's reply cache) so that both clients
see the same server. Prints checks/second for each, the ratios, and how many results agree.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import random
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inboxready.dns.cache import CachingResolver, CountingResolver, QueryLog
from inboxready.dns.errors import DnsError
from inboxready.dns.live import LiveResolver
from inboxready.spf.evaluate import evaluate_spf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/, for the shared server helpers
from _knot import CHOICES, Zone, dns_server  # noqa: E402

PROV = "prov.bench.example"
SOA = ["$TTL 3600", "@ SOA ns1 hostmaster 1 3600 600 86400 60", "@ NS ns1", "ns1 A 127.0.0.1"]


@dataclass
class Provider:
    name: str  # include target
    records: dict[str, list[str]]  # relative owner → zone lines (type and data)
    ranges: list[str] = field(default_factory=list)  # networks that pass
    dynamic: list[str] = field(default_factory=list)  # addresses the exists:%{i} rule passes


def _ranges(rng: random.Random, first_octet: int, count: int) -> list[str]:
    out = set()
    while len(out) < count:
        prefix = rng.choice([16, 18, 19, 20, 21, 22, 24])
        address = ipaddress.IPv4Address((first_octet << 24) | rng.getrandbits(24))
        out.add(str(ipaddress.ip_network(f"{address}/{prefix}", strict=False)))
    return sorted(out)


def _txt(text: str) -> str:
    pieces = [text[i : i + 250] for i in range(0, len(text), 250)]
    return "TXT " + " ".join(f'"{p}"' for p in pieces)


def _leaf(owner: str, ranges: list[str], v6: Sequence[str] = (), end: str = "~all") -> dict[str, list[str]]:
    terms = [f"ip4:{r}" for r in ranges] + [f"ip6:{r}" for r in v6]
    return {owner: [_txt(" ".join(["v=spf1", *terms, end]))]}


def providers(rng: random.Random) -> list[Provider]:
    out: list[Provider] = []
    # a mailbox host: include → three nested netblock includes (4 lookups)
    blocks = [_ranges(rng, 35 + i, 10) for i in range(3)]
    records = {"_spf.mailhost": [_txt(" ".join(["v=spf1", *(f"include:_nb{i}.mailhost.{PROV}" for i in range(3)),
                                                "~all"]))]}
    for i, block in enumerate(blocks):
        records.update(_leaf(f"_nb{i}.mailhost", block, [f"2001:db8:{10 + i:x}::/48"]))
    out.append(Provider(f"_spf.mailhost.{PROV}", records, [r for b in blocks for r in b]))
    # flat range providers
    for n, name in enumerate(("outlook", "ses", "sendgrid", "mandrill", "postmark", "sparkpost")):
        block = _ranges(rng, 40 + 5 * n, rng.randint(6, 14))
        out.append(Provider(f"spf.{name}.{PROV}", _leaf(f"spf.{name}", block, end="-all"), block))
    # two levels
    for n, name in enumerate(("mailgun", "zoho")):
        a, b = _ranges(rng, 80 + 3 * n, 8), _ranges(rng, 81 + 3 * n, 6)
        records = {name: [_txt(f"v=spf1 include:s1.{name}.{PROV} include:s2.{name}.{PROV} ~all")]}
        records.update(_leaf(f"s1.{name}", a))
        records.update(_leaf(f"s2.{name}", b))
        out.append(Provider(f"{name}.{PROV}", records, a + b))
    # a/mx based
    hosts = [f"100.{i}.7.{10 + i}" for i in range(3)]
    records = {"helpdesk": [_txt("v=spf1 a mx ip4:100.9.0.0/24 -all"), f"A {hosts[0]}",
                            "MX 10 o1.helpdesk", "MX 20 o2.helpdesk"],
               "o1.helpdesk": [f"A {hosts[1]}"], "o2.helpdesk": [f"A {hosts[2]}"]}
    out.append(Provider(f"helpdesk.{PROV}", records, ["100.9.0.0/24", *(f"{h}/32" for h in hosts)]))
    # dynamic: passes only addresses that have an entry
    dynamic = [f"13.110.{i // 200}.{i % 200 + 1}" for i in range(400)]
    records = {"_spf.crm": [_txt(f"v=spf1 exists:%{{i}}._spf.mta.crm.{PROV} -all")]}
    for ip in dynamic:
        records[f"{ip}._spf.mta.crm"] = ["A 127.0.0.1"]
    out.append(Provider(f"_spf.crm.{PROV}", records, dynamic=dynamic))
    return out


def write_world(directory: Path, domains: int, rng: random.Random) -> tuple[list[Zone], list[tuple[str, str, bool]]]:
    """Zone files for providers and customers; returns the zones and (ip, sender, expected_pass) pairs."""
    provs = providers(rng)
    lines = [f"$ORIGIN {PROV}.", *SOA]
    for p in provs:
        for owner, entries in p.records.items():
            lines += [f"{owner} {entry}" for entry in entries]
    (directory / "providers.zone").write_text("\n".join(lines) + "\n")
    weights = [50, 40, 20, 20, 10, 10, 8, 10, 8, 8, 6]
    pairs: list[tuple[str, str, bool]] = []
    zones: dict[int, list[str]] = {}
    for i in range(domains):
        zone = i % 10
        own = f"198.{18 + (i >> 14 & 1)}.{i >> 6 & 255}.{(i & 63) << 2}"
        chosen = {p.name: p for p in rng.choices(provs, weights=weights, k=rng.randint(1, 4))}
        terms = ([f"ip4:{own}/30"] if rng.random() < 0.5 else []) + (["a", "mx"] if rng.random() < 0.3 else [])
        terms += [f"include:{name}" for name in chosen]
        name = f"d{i:04d}"
        zones.setdefault(zone, []).extend([
            f"{name} {_txt(' '.join(['v=spf1', *terms, rng.choice(['-all', '~all'])]))}",
            f"{name} A {own}", f"{name} MX 10 mx.{name}", f"mx.{name} A {own}",
        ])
        sender = f"user{i}@{name}.c{zone}.bench.example"
        pick = list(chosen.values())[0]
        if rng.random() < 0.5 and (pick.ranges or pick.dynamic):
            if pick.dynamic:
                ip = rng.choice(pick.dynamic)
            else:
                net = ipaddress.ip_network(rng.choice(pick.ranges))
                ip = str(net.network_address + rng.randrange(net.num_addresses))
            pairs.append((ip, sender, True))
        else:
            pairs.append((f"203.0.{rng.randrange(113, 114)}.{rng.randrange(1, 255)}", sender, False))
    served = [Zone(f"{PROV}.", directory / "providers.zone")]
    for zone, body in zones.items():
        served.append(Zone(f"c{zone}.bench.example.", directory / f"c{zone}.zone"))
        served[-1].path.write_text("\n".join([f"$ORIGIN {served[-1].origin}", *SOA, *body]) + "\n")
    return served, pairs


def serve_proxy(upstream_port: int, rtt_ms: float) -> None:
    """A UDP relay to the server that delays every reply by RTT_MS (run in its own process).
    Query IDs are rewritten so that many clients' queries can share one upstream socket."""

    async def run() -> None:
        loop = asyncio.get_running_loop()
        pending: dict[int, tuple[tuple[str, int], bytes]] = {}
        next_id = [0]

        class Upstream(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                entry = pending.pop(int.from_bytes(data[:2], "big"), None)
                if entry is not None:
                    client, original = entry
                    loop.call_later(rtt_ms / 1000, front.sendto, original + data[2:], client)

        class Front(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                next_id[0] = (next_id[0] + 1) & 0xFFFF
                pending[next_id[0]] = (addr, data[:2])
                up.sendto(next_id[0].to_bytes(2, "big") + data[2:])

        up, _ = await loop.create_datagram_endpoint(Upstream, remote_addr=("127.0.0.1", upstream_port))
        front, _ = await loop.create_datagram_endpoint(Front, local_addr=("127.0.0.1", 0))
        print(front.get_extra_info("sockname")[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


def start_proxy(port: int, rtt_ms: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve-proxy", str(port), "--rtt", str(rtt_ms)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline().strip())


async def server_rate(port: int, questions: Sequence[tuple[str, str]], concurrency: int) -> float:
    live = LiveResolver([("127.0.0.1", port)], timeout=2.0, retries=1)
    todo = iter(questions)

    async def worker() -> None:
        for name, rdtype in todo:
            with contextlib.suppress(DnsError):
                await live.query(name, rdtype)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    live.close()
    return len(questions) / elapsed


async def raw_server_rate(port: int, questions: Sequence[tuple[str, str]], window: int = 100) -> float:
    """Replies per second from the server to pre-built queries over one UDP socket, nothing parsed:
    the server's own ceiling without client-side DNS work. Lost datagrams are topped up every 10 ms."""
    import dns.message

    wires = [dns.message.make_query(name, rdtype).to_wire() for name, rdtype in questions] * 3
    loop = asyncio.get_running_loop()
    state = {"sent": 0, "received": 0, "last": 0.0}

    class Flood(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            state["received"] += 1
            state["last"] = time.perf_counter()
            if state["sent"] < len(wires):
                transport.sendto(wires[state["sent"]])
                state["sent"] += 1

    transport, _ = await loop.create_datagram_endpoint(Flood, remote_addr=("127.0.0.1", port))
    start = time.perf_counter()
    seen = -1
    while state["sent"] < len(wires):
        if state["received"] == seen:  # no progress: the window was lost, refill it
            for _ in range(min(window, len(wires) - state["sent"])):
                transport.sendto(wires[state["sent"]])
                state["sent"] += 1
        seen = state["received"]
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    transport.close()
    return state["received"] / max(state["last"] - start, 1e-9)


async def ours(resolver: CachingResolver, pairs: Sequence[tuple[str, str, bool]], concurrency: int
               ) -> tuple[float, list[str]]:
    """Seconds for every check, CONCURRENCY at a time (workers taking the next pair), and the results."""
    results = [""] * len(pairs)
    todo = iter(enumerate(pairs))

    async def worker() -> None:
        for i, (ip, sender, _) in todo:
            results[i] = (await evaluate_spf(resolver, ip, sender, helo="mail.bench.example")).result.value

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, results


def pyspf_run(port: int, pairs: Sequence[tuple[str, str, bool]]) -> tuple[float, list[str], int]:
    import dns.resolver

    import spf  # pyspf

    class Counting(dns.resolver.Resolver):
        queries = 0

        def resolve(self, *args: object, **kwargs: object) -> dns.resolver.Answer:  # type: ignore[override]
            Counting.queries += 1
            return super().resolve(*args, **kwargs)  # type: ignore[arg-type]

    resolver = Counting(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port
    resolver.cache = None
    resolver.use_edns(0, 0, 1232)  # as LiveResolver does: no TCP retry for the larger TXT answers
    dns.resolver.default_resolver = resolver  # pyspf asks through dns.resolver.query()
    results = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for ip, sender, _ in pairs:
            result, _code, _text = spf.query(i=ip, s=sender, h="mail.bench.example").check()
            results.append({"error": "temperror", "unknown": "permerror"}.get(result, result))
    return time.perf_counter() - start, results, Counting.queries


async def measure(port: int, pairs: list[tuple[str, str, bool]], concurrency: int) -> dict[str, float]:
    def fresh() -> CachingResolver:
        return CachingResolver(LiveResolver([("127.0.0.1", port)], timeout=2.0, retries=1))

    log = QueryLog()
    priming = CachingResolver(CountingResolver(LiveResolver([("127.0.0.1", port)], timeout=2.0, retries=1), log))
    await ours(priming, pairs, concurrency)  # fills the server's reply cache (not reported)
    questions = list(dict.fromkeys((q.name, q.rdtype) for q in log.records))
    await priming.aclose()
    cold_resolver = fresh()
    cold, cold_results = await ours(cold_resolver, pairs, concurrency)
    sent = cold_resolver.stats.sent
    warm, _ = await ours(cold_resolver, pairs, concurrency)
    await cold_resolver.aclose()
    rate = await server_rate(port, questions, 500)
    raw = await raw_server_rate(port, questions)
    return {"cold": cold, "warm": warm, "sent": sent, "server": rate, "raw": raw, "questions": len(questions),
            "results": cold_results}  # type: ignore[dict-item]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--pyspf-checks", type=int, default=0, help="run pyspf on the first N pairs (0: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rtt", type=float, default=0.0,
                        help="add this many milliseconds of round-trip time to every query (a relay in front "
                        "of the server), as a resolver that is not on the same machine would")
    parser.add_argument("--server", choices=CHOICES, default="auto",
                        help="knot (knotd), inboxready's Python test server, or auto: knot when available")
    parser.add_argument("--serve-proxy", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_proxy:
        serve_proxy(args.serve_proxy, args.rtt)
        return 0
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="spf-bench-") as tmp:
        served, pairs = write_world(Path(tmp), args.domains, rng)
        with dns_server(Path(tmp), served, args.server) as (port, server):
            relay = start_proxy(port, args.rtt) if args.rtt > 0 else None
            try:
                figures = asyncio.run(measure(relay[1] if relay else port, pairs, args.concurrency))
                subset = pairs[: args.pyspf_checks] if args.pyspf_checks else pairs
                py_seconds, py_results, py_queries = pyspf_run(relay[1] if relay else port, subset)
            finally:
                if relay is not None:
                    relay[0].terminate()
                    relay[0].wait(timeout=10)
    n = len(pairs)
    cold_rate, warm_rate = n / figures["cold"], n / figures["warm"]
    py_rate = len(subset) / py_seconds
    ours_results: list[str] = figures["results"]  # type: ignore[assignment]
    agree = sum(1 for a, b in zip(ours_results, py_results, strict=False) if a == b)
    passes = sum(1 for r in ours_results if r == "pass")
    queries_per_check = figures["sent"] / n
    where = f", {args.rtt:g} ms round trip added" if args.rtt else ", loopback round trips"
    print(f"server: {server}")
    print(f"world: {args.domains} domains, {n} checks ({passes} pass), {figures['questions']} distinct questions"
          + where)
    print(f"server alone:        {figures['raw']:>9,.0f} replies/s raw (nothing parsed); "
          f"{figures['server']:,.0f} parsed answers/s through LiveResolver")
    query_rate = figures["sent"] / figures["cold"]
    print(f"inboxready cold:     {cold_rate:>9,.0f} checks/s  ({queries_per_check:.1f} queries sent per check, "
          f"{query_rate:,.0f} queries/s = {query_rate / figures['raw']:.0%} of the server's raw rate, "
          f"{query_rate / figures['server']:.0%} of the parsed rate)")
    print(f"inboxready warm:     {warm_rate:>9,.0f} checks/s")
    print(f"pyspf (sequential):  {py_rate:>9,.0f} checks/s  ({len(subset)} checks, {py_queries / len(subset):.1f} "
          f"queries per check, {py_queries / py_seconds:,.0f} queries/s)")
    print(f"ratio cold/pyspf:    {cold_rate / py_rate:>9.1f}x    warm/pyspf: {warm_rate / py_rate:.1f}x")
    print(f"results agree with pyspf: {agree}/{len(subset)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
