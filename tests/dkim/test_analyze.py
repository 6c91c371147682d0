"""The DKIM check on fixture zones: each selector situation and the findings it must produce."""

from __future__ import annotations

import pytest

from inboxready.audit.engine import DEFAULT_CHECKS, audit_domain
from inboxready.dkim.analyze import analyze_dkim, check_dkim, declared_by_selector
from inboxready.dkim.selectors import COMMON_SELECTORS, DISCOVERY_NOTE, WILDCARD_PROBE, normalize_selector
from inboxready.dns import CountingResolver, ZoneResolver
from inboxready.dns.errors import ServFail, Timeout
from inboxready.findings.check import CheckContext
from inboxready.findings.model import Severity

ACME = "dkim-acme.example"

CASES = [
    # selector, expected (code, severity) pairs
    ("rsa2048", []),
    ("ed", [("dkim-ed25519-only", Severity.WARNING)]),
    ("provider", []),
    ("gone", [("dkim-missing-selector", Severity.ERROR)]),
    ("nope", [("dkim-missing-selector", Severity.ERROR)]),
    ("weak1024", [("dkim-weak-key", Severity.WARNING)]),
    ("weak512", [("dkim-weak-key", Severity.ERROR)]),
    ("revoked", [("dkim-revoked", Severity.ERROR)]),
    ("testing", [("dkim-testing-mode", Severity.WARNING)]),
    ("tlsrpt", [("dkim-not-for-email", Severity.WARNING)]),
    ("sha1", [("dkim-sha1", Severity.ERROR)]),
    ("two", [("dkim-multiple-records", Severity.WARNING)]),
    ("truncated", [("dkim-invalid", Severity.ERROR)]),
    ("badk", [("dkim-invalid", Severity.ERROR)]),
    ("dup", [("dkim-invalid", Severity.ERROR)]),
    ("notdkim", [("dkim-invalid", Severity.ERROR)]),
]


@pytest.mark.parametrize(("selector", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_declared_selector_cases(
    zones: ZoneResolver, selector: str, expected: list[tuple[str, Severity]]
) -> None:
    result = await check_dkim(CheckContext(ACME, zones, {"dkim_selectors": [selector]}))
    assert sorted((f.code, f.severity) for f in result.findings) == sorted(expected)
    assert not result.unchecked and result.area == "dkim"
    assert result.data["mode"] == "declared" and result.data["discovery"] is None
    assert [s["selector"] for s in result.data["selectors"]] == [selector]


async def test_selector_data_reports_key_and_delegation(zones: ZoneResolver) -> None:
    analysis = await analyze_dkim(zones, ACME, ["provider", "rsa2048", "gone"])
    provider, rsa2048, gone = (s.to_dict() for s in analysis.selectors)
    assert provider["delegated_to"] == "acme.dkim.dkim-provider.example"
    assert provider["cname_chain"] == ["acme.dkim.dkim-provider.example"]
    [record] = provider["records"]  # type: ignore[misc]
    assert (record["key_type"], record["key_bits"], record["valid"]) == ("rsa", 2048, True)
    assert len(rsa2048["records"][0]["strings"]) == 2  # type: ignore[index]
    assert gone["status"] == "missing" and gone["delegated_to"] == "removed.dkim.dkim-provider.example"
    [finding] = analysis.findings
    assert "removed.dkim.dkim-provider.example" in finding.message


async def test_selectors_declared_per_sender(zones: ZoneResolver) -> None:
    declared = {"Microsoft 365": ["provider", "nope"], "Own server": ["RSA2048.", "provider"]}
    result = await check_dkim(CheckContext(ACME, zones, {"dkim_selectors": declared}))
    by_selector = {s["selector"]: s["declared_by"] for s in result.data["selectors"]}
    assert by_selector == {"provider": ["Microsoft 365", "Own server"], "nope": ["Microsoft 365"],
                           "rsa2048": ["Own server"]}
    [missing] = result.findings
    assert missing.code == "dkim-missing-selector" and "Microsoft 365" in missing.message


def test_declared_selector_validation() -> None:
    assert declared_by_selector(None) == {}
    assert declared_by_selector({"a": "s1"}) == {"s1": ("a",)}
    assert normalize_selector(" Sel.Sub ") == "sel.sub"
    for bad in ("", "a b", "-x", "x..y", "a" * 64):
        with pytest.raises(ValueError):
            normalize_selector(bad)


async def test_invalid_declared_selector_is_a_finding_not_a_crash(zones: ZoneResolver) -> None:
    result = await check_dkim(CheckContext(ACME, zones, {"dkim_selectors": ["bad selector"]}))
    assert [f.code for f in result.findings] == ["dkim-missing-selector"]


async def test_discovery_finds_common_selectors_and_says_it_cannot_prove_absence(zones: ZoneResolver) -> None:
    result = await check_dkim(CheckContext("dkim-discover.example", zones))
    data = result.data
    assert data["mode"] == "discovery"
    found = {s["selector"]: s for s in data["selectors"]}
    assert sorted(found) == ["google", "s1", "selector1"]  # k1 holds a TXT that is no DKIM key
    assert found["selector1"]["delegated_to"] == "acme.dkim.dkim-provider.example"
    assert found["selector1"]["source"] == "discovered"
    assert data["discovery"]["note"] == DISCOVERY_NOTE and "cannot prove" in DISCOVERY_NOTE
    assert len(data["discovery"]["tried"]) == len({c.selector for c in COMMON_SELECTORS})
    assert [(f.code, f.severity) for f in result.findings] == [("dkim-revoked", Severity.INFO)]


async def test_discovery_with_nothing_found_is_info(zones: ZoneResolver) -> None:
    result = await check_dkim(CheckContext("dkim-nokeys.example", zones))
    [finding] = result.findings
    assert (finding.code, finding.severity) == ("dkim-no-selectors-found", Severity.INFO)
    assert "cannot prove" in finding.message
    assert result.data["selectors"] == []


async def test_discovery_can_be_turned_off(zones: ZoneResolver) -> None:
    counted = CountingResolver(zones)
    result = await check_dkim(CheckContext("dkim-discover.example", counted, {"dkim_discovery": False}))
    assert (result.findings, result.data["mode"], len(counted.log)) == ((), "none", 0)


async def test_discovery_sees_through_a_wildcard(zones: ZoneResolver) -> None:
    analysis = await analyze_dkim(zones, "dkim-wild.example")
    assert analysis.discovery is not None and analysis.discovery.wildcard
    assert [s.selector for s in analysis.selectors] == ["google"]
    assert WILDCARD_PROBE not in analysis.discovery.tried


async def test_discovery_query_count(zones: ZoneResolver) -> None:
    counted = CountingResolver(zones)
    await analyze_dkim(counted, "dkim-nokeys.example")
    assert len(counted.log) == 1  # _domainkey.dkim-nokeys.example is NXDOMAIN: RFC 8020 prunes the scan
    with_subtree = CountingResolver(ZoneResolver.from_text(
        "$ORIGIN sub.test.\n@ 60 SOA ns h 1 2 3 4 5\nunrelated._domainkey 60 TXT \"not a key\"\n"
    ))
    await analyze_dkim(with_subtree, "sub.test")
    # the RFC 8020 probe of _domainkey, the wildcard probe, then every common selector
    assert len(with_subtree.log) == len({c.selector for c in COMMON_SELECTORS}) + 2


class FailingResolver:
    def __init__(self, error: type[ServFail] | type[Timeout], only: str = "") -> None:
        self.error, self.only = error, only
        self.zones = ZoneResolver.from_text(
            "$ORIGIN dkim-acme.example.\n@ SOA ns h 1 2 3 4 5\nunrelated._domainkey TXT \"not a key\"\n"
        )

    async def query(self, name: object, rdtype: object) -> object:
        if str(name).startswith(self.only):
            raise self.error(str(name), str(rdtype))
        return self.zones.lookup(str(name), str(rdtype))


async def test_dns_failure_is_could_not_check_never_missing() -> None:
    resolver = FailingResolver(ServFail)
    result = await check_dkim(CheckContext(ACME, resolver, {"dkim_selectors": ["s1"]}))  # type: ignore[arg-type]
    assert [f.code for f in result.findings] == ["dns-lookup-failed"]
    assert result.unchecked and "SERVFAIL" in result.unchecked[0]
    assert result.data["selectors"][0]["status"] == "lookup-failed"


async def test_discovery_failures_are_reported_and_not_called_absence() -> None:
    resolver = FailingResolver(Timeout, only="google.")
    result = await check_dkim(CheckContext(ACME, resolver))  # type: ignore[arg-type]
    assert [f.code for f in result.findings] == ["dns-lookup-failed"]
    assert result.data["discovery"]["failed"] == ["google"]
    assert len(result.unchecked) == 1


async def test_check_is_in_the_audit_and_its_section_is_the_analysis(zones: ZoneResolver) -> None:
    assert check_dkim in DEFAULT_CHECKS
    report = await audit_domain(ACME, zones, options={"dkim_selectors": ["rsa2048", "weak1024"]})
    section = report.to_dict()["dkim"]
    analysis = await analyze_dkim(zones, ACME, ["rsa2048", "weak1024"])
    assert section == analysis.to_dict()
    assert "dkim-weak-key" in {f["code"] for f in report.to_dict()["findings"]}


async def test_discovery_is_pruned_by_rfc8020_when_domainkey_does_not_exist() -> None:
    from inboxready.dkim.selectors import discover_selectors
    from inboxready.dns import CountingResolver, ZoneResolver

    bare = CountingResolver(ZoneResolver.from_text("$ORIGIN nodkim.test.\n@ 60 SOA ns h 1 2 3 4 5\n@ 60 MX 0 .\n"))
    result = await discover_selectors(bare, "nodkim.test")
    assert result.pruned and not result.found
    assert len(bare.log) == 1  # one query, not one per common selector

    signed = CountingResolver(ZoneResolver.from_text(
        "$ORIGIN signed.test.\n@ 60 SOA ns h 1 2 3 4 5\n"
        "google._domainkey 60 TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    ))
    result = await discover_selectors(signed, "signed.test")
    assert not result.pruned  # _domainkey.signed.test is an empty non-terminal: NODATA
    assert [s.selector for s in result.found] == ["google"]
    assert len(signed.log) > 10


async def test_short_discovery_asks_only_the_bulk_list() -> None:
    from inboxready.dkim.selectors import BULK_SELECTORS
    from inboxready.dns import CountingResolver, ZoneResolver

    zones = CountingResolver(ZoneResolver.from_text(
        "$ORIGIN short.test.\n@ 60 SOA ns h 1 2 3 4 5\n"
        "s1._domainkey 60 TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    ))
    analysis = await analyze_dkim(zones, "short.test", discover="short")
    assert [s.selector for s in analysis.selectors] == ["s1"]
    asked = {r.name.split("._domainkey.")[0] for r in zones.log.records if "._domainkey." in r.name}
    assert asked == {*BULK_SELECTORS, "inboxready-wildcard-probe"}
