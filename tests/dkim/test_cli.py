"""`inboxready dkim ...`: keygen → sign → verify with --zone, exit codes, and one-line input errors."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from inboxready.cli.main import run
from tests.dkim.conftest import DKIM_ZONES, MESSAGE

ZONE_HEAD = "$ORIGIN example.org.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n"


def cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    """Run the console entry point in-process: (exit code, stdout bytes, stderr text)."""
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsysbinary.readouterr()
    return int(exited.value.code or 0), out, err.decode()


@pytest.mark.parametrize("algorithm", ["rsa-2048", "ed25519"])
def test_keygen_sign_verify_and_tamper(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], algorithm: str
) -> None:
    key = tmp_path / "s1.pem"
    code, out, _ = cli(capsysbinary, "dkim", "keygen", "--domain", "example.org", "--selector", "s1",
                       "--algorithm", algorithm, "--output", str(key), "--json")
    assert code == 0
    generated = json.loads(out)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and b"PRIVATE KEY" not in out
    assert generated["record"]["name"] == "s1._domainkey.example.org."
    assert all(len(s) <= 255 for s in generated["record"]["strings"])
    zone = tmp_path / "example.org.zone"
    zone.write_text(ZONE_HEAD + generated["record"]["zone_line"] + "\n")
    message = tmp_path / "msg.eml"
    message.write_bytes(MESSAGE.replace(b"dkim-acme.example", b"example.org"))
    signed = tmp_path / "signed.eml"

    code, out, err = cli(capsysbinary, "dkim", "sign", str(message), "--domain", "example.org",
                         "--selector", "s1", "--key", str(key), "--output", str(signed))
    assert (code, out, err) == (0, b"", "")
    code, out, _ = cli(capsysbinary, "--zone", str(zone), "dkim", "verify", str(signed), "--json")
    report = json.loads(out)
    assert code == 0 and report["result"] == "pass"
    [signature] = report["signatures"]
    assert (signature["domain"], signature["selector"], signature["body_hash_ok"]) == ("example.org", "s1", True)

    signed.write_bytes(signed.read_bytes().replace(b"attached", b"gone"))
    code, out, _ = cli(capsysbinary, "dkim", "verify", str(signed), "--zone", str(zone), "--no-color")
    assert code == 1 and b"FAIL" in out and b"body hash: MISMATCH" in out


def test_keygen_text_output_and_overwrite_refusal(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsysbinary, "dkim", "keygen", "--domain", "Example.ORG", "--selector", "k1")
    default = tmp_path / "k1._domainkey.example.org.pem"
    assert code == 0 and default.exists() and b"PRIVATE KEY" not in out
    assert b"k1._domainkey.example.org." in out and b"mode 0600" in out
    before = default.read_bytes()
    code, _, err = cli(capsysbinary, "dkim", "keygen", "--domain", "example.org", "--selector", "k1")
    assert code == 2 and "refusing to overwrite" in err and err.count("\n") == 1
    assert default.read_bytes() == before
    code, _, _ = cli(capsysbinary, "dkim", "keygen", "--domain", "example.org", "--selector", "k1", "--force")
    assert code == 0 and default.read_bytes() != before


def test_sign_to_stdout_with_chosen_headers(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    message = tmp_path / "msg.eml"
    message.write_bytes(MESSAGE)
    key = Path(__file__).resolve().parents[1] / "fixtures" / "dkim" / "ed25519.pem"
    code, out, _ = cli(capsysbinary, "dkim", "sign", str(message), "--domain", "dkim-acme.example",
                       "--selector", "ed", "--key", str(key), "--headers", "From:Subject")
    assert code == 0 and out.endswith(MESSAGE) and b"h=from : subject" in out
    signed = tmp_path / "signed.eml"
    signed.write_bytes(out)
    zones = [arg for z in DKIM_ZONES for arg in ("--zone", str(z))]
    code, out, _ = cli(capsysbinary, *zones, "dkim", "verify", str(signed), "--no-color")
    assert code == 0 and b"PASS" in out and b"ed25519 256 bits" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sign", "{msg}", "--domain", "d.example", "--selector", "s", "--key", "{garbage}"], "not a private key"),
        (["sign", "{missing}", "--domain", "d.example", "--selector", "s", "--key", "{key}"], "cannot read message"),
        (["sign", "{nofrom}", "--domain", "d.example", "--selector", "s", "--key", "{key}"], "From"),
        (["sign", "{msg}", "--domain", "d.example", "--selector", "s", "--key", "{missing}"], "cannot read key file"),
        (["verify", "{binary}"], "RFC 5322"),
        (["verify", "{missing}"], "cannot read message"),
        (["analyze", "d.example", "--selector", "bad selector"], "not a valid DKIM selector"),
        (["analyze", "bad domain"], "not a valid domain"),
        (["keygen", "--domain", "d.example", "--selector", "s", "--output", "{tmp}"], "is a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], args: list[str], message: str
) -> None:
    files = {"msg": MESSAGE, "garbage": b"not a key", "nofrom": b"To: x@example.net\r\n\r\nbody\r\n",
             "binary": b"\x00\x01\x02 no header\r\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = {name: str(tmp_path / name) for name in (*files, "missing")}
    paths["key"] = str(Path(__file__).resolve().parents[1] / "fixtures" / "dkim" / "rsa2048.pem")
    paths["tmp"] = str(tmp_path)
    code, _, err = cli(capsysbinary, "dkim", *(a.format(**paths) for a in args))
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_verify_without_signature_exits_1(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    message = tmp_path / "msg.eml"
    message.write_bytes(MESSAGE)
    code, out, _ = cli(capsysbinary, "--zone", str(DKIM_ZONES[0]), "dkim", "verify", str(message), "--json")
    assert code == 1 and json.loads(out) == {"signatures": [], "result": "none"}


def test_analyze_exit_codes_and_json(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    zones = [arg for z in DKIM_ZONES for arg in ("--zone", str(z))]
    code, out, _ = cli(capsysbinary, *zones, "dkim", "analyze", "dkim-acme.example", "--selector", "rsa2048",
                       "--selector", "provider", "--json")
    data = json.loads(out)
    assert code == 0 and data["findings"] == [] and [s["status"] for s in data["selectors"]] == ["found"] * 2
    code, out, _ = cli(capsysbinary, *zones, "dkim", "analyze", "dkim-acme.example", "--selector", "weak1024")
    assert code == 0 and b"dkim-weak-key" in out  # a warning: below the default --fail-on error
    code, _, _ = cli(capsysbinary, *zones, "dkim", "analyze", "dkim-acme.example", "--selector", "weak1024",
                     "--fail-on", "warning")
    assert code == 1
    code, out, _ = cli(capsysbinary, *zones, "dkim", "analyze", "dkim-discover.example", "--no-color")
    assert code == 0 and b"cannot prove that a selector is absent" in out
    assert b"CNAME \xe2\x86\x92 acme.dkim.dkim-provider.example" in out


def test_console_script_has_no_traceback_on_bad_key(tmp_path: Path) -> None:
    (tmp_path / "k.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    (tmp_path / "m.eml").write_bytes(MESSAGE)
    result = subprocess.run(
        [sys.executable, "-m", "inboxready", "dkim", "sign", str(tmp_path / "m.eml"), "--domain", "d.example",
         "--selector", "s", "--key", str(tmp_path / "k.pem")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and result.stderr.startswith("inboxready: cannot read the private key")
    assert result.stdout == ""
