"""`inboxready check`: the full audit of one or many sending domains."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from inboxready.audit.bulk import audit_many
from inboxready.audit.report import DomainReport
from inboxready.cli.context import AppContext, app, fail_on_option, global_options, write_output_file
from inboxready.errors import InputError
from inboxready.findings.model import Severity
from inboxready.render.html import render_reports_html
from inboxready.render.json import dumps, report_to_json
from inboxready.render.text import render_report

HELP = """Audit sending domains: MX, SPF, DKIM, DMARC and more, worst findings first, each with a fix.

Domains come as arguments, from --domains FILE (one per line, '#' comments), or '-' for stdin.
With many domains the audits share one DNS cache and run concurrently; --jsonl streams one JSON
report per line as each finishes, and a summary table ends the text output.

\b
Examples:
  inboxready check example.com
  inboxready check example.com --json
  inboxready check --domains domains.txt --jsonl > results.jsonl
  inboxready --zone example.com.zone check example.com      (what if I published this zone?)
"""


def _lines(handle: TextIO) -> Iterator[str]:
    for line in handle:
        name = line.split("#", 1)[0].strip()
        if name:
            yield name


def _read_domains(path: str) -> Iterator[str]:
    if path == "-":
        yield from _lines(sys.stdin)
        return
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as handle:
            yield from _lines(handle)
    except OSError as exc:
        raise InputError(f"cannot read domain list {path}: {exc.strerror}") from exc


def _domains(arguments: tuple[str, ...], domains_file: str | None) -> Iterator[str]:
    for argument in arguments:
        if argument == "-":
            yield from _read_domains("-")
        else:
            yield argument
    if domains_file:
        yield from _read_domains(domains_file)


def _overall_exit(codes: list[int]) -> int:
    for code in (3, 1):
        if code in codes:
            return code
    return 0


@click.command("check", help=HELP)
@click.argument("domain", nargs=-1)
@click.option("--domains", "domains_file", metavar="FILE", help="Read domains from FILE, one per line ('-' = stdin).")
@click.option("--html", "html_file", metavar="FILE", help="Also write a self-contained HTML report to FILE.")
@click.option("--jsonl", is_flag=True, help="Stream one JSON report per line as each domain finishes.")
@click.option("--concurrency", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Domains audited at once.")
@click.option("--selector", "selectors", multiple=True, metavar="S", help="DKIM selector to check (repeatable).")
@global_options
@fail_on_option
@click.pass_context
def command(
    ctx: click.Context,
    domain: tuple[str, ...],
    domains_file: str | None,
    html_file: str | None,
    jsonl: bool,
    concurrency: int,
    selectors: tuple[str, ...],
) -> None:
    obj = app(ctx)
    if not domain and not domains_file:
        raise click.UsageError("give at least one DOMAIN, or --domains FILE")
    options = {"dkim_selectors": list(selectors)} if selectors else {}
    codes = obj.run(_run(obj, _domains(domain, domains_file), jsonl, concurrency, options, html_file))
    ctx.exit(_overall_exit(codes))


async def _run(
    obj: AppContext,
    domains: Iterator[str],
    jsonl: bool,
    concurrency: int,
    options: dict[str, list[str]],
    html_file: str | None = None,
) -> list[int]:
    resolver = obj.resolver()
    console = obj.console()
    reports: list[DomainReport] = []
    codes: list[int] = []
    html_reports: list[DomainReport] = []
    show_progress = sys.stderr.isatty() and not obj.json_output
    progress = Progress(
        TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=obj.console(stderr=True), transient=True, disable=not show_progress,
    )
    with progress:
        task = progress.add_task("domains", total=None)
        async for report in audit_many(domains, resolver, concurrency=concurrency, options=options):
            codes.append(report.exit_code(obj.fail_on))
            progress.advance(task)
            if html_file:
                html_reports.append(report)
            if jsonl:
                click.echo(dumps(report_to_json(report)).replace("\n", ""))
                continue
            if obj.json_output:
                reports.append(report)
                continue
            render_report(console, report)
            console.print()
            reports.append(_summary_only(report))
    if html_file:
        write_output_file(html_file, render_reports_html(html_reports, title="inboxready check"))
    if obj.json_output and not jsonl:
        payload = [report_to_json(r) for r in reports]
        obj.emit_json(payload[0] if len(payload) == 1 else payload)
    elif not jsonl and len(reports) > 1:
        console.print(_summary_table(reports))
    return codes


def _summary_only(report: DomainReport) -> DomainReport:
    """Keep what the summary table needs, so text output of a bulk run stays flat in memory."""
    return DomainReport(report.domain, report.findings, {}, report.unchecked, report.dns_queries)


def _summary_table(reports: list[DomainReport]) -> Table:
    table = Table(title=f"{len(reports)} domains")
    for column in ("domain", "grade", "errors", "warnings", "info", "complete"):
        table.add_column(column)
    for r in sorted(reports, key=lambda r: (r.grade.score, r.domain)):
        table.add_row(
            r.domain, r.grade.letter, str(r.count(Severity.ERROR)), str(r.count(Severity.WARNING)),
            str(r.count(Severity.INFO)), "yes" if r.complete else "no",
        )
    return table
