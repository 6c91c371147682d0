"""Ingestion in typed stages: source item → extract (containers) → parse (pure) → store.

Each report is committed in its own transaction; a refused input is quarantined with its reason
and the run goes on. A source item's `done()` (for IMAP: move the message) runs only after every
report and quarantine entry it produced is committed. A `hook` sees every event after its commit;
tests use it to inject a crash, the CLI to show progress.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from inboxready.reports.parse.containers import extract
from inboxready.reports.parse.errors import ReportRejected
from inboxready.reports.parse.items import AggregateItem, Extracted, FailureItem, Rejected, TlsItem
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.sources.base import SourceItem
from inboxready.reports.store.store import Outcome, Quarantined, ReportStore


@dataclass(frozen=True, slots=True)
class IngestEvent:
    #: "added", "duplicate", "quarantined" (after the commit) or "item-done" (after done()).
    kind: str
    label: str
    name: str = ""
    detail: str = ""


@dataclass(slots=True)
class IngestStats:
    ingested: int = 0
    duplicates: int = 0
    quarantined: int = 0
    files: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: Inputs that could not be read at all (I/O errors), with the error.
    unreadable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "files": self.files,
            "quarantine_reasons": dict(sorted(self.reasons.items())),
            "unreadable": list(self.unreadable),
        }


Hook = Callable[[IngestEvent], None]


class Ingestor:
    def __init__(self, store: ReportStore, limits: Limits = DEFAULT_LIMITS, hook: Hook | None = None) -> None:
        self.store = store
        self.limits = limits
        self.hook = hook
        self.stats = IngestStats()

    def _emit(self, event: IngestEvent) -> None:
        if self.hook is not None:
            self.hook(event)

    def ingest(self, items: Iterable[SourceItem]) -> IngestStats:
        for item in items:
            self.ingest_item(item)
        return self.stats

    def ingest_item(self, item: SourceItem) -> None:
        self.stats.files += 1
        try:
            with item.open() as source:
                for extracted in extract(item.name, source, self.limits, hint=item.hint):
                    self._store(item, extracted)
        except OSError as exc:
            self.stats.unreadable.append(f"{item.label}: {exc.strerror or exc}")
            return
        item.done()
        self._emit(IngestEvent("item-done", item.label, item.name))

    def _store(self, item: SourceItem, extracted: Extracted) -> None:
        if isinstance(extracted, Rejected):
            self._quarantine(item, extracted)
            return
        if isinstance(extracted, AggregateItem):
            try:
                outcome = self.store.add_aggregate(extracted.stream.header, extracted.stream.records(), item.label)
            except ReportRejected as exc:
                self._quarantine(item, Rejected(extracted.name, exc.reason, exc.detail, extracted.evidence()))
                return
            name = extracted.name
        elif isinstance(extracted, TlsItem):
            outcome, name = self.store.add_tls(extracted.report, item.label), extracted.name
        elif isinstance(extracted, FailureItem):
            outcome, name = self.store.add_failure(extracted.report, item.label), extracted.name
        if outcome is Outcome.ADDED:
            self.stats.ingested += 1
        else:
            self.stats.duplicates += 1
        self._emit(IngestEvent(outcome.value, item.label, name))

    def _quarantine(self, item: SourceItem, rejected: Rejected) -> None:
        self.store.add_quarantine(Quarantined(
            source=item.label,
            name=rejected.name,
            reason=rejected.reason.value,
            detail=rejected.detail,
            evidence=rejected.evidence[: self.limits.max_quarantine_bytes],
            size=len(rejected.evidence),
        ))
        self.stats.quarantined += 1
        self.stats.reasons[rejected.reason.value] += 1
        self._emit(IngestEvent("quarantined", item.label, rejected.name, f"{rejected.reason.value}: {rejected.detail}"))


def ingest(
    store: ReportStore, items: Iterable[SourceItem], limits: Limits = DEFAULT_LIMITS, hook: Hook | None = None
) -> IngestStats:
    """Ingest every item into the store; returns the counts (see IngestStats)."""
    return Ingestor(store, limits, hook).ingest(items)
