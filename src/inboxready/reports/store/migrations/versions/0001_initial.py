"""Initial reports schema: reports, aggregate records, failure reports, TLS policies/failures, quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", BIG_ID, nullable=False)


def _text(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False)


def _string(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _big(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _parent(owner: str, name: str, table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column(name, BIG_ID, nullable=False),
        sa.ForeignKeyConstraint([name], [f"{table}.id"], name=f"fk_{owner}_{name}_{table}", ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "quarantine",
        _id(),
        _string("digest", 64),
        _text("source"),
        _text("name"),
        _string("reason", 32),
        _text("detail"),
        _big("size"),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("quarantined_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.UniqueConstraint("digest", name="uq_quarantine_digest"),
    )
    op.create_table(
        "reports",
        _id(),
        _string("kind", 16),
        _string("org_name", 255),
        _string("report_id", 255),
        _string("domain", 255),
        sa.Column("date_begin", WHEN, nullable=False),
        sa.Column("date_end", WHEN, nullable=False),
        _text("email"),
        _text("extra_contact_info"),
        _string("version", 16),
        _text("generator"),
        _text("errors"),
        _string("policy_p", 16, nullable=True),
        _string("policy_sp", 16, nullable=True),
        _string("policy_np", 16, nullable=True),
        _string("policy_adkim", 1, nullable=True),
        _string("policy_aspf", 1, nullable=True),
        sa.Column("policy_pct", sa.Integer(), nullable=True),
        _string("policy_fo", 32, nullable=True),
        _string("policy_testing", 1, nullable=True),
        _string("policy_discovery", 16, nullable=True),
        _big("record_count"),
        _big("message_count"),
        _text("source"),
        sa.Column("ingested_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("kind", "org_name", "report_id", "domain", name="uq_reports_identity"),
    )
    op.create_index("ix_reports_domain_begin", "reports", ["domain", "date_begin"])
    op.create_table(
        "aggregate_records",
        _id(),
        *_parent("aggregate_records", "report_pk", "reports"),
        _string("source_ip", 45),
        _big("count"),
        _string("disposition", 16),
        _string("dkim", 8),
        _string("spf", 8),
        _string("header_from", 255),
        _string("envelope_from", 255),
        _string("envelope_to", 255),
        _text("reasons"),
        _text("dkim_auth"),
        _text("spf_auth"),
        sa.PrimaryKeyConstraint("id", name="pk_aggregate_records"),
    )
    op.create_index("ix_aggregate_records_report_pk", "aggregate_records", ["report_pk"])
    op.create_index("ix_aggregate_records_source_ip", "aggregate_records", ["source_ip"])
    op.create_table(
        "failure_reports",
        _id(),
        *_parent("failure_reports", "report_pk", "reports"),
        _string("feedback_type", 32),
        sa.Column("arrival_date", WHEN, nullable=True),
        _string("source_ip", 45),
        *(_text(name) for name in (
            "user_agent", "auth_failure", "identity_alignment", "delivery_result", "dkim_domain", "dkim_selector",
            "original_mail_from", "original_rcpt_to", "authentication_results", "original_from", "subject",
            "original_headers",
        )),
        sa.PrimaryKeyConstraint("id", name="pk_failure_reports"),
        sa.UniqueConstraint("report_pk", name="uq_failure_reports_report_pk"),
    )
    op.create_table(
        "tls_policies",
        _id(),
        *_parent("tls_policies", "report_pk", "reports"),
        _string("policy_type", 32),
        _string("policy_domain", 255),
        _text("policy_strings"),
        _text("mx_hosts"),
        _big("successful_sessions"),
        _big("failed_sessions"),
        sa.PrimaryKeyConstraint("id", name="pk_tls_policies"),
    )
    op.create_index("ix_tls_policies_report_pk", "tls_policies", ["report_pk"])
    op.create_table(
        "tls_failures",
        _id(),
        *_parent("tls_failures", "policy_pk", "tls_policies"),
        _string("result_type", 64),
        _big("failed_session_count"),
        _string("sending_mta_ip", 45),
        _string("receiving_mx_hostname", 255),
        _text("receiving_mx_helo"),
        _string("receiving_ip", 45),
        _text("additional_information"),
        _text("failure_reason_code"),
        sa.PrimaryKeyConstraint("id", name="pk_tls_failures"),
    )
    op.create_index("ix_tls_failures_policy_pk", "tls_failures", ["policy_pk"])


def downgrade() -> None:
    for table in ("tls_failures", "tls_policies", "failure_reports", "aggregate_records", "reports", "quarantine"):
        op.drop_table(table)
