"""`inboxready ptr IP…`: forward-confirmed reverse DNS of sending IPs."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.hosts.ptr import PtrResult, check_ips, parse_ip
from inboxready.render.text import render_findings

HELP = """Check the reverse DNS of sending IPs: a PTR record, a name that resolves back to the IP
(forward-confirmed, RFC 8601 "iprev"), not a generic pool name, and equal to the HELO name.

\b
Examples:
  inboxready ptr 192.0.2.25
  inboxready ptr 192.0.2.25 2001:db8::25 --helo mail.example.com
  inboxready ptr 192.0.2.25 --json

Exit codes: 0 ok · 1 findings at or above --fail-on · 2 bad input · 3 a DNS lookup failed"""


def exit_code(obj: AppContext, results: Sequence[PtrResult]) -> int:
    if any(r.unchecked for r in results):
        return 3
    fail_on = obj.fail_on
    if fail_on is not None and any(f.severity.rank >= fail_on.rank for r in results for f in r.findings):
        return 1
    return 0


@click.command("ptr", help=HELP)
@click.argument("ips", nargs=-1, required=True, metavar="IP...")
@click.option("--helo", metavar="NAME", help="The name the server announces in HELO/EHLO.")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, ips: tuple[str, ...], helo: str | None) -> None:
    obj = app(ctx)
    targets = [(parse_ip(ip), helo) for ip in ips]
    results = obj.run(check_ips(obj.resolver(), targets))
    if obj.json_output:
        obj.emit_json({"results": [r.to_dict() for r in results]})
    else:
        _print(obj, results)
    ctx.exit(exit_code(obj, results))


def _print(obj: AppContext, results: Sequence[PtrResult]) -> None:
    console = obj.console()
    for r in results:
        verdict = ("FCrDNS ok", "green") if r.fcrdns else ("not forward-confirmed", "bold red")
        if r.unchecked:
            verdict = ("could not check", "bold red")
        line = Text(f"{r.ip}  ", style="bold")
        line.append(verdict[0], style=verdict[1])
        console.print(line)
        for name in r.names:
            addresses = ", ".join(r.forward.get(name, ())) or "no address"
            mark = "✓" if name in r.confirmed else "✗"
            console.print(Text(f"  PTR {name} → {addresses} {mark}"))
        if not r.names and not r.unchecked:
            console.print(Text(f"  no PTR at {r.reverse_name}"))
        if r.helo:
            console.print(Text(f"  HELO {r.helo}: {'matches' if r.helo_matches else 'does not match'}"))
        if r.findings:
            render_findings(console, r.findings, indent=2)
