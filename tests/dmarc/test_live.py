"""The live path: the same DMARC cases through LiveResolver against the loopback DNS server, which
serves tests/fixtures/zones/dmarc-*.zone; plus a timeout that only the live path can produce."""

from __future__ import annotations

import json

import pytest

from inboxready.cli.main import run
from inboxready.dmarc import DmarcMode, Policy, analyze_dmarc, discover_dmarc
from tests.conftest import LoopbackDns
from tests.dmarc.test_discovery import DISCOVERY_CASES


@pytest.mark.parametrize(("domain", "mode", "at", "mechanism", "org", "tag", "policy"), DISCOVERY_CASES)
async def test_discovery_live(
    dns_server: LoopbackDns, domain: str, mode: DmarcMode, at: str, mechanism: str, org: str, tag: str, policy: str
) -> None:
    resolver = dns_server.resolver()
    found = await discover_dmarc(resolver, domain, mode)
    assert (found.policy_domain, found.mechanism, found.organizational_domain) == (at, mechanism, org)
    assert (found.policy_tag, found.applied_policy) == (tag, Policy(policy))
    assert found.unchecked == ()


@pytest.mark.parametrize(
    ("domain", "codes"),
    [
        ("dmarc-good.example", set()),
        ("dmarc-monitor.example", {"dmarc-policy-none", "dmarc-none-without-rua"}),
        ("dmarc-multi.example", {"dmarc-multiple-records", "dmarc-missing"}),
        ("dmarc-wrongname.example", {"dmarc-wrong-name", "dmarc-missing"}),
        ("dmarc-unauth.example", {"dmarc-report-auth-missing"}),
        ("dmarc-subpolicy.example", {"dmarc-weak-subdomain-policy"}),
        (
            "dmarc-broken.example",
            {"dmarc-syntax", "dmarc-duplicate-tag", "dmarc-unknown-tag", "dmarc-removed-tag"},
        ),
    ],
)
async def test_analysis_live(dns_server: LoopbackDns, domain: str, codes: set[str]) -> None:
    analysis = await analyze_dmarc(dns_server.resolver(), domain)
    assert {f.code for f in analysis.findings} == codes
    assert analysis.unchecked == ()


async def test_split_record_is_joined_live(dns_server: LoopbackDns) -> None:
    analysis = await analyze_dmarc(dns_server.resolver(), "dmarc-broken.example")
    assert analysis.record is not None and "foo=bar" in analysis.record.text
    assert (
        analysis.record.corrected
        == "v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-broken.example,mailto:reports@dmarc-broken.example; adkim=s"
    )


async def test_authorization_timeout_is_unchecked_live(dns_server: LoopbackDns) -> None:
    """x-timeout.dmarc-faults.example._report._dmarc.dmarc-reports.example times out on the server."""
    analysis = await analyze_dmarc(dns_server.resolver(timeout=0.2, retries=0), "x-timeout.dmarc-faults.example")
    assert analysis.record is not None
    [check] = analysis.destinations
    assert check.status == "unchecked" and check.external
    codes = {f.code for f in analysis.findings}
    assert "dns-lookup-failed" in codes and "dmarc-report-auth-missing" not in codes
    assert analysis.unchecked


def test_cli_against_the_loopback_server(dns_server: LoopbackDns, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(
            [
                "--nameserver",
                dns_server.address,
                "dmarc",
                "analyze",
                "www.customer1.registry.dmarc-walk.example",
                "--mode",
                "dmarcbis",
                "--json",
            ]
        )
    data = json.loads(capsys.readouterr().out)
    assert exited.value.code == 0  # only a warning (p=none at the PSD)
    assert data["found_at"] == "_dmarc.registry.dmarc-walk.example"
    assert data["discovery"]["mechanism"] == "public-suffix-domain"
    assert data["organizational_domain"] == "customer1.registry.dmarc-walk.example"


def test_cli_exit_3_when_a_lookup_failed(dns_server: LoopbackDns, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(
            [
                "--nameserver",
                dns_server.address,
                "--timeout",
                "0.2",
                "dmarc",
                "analyze",
                "x-timeout.dmarc-faults.example",
                "--json",
            ]
        )
    data = json.loads(capsys.readouterr().out)
    assert exited.value.code == 3
    assert data["unchecked"] and data["destinations"][0]["status"] == "unchecked"
