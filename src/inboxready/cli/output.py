"""Where domain reports go: text, JSON, JSON lines and HTML, shared by `check` and `demo`."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from inboxready.audit.report import DomainReport
from inboxready.cli.context import AppContext, write_output_file
from inboxready.findings.model import Severity
from inboxready.render.html import render_reports_html
from inboxready.render.json import dumps, report_to_json
from inboxready.render.text import render_report


@dataclass
class ReportSink:
    """Takes reports one by one as they finish; `close()` writes what needs them all."""

    obj: AppContext
    jsonl: bool = False
    html_file: str | None = None
    html_title: str = "inboxready check"
    codes: list[int] = field(default_factory=list)
    _kept: list[DomainReport] = field(default_factory=list)

    def add(self, report: DomainReport) -> None:
        self.codes.append(report.exit_code(self.obj.fail_on))
        if self.jsonl:
            click.echo(dumps(report_to_json(report)).replace("\n", ""))
        elif not self.obj.json_output:
            console = self.obj.console()
            render_report(console, report)
            console.print()
        # Full reports are kept only when an output needs them all; otherwise only the summary row.
        full = self.html_file is not None or (self.obj.json_output and not self.jsonl)
        self._kept.append(report if full else _summary_only(report))

    def close(self) -> int:
        if self.html_file:
            write_output_file(self.html_file, render_reports_html(self._kept, title=self.html_title))
        if self.obj.json_output and not self.jsonl:
            payload = [report_to_json(r) for r in self._kept]
            self.obj.emit_json(payload[0] if len(payload) == 1 else payload)
        elif not self.jsonl and len(self._kept) > 1:
            self.obj.console().print(summary_table(self._kept))
        return overall_exit(self.codes)

    def progress(self) -> Progress:
        return Progress(
            TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=self.obj.console(stderr=True), transient=True,
            disable=not sys.stderr.isatty() or self.obj.json_output,
        )


def overall_exit(codes: list[int]) -> int:
    """3 if any domain could not be fully checked, else 1 if any had findings at --fail-on, else 0."""
    for code in (3, 1):
        if code in codes:
            return code
    return 0


def _summary_only(report: DomainReport) -> DomainReport:
    return DomainReport(report.domain, report.findings, {}, report.unchecked, report.dns_queries)


def summary_table(reports: list[DomainReport]) -> Table:
    table = Table(title=f"{len(reports)} domains")
    for column in ("domain", "grade", "errors", "warnings", "info", "complete"):
        table.add_column(column)
    for r in sorted(reports, key=lambda r: (r.grade.score, r.domain)):
        table.add_row(
            r.domain, r.grade.letter, str(r.count(Severity.ERROR)), str(r.count(Severity.WARNING)),
            str(r.count(Severity.INFO)), "yes" if r.complete else "no",
        )
    return table
