"""`inboxready dmarc analyze|parse`: JSON contract, text output, exit codes, one-line input errors;
and the audit check's section."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import inboxready.dmarc as dmarc_package
from inboxready.audit.engine import DEFAULT_CHECKS, audit_domain
from inboxready.cli.main import run
from inboxready.dmarc import analyze_dmarc, check_dmarc
from inboxready.dns import ZoneResolver
from tests.dmarc.conftest import DMARC_ZONES

ZONE_ARGS = [arg for zone in DMARC_ZONES for arg in ("--zone", str(zone))]
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "schemas" / "dmarc-analyze.schema.json").read_text()
)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_analyze_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, *ZONE_ARGS, "dmarc", "analyze", "shop.dmarc-good.example", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    for key in (
        "domain",
        "record",
        "found_at",
        "discovery",
        "organizational_domain",
        "policy",
        "destinations",
        "findings",
    ):
        assert key in data
    assert data["domain"] == "shop.dmarc-good.example"
    assert data["found_at"] == "_dmarc.dmarc-good.example"
    assert data["discovery"]["mechanism"] == "organizational-domain"
    assert data["discovery"]["mode"] == "rfc7489"
    assert data["policy"]["p"] == "reject" and data["policy"]["rua"][0] == "mailto:dmarc@dmarc-good.example"
    assert {d["status"] for d in data["destinations"]} == {"internal", "authorized"}
    assert data["findings"] == []


def test_analyze_options_after_the_command_and_dmarcbis_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys, "dmarc", "analyze", "nx.dmarc-subpolicy.example", "--mode", "dmarcbis", "--json", *ZONE_ARGS
    )
    data = json.loads(out)
    assert data["mode"] == "dmarcbis"
    assert (data["discovery"]["applied_policy_tag"], data["discovery"]["applied_policy"]) == ("np", "reject")
    assert data["discovery"]["domain_exists"] is False
    assert code == 0  # dmarc-weak-subdomain-policy is a warning; --fail-on defaults to error


def test_analyze_exit_code_follows_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, *ZONE_ARGS, "dmarc", "analyze", "dmarc-multi.example")[0] == 1
    assert cli(capsys, *ZONE_ARGS, "dmarc", "analyze", "dmarc-monitor.example")[0] == 0
    assert cli(capsys, *ZONE_ARGS, "dmarc", "analyze", "dmarc-monitor.example", "--fail-on", "warning")[0] == 1


def test_analyze_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, *ZONE_ARGS, "--no-color", "dmarc", "analyze", "dmarc-unauth.example")
    assert code == 0
    assert "found at  _dmarc.dmarc-unauth.example" in out
    assert "dmarc-report-auth-missing" in out
    assert 'dmarc-unauth.example._report._dmarc.dmarc-reports.example. IN TXT "v=DMARC1;"' in out
    code, out, _ = cli(capsys, *ZONE_ARGS, "dmarc", "analyze", "dmarc-broken.example")
    assert code == 1
    corrected = "v=DMARC1; p=reject; rua=mailto:dmarc@dmarc-broken.example,mailto:reports@dmarc-broken.example; adkim=s"
    assert f"corrected record: {corrected}" in out


def test_parse_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "dmarc", "parse", "v=DMARC1; p=rejct; rua=dmarc@example.com", "--json")
    data = json.loads(out)
    assert code == 1 and data["valid"] is False
    assert data["corrected"] == "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
    assert all(f["data"]["corrected"] == data["corrected"] for f in data["findings"] if f["code"] == "dmarc-syntax")
    code, out, _ = cli(capsys, "dmarc", "parse", "v=DMARC1; p=reject; pct=50", "--mode", "dmarcbis", "--json")
    data = json.loads(out)
    assert code == 0 and data["mode"] == "dmarcbis" and data["corrected"] == "v=DMARC1; p=reject; t=y"
    assert {f["code"] for f in data["findings"]} == {"dmarc-removed-tag", "dmarc-no-reporting"}


def test_parse_text_and_domain_in_advice(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "dmarc", "parse", "v=DMARC1; p=none", "--domain", "example.org")
    assert code == 0
    assert "dmarc-none-without-rua" in out and "_dmarc.example.org" in out


@pytest.mark.parametrize(
    "args",
    [
        ["dmarc", "analyze", "not a domain"],
        ["dmarc", "analyze", "exa mple.com"],
        ["dmarc", "parse", "v=DMARC1; p=none", "--domain", "bad..name"],
        ["dmarc", "analyze", "example.com", "--mode", "rfc9999"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert "Traceback" not in err and err.strip()


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["dmarc", "--help"], ["dmarc", "analyze", "--help"], ["dmarc", "parse", "--help"]):
        code, out, _ = cli(capsys, *command)
        assert code == 0 and "inboxready dmarc" in out


async def test_audit_check_section_is_the_analysis(zones: ZoneResolver) -> None:
    assert check_dmarc in DEFAULT_CHECKS
    report = await audit_domain("dmarc-unauth.example", zones, checks=[check_dmarc])
    analysis = await analyze_dmarc(zones, "dmarc-unauth.example")
    assert report.sections["dmarc"] == analysis.to_dict()
    assert {f.code for f in report.findings} == {f.code for f in analysis.findings}


async def test_audit_mode_option(zones: ZoneResolver) -> None:
    report = await audit_domain(
        "nope.dmarc-walk.example", zones, checks=[check_dmarc], options={"dmarc_mode": "dmarcbis"}
    )
    assert report.sections["dmarc"]["discovery"]["applied_policy_tag"] == "np"


def test_public_api_names_exist() -> None:
    for name in dmarc_package.__all__:
        assert hasattr(dmarc_package, name), name


@pytest.mark.parametrize(
    ("domain", "mode"),
    [
        ("dmarc-good.example", "rfc7489"),
        ("dmarc-multi.example", "rfc7489"),
        ("dmarc-broken.example", "dmarcbis"),
        ("www.customer1.registry.dmarc-walk.example", "dmarcbis"),
        ("nothing.example", "dmarcbis"),
    ],
)
def test_analyze_json_matches_the_documented_schema(capsys: pytest.CaptureFixture[str], domain: str, mode: str) -> None:
    _, out, _ = cli(capsys, *ZONE_ARGS, "dmarc", "analyze", domain, "--mode", mode, "--json")
    jsonschema.validate(json.loads(out), SCHEMA)
