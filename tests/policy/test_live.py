"""plan/diff over real DNS: the loopback server (tests/fixtures/zones/policy-live.zone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxready.cli.main import run

LIVE_POLICY = """\
domain: policy-live.test
senders:
  - service: mailchimp
servers:
  - ip: 192.0.2.25
    helo: mail.policy-live.test
dmarc: {policy: quarantine, rua: [dmarc@policy-live.test]}
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_diff_over_live_dns(dns_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "inboxready.yaml"
    policy.write_text(LIVE_POLICY)
    code, out, err = cli(capsys, "--nameserver", dns_server.address, "diff", "--policy", str(policy), "--json")
    assert code == 1, err
    data = json.loads(out)
    changes = [(c["action"], c["name"], c["type"]) for c in data["changes"] if c["action"] != "ok"]
    own = [c for c in changes if not c[1].endswith("in-addr.arpa")]
    assert own == [("missing", "k3._domainkey.policy-live.test", "CNAME")]
    untouched = [c for c in data["changes"] if c["expected"] is None and c["action"] == "ok"]
    assert untouched[0]["actual"] == ["site-verification=4b1c"]


def test_dns_timeout_exits_3(dns_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "inboxready.yaml"
    policy.write_text(LIVE_POLICY.replace("helo: mail.policy-live.test", "helo: x-timeout.policy-live.test"))
    code, out, _ = cli(capsys, "--nameserver", dns_server.address, "--timeout", "0.2", "diff", "--policy",
                       str(policy))
    assert code == 3 and "Could not check" in out and "x-timeout.policy-live.test" in out
