"""`inboxready apply`: publish the plan to a DNS provider (dry run first), or roll the last apply back."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from inboxready.cli.context import AppContext, app, global_options
from inboxready.cli.plan import load_inputs, policy_option
from inboxready.dns.factory import build_resolver
from inboxready.dns.live import LiveResolver
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.policy.apply import (
    ApplyConflict,
    PlanIncomplete,
    Prepared,
    Visibility,
    ZoneRouter,
    execute,
    prepare_apply,
    prepare_rollback,
    summary,
    wait_until_visible,
)
from inboxready.policy.diff import DiffResult, diff_plan
from inboxready.policy.document import build_document, document_bytes, pointer_record
from inboxready.policy.model import PolicyFile, Target
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.policy.targets import OctodnsZone, open_target, target_nameserver
from inboxready.render.text import render_findings

HELP = """Publish the plan's records to a DNS provider named under targets: in the policy file
(PowerDNS HTTP API, RFC 2136 dynamic update, or any octoDNS provider). Safe by default: a dry run
shows every change as a diff; changes are made only after you confirm (or with --yes). Only values
the plan manages are touched (a site verification TXT next to the SPF record stays); the previous
values are saved in .inboxready/ next to the policy file, and --rollback restores them. Credentials
come from the environment variable or file the target names, never from the command line.

\b
Examples:
  inboxready apply --target pdns                 dry run: what would change
  inboxready apply --target pdns --yes           apply, then wait until DNS shows it
  inboxready apply --target pdns --rollback --yes

Exit codes: 0 done (or nothing to change) · 1 dry run with changes pending, conflicts, or changes not
visible in time · 2 bad policy, target or credentials · 3 DNS failure"""


@dataclass
class _Outcome:
    prepared: Prepared
    mode: str = "dry-run"  # dry-run | unchanged | applied | rolled-back | declined | conflict
    state_file: str | None = None
    visibility: Visibility | None = None
    diff: DiffResult | None = None
    findings: list[Finding] = field(default_factory=list)


@click.command("apply", help=HELP)
@policy_option
@click.option("--target", "target_name", required=True, metavar="NAME", help="A target of the policy file.")
@click.option("--yes", is_flag=True, help="Apply without asking (the dry run is still shown).")
@click.option("--rollback", is_flag=True, help="Undo the newest apply to this target.")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=60.0, show_default=True,
              metavar="SECONDS", help="How long to wait for the target's DNS server to show the changes (0: don't).")
@global_options
@click.pass_context
def command(ctx: click.Context, policy_path: str, target_name: str, yes: bool, rollback: bool,
            wait_seconds: float) -> None:
    obj = app(ctx)
    policy, catalog = load_inputs(policy_path)
    target = _target(policy, target_name)
    zone = open_target(target_name, target, policy.base)
    nameserver = target_nameserver(target)

    def target_resolver() -> Resolver:
        if nameserver is None:
            return build_resolver(obj.zone_files, obj.nameservers, timeout=obj.timeout)
        return LiveResolver([nameserver], timeout=obj.timeout, retries=1)

    async def run() -> _Outcome:
        resolver = ZoneRouter(target.zone, target_resolver(), obj.resolver())
        try:
            plan: Plan | None = None
            if rollback:
                prepared = await prepare_rollback(zone, target_name, policy.base)
            else:
                plan = await make_plan(policy, catalog, resolver)
                if plan.unchecked:
                    raise PlanIncomplete(plan.unchecked)
                extra = _pointer(policy, plan)
                plan = dataclasses.replace(plan, records=(*plan.records, *extra))
                prepared = await prepare_apply(plan, zone, target_name)
            outcome = _Outcome(prepared)
            _show_dry_run(obj, zone, prepared, rollback)
            if not prepared.changeset.changes:
                outcome.mode = "unchanged"
            elif not _confirmed(obj, yes, prepared, zone):
                outcome.mode = "declined" if sys.stdin.isatty() and not obj.json_output else "dry-run"
            else:
                await _write(obj, outcome, zone, policy, rollback, wait_seconds, target_resolver)
            if plan is not None and outcome.mode in ("applied", "unchanged"):
                outcome.diff = await diff_plan(plan, resolver)
            return outcome
        finally:
            await resolver.aclose()

    outcome = obj.run(run())
    _report(obj, outcome, target_name)
    ctx.exit(_exit_code(outcome))


def _target(policy: PolicyFile, name: str) -> Target:
    target = policy.policy.targets.get(name)
    if target is None:
        known = ", ".join(sorted(policy.policy.targets)) or "none (add a targets: section)"
        raise InputError(f"{policy.path}: no target {name!r}; targets: {known}")
    return target


def _pointer(policy: PolicyFile, plan: Plan) -> tuple[Any, ...]:
    if policy.policy.policy_document is None:
        return ()
    return (pointer_record(policy, document_bytes(build_document(policy, plan))),)


def _confirmed(obj: AppContext, yes: bool, prepared: Prepared, zone: OctodnsZone) -> bool:
    if yes:
        return True
    if obj.json_output or not sys.stdin.isatty():
        return False
    count = len(prepared.changeset.changes)
    return click.confirm(f"Make these {count} change(s) at {zone.description}?", default=False)


async def _write(obj: AppContext, outcome: _Outcome, zone: OctodnsZone, policy: PolicyFile, rollback: bool,
                 wait_seconds: float, target_resolver: Any) -> None:
    try:
        path = await execute(outcome.prepared, zone, policy.base, policy.path)
    except ApplyConflict as exc:
        outcome.mode = "conflict"
        outcome.findings.extend(exc.findings)
        return
    outcome.mode = "rolled-back" if rollback else "applied"
    outcome.state_file = str(path) if path else None
    if wait_seconds > 0:
        outcome.visibility = await wait_until_visible(outcome.prepared.changeset.changes, target_resolver,
                                                      wait_seconds)
        outcome.findings.extend(outcome.visibility.findings)


def _exit_code(outcome: _Outcome) -> int:
    if outcome.prepared.changeset.conflicts or outcome.findings:
        return 1
    if outcome.mode in ("dry-run", "declined"):
        return 1
    if outcome.diff is not None and outcome.diff.unchecked:
        return 3
    return 0


def _show_dry_run(obj: AppContext, zone: OctodnsZone, prepared: Prepared, rollback: bool) -> None:
    if obj.json_output:
        return
    console = obj.console()
    counts = summary(prepared)
    what = "Rollback" if rollback else "Changes"
    console.print(Text(f"{what} for {zone.description}: {counts['create']} to create, {counts['update']} to "
                       f"update, {counts['delete']} to delete", style="bold"))
    render_changes(console, prepared)


def render_changes(console: Console, prepared: Prepared) -> None:
    marks = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
    styles = {"-": "red", "+": "green", "=": "dim"}
    for change in prepared.changeset.changes:
        mark, style = marks[change.action]
        line = Text(f"  {mark} ", style=style)
        line.append(f"{change.action} {change.name} {change.type}")
        if change.why:
            line.append(f"  ({change.why})", style="dim")
        console.print(line)
        for sign, text in change.diff_lines():
            suffix = "   (kept)" if sign == "=" else ""
            console.print(Text(f"      {sign if sign != '=' else ' '} {text}{suffix}", style=styles[sign]))
    if prepared.changeset.conflicts:
        console.print(Text("Left untouched", style="bold"))
        render_findings(console, prepared.changeset.conflicts)
    for note in prepared.changeset.notes:
        console.print(Text(f"  note: {note}", style="dim"))


def _report(obj: AppContext, outcome: _Outcome, target_name: str) -> None:
    if obj.json_output:
        obj.emit_json(_json(outcome, target_name))
        return
    console = obj.console()
    changes = len(outcome.prepared.changeset.changes)
    message = {
        "unchanged": ("Nothing to change: the zone already holds the plan.", "green"),
        "dry-run": ("Dry run: nothing changed. Run again with --yes to make these changes.", "yellow"),
        "declined": ("Nothing changed.", "yellow"),
        "conflict": ("Nothing changed: the zone changed since the dry run.", "bold red"),
        "applied": (f"Applied {changes} change(s); undo with --rollback (state: {outcome.state_file}).", "green"),
        "rolled-back": (f"Rolled back {changes} change(s) ({outcome.state_file}).", "green"),
    }[outcome.mode]
    console.print(Text(message[0], style=message[1]))
    if outcome.visibility is not None and outcome.visibility.visible:
        console.print(Text(f"The target's DNS server answers with every change ({outcome.visibility.waited:.1f} s)."))
    if outcome.findings:
        render_findings(console, outcome.findings)
    if outcome.diff is not None:
        left = len(outcome.diff.to_fix)
        text = "diff: clean, DNS matches the plan" if not left and not outcome.diff.unchecked else \
            f"diff: {left} record(s) still differ from the plan (see `inboxready diff`)"
        console.print(Text(text, style="green" if not left else "yellow"))


def _json(outcome: _Outcome, target_name: str) -> dict[str, Any]:
    vis = outcome.visibility
    return {
        "target": target_name, "mode": outcome.mode, **outcome.prepared.changeset.to_dict(),
        "summary": summary(outcome.prepared), "state_file": outcome.state_file,
        "visible": None if vis is None else vis.visible, "waited": None if vis is None else round(vis.waited, 2),
        "findings": [f.to_dict() for f in outcome.findings],
        "diff": outcome.diff.to_dict() if outcome.diff else None,
    }
