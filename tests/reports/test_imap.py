"""Ingestion from a real Dovecot on loopback: IMAPS and STARTTLS, move only after commit."""

from __future__ import annotations

import imaplib
import ssl
from pathlib import Path

import pytest

from inboxready.reports.ingest import IngestEvent, ingest
from inboxready.reports.sources import ImapError, ImapMailbox, parse_imap_url
from inboxready.reports.store import ReportStore
from tests.reports.conftest import IMAP_USERS
from tests.reports.factory import Rec, aggregate_xml, gzipped, report_email, tls_json, zipped
from tests.reports.servers import DovecotServer
from tests.services import corpus_path

CORPUS_MESSAGES = [
    ("aggregate", "parsedmarc", "twilight.eml"),
    ("aggregate", "stalwart-mail-auth", "101.eml"),
    ("aggregate", "parsedmarc", "mimecast-weird-gzip.eml"),
    ("failure", "stalwart-mail-auth", "003.eml"),
    ("failure", "parsedmarc", "exim_plain_text_only_no_arf_part.eml"),  # quarantined: no ARF part
    ("smtp-tls", "stalwart-mail-auth", "rpt01.eml"),
]


def _client(server: DovecotServer, user: str) -> imaplib.IMAP4_SSL:
    context = ssl.create_default_context(cafile=str(server.ca_file))
    client = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port, ssl_context=context)
    client.login(user, IMAP_USERS[user])
    return client


def load_mailbox(server: DovecotServer, user: str, messages: list[bytes]) -> None:
    """Empty INBOX and Processed, then append the messages to INBOX."""
    client = _client(server, user)
    try:
        for folder in ("INBOX", "Processed"):
            status, data = client.select(folder)
            if status == "OK" and data and data[0] not in (b"0", None):
                client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                client.expunge()
        for message in messages:
            status, _ = client.append("INBOX", None, None, message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            assert status == "OK"
    finally:
        client.logout()


def folder_size(server: DovecotServer, user: str, folder: str) -> int:
    client = _client(server, user)
    try:
        status, data = client.select(folder, readonly=True)
        return int(data[0]) if status == "OK" and data and isinstance(data[0], bytes) else 0
    finally:
        client.logout()


def corpus_messages() -> list[bytes]:
    return [corpus_path("dmarc-reports", *parts).read_bytes() for parts in CORPUS_MESSAGES]


def generated_messages() -> list[bytes]:
    report = aggregate_xml([Rec("203.0.113.9", 4)], report_id="imap-gen")
    return [
        report_email(gzipped(report), "imap.example!example.com!1!2.xml.gz"),
        report_email(zipped(aggregate_xml([Rec("203.0.113.10", 1)], report_id="imap-zip")), "r.zip",
                     "application/zip"),
        report_email(gzipped(tls_json(report_id="imap-tls")), "tls.json.gz", "application/tlsrpt+gzip"),
    ]


@pytest.mark.parametrize("scheme", ["imaps", "imap"])
def test_ingest_over_tls_moves_after_commit(dovecot: DovecotServer, sqlite_store: ReportStore, scheme: str) -> None:
    messages = corpus_messages() + generated_messages()
    load_mailbox(dovecot, "dmarc", messages)
    port = dovecot.imaps_port if scheme == "imaps" else dovecot.imap_port
    settings = parse_imap_url(f"{scheme}://127.0.0.1:{port}/INBOX", "dmarc", IMAP_USERS["dmarc"],
                              ca_file=str(dovecot.ca_file), timeout=10)
    assert settings.starttls is (scheme == "imap")
    with ImapMailbox(settings) as mailbox:
        stats = ingest(sqlite_store, mailbox.items())
    assert stats.files == len(messages)
    assert (stats.ingested, stats.quarantined) == (len(messages) - 1, 1)
    assert folder_size(dovecot, "dmarc", "INBOX") == 0
    assert folder_size(dovecot, "dmarc", "Processed") == len(messages)


def test_crash_leaves_uncommitted_messages_in_place(dovecot: DovecotServer, tmp_path: Path) -> None:
    messages = generated_messages()
    load_mailbox(dovecot, "dmarc", messages)
    settings = parse_imap_url(f"imaps://dmarc@127.0.0.1:{dovecot.imaps_port}", None, IMAP_USERS["dmarc"],
                              ca_file=str(dovecot.ca_file), timeout=10)

    def crash_after_first_commit(event: IngestEvent) -> None:
        if event.kind == "added":
            raise RuntimeError("killed before the move")

    with ReportStore(f"sqlite:///{tmp_path / 'r.sqlite3'}") as store:
        with ImapMailbox(settings) as mailbox, pytest.raises(RuntimeError):
            ingest(store, mailbox.items(), hook=crash_after_first_commit)
        # the first message's report is committed, but the message was not moved
        assert folder_size(dovecot, "dmarc", "INBOX") == len(messages)
        with ImapMailbox(settings) as mailbox:
            rerun = ingest(store, mailbox.items())
    assert (rerun.duplicates, rerun.ingested) == (1, len(messages) - 1)
    assert folder_size(dovecot, "dmarc", "INBOX") == 0
    assert folder_size(dovecot, "dmarc", "Processed") == len(messages)


def test_untrusted_certificate_is_refused(dovecot: DovecotServer) -> None:
    settings = parse_imap_url(f"imaps://127.0.0.1:{dovecot.imaps_port}", "dmarc", IMAP_USERS["dmarc"], timeout=10)
    with pytest.raises(ImapError, match="CERTIFICATE_VERIFY_FAILED"), ImapMailbox(settings):
        pass


def test_other_folder_and_done_folder(dovecot: DovecotServer, sqlite_store: ReportStore) -> None:
    load_mailbox(dovecot, "other", generated_messages()[:1])
    settings = parse_imap_url(f"imaps://127.0.0.1:{dovecot.imaps_port}/INBOX", "other", IMAP_USERS["other"],
                              done_folder="Archive/DMARC done", ca_file=str(dovecot.ca_file), timeout=10)
    with ImapMailbox(settings) as mailbox:
        assert ingest(sqlite_store, mailbox.items()).ingested == 1
    assert folder_size(dovecot, "other", '"Archive.DMARC done"') == 1  # Maildir++ uses "." as delimiter


# Last: a failed login makes Dovecot slow down later logins from the same address (auth penalty).
def test_wrong_password_is_an_error(dovecot: DovecotServer) -> None:
    settings = parse_imap_url(f"imaps://127.0.0.1:{dovecot.imaps_port}", "dmarc", "wrong",
                              ca_file=str(dovecot.ca_file), timeout=10)
    with pytest.raises(ImapError, match="LOGIN as dmarc .* failed: .*AUTHENTICATIONFAILED"), ImapMailbox(settings):
        pass
