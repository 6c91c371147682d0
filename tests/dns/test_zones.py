"""ZoneResolver: RFC 1035 master files answered as their authoritative server would."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns import NoData, NXDomain, ZoneResolver, load_zone_file, parse_zone_text
from inboxready.errors import ZoneFileError

EXAMPLE = """\
$ORIGIN example.com.
$TTL 1200
@           IN SOA ns1 hostmaster 1 3600 600 86400 300
@           NS    ns1
ns1         A     192.0.2.53
@           MX    10 mail
@           TXT   "v=spf1 " "include:_spf.example.net " "-all"
mail   60   A     192.0.2.25
www.example.com. A 192.0.2.80
alias       CNAME www
offsite     CNAME mail.example.net.
to-nowhere  CNAME nothing.example.net.
leaf.ent    TXT   "leaf"
*.wild      TXT   "from the wildcard"
real.wild   A     192.0.2.99
loop1       CNAME loop2
loop2       CNAME loop1
"""

NET = """\
$ORIGIN example.net.
$TTL 600
mail        A     198.51.100.25
mail        AAAA  2001:db8::25
_spf        TXT   "v=spf1 ip4:198.51.100.0/24 -all"
"""


@pytest.fixture
def zones() -> ZoneResolver:
    return ZoneResolver([parse_zone_text(EXAMPLE), parse_zone_text(NET)])


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_origin_ttl_relative_and_absolute_names(zones: ZoneResolver) -> None:
    www = zones.lookup("www.example.com", "A")
    assert www.addresses() == ["192.0.2.80"]
    assert www.ttl == 1200  # $TTL applies to records without their own
    assert zones.lookup("mail.example.com.", "A").ttl == 60
    assert zones.lookup("example.com", "MX").targets() == ["mail.example.com"]  # relative target
    assert zones.lookup("ns1.example.com", "A").addresses() == ["192.0.2.53"]


def test_multi_string_txt_is_joined_without_spaces_and_kept_apart(zones: ZoneResolver) -> None:
    answer = zones.lookup("example.com", "TXT")
    assert answer.texts() == ["v=spf1 include:_spf.example.net -all"]
    assert answer.strings() == [(b"v=spf1 ", b"include:_spf.example.net ", b"-all")]


def test_names_are_case_insensitive(zones: ZoneResolver) -> None:
    assert zones.lookup("WWW.Example.COM", "a").addresses() == ["192.0.2.80"]


def test_nxdomain_vs_nodata(zones: ZoneResolver) -> None:
    with pytest.raises(NXDomain) as nx:
        zones.lookup("missing.example.com", "A")
    assert nx.value.name == "missing.example.com"
    assert not nx.value.is_failure
    with pytest.raises(NoData):
        zones.lookup("www.example.com", "TXT")


def test_empty_non_terminal_is_nodata_not_nxdomain(zones: ZoneResolver) -> None:
    with pytest.raises(NoData):
        zones.lookup("ent.example.com", "TXT")
    assert zones.lookup("leaf.ent.example.com", "TXT").texts() == ["leaf"]


def test_names_outside_every_zone_are_nxdomain(zones: ZoneResolver) -> None:
    for name in ("example.org", "com", "notexample.com"):
        with pytest.raises(NXDomain):
            zones.lookup(name, "A")
    assert not zones.covers("example.org")
    assert zones.covers("deep.below.example.net")
    assert zones.origins == ["example.com", "example.net"]


def test_cname_chain_within_and_across_zones(zones: ZoneResolver) -> None:
    inside = zones.lookup("alias.example.com", "A")
    assert inside.addresses() == ["192.0.2.80"]
    assert inside.canonical_name == "www.example.com"
    assert inside.cname_chain == ("www.example.com",)
    across = zones.lookup("offsite.example.com", "AAAA")
    assert across.addresses() == ["2001:db8::25"]
    assert across.name == "offsite.example.com"
    assert across.canonical_name == "mail.example.net"


def test_cname_to_missing_name_reports_the_target(zones: ZoneResolver) -> None:
    with pytest.raises(NXDomain) as nx:
        zones.lookup("to-nowhere.example.com", "A")
    assert nx.value.name == "nothing.example.net"
    assert "to-nowhere.example.com" in nx.value.detail


def test_cname_query_returns_the_alias_itself(zones: ZoneResolver) -> None:
    assert zones.lookup("alias.example.com", "CNAME").targets() == ["www.example.com"]


def test_cname_loop_ends(zones: ZoneResolver) -> None:
    with pytest.raises(NoData):
        zones.lookup("loop1.example.com", "A")


def test_wildcard_synthesis_rfc4592(zones: ZoneResolver) -> None:
    assert zones.lookup("anything.wild.example.com", "TXT").texts() == ["from the wildcard"]
    assert zones.lookup("a.b.wild.example.com", "TXT").texts() == ["from the wildcard"]
    # an existing name is never answered from the wildcard, even for another type
    with pytest.raises(NoData):
        zones.lookup("real.wild.example.com", "TXT")
    # nor is anything below an existing name that has no wildcard of its own
    with pytest.raises(NXDomain):
        zones.lookup("x.real.wild.example.com", "TXT")


def test_include_directive(tmp_path: Path) -> None:
    write(tmp_path / "spf.inc", 'spf TXT "v=spf1 -all"\n')
    main = write(
        tmp_path / "main.zone", f"$ORIGIN inc.example.\n$TTL 60\n@ A 192.0.2.1\n$INCLUDE {tmp_path / 'spf.inc'}\n"
    )
    zones = ZoneResolver.from_files([main])
    assert zones.lookup("spf.inc.example", "TXT").texts() == ["v=spf1 -all"]


def test_several_files_with_different_origins(tmp_path: Path) -> None:
    a = write(tmp_path / "a.zone", "$ORIGIN a.example.\n$TTL 60\n@ A 192.0.2.1\n")
    b = write(tmp_path / "b.zone", "$ORIGIN b.example.\n$TTL 60\n@ A 192.0.2.2\nsub CNAME a.example.\n")
    zones = ZoneResolver.from_files([a, b])
    assert zones.lookup("a.example", "A").addresses() == ["192.0.2.1"]
    assert zones.lookup("sub.b.example", "A").addresses() == ["192.0.2.1"]


def test_files_with_the_same_origin_are_merged(tmp_path: Path) -> None:
    a = write(tmp_path / "one.zone", "$ORIGIN same.example.\n$TTL 60\nx A 192.0.2.1\n")
    b = write(tmp_path / "two.zone", "$ORIGIN same.example.\n$TTL 60\ny A 192.0.2.2\n")
    zones = ZoneResolver.from_files([a, b])
    assert zones.lookup("x.same.example", "A").addresses() == ["192.0.2.1"]
    assert zones.lookup("y.same.example", "A").addresses() == ["192.0.2.2"]


def test_file_without_origin_takes_its_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "named.example.zone", "$TTL 60\n@ A 192.0.2.7\nwww A 192.0.2.8\n")
    zones = ZoneResolver.from_files([path])
    assert zones.origins == ["named.example"]
    assert zones.lookup("www.named.example", "A").addresses() == ["192.0.2.8"]


def test_file_without_any_origin_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "noorigin.zone", "$TTL 60\n@ A 192.0.2.7\n")
    with pytest.raises(ZoneFileError, match=r"\$ORIGIN"):
        load_zone_file(path)


def test_broken_file_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.zone", "$ORIGIN broken.example.\n$TTL 60\n@ A 192.0.2.1\nbad A not-an-address\n")
    with pytest.raises(ZoneFileError) as err:
        ZoneResolver.from_files([path])
    assert err.value.path == str(path)
    assert err.value.line == 4
    assert str(err.value).startswith(f"{path}:4: ")


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ZoneFileError, match="cannot read"):
        ZoneResolver.from_files([tmp_path / "absent.zone"])


def test_fixture_zone_loads(zone_dir: Path) -> None:
    zones = ZoneResolver.from_files([zone_dir / "dnstest.zone"])
    assert zones.lookup("chain1.dnstest.example", "A").cname_chain == (
        "chain2.dnstest.example",
        "chain3.dnstest.example",
        "target.dnstest.example",
    )


async def test_query_is_the_async_face_of_lookup(zones: ZoneResolver) -> None:
    answer = await zones.query("www.example.com", "A")
    assert answer == zones.lookup("www.example.com", "A")


def test_cname_chain_answer_lives_no_longer_than_the_shortest_link() -> None:
    from inboxready.dns import ZoneResolver

    zones = ZoneResolver.from_text(
        "$ORIGIN ttl.test.\n@ 3600 SOA ns h 1 2 3 4 5\na 300 CNAME b\nb 3600 CNAME c\nc 7200 TXT \"x\"\n"
    )
    assert zones.lookup("a.ttl.test", "TXT").ttl == 300
    assert zones.lookup("b.ttl.test", "TXT").ttl == 3600
    assert zones.lookup("c.ttl.test", "TXT").ttl == 7200


def test_a_file_with_several_zones_is_split_not_truncated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from inboxready.dns import ZoneResolver, load_zone_files

    path = tmp_path / "multi.zone"
    path.write_text(
        "$ORIGIN a.test.\n$TTL 120\n@ SOA ns h 1 2 3 4 5\nx A 192.0.2.1\n"
        "$ORIGIN sub.a.test.\ny A 192.0.2.2\n"
        "$ORIGIN 2.0.192.in-addr.arpa.\n1 PTR x.a.test.\n2 PTR y.sub.a.test.\n"
        "$ORIGIN b.test.\nz A 192.0.2.3\nbad A 1.2.3\n"
    )
    import pytest

    from inboxready.errors import ZoneFileError

    with pytest.raises(ZoneFileError) as info:
        load_zone_files(path)
    assert info.value.line == 12  # line numbers survive the split
    path.write_text(path.read_text().replace("bad A 1.2.3\n", ""))
    zones = ZoneResolver.from_files([path])
    assert zones.origins == ["2.0.192.in-addr.arpa", "a.test", "b.test"]
    assert zones.lookup("y.sub.a.test", "A").addresses() == ["192.0.2.2"]
    ptr = zones.lookup("2.2.0.192.in-addr.arpa", "PTR")
    assert ptr.targets() == ["y.sub.a.test"] and ptr.ttl == 120  # the $TTL in force carries over
    assert zones.lookup("z.b.test", "A").addresses() == ["192.0.2.3"]
