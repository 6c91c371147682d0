"""A scripted UDP DNS server for tests of odd replies: the handler gets each query and returns the
datagrams to send back (possibly wrong, spoofed or malformed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import dns.message

Handler = Callable[[dns.message.Message, bytes], list[bytes]]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.transport: Any = None
        self.queries: list[dns.message.Message] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dns.message.from_wire(data)
        self.queries.append(query)
        for reply in self.handler(query, data):
            self.transport.sendto(reply, addr)


@asynccontextmanager
async def fake_dns(handler: Handler) -> AsyncIterator[tuple[tuple[str, int], list[dns.message.Message]]]:
    """Yields ((host, port), queries received)."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(lambda: _Protocol(handler), local_addr=("127.0.0.1", 0))
    try:
        yield transport.get_extra_info("sockname")[:2], protocol.queries
    finally:
        transport.close()
