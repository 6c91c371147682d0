"""Exports load back with the tools that read them: dnspython (zone) and octoDNS (YAML)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dns.rdatatype
import pytest

from inboxready.dns.zones import parse_zone_text
from inboxready.policy.export import to_json, to_octodns, to_zone
from inboxready.policy.records import Plan


def test_zone_export_loads_as_the_domains_own_zone(demo_plan: Plan) -> None:
    text = to_zone(demo_plan)
    zone = parse_zone_text(text, origin="acme.example")
    loaded = {
        (name.to_text(omit_final_dot=True), dns.rdatatype.to_text(rds.rdtype), rd.to_text())
        for name, rds in zone.iterate_rdatasets() for rd in rds
    }
    assert len(loaded) == len(demo_plan.own_records)
    for record in demo_plan.own_records:
        assert (record.name, record.type, record.rdata_text()) in loaded
    # Records of other zones appear only as comments.
    assert not any("in-addr.arpa" in name for name, _, _ in loaded)
    assert "; Records other zones must publish" in text and ";   25.113.0.203.in-addr.arpa. 3600 IN PTR" in text


def test_long_txt_values_are_split_into_255_octet_strings(demo_plan: Plan) -> None:
    zone = parse_zone_text(to_zone(demo_plan), origin="acme.example")
    rdataset = zone.find_rdataset("mail2026._domainkey.acme.example.", "TXT")
    (rdata,) = list(rdataset)
    assert len(rdata.strings) == 2 and all(len(s) <= 255 for s in rdata.strings)  # type: ignore[attr-defined]
    planned = next(r for r in demo_plan.records if r.name.startswith("mail2026."))
    assert b"".join(rdata.strings).decode() == planned.value  # type: ignore[attr-defined]


def test_octodns_export_loads_with_yamlprovider(
    demo_plan: Plan, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("octodns")
    from octodns.provider.yaml import YamlProvider
    from octodns.zone import Zone

    (tmp_path / "acme.example.yaml").write_text(to_octodns(demo_plan))
    zone = Zone("acme.example.", [])
    with caplog.at_level(logging.ERROR):
        YamlProvider("plan", str(tmp_path), escaped_semicolons=True).populate(zone)
    loaded: dict[tuple[str, str], list[str]] = {}
    for record in zone.records:
        values = [str(v) for v in getattr(record, "values", [getattr(record, "value", None)])]
        loaded[(record.name, record._type)] = values
    for planned in demo_plan.own_records:
        relative = "" if planned.name == "acme.example" else planned.name.removesuffix(".acme.example")
        values = loaded[(relative, planned.type)]
        if planned.type == "TXT":
            assert planned.value.replace(";", "\\;") in values
        elif planned.type == "MX":
            assert any(planned.value.split()[1] in v for v in values)
        else:
            assert planned.value in values
    assert not any(name.endswith("in-addr.arpa") for name, _ in loaded)


def test_json_export_is_complete(demo_plan: Plan) -> None:
    data = json.loads(to_json(demo_plan))
    assert data["domain"] == "acme.example"
    assert len(data["records"]) == len(demo_plan.own_records)
    assert data["external_records"][0]["type"] == "PTR"
    assert {s["sender"] for s in data["senders"]} >= {"microsoft365", "amazon-ses", "mailchimp", "web-host"}
    assert data["spf"]["dns_lookups"] == 3 and data["steps"][0]["provider"] == "microsoft365"
