"""`inboxready blocklists`: text, JSON and exit codes, against the test lists and zones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxready.cli.main import run

HERE = Path(__file__).resolve().parent
LISTS = str(HERE / "lists.yaml")
ZONES = [f"--zone={p}" for p in sorted((HERE.parent / "fixtures" / "zones").glob("blocklists-*.zone"))]


def only(tmp_path: Path, *ids: str) -> str:
    """A lists file with some of the test lists."""
    import yaml

    data = yaml.safe_load(Path(LISTS).read_text())
    data["lists"] = [entry for entry in data["lists"] if entry["id"] in ids]
    path = tmp_path / "some.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def inboxready(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_listed_is_exit_1_with_the_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lists = only(tmp_path, "test-zen", "test-dbl", "test-wild")
    code, out, _ = inboxready(capsys, *ZONES, "--no-color", "blocklists", "198.18.99.2", "spammy.example",
                              "--lists", lists)
    assert code == 1
    assert "blocklist-listed" in out and "SBL: spam source" in out and "https://check.dnsbl.test/" in out
    assert "wild.dnsbl.test" in out and "blocklist-list-broken" in out


def test_clean_is_exit_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lists = only(tmp_path, "test-zen", "test-dbl", "test-multi", "test-wild")
    code, out, _ = inboxready(capsys, *ZONES, "blocklists", "198.18.99.1", "clean.example", "--lists", lists, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["listed"] == [] and doc["complete"] is True
    assert {r["status"] for r in doc["results"]} == {"not_listed", "skipped"}


def test_error_codes_are_exit_3_never_listed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lists = only(tmp_path, "test-zen", "test-multi")
    code, out, _ = inboxready(capsys, *ZONES, "blocklists", "198.18.99.254", "blocked.example", "--lists", lists,
                              "--json")
    doc = json.loads(out)
    assert code == 3 and doc["listed"] == [] and doc["complete"] is False
    assert {f["code"] for f in doc["findings"]} == {"blocklist-unchecked"}


def test_live(capsys: pytest.CaptureFixture[str], dns_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lists = only(tmp_path, "test-zen", "test-wild")
    code, out, _ = inboxready(capsys, "--nameserver", dns_server.address, "blocklists", "198.18.99.10",
                              "--lists", lists, "--json")
    doc = json.loads(out)
    assert code == 1 and doc["listed"] == ["198.18.99.10"]
    zen = next(r for r in doc["results"] if r["list"] == "test-zen")
    assert zen["answers"] == ["127.0.0.10"] and zen["meanings"] == ["PBL: end-user address (ISP)"]


def test_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = inboxready(capsys, *ZONES, "blocklists", "not a target", "--lists", LISTS)
    assert code == 2 and "neither an IP address nor a domain name" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("lists:\n  - {id: a, zone: bl.example, kind: ip}\n")
    code, _, err = inboxready(capsys, *ZONES, "blocklists", "192.0.2.1", "--lists", str(broken))
    assert code == 2 and f"{broken}:2:" in err and len(err.strip().splitlines()) == 1
