"""`inboxready providers list|show`: table and JSON, with sources and unconfirmed facts shown."""

from __future__ import annotations

import json

import pytest

from inboxready.cli.main import run


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_list_json_names_every_service(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "providers", "list", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["providers"]) == 21
    ses = next(p for p in data["providers"] if p["slug"] == "amazon-ses")
    assert ses["dmarc_via"] == ["dkim", "spf"] and ses["checked"] == "2026-11-28"


def test_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--no-color", "providers", "list")
    assert code == 0 and "microsoft365" in out and "own-server" in out


def test_show_text_has_steps_sources_and_unconfirmed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "providers", "show", "microsoft365")
    assert code == 0
    assert "Set-DkimSigningConfig -Identity {domain} -Enabled $true" in out
    assert "https://learn.microsoft.com/en-us/defender-office-365/email-authentication-dkim-configure" in out
    assert "(unconfirmed)" in out and "checked 2026-11-28" in out


def test_show_json_carries_sources_per_fact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "providers", "show", "google-workspace", "--json")
    data = json.loads(out)
    assert code == 0 and data["dkim"]["form"] == "txt"
    assert data["facts"]["envelope"]["unconfirmed"] is True
    assert data["facts"]["dkim"]["sources"][0].startswith("https://support.google.com/a/answer/174124")
    assert any("Start authentication" in s["text"] for s in data["steps"])


def test_show_unknown_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "providers", "show", "mailchim")
    assert code == 2 and "did you mean mailchimp" in err and "Traceback" not in err
