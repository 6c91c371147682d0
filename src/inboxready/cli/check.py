"""`inboxready check`: the full audit of one or many sending domains."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from inboxready.audit.bulk import audit_many
from inboxready.cli.context import app, fail_on_option, global_options
from inboxready.cli.output import ReportSink
from inboxready.errors import InputError
from inboxready.policy.audit import audit_with_policy
from inboxready.policy.model import DEFAULT_POLICY_FILE, load_policy
from inboxready.providers.catalog import load_catalog

HELP = """Audit sending domains: MX, SPF, DKIM, DMARC, reverse DNS, blocklists, MTA-STS, TLS-RPT,
BIMI and the mailbox providers' bulk-sender requirements; worst findings first, each with a fix.

With a policy file (--policy, or ./inboxready.yaml when no DOMAIN is given) the domain is checked
against its declared senders: every sender authorized by SPF, every selector published, each
sender's DMARC path, and the records the plan needs (as `inboxready diff`).

Domains come as arguments, from --domains FILE (one per line, '#' comments), or '-' for stdin.
Many domains share one DNS cache and run concurrently; --jsonl streams one JSON report per line as
each finishes; a summary table ends the text output.

\b
Examples:
  inboxready check example.com
  inboxready check --policy inboxready.yaml --html report.html
  inboxready check --domains domains.txt --jsonl > results.jsonl
  inboxready --zone example.com.zone check example.com      (what if I published this zone?)

Exit codes: 0 ok · 1 findings at or above --fail-on · 2 bad input · 3 a DNS failure left a domain
incomplete (that domain's grade is '?'; the others are still checked)."""


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


@click.command("check", help=HELP)
@click.argument("domain", nargs=-1)
@click.option("--policy", "policy_path", metavar="FILE",
              help=f"Check against this policy file (default: ./{DEFAULT_POLICY_FILE} when no DOMAIN is given).")
@click.option("--domains", "domains_file", metavar="FILE", help="Read domains from FILE, one per line ('-' = stdin).")
@click.option("--html", "html_file", metavar="FILE", help="Also write a self-contained HTML report to FILE.")
@click.option("--jsonl", is_flag=True, help="Stream one JSON report per line as each domain finishes.")
@click.option("--concurrency", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Domains audited at once.")
@click.option("--selector", "selectors", multiple=True, metavar="S", help="DKIM selector to check (repeatable).")
@click.option("--dkim-discovery", type=click.Choice(["full", "short", "off"]),
              help="Without --selector, try every common DKIM selector (full: default for one domain), the most "
                   "used few (short: default for several domains), or none.")
@global_options
@fail_on_option
@click.pass_context
def command(
    ctx: click.Context,
    domain: tuple[str, ...],
    policy_path: str | None,
    domains_file: str | None,
    html_file: str | None,
    jsonl: bool,
    concurrency: int,
    selectors: tuple[str, ...],
    dkim_discovery: str | None,
) -> None:
    obj = app(ctx)
    if policy_path is None and not domain and not domains_file and Path(DEFAULT_POLICY_FILE).exists():
        policy_path = DEFAULT_POLICY_FILE
    options: dict[str, Any] = {"dkim_selectors": list(selectors)} if selectors else {}
    bulk = domains_file is not None or len(domain) > 1 or "-" in domain
    discovery = dkim_discovery or ("short" if bulk else "full")
    options["dkim_discovery"] = {"full": True, "short": "short", "off": False}[discovery]
    sink = ReportSink(obj, jsonl=jsonl, html_file=html_file)
    if policy_path is not None:
        if domain or domains_file:
            raise click.UsageError("with --policy the domain comes from the policy file: give no DOMAIN")
        policy = load_policy(policy_path)
        catalog = load_catalog(policy.catalog_dirs())
        sink.add(obj.run(audit_with_policy(policy, catalog, obj.resolver(), options=options)))
        ctx.exit(sink.close())
    if not domain and not domains_file:
        raise click.UsageError(f"give a DOMAIN, --domains FILE, or --policy FILE (no ./{DEFAULT_POLICY_FILE} here)")

    async def run_all() -> None:
        with sink.progress() as progress:
            task = progress.add_task("domains", total=None)
            async for report in audit_many(
                _domains(domain, domains_file), obj.resolver(), concurrency=concurrency, options=options
            ):
                sink.add(report)
                progress.advance(task)

    obj.run(run_all())
    ctx.exit(sink.close())
