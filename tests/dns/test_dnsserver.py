"""The loopback test server's answers (inboxready.testing.dnsserver), checked on the wire."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from inboxready.dns import ZoneResolver
from inboxready.dns.live import LiveResolver
from inboxready.testing.dnsserver import ZoneResponder, start_server, zone_paths
from tests.conftest import LoopbackDns


@pytest.fixture(scope="module")
def responder(zone_dir: Path) -> ZoneResponder:
    return ZoneResponder(ZoneResolver.from_files([zone_dir / "dnstest.zone"]))


def ask(
    responder: ZoneResponder, name: str, rdtype: str, edns: int | None = 1232, tcp: bool = False
) -> dns.message.Message:
    if edns is None:
        query = dns.message.make_query(name, rdtype, use_edns=False)
    else:
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=edns)
    reply = responder.respond(query.to_wire(), tcp=tcp)
    assert reply is not None
    message = dns.message.from_wire(reply)
    assert message.id == query.id and message.flags & dns.flags.QR
    return message


def test_authoritative_answer(responder: ZoneResponder) -> None:
    reply = ask(responder, "www.dnstest.example", "A")
    assert reply.flags & dns.flags.AA and reply.rcode() == dns.rcode.NOERROR
    assert sorted(r.address for r in reply.answer[0]) == ["192.0.2.80", "192.0.2.81"]


def test_negative_answers_carry_the_soa(responder: ZoneResponder) -> None:
    nx = ask(responder, "missing.dnstest.example", "A")
    nodata = ask(responder, "www.dnstest.example", "TXT")
    assert nx.rcode() == dns.rcode.NXDOMAIN and nodata.rcode() == dns.rcode.NOERROR
    for reply in (nx, nodata):
        assert not reply.answer
        assert reply.authority[0].rdtype == dns.rdatatype.SOA and reply.authority[0].ttl == 60


def test_cname_chain_in_the_answer_section(responder: ZoneResponder) -> None:
    reply = ask(responder, "chain1.dnstest.example", "A")
    assert [(r.name.to_text(), r.rdtype) for r in reply.answer] == [
        ("chain1.dnstest.example.", dns.rdatatype.CNAME),
        ("chain2.dnstest.example.", dns.rdatatype.CNAME),
        ("chain3.dnstest.example.", dns.rdatatype.CNAME),
        ("target.dnstest.example.", dns.rdatatype.A),
    ]
    dangling = ask(responder, "dangling.dnstest.example", "A")
    assert dangling.rcode() == dns.rcode.NXDOMAIN and len(dangling.answer) == 1


@pytest.mark.parametrize(
    ("name", "edns", "truncated"),
    [
        ("spf-600.dnstest.example", None, True),  # over 512 without EDNS
        ("spf-600.dnstest.example", 1232, False),
        ("spf-1500.dnstest.example", 1232, True),  # over the EDNS payload size
        ("spf-1500.dnstest.example", 4096, False),
        ("spf-1500.dnstest.example", 100, True),  # a payload below 512 counts as 512
    ],
)
def test_udp_truncation_follows_the_client_payload_size(
    responder: ZoneResponder, name: str, edns: int | None, truncated: bool
) -> None:
    reply = ask(responder, name, "TXT", edns=edns)
    assert bool(reply.flags & dns.flags.TC) is truncated
    assert bool(reply.answer) is not truncated
    assert not ask(responder, name, "TXT", edns=edns, tcp=True).flags & dns.flags.TC


def test_fault_names(responder: ZoneResponder) -> None:
    assert ask(responder, "x-servfail.dnstest.example", "A").rcode() == dns.rcode.SERVFAIL
    assert ask(responder, "X-Refused.anything.dnstest.example", "MX").rcode() == dns.rcode.REFUSED
    query = dns.message.make_query("x-timeout.dnstest.example", "A")
    assert responder.respond(query.to_wire()) is None
    assert responder.respond(query.to_wire()) is None  # also when the reply is cached


def test_cached_replies_keep_each_query_id(responder: ZoneResponder) -> None:
    first = dns.message.make_query("mail.dnstest.example", "A", id=1)
    second = dns.message.make_query("mail.dnstest.example", "A", id=2)
    one, two = responder.respond(first.to_wire()), responder.respond(second.to_wire())
    assert one is not None and two is not None
    assert one[:2] == b"\x00\x01" and two[:2] == b"\x00\x02" and one[2:] == two[2:]


def test_malformed_queries(responder: ZoneResponder) -> None:
    assert responder.respond(b"\x12") is None
    formerr = responder.respond(b"\x12\x34\x01\x00" + b"\x00\x05" + bytes(6))
    assert formerr is not None and formerr[:2] == b"\x12\x34" and formerr[3] & 0x0F == dns.rcode.FORMERR
    notify = dns.message.make_query("dnstest.example", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    reply = responder.respond(notify.to_wire())
    assert reply is not None and dns.message.from_wire(reply).rcode() == dns.rcode.NOTIMP
    response = dns.message.make_response(dns.message.make_query("dnstest.example", "A"))
    assert responder.respond(response.to_wire()) is None  # never answer a response


async def test_in_process_server(zone_dir: Path) -> None:
    server = await start_server(ZoneResolver.from_files([zone_dir / "dnstest.zone"]))
    resolver = LiveResolver([(server.host, server.port)], timeout=1.0)
    try:
        assert server.address == f"127.0.0.1:{server.port}"
        assert (await resolver.query("mail.dnstest.example", "AAAA")).addresses() == ["2001:db8::25"]
        assert len((await resolver.query("spf-1500.dnstest.example", "TXT")).texts()[0]) > 1232  # via TCP
    finally:
        await resolver.aclose()
        await server.close()


def test_zone_paths_expands_directories(zone_dir: Path, tmp_path: Path) -> None:
    paths = zone_paths([zone_dir, tmp_path / "extra.zone"])
    assert zone_dir / "dnstest.zone" in paths and paths[-1] == tmp_path / "extra.zone"
    assert all(p.suffix == ".zone" for p in paths)


def test_command_line_reports_a_broken_zone(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zone"
    broken.write_text("$ORIGIN broken.example.\n@ A nonsense\n")
    done = subprocess.run(
        [sys.executable, "-m", "inboxready.testing.dnsserver", "--zones", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"{broken}:2" in done.stderr and "Traceback" not in done.stderr


def test_fixture_server_answers_plain_dnspython(dns_server: LoopbackDns) -> None:
    query = dns.message.make_query("dnstest.example", "A")
    udp = dns.query.udp(query, dns_server.host, port=dns_server.port, timeout=2)
    tcp = dns.query.tcp(query, dns_server.host, port=dns_server.port, timeout=2)
    assert udp.answer == tcp.answer and udp.answer[0][0].address == "192.0.2.10"
