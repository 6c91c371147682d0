"""LiveResolver against the loopback DNS server (tests/fixtures/zones/dnstest.zone) and scripted servers."""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import warnings

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest

from inboxready.dns import (
    BadResponse,
    LayeredResolver,
    NoData,
    NXDomain,
    Refused,
    ServFail,
    Timeout,
    ZoneResolver,
)
from inboxready.dns.live import LiveResolver
from tests.conftest import LoopbackDns
from tests.dns.fake_server import fake_dns

Z = "dnstest.example"


def dead_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_answers_of_each_type(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live()
    try:
        assert (await resolver.query(Z, "A")).addresses() == ["192.0.2.10"]
        assert (await resolver.query(Z, "AAAA")).addresses() == ["2001:db8::10"]
        mx = await resolver.query(Z, "MX")
        assert sorted((r.preference, t) for r, t in zip(mx.records, mx.targets(), strict=True)) == [
            (10, f"mail.{Z}"),
            (20, f"mail2.{Z}"),
        ]
        assert sorted((await resolver.query(f"www.{Z}", "A")).addresses()) == ["192.0.2.80", "192.0.2.81"]
        multi = await resolver.query(f"multi.{Z}", "TXT")
        assert multi.texts() == ["first part second part"]
        assert multi.strings() == [(b"first part ", b"second part")]
        short = await resolver.query(f"SHORT.{Z}.", "txt")
        assert (short.ttl, short.name, short.canonical_name, short.cname_chain) == (30, f"short.{Z}", f"short.{Z}", ())
    finally:
        await resolver.aclose()


def udp_reply(dns_server: LoopbackDns, name: str, payload: int | None) -> dns.message.Message:
    if payload is None:
        query = dns.message.make_query(name, "TXT", use_edns=False)
    else:
        query = dns.message.make_query(name, "TXT", use_edns=0, payload=payload)
    return dns.query.udp(query, dns_server.host, port=dns_server.port, timeout=2, ignore_trailing=True)


async def test_tcp_fallback_for_an_answer_over_512_without_edns(dns_server: LoopbackDns) -> None:
    assert udp_reply(dns_server, f"spf-600.{Z}", None).flags & dns.flags.TC  # the server does truncate
    assert not udp_reply(dns_server, f"spf-600.{Z}", 1232).flags & dns.flags.TC
    resolver = dns_server.live(edns_payload=0)
    try:
        answer = await resolver.query(f"spf-600.{Z}", "TXT")
    finally:
        await resolver.aclose()
    (text,) = answer.texts()
    assert text.startswith("v=spf1 ip4:198.51.0.0/32 ") and text.endswith(" -all")
    assert len(text) > 450


async def test_tcp_fallback_for_an_answer_over_1232_with_edns(dns_server: LoopbackDns) -> None:
    assert udp_reply(dns_server, f"spf-1500.{Z}", 1232).flags & dns.flags.TC
    resolver = dns_server.resolver()
    try:
        answer = await resolver.query(f"spf-1500.{Z}", "TXT")
    finally:
        await resolver.aclose()
    (text,) = answer.texts()
    assert len(text) > 1232 and text.endswith("ip4:198.51.0.65/32 -all")
    assert all(len(s) <= 255 for s in answer.strings()[0])


async def test_timeout_is_bounded_and_typed(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live(timeout=0.2, retries=1)
    start = time.monotonic()
    with pytest.raises(Timeout) as err:
        await resolver.query(f"x-timeout.{Z}", "A")
    elapsed = time.monotonic() - start
    await resolver.aclose()
    assert 0.35 < elapsed < 3.0  # two tries of 0.2 s, not the default 3 s ones
    assert err.value.is_failure
    assert err.value.name == f"x-timeout.{Z}"
    assert "2 tries" in err.value.detail


async def test_servfail_and_refused(dns_server: LoopbackDns) -> None:
    resolver = dns_server.resolver()
    try:
        with pytest.raises(ServFail) as servfail:
            await resolver.query(f"x-servfail.{Z}", "TXT")
        with pytest.raises(Refused) as refused:
            await resolver.query(f"x-refused.sub.{Z}", "A")
    finally:
        await resolver.aclose()
    assert servfail.value.is_failure and refused.value.is_failure
    assert dns_server.address in servfail.value.detail


async def test_nxdomain_vs_nodata(dns_server: LoopbackDns) -> None:
    resolver = dns_server.resolver()
    try:
        with pytest.raises(NXDomain) as nx:
            await resolver.query(f"missing.{Z}", "A")
        with pytest.raises(NoData):
            await resolver.query(f"v6only.{Z}", "A")
        with pytest.raises(NoData):  # empty non-terminal: exists, no records
            await resolver.query(f"ent.{Z}", "A")
        with pytest.raises(NXDomain):  # outside every served zone
            await resolver.query("nowhere.invalid", "A")
    finally:
        await resolver.aclose()
    assert nx.value.name == f"missing.{Z}" and not nx.value.is_failure


async def test_wildcard(dns_server: LoopbackDns) -> None:
    resolver = dns_server.resolver()
    try:
        answer = await resolver.query(f"anything.wild.{Z}", "TXT")
        assert answer.texts() == ["wildcard"]
        assert answer.canonical_name == f"anything.wild.{Z}"
        with pytest.raises(NoData):
            await resolver.query(f"explicit.wild.{Z}", "A")
    finally:
        await resolver.aclose()


async def test_cname_chain_of_three(dns_server: LoopbackDns) -> None:
    resolver = dns_server.resolver()
    try:
        answer = await resolver.query(f"chain1.{Z}", "A")
        with pytest.raises(NoData) as nodata:
            await resolver.query(f"chain1.{Z}", "AAAA")
        with pytest.raises(NXDomain) as nx:
            await resolver.query(f"dangling.{Z}", "A")
        own = await resolver.query(f"chain1.{Z}", "CNAME")
    finally:
        await resolver.aclose()
    assert answer.addresses() == ["192.0.2.33"]
    assert answer.name == f"chain1.{Z}"
    assert answer.canonical_name == f"target.{Z}"
    assert answer.cname_chain == (f"chain2.{Z}", f"chain3.{Z}", f"target.{Z}")
    assert answer.ttl == 100  # the smallest TTL along the chain
    assert nodata.value.name == f"target.{Z}"
    assert nx.value.name == f"nowhere.{Z}" and f"dangling.{Z}" in nx.value.detail
    assert own.targets() == [f"chain2.{Z}"]


async def test_many_concurrent_queries_all_answered_correctly(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live(timeout=2.0, retries=2)
    names = [(f"h{i}.wild.{Z}", "A" if i % 3 else "TXT") for i in range(2000)]
    try:
        answers = await asyncio.gather(*(resolver.query(n, t) for n, t in names))
    finally:
        await resolver.aclose()
    for (name, rdtype), answer in zip(names, answers, strict=True):
        assert (answer.name, answer.rdtype, answer.canonical_name) == (name, rdtype, name)
        if rdtype == "A":
            assert answer.addresses() == ["192.0.2.55"]
        else:
            assert answer.texts() == ["wildcard"]


async def test_retries_go_to_the_next_nameserver(dns_server: LoopbackDns) -> None:
    resolver = LiveResolver([("127.0.0.1", dead_port()), dns_server.nameserver], timeout=1.0, retries=1)
    try:
        start = time.monotonic()
        answer = await resolver.query(Z, "A")
        assert answer.addresses() == ["192.0.2.10"]
        assert time.monotonic() - start < 1.9  # at most one wasted try
    finally:
        await resolver.aclose()


async def test_only_dead_nameservers_is_a_failure(dns_server: LoopbackDns) -> None:
    resolver = LiveResolver([("127.0.0.1", dead_port())], timeout=0.3, retries=1)
    try:
        with pytest.raises(Timeout) as err:
            await resolver.query(Z, "A")
    finally:
        await resolver.aclose()
    assert err.value.is_failure


async def test_servfail_moves_on_to_the_next_nameserver(dns_server: LoopbackDns) -> None:
    def servfail(query: dns.message.Message, data: bytes) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.SERVFAIL)
        return [reply.to_wire()]

    async with fake_dns(servfail) as (broken, _):
        resolver = LiveResolver([broken, dns_server.nameserver], timeout=1.0, retries=1)
        try:
            assert (await resolver.query(Z, "A")).addresses() == ["192.0.2.10"]
        finally:
            await resolver.aclose()


async def test_layered_zones_over_live(dns_server: LoopbackDns) -> None:
    zones = ZoneResolver.from_text('$TTL 60\n@ TXT "v=spf1 -all"\n', origin="planned.example")
    layered = LayeredResolver(zones, dns_server.live())
    try:
        assert (await layered.query("planned.example", "TXT")).texts() == ["v=spf1 -all"]
        assert (await layered.query(Z, "A")).addresses() == ["192.0.2.10"]  # from the server
        with pytest.raises(NXDomain):  # inside the planned zone: the files decide
            await layered.query("other.planned.example", "TXT")
    finally:
        await layered.aclose()


def answer_for(query: dns.message.Message, text: str) -> dns.message.Message:
    reply = dns.message.make_response(query)
    reply.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", text))
    return reply


async def test_spoofed_mismatched_and_malformed_replies_are_ignored() -> None:
    def hostile(query: dns.message.Message, data: bytes) -> list[bytes]:
        good = answer_for(query, "192.0.2.1").to_wire()
        wrong_id = answer_for(query, "203.0.113.66")
        wrong_id.id = (query.id + 1) % 65536
        other_name = dns.message.make_query("evil.example", "A", id=query.id)
        other = dns.message.make_response(other_name)
        other.answer.append(dns.rrset.from_text("evil.example.", 60, "IN", "A", "203.0.113.66"))
        other_type = dns.message.make_response(dns.message.make_query(query.question[0].name, "AAAA", id=query.id))
        not_a_reply = bytearray(good)
        not_a_reply[2] &= 0x7F  # QR bit cleared
        return [wrong_id.to_wire(), other.to_wire(), other_type.to_wire(), bytes(not_a_reply), good[:-3], b"\x00", good]

    async with fake_dns(hostile) as (server, _):
        resolver = LiveResolver([server], timeout=1.0, retries=0)
        try:
            answer = await resolver.query("target.example", "A")
        finally:
            await resolver.aclose()
    assert answer.addresses() == ["192.0.2.1"]


async def test_only_malformed_replies_is_bad_response() -> None:
    async with fake_dns(lambda query, data: [answer_for(query, "192.0.2.1").to_wire()[:-2]]) as (server, _):
        resolver = LiveResolver([server], timeout=0.2, retries=1)
        try:
            with pytest.raises(BadResponse) as err:
                await resolver.query("target.example", "A")
        finally:
            await resolver.aclose()
    assert err.value.is_failure


async def test_unexpected_rcode_is_bad_response() -> None:
    def notauth(query: dns.message.Message, data: bytes) -> list[bytes]:
        reply = dns.message.make_response(query)
        reply.set_rcode(dns.rcode.NOTAUTH)
        return [reply.to_wire()]

    async with fake_dns(notauth) as (server, _):
        resolver = LiveResolver([server], timeout=0.5, retries=0)
        try:
            with pytest.raises(BadResponse, match="NOTAUTH"):
                await resolver.query("target.example", "A")
        finally:
            await resolver.aclose()


async def test_mixed_case_echo_of_the_question_is_accepted() -> None:
    def shouting(query: dns.message.Message, data: bytes) -> list[bytes]:
        wire = bytearray(answer_for(query, "192.0.2.1").to_wire())
        wire[12:30] = bytes(wire[12:30]).upper()
        return [bytes(wire)]

    async with fake_dns(shouting) as (server, _):
        resolver = LiveResolver([server], timeout=1.0, retries=0)
        try:
            assert (await resolver.query("mixed.example", "A")).addresses() == ["192.0.2.1"]
        finally:
            await resolver.aclose()


async def test_cname_without_target_records_is_followed_by_a_new_query() -> None:
    def alias_only(query: dns.message.Message, data: bytes) -> list[bytes]:
        qname = query.question[0].name.to_text()
        reply = dns.message.make_response(query)
        if qname == "alias.example.":
            reply.answer.append(dns.rrset.from_text("alias.example.", 300, "IN", "CNAME", "real.other."))
        else:
            reply.answer.append(dns.rrset.from_text(qname, 40, "IN", "A", "192.0.2.7"))
        return [reply.to_wire()]

    async with fake_dns(alias_only) as (server, queries):
        resolver = LiveResolver([server], timeout=1.0, retries=0)
        try:
            answer = await resolver.query("alias.example", "A")
        finally:
            await resolver.aclose()
    assert answer.addresses() == ["192.0.2.7"]
    assert (answer.canonical_name, answer.cname_chain, answer.ttl) == ("real.other", ("real.other",), 40)
    assert [q.question[0].name.to_text() for q in queries] == ["alias.example.", "real.other."]


async def test_cname_loop_across_queries_ends() -> None:
    def looping(query: dns.message.Message, data: bytes) -> list[bytes]:
        qname = query.question[0].name.to_text()
        target = "b.example." if qname == "a.example." else "a.example."
        reply = dns.message.make_response(query)
        reply.answer.append(dns.rrset.from_text(qname, 300, "IN", "CNAME", target))
        return [reply.to_wire()]

    async with fake_dns(looping) as (server, queries):
        resolver = LiveResolver([server], timeout=1.0, retries=0)
        try:
            with pytest.raises(NoData, match="loop"):
                await resolver.query("a.example", "A")
        finally:
            await resolver.aclose()
    assert len(queries) <= 3


async def test_edns_rejected_is_asked_again_without_it() -> None:
    def old_server(query: dns.message.Message, data: bytes) -> list[bytes]:
        if query.edns >= 0:
            reply = dns.message.make_response(query)
            reply.use_edns(False)
            reply.set_rcode(dns.rcode.FORMERR)
            return [reply.to_wire()]
        return [answer_for(query, "192.0.2.9").to_wire()]

    async with fake_dns(old_server) as (server, queries):
        resolver = LiveResolver([server], timeout=1.0, retries=0)
        try:
            assert (await resolver.query("old.example", "A")).addresses() == ["192.0.2.9"]
        finally:
            await resolver.aclose()
    assert [q.edns for q in queries] == [0, -1]


async def test_queries_carry_edns_rd_and_random_ids() -> None:
    async with fake_dns(lambda query, data: [answer_for(query, "192.0.2.1").to_wire()]) as (server, queries):
        resolver = LiveResolver([server], timeout=1.0, retries=0, edns_payload=1400)
        try:
            await asyncio.gather(*(resolver.query(f"n{i}.example", "A") for i in range(20)))
        finally:
            await resolver.aclose()
    assert all(q.edns == 0 and q.payload == 1400 and q.flags & dns.flags.RD for q in queries)
    assert len({q.id for q in queries}) > 15


def test_one_resolver_across_event_loops(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live()
    for _ in range(2):
        answer = asyncio.run(resolver.query(Z, "A"))
        assert answer.addresses() == ["192.0.2.10"]
    resolver.close()


async def test_closed_resolver_reopens_on_the_next_query(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live()
    await resolver.query(Z, "A")
    await resolver.aclose()
    assert (await resolver.query(Z, "AAAA")).addresses() == ["2001:db8::10"]
    await resolver.aclose()


def test_needs_a_nameserver() -> None:
    with pytest.raises(ValueError):
        LiveResolver([])


async def test_close_during_a_query_ends_it_as_a_failure(dns_server: LoopbackDns) -> None:
    resolver = dns_server.live(timeout=5.0, retries=2)
    pending = asyncio.create_task(resolver.query(f"x-timeout.{Z}", "A"))
    await asyncio.sleep(0.05)
    await resolver.aclose()
    with pytest.raises(Timeout, match="closed"):
        await asyncio.wait_for(pending, 1.0)


def test_a_forgotten_resolver_releases_its_sockets_quietly(dns_server: LoopbackDns) -> None:
    resolver = LiveResolver([dns_server.nameserver], timeout=1.0)
    asyncio.run(resolver.query(Z, "A"))
    sockets = [channel.sock for group in resolver._channels.values() for channel in group]
    assert sockets and all(s.fileno() >= 0 for s in sockets)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del resolver
        gc.collect()
    assert all(s.fileno() == -1 for s in sockets)
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
