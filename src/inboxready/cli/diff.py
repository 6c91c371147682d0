"""`inboxready diff`: live DNS (or --zone files) against the plan, with the exact fix for each change."""

from __future__ import annotations

import click
from rich.console import Console
from rich.text import Text

from inboxready.cli.context import app, global_options
from inboxready.cli.plan import load_inputs, policy_option
from inboxready.policy.diff import DiffResult, diff_plan
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan

HELP = """Compare DNS with the plan of the policy file: records missing, wrong or extra, each with the
exact fix. Only values the plan manages count (other TXT data such as site verification tokens is
left alone). Records of other zones (PTR, report authorizations) are listed as requests.

\b
Examples:
  inboxready diff
  inboxready diff --policy acme.yaml --json
  inboxready --zone acme.example.zone --zone providers.zone diff

Exit codes: 0 DNS matches the plan · 1 something must change · 2 bad policy · 3 a DNS lookup failed"""


@click.command("diff", help=HELP)
@policy_option
@global_options
@click.pass_context
def command(ctx: click.Context, policy_path: str) -> None:
    obj = app(ctx)
    policy, catalog = load_inputs(policy_path)

    async def run() -> tuple[Plan, DiffResult]:
        resolver = obj.resolver()
        plan = await make_plan(policy, catalog, resolver)
        return plan, await diff_plan(plan, resolver)

    plan, result = obj.run(run())
    if obj.json_output:
        obj.emit_json({**result.to_dict(), "plan_unchecked": list(plan.unchecked)})
    else:
        render_diff(obj.console(), result)
    ctx.exit(result.exit_code())


def render_diff(console: Console, result: DiffResult) -> None:
    ok = sum(1 for c in result.changes if c.action == "ok" and c.expected is not None)
    console.print(Text(f"Diff for {result.domain}: {len(result.to_fix)} to change, {ok} as planned", style="bold"))
    styles = {"missing": "bold red", "wrong": "bold red", "extra": "yellow"}
    for change in result.to_fix:
        line = Text("  ")
        line.append(change.action.upper(), style=styles[change.action])
        line.append(f" {change.name} {change.type}")
        console.print(line)
        if change.note:
            console.print(Text(f"      {change.note}", style="dim"))
        console.print(Text(f"      fix: {change.fix}", style="green"))
    if result.requests:
        console.print(Text("\nTo request from other zones' operators", style="bold"))
        for change in result.requests:
            console.print(Text(f"  {change.action.upper()} {change.name} {change.type}\n      {change.fix}"))
    pending = [c for c in result.changes if c.action == "pending"]
    if pending:
        console.print(Text("\nPending (the policy lacks values only the service shows)", style="bold"))
        for change in pending:
            console.print(Text(f"  {change.name} {change.type}: {change.note}\n      {change.fix}"))
    for change in result.changes:
        if change.action == "ok" and change.expected is None and change.note:
            console.print(Text(f"  note: {change.note}", style="dim"))
    if result.unchecked:
        console.print(Text("\nCould not check (DNS failures):", style="bold red"))
        for item in result.unchecked:
            console.print(Text(f"  {item}"))
    if not result.to_fix and not result.unchecked:
        console.print(Text("DNS matches the plan.", style="green"))
