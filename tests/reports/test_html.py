"""`reports summary --html`: a self-contained page, hostile report text escaped, rendered by Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import io
from html.parser import HTMLParser
from pathlib import Path

from inboxready.dns.zones import ZoneResolver
from inboxready.reports.analyze import summarize
from inboxready.reports.html import render_summary_html
from inboxready.reports.ingest import ingest
from inboxready.reports.model import Summary
from inboxready.reports.sources.base import SourceItem
from inboxready.reports.store import ReportStore
from tests.render.chromium import dump_dom, screenshot
from tests.reports.factory import Rec, aggregate_xml, tls_json
from tests.reports.test_analyze import FORWARDER, MAILCHIMP, MICROSOFT, OWN, SPOOFER, ZONES

EVIL = Rec("192.0.2.99", 3, dkim="fail", spf="fail", header_from="example.com",
           dkim_auth=(("<script>alert(1)</script>.example", "x", "pass"),))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.external += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _summary(store: ReportStore) -> Summary:
    documents = []
    for day in range(7):
        records = [dataclasses.replace(r, count=r.count + 5 * day) for r in (OWN, MAILCHIMP, MICROSOFT, FORWARDER,
                                                                             SPOOFER, EVIL)]
        documents.append(aggregate_xml(records, report_id=f"day{day}", begin=1767225600 + 86400 * day,
                                       end=1767311999 + 86400 * day))
    documents.append(tls_json())
    items = [SourceItem(f"mem:{i}", f"r{i}", functools.partial(contextlib.nullcontext, io.BytesIO(d)))
             for i, d in enumerate(documents)]
    ingest(store, items)
    return asyncio.run(summarize(store, resolver=ZoneResolver.from_text(ZONES)))


def test_page_is_self_contained_and_escaped(sqlite_store: ReportStore) -> None:
    page = render_summary_html(_summary(sqlite_store))
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.external == []
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert parsed.tags.count("svg") == 3  # volume per day, pass rate, top sources
    assert parsed.tags.count("rect") >= 14  # 7 days x (passing, failing)


def test_page_in_chromium(sqlite_store: ReportStore, tmp_path: Path) -> None:
    summary = _summary(sqlite_store)
    page = tmp_path / "summary.html"
    page.write_text(render_summary_html(summary))
    parsed = _Page()
    parsed.feed(dump_dom(page))
    text = " ".join(" ".join(parsed.text).split())
    for finding in summary.findings:
        assert finding.code in text and " ".join(finding.fix.split()) in text
    assert "Mailchimp (marketing)" in text and "bulk-66.spammer.example.net" in text
    assert "mx1.example.com" in text  # TLS failures per MX
    screenshot(page, "reports-summary")
