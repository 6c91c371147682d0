"""The live path: the same engine through LiveResolver against the loopback DNS server."""

from __future__ import annotations

from typing import Any

from inboxready.dns.zones import ZoneResolver
from inboxready.findings.check import CheckContext
from inboxready.spf.analyze import analyze_spf
from inboxready.spf.check import check_spf
from inboxready.spf.coverage import sender_coverage
from inboxready.spf.evaluate import evaluate_spf
from inboxready.spf.optimize import optimize_domain
from inboxready.spf.record import ResultCode

P = "prov.spftest.example"


async def test_live_evaluation_matches_zone_files(dns_server: Any, spf_zones: ZoneResolver) -> None:
    live = dns_server.resolver()
    for ip in ("54.240.1.1", "192.0.2.10", "2001:db8:10::25", "2a00:1450:4000::1", "203.0.113.99"):
        over_wire = await evaluate_spf(live, ip, "alice@acme.spftest.example")
        offline = await evaluate_spf(spf_zones, ip, "alice@acme.spftest.example")
        assert (over_wire.result, over_wire.matched, over_wire.dns_lookups) == (
            offline.result, offline.matched, offline.dns_lookups)


async def test_live_timeout_is_temperror(dns_server: Any) -> None:
    result = await evaluate_spf(dns_server.resolver(timeout=0.2, retries=0), "192.0.2.1",
                                "a@slow.bloated.spftest.example")
    assert result.result is ResultCode.TEMPERROR
    assert "timed out" in (result.reason or "")


async def test_live_analysis_coverage_and_optimizer(dns_server: Any) -> None:
    resolver = dns_server.resolver()
    analysis = await analyze_spf(resolver, "bloated.spftest.example")
    assert analysis.dns_lookups == 12 and not analysis.valid
    assert "spf-type99-mismatch" in {f.code for f in analysis.findings}
    coverage = await sender_coverage(resolver, "bloated.spftest.example", f"ses.{P}")
    assert coverage.covered is False
    optimized = await optimize_domain(resolver, "bloated.spftest.example")
    assert optimized.within_limits and optimized.proof is not None and optimized.proof.equivalent


async def test_live_check_reports_failures_without_raising(dns_server: Any) -> None:
    resolver = dns_server.resolver(timeout=0.2, retries=0)
    result = await check_spf(CheckContext("slow.bloated.spftest.example", resolver))
    assert result.unchecked and "dns-lookup-failed" in {f.code for f in result.findings}
    assert result.data["valid"] is False
