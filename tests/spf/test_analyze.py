"""`spf analyze` on the fixture zones: each domain with the codes it must (and must only) produce."""

from __future__ import annotations

import pytest

from inboxready.dns.zones import ZoneResolver
from inboxready.errors import InputError
from inboxready.spf.analyze import analyze_graph, analyze_spf
from inboxready.spf.graph import NodeStatus, RecordNode, SpfGraph
from inboxready.spf.record import parse_record

P = "prov.spftest.example"

CASES = {
    "acme.spftest.example": (True, 8, set()),
    "news.acme.spftest.example": (True, 9, set()),
    "crm.acme.spftest.example": (True, 2, set()),
    "bloated.spftest.example": (False, 12, {"spf-too-many-lookups", "spf-type99-mismatch"}),
    "risky.bloated.spftest.example": (True, 3, {"spf-permissive-all", "spf-duplicate-include", "spf-ptr-mechanism",
                                               "spf-wide-range"}),
    "lenient.bloated.spftest.example": (True, 0, {"spf-permissive-all"}),
    "broken.bloated.spftest.example": (False, 0, {"spf-syntax"}),
    "twice.bloated.spftest.example": (False, 0, {"spf-multiple-records"}),
    "ghost.bloated.spftest.example": (False, 1, {"spf-include-no-record"}),
    "voids.bloated.spftest.example": (False, 3, {"spf-void-lookups"}),
    "loop.bloated.spftest.example": (False, 2, {"spf-too-many-lookups"}),
    "after.bloated.spftest.example": (True, 0, {"spf-terms-after-all"}),
    "noall.bloated.spftest.example": (True, 0, {"spf-no-all"}),
    "overlap.bloated.spftest.example": (True, 0, {"spf-overlapping-ranges"}),
    "long.bloated.spftest.example": (True, 1, {"spf-record-too-long"}),
    "nothing.bloated.spftest.example": (False, 0, {"spf-missing"}),
}


@pytest.mark.parametrize("domain", list(CASES))
async def test_fixture_domains(spf_zones: ZoneResolver, domain: str) -> None:
    valid, lookups, codes = CASES[domain]
    analysis = await analyze_spf(spf_zones, domain)
    assert analysis.valid is valid
    assert analysis.dns_lookups == lookups
    assert {f.code for f in analysis.findings} == codes
    data = analysis.to_dict()
    assert {"domain", "record", "valid", "dns_lookups", "void_lookups", "networks", "findings", "tree"} <= set(data)
    assert set(data["networks"]) == {"ip4", "ip6"}


async def test_networks_name_the_include_that_grants_them(spf_zones: ZoneResolver) -> None:
    analysis = await analyze_spf(spf_zones, "acme.spftest.example")
    by_network = {n.network: n for n in analysis.networks}
    ses = by_network["54.240.0.0/18"]
    assert ses.via == (f"include:ses.{P}",) and ses.term == "ip4:54.240.0.0/18" and ses.domain == f"ses.{P}"
    nested = by_network["35.191.0.0/16"]
    assert nested.via == (f"include:_spf.mailhost.{P}", f"include:_netblocks3.mailhost.{P}")
    assert by_network["192.0.2.10/32"].term == "a"  # a resolved
    assert by_network["192.0.2.25/32"].term == "mx" and by_network["2001:db8:10::25/128"].term == "mx"
    assert "192.0.2.128/25" in by_network
    assert analysis.void_lookups_by_family == (0, 1)  # acme has no AAAA: `a` is void for IPv6 clients


async def test_tree_costs(spf_zones: ZoneResolver) -> None:
    tree = (await analyze_spf(spf_zones, "bloated.spftest.example")).tree
    costs = {c.via: c.cost for c in tree.children}
    assert costs == {f"include:_spf.mailhost.{P}": 4, f"include:spf.outlook.{P}": 1, f"include:mailgun.{P}": 3,
                     f"include:sendgrid.{P}": 1, f"include:ses.{P}": 1}
    assert tree.own_lookups == 7 and tree.cost == 12
    mailhost = next(c for c in tree.children if c.via == f"include:_spf.mailhost.{P}")
    assert [c.cost for c in mailhost.children] == [1, 1, 1]


async def test_an_earlier_fail_removes_addresses_from_the_authorized_set() -> None:
    zones = ZoneResolver.from_text(
        '$TTL 300\n@ TXT "v=spf1 -ip4:192.0.2.128/25 ip4:192.0.2.0/24 -all"\n', origin="cut.example"
    )
    analysis = await analyze_spf(zones, "cut.example")
    assert [n.network for n in analysis.networks] == ["192.0.2.0/25"]


async def test_dynamic_terms_are_listed_as_undetermined(spf_zones: ZoneResolver) -> None:
    analysis = await analyze_spf(spf_zones, "risky.bloated.spftest.example")
    assert analysis.undetermined == ("ptr",)


def test_string_over_255_is_reported() -> None:
    record = "v=spf1 " + " ".join(f"ip4:198.51.100.{i}" for i in range(1, 20)) + " -all"
    node = RecordNode("big.example", NodeStatus.RECORD, record=parse_record(record), text=record,
                      txt_strings=((record.encode(),),), answer_size=400)
    analysis = analyze_graph(SpfGraph("big.example", {"big.example": node}))
    assert "spf-string-too-long" in {f.code for f in analysis.findings}


async def test_invalid_domain_is_input_error(spf_zones: ZoneResolver) -> None:
    with pytest.raises(InputError):
        await analyze_spf(spf_zones, "not a domain")
