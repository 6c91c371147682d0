"""`inboxready apply` and `inboxready policy` through the console entry point, against real servers."""

from __future__ import annotations

import hashlib
import io
import json
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxready.cli.main import run
from tests.hosts.tls_server import make_pki
from tests.publish.conftest import DEMO_POLICY, PROVIDER_ZONES
from tests.publish.servers import API_KEY, PowerDns, free_port
from tests.publish.test_apply_powerdns import KEY_ENV, VERIFICATION, write_policy
from tests.publish.test_document import HEAD

ZONE_ARGS = [arg for p in PROVIDER_ZONES for arg in ("--zone", str(p))]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def acme(powerdns: PowerDns, monkeypatch: pytest.MonkeyPatch) -> PowerDns:
    powerdns.load_zone("acme.example", (DEMO_POLICY.parent / "zones" / "acme.example.zone").read_text())
    monkeypatch.setenv(KEY_ENV, API_KEY)
    return powerdns


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_apply_dry_run_yes_idempotent_rollback(tmp_path: Path, acme: PowerDns,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(write_policy(tmp_path, acme).path)
    before = acme.rrsets("acme.example")
    code, out, err = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns")
    assert code == 1, err
    assert "update acme.example TXT" in out and "(kept)" in out and "Dry run: nothing changed" in out
    assert acme.rrsets("acme.example") == before

    code, out, err = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns", "--yes", "--json")
    assert code == 0, err + out
    data = json.loads(out)
    assert data["mode"] == "applied" and data["visible"] is True and data["diff"]["clean"] is True
    assert Path(data["state_file"]).exists()
    apex = acme.rrsets("acme.example")[("acme.example", "TXT")]
    assert VERIFICATION in apex and sum(v.startswith("v=spf1") for v in apex) == 1

    code, out, _ = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns", "--yes")
    assert code == 0 and "Nothing to change" in out and "diff: clean" in out

    code, out, err = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns", "--rollback", "--yes")
    assert code == 0, err + out
    assert "Rolled back" in out
    after = acme.rrsets("acme.example")
    assert {k: v for k, v in after.items() if k[1] != "SOA"} == {k: v for k, v in before.items() if k[1] != "SOA"}
    code, _, err = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns", "--rollback")
    assert code == 2 and "no applied changes to roll back" in err


def test_apply_asks_on_a_terminal_and_no_means_no(tmp_path: Path, acme: PowerDns, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(write_policy(tmp_path, acme).path)
    before = acme.rrsets("acme.example")
    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    code, out, _ = cli(capsys, *ZONE_ARGS, "apply", "--policy", policy, "--target", "pdns")
    assert code == 1 and "Make these" in out and "Nothing changed." in out
    assert acme.rrsets("acme.example") == before


def test_apply_bad_target_and_missing_credentials(tmp_path: Path, powerdns: PowerDns,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(write_policy(tmp_path, powerdns).path)
    monkeypatch.delenv(KEY_ENV, raising=False)
    code, _, err = cli(capsys, "apply", "--policy", policy, "--target", "pdns")
    assert code == 2 and f"environment variable {KEY_ENV}" in err and "Traceback" not in err
    code, _, err = cli(capsys, "apply", "--policy", policy, "--target", "nope")
    assert code == 2 and "no target 'nope'; targets: pdns" in err


def test_secrets_in_settings_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inboxready.yaml"
    path.write_text(DEMO_POLICY.read_text() + "targets:\n  p:\n    provider: powerdns\n    zone: acme.example\n"
                    "    api_url: http://127.0.0.1:1\n    credentials: {env: K}\n    settings: {api_key: s3cret}\n")
    code, _, err = cli(capsys, "apply", "--policy", str(path), "--target", "p")
    assert code == 2 and f"{path}:" in err and "secrets belong in credentials" in err and "s3cret" not in err


@pytest.fixture
def document_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[int, Path, Path]]:
    """`inboxready policy serve` in a subprocess, serving the demo document; (port, CA, policy)."""
    ca, cert, key = make_pki(tmp_path, ["acme.example"])
    document = tmp_path / "emailpolicy.json"
    code, _, err = cli(capsys, *ZONE_ARGS, "policy", "document", "--policy", str(DEMO_POLICY), "--output",
                       str(document))
    assert code == 0, err
    process = subprocess.Popen(
        [sys.executable, "-m", "inboxready", "policy", "serve", "--document", str(document), "--listen",
         "127.0.0.1:0", "--cert", str(cert), "--key", str(key)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        line = process.stdout.readline() if sel.select(timeout=30) else ""
    assert line.startswith("Serving https://127.0.0.1:"), line
    port = int(line.split(":")[2].split("/")[0])
    policy = tmp_path / "inboxready.yaml"
    policy.write_text(DEMO_POLICY.read_text() +
                      f"policy_document:\n  url: https://acme.example:{port}/.well-known/emailpolicy.json\n")
    try:
        yield port, ca, policy
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_policy_document_serve_verify(tmp_path: Path, document_server: tuple[int, Path, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    port, ca, policy = document_server
    code, out, err = cli(capsys, *ZONE_ARGS, "plan", "--policy", str(policy), "--format", "zone")
    zone_body = out.split("$TTL 3600\n", 1)[1]
    code, out, err = cli(capsys, *ZONE_ARGS, "policy", "document", "--policy", str(policy), "--json")
    assert code == 0, err
    pointer = json.loads(out)["pointer"]
    assert pointer["url"] == f"https://acme.example:{port}/.well-known/emailpolicy.json"
    zone = tmp_path / "acme.example.zone"
    zone.write_text(HEAD + zone_body + f'_emailpolicy IN TXT "{pointer["record"]}"\n@ IN A 127.0.0.1\n')

    code, out, err = cli(capsys, *ZONE_ARGS, "--zone", str(zone), "policy", "verify", "acme.example",
                         "--ca-file", str(ca), "--json")
    assert code == 0, out + err
    assert json.loads(out)["ok"] is True

    zone.write_text(zone.read_text().replace("p=reject", "p=quarantine"))
    code, out, _ = cli(capsys, *ZONE_ARGS, "--zone", str(zone), "policy", "verify", "acme.example",
                       "--ca-file", str(ca))
    assert code == 1 and "policy-doc-record-mismatch" in out


def test_policy_document_to_stdout_is_exactly_the_digested_bytes(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    with pytest.raises(SystemExit):
        run([*ZONE_ARGS, "policy", "document", "--policy", str(DEMO_POLICY)])
    out, err = capfdbinary.readouterr()
    assert f"h=sha256:{hashlib.sha256(out).hexdigest()}".encode() in err
    assert json.loads(out)["version"] == "EP1"


def test_apply_refuses_an_incomplete_plan(tmp_path: Path, acme: PowerDns, capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(write_policy(tmp_path, acme).path)
    before = acme.rrsets("acme.example")
    silent = f"127.0.0.1:{free_port()}"  # nothing answers there: the providers' SPF includes time out
    code, _, err = cli(capsys, "--nameserver", silent, "--timeout", "0.2", "apply", "--policy", policy,
                       "--target", "pdns", "--yes")
    assert code == 3 and "nothing was applied" in err
    assert acme.rrsets("acme.example") == before
