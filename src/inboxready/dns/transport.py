"""Sockets for the live backend: a few shared UDP sockets with many queries in flight, and TCP.

Each `UdpChannel` is one non-blocking UDP socket connected to one nameserver (so the kernel drops
datagrams from any other address and reports ICMP "port unreachable" as an error). Queries in
flight are keyed by a random 16-bit ID (RFC 5452 9.2); a datagram is delivered only when its ID
is pending and its question section matches, otherwise it is dropped. Readiness callbacks drain
every queued datagram at once, which keeps the cost per answer low under load.

TCP (RFC 1035 4.2.2, RFC 7766) is used for truncated answers: one connection per query, the
message framed by a 2-byte length.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.exception
import dns.message

from inboxready.dns import wire

Address = tuple[str, int]
_RECV_BUFFER = 1 << 20  # room for a burst of replies to hundreds of queries in flight
_DRAIN_LIMIT = 256  # datagrams read per readiness callback before yielding to other work


class _RandomIds:
    """Unpredictable 16-bit query IDs (RFC 5452 9.2) from the OS's CSPRNG, drawn 512 at a time:
    one `secrets.token_bytes` call instead of one system call per query."""

    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: Iterator[int] = iter(())

    def __call__(self) -> int:
        value = next(self._ids, None)
        if value is None:
            self._ids = iter(memoryview(secrets.token_bytes(1024)).cast("H").tolist())
            value = next(self._ids)
        return value


random_id = _RandomIds()


class NoReply(Exception):
    """An attempt ended without a usable reply (timeout, unreachable port, only malformed data)."""

    def __init__(self, reason: str, malformed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.malformed = malformed


@dataclass(slots=True)
class _Pending:
    question: wire.Question
    future: asyncio.Future[dns.message.Message]
    deadline: float
    malformed: str = ""


@dataclass(slots=True)
class UdpChannel:
    """One connected UDP socket and the queries waiting on it.

    Every query on a channel waits the same `timeout`, so deadlines arrive in sending order: one
    timer, armed for the oldest query still waiting, expires them all (no timer per query).
    """

    loop: asyncio.AbstractEventLoop
    server: Address
    sock: socket.socket
    timeout: float
    pending: dict[int, _Pending] = field(default_factory=dict)
    _by_deadline: deque[_Pending] = field(default_factory=deque)
    _timer: asyncio.TimerHandle | None = None

    @classmethod
    def open(cls, loop: asyncio.AbstractEventLoop, server: Address, timeout: float) -> UdpChannel:
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECV_BUFFER)
            sock.connect(server)
        except OSError:
            sock.close()
            raise
        channel = cls(loop, server, sock, timeout)
        loop.add_reader(sock.fileno(), channel._on_readable)
        return channel

    def close(self) -> None:
        if self.sock.fileno() >= 0 and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._fail_all("resolver closed")

    async def exchange(self, question: wire.Question) -> dns.message.Message:
        """Send `question` and wait up to `timeout` seconds for its reply; raises NoReply."""
        query_id = random_id()
        while query_id in self.pending:
            query_id = random_id()
        future: asyncio.Future[dns.message.Message] = self.loop.create_future()
        entry = _Pending(question, future, self.loop.time() + self.timeout)
        self.pending[query_id] = entry
        self._by_deadline.append(entry)
        if self._timer is None:
            self._timer = self.loop.call_at(entry.deadline, self._expire_due)
        try:
            self.sock.send(question.wire(query_id))
            return await future
        except OSError as exc:  # e.g. ECONNREFUSED reported by send after an ICMP error
            raise NoReply(f"{exc.strerror or exc}") from None
        except NoReply as exc:
            raise NoReply(exc.reason, entry.malformed) from None
        finally:
            if self.pending.get(query_id) is entry:
                del self.pending[query_id]

    def _on_readable(self) -> None:
        for _ in range(_DRAIN_LIMIT):
            try:
                data = self.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # ICMP port/host unreachable: every query on this socket went to that server.
                self._fail_all(exc.strerror or str(exc))
                return
            self._deliver(data)

    def _deliver(self, data: bytes) -> None:
        query_id = wire.reply_id(data)
        if query_id is None:
            return
        entry = self.pending.get(query_id)
        if entry is None or entry.future.done() or not wire.matches(data, entry.question):
            return  # unknown ID or another question: late, duplicated or spoofed
        try:
            message = wire.parse(data)
        except (dns.exception.DNSException, ValueError) as exc:
            entry.malformed = str(exc) or type(exc).__name__  # keep waiting for a good reply
            return
        del self.pending[query_id]
        entry.future.set_result(message)

    def _expire_due(self) -> None:
        self._timer = None
        queue, now = self._by_deadline, self.loop.time()
        while queue:
            entry = queue[0]
            if not entry.future.done():
                if entry.deadline > now:
                    self._timer = self.loop.call_at(entry.deadline, self._expire_due)
                    return
                entry.future.set_exception(NoReply("timed out"))
            queue.popleft()

    def _fail_all(self, reason: str) -> None:
        pending, self.pending = self.pending, {}
        for entry in pending.values():
            if not entry.future.done():
                entry.future.set_exception(NoReply(reason))


async def tcp_exchange(server: Address, question: wire.Question, timeout: float) -> dns.message.Message:
    """One query over a fresh TCP connection; raises NoReply."""
    query_id = random_id()
    data = question.wire(query_id)
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(server[0], server[1])
            writer.write(len(data).to_bytes(2, "big") + data)
            await writer.drain()
            size = int.from_bytes(await reader.readexactly(2), "big")
            reply = await reader.readexactly(size)
    except TimeoutError:
        raise NoReply("timed out over TCP") from None
    except (OSError, asyncio.IncompleteReadError) as exc:
        raise NoReply(f"TCP: {exc}") from None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    if wire.reply_id(reply) != query_id or not wire.matches(reply, question):
        raise NoReply("TCP reply did not match the query", "mismatched TCP reply")
    try:
        return wire.parse(reply)
    except (dns.exception.DNSException, ValueError) as exc:
        raise NoReply("malformed TCP reply", str(exc) or type(exc).__name__) from None
