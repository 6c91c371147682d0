"""`inboxready reports ingest|summary`: the JSON contracts, --html, errors as one line and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports.conftest import IMAP_USERS
from tests.reports.factory import Rec, aggregate_xml, gzipped, report_email, tls_json, zipped
from tests.reports.servers import DovecotServer
from tests.reports.test_imap import folder_size, load_mailbox
from tests.services import corpus_path


def inboxready(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inboxready", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def reports_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes(aggregate_xml([Rec("192.0.2.1", 5), Rec("198.51.100.9", 2, dkim="fail",
                                                                              spf="fail")], report_id="a"))
    (folder / "b.xml.gz").write_bytes(gzipped(aggregate_xml([Rec("192.0.2.1", 3)], report_id="b")))
    (folder / "c.zip").write_bytes(zipped(aggregate_xml([Rec("192.0.2.2", 1)], report_id="c")))
    (folder / "t.json").write_bytes(tls_json())
    (folder / "broken.xml").write_bytes(b"<feedback><report_metadata>")
    return folder


def test_ingest_and_summary_json(reports_dir: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    result = inboxready("--db", db, "reports", "ingest", str(reports_dir), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("ingested", "duplicates", "quarantined", "files")} == {
        "ingested": 4, "duplicates": 0, "quarantined": 1, "files": 5}
    again = json.loads(inboxready("reports", "ingest", str(reports_dir), "--json", "--db", db).stdout)
    assert (again["ingested"], again["duplicates"], again["quarantined"]) == (0, 4, 1)

    html = tmp_path / "summary.html"
    result = inboxready("reports", "summary", "--db", db, "--json", "--no-dns", "--html", str(html))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["reports"], summary["messages"], summary["dmarc_pass"], summary["dmarc_fail"]) == (3, 11, 9, 2)
    assert summary["quarantined"] == 1
    assert {s["ip"]: s["messages"] for s in summary["sources"]} == {"192.0.2.1": 8, "198.51.100.9": 2,
                                                                    "192.0.2.2": 1}
    assert {f["code"] for f in summary["findings"]} >= {"report-quarantined", "report-source-unauthorized"}
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page.split("</style>")[0]


def test_summary_text_and_fail_on(reports_dir: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    inboxready("--db", db, "reports", "ingest", str(reports_dir))
    text = inboxready("--db", db, "reports", "summary", "--no-dns", env={"NO_COLOR": "1"})
    assert text.returncode == 0 and "aggregate reports" in text.stdout and "\x1b[" not in text.stdout
    strict = inboxready("--db", db, "reports", "summary", "--no-dns", "--fail-on", "warning")
    assert strict.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("reports", "ingest"), "give report files or folders, or --imap URL"),
        (("reports", "ingest", "/no/such/dir"), "no such file or folder"),
        (("reports", "summary", "--since", "yesterday"), "--since/--until"),
        (("reports", "ingest", "--imap", "imaps://u:pw@127.0.0.1"), "do not put the password in the URL"),
        (("reports", "ingest", "--imap", "imaps://u@127.0.0.1", "--imap-password-env", "INBOXREADY_NOPE"),
         "INBOXREADY_NOPE is not set"),
        (("reports", "ingest", "--imap", "imaps://127.0.0.1", "--imap-password-env", "HOME"), "--imap-user"),
        (("reports", "ingest", "--imap", "http://127.0.0.1", "--imap-password-env", "HOME"), "imaps://host"),
        (("--db", "nonsense", "reports", "summary"), "not a database URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    env = {"INBOXREADY_NOPE": "", "XDG_DATA_HOME": str(tmp_path)}
    result = inboxready(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_no_password_option_on_the_command_line() -> None:
    result = inboxready("reports", "ingest", "--imap", "imaps://u@127.0.0.1", "--imap-password", "x")
    assert result.returncode == 2 and "No such option" in result.stderr


def test_default_store_is_in_the_user_data_dir(reports_dir: Path, tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    assert inboxready("reports", "ingest", str(reports_dir / "a.xml"), env=env).returncode == 0
    assert (tmp_path / "data" / "inboxready" / "reports.sqlite3").exists()


def test_ingest_corpus_from_mbox_and_maildir(tmp_path: Path) -> None:
    import mailbox

    messages = [corpus_path("dmarc-reports", "aggregate", "stalwart-mail-auth", f"{n}.eml").read_bytes()
                for n in ("100", "101", "102")]
    box = mailbox.mbox(tmp_path / "reports.mbox")
    for m in messages:
        box.add(m)
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(report_email(gzipped(aggregate_xml([Rec("192.0.2.1")], report_id="md")), "r.xml.gz"))
    maildir.add(b"From: x@example.com\nSubject: not a report\n\nhello\n")
    maildir.close()
    db = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    result = inboxready("--db", db, "reports", "ingest", str(tmp_path / "reports.mbox"), str(tmp_path / "Maildir"),
                        "--json")
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("ingested", "duplicates", "quarantined", "files")} == {
        "ingested": 4, "duplicates": 0, "quarantined": 1, "files": 5}


def test_ingest_over_imap_from_the_cli(dovecot: DovecotServer, tmp_path: Path) -> None:
    load_mailbox(dovecot, "dmarc", [report_email(gzipped(aggregate_xml([Rec("192.0.2.1")], report_id="cli")),
                                                 "cli.xml.gz")])
    secret = tmp_path / "imap-password"
    secret.write_text(IMAP_USERS["dmarc"] + "\n")
    db = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    result = inboxready("--db", db, "reports", "ingest", "--imap", f"imap://127.0.0.1:{dovecot.imap_port}",
                        "--imap-user", "dmarc", "--imap-password-file", str(secret), "--imap-ca-file",
                        str(dovecot.ca_file), "--imap-done-folder", "Processed", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ingested"] == 1
    assert folder_size(dovecot, "dmarc", "Processed") == 1
    env_run = inboxready("--db", db, "reports", "ingest", "--imap", f"imaps://dmarc@127.0.0.1:{dovecot.imaps_port}",
                         "--imap-password-env", "DMARC_PW", "--imap-ca-file", str(dovecot.ca_file), "--json",
                         env={"DMARC_PW": IMAP_USERS["dmarc"]})
    assert env_run.returncode == 0 and json.loads(env_run.stdout)["files"] == 0  # INBOX is empty now
