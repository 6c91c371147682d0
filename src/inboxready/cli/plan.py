"""`inboxready plan`: the records, steps and conflicts the policy file implies, or an export of them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options, write_output_file
from inboxready.policy.export import EXPORTERS
from inboxready.policy.model import DEFAULT_POLICY_FILE, PolicyFile, load_policy
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.providers.catalog import Catalog, load_catalog
from inboxready.render.text import render_findings

F = TypeVar("F", bound=Callable[..., Any])

HELP = """Turn the policy file into the complete record set for every sender, the manual steps, each
sender's DMARC path, and the conflicts. SPF includes are resolved to count lookups (use --zone
for offline work).

\b
Examples:
  inboxready plan
  inboxready plan --policy acme.yaml --format zone > acme.plan.zone
  inboxready plan --format octodns --output acme.example.yaml
  inboxready --zone providers.zone plan --json

Exit codes: 0 ok · 1 conflicts at or above --fail-on · 2 bad policy · 3 a DNS lookup failed"""


def policy_option(f: F) -> F:
    return click.option("--policy", "policy_path", default=DEFAULT_POLICY_FILE, show_default=True,
                        metavar="FILE", help="The policy file.")(f)


def load_inputs(path: str) -> tuple[PolicyFile, Catalog]:
    policy = load_policy(path)
    return policy, load_catalog(policy.catalog_dirs())


def plan_exit_code(obj: AppContext, plan: Plan) -> int:
    if plan.unchecked:
        return 3
    fail_on = obj.fail_on
    return 1 if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in plan.conflicts) else 0


@click.command("plan", help=HELP)
@policy_option
@click.option("--format", "fmt", type=click.Choice(["text", "zone", "octodns", "json"]), default="text",
              show_default=True, help="Output form.")
@click.option("--output", metavar="FILE", help="Write the output to FILE instead of printing it.")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, policy_path: str, fmt: str, output: str | None) -> None:
    obj = app(ctx)
    policy, catalog = load_inputs(policy_path)
    plan = obj.run(make_plan(policy, catalog, obj.resolver()))
    if obj.json_output:
        fmt = "json"
    if fmt == "text":
        if output:
            console = Console(file=io.StringIO(), no_color=True, width=120, record=True)
            render_plan(console, plan)
            write_output_file(output, console.export_text())
        else:
            render_plan(obj.console(), plan)
    else:
        text = EXPORTERS[fmt](plan)
        if output:
            write_output_file(output, text)
        else:
            click.echo(text, nl=False)
    ctx.exit(plan_exit_code(obj, plan))


def render_plan(console: Console, plan: Plan) -> None:
    console.print(Text(f"Plan for {plan.domain}", style="bold"))
    if plan.spf is not None:
        lookups = "unknown" if plan.spf.dns_lookups is None else str(plan.spf.dns_lookups)
        console.print(Text(f"SPF: {lookups} of 10 DNS lookups" + (" (optimized)" if plan.spf.optimized else "")))
    console.print(Text("\nRecords in your zone", style="bold"))
    for r in plan.own_records:
        console.print(Text(f"  {r.zone_line()}"))
        console.print(Text(f"      for {', '.join(r.providers)}: {r.why}", style="dim"))
        for caveat in r.caveats:
            console.print(Text(f"      check: {caveat}", style="yellow"))
    if plan.external_records:
        console.print(Text("\nRecords other zones must publish (ask their operators)", style="bold"))
        for r in plan.external_records:
            console.print(Text(f"  {r.zone_line()}\n      {r.why}"))
    if plan.pending:
        console.print(Text("\nPending (copy these values from the service into the policy)", style="bold"))
        for p in plan.pending:
            where = f" - {p.where}" if p.where else ""
            console.print(Text(f"  {p.name} {p.type}: needs {', '.join(p.needs)} ({', '.join(p.providers)}){where}"))
    console.print(Text("\nManual steps", style="bold"))
    for i, step in enumerate(plan.steps, 1):
        console.print(Text(f"  {i}. [{step.provider}] {step.text}" + (f"\n     {step.url}" if step.url else "")))
    console.print(Text("\nHow each sender passes DMARC", style="bold"))
    for path in plan.paths:
        style = {"aligned": "green", "pending": "yellow", "fails": "bold red"}[path.status]
        line = Text(f"  {path.sender}: ")
        line.append(path.text, style=style)
        console.print(line)
        for note in path.unconfirmed:
            console.print(Text(f"      unconfirmed: {note}", style="yellow"))
    if plan.conflicts:
        console.print(Text("\nConflicts and warnings", style="bold"))
        render_findings(console, plan.conflicts)
