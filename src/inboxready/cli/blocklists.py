"""`inboxready blocklists IP|DOMAIN…`: DNS blocklist status, with return codes interpreted."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text

from inboxready.blocklists.dnsbl import BlocklistResult, Status, blocklist_findings, check_blocklists, parse_target
from inboxready.blocklists.lists import Blocklist, load_lists
from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.findings.model import Finding
from inboxready.render.text import render_findings

HELP = """Look IPs up on IP blocklists and domains on domain blocklists (Spamhaus ZEN and DBL,
SpamCop, Barracuda, UCEPROTECT 1, PSBL, SURBL, URIBL by default).

Return codes are interpreted: error answers (Spamhaus 127.255.255.x, URIBL 127.0.0.1) and answers
outside 127.0.0.0/8 are "could not check", never "listed"; a list failing its RFC 5782 self-test
(e.g. a dead list answering everything) is ignored. --lists FILE adds or replaces lists (YAML).
Ask through your own resolver: public resolvers are refused by several lists.

\b
Examples:
  inboxready blocklists 192.0.2.25
  inboxready blocklists 192.0.2.25 example.com --json
  inboxready blocklists 192.0.2.25 --lists my-lists.yaml

Exit codes: 0 not listed · 1 listed (findings at or above --fail-on) · 2 bad input · 3 a list could
not be checked"""

_STYLE = {
    Status.LISTED: "bold red",
    Status.NOT_LISTED: "green",
    Status.UNCHECKED: "yellow",
    Status.SKIPPED: "dim",
}


@click.command("blocklists", help=HELP)
@click.argument("targets", nargs=-1, required=True, metavar="IP|DOMAIN...")
@click.option("--lists", "lists_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="YAML file of blocklists to add (or, with include_defaults: false, to use alone).")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, targets: tuple[str, ...], lists_file: str | None) -> None:
    obj = app(ctx)
    parsed = [parse_target(t) for t in targets]
    lists = load_lists(lists_file)
    results = obj.run(check_blocklists(obj.resolver(), parsed, lists))
    findings, unchecked = blocklist_findings(results)
    if obj.json_output:
        obj.emit_json(
            {
                "targets": [t.text for t in parsed],
                "lists": [b.to_dict() for b in lists],
                "results": [r.to_dict() for r in results],
                "listed": sorted({r.target for r in results if r.listed}),
                "findings": [f.to_dict() for f in findings],
                "complete": not unchecked,
                "unchecked": unchecked,
            }
        )
    else:
        _print(obj, results, lists, findings)
    ctx.exit(_exit_code(obj, findings, unchecked))


def _exit_code(obj: AppContext, findings: Sequence[Finding], unchecked: Sequence[str]) -> int:
    if unchecked:
        return 3
    if obj.fail_on is not None and any(f.severity.rank >= obj.fail_on.rank for f in findings):
        return 1
    return 0


def _print(
    obj: AppContext, results: Sequence[BlocklistResult], lists: Sequence[Blocklist], findings: Sequence[Finding]
) -> None:
    console = obj.console()
    table = Table(title=f"{len(lists)} blocklists", show_lines=False)
    for column in ("target", "list", "status", "detail"):
        table.add_column(column)
    for r in results:
        detail = "; ".join(r.meanings) if r.listed else r.reason
        table.add_row(r.target, r.blocklist.zone, Text(r.status.to_text(), style=_STYLE[r.status]), detail)
    console.print(table)
    if findings:
        render_findings(console, findings)
    else:
        console.print(Text("  Not listed anywhere that answered.", style="green"))
