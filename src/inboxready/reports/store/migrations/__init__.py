"""Alembic migrations of the reports store (run by ReportStore.migrate, never by hand)."""
