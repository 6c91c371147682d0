"""The CLI contract: help everywhere, exit codes, one-line errors, JSON that matches its schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner

from inboxready.cli.main import COMMANDS, main

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "schemas" / "report.schema.json").read_text())


def inboxready(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inboxready", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_all_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize("path", [(), *_all_commands(main)], ids=lambda p: " ".join(p) or "top")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="inboxready")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    body = result.output.split("Options:")[0]
    assert "inboxready " in body or "Example" in body, f"{' '.join(path)} --help has no example"


def test_registered_names_match_the_commands() -> None:
    ctx = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name


def test_top_level_help_does_not_import_the_commands() -> None:
    code = (
        "import sys; from inboxready.cli.main import run; "
        "print(sorted(m for m in sys.modules if m.startswith('inboxready.cli.')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "inboxready.cli.reports" not in result.stdout and "inboxready.cli.spf" not in result.stdout


def test_demo_reports_findings_and_matches_the_schema() -> None:
    result = inboxready("demo", "--json")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["domain"] == "acme.example"
    assert report["findings"], "the demo organisation has known mistakes"
    assert report["complete"] is True
    errors = report["summary"]["error"]
    assert result.returncode == (1 if errors else 0)


def test_demo_text_has_no_colour_codes_when_not_a_terminal() -> None:
    result = inboxready("demo", env={"NO_COLOR": "1"})
    assert "acme.example" in result.stdout
    assert "\x1b[" not in result.stdout


def test_global_options_work_before_and_after_the_command() -> None:
    before = inboxready("--json", "demo")
    after = inboxready("demo", "--json")
    assert json.loads(before.stdout) == json.loads(after.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ("no-such-command",),
        ("demo", "--no-such-option"),
        ("--timeout", "-1", "demo"),
        ("--timeout", "abc", "demo"),
        ("demo", "--fail-on", "sometimes"),
    ],
)
def test_bad_usage_exits_2_without_traceback(args: tuple[str, ...]) -> None:
    result = inboxready(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_unreadable_and_broken_zone_files_are_one_line_errors(tmp_path: Path) -> None:
    missing = inboxready("--zone", str(tmp_path / "nope.zone"), "demo")
    assert missing.returncode == 2
    assert "nope.zone" in missing.stderr and "Traceback" not in missing.stderr
    broken = tmp_path / "broken.zone"
    broken.write_text("$ORIGIN broken.example.\n$TTL 300\n@ SOA ns h 1 2 3 4 5\nwww A 1.2.3\n")
    result = inboxready("--zone", str(broken), "demo")
    assert result.returncode == 2
    assert f"{broken}:4:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_zone_file_layered_over_the_demo_changes_the_result(tmp_path: Path) -> None:
    fixed = tmp_path / "acme.example.zone"
    demo_zone = (REPO / "src/inboxready/demo/zones/acme.example.zone").read_text()
    fixed.write_text(demo_zone.replace("@               IN MX   20 mx2.acme.example.\n", ""))
    before = json.loads(inboxready("demo", "--json").stdout)
    after = json.loads(inboxready("--zone", str(fixed), "demo", "--json").stdout)
    assert "mx-cname" in {f["code"] for f in before["findings"]}
    assert "mx-cname" not in {f["code"] for f in after["findings"]}


def test_version() -> None:
    result = inboxready("--version")
    assert result.returncode == 0 and "inboxready" in result.stdout


def test_demo_shows_every_class_of_check() -> None:
    report = json.loads(inboxready("demo", "--json").stdout)
    areas = {f["code"].split("-", 1)[0] for f in report["findings"]}
    expected = {"spf", "dkim", "dmarc", "mx", "ptr", "blocklist", "mtasts", "tlsrpt", "bimi", "plan", "report"}
    assert expected <= areas, expected - areas
    assert {i["key"] for i in report["requirements"]["items"]} >= {"spf", "dkim", "dmarc", "rdns"}
    assert report["senders"]["paths"] and report["reports"]["messages"] > 0


def test_a_problem_the_checks_report_is_not_counted_again_by_the_plan_diff() -> None:
    report = json.loads(inboxready("demo", "--json").stdout)
    subjects = {f["subject"] for f in report["findings"] if not f["code"].startswith("plan-")}
    plan_names = {f["data"]["name"] for f in report["findings"] if f["code"].startswith("plan-record-")}
    assert not plan_names & subjects
    [k3] = [f for f in report["findings"] if f["subject"] == "k3._domainkey.acme.example"]
    assert k3["code"] == "dkim-missing-selector" and "CNAME dkim3.mcsv.net." in k3["fix"]  # the plan's exact record
