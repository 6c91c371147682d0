"""CachingResolver (TTLs, negative and failure caching, shared in-flight queries) and CountingResolver."""

from __future__ import annotations

import asyncio

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from inboxready.dns import (
    Answer,
    CachingResolver,
    CountingResolver,
    DnsError,
    NoData,
    NXDomain,
    Resolver,
    ServFail,
    Timeout,
    name_text,
    to_name,
    to_rdtype,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedBackend:
    """A Resolver whose outcomes are set per (name, type); counts the questions it receives."""

    def __init__(self) -> None:
        self.outcomes: dict[tuple[str, str], int | type[DnsError]] = {}
        self.asked: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        key = (name_text(to_name(name)), to_rdtype(rdtype).name)
        self.asked.append(key)
        if self.gate is not None:
            await self.gate.wait()
        outcome = self.outcomes[key]
        if isinstance(outcome, int):
            record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, "192.0.2.1")
            return Answer(key[0], key[1], (record,), outcome, key[0])
        raise outcome(*key)


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_fakes_implement_the_protocol(backend: ScriptedBackend) -> None:
    assert isinstance(backend, Resolver)
    assert isinstance(CachingResolver(backend), Resolver)
    assert isinstance(CountingResolver(backend), Resolver)


async def test_answers_live_for_their_ttl(backend: ScriptedBackend, clock: FakeClock) -> None:
    backend.outcomes[("a.example", "A")] = 60
    cache = CachingResolver(backend, clock=clock)
    first = await cache.query("a.example", "A")
    clock.now += 59
    assert await cache.query("A.EXAMPLE.", dns.rdatatype.A) is first  # same key, any spelling
    assert len(backend.asked) == 1
    clock.now += 2
    await cache.query("a.example", "A")
    assert len(backend.asked) == 2
    assert (cache.stats.queries, cache.stats.sent, cache.stats.hits) == (3, 2, 1)


async def test_zero_ttl_is_not_cached(backend: ScriptedBackend, clock: FakeClock) -> None:
    backend.outcomes[("a.example", "A")] = 0
    cache = CachingResolver(backend, clock=clock)
    await cache.query("a.example", "A")
    await cache.query("a.example", "A")
    assert len(backend.asked) == 2


async def test_types_are_cached_separately(backend: ScriptedBackend, clock: FakeClock) -> None:
    backend.outcomes[("a.example", "A")] = 60
    backend.outcomes[("a.example", "TXT")] = NoData
    cache = CachingResolver(backend, clock=clock)
    await cache.query("a.example", "A")
    with pytest.raises(NoData):
        await cache.query("a.example", "TXT")
    assert len(backend.asked) == 2


@pytest.mark.parametrize("negative", [NXDomain, NoData])
async def test_negative_answers_are_cached_for_negative_ttl(
    backend: ScriptedBackend, clock: FakeClock, negative: type[DnsError]
) -> None:
    backend.outcomes[("gone.example", "TXT")] = negative
    cache = CachingResolver(backend, negative_ttl=30, clock=clock)
    for _ in range(3):
        with pytest.raises(negative):
            await cache.query("gone.example", "TXT")
    assert len(backend.asked) == 1
    clock.now += 31
    with pytest.raises(negative):
        await cache.query("gone.example", "TXT")
    assert len(backend.asked) == 2


@pytest.mark.parametrize("failure", [Timeout, ServFail])
async def test_failures_are_cached_briefly_and_stay_failures(
    backend: ScriptedBackend, clock: FakeClock, failure: type[DnsError]
) -> None:
    backend.outcomes[("dead.example", "A")] = failure
    cache = CachingResolver(backend, negative_ttl=300, failure_ttl=5, clock=clock)
    with pytest.raises(failure) as first:
        await cache.query("dead.example", "A")
    assert first.value.is_failure
    with pytest.raises(failure):
        await cache.query("dead.example", "A")
    assert len(backend.asked) == 1
    clock.now += 6  # the short failure TTL, not the negative one
    backend.outcomes[("dead.example", "A")] = 60
    assert (await cache.query("dead.example", "A")).addresses() == ["192.0.2.1"]
    assert len(backend.asked) == 2


async def test_concurrent_identical_queries_share_one_request(backend: ScriptedBackend) -> None:
    backend.outcomes[("busy.example", "A")] = 60
    backend.gate = asyncio.Event()
    cache = CachingResolver(backend)
    waiting = [asyncio.create_task(cache.query("busy.example", "A")) for _ in range(50)]
    await asyncio.sleep(0)
    assert backend.asked == [("busy.example", "A")]
    backend.gate.set()
    answers = await asyncio.gather(*waiting)
    assert all(a is answers[0] for a in answers)
    assert cache.stats.shared == 49


async def test_concurrent_identical_failures_reach_every_waiter(backend: ScriptedBackend) -> None:
    backend.outcomes[("busy.example", "A")] = ServFail
    backend.gate = asyncio.Event()
    cache = CachingResolver(backend)
    waiting = [asyncio.create_task(cache.query("busy.example", "A")) for _ in range(5)]
    await asyncio.sleep(0)
    backend.gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ServFail) for r in results)
    assert len(backend.asked) == 1


async def test_cancelled_first_waiter_does_not_poison_the_cache(backend: ScriptedBackend) -> None:
    backend.outcomes[("slow.example", "A")] = 60
    backend.gate = asyncio.Event()
    cache = CachingResolver(backend)
    first = asyncio.create_task(cache.query("slow.example", "A"))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    backend.gate.set()
    assert (await cache.query("slow.example", "A")).addresses() == ["192.0.2.1"]


async def test_counting_resolver_logs_every_query_and_outcome(backend: ScriptedBackend) -> None:
    backend.outcomes[("a.example", "A")] = 60
    backend.outcomes[("a.example", "MX")] = NoData
    backend.outcomes[("b.example", "TXT")] = Timeout
    counting = CountingResolver(CachingResolver(backend))
    await counting.query("a.example", "A")
    await counting.query("a.example.", "a")
    with pytest.raises(NoData):
        await counting.query("a.example", "MX")
    with pytest.raises(Timeout):
        await counting.query("b.example", "TXT")
    assert len(counting.log) == 4  # every query counts, cached or not
    assert [(r.name, r.rdtype, r.outcome) for r in counting.log.records] == [
        ("a.example", "A", "answer"),
        ("a.example", "A", "answer"),
        ("a.example", "MX", "nodata"),
        ("b.example", "TXT", "timeout"),
    ]
