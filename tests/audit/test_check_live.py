"""`check` in bulk over real DNS: the loopback server on tests/fixtures/zones (see tests/conftest.py).

A name whose first label is `x-timeout` is never answered by that server: the domain under it must
end as that domain's own "could not check" result (grade '?', exit-3 state) while every other
domain in the same run completes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxready.audit.bulk import audit_many
from inboxready.cli.main import run

DOMAINS = ["dmarc-good.example", "dkim-acme.example", "fcrdns.test"]
STUCK = "x-timeout.dmarc-good.example"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_jsonl_has_one_line_per_domain_and_a_timeout_stays_with_its_domain(  # type: ignore[no-untyped-def]
    dns_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text(f"# customers\n{DOMAINS[0]}\n\n{STUCK}   # the server never answers this name\n")
    code, out, err = cli(capsys, "--nameserver", dns_server.address, "--timeout", "0.2", "check",
                         "--domains", str(listing), "--jsonl", "--concurrency", "2", *DOMAINS[1:])
    lines = out.splitlines()
    reports = {r["domain"]: r for r in map(json.loads, lines)}
    assert len(lines) == 4 and sorted(reports) == sorted([*DOMAINS, STUCK]), err
    assert code == 3  # one domain could not be checked; the run still finished every domain

    stuck = reports.pop(STUCK)
    assert stuck["complete"] is False and stuck["grade"] == "?"
    assert any(STUCK in line and "timed out" in line for line in stuck["unchecked"])
    assert "dns-lookup-failed" in {f["code"] for f in stuck["findings"]}
    # What did not time out was still checked: DMARC falls back to the organizational domain.
    assert stuck["dmarc"]["found_at"] == "_dmarc.dmarc-good.example"

    for domain, report in reports.items():
        assert report["complete"] is True and report["unchecked"] == [], domain
        assert report["grade"] != "?" and report["dns_queries"] > 0
        assert "dns-lookup-failed" not in {f["code"] for f in report["findings"]}, domain
    assert reports["dmarc-good.example"]["dmarc"]["record"].startswith("v=DMARC1; p=reject")
    codes = {domain: {f["code"] for f in r["findings"]} for domain, r in reports.items()}
    assert "spf-missing" in codes["fcrdns.test"] and "spf-missing" not in codes["dkim-acme.example"]
    assert "dmarc-missing" in codes["dkim-acme.example"] and "dmarc-missing" not in codes["dmarc-good.example"]


async def test_audit_many_isolates_the_timeout(dns_server) -> None:  # type: ignore[no-untyped-def]
    resolver = dns_server.resolver(timeout=0.2, retries=0)
    try:
        reports = [r async for r in audit_many([STUCK, *DOMAINS], resolver, concurrency=2)]
    finally:
        await resolver.aclose()
    assert sorted(r.domain for r in reports) == sorted([*DOMAINS, STUCK])
    codes = {r.domain: r.exit_code() for r in reports}
    assert codes.pop(STUCK) == 3
    assert set(codes.values()) <= {0, 1}
