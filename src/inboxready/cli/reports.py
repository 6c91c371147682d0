"""`inboxready reports ingest|summary`: DMARC aggregate/failure and SMTP TLS reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from inboxready.cli.context import AppContext, app, fail_on_option, global_options, write_output_file
from inboxready.errors import InputError
from inboxready.render.text import render_findings
from inboxready.reports.analyze import parse_day, summarize
from inboxready.reports.html import render_summary_html
from inboxready.reports.ingest import IngestEvent, IngestStats, ingest
from inboxready.reports.model import SourceGroup, Summary
from inboxready.reports.output import summary_to_dict
from inboxready.reports.sources import ImapMailbox, SourceItem, parse_imap_url, path_items, read_password
from inboxready.reports.store import ReportStore
from inboxready.reports.store.queries import ReportFilter


def _db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            app(ctx).db = value

    return click.option("--db", metavar="URL", expose_value=False, callback=callback, is_eager=True,
                        help="Reports store: sqlite:///FILE or postgresql://USER@HOST/DB "
                             "(default: SQLite in your data directory).")(f)


@click.group("reports", help="""Ingest DMARC aggregate, DMARC failure and SMTP TLS reports; see who sends as you.

\b
Examples:
  inboxready reports ingest ~/reports/ dmarc.mbox
  inboxready reports ingest --imap imaps://dmarc@mail.example.com --imap-password-env DMARC_PW
  inboxready reports summary --domain example.com --since 2026-01-01 --html dmarc.html""")
def command() -> None:
    pass


def _store(obj: AppContext) -> ReportStore:
    return ReportStore(obj.db)


def _progress(obj: AppContext) -> tuple[Progress | None, Callable[[IngestEvent], None] | None]:
    console = obj.console(stderr=True)
    if obj.json_output or not console.is_terminal:
        return None, None
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                        transient=True)
    task = progress.add_task("ingesting")
    counts = {"added": 0, "duplicate": 0, "quarantined": 0, "item-done": 0}

    def hook(event: IngestEvent) -> None:
        counts[event.kind] = counts.get(event.kind, 0) + 1
        progress.update(task, description=f"{counts['item-done']} inputs · {counts['added']} new · "
                        f"{counts['duplicate']} duplicate · {counts['quarantined']} quarantined · {event.name[:40]}")

    return progress, hook


@command.command("ingest", help="""Read reports from files, folders, mbox files, Maildir folders or IMAP.

Files may be bare XML/JSON, .gz, .zip or e-mail (.eml) with report attachments; the format is
recognised from the content. Each report is stored once (reporting org + report id + domain);
ingesting again changes nothing. Inputs that are not usable reports are quarantined with the
reason and counted. With --imap (imaps:// for TLS, imap:// for STARTTLS), each message is moved to
--imap-done-folder once its reports are committed. The password never goes on the command line.

\b
Examples:
  inboxready reports ingest reports/*.xml.gz inbox.mbox ~/Maildir/.dmarc
  DMARC_PW=... inboxready reports ingest --imap imaps://mail.example.com --imap-user dmarc \\
      --imap-password-env DMARC_PW --imap-folder INBOX --imap-done-folder Processed
  inboxready --db postgresql://dmarc@db/dmarc reports ingest reports/ --json""")
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--imap", "imap_url", metavar="URL", help="imaps://[user@]host[:port][/folder] or imap://... (STARTTLS).")
@click.option("--imap-user", metavar="USER", help="IMAP login (or user@ in the URL).")
@click.option("--imap-password-env", metavar="VAR", help="Environment variable holding the IMAP password.")
@click.option("--imap-password-file", metavar="FILE", help="File whose first line is the IMAP password.")
@click.option("--imap-folder", default=None, metavar="FOLDER", help="Folder to read (default: INBOX).")
@click.option("--imap-done-folder", default="Processed", show_default=True, metavar="FOLDER",
              help="Where processed messages are moved.")
@click.option("--imap-ca-file", metavar="FILE", help="Trust this CA (PEM) for the IMAP server's certificate.")
@_db_option
@global_options
@click.pass_context
def ingest_command(ctx: click.Context, paths: tuple[str, ...], imap_url: str | None, imap_user: str | None,
                   imap_password_env: str | None, imap_password_file: str | None, imap_folder: str | None,
                   imap_done_folder: str, imap_ca_file: str | None) -> None:
    obj = app(ctx)
    if not paths and not imap_url:
        raise InputError("give report files or folders, or --imap URL")
    with ExitStack() as stack:
        sources: list[Iterable[SourceItem]] = [path_items(paths)] if paths else []
        if imap_url:
            settings = parse_imap_url(imap_url, imap_user, "", folder=imap_folder, done_folder=imap_done_folder,
                                      ca_file=imap_ca_file)
            settings = replace(settings, password=read_password(imap_password_env, imap_password_file))
            mailbox = stack.enter_context(ImapMailbox(settings))
            sources.append(mailbox.items())
        store = stack.enter_context(_store(obj))
        progress, hook = _progress(obj)
        if progress is not None:
            stack.enter_context(progress)
        stats = ingest(store, _chain(sources), hook=hook)
    if obj.json_output:
        obj.emit_json(stats.to_dict())
    else:
        _print_ingest(obj, stats)
    ctx.exit(2 if stats.unreadable else 0)


def _chain(sources: list[Iterable[SourceItem]]) -> Iterator[SourceItem]:
    for source in sources:
        yield from source


def _print_ingest(obj: AppContext, stats: IngestStats) -> None:
    console = obj.console()
    console.print(f"{stats.files} inputs: {stats.ingested} reports stored, {stats.duplicates} already stored, "
                  f"{stats.quarantined} quarantined")
    for reason, count in sorted(stats.reasons.items()):
        console.print(f"  quarantined {count} × {reason}")
    for line in stats.unreadable:
        console.print(f"  unreadable: {line}")


@command.command("summary", help="""Who sends as your domain, whether it passes DMARC, what to fix, when to enforce.

Per source IP: messages, DMARC pass rate, aligned SPF and DKIM, reverse name and sending service
(from the provider catalog); sources grouped as identified senders passing, identified senders
failing (with the exact fix), forwarders and unknown/unauthorized; readiness for p=quarantine /
p=reject; SMTP TLS failures per MX and policy type. Dates are UTC days (inclusive).

\b
Examples:
  inboxready reports summary
  inboxready reports summary --domain example.com --since 2026-03-01 --until 2026-03-31
  inboxready reports summary --json
  inboxready reports summary --html dmarc.html --no-dns""")
@click.option("--domain", metavar="DOMAIN", help="Only reports for this policy domain.")
@click.option("--since", metavar="DATE", help="Only reports overlapping this day or later (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only reports overlapping this day or earlier (YYYY-MM-DD).")
@click.option("--html", "html_file", metavar="FILE", help="Also write a self-contained HTML page with charts.")
@click.option("--no-dns", is_flag=True, help="No DNS lookups (no reverse names, catalog SPF networks unresolved).")
@_db_option
@global_options
@fail_on_option
@click.pass_context
def summary_command(ctx: click.Context, domain: str | None, since: str | None, until: str | None,
                    html_file: str | None, no_dns: bool) -> None:
    obj = app(ctx)
    try:
        where = ReportFilter(domain, parse_day(since) if since else None, parse_day(until, end=True) if until else None)
    except ValueError as exc:
        raise InputError(f"--since/--until: {exc} (use YYYY-MM-DD)") from None
    with _store(obj) as store:
        summary = obj.run(summarize(store, where, None if no_dns else obj.resolver()))
    if html_file:
        write_output_file(html_file, render_summary_html(summary))
    if obj.json_output:
        obj.emit_json(summary_to_dict(summary))
    else:
        print_summary(obj, summary)
    fail_on = obj.fail_on
    failing = fail_on is not None and any(f.severity.rank >= fail_on.rank for f in summary.findings)
    ctx.exit(1 if failing else 0)


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def print_summary(obj: AppContext, summary: Summary) -> None:
    console = obj.console()
    console.print(f"[bold]{summary.domain or 'all domains'}[/bold]: {summary.reports} aggregate reports, "
                  f"{summary.messages} messages, {_rate(summary.dmarc_pass, summary.messages)} pass DMARC; "
                  f"{summary.tls_reports} TLS reports, {summary.failure_reports} failure reports, "
                  f"{summary.quarantined} quarantined")
    if summary.policy_applied:
        applied = ", ".join(f"{k} {v}" for k, v in summary.policy_applied.items())
        console.print(f"policy applied by receivers: {applied}")
    table = Table("group", "IP", "reverse name", "sender", "messages", "DMARC", "SPF al.", "DKIM al.", box=None)
    for group in SourceGroup:
        for s in summary.group(group)[:10]:
            table.add_row(group.value, s.ip, s.ptr or "", s.sender or "", str(s.messages),
                          _rate(s.dmarc_pass, s.messages), _rate(s.spf_aligned, s.messages),
                          _rate(s.dkim_aligned, s.messages))
    if summary.sources:
        console.print(table)
    for r in summary.readiness:
        step = f"p={r.next_policy}" if r.next_policy else "already enforced"
        verdict = "ready" if r.ready else "not ready"
        console.print(f"{r.domain}: p={r.policy or 'none'} → {step}: {verdict} "
                      f"({_rate(r.legitimate_pass, r.legitimate_messages)} of legitimate mail passes; "
                      f"would hurt {r.hurt_messages}, unauthorized {r.unauthorized_messages})")
    for f in summary.tls_failures[:10]:
        console.print(f"TLS {f.policy_domain} {f.policy_type} {f.receiving_mx_hostname or '(no MX)'}: "
                      f"{f.result_type} × {f.failed_sessions}")
    if summary.findings:
        console.print()
        render_findings(console, summary.findings)
    for line in summary.unchecked:
        console.print(f"could not check: {line}")
