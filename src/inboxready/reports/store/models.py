"""The reports store's tables (SQLAlchemy 2 declarative models); migrations in ./migrations.

A report is identified by kind + reporting organisation + report id + domain (RFC 7489 appendix C
report_metadata/org_name, report_id and policy_published/domain; RFC 8460 organization-name,
report-id and policy-domain); the unique constraint makes ingestion idempotent. Timestamps are
stored as UTC and always come back timezone-aware, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Auto-incrementing 64-bit keys (SQLite only auto-increments INTEGER PRIMARY KEY).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the reports store; use UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("kind", "org_name", "report_id", "domain", name="uq_reports_identity"),
        Index("ix_reports_domain_begin", "domain", "date_begin"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    org_name: Mapped[str] = mapped_column(String(255))
    report_id: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(255))
    date_begin: Mapped[datetime] = mapped_column(UtcDateTime())
    date_end: Mapped[datetime] = mapped_column(UtcDateTime())
    email: Mapped[str] = mapped_column(Text, default="")
    extra_contact_info: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str] = mapped_column(String(16), default="")
    generator: Mapped[str] = mapped_column(Text, default="")
    errors: Mapped[str] = mapped_column(Text, default="")
    policy_p: Mapped[str | None] = mapped_column(String(16))
    policy_sp: Mapped[str | None] = mapped_column(String(16))
    policy_np: Mapped[str | None] = mapped_column(String(16))
    policy_adkim: Mapped[str | None] = mapped_column(String(1))
    policy_aspf: Mapped[str | None] = mapped_column(String(1))
    policy_pct: Mapped[int | None] = mapped_column(Integer)
    policy_fo: Mapped[str | None] = mapped_column(String(32))
    policy_testing: Mapped[str | None] = mapped_column(String(1))
    policy_discovery: Mapped[str | None] = mapped_column(String(16))
    #: Records (aggregate), policies (TLS) or 1 (failure).
    record_count: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Messages (aggregate: sum of counts) or sessions (TLS: successful + failed).
    message_count: Mapped[int] = mapped_column(BigInteger, default=0)
    source: Mapped[str] = mapped_column(Text, default="")
    ingested_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AggregateRow(Base):
    """One <record> of an aggregate report; auth results as compact JSON lists."""

    __tablename__ = "aggregate_records"
    __table_args__ = (Index("ix_aggregate_records_source_ip", "source_ip"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    source_ip: Mapped[str] = mapped_column(String(45))
    count: Mapped[int] = mapped_column(BigInteger)
    disposition: Mapped[str] = mapped_column(String(16))
    dkim: Mapped[str] = mapped_column(String(8))
    spf: Mapped[str] = mapped_column(String(8))
    header_from: Mapped[str] = mapped_column(String(255))
    envelope_from: Mapped[str] = mapped_column(String(255), default="")
    envelope_to: Mapped[str] = mapped_column(String(255), default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    dkim_auth: Mapped[str] = mapped_column(Text, default="")
    spf_auth: Mapped[str] = mapped_column(Text, default="")


class FailureRow(Base):
    __tablename__ = "failure_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    feedback_type: Mapped[str] = mapped_column(String(32))
    arrival_date: Mapped[datetime | None] = mapped_column(UtcDateTime())
    source_ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    auth_failure: Mapped[str] = mapped_column(Text, default="")
    identity_alignment: Mapped[str] = mapped_column(Text, default="")
    delivery_result: Mapped[str] = mapped_column(Text, default="")
    dkim_domain: Mapped[str] = mapped_column(Text, default="")
    dkim_selector: Mapped[str] = mapped_column(Text, default="")
    original_mail_from: Mapped[str] = mapped_column(Text, default="")
    original_rcpt_to: Mapped[str] = mapped_column(Text, default="")
    authentication_results: Mapped[str] = mapped_column(Text, default="")
    original_from: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    original_headers: Mapped[str] = mapped_column(Text, default="")


class TlsPolicyRow(Base):
    __tablename__ = "tls_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    policy_type: Mapped[str] = mapped_column(String(32))
    policy_domain: Mapped[str] = mapped_column(String(255))
    policy_strings: Mapped[str] = mapped_column(Text, default="")
    mx_hosts: Mapped[str] = mapped_column(Text, default="")
    successful_sessions: Mapped[int] = mapped_column(BigInteger)
    failed_sessions: Mapped[int] = mapped_column(BigInteger)


class TlsFailureRow(Base):
    __tablename__ = "tls_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_pk: Mapped[int] = mapped_column(ForeignKey("tls_policies.id", ondelete="CASCADE"), index=True)
    result_type: Mapped[str] = mapped_column(String(64))
    failed_session_count: Mapped[int] = mapped_column(BigInteger)
    sending_mta_ip: Mapped[str] = mapped_column(String(45), default="")
    receiving_mx_hostname: Mapped[str] = mapped_column(String(255), default="")
    receiving_mx_helo: Mapped[str] = mapped_column(Text, default="")
    receiving_ip: Mapped[str] = mapped_column(String(45), default="")
    additional_information: Mapped[str] = mapped_column(Text, default="")
    failure_reason_code: Mapped[str] = mapped_column(Text, default="")


class QuarantineRow(Base):
    """An input that was refused, kept with the reason (the first bytes as evidence)."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    quarantined_at: Mapped[datetime] = mapped_column(UtcDateTime())

