"""Sender coverage: by evaluation over address ranges, not by comparing record strings."""

from __future__ import annotations

from inboxready.dns.zones import ZoneResolver
from inboxready.spf.coverage import sender_coverage
from inboxready.spf.ranges import IPRangeSet

P = "prov.spftest.example"


async def test_included_provider_is_covered_with_its_path(spf_zones: ZoneResolver) -> None:
    coverage = await sender_coverage(spf_zones, "acme.spftest.example", f"_spf.mailhost.{P}")
    assert coverage.covered is True
    assert coverage.via == (f"include:_spf.mailhost.{P}",)
    assert len(coverage.networks) == 27 and all(n.status == "covered" for n in coverage.networks)
    assert not coverage.findings


async def test_missing_provider_is_not_covered(spf_zones: ZoneResolver) -> None:
    coverage = await sender_coverage(spf_zones, "acme.spftest.example", f"include:sendgrid.{P}")
    assert coverage.covered is False
    assert {n.status for n in coverage.networks} == {"not-covered"}
    assert coverage.networks[0].results == ("fail",)
    assert [f.code for f in coverage.findings] == ["spf-sender-not-authorized"]


async def test_a_provider_behind_the_lookup_limit_is_not_covered(spf_zones: ZoneResolver) -> None:
    """bloated includes ses as its 12th lookup: the include string is there, the authorization is not."""
    coverage = await sender_coverage(spf_zones, "bloated.spftest.example", f"ses.{P}")
    assert coverage.covered is False
    assert {r for n in coverage.networks for r in n.results} == {"permerror"}
    earlier = await sender_coverage(spf_zones, "bloated.spftest.example", f"_spf.mailhost.{P}")
    assert earlier.covered is True


async def test_networks_partial_and_via_redirect(spf_zones: ZoneResolver) -> None:
    partial = await sender_coverage(spf_zones, "acme.spftest.example", ["192.0.2.0/24"])
    assert partial.covered is False
    assert partial.networks[0].status == "partial"
    uncovered = IPRangeSet.from_networks(partial.networks[0].uncovered)
    assert uncovered == IPRangeSet.of("192.0.2.0/25") - IPRangeSet.of("192.0.2.10/32", "192.0.2.25/32")
    exact = await sender_coverage(spf_zones, "acme.spftest.example",
                                  ["192.0.2.128/25", "192.0.2.10", "2001:db8:10::25/128"])
    assert exact.covered is True
    redirected = await sender_coverage(spf_zones, "news.acme.spftest.example", f"ses.{P}")
    assert redirected.covered is True
    assert redirected.via == ("redirect=acme.spftest.example", f"include:ses.{P}")


async def test_ranges_listed_directly_cover_the_provider() -> None:
    """A domain that copies a provider's ranges (no include) still authorizes it."""
    zone = ZoneResolver.from_text(
        "$TTL 300\n"
        '@ TXT "v=spf1 ip4:167.89.0.0/16 ip4:208.117.48.0/20 -all"\n'
        'prov TXT "v=spf1 ip4:167.89.0.0/17 ip4:167.89.128.0/17 ip4:208.117.48.0/21 -all"\n',
        origin="copy.example",
    )
    coverage = await sender_coverage(zone, "copy.example", "prov.copy.example")
    assert coverage.covered is True


async def test_dynamic_sender_is_covered_only_when_reached(spf_zones: ZoneResolver) -> None:
    reached = await sender_coverage(spf_zones, "crm.acme.spftest.example", f"_spf.crm.{P}")
    assert reached.covered is True and reached.dynamic is not None
    missing = await sender_coverage(spf_zones, "acme.spftest.example", f"_spf.crm.{P}")
    assert missing.covered is False and "not included" in (missing.dynamic or "")


async def test_sender_without_record(spf_zones: ZoneResolver) -> None:
    coverage = await sender_coverage(spf_zones, "acme.spftest.example", f"gone.{P}")
    assert coverage.covered is False and "no usable SPF record" in coverage.reason
