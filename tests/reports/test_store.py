"""The store on SQLite and on a real PostgreSQL: migrations, idempotency, transactions, crash recovery."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from inboxready.errors import InputError
from inboxready.reports.analyze import summarize
from inboxready.reports.ingest import IngestEvent, ingest
from inboxready.reports.parse import AggregateRecord, Disposition, DmarcResult, parse_aggregate
from inboxready.reports.sources import path_items
from inboxready.reports.store import Outcome, Quarantined, ReportStore, default_url, normalize_url
from inboxready.reports.store.models import AggregateRow, Base, QuarantineRow, Report, TlsFailureRow
from tests.reports.factory import Rec, aggregate_xml, gzipped, tls_json, zipped
from tests.services import corpus_path

TABLES = [Report, AggregateRow, QuarantineRow, TlsFailureRow]


def counts(store: ReportStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {t.__tablename__: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def batch(folder: Path, n: int = 6) -> Path:
    """n small reports in several containers."""
    folder.mkdir(exist_ok=True)
    for i in range(n):
        xml = aggregate_xml([Rec(f"192.0.2.{i + 1}", i + 1), Rec("198.51.100.7", 2, dkim="fail", spf="fail")],
                            report_id=f"batch-{i}")
        data, suffix = [(xml, ".xml"), (gzipped(xml), ".xml.gz"), (zipped(xml), ".zip")][i % 3]
        (folder / f"r{i}{suffix}").write_bytes(data)
    (folder / "tls.json").write_bytes(tls_json())
    (folder / "junk.bin").write_bytes(b"\x00\x01 not a report")
    return folder


def test_migrations_match_the_models(store: ReportStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == "0001"


def test_migrate_twice_is_harmless(store_url: str) -> None:
    with ReportStore(store_url), ReportStore(store_url) as again:
        again.migrate()


def test_ingest_twice_changes_nothing(store: ReportStore, tmp_path: Path) -> None:
    folder = batch(tmp_path / "in")
    first = ingest(store, path_items([folder]))
    assert (first.ingested, first.duplicates, first.quarantined, first.files) == (7, 0, 1, 8)
    before = counts(store)
    second = ingest(store, path_items([folder]))
    assert (second.ingested, second.duplicates, second.quarantined, second.files) == (0, 7, 1, 8)
    assert counts(store) == before
    assert before["aggregate_records"] == 12 and before["quarantine"] == 1


def test_the_whole_corpus_on_both_backends(store: ReportStore) -> None:
    root = corpus_path("dmarc-reports")
    stats = ingest(store, path_items([root]))
    assert stats.files == 99
    assert stats.ingested + stats.duplicates + stats.quarantined == 99
    # identities shared by several samples (test.xml/.gz/.gz.gz/.zip/test2.xml, acme.xml/old_draft,
    # the Sample Reporter reports, the TLS eml/json pairs, ...) are stored once
    assert stats.duplicates >= 15
    summary = asyncio.run(summarize(store, enrichers=[]))
    assert summary.reports == counts(store)["reports"] - summary.tls_reports - summary.failure_reports
    assert summary.messages == sum(s.messages for s in summary.sources) > 200_000
    again = ingest(store, path_items([root]))
    assert again.ingested == 0 and again.duplicates == stats.ingested + stats.duplicates


def test_crash_mid_batch_then_rerun_finishes(store: ReportStore, tmp_path: Path) -> None:
    folder = batch(tmp_path / "in", n=9)
    clean_url = f"sqlite:///{tmp_path / 'clean.sqlite3'}"
    with ReportStore(clean_url) as clean:
        ingest(clean, path_items([folder]))
        expected = counts(clean)

    class Crash(RuntimeError):
        pass

    seen: list[IngestEvent] = []

    def hook(event: IngestEvent) -> None:
        seen.append(event)
        if sum(e.kind == "added" for e in seen) == 4:
            raise Crash("power cut")

    with pytest.raises(Crash):
        ingest(store, path_items([folder]), hook=hook)
    assert counts(store)["reports"] == 4
    rerun = ingest(store, path_items([folder]))
    assert rerun.duplicates == 4 and rerun.ingested == 10 - 4
    assert counts(store) == expected


def test_a_report_failing_midway_leaves_nothing(store: ReportStore) -> None:
    stream = parse_aggregate(_bytes_reader(aggregate_xml([Rec("192.0.2.1")], report_id="midway")))

    def records() -> Iterator[AggregateRecord]:
        yield from stream.records()
        raise OSError("disk gone")

    with pytest.raises(OSError):
        store.add_aggregate(stream.header, records())
    assert counts(store)["reports"] == 0 and counts(store)["aggregate_records"] == 0
    again = parse_aggregate(_bytes_reader(aggregate_xml([Rec("192.0.2.1")], report_id="midway")))
    assert store.add_aggregate(again.header, again.records()) is Outcome.ADDED


def _bytes_reader(data: bytes) -> object:
    import io

    return io.BytesIO(data)


def test_timestamps_come_back_timezone_aware_utc(store: ReportStore) -> None:
    stream = parse_aggregate(_bytes_reader(aggregate_xml([Rec("2001:db8::1", 5)], begin=1700000000, end=1700086399)))
    assert store.add_aggregate(stream.header, stream.records()) is Outcome.ADDED
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        row = session.scalars(select(AggregateRow)).one()
    assert report.date_begin == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert report.date_begin.tzinfo is not None and report.date_begin.utcoffset().total_seconds() == 0
    assert report.ingested_at.tzinfo is not None
    assert (row.source_ip, row.count, row.disposition, row.dkim) == ("2001:db8::1", 5, Disposition.NONE.value,
                                                                     DmarcResult.PASS.value)


def test_quarantine_keeps_reason_and_evidence_once(store: ReportStore) -> None:
    item = Quarantined("/in/x.xml", "x.xml", "malformed-xml", "not well-formed", b"<feedback><", 11)
    assert store.add_quarantine(item) is Outcome.ADDED
    assert store.add_quarantine(item) is Outcome.DUPLICATE
    with store.session() as session:
        row = session.scalars(select(QuarantineRow)).one()
    assert (row.reason, row.content, row.source) == ("malformed-xml", b"<feedback><", "/in/x.xml")
    assert row.quarantined_at.tzinfo is not None


def test_tls_report_stored_with_failures(store: ReportStore, tmp_path: Path) -> None:
    (tmp_path / "t.json").write_bytes(tls_json(failures=(("mx1.example.com", "starttls-not-supported", 7),
                                                         ("mx2.example.com", "certificate-expired", 3))))
    assert ingest(store, path_items([tmp_path / "t.json"])).ingested == 1
    with store.session() as session:
        rows = session.scalars(select(TlsFailureRow).order_by(TlsFailureRow.failed_session_count)).all()
    assert [(r.receiving_mx_hostname, r.failed_session_count) for r in rows] == [("mx2.example.com", 3),
                                                                                  ("mx1.example.com", 7)]


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert default_url().startswith("sqlite:///") and default_url().endswith("reports.sqlite3")
    with pytest.raises(InputError):
        ReportStore("not a url")
    with pytest.raises(InputError):
        ReportStore("mysql+nosuchdriver://u@h/db")
