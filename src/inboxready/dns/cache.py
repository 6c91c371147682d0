"""Per-run cache, shared in-flight queries and query accounting, over any backend.

The cache honours record TTLs; negative answers (NXDOMAIN, NODATA) are kept for `negative_ttl`
seconds and failures (timeout, SERVFAIL, REFUSED) for `failure_ttl`, so one dead server does not
cost one timeout per check in a bulk run. Concurrent identical queries wait on one request.

Memory stays bounded in a bulk run: at most `max_entries` outcomes are kept (the least recently
used go first), and a cached DnsError is stored without its traceback (which would keep the
frames of the audit that first raised it alive) and raised as a fresh copy on every hit.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import dns.name
import dns.rdatatype

from inboxready.dns.answer import Answer, to_rdtype
from inboxready.dns.answer import canonical_text as canonical_text  # the cache key; re-exported
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver

_Key = tuple[str, int]  # (canonical name text, rdtype)

#: rdtypes already converted (checks ask with the same few strings all the time).
_TYPES: dict[object, dns.rdatatype.RdataType] = {}
_MEMO_LIMIT = 256


def rdtype_of(rdtype: str | dns.rdatatype.RdataType) -> dns.rdatatype.RdataType:
    found = _TYPES.get(rdtype)
    if found is None:
        found = to_rdtype(rdtype)
        if len(_TYPES) >= _MEMO_LIMIT:
            _TYPES.clear()
        _TYPES[rdtype] = found
    return found


def detached(error: DnsError) -> DnsError:
    """A copy of `error` without traceback, cause or context (safe to keep and to raise again)."""
    copy = error.__class__.__new__(error.__class__)
    copy.__dict__.update(error.__dict__)
    copy.args = error.args
    return copy


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
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.negative_ttl = negative_ttl
        self.failure_ttl = failure_ttl
        self.max_entries = max(1, max_entries)
        self._clock = clock
        self._entries: OrderedDict[_Key, tuple[float, Answer | DnsError]] = OrderedDict()
        self._inflight: dict[_Key, asyncio.Future[Answer]] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        """Outcomes held (some may have expired)."""
        return len(self._entries)

    async def aclose(self) -> None:
        """Close the backend's sockets, if it has any."""
        await close_resolver(self.backend)

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        text = canonical_text(name)
        qtype = rdtype_of(rdtype)
        key = (text, int(qtype))
        self.stats.queries += 1
        entry = self._entries.get(key)
        if entry is not None:
            expires, outcome = entry
            if expires > self._clock():
                self.stats.hits += 1
                if isinstance(outcome, DnsError):
                    raise detached(outcome)
                self._entries.move_to_end(key)
                return outcome
            del self._entries[key]
        pending = self._inflight.get(key)
        if pending is not None:
            self.stats.shared += 1
            return await self._join(pending)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.stats.sent += 1
        try:
            answer = await self.backend.query(text, qtype)
        except DnsError as exc:
            kept = detached(exc)
            self._store(key, self.failure_ttl if exc.is_failure else self.negative_ttl, kept)
            future.set_exception(kept)
            future.exception()  # mark retrieved: waiters raise their own copies
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()
            raise
        else:
            self._store(key, answer.ttl, answer)
            future.set_result(answer)
            return answer
        finally:
            del self._inflight[key]

    @staticmethod
    async def _join(pending: asyncio.Future[Answer]) -> Answer:
        try:
            return await asyncio.shield(pending)
        except DnsError as exc:
            error = exc
        raise detached(error)  # outside the except block: no context chained to the shared error

    def _store(self, key: _Key, ttl: float, outcome: Answer | DnsError) -> None:
        if ttl <= 0:
            return
        self._entries[key] = (self._clock() + ttl, outcome)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


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
        text = canonical_text(name)
        qtype = rdtype_of(rdtype)
        try:
            answer = await self.inner.query(text, qtype)
        except DnsError as exc:
            self.log.records.append(QueryRecord(text, qtype.name, exc.kind))
            raise
        self.log.records.append(QueryRecord(text, qtype.name, "answer"))
        return answer
