"""`inboxready message check` on the demo messages, and the `gateway` command line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inboxready.cli.main import run
from inboxready.demo import demo_zone_files
from inboxready.dkim.keys import KeyAlgorithm, generate_key
from inboxready.dkim.signing import sign_message
from inboxready.message.spool import Spool
from inboxready.testing.spamd import SpamdProcess, free_port
from tests.message.conftest import DEMO_MESSAGES, SELECTOR, SHOP, ShopDomain, Sink, shop_message

ZONES = [arg for path in demo_zone_files() for arg in ("--zone", str(path))]
OWN_SERVER = "203.0.113.25"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def check_json(capsys: pytest.CaptureFixture[str], name: str, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, err = cli(capsys, *ZONES, "message", "check", str(DEMO_MESSAGES / f"{name}.eml"), "--json", *extra)
    assert err == ""
    return code, json.loads(out)


def codes(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["code"] for f in report["findings"]}


class TestDemoMessages:
    """The four sample messages of the demo organisation, each reported for what it is."""

    def test_good(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = check_json(capsys, "good", "--ip", OWN_SERVER)
        assert code == 0
        assert report["findings"] == []
        assert report["grade"]["letter"] == "A" and report["grade"]["score"] == 10.0
        auth = report["authentication"]
        assert [s["result"] for s in auth["spf"]] == ["pass"]
        assert [d["result"] for d in auth["dkim"]] == ["pass"]
        assert auth["dmarc"]["result"] == "pass"
        assert "dmarc=pass" in auth["authentication_results"]
        assert report["headers"]["list_unsubscribe"]["one_click"] is True

    def test_unsigned(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = check_json(capsys, "unsigned", "--ip", OWN_SERVER)
        assert codes(report) == {"msg-dkim-none"}
        assert code == 0  # a warning: below the default --fail-on error
        assert report["authentication"]["dmarc"]["result"] == "pass"  # SPF aligned

    def test_unsigned_from_a_stranger_fails_dmarc(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = check_json(capsys, "unsigned", "--ip", "198.51.100.7")
        assert {"msg-dkim-none", "msg-spf-fail", "msg-dmarc-fail"} <= codes(report)
        assert code == 1

    def test_broken_signature(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = check_json(capsys, "broken-signature", "--ip", OWN_SERVER)
        assert "msg-dkim-fail" in codes(report)
        finding = next(f for f in report["findings"] if f["code"] == "msg-dkim-fail")
        assert finding["severity"] == "error" and "body hash" in finding["message"]
        assert code == 1

    def test_bulk_without_unsubscribe(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, report = check_json(capsys, "bulk-without-unsubscribe", "--ip", OWN_SERVER)
        assert codes(report) == {"msg-no-unsubscribe"}
        assert report["headers"]["bulk"] is True
        assert code == 1

    def test_every_demo_message_is_covered(self) -> None:
        assert {p.stem for p in DEMO_MESSAGES.glob("*.eml")} == {
            "good", "unsigned", "broken-signature", "bulk-without-unsubscribe"
        }


def test_text_output_without_ip_says_what_needs_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, *ZONES, "--no-color", "message", "check", str(DEMO_MESSAGES / "good.eml"))
    assert code == 0
    assert "grade A" in out
    assert "no connecting IP" in out and "--ip" in out
    assert "Authentication-Results:" in out
    assert "Content not scored" in out


def test_policy_supplies_the_sending_servers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "inboxready.yaml"
    policy.write_text(
        "domain: acme.example\n"
        "servers:\n  - ip: [203.0.113.25, 198.51.100.7]\n    helo: mail.acme.example\n"
        "silence: [msg-bulk-no-list-id]\n"
    )
    code, report = check_json(capsys, "good", "--policy", str(policy))
    auth = report["authentication"]
    assert auth["ip_source"] == "policy"
    assert auth["envelope"]["ip"] == OWN_SERVER and auth["envelope"]["helo"] == "mail.acme.example"
    assert [d["ip"] for d in auth["declared_servers"]] == ["198.51.100.7"]
    assert [d["result"] for d in auth["declared_servers"]] == ["fail"]
    assert "msg-spf-fail" in codes(report)  # the second declared server is not in news.acme.example's SPF


def test_html_page_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "report.html"
    code, _, _ = cli(capsys, *ZONES, "message", "check", str(DEMO_MESSAGES / "broken-signature.eml"),
                     "--ip", OWN_SERVER, "--html", str(page))
    html = page.read_text()
    assert code == 1
    assert "msg-dkim-fail" in html and "Authentication-Results" in html
    assert not re.search(r"""(src|href)=["']https?:""", html.split("<main>")[0])
    assert "<script" not in html


def test_html_escapes_what_the_message_says(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eml, page = tmp_path / "hostile.eml", tmp_path / "hostile.html"
    eml.write_bytes(shop_message(subject="<script>alert(1)</script>", sender="<img src=x>@shop.example"))
    cli(capsys, *ZONES, "message", "check", str(eml), "--html", str(page))
    html = page.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html


def test_spamd_scores_the_content(capsys: pytest.CaptureFixture[str], spamd: SpamdProcess) -> None:
    code, report = check_json(capsys, "good", "--ip", OWN_SERVER, "--spamd", spamd.address)
    assert report["spam"]["is_spam"] is False and report["spam"]["threshold"] == 5.0
    assert all(r["name"] and r["description"] for r in report["spam"]["rules"])
    assert report["spam_error"] is None and code == 0


def test_unreachable_spamd_gives_the_rest(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, "good", "--ip", OWN_SERVER, "--spamd", f"127.0.0.1:{free_port()}")
    assert codes(report) == {"msg-spamd-unavailable"}
    assert report["spam"] is None and "cannot reach spamd" in report["spam_error"]
    assert report["authentication"]["dmarc"]["result"] == "pass" and code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["message", "check", "/nonexistent/x.eml"], "cannot read"),
    (["message", "check", "{empty}"], "not an RFC 5322 message"),
    (["message", "check", "{good}", "--ip", "300.1.1.1"], "not an IPv4 or IPv6 address"),
    (["message", "check", "{good}", "--spamd", "host:notaport"], "spamd address"),
    (["message", "check", "{good}", "--policy", "/nonexistent.yaml"], "no policy file"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    filled = [a.format(empty=empty, good=DEMO_MESSAGES / "good.eml") for a in args]
    code, out, err = cli(capsys, *ZONES, *filled)
    assert code == 2 and message in err and "Traceback" not in err


def test_dns_failure_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str], shop: ShopDomain,
                             dns_server) -> None:  # type: ignore[no-untyped-def]
    # the key of selector x-timeout is never answered by the loopback server: DKIM temperror
    raw = sign_message(shop_message(sender="news@news.acme.example"), domain="news.acme.example",
                       selector="x-timeout", key=shop.key)
    eml = tmp_path / "m.eml"
    eml.write_bytes(raw)
    code, out, _ = cli(capsys, "--nameserver", dns_server.address, "--timeout", "0.3", "message", "check",
                       str(eml), "--json")
    report = json.loads(out)
    assert code == 3
    assert report["grade"]["letter"] == "?"
    assert any("DKIM" in line for line in report["not_checked"])
    assert report["authentication"]["dmarc"]["result"] == "unknown"


# --- gateway command line -------------------------------------------------------------------------


def gateway_files(tmp_path: Path, shop: ShopDomain) -> tuple[Path, Path]:
    """The policy (public key declared), the private key as SELECTOR.pem beside it, and the zone."""
    (tmp_path / f"{SELECTOR}.pem").write_bytes(shop.pem)
    policy = tmp_path / "inboxready.yaml"
    policy.write_text(f"domain: {SHOP}\nservers:\n  - ip: 192.0.2.10\n    helo: mail.{SHOP}\n"
                      f"    dkim: {{selector: {SELECTOR}, key: \"{shop.key.pair.record_value()}\"}}\n")
    zone = tmp_path / "shop.zone"
    zone.write_text(shop.zone_text)
    return policy, zone


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "gateway exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gateway did not start listening")


async def test_gateway_command_end_to_end(tmp_path: Path, shop: ShopDomain, sink: Sink) -> None:
    policy, zone = gateway_files(tmp_path, shop)
    port = free_port()
    command = [sys.executable, "-m", "inboxready", "--zone", str(zone), "gateway", "--listen", f"127.0.0.1:{port}",
               "--upstream", sink.address, "--policy", str(policy), "--spool", str(tmp_path / "spool")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        await asyncio.to_thread(wait_for_port, port, process)

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail(f"orders@{SHOP}", ["pat@example.org"], shop_message())

        await asyncio.to_thread(send)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        _, err = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, err
    assert "listening on" in err and "1 relayed" in err
    assert len(sink.messages) == 1
    assert (sink.messages[0].original_content or b"").startswith(b"DKIM-Signature:")


def test_list_release_and_discard_held(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spool = Spool(tmp_path / "spool")
    entry = spool.hold(shop_message(), mail_from=f"orders@{SHOP}", rcpt_tos=["pat@example.org"], reasons=["test"])
    code, out, _ = cli(capsys, "gateway", "--spool", str(tmp_path / "spool"), "--list-held", "--json")
    assert code == 0 and [h["id"] for h in json.loads(out)["held"]] == [entry.id]
    code, _, err = cli(capsys, "gateway", "--spool", str(tmp_path / "spool"), "--discard", "nope-1")
    assert code == 2 and "no held message" in err
    code, out, _ = cli(capsys, "gateway", "--spool", str(tmp_path / "spool"), "--discard", entry.id)
    assert code == 0 and spool.held() == []


async def test_release_through_the_command(tmp_path: Path, sink: Sink) -> None:
    spool = Spool(tmp_path / "spool")
    entry = spool.hold(shop_message(), mail_from=f"orders@{SHOP}", rcpt_tos=["pat@example.org"], reasons=["x"])
    done = await asyncio.to_thread(subprocess.run, [
        sys.executable, "-m", "inboxready", "gateway", "--spool", str(tmp_path / "spool"), "--upstream", sink.address,
        "--release", entry.id], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(sink.messages) == 1 and spool.held() == []


def test_hash_password(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret\n"))
    code, out, _ = cli(capsys, "gateway", "--hash-password")
    assert code == 0 and out.startswith("{SCRYPT}") and "s3cret" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["gateway", "--listen", "127.0.0.1:2525"], "--upstream"),
    (["gateway", "--upstream", "127.0.0.1:25"], "--listen"),
    (["gateway", "--listen", "nohost", "--upstream", "127.0.0.1:25"], "HOST:PORT"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "/nope.yaml"],
     "no policy file"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "{policy}",
      "--allow", "bogus"], "not a network"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "{policy}",
      "--tls-cert", "/nope.pem"], "--tls-key"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "{policy}",
      "--dkim-key", "other=/x.pem"], "not declared"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "{policy}",
      "--dkim-key", f"{SELECTOR}={{other_key}}"], "not the private half"),
    (["gateway", "--listen", "127.0.0.1:2525", "--upstream", "127.0.0.1:25", "--policy", "{policy}",
      "--dkim-key", "nofile"], "SELECTOR=FILE"),
])
def test_gateway_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str], shop: ShopDomain,
                             args: list[str], message: str) -> None:
    policy, _ = gateway_files(tmp_path, shop)
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(generate_key(KeyAlgorithm.ED25519).private_pem)
    filled = [a.format(policy=policy, other_key=other_key) for a in args]
    code, _, err = cli(capsys, *filled, "--spool", str(tmp_path / "spool"))
    assert code == 2 and message in err and "Traceback" not in err
