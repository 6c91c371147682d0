"""CachingResolver in long bulk runs: bounded size, no frames kept alive by cached errors, one key
per name whatever its spelling."""

from __future__ import annotations

import asyncio
import gc
import weakref

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from inboxready.dns import Answer, CachingResolver, CountingResolver, NXDomain, name_text, to_name, to_rdtype
from inboxready.dns.cache import canonical_text


class Backend:
    """Answers A for names starting with 'a', NXDOMAIN for the rest; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.gate: asyncio.Event | None = None

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        text, kind = name_text(to_name(name)), to_rdtype(rdtype).name
        self.asked.append(text)
        if self.gate is not None:
            await self.gate.wait()
        if not text.startswith("a"):
            raise NXDomain(text, kind)
        record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, "192.0.2.1")
        return Answer(text, kind, (record,), 3600, text)


async def test_the_least_recently_used_outcome_goes_first() -> None:
    backend = Backend()
    cache = CachingResolver(backend, max_entries=2)
    for name in ("a1.example", "a2.example", "a1.example", "a3.example"):  # a1 used again before a3
        await cache.query(name, "A")
    assert len(cache) == 2
    await cache.query("a1.example", "A")
    assert backend.asked.count("a1.example") == 1  # kept
    await cache.query("a2.example", "A")
    assert backend.asked.count("a2.example") == 2  # evicted, asked again


class Marker:
    pass


async def _ask_and_forget(cache: CachingResolver) -> weakref.ref[Marker]:
    marker = Marker()  # a local of the frame the error passes through
    with pytest.raises(NXDomain):
        await cache.query("gone.example", "TXT")
    return weakref.ref(marker)


async def test_cached_errors_keep_no_frames_alive_and_are_raised_as_fresh_copies() -> None:
    backend = Backend()
    cache = CachingResolver(backend)
    first = await _ask_and_forget(cache)  # the miss
    second = await _ask_and_forget(cache)  # the hit
    gc.collect()
    assert first() is None and second() is None
    assert backend.asked == ["gone.example"]
    errors = []
    for _ in range(2):
        with pytest.raises(NXDomain) as caught:
            await cache.query("GONE.example.", "TXT")
        errors.append(caught.value)
    assert errors[0] is not errors[1]
    assert all(e.name == "gone.example" and e.rdtype == "TXT" and not e.is_failure for e in errors)
    assert errors[0].__context__ is None and str(errors[0]) == str(errors[1])


async def test_waiters_on_a_shared_failure_get_their_own_copies() -> None:
    backend = Backend()
    backend.gate = asyncio.Event()
    cache = CachingResolver(backend)
    tasks = [asyncio.create_task(cache.query("gone.example", "TXT")) for _ in range(3)]
    await asyncio.sleep(0)
    backend.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, NXDomain) for r in results)
    assert len({id(r) for r in results}) == 3 and backend.asked == ["gone.example"]


@pytest.mark.parametrize(("spelling", "key"), [
    ("A.Example.", "a.example"),
    ("a.example", "a.example"),
    ("", "."),
    (".", "."),
    ("Bücher.Example", "xn--bcher-kva.example"),
    (dns.name.from_text("A.EXAMPLE"), "a.example"),
    ("a\\.b.example", "a\\.b.example"),
])
def test_canonical_text_is_one_key_per_name(spelling: str | dns.name.Name, key: str) -> None:
    assert canonical_text(spelling) == key


async def test_spellings_share_one_entry_and_the_log_shows_the_canonical_name() -> None:
    backend = Backend()
    counting = CountingResolver(CachingResolver(backend))
    for spelling in ("a.bücher.example", "A.XN--BCHER-KVA.EXAMPLE.", dns.name.from_text("a.xn--bcher-kva.example")):
        await counting.query(spelling, "a")
    assert backend.asked == ["a.xn--bcher-kva.example"]
    assert {(r.name, r.rdtype, r.outcome) for r in counting.log.records} == {
        ("a.xn--bcher-kva.example", "A", "answer")
    }
