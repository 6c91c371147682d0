"""The optimizer: equivalent, within limits, records of a safe size; and the drift check."""

from __future__ import annotations

import pytest

from inboxready.dns.zones import ZoneResolver
from inboxready.spf.analyze import analyze_spf
from inboxready.spf.drift import check_drift
from inboxready.spf.optimize import optimize_domain, optimize_record
from inboxready.spf.overlay import TxtOverlayResolver
from inboxready.spf.record import SpfSyntaxError, parse_record

P = "prov.spftest.example"


async def test_bloated_record_fits_and_is_proven_equivalent(spf_zones: ZoneResolver) -> None:
    optimized = await optimize_domain(spf_zones, "bloated.spftest.example")
    assert optimized.dns_lookups_before == 12
    assert optimized.within_limits and optimized.dns_lookups_after == len(optimized.records) - 1
    assert optimized.proof is not None and optimized.proof.equivalent and optimized.proof.samples > 300
    assert optimized.proof.limit_errors == 0
    assert optimized.records[0].name == "bloated.spftest.example"
    assert [r.name for r in optimized.records[1:]] == [f"_spf{i}.bloated.spftest.example"
                                                        for i in range(1, len(optimized.records))]
    for record in optimized.records:
        assert len(record.text) <= 450
        assert all(len(s) <= 255 for s in record.strings) and "".join(record.strings) == record.text
        parse_record(record.text)
    assert optimized.records[0].text.endswith("~all")
    # publishing the set really gives a valid policy within the limits
    published = TxtOverlayResolver(spf_zones, {r.name: [r.text] for r in optimized.records})
    analysis = await analyze_spf(published, "bloated.spftest.example")
    assert analysis.valid and analysis.dns_lookups <= 10
    assert optimized.record == optimized.records[0].text


async def test_dynamic_terms_are_kept(spf_zones: ZoneResolver) -> None:
    record = f"v=spf1 ptr include:_spf.crm.{P} include:ses.{P} exists:%{{i}}.bl.example ~all"
    optimized = await optimize_record(spf_zones, record, "dyn.acme.spftest.example")
    assert optimized.kept == ("ptr", f"include:_spf.crm.{P}", "exists:%{i}.bl.example")
    assert [f.term for f in optimized.flattened] == [f"include:ses.{P}"]
    assert optimized.proof is not None and optimized.proof.equivalent
    assert optimized.proof.limit_errors > 0  # ptr, crm and exists still make 3 void lookups for most addresses
    text = optimized.records[0].text
    assert text.index("ptr") < text.index("ip4:") < text.index("exists:")  # order kept


async def test_redirect_and_qualifiers_are_flattened_in_order(spf_zones: ZoneResolver) -> None:
    optimized = await optimize_record(
        spf_zones, f"v=spf1 -ip4:54.240.0.0/24 ~include:sendgrid.{P} redirect=acme.spftest.example",
        "q.acme.spftest.example", max_record_bytes=2000)
    assert optimized.dns_lookups_after == 0 and len(optimized.records) == 1
    text = optimized.records[0].text
    assert text.startswith("v=spf1 -ip4:54.240.0.0/24 ~ip4:") and text.endswith(" -all")
    assert optimized.proof is not None and optimized.proof.equivalent


async def test_bad_record_raises(spf_zones: ZoneResolver) -> None:
    with pytest.raises(SpfSyntaxError):
        await optimize_record(spf_zones, "v=spf1 ip4:300.0.0.1 -all", "acme.spftest.example")


async def test_drift_reports_added_and_removed_ranges(spf_zones: ZoneResolver) -> None:
    source = f"v=spf1 include:ses.{P} include:sendgrid.{P} -all"
    optimized = await optimize_record(spf_zones, source, "acme.spftest.example", prove=False)
    published = [(r.name, r.text) for r in optimized.records]
    assert (await check_drift(spf_zones, "acme.spftest.example", source, published)).in_sync
    # the provider changes its ranges after the set was published
    changed = TxtOverlayResolver(spf_zones, {f"ses.{P}": [
        "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 "
        "ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 "
        "ip4:76.223.128.0/19 ip4:216.221.160.0/19 ip4:198.51.100.0/24 -all"]})
    drift = await check_drift(changed, "acme.spftest.example", source, published)
    assert not drift.in_sync
    assert [(c.network, c.source) for c in drift.added] == [("198.51.100.0/24", f"include:ses.{P}")]
    assert [c.network for c in drift.removed] == ["206.55.144.0/20"]
    assert drift.to_dict()["published_from"] == "given records"


async def test_a_loop_is_kept_reported_and_not_within_limits(spf_zones: ZoneResolver) -> None:
    optimized = await optimize_domain(spf_zones, "loop.bloated.spftest.example")
    assert optimized.kept == ("include:loop2.bloated.spftest.example",)
    assert not optimized.within_limits
    assert any("permerror" in note for note in optimized.notes)
