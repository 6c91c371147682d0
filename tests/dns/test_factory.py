"""parse_nameserver and build_resolver: the global options --nameserver, --zone, --timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns import (
    CachingResolver,
    LayeredResolver,
    NXDomain,
    ZoneResolver,
    build_resolver,
    parse_nameserver,
)
from inboxready.dns.factory import system_nameservers
from inboxready.dns.live import LiveResolver
from inboxready.errors import InputError, ZoneFileError
from tests.conftest import LoopbackDns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", ("192.0.2.1", 53)),
        (" 192.0.2.1:5353 ", ("192.0.2.1", 5353)),
        ("2001:db8::1", ("2001:db8::1", 53)),
        ("[2001:db8::1]", ("2001:db8::1", 53)),
        ("[2001:db8::1]:5300", ("2001:db8::1", 5300)),
        ("127.0.0.1:65535", ("127.0.0.1", 65535)),
    ],
)
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "ns1.example.com", "192.0.2.1:0", "192.0.2.1:70000", "192.0.2.1:dns", "[2001:db8::1]:x", "300.1.1.1"],
)
def test_parse_nameserver_rejects_with_one_clear_line(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_nameserver(text)
    assert "\n" not in str(err.value) and "nameserver" in str(err.value)


def test_system_nameservers_reads_resolv_conf(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nsearch example\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\n")
    assert system_nameservers(str(conf)) == [("192.0.2.53", 53), ("fe80::1", 53)]
    assert system_nameservers(str(tmp_path / "missing")) == [("127.0.0.1", 53)]


def test_zones_only_is_offline(zone_dir: Path) -> None:
    resolver = build_resolver(zone_files=[zone_dir / "dnstest.zone"])
    assert isinstance(resolver, CachingResolver)
    assert isinstance(resolver.backend, ZoneResolver)


def test_nameservers_only_is_live() -> None:
    resolver = build_resolver(nameservers=["127.0.0.1:5353", "[::1]"], timeout=1.5, retries=3)
    live = resolver.backend
    assert isinstance(live, LiveResolver)
    assert live.nameservers == (("127.0.0.1", 5353), ("::1", 53))
    assert (live.timeout, live.retries) == (1.5, 3)


def test_nothing_given_uses_the_system_resolvers() -> None:
    assert isinstance(build_resolver().backend, LiveResolver)


def test_bad_options_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="timeout"):
        build_resolver(nameservers=["127.0.0.1"], timeout=0)
    with pytest.raises(InputError):
        build_resolver(nameservers=["not an address"])
    with pytest.raises(ZoneFileError):
        build_resolver(zone_files=[tmp_path / "absent.zone"])


async def test_zones_and_nameservers_layer_the_files_over_live(tmp_path: Path, dns_server: LoopbackDns) -> None:
    planned = tmp_path / "planned.zone"
    planned.write_text('$ORIGIN planned.dnstest.example.\n$TTL 60\n@ TXT "v=spf1 -all"\n')
    resolver = build_resolver(zone_files=[planned], nameservers=[dns_server.address], timeout=1.0)
    assert isinstance(resolver.backend, LayeredResolver)
    try:
        assert (await resolver.query("planned.dnstest.example", "TXT")).texts() == ["v=spf1 -all"]
        assert (await resolver.query("dnstest.example", "A")).addresses() == ["192.0.2.10"]  # live
        with pytest.raises(NXDomain):  # inside the planned zone the file decides, even if live has it
            await resolver.query("x.planned.dnstest.example", "TXT")
    finally:
        await resolver.aclose()


async def test_build_resolver_live_round_trip(dns_server: LoopbackDns) -> None:
    resolver = build_resolver(nameservers=[dns_server.address], timeout=1.0)
    try:
        assert (await resolver.query("mail.dnstest.example", "A")).addresses() == ["192.0.2.25"]
    finally:
        await resolver.aclose()
