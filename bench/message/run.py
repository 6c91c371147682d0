"""Messages per second through `message check` and through the gateway, with spamd's own figure beside them.

    python bench/message/run.py [--messages 400] [--spamd-messages 60] [--concurrency 4]

Workloads (all on 127.0.0.1, DNS from the bundled demo zones through a CachingResolver):
1. `check_message` without spamd on the four demo messages (SPF, DKIM, DMARC, headers);
2. spamd alone: SpamdClient.report on the same messages (Debian's spamd started here, shipped rules,
   network tests off, --max-children = CONCURRENCY);
3. `check_message` with spamd;
4. the gateway end to end: smtplib clients → gateway (sign + check) → an aiosmtpd sink, without and
   with spamd, CONCURRENCY client connections each sending its share over one session.
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from inboxready.demo import demo_dir, demo_zone_files
from inboxready.dkim.keys import KeyAlgorithm, generate_key, load_signing_key
from inboxready.dns import CachingResolver, ZoneResolver, parse_zone_text
from inboxready.message.check import DeclaredServer, MessageCheckOptions, check_message
from inboxready.message.gateway import GatewayConfig, Signer, start_gateway
from inboxready.message.relay import Upstream
from inboxready.message.spamd import SpamdClient
from inboxready.message.spool import Spool
from inboxready.testing.spamd import SpamdProcess, spamd_available

DOMAIN, SELECTOR, SERVER = "bench.example", "b1", "192.0.2.10"


def demo_messages() -> list[bytes]:
    return [p.read_bytes() for p in sorted((demo_dir() / "messages").glob("*.eml"))]


async def rate(label: str, total: int, concurrency: int, one: Callable[[int], Awaitable[object]]) -> float:
    queue = iter(range(total))

    async def worker() -> None:
        for i in queue:
            await one(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    per_second = total / elapsed
    print(f"  {label:<44} {total:6d} msgs  {elapsed:7.2f} s  {per_second:9.1f} msg/s")
    return per_second


async def bench_check(messages: list[bytes], total: int, concurrency: int, spamd: SpamdClient | None,
                      label: str) -> float:
    resolver = CachingResolver(ZoneResolver.from_files(demo_zone_files()))
    options = MessageCheckOptions(ip="203.0.113.25", spamd=spamd)

    async def one(i: int) -> object:
        return await check_message(messages[i % len(messages)], resolver, options)

    return await rate(label, total, concurrency, one)


async def bench_spamd(messages: list[bytes], total: int, concurrency: int, client: SpamdClient) -> float:
    async def one(i: int) -> object:
        return await client.report(messages[i % len(messages)])

    return await rate("spamd alone (REPORT)", total, concurrency, one)


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 OK"


def bench_zone() -> tuple[ZoneResolver, Signer]:
    pair = generate_key(KeyAlgorithm.RSA_2048)
    strings = " ".join(f'"{s}"' for s in pair.record(DOMAIN, SELECTOR).strings)
    zone = (f"$ORIGIN {DOMAIN}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n"
            f'@ TXT "v=spf1 ip4:{SERVER} -all"\n_dmarc TXT "v=DMARC1; p=reject"\n'
            f"{SELECTOR}._domainkey TXT ( {strings} )\n")
    return ZoneResolver([parse_zone_text(zone)]), Signer(DOMAIN, SELECTOR, load_signing_key(pair.private_pem))


def gateway_message(i: int) -> bytes:
    return (f"From: Shop <orders@{DOMAIN}>\r\nTo: pat@example.org\r\nSubject: Order {i} confirmed\r\n"
            f"Date: Tue, 25 Nov 2025 09:30:00 +0000\r\nMessage-ID: <order-{i}@{DOMAIN}>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Pat,\r\n\r\nthank you for your order; it ships "
            "tomorrow from our workshop.\r\n\r\nThe shop\r\n").encode()


async def bench_gateway(total: int, concurrency: int, spamd: SpamdClient | None, label: str) -> float:
    loop = asyncio.get_running_loop()
    sink = Sink()
    upstream_server = await loop.create_server(lambda: SMTP(sink, hostname="sink", loop=loop), "127.0.0.1", 0)
    resolver, signer = bench_zone()
    with tempfile.TemporaryDirectory() as spool_dir:
        config = GatewayConfig(
            upstream=Upstream("127.0.0.1", upstream_server.sockets[0].getsockname()[1], starttls=False),
            domains=(DOMAIN,), spool=Spool(spool_dir), resolver=CachingResolver(resolver), signers=(signer,),
            servers=(DeclaredServer(SERVER),), spamd=spamd, hostname="gateway.bench",
        )
        server, handler = await start_gateway(config, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        shares = [range(k, total, concurrency) for k in range(concurrency)]

        def client(indexes: range) -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
                for i in indexes:
                    smtp.sendmail(f"orders@{DOMAIN}", ["pat@example.org"], gateway_message(i))

        start = time.perf_counter()
        await asyncio.gather(*(asyncio.to_thread(client, share) for share in shares))
        elapsed = time.perf_counter() - start
        server.close()
        await server.wait_closed()
    upstream_server.close()
    await upstream_server.wait_closed()
    assert sink.count == total and handler.stats.relayed == total, (sink.count, handler.stats)
    print(f"  {label:<44} {total:6d} msgs  {elapsed:7.2f} s  {total / elapsed:9.1f} msg/s")
    return total / elapsed


async def main(args: argparse.Namespace) -> None:
    messages = demo_messages()
    print(f"message bench: {len(messages)} demo messages, concurrency {args.concurrency}")
    await bench_check(messages, args.messages, args.concurrency, None, "message check, no spamd")
    await bench_gateway(args.messages, args.concurrency, None, "gateway end to end, no spamd")
    if not spamd_available():
        print("  spamd not installed (apt-get install spamassassin spamd): spamd figures skipped")
        return
    with tempfile.TemporaryDirectory() as workdir, SpamdProcess.start(Path(workdir) / "spamd",
                                                                       children=args.concurrency) as process:
        client = SpamdClient(process.host, process.port, timeout=120)
        await bench_spamd(messages, 4, 1, client)  # warm the children
        await bench_spamd(messages, args.spamd_messages, args.concurrency, client)
        await bench_check(messages, args.spamd_messages, args.concurrency, client, "message check, with spamd")
        await bench_gateway(args.spamd_messages, args.concurrency, client, "gateway end to end, with spamd")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--spamd-messages", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
