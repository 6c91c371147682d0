"""The reports store: one transaction per report, idempotent by report identity.

`ReportStore(url)` opens SQLite (default: a file in the user's data directory) or PostgreSQL
(`postgresql://` is read as `postgresql+psycopg://`), brings the schema to the latest Alembic
revision, and adds reports. Adding a report either commits it whole (header and every record) or
leaves nothing: a crash mid-batch loses only the report being written, and the next run, finding
the committed ones as duplicates, finishes the batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from inboxready.errors import InputError
from inboxready.reports.parse.model import (
    AggregateHeader,
    AggregateRecord,
    FailureReport,
    ReportKind,
    TlsReport,
)
from inboxready.reports.store.models import (
    FailureRow,
    QuarantineRow,
    Report,
    TlsFailureRow,
    TlsPolicyRow,
)

BATCH = 2000
DB_FILE = "reports.sqlite3"


class Outcome(Enum):
    ADDED = "added"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Quarantined:
    source: str
    name: str
    reason: str
    detail: str
    evidence: bytes
    size: int


def default_url() -> str:
    """SQLite in the user's data directory (platformdirs), created on first use."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("inboxready", appauthor=False))
    return f"sqlite:///{directory / DB_FILE}"


def normalize_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

#: Column layouts of the JSON lists stored per record (compact: lists, not objects).
REASON_FIELDS = ("type", "comment")
DKIM_FIELDS = ("domain", "selector", "result")
SPF_FIELDS = ("domain", "scope", "result")


RECORD_COLUMNS = ("report_pk", "source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from",
                  "envelope_to", "reasons", "dkim_auth", "spf_auth")


def record_values(report_pk: int, record: AggregateRecord) -> tuple[Any, ...]:
    """One aggregate_records row in RECORD_COLUMNS order (bulk inserts go straight to the driver)."""
    return (
        report_pk, record.source_ip, record.count, record.disposition.value, record.dkim.value, record.spf.value,
        record.header_from, record.envelope_from, record.envelope_to,
        _dumps([[r.type, r.comment] for r in record.reasons]) if record.reasons else "",
        _dumps([[a.domain, a.selector, a.result.value] for a in record.dkim_auth]) if record.dkim_auth else "",
        _dumps([[a.domain, a.scope, a.result.value] for a in record.spf_auth]) if record.spf_auth else "",
    )


class ReportStore:
    """A reports database. Use as a context manager or call close()."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = normalize_url(url or default_url())
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise InputError(f"--db {url!r} is not a database URL (sqlite:///FILE or postgresql://...)") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(parsed)
        except (ArgumentError, ModuleNotFoundError) as exc:
            raise InputError(f"--db: cannot use {parsed.drivername}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.migrate()

    def __enter__(self) -> ReportStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (Alembic), in one transaction where the backend allows."""
        config = Config()
        config.set_main_option("script_location", str(resources.files("inboxready.reports.store") / "migrations"))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except OperationalError as exc:
            raise InputError(f"cannot open the reports store {self.engine.url!r}: {exc.orig}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    # -- adding reports -------------------------------------------------------------------------

    def _exists(self, connection: Connection, kind: ReportKind, org: str, report_id: str, domain: str) -> bool:
        query = select(Report.id).where(
            Report.kind == kind.value, Report.org_name == org, Report.report_id == report_id, Report.domain == domain
        )
        return connection.execute(query).first() is not None

    def _insert_report(self, connection: Connection, values: dict[str, Any]) -> int:
        values.setdefault("ingested_at", datetime.now(UTC))
        result = connection.execute(insert(Report).returning(Report.id), [values])
        return int(result.scalar_one())

    @staticmethod
    def _record_insert(connection: Connection) -> str:
        style = connection.dialect.paramstyle
        marks = ", ".join("?" if style == "qmark" else "%s" for _ in RECORD_COLUMNS)
        return f"INSERT INTO aggregate_records ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})"

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def add_aggregate(
        self,
        header: AggregateHeader,
        records: Iterable[AggregateRecord],
        source: str = "",
        on_batch: Callable[[int], None] | None = None,
    ) -> Outcome:
        """Store one aggregate report and all its records, or nothing (exceptions propagate)."""
        try:
            with self._transaction() as connection:
                if self._exists(connection, ReportKind.AGGREGATE, header.org_name, header.report_id, header.domain):
                    return Outcome.DUPLICATE
                policy = header.policy
                report_pk = self._insert_report(connection, {
                    "kind": ReportKind.AGGREGATE.value, "org_name": header.org_name, "report_id": header.report_id,
                    "domain": header.domain, "date_begin": header.date_range.begin,
                    "date_end": header.date_range.end, "email": header.email,
                    "extra_contact_info": header.extra_contact_info, "version": header.version,
                    "generator": header.generator, "errors": "\n".join(header.errors),
                    "policy_p": policy.p, "policy_sp": policy.sp, "policy_np": policy.np,
                    "policy_adkim": policy.adkim, "policy_aspf": policy.aspf, "policy_pct": policy.pct,
                    "policy_fo": policy.fo, "policy_testing": policy.testing,
                    "policy_discovery": policy.discovery_method, "source": source,
                })
                count = messages = 0
                batch: list[tuple[Any, ...]] = []
                statement = self._record_insert(connection)
                for record in records:
                    batch.append(record_values(report_pk, record))
                    count += 1
                    messages += record.count
                    if len(batch) >= BATCH:
                        connection.exec_driver_sql(statement, batch)
                        batch = []
                        if on_batch:
                            on_batch(count)
                if batch:
                    connection.exec_driver_sql(statement, batch)
                connection.execute(
                    update(Report).where(Report.id == report_pk).values(record_count=count, message_count=messages)
                )
        except IntegrityError:
            return Outcome.DUPLICATE  # the same report committed by a concurrent run
        return Outcome.ADDED

    def add_failure(self, report: FailureReport, source: str = "") -> Outcome:
        try:
            with self._transaction() as connection:
                if self._exists(connection, ReportKind.FAILURE, report.org_name, report.report_id, report.domain):
                    return Outcome.DUPLICATE
                when = report.arrival_date or report.report_date or datetime.now(UTC)
                report_pk = self._insert_report(connection, {
                    "kind": ReportKind.FAILURE.value, "org_name": report.org_name, "report_id": report.report_id,
                    "domain": report.domain, "date_begin": when, "date_end": when, "record_count": 1,
                    "message_count": 1, "generator": report.user_agent, "source": source,
                })
                connection.execute(insert(FailureRow), [{
                    "report_pk": report_pk, "feedback_type": report.feedback_type,
                    "arrival_date": report.arrival_date, "source_ip": report.source_ip,
                    "user_agent": report.user_agent, "auth_failure": report.auth_failure,
                    "identity_alignment": report.identity_alignment, "delivery_result": report.delivery_result,
                    "dkim_domain": report.dkim_domain, "dkim_selector": report.dkim_selector,
                    "original_mail_from": report.original_mail_from, "original_rcpt_to": report.original_rcpt_to,
                    "authentication_results": report.authentication_results,
                    "original_from": report.original_from, "subject": report.subject,
                    "original_headers": report.original_headers,
                }])
        except IntegrityError:
            return Outcome.DUPLICATE
        return Outcome.ADDED

    def add_tls(self, report: TlsReport, source: str = "") -> Outcome:
        try:
            with self._transaction() as connection:
                if self._exists(connection, ReportKind.TLS, report.org_name, report.report_id, report.domain):
                    return Outcome.DUPLICATE
                sessions = sum(p.successful_sessions + p.failed_sessions for p in report.policies)
                report_pk = self._insert_report(connection, {
                    "kind": ReportKind.TLS.value, "org_name": report.org_name, "report_id": report.report_id,
                    "domain": report.domain, "date_begin": report.date_range.begin,
                    "date_end": report.date_range.end, "email": report.contact_info,
                    "record_count": len(report.policies), "message_count": sessions, "source": source,
                })
                for policy in report.policies:
                    self._insert_tls_policy(connection, report_pk, policy)
        except IntegrityError:
            return Outcome.DUPLICATE
        return Outcome.ADDED

    def _insert_tls_policy(self, connection: Connection, report_pk: int, policy: Any) -> None:
        result = connection.execute(insert(TlsPolicyRow).returning(TlsPolicyRow.id), [{
            "report_pk": report_pk, "policy_type": policy.policy_type, "policy_domain": policy.policy_domain,
            "policy_strings": json.dumps(list(policy.policy_strings)) if policy.policy_strings else "",
            "mx_hosts": json.dumps(list(policy.mx_hosts)) if policy.mx_hosts else "",
            "successful_sessions": policy.successful_sessions, "failed_sessions": policy.failed_sessions,
        }])
        policy_pk = int(result.scalar_one())
        rows = [{
            "policy_pk": policy_pk, "result_type": f.result_type[:64], "failed_session_count": f.failed_session_count,
            "sending_mta_ip": f.sending_mta_ip[:45], "receiving_mx_hostname": f.receiving_mx_hostname[:255],
            "receiving_mx_helo": f.receiving_mx_helo, "receiving_ip": f.receiving_ip[:45],
            "additional_information": f.additional_information, "failure_reason_code": f.failure_reason_code,
        } for f in policy.failures]
        if rows:
            connection.execute(insert(TlsFailureRow), rows)

    def add_quarantine(self, item: Quarantined) -> Outcome:
        """Keep a refused input; the same evidence (its first bytes) with the same reason is stored once."""
        digest = hashlib.sha256(item.evidence + item.reason.encode()).hexdigest()
        try:
            with self._transaction() as connection:
                found = connection.execute(select(QuarantineRow.id).where(QuarantineRow.digest == digest)).first()
                if found is not None:
                    return Outcome.DUPLICATE
                connection.execute(insert(QuarantineRow), [{
                    "digest": digest, "source": item.source, "name": item.name, "reason": item.reason,
                    "detail": item.detail, "size": item.size, "content": item.evidence,
                    "quarantined_at": datetime.now(UTC),
                }])
        except IntegrityError:
            return Outcome.DUPLICATE
        return Outcome.ADDED
