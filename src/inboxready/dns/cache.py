"""Per-run cache, shared in-flight queries and query accounting, over any backend.

The cache honours record TTLs; negative answers (NXDOMAIN, NODATA) are kept for `negative_ttl`
seconds and failures (timeout, SERVFAIL, REFUSED) for `failure_ttl`, so one dead server does not
cost one timeout per check in a bulk run. Concurrent identical queries wait on one request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dns.name
import dns.rdatatype

from inboxready.dns.answer import Answer, name_text, to_name, to_rdtype
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver

_Key = tuple[dns.name.Name, dns.rdatatype.RdataType]


async def close_resolver(resolver: object) -> None:
    closer = getattr(resolver, "aclose", None)
    if closer is not None:
        await closer()


@dataclass(slots=True)
class CacheStats:
    queries: int = 0  # asked of the cache
    sent: int = 0  # passed on to the backend
    hits: int = 0
    shared: int = 0  # joined a request already in flight


class CachingResolver:
    def __init__(
        self,
        backend: Resolver,
        *,
        negative_ttl: float = 300.0,
        failure_ttl: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.negative_ttl = negative_ttl
        self.failure_ttl = failure_ttl
        self._clock = clock
        self._entries: dict[_Key, tuple[float, Answer | DnsError]] = {}
        self._inflight: dict[_Key, asyncio.Future[Answer]] = {}
        self.stats = CacheStats()

    async def aclose(self) -> None:
        """Close the backend's sockets, if it has any."""
        await close_resolver(self.backend)

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        key = (to_name(name), to_rdtype(rdtype))
        self.stats.queries += 1
        entry = self._entries.get(key)
        if entry is not None:
            expires, outcome = entry
            if expires > self._clock():
                self.stats.hits += 1
                if isinstance(outcome, DnsError):
                    raise outcome
                return outcome
            del self._entries[key]
        pending = self._inflight.get(key)
        if pending is not None:
            self.stats.shared += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.stats.sent += 1
        try:
            answer = await self.backend.query(key[0], key[1])
        except DnsError as exc:
            ttl = self.failure_ttl if exc.is_failure else self.negative_ttl
            self._entries[key] = (self._clock() + ttl, exc)
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        else:
            self._entries[key] = (self._clock() + answer.ttl, answer)
            future.set_result(answer)
            return answer
        finally:
            del self._inflight[key]


@dataclass(frozen=True, slots=True)
class QueryRecord:
    name: str
    rdtype: str
    outcome: str  # "answer" or a DnsError kind


@dataclass(slots=True)
class QueryLog:
    records: list[QueryRecord] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)


class CountingResolver:
    """A view of a resolver that logs every query made through it (for per-check accounting)."""

    def __init__(self, inner: Resolver, log: QueryLog | None = None) -> None:
        self.inner = inner
        self.log = log if log is not None else QueryLog()

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname, qtype = to_name(name), to_rdtype(rdtype)
        try:
            answer = await self.inner.query(qname, qtype)
        except DnsError as exc:
            self.log.records.append(QueryRecord(name_text(qname), qtype.name, exc.kind))
            raise
        self.log.records.append(QueryRecord(name_text(qname), qtype.name, "answer"))
        return answer
