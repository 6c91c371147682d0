"""`inboxready ptr`, `inboxready mtasts` and `inboxready bimi`: text, JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxready.cli.main import run
from tests.hosts.tls_server import PolicyServer

ZONES = Path(__file__).resolve().parents[1] / "fixtures" / "zones"
PTR_ZONES = [f"--zone={ZONES / n}" for n in ("hosts-fcrdns.test.zone", "hosts-ptr4.zone", "hosts-ptr6.zone")]
STS_ZONE = f"--zone={ZONES / 'hosts-sts.test.zone'}"


def inboxready(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_ptr_text_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = inboxready(capsys, *PTR_ZONES, "--no-color", "ptr", "198.18.25.10", "--helo", "mail.fcrdns.test")
    assert code == 0 and "FCrDNS ok" in out and "HELO mail.fcrdns.test: matches" in out
    code, out, _ = inboxready(capsys, *PTR_ZONES, "ptr", "198.18.25.11", "198.18.25.13")
    assert code == 1 and "ptr-missing" in out and "ptr-generic" in out and "\x1b[" not in out
    code, _, _ = inboxready(capsys, *PTR_ZONES, "ptr", "198.18.25.13", "--fail-on", "error")
    assert code == 0  # ptr-generic is a warning
    code, _, _ = inboxready(capsys, *PTR_ZONES, "ptr", "198.18.25.13", "--fail-on", "warning")
    assert code == 1


def test_ptr_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = inboxready(capsys, *PTR_ZONES, "ptr", "198.18.25.12", "2001:db8:cafe:25::10", "--json")
    doc = json.loads(out)
    assert code == 1
    first, second = doc["results"]
    assert first["ip"] == "198.18.25.12" and first["fcrdns"] is False
    assert [f["code"] for f in first["findings"]] == ["ptr-mismatch"]
    assert second["ptr"] == ["mail6.fcrdns.test"] and second["confirmed"] == ["mail6.fcrdns.test"]


def test_ptr_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = inboxready(capsys, *PTR_ZONES, "ptr", "mail.example.com")
    assert code == 2 and "not an IPv4 or IPv6 address" in err and "Traceback" not in err
    code, _, err = inboxready(capsys, "ptr")
    assert code == 2


def test_ptr_dns_failure_is_exit_3(capsys: pytest.CaptureFixture[str], dns_server) -> None:  # type: ignore[no-untyped-def]
    args = ("--nameserver", dns_server.address, "--timeout", "0.2", "ptr", "198.18.25.16", "--json")
    code, out, _ = inboxready(capsys, *args)
    assert code == 3 and json.loads(out)["results"][0]["complete"] is False


def test_mtasts_command(capsys: pytest.CaptureFixture[str], policy_server: PolicyServer) -> None:
    tls = ("--ca-file", str(policy_server.ca), "--https-port", str(policy_server.port))
    code, out, _ = inboxready(capsys, STS_ZONE, "--no-color", "mtasts", "good.sts.test", *tls)
    assert code == 0 and "mode enforce" in out and "v=TLSRPTv1" in out and "No findings." in out
    code, out, _ = inboxready(capsys, STS_ZONE, "mtasts", "mismatch.sts.test", *tls, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["mtasts"]["policy"]["mode"] == "enforce"
    assert {f["code"] for f in doc["findings"]} == {"mtasts-mx-mismatch", "mtasts-mx-unused", "tlsrpt-missing"}
    code, out, _ = inboxready(capsys, STS_ZONE, "mtasts", "badcert.sts.test", *tls)
    assert code == 1 and "certificate not valid" in out


def test_mtasts_live_dns(capsys: pytest.CaptureFixture[str], dns_server, policy_server: PolicyServer) -> None:  # type: ignore[no-untyped-def]
    tls = ("--ca-file", str(policy_server.ca), "--https-port", str(policy_server.port))
    code, out, _ = inboxready(capsys, "--nameserver", dns_server.address, "mtasts", "good.sts.test", *tls, "--json")
    assert code == 0 and json.loads(out)["mtasts"]["http_status"] == 200


def test_bimi_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = inboxready(capsys, STS_ZONE, "bimi", "weakdmarc.sts.test", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["published"] is True  # a warning and an info: below --fail-on error
    assert {f["code"] for f in doc["findings"]} == {"bimi-dmarc-not-enforced", "bimi-no-authority"}
    code, out, _ = inboxready(capsys, STS_ZONE, "--no-color", "bimi", "badrecord.sts.test")
    assert code == 1 and "bimi-invalid" in out
    code, _, err = inboxready(capsys, "bimi", "not a domain")
    assert code == 2 and "is not a domain name" in err
