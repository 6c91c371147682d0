"""diff_plan: live DNS (zone files here) against the plan, with exact fixes and exit codes."""

from __future__ import annotations

import asyncio

from inboxready.audit.engine import audit_domain
from inboxready.demo import demo_zone_files
from inboxready.dkim.analyze import check_dkim
from inboxready.dmarc.analyze import check_dmarc
from inboxready.dns.zones import ZoneResolver, load_zone_file, parse_zone_text
from inboxready.findings.model import Severity
from inboxready.policy.diff import DiffResult, diff_plan, same_value
from inboxready.policy.export import to_zone
from inboxready.policy.records import Plan
from inboxready.providers.catalog import Catalog
from inboxready.spf.check import check_spf
from tests.policy.conftest import PROVIDER_ZONES, plan_for, zones_with

HEAD = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
SIMPLE = "domain: example.com\nservers:\n  - ip: 192.0.2.25\n    helo: mail.example.com\n"


def diff(plan: Plan, *zone_texts: str) -> DiffResult:
    return asyncio.run(diff_plan(plan, zones_with(*zone_texts)))


def actions(result: DiffResult) -> set[tuple[str, str, str]]:
    return {(c.action, c.name, c.type) for c in result.changes if c.action != "ok"}


def plan_zone_resolver(plan: Plan) -> ZoneResolver:
    zones = [load_zone_file(p) for p in PROVIDER_ZONES]
    return ZoneResolver([*zones, parse_zone_text(to_zone(plan), origin=plan.domain)])


def test_demo_zone_differs_from_its_plan_with_exact_fixes(demo_plan: Plan) -> None:
    result = asyncio.run(diff_plan(demo_plan, ZoneResolver.from_files(demo_zone_files())))
    found = {(c.action, c.name, c.type): c for c in result.to_fix}
    assert set(found) == {
        ("wrong", "acme.example", "TXT"), ("wrong", "_dmarc.acme.example", "TXT"),
        ("missing", "k3._domainkey.acme.example", "CNAME"), ("missing", "selector2._domainkey.acme.example", "CNAME"),
        ("wrong", "mail2026._domainkey.acme.example", "TXT"), ("missing", "mail.acme.example", "TXT"),
        ("missing", "_smtp._tls.acme.example", "TXT"),
    }
    assert found[("missing", "k3._domainkey.acme.example", "CNAME")].fix == (
        "Add: k3._domainkey.acme.example. 3600 IN CNAME dkim3.mcsv.net."
    )
    assert "t=y" in found[("wrong", "mail2026._domainkey.acme.example", "TXT")].actual[0]
    assert found[("wrong", "_dmarc.acme.example", "TXT")].fix.startswith(
        'Replace _dmarc.acme.example. TXT "v=DMARC1; p=none" with: _dmarc.acme.example. 3600 IN TXT "v=DMARC1; p=reject'
    )
    # The site-verification token at the apex is not managed: noted, never flagged.
    note = next(c for c in result.changes if c.name == "acme.example" and c.expected is None)
    assert note.action == "ok" and note.actual[0].startswith("google-site-verification=")
    (request,) = result.requests
    assert request.type == "PTR" and request.fix.startswith("Ask the operator of reverse zone of 203.0.113.25")
    assert result.exit_code() == 1
    assert {f.code for f in result.findings} == {"plan-record-missing", "plan-record-wrong"}


def test_exported_plan_zone_diffs_clean_and_passes_the_checks(demo_plan: Plan) -> None:
    resolver = plan_zone_resolver(demo_plan)
    result = asyncio.run(diff_plan(demo_plan, resolver))
    assert result.to_fix == () and result.unchecked == () and result.exit_code() == 0
    report = asyncio.run(audit_domain("acme.example", resolver, checks=(check_spf, check_dkim, check_dmarc),
                                      options=demo_plan.check_options()))
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert errors == [], [f"{f.code}: {f.message}" for f in errors]
    assert report.complete
    coverage = report.sections["spf"]["coverage"]
    assert len(coverage) == 2 and all(c["covered"] for c in coverage), coverage


def test_second_spf_record_and_type99_are_extra(catalog: Catalog) -> None:
    plan = plan_for(SIMPLE, catalog)
    spf = next(r.value for r in plan.records if r.purpose == "spf")
    zone = (HEAD + f'@ TXT "{spf}"\n@ TXT "v=spf1 include:old.example.net -all"\n@ SPF "v=spf1 -all"\n'
            '@ TXT "site-verification=abc"\n')
    found = actions(diff(plan, zone))
    assert ("extra", "example.com", "TXT") in found and ("extra", "example.com", "SPF") in found


def test_equivalent_records_are_not_changes() -> None:
    assert same_value("spf", "v=spf1 ip4:192.0.2.1 include:a.example ~all",
                      "v=spf1  include:A.example +ip4:192.0.2.1 ~all")
    assert not same_value("spf", "v=spf1 ip4:192.0.2.1 ~all", "v=spf1 ip4:192.0.2.1 -all")
    assert same_value("dmarc", "v=DMARC1; p=reject; rua=mailto:a@example.com",
                      "v=DMARC1;p=reject;adkim=r; rua=mailto:A@example.com; pct=100")
    assert not same_value("dmarc", "v=DMARC1; p=reject", "v=DMARC1; p=reject; sp=none")
    assert same_value("dkim", "v=DKIM1; k=rsa; p=AB CD", "p=ABCD")
    assert not same_value("dkim", "v=DKIM1; k=rsa; p=ABCD", "v=DKIM1; k=rsa; t=y; p=ABCD")


def test_cname_where_a_txt_is_planned_is_wrong(catalog: Catalog) -> None:
    plan = plan_for(SIMPLE, catalog)
    zone = HEAD + "_dmarc CNAME _dmarc.elsewhere.example.com.\n_dmarc.elsewhere TXT \"v=DMARC1; p=none\"\n"
    change = next(c for c in diff(plan, zone).changes if c.name == "_dmarc.example.com")
    assert change.action == "wrong" and change.fix.startswith("Remove the CNAME at _dmarc.example.com")


def test_extra_address_and_missing_mx(catalog: Catalog) -> None:
    plan = plan_for(SIMPLE, catalog)
    found = actions(diff(plan, HEAD + "mail A 192.0.2.25\nmail A 192.0.2.26\n"))
    assert ("extra", "mail.example.com", "A") in found and ("missing", "_dmarc.example.com", "TXT") in found


class FailingResolver:
    def __init__(self, inner: ZoneResolver) -> None:
        self.inner = inner

    async def query(self, name: object, rdtype: object):  # type: ignore[no-untyped-def]
        from inboxready.dns.errors import Timeout

        if str(name).startswith("_dmarc"):
            raise Timeout(str(name), str(rdtype))
        return await self.inner.query(name, rdtype)  # type: ignore[arg-type]


def test_dns_failure_is_unchecked_and_exits_3(catalog: Catalog) -> None:
    plan = plan_for(SIMPLE, catalog)
    result = asyncio.run(diff_plan(plan, FailingResolver(zones_with(HEAD))))  # type: ignore[arg-type]
    assert result.unchecked and result.exit_code() == 3
    assert any(c.action == "unchecked" and c.name == "_dmarc.example.com" for c in result.changes)


def test_pending_records_are_checked_for_presence_only(catalog: Catalog) -> None:
    plan = plan_for("domain: example.com\nsenders:\n  - service: web-host\n    parameters: {host: web.example.net}\n"
                    "  - service: amazon-ses\n    parameters: {region: eu-west-1}\n", catalog)
    key = '"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDe"'
    present = diff(plan, HEAD + f"default._domainkey TXT {key}\n")
    change = next(c for c in present.changes if c.name == "default._domainkey.example.com")
    assert change.action == "ok" and "not compared until dkim_key" in change.note
    absent = diff(plan, HEAD)
    change = next(c for c in absent.changes if c.name == "default._domainkey.example.com")
    assert change.action == "missing" and "cPanel" in change.fix
    ses = next(c for c in absent.changes if "dkim_tokens" in c.name)
    assert ses.action == "pending" and ses not in absent.to_fix
