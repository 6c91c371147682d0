"""A small authoritative DNS server for tests and benches, answering from master files.

    python -m inboxready.testing.dnsserver --zones tests/fixtures/zones --port 0

prints the bound port (the same for UDP and TCP) on its first stdout line, then serves until it
is killed. Answers come from `ZoneResolver` (NXDOMAIN vs NODATA, wildcards, empty non-terminals,
CNAME chains placed in the answer section, RFC 1034 4.3.2), with the zone's SOA in the authority
section of negative answers (RFC 2308 3). UDP answers larger than the client's EDNS payload size
(RFC 6891 6.2.5; 512 octets without EDNS, RFC 1035 4.2.1) are sent empty with TC set, so clients
must retry over TCP (RFC 7766).

Fault injection by the first label of the question name: `x-timeout` is never answered,
`x-servfail` gets SERVFAIL, `x-refused` gets REFUSED.

Replies are cached by the query bytes after the ID, so a repeated question costs one dictionary
lookup: the server answers tens of thousands of queries per second on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from inboxready.dns.errors import DnsError, NXDomain
from inboxready.dns.zones import MAX_CNAME_CHAIN, ZoneResolver
from inboxready.errors import InputError

FAULT_LABELS = {b"x-timeout": None, b"x-servfail": dns.rcode.SERVFAIL, b"x-refused": dns.rcode.REFUSED}
OUR_PAYLOAD = 1232
_CACHE_LIMIT = 200_000
_RECV_BUFFER = 4 << 20


def zone_paths(items: Iterable[str | Path]) -> list[Path]:
    """Every `*.zone` file of each directory given, and each file given, in a stable order."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        paths.extend(sorted(path.glob("*.zone")) if path.is_dir() else [path])
    return paths


class ZoneResponder:
    """Turns query bytes into reply bytes (or None: stay silent); no I/O."""

    def __init__(self, zones: ZoneResolver) -> None:
        self.zones = zones
        self._cache: dict[tuple[bytes, bool], bytes | None] = {}

    def respond(self, data: bytes, tcp: bool = False) -> bytes | None:
        key = (data[2:], tcp)
        try:
            cached = self._cache[key]
        except KeyError:
            pass
        else:
            return None if cached is None else data[:2] + cached
        reply = self._build(data, tcp)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = None if reply is None else reply[2:]
        return reply

    def _build(self, data: bytes, tcp: bool) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except (dns.exception.DNSException, ValueError):
            return _header_only(data, dns.rcode.FORMERR) if len(data) >= 12 else None
        if query.flags & dns.flags.QR:
            return None
        response = dns.message.make_response(query, our_payload=OUR_PAYLOAD)
        response.flags |= dns.flags.AA
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
        elif len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
        else:
            question = query.question[0]
            labels = question.name.labels
            fault = labels[0].lower() if labels else b""
            if fault in FAULT_LABELS:
                rcode = FAULT_LABELS[fault]
                if rcode is None:
                    return None
                response.set_rcode(rcode)
            elif question.rdclass != dns.rdataclass.IN:
                response.set_rcode(dns.rcode.REFUSED)
            else:
                self._fill(response, question.name, question.rdtype)
        return _render(response, query, tcp)

    def _fill(self, response: dns.message.Message, qname: dns.name.Name, rdtype: int) -> None:
        qtype = dns.rdatatype.RdataType.make(rdtype)
        current = qname
        if qtype != dns.rdatatype.CNAME:
            for _ in range(MAX_CNAME_CHAIN):
                try:
                    cname = self.zones.lookup(current, dns.rdatatype.CNAME)
                except DnsError:
                    break
                response.answer.append(dns.rrset.from_rdata_list(current, cname.ttl, cname.records))
                current = cname.records[0].target  # type: ignore[attr-defined]
        try:
            found = self.zones.lookup(current, qtype)
        except DnsError as exc:
            if isinstance(exc, NXDomain):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self._add_soa(response, current)
            return
        response.answer.append(dns.rrset.from_rdata_list(current, found.ttl, found.records))

    def _add_soa(self, response: dns.message.Message, name: dns.name.Name) -> None:
        zone = self.zones.zone_for(name.canonicalize())
        if zone is None or zone.origin is None:
            return
        soa = zone.get_rdataset(zone.origin, dns.rdatatype.SOA)
        if soa is not None and len(soa):
            ttl = min(soa.ttl, next(iter(soa)).minimum)
            response.authority.append(dns.rrset.from_rdata_list(zone.origin, ttl, list(soa)))


def _render(response: dns.message.Message, query: dns.message.Message, tcp: bool) -> bytes:
    limit = 65535 if tcp else (max(512, min(query.payload, 65535)) if query.edns >= 0 else 512)
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer.clear()
        response.authority.clear()
        response.additional.clear()
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)


def _header_only(data: bytes, rcode: int) -> bytes:
    flags = 0x8000 | (data[2] & 0x79) << 8 | rcode  # QR, the query's opcode and RD, the RCODE
    return data[:2] + flags.to_bytes(2, "big") + bytes(8)


class _UdpEndpoint:
    """A UDP socket served from readiness callbacks that drain every queued query at once."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, responder: ZoneResponder) -> None:
        self.loop, self.sock, self.responder = loop, sock, responder
        loop.add_reader(sock.fileno(), self._on_readable)

    def _on_readable(self) -> None:
        for _ in range(256):
            try:
                data, addr = self.sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error about an earlier reply: keep serving the others
            reply = self.responder.respond(data)
            if reply is not None:
                with contextlib.suppress(BlockingIOError, InterruptedError, OSError):
                    self.sock.sendto(reply, addr)

    def close(self) -> None:
        if self.sock.fileno() >= 0 and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


def _udp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_BUFFER)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def _serve_tcp(responder: ZoneResponder, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            size = int.from_bytes(await reader.readexactly(2), "big")
            reply = responder.respond(await reader.readexactly(size), tcp=True)
            if reply is not None:
                writer.write(len(reply).to_bytes(2, "big") + reply)
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class DnsTestServer:
    """A running server (UDP and TCP on one port); `await server.close()` stops it."""

    def __init__(self, host: str, port: int, udp: _UdpEndpoint, tcp: asyncio.Server) -> None:
        self.host = host
        self.port = port
        self._udp = udp
        self._tcp = tcp

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    async def close(self) -> None:
        self._udp.close()
        self._tcp.close()
        await self._tcp.wait_closed()


async def start_server(zones: ZoneResolver, host: str = "127.0.0.1", port: int = 0) -> DnsTestServer:
    """Serve `zones` on (host, port); port 0 picks a port free for both UDP and TCP."""
    loop = asyncio.get_running_loop()
    responder = ZoneResponder(zones)
    for _ in range(50):
        sock = _udp_socket(host, port)
        bound: int = sock.getsockname()[1]
        try:
            tcp = await asyncio.start_server(lambda r, w: _serve_tcp(responder, r, w), host, bound, reuse_address=True)
        except OSError:
            sock.close()
            if port:
                raise
            continue
        return DnsTestServer(host, bound, _UdpEndpoint(loop, sock, responder), tcp)
    raise OSError(f"no port on {host} was free for both UDP and TCP")


async def _main(paths: Sequence[Path], host: str, port: int) -> None:
    zones = ZoneResolver.from_files(paths)
    server = await start_server(zones, host, port)
    print(server.port, flush=True)
    print(f"serving {', '.join(zones.origins)} on {server.address} (UDP and TCP)", file=sys.stderr)
    await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inboxready.testing.dnsserver",
        description="Authoritative DNS server for tests: serves master files over UDP and TCP.",
    )
    parser.add_argument("--zones", nargs="+", required=True, help="zone files, or directories of *.zone")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    args = parser.parse_args(argv)
    paths = zone_paths(args.zones)
    if not paths:
        parser.error("no zone files found")
    try:
        asyncio.run(_main(paths, args.host, args.port))
    except InputError as exc:
        print(f"dnsserver: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
