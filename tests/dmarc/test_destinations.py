"""External report destinations (RFC 7489 7.1, RFC 9990 section 4) on the fixture zones."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from inboxready.dmarc import (
    DestinationCheck,
    DmarcMode,
    analyze_dmarc,
    authorization_name,
    check_destinations,
    org_domain_finder,
    parse_dmarc_record,
)
from inboxready.dns import ZoneResolver
from inboxready.findings import Severity
from tests.dmarc.conftest import OPENDMARC_ORIGIN, FailingResolver


def statuses(checks: Iterable[DestinationCheck]) -> dict[tuple[str, str], str]:
    return {(c.tag, c.uri): c.status for c in checks}


@pytest.mark.parametrize("mode", list(DmarcMode))
async def test_internal_and_authorized_destinations(zones: ZoneResolver, mode: DmarcMode) -> None:
    analysis = await analyze_dmarc(zones, "dmarc-good.example", mode)
    assert statuses(analysis.destinations) == {
        ("rua", "mailto:dmarc@dmarc-good.example"): "internal",
        ("rua", "mailto:agg@dmarc-reports.example"): "authorized",
        ("ruf", "mailto:fail@dmarc-reports.example"): "authorized",
    }
    external = [d for d in analysis.destinations if d.external]
    assert {d.authorization_name for d in external} == {"dmarc-good.example._report._dmarc.dmarc-reports.example"}
    assert all(d.authorization == "v=DMARC1" for d in external)
    assert analysis.findings == ()


async def test_unauthorized_destination_gets_the_exact_record_to_publish(zones: ZoneResolver) -> None:
    analysis = await analyze_dmarc(zones, "dmarc-unauth.example")
    assert statuses(analysis.destinations) == {
        ("rua", "mailto:agg@dmarc-reports.example"): "unauthorized",
        ("rua", "mailto:dmarc@dmarc-unauth.example"): "internal",
        ("ruf", "mailto:x@dmarc-nowhere.example"): "unauthorized",
    }
    missing = [f for f in analysis.findings if f.code == "dmarc-report-auth-missing"]
    assert len(missing) == 2 and all(f.severity is Severity.WARNING for f in missing)
    by_destination = {f.data["destination"]: f for f in missing}
    finding = by_destination["dmarc-reports.example"]
    assert finding.data["name"] == "dmarc-unauth.example._report._dmarc.dmarc-reports.example"
    assert finding.data["zone_line"] == 'dmarc-unauth.example._report._dmarc.dmarc-reports.example. IN TXT "v=DMARC1;"'
    assert finding.data["zone_line"] in finding.fix
    assert finding.subject == "_dmarc.dmarc-unauth.example"


async def test_override_address_is_reported(zones: ZoneResolver) -> None:
    analysis = await analyze_dmarc(zones, "dmarc-override.example")
    [check] = analysis.destinations
    assert check.status == "authorized"
    assert check.override == ("mailto:other@dmarc-reports.example",)


async def test_wildcard_authorization_from_the_opendmarc_corpus(opendmarc: ZoneResolver) -> None:
    """The corpus zone publishes *._report._dmarc: any domain may send it reports."""
    record = parse_dmarc_record(f"v=DMARC1; p=none; rua=mailto:r@{OPENDMARC_ORIGIN}", DmarcMode.RFC7489)
    finder = org_domain_finder(DmarcMode.RFC7489, opendmarc)
    result = await check_destinations(opendmarc, record, "customer.example", finder)
    [check] = result.checks
    assert check.status == "authorized" and check.authorization == "v=DMARC1"
    assert check.authorization_name == f"customer.example._report._dmarc.{OPENDMARC_ORIGIN}"


async def test_authorization_name_uses_the_domain_the_policy_came_from(zones: ZoneResolver) -> None:
    """A subdomain that inherits the policy is authorized under the policy domain's name."""
    analysis = await analyze_dmarc(zones, "shop.dmarc-good.example")
    assert {d.authorization_name for d in analysis.destinations if d.external} == {
        authorization_name("dmarc-good.example", "dmarc-reports.example")
    }


async def test_same_organization_under_rfc7489_but_not_under_the_walk(zones: ZoneResolver) -> None:
    """dept.dmarc-walk.example declares psd=n: to RFC 9989 it is its own organization."""
    record = parse_dmarc_record("v=DMARC1; p=reject; rua=mailto:d@dmarc-walk.example", DmarcMode.DMARCBIS)
    legacy = await check_destinations(
        zones, record, "dept.dmarc-walk.example", org_domain_finder(DmarcMode.RFC7489, zones)
    )
    walk = await check_destinations(
        zones, record, "dept.dmarc-walk.example", org_domain_finder(DmarcMode.DMARCBIS, zones)
    )
    assert [c.status for c in legacy.checks] == ["internal"]
    assert [c.status for c in walk.checks] == ["unauthorized"]


async def test_failure_is_unchecked_not_unauthorized(zones: ZoneResolver) -> None:
    name = "dmarc-good.example._report._dmarc.dmarc-reports.example"
    failing = FailingResolver(zones, fail={name})
    analysis = await analyze_dmarc(failing, "dmarc-good.example")
    assert {c.status for c in analysis.destinations if c.external} == {"unchecked"}
    codes = {f.code for f in analysis.findings}
    assert "dmarc-report-auth-missing" not in codes and "dns-lookup-failed" in codes
    assert analysis.unchecked


async def test_name_too_long_can_never_be_authorized(zones: ZoneResolver) -> None:
    host = ".".join(["x" * 60] * 3) + ".example"
    record = parse_dmarc_record(f"v=DMARC1; p=none; rua=mailto:r@{host}", DmarcMode.RFC7489)
    result = await check_destinations(zones, record, "a" * 40 + ".example", org_domain_finder(DmarcMode.RFC7489, zones))
    [check] = result.checks
    assert check.status == "unauthorized" and "too long" in check.detail
    assert [f.code for f in result.findings] == ["dmarc-report-auth-missing"]


async def test_non_mailto_uri_without_host_is_not_checked(zones: ZoneResolver) -> None:
    record = parse_dmarc_record("v=DMARC1; p=none; rua=ftp:reports", DmarcMode.RFC7489)
    result = await check_destinations(zones, record, "example.org", org_domain_finder(DmarcMode.RFC7489, zones))
    assert [c.status for c in result.checks] == ["not-applicable"]
    assert result.findings == ()
