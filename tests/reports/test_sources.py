"""Local sources: files, folders (recursive, hidden entries skipped), mbox (RFC 4155) and Maildir."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from inboxready.errors import InputError
from inboxready.reports.sources import path_items
from inboxready.reports.sources.files import is_maildir, is_mbox
from tests.reports.factory import Rec, aggregate_xml, gzipped, report_email


def _message(report_id: str) -> bytes:
    return report_email(gzipped(aggregate_xml([Rec("192.0.2.1")], report_id=report_id)), f"{report_id}.xml.gz")


def test_folder_walk_finds_files_mailboxes_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(aggregate_xml([Rec("192.0.2.1")]))
    (tmp_path / ".hidden.xml").write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_bytes(b"x")
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "b.xml.gz").write_bytes(gzipped(aggregate_xml([Rec("192.0.2.2")])))
    box = mailbox.mbox(tmp_path / "sub" / "inbox")
    for i in range(3):
        box.add(_message(f"m{i}"))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "sub" / "Maildir")
    maildir.add(_message("md"))
    maildir.close()
    items = list(path_items([tmp_path]))
    labels = sorted(i.label.replace(str(tmp_path), "") for i in items)
    assert len(items) == 6
    assert "/a.xml" in labels and "/sub/deeper/b.xml.gz" in labels
    assert sum(label.startswith("/sub/inbox#") for label in labels) == 3
    assert sum(label.startswith("/sub/Maildir/") for label in labels) == 1
    assert all(".git" not in label and "hidden" not in label for label in labels)
    messages = [i for i in items if i.hint == "message"]
    assert len(messages) == 4
    with messages[0].open() as handle:
        assert b"Subject:" in handle.read(-1)


def test_detection(tmp_path: Path) -> None:
    (tmp_path / "mbox").write_bytes(b"From someone@example.com Mon Jan  1 00:00:00 2026\n" + _message("x"))
    (tmp_path / "eml").write_bytes(_message("y"))
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "md" / sub).mkdir(parents=True)
    assert is_mbox(tmp_path / "mbox") and not is_mbox(tmp_path / "eml")
    assert is_maildir(tmp_path / "md") and not is_maildir(tmp_path)


def test_missing_path_is_a_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(b"<feedback/>")
    with pytest.raises(InputError, match="no such file or folder"):
        list(path_items([tmp_path / "a.xml", tmp_path / "missing"]))
