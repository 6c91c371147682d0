"""DMARC aggregate/failure and SMTP TLS reports: parse (hostile input), store, analyse.

    sources (files, mbox, Maildir, IMAP) → parse.extract (containers, hardened parsers)
        → store.ReportStore (SQLite | PostgreSQL, idempotent, one transaction per report)
        → analyze.summarize (enrichment: PTR, sending service) → output / html

`ingest(store, items)` runs the first three stages; `summarize(store, where, resolver)` the last.
"""

from inboxready.reports.analyze import summarize
from inboxready.reports.ingest import IngestStats, ingest
from inboxready.reports.model import SourceGroup, SourceStats, Summary
from inboxready.reports.store import ReportStore
from inboxready.reports.store.queries import ReportFilter

__all__ = ["IngestStats", "ReportFilter", "ReportStore", "SourceGroup", "SourceStats", "Summary", "ingest", "summarize"]
