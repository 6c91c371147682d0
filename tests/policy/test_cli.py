"""`inboxready init` → `plan` → `diff`, through the console entry point (offline, with --zone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from inboxready.cli.main import run
from inboxready.demo import demo_zone_files
from tests.policy.conftest import DEMO_POLICY, PROVIDER_ZONES


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def zones(paths: list[Path]) -> list[str]:
    return [arg for p in paths for arg in ("--zone", str(p))]


def test_init_writes_a_policy_from_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "inboxready.yaml"
    code, out, err = cli(capsys, "init", "--domain", "example.com", "--sender", "microsoft365:tenant=contoso",
                         "--sender", "amazon-ses:region=eu-west-1,dkim_tokens=t1,dkim_tokens=t2",
                         "--server", "203.0.113.25=mail.example.com", "--rua", "dmarc@example.com",
                         "--ruf", "ruf@example.com", "--dmarc-policy", "quarantine", "--output", str(out_file))
    assert code == 0, err
    data = yaml.safe_load(out_file.read_text())
    assert data["domain"] == "example.com"
    assert data["senders"][1] == {"service": "amazon-ses",
                                  "parameters": {"region": "eu-west-1", "dkim_tokens": ["t1", "t2"]}}
    assert data["servers"] == [{"ip": "203.0.113.25", "helo": "mail.example.com"}]
    assert data["dmarc"] == {"policy": "quarantine", "rua": ["dmarc@example.com"], "ruf": ["ruf@example.com"]}
    assert "inboxready plan" in out


def test_init_refuses_to_overwrite_and_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "p.yaml"
    out_file.write_text("keep me")
    code, _, err = cli(capsys, "init", "--domain", "example.com", "--output", str(out_file))
    assert code == 2 and "--force" in err and out_file.read_text() == "keep me"
    code, _, err = cli(capsys, "init", "--domain", "example.com", "--output", str(out_file), "--force",
                       "--sender", "amazon-ses:region")
    assert code == 2 and "'region' is not KEY=VALUE" in err and "Traceback" not in err
    code, _, err = cli(capsys, "init", "--domain", "example.com", "--output", str(out_file), "--force",
                       "--sender", "mailchimpp")
    assert code == 2 and "did you mean mailchimp" in err
    code, _, err = cli(capsys, "init", "--domain", "example.com", "--output", str(out_file), "--force",
                       "--server", "mail.example.com")
    assert code == 2 and "is not an IP address" in err
    assert out_file.read_text() == "keep me"


def test_init_interactive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    answers = "example.org\nmailchimp amazon-ses\nus-east-1\n192.0.2.5=out.example.org\nd@example.org\nreject\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    out_file = tmp_path / "i.yaml"
    code, _, err = cli(capsys, "init", "--interactive", "--output", str(out_file))
    assert code == 0, err
    data = yaml.safe_load(out_file.read_text())
    assert data["domain"] == "example.org" and data["dmarc"]["policy"] == "reject"
    assert data["senders"] == [{"service": "mailchimp"},
                               {"service": "amazon-ses", "parameters": {"region": "us-east-1"}}]


def test_plan_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [*zones(PROVIDER_ZONES), "plan", "--policy", str(DEMO_POLICY)]
    code, out, _ = cli(capsys, *base)
    assert code == 0 and "How each sender passes DMARC" in out and "aligned SPF via custom MAIL FROM" in out
    code, out, _ = cli(capsys, *base, "--format", "zone")
    assert code == 0 and out.startswith("; Records for acme.example") and "$ORIGIN acme.example." in out
    code, out, _ = cli(capsys, *base, "--json")
    assert code == 0 and json.loads(out)["spf"]["dns_lookups"] == 3
    target = tmp_path / "acme.example.yaml"
    code, out, _ = cli(capsys, *base, "--format", "octodns", "--output", str(target))
    assert code == 0 and out == "" and "_dmarc:" in target.read_text()


def test_plan_bad_policy_exits_2_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "inboxready.yaml"
    bad.write_text("domain: example.com\nsenders:\n  - service: amazon-ses\n    parameters: {region: 1 2}\n")
    code, _, err = cli(capsys, "--zone", str(PROVIDER_ZONES[0]), "plan", "--policy", str(bad))
    assert code == 2 and f"{bad}:4: amazon-ses parameter region" in err
    code, _, err = cli(capsys, "plan", "--policy", str(tmp_path / "missing.yaml"))
    assert code == 2 and "inboxready init" in err


def test_plan_with_conflicts_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "inboxready.yaml"
    policy.write_text("domain: example.com\nsenders:\n  - service: klaviyo\n"
                      "    parameters: {routing_host: x.klaviyodns.com}\n"
                      "dmarc: {adkim: s, aspf: s}\n")
    code, out, _ = cli(capsys, "--zone", str(PROVIDER_ZONES[0]), "plan", "--policy", str(policy))
    assert code == 1 and "sender-not-aligned" in out


def test_diff_demo_then_clean_after_publishing_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, *zones(demo_zone_files()), "diff", "--policy", str(DEMO_POLICY))
    assert code == 1 and "MISSING k3._domainkey.acme.example CNAME" in out
    assert "fix: Add: k3._domainkey.acme.example. 3600 IN CNAME dkim3.mcsv.net." in out
    plan_zone = tmp_path / "acme.example.zone"
    code, _, _ = cli(capsys, *zones(PROVIDER_ZONES), "plan", "--policy", str(DEMO_POLICY), "--format", "zone",
                     "--output", str(plan_zone))
    assert code == 0
    fixed = [p for p in PROVIDER_ZONES] + [plan_zone]
    code, out, _ = cli(capsys, *zones(fixed), "diff", "--policy", str(DEMO_POLICY), "--json")
    data = json.loads(out)
    assert code == 0 and data["clean"] is True
    assert [c for c in data["changes"] if c["action"] in ("missing", "wrong", "extra") and not c["external"]] == []
