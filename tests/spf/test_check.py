"""The audit check: data is the `spf analyze` object; expected senders are checked for coverage."""

from __future__ import annotations

from inboxready.audit.engine import DEFAULT_CHECKS, audit_domain
from inboxready.dns.zones import ZoneResolver
from inboxready.findings.check import CheckContext
from inboxready.spf.check import check_spf

P = "prov.spftest.example"


async def test_check_data_is_the_analysis(spf_zones: ZoneResolver) -> None:
    result = await check_spf(CheckContext("acme.spftest.example", spf_zones))
    assert result.area == "spf" and not result.findings and not result.unchecked
    assert result.data["dns_lookups"] == 8 and result.data["valid"] is True
    assert "tree" in result.data and result.data["networks"]["ip6"]


async def test_expected_senders_are_covered_or_reported(spf_zones: ZoneResolver) -> None:
    ctx = CheckContext("acme.spftest.example", spf_zones,
                       {"spf_senders": [f"ses.{P}", f"sendgrid.{P}", ["192.0.2.0/24"]]})
    result = await check_spf(ctx)
    assert [c["covered"] for c in result.data["coverage"]] == [True, False, False]
    assert [f.code for f in result.findings].count("spf-sender-not-authorized") == 2


async def test_registered_in_the_audit(spf_zones: ZoneResolver) -> None:
    assert check_spf in DEFAULT_CHECKS
    report = await audit_domain("bloated.spftest.example", spf_zones, checks=[check_spf])
    assert "spf-too-many-lookups" in {f.code for f in report.findings}
    assert report.sections["spf"]["dns_lookups"] == 12
