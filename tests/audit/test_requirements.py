"""The mailbox-provider checklist follows the checks' results, line by line."""

from pathlib import Path

from inboxready.audit.engine import audit_domain
from inboxready.demo import DEMO_DOMAIN, DEMO_OPTIONS, demo_zone_files
from inboxready.dns import ZoneResolver, load_zone_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OFFLINE = {"blocklists": False, "mtasts_fetcher": False}


def statuses(report_sections: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {i["key"]: i["status"] for i in report_sections["requirements"]["items"]}


async def test_clean_domain_passes_every_dns_checkable_line() -> None:
    resolver = ZoneResolver.from_files([FIXTURES / "audit-clean.zone", FIXTURES / "audit-clean-reverse.zone"])
    options = {**OFFLINE, "dkim_selectors": ["s1"], "servers": [{"ip": "192.0.2.25", "helo": "mail.clean.example"}]}
    report = await audit_domain("clean.example", resolver, options=options)
    got = statuses(report.to_dict())
    assert got == {
        "spf": "pass", "dkim": "pass", "dmarc": "pass", "alignment": "pass", "rdns": "pass",
        "tls": "unknown", "unsubscribe": "unknown", "spam-rate": "unknown",
    }, [f.code for f in report.findings]
    assert all(i["sources"] for i in report.to_dict()["requirements"]["items"])


async def test_without_declared_servers_reverse_dns_is_unknown_not_pass() -> None:
    resolver = ZoneResolver.from_files([FIXTURES / "audit-clean.zone", FIXTURES / "audit-clean-reverse.zone"])
    report = await audit_domain("clean.example", resolver, options={**OFFLINE, "dkim_selectors": ["s1"]})
    assert statuses(report.to_dict())["rdns"] == "unknown"


async def test_demo_fails_spf_and_reverse_dns() -> None:
    resolver = ZoneResolver(load_zone_file(p) for p in demo_zone_files())
    report = await audit_domain(DEMO_DOMAIN, resolver, options=DEMO_OPTIONS)
    got = statuses(report.to_dict())
    assert got["spf"] == "fail" and got["rdns"] == "fail"
    assert got["dmarc"] == "pass" and got["dkim"] == "pass"


async def test_missing_records_fail_their_lines() -> None:
    resolver = ZoneResolver.from_text(
        "$ORIGIN bare.example.\n@ 60 SOA ns h 1 2 3 4 5\n@ 60 MX 10 mail\nmail 60 A 192.0.2.1\n"
    )
    report = await audit_domain("bare.example", resolver, options={**OFFLINE, "dkim_discovery": False})
    got = statuses(report.to_dict())
    assert (got["spf"], got["dkim"], got["dmarc"], got["alignment"]) == ("fail", "fail", "fail", "fail")
