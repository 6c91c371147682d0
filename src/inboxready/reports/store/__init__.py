"""The reports store: SQLAlchemy 2 models, Alembic migrations, idempotent transactional writes."""

from inboxready.reports.store.store import Outcome, Quarantined, ReportStore, default_url, normalize_url

__all__ = ["Outcome", "Quarantined", "ReportStore", "default_url", "normalize_url"]
