"""`inboxready spf …`: output, JSON shapes and exit codes, offline from the fixture zones."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from inboxready.cli.main import main
from tests.spf.conftest import ZONES

P = "prov.spftest.example"
ZONE_ARGS = [arg for path in ZONES for arg in ("--zone", str(path))]


def invoke(*args: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(main, [*ZONE_ARGS, *args])
    return result.exit_code, result.output


def test_check_json_and_exit_codes() -> None:
    code, out = invoke("spf", "check", "54.240.1.1", "alice@acme.spftest.example", "--json")
    data = json.loads(out)
    assert code == 0 and data["result"] == "pass"
    assert {"result", "explanation", "matched", "dns_lookups", "void_lookups", "trace"} <= set(data)
    assert data["path"] == f"include:ses.{P} → ip4:54.240.0.0/18"
    assert [m["term"] for m in data["matched"]] == [f"include:ses.{P}", "ip4:54.240.0.0/18"]
    code, out = invoke("spf", "check", "198.51.100.1", "alice@acme.spftest.example")
    assert code == 0 and out.startswith("fail") and "via -all" in out
    code, out = invoke("spf", "check", "2001:db8:10::25", "", "--helo", "acme.spftest.example", "--json")
    assert code == 0 and json.loads(out)["result"] == "pass"


def test_check_bad_input_exits_2() -> None:
    from inboxready.cli.main import run as cli_run

    for args in (["spf", "check", "1.2.3.x", "a@b.example"], ["spf", "check", "192.0.2.1", ""]):
        try:
            cli_run([*ZONE_ARGS, *args])
        except SystemExit as exc:
            assert exc.code == 2
        else:  # pragma: no cover
            raise AssertionError("no exit")


def test_analyze_text_json_and_fail_on() -> None:
    code, out = invoke("spf", "analyze", "acme.spftest.example")
    assert code == 0 and "8/10 DNS lookups" in out and f"include:_spf.mailhost.{P}  cost 4" in out
    code, out = invoke("spf", "analyze", "bloated.spftest.example", "--json")
    data = json.loads(out)
    assert code == 1 and data["dns_lookups"] == 12 and data["valid"] is False
    assert {f["code"] for f in data["findings"]} >= {"spf-too-many-lookups"}
    code, _ = invoke("spf", "analyze", "lenient.bloated.spftest.example", "--fail-on", "error")
    assert code == 0
    code, _ = invoke("spf", "analyze", "lenient.bloated.spftest.example", "--fail-on", "warning")
    assert code == 1


def test_analyze_with_senders() -> None:
    code, out = invoke("spf", "analyze", "acme.spftest.example", "--sender", f"sendgrid.{P}",
                       "--sender", "192.0.2.128/25", "--json")
    data = json.loads(out)
    assert code == 1
    assert [c["covered"] for c in data["coverage"]] == [False, True]
    assert "spf-sender-not-authorized" in {f["code"] for f in data["findings"]}


def test_optimize_prints_records_and_checks_drift(tmp_path: Path) -> None:
    code, out = invoke("spf", "optimize", "bloated.spftest.example", "--json")
    data = json.loads(out)
    assert code == 0 and data["within_limits"] and data["proof"]["equivalent"]
    assert data["source_record"].startswith("v=spf1 a mx include:")
    saved = tmp_path / "published.json"
    saved.write_text(out)
    code, out = invoke("spf", "optimize", "bloated.spftest.example", "--check-drift", str(saved),
                       "--published", str(saved))
    assert code == 0 and "matches" in out
    code, out = invoke("spf", "optimize", "bloated.spftest.example", "--check-drift", str(saved))
    assert code == 1 and "drifted" in out  # live DNS has the over-limit record: ses (lookup 12) is lost
    code, out = invoke("spf", "optimize", "acme.spftest.example", "--record", f"v=spf1 include:ses.{P} -all")
    assert code == 0 and 'acme.spftest.example. IN TXT "v=spf1 ip4:' in out


def test_help_has_examples() -> None:
    for command in ("check", "analyze", "optimize"):
        code, out = invoke("spf", command, "--help")
        assert code == 0 and "Examples:" in out


def test_json_matches_the_documented_schemas() -> None:
    import jsonschema

    docs = Path(__file__).resolve().parents[2] / "docs" / "schemas"
    check_schema = json.loads((docs / "spf-check.schema.json").read_text())
    analyze_schema = json.loads((docs / "spf-analyze.schema.json").read_text())
    for ip in ("54.240.1.1", "198.51.100.1", "2001:db8:10::25"):
        _, out = invoke("spf", "check", ip, "alice@acme.spftest.example", "--json")
        jsonschema.validate(json.loads(out), check_schema)
    for domain in ("acme.spftest.example", "bloated.spftest.example", "loop.bloated.spftest.example",
                   "nothing.bloated.spftest.example"):
        _, out = invoke("spf", "analyze", domain, "--sender", f"ses.{P}", "--json")
        jsonschema.validate(json.loads(out), analyze_schema)
