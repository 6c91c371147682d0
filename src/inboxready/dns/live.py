"""Live DNS: questions sent to nameservers over UDP (TCP when truncated), answers typed.

RFC 1035 4.2 (UDP, then TCP for truncated replies, 4.1.1 TC bit), RFC 6891 (EDNS0 payload size;
a server that rejects EDNS with FORMERR/NOTIMP/BADVERS is asked again without it), RFC 1034 3.6.2
and RFC 2308 (CNAME chains; NXDOMAIN vs NODATA), RFC 5452 (random IDs, question matching).

Each attempt goes to the next nameserver in turn (`retries` extra attempts after the first) and
waits `timeout` seconds, so a lookup gives up after at most `timeout * (retries + 1)` seconds of
silence. Outcomes: records → `Answer`; NXDOMAIN → `NXDomain`; NOERROR without the type → `NoData`;
SERVFAIL → `ServFail`; REFUSED → `Refused`; silence → `Timeout`; only malformed replies or an
unexpected RCODE → `BadResponse`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from inboxready.dns import wire
from inboxready.dns.answer import Answer, name_text, question_name, to_rdtype
from inboxready.dns.errors import BadResponse, DnsError, NoData, NXDomain, Refused, ServFail, Timeout
from inboxready.dns.transport import Address, NoReply, UdpChannel, tcp_exchange

SOCKETS_PER_SERVER = 4
_EDNS_REJECTED = {dns.rcode.FORMERR, dns.rcode.NOTIMP, dns.rcode.BADVERS}


class LiveResolver:
    """A `Resolver` asking nameservers (IP, port) directly; many queries share a few sockets.

    Sockets open on the first query, in that query's event loop; `aclose()` (or `close()`)
    releases them, as does garbage collection of the resolver.
    """

    def __init__(
        self,
        nameservers: Sequence[tuple[str, int]],
        timeout: float = 3.0,
        retries: int = 2,
        edns_payload: int = 1232,
        max_in_flight: int = 1024,
    ) -> None:
        if not nameservers:
            raise ValueError("LiveResolver needs at least one nameserver")
        self.nameservers: tuple[Address, ...] = tuple((h, int(p)) for h, p in nameservers)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.edns_payload = min(max(edns_payload, 512), 65535) if edns_payload > 0 else 0  # RFC 6891 6.2.5
        self.max_in_flight = max_in_flight
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channels: dict[Address, list[UdpChannel]] = {}
        self._turn = 0
        self._slots: asyncio.Semaphore | None = None
        self._finalizer = weakref.finalize(self, _close_channels, self._channels)

    def __repr__(self) -> str:
        servers = ", ".join(f"{h}:{p}" for h, p in self.nameservers)
        return f"LiveResolver([{servers}], timeout={self.timeout}, retries={self.retries})"

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        _close_channels(self._channels)
        self._loop = None

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname, asked = question_name(name)
        qtype = rdtype if type(rdtype) is dns.rdatatype.RdataType else to_rdtype(rdtype)
        cnames: list[dns.rrset.RRset] = []
        current = qname
        while True:
            message = await self._ask(current, qtype)
            followed = wire.follow_cnames(message, current, qtype)
            cnames.extend(followed.cnames)
            current = followed.target
            if len(cnames) > wire.MAX_CNAME_CHAIN or (followed.cnames and current in _owners(cnames)):
                raise NoData(asked, qtype.name, "CNAME chain too long or looping")
            if followed.rrset is not None:
                return _answer(asked, qtype, cnames, followed.rrset)
            detail = f"via CNAME from {asked}" if cnames else ""
            if message.rcode() == dns.rcode.NXDOMAIN:
                raise NXDomain(name_text(current), qtype.name, detail)
            if not followed.cnames:
                raise NoData(name_text(current), qtype.name, detail)
            # The server gave only (part of) the chain: ask about its target ourselves.

    async def _ask(self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> dns.message.Message:
        """A NOERROR or NXDOMAIN reply for the question, trying each nameserver in turn."""
        question = wire.make_question(qname, qtype, self.edns_payload)
        outcome: DnsError | None = None
        silent: list[str] = []
        malformed = ""
        slots = self._ensure_open()
        async with slots:
            for attempt in range(self.retries + 1):
                server = self.nameservers[attempt % len(self.nameservers)]
                try:
                    message = await self._exchange(server, question)
                except NoReply as exc:
                    silent.append(f"{_where(server)} {exc.reason}")
                    malformed = exc.malformed or malformed
                    continue
                rcode = message.rcode()
                if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    return message
                outcome = _rcode_error(qname, qtype, rcode, server)
                if len(self.nameservers) == 1:
                    break
        if outcome is not None:
            raise outcome
        if malformed:
            raise BadResponse(name_text(qname), qtype.name, f"{malformed} ({', '.join(silent)})")
        raise Timeout(name_text(qname), qtype.name, _silence(silent, self.timeout))

    async def _exchange(self, server: Address, question: wire.Question) -> dns.message.Message:
        message = await self._channel(server).exchange(question)
        if message.flags & dns.flags.TC:
            message = await tcp_exchange(server, question, self.timeout)
        # (FORMERR, NOTIMP and BADVERS all set bits of the RCODE, so a zero RCODE needs no lookup)
        if question.edns and (message.flags & 0xF or message.ednsflags >> 24) and message.rcode() in _EDNS_REJECTED:
            message = await self._channel(server).exchange(question.without_edns())
            if message.flags & dns.flags.TC:
                message = await tcp_exchange(server, question.without_edns(), self.timeout)
        return message

    def _ensure_open(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self.close()  # sockets from an earlier event loop cannot be used in this one
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_in_flight)
        return self._slots

    def _channel(self, server: Address) -> UdpChannel:
        loop = self._loop
        if loop is None:
            raise NoReply("resolver closed")
        channels = self._channels.setdefault(server, [])
        if len(channels) < SOCKETS_PER_SERVER:
            try:
                channels.append(UdpChannel.open(loop, server, self.timeout))
            except OSError as exc:
                if not channels:
                    raise NoReply(f"cannot open a socket: {exc.strerror or exc}") from None
        self._turn += 1
        return channels[self._turn % len(channels)]


def _owners(cnames: list[dns.rrset.RRset]) -> set[dns.name.Name]:
    return {rrset.name for rrset in cnames}


def _answer(
    asked: str,
    qtype: dns.rdatatype.RdataType,
    cnames: list[dns.rrset.RRset],
    rrset: dns.rrset.RRset,
) -> Answer:
    if not cnames:
        return Answer(asked, qtype.name, tuple(rrset), rrset.ttl, asked)
    return Answer(
        name=asked,
        rdtype=qtype.name,
        records=tuple(rrset),
        ttl=min([rrset.ttl, *(c.ttl for c in cnames)]),
        canonical_name=name_text(rrset.name),
        cname_chain=tuple(name_text(next(iter(c)).target) for c in cnames),
    )


def _rcode_error(
    qname: dns.name.Name, qtype: dns.rdatatype.RdataType, rcode: dns.rcode.Rcode, server: Address
) -> DnsError:
    text, kind = name_text(qname), qtype.name
    if rcode == dns.rcode.SERVFAIL:
        return ServFail(text, kind, f"from {_where(server)}")
    if rcode == dns.rcode.REFUSED:
        return Refused(text, kind, f"by {_where(server)}")
    return BadResponse(text, kind, f"RCODE {dns.rcode.to_text(rcode)} from {_where(server)}")


def _where(server: Address) -> str:
    host, port = server
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _silence(attempts: list[str], timeout: float) -> str:
    return f"{len(attempts)} tries of {timeout:g} s: {', '.join(attempts)}"


def _close_channels(channels: dict[Address, list[UdpChannel]]) -> None:
    for group in channels.values():
        for channel in group:
            channel.close()
    channels.clear()
