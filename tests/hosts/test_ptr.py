"""Forward-confirmed reverse DNS: zone cases, HELO, the audit check, failures, and the live path."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns import ZoneResolver, parse_zone_text
from inboxready.dns.errors import ServFail
from inboxready.errors import InputError
from inboxready.findings.check import CheckContext
from inboxready.findings.model import Severity
from inboxready.hosts.ptr import check_ips, check_ptr, check_reverse_dns

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"
FILES = [ZONES / "hosts-fcrdns.test.zone", ZONES / "hosts-ptr4.zone", ZONES / "hosts-ptr6.zone"]

# ip, helo, expected codes
CASES = [
    ("198.18.25.10", None, set()),
    ("198.18.25.10", "mail.fcrdns.test", set()),
    ("198.18.25.10", "MAIL.fcrdns.test.", set()),  # case and final dot do not matter
    ("198.18.25.10", "helo-other.fcrdns.test", {"ptr-helo-mismatch"}),  # resolves to the IP, not the PTR
    ("198.18.25.10", "helo-elsewhere.fcrdns.test", {"ptr-helo-mismatch"}),
    ("198.18.25.11", None, {"ptr-missing"}),
    ("198.18.25.12", None, {"ptr-mismatch"}),  # PTR name resolves to another IP
    ("198.18.25.15", None, {"ptr-mismatch"}),  # PTR name does not exist
    ("198.18.25.19", None, {"ptr-mismatch"}),  # PTR name is an alias of a name with another IP
    ("198.18.25.13", None, {"ptr-generic"}),
    ("198.18.25.17", None, {"ptr-generic"}),
    ("198.18.25.14", None, {"ptr-multiple"}),  # one of two PTR names confirms
    ("198.18.25.12", "wrong.fcrdns.test", {"ptr-mismatch"}),  # HELO = PTR name: only the mismatch
    ("2001:db8:cafe:25::10", None, set()),
    ("2001:db8:cafe:25::11", None, {"ptr-missing"}),
    ("2001:db8:cafe:25::12", None, {"ptr-generic"}),
    ("2001:db8:cafe:25::13", None, {"ptr-mismatch"}),
]


@pytest.mark.parametrize(("ip", "helo", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
async def test_ptr_cases(ip: str, helo: str | None, expected: set[str]) -> None:
    result = await check_ptr(ZoneResolver.from_files(FILES), ip, helo)
    assert {f.code for f in result.findings} == expected
    assert not result.unchecked


async def test_result_details() -> None:
    zones = ZoneResolver.from_files(FILES)
    good = await check_ptr(zones, "198.18.25.10", "mail.fcrdns.test")
    assert good.fcrdns and good.helo_matches is True
    assert good.names == ("mail.fcrdns.test",) and good.forward == {"mail.fcrdns.test": ("198.18.25.10",)}
    assert good.reverse_name == "10.25.18.198.in-addr.arpa"
    bad = await check_ptr(zones, "198.18.25.12")
    assert not bad.fcrdns and bad.forward == {"wrong.fcrdns.test": ("198.18.25.99",)}
    assert "198.18.25.99" in bad.findings[0].message
    multiple = await check_ptr(zones, "198.18.25.14")
    assert multiple.confirmed == ("mail2.fcrdns.test",)
    doc = (await check_ptr(zones, "198.18.25.13")).to_dict()
    assert doc["fcrdns"] is True and doc["generic"]["13-25-18-198.dynamic.fcrdns.test"]


async def test_ipv6_is_confirmed_with_aaaa_only() -> None:
    # an IPv6 PTR name with only an A record (even of the "same" host) is not forward-confirmed
    forward = parse_zone_text("$ORIGIN v6.test.\n@ 300 SOA ns h 1 2 3 4 5\nmail 300 A 198.18.25.10\n")
    reverse = parse_zone_text(
        "$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.\n@ 300 SOA ns h 1 2 3 4 5\n"
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 300 PTR mail.v6.test.\n"
    )
    result = await check_ptr(ZoneResolver([forward, reverse]), "2001:db8::1")
    assert {f.code for f in result.findings} == {"ptr-mismatch"}


def test_bad_ip_is_an_input_error() -> None:
    import asyncio

    with pytest.raises(InputError, match="not an IPv4 or IPv6 address"):
        asyncio.run(check_ptr(ZoneResolver(), "mail.example.com"))


class FailingResolver:
    async def query(self, name: object, rdtype: object) -> object:
        raise ServFail(str(name), str(rdtype))


async def test_a_failed_reverse_lookup_is_unchecked_never_missing() -> None:
    result = await check_ptr(FailingResolver(), "192.0.2.1")  # type: ignore[arg-type]
    assert [f.code for f in result.findings] == ["dns-lookup-failed"]
    assert result.unchecked and "SERVFAIL" in result.unchecked[0]


async def test_audit_check_covers_servers_and_mx_hosts() -> None:
    ctx = CheckContext(
        "mx.fcrdns.test",
        ZoneResolver.from_files(FILES),
        {"servers": [{"ip": "198.18.25.13", "helo": "mail.fcrdns.test"}, "198.18.25.10"]},
    )
    result = await check_reverse_dns(ctx)
    assert result.area == "ptr" and not result.unchecked
    by_subject = {(f.subject, f.code): f for f in result.findings}
    assert by_subject[("198.18.25.13", "ptr-generic")].severity is Severity.WARNING
    assert ("198.18.25.13", "ptr-helo-mismatch") in by_subject
    # MX in2.mx → 198.18.25.11 has no PTR: reported, but as a warning (receiving host)
    assert by_subject[("198.18.25.11", "ptr-missing")].severity is Severity.WARNING
    # in1.mx → 198.18.25.10 is also a declared server: checked once, as a server
    assert [s["ip"] for s in result.data["servers"]] == ["198.18.25.13", "198.18.25.10"]
    assert [(m["host"], m["ip"]) for m in result.data["mx"]] == [("in2.mx.fcrdns.test", "198.18.25.11")]
    assert result.data["mx"][0]["findings"][0]["severity"] == "warning"


async def test_audit_check_rejects_a_server_without_ip() -> None:
    ctx = CheckContext("mx.fcrdns.test", ZoneResolver.from_files(FILES), {"servers": [{"helo": "x"}]})
    with pytest.raises(InputError):
        await check_reverse_dns(ctx)


async def test_many_ips_keep_their_order() -> None:
    ips = [f"198.18.25.{n}" for n in range(10, 18)]
    results = await check_ips(ZoneResolver.from_files(FILES), [(ip, None) for ip in ips], concurrency=2)
    assert [r.ip for r in results] == ips


# --- live path: the same zones served by the loopback DNS server --------------------------------


@pytest.mark.parametrize(("ip", "helo", "expected"), CASES, ids=[f"live-{c[0]}-{c[1]}" for c in CASES])
async def test_ptr_cases_live(dns_server, ip: str, helo: str | None, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    result = await check_ptr(dns_server.resolver(), ip, helo)
    assert {f.code for f in result.findings} == expected
    assert not result.unchecked


async def test_live_forward_timeout_is_unchecked_not_mismatch(dns_server) -> None:  # type: ignore[no-untyped-def]
    # 198.18.25.16 → x-timeout.fcrdns.test, whose A lookup the server never answers
    result = await check_ptr(dns_server.resolver(timeout=0.2, retries=0), "198.18.25.16")
    assert {f.code for f in result.findings} == {"dns-lookup-failed"}
    assert result.unchecked and "timed out" in result.unchecked[0]
    servfail = await check_ptr(dns_server.resolver(), "198.18.25.20")
    assert servfail.unchecked and "SERVFAIL" in servfail.unchecked[0]


async def test_live_audit_check(dns_server) -> None:  # type: ignore[no-untyped-def]
    ctx = CheckContext("mx.fcrdns.test", dns_server.resolver(), {"servers": [{"ip": "198.18.25.12"}]})
    result = await check_reverse_dns(ctx)
    assert {(f.subject, f.code) for f in result.findings} == {
        ("198.18.25.12", "ptr-mismatch"),
        ("198.18.25.11", "ptr-missing"),
    }
