"""The DKIM check, verification and CLI on the live path: a real DNS server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inboxready.cli.main import run
from inboxready.dkim.analyze import analyze_dkim
from inboxready.dkim.keys import SigningKey
from inboxready.dkim.signing import VerifyResult, sign_message, verify_message
from inboxready.dns import ZoneResolver
from tests.dkim.conftest import MESSAGE

ACME = "dkim-acme.example"
SELECTORS = ["rsa2048", "ed", "provider", "gone", "weak1024", "weak512", "revoked", "testing", "two", "notdkim"]


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The analysis without TTLs (a server may lower them along a CNAME chain)."""
    return {**data, "selectors": [{**s, "ttl": None} for s in data["selectors"]]}


async def test_live_analysis_equals_the_zone_file_analysis(dns_server: Any, zones: ZoneResolver) -> None:
    live = await analyze_dkim(dns_server.resolver(), ACME, SELECTORS)
    offline = await analyze_dkim(zones, ACME, SELECTORS)
    assert comparable(live.to_dict()) == comparable(offline.to_dict())
    assert {f.code for f in live.findings} >= {"dkim-missing-selector", "dkim-weak-key", "dkim-revoked",
                                                "dkim-testing-mode", "dkim-multiple-records", "dkim-invalid"}
    provider = next(s for s in live.selectors if s.selector == "provider")
    assert provider.delegated_to == "acme.dkim.dkim-provider.example" and provider.records[0].key_bits == 2048


async def test_live_discovery(dns_server: Any) -> None:
    analysis = await analyze_dkim(dns_server.resolver(), "dkim-discover.example")
    assert sorted(s.selector for s in analysis.selectors) == ["google", "s1", "selector1"]
    assert analysis.discovery is not None and not analysis.discovery.failed and not analysis.unchecked


@pytest.mark.parametrize(("selector", "outcome"), [("x-servfail", "SERVFAIL"), ("x-refused", "REFUSED"),
                                                   ("x-timeout", "timed out")])
async def test_live_failures_are_unchecked(dns_server: Any, selector: str, outcome: str) -> None:
    analysis = await analyze_dkim(dns_server.resolver(timeout=0.3, retries=0), ACME, [selector])
    assert [f.code for f in analysis.findings] == ["dns-lookup-failed"]
    assert len(analysis.unchecked) == 1 and outcome in analysis.unchecked[0]


async def test_live_sign_verify_and_tamper(dns_server: Any, rsa_key: SigningKey, ed_key: SigningKey) -> None:
    message = sign_message(MESSAGE, domain=ACME, selector="provider", key=rsa_key)
    message = sign_message(message, domain=ACME, selector="ed", key=ed_key)
    results = await verify_message(message, dns_server.resolver())
    assert [(r.selector, r.result) for r in results] == [("ed", VerifyResult.PASS), ("provider", VerifyResult.PASS)]
    assert results[1].cname_chain == ("acme.dkim.dkim-provider.example",)
    tampered = await verify_message(message.replace(b"numbers are", b"numbers were"), dns_server.resolver())
    assert [(r.result, r.body_hash_ok) for r in tampered] == [(VerifyResult.FAIL, False)] * 2


async def test_live_key_lookup_failure_is_temperror(dns_server: Any, rsa_key: SigningKey) -> None:
    message = sign_message(MESSAGE, domain=ACME, selector="x-servfail", key=rsa_key)
    [result] = await verify_message(message, dns_server.resolver(retries=0))
    assert result.result is VerifyResult.TEMPERROR


def cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, _ = capsysbinary.readouterr()
    return int(exited.value.code or 0), out


def test_live_cli(dns_server: Any, rsa_key: SigningKey, tmp_path: Path,
                  capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    server = ("--nameserver", dns_server.address, "--timeout", "0.5")
    signed = tmp_path / "signed.eml"
    signed.write_bytes(sign_message(MESSAGE, domain=ACME, selector="rsa2048", key=rsa_key))
    code, out = cli(capsysbinary, *server, "dkim", "verify", str(signed), "--json")
    assert code == 0 and json.loads(out)["result"] == "pass"
    signed.write_bytes(sign_message(MESSAGE, domain=ACME, selector="x-servfail", key=rsa_key))
    code, out = cli(capsysbinary, *server, "dkim", "verify", str(signed), "--json")
    assert code == 3 and json.loads(out)["signatures"][0]["result"] == "temperror"
    code, out = cli(capsysbinary, *server, "dkim", "analyze", ACME, "--selector", "weak512", "--json")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"]] == ["dkim-weak-key"]
    code, _ = cli(capsysbinary, *server, "dkim", "analyze", ACME, "--selector", "x-servfail")
    assert code == 3
