"""`inboxready dmarc`: a domain's DMARC record, where it was found, what it means; or one record."""

from __future__ import annotations

import re
from typing import Any

import click
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.dmarc.analyze import DEFAULT_MODE, DmarcAnalysis, analyze_dmarc
from inboxready.dmarc.destinations import DestinationCheck
from inboxready.dmarc.discovery import DIRECT, ORGANIZATIONAL_DOMAIN, PUBLIC_SUFFIX_DOMAIN, TREE_WALK
from inboxready.dmarc.lookup import normalize_domain
from inboxready.dmarc.record import DmarcRecord, parse_dmarc_record
from inboxready.dmarc.semantics import policy_findings
from inboxready.dmarc.tags import DmarcMode
from inboxready.errors import InputError
from inboxready.findings.model import Finding, sort_findings
from inboxready.render.text import render_findings

_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MECHANISM = {
    DIRECT: "at the domain itself",
    ORGANIZATIONAL_DOMAIN: "at the Organizational Domain (Public Suffix List, RFC 7489 6.6.3)",
    TREE_WALK: "at the Organizational Domain found by the DNS tree walk (RFC 9989 4.10)",
    PUBLIC_SUFFIX_DOMAIN: "at the Public Suffix Domain (psd=y, RFC 9989 4.10)",
}
_STATUS_STYLE = {"internal": "green", "authorized": "green", "unauthorized": "red", "unchecked": "yellow"}

mode_option = click.option(
    "--mode",
    type=click.Choice(["rfc7489", "dmarcbis"]),
    default=DEFAULT_MODE.value,
    show_default=True,
    help="Follow RFC 7489 (Public Suffix List, p second, pct) or RFC 9989 DMARCbis (DNS tree walk, np/psd/t).",
)


@click.group(
    "dmarc",
    help="""DMARC records: discovery, validation, meaning and report destinations.

\b
Examples:
  inboxready dmarc analyze example.com
  inboxready dmarc analyze mail.example.com --mode dmarcbis --json
  inboxready dmarc parse 'v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com'""",
)
def command() -> None:
    pass


def _domain(text: str) -> str:
    name = normalize_domain(text)
    if not name or len(name) > 253 or not all(_LABEL_RE.match(label) for label in name.split(".")):
        raise InputError(f"{text!r} is not a valid domain name")
    return name


def _exit_code(obj: AppContext, findings: tuple[Finding, ...] | list[Finding], unchecked: bool) -> int:
    if unchecked:
        return 3
    if obj.fail_on is not None and any(f.severity.rank >= obj.fail_on.rank for f in findings):
        return 1
    return 0


@command.command(
    "analyze",
    help="""Find the DMARC record that applies to DOMAIN and check it.

Shows where the record was found (the domain itself, its Organizational Domain, or by the RFC 9989
tree walk), the policy that applies, report destinations and whether external ones authorized the
reports, and every problem with the corrected record.

\b
Examples:
  inboxready dmarc analyze example.com
  inboxready dmarc analyze shop.example.co.uk --mode dmarcbis
  inboxready --zone example.com.zone dmarc analyze example.com --json""",
)
@click.argument("domain")
@mode_option
@global_options
@fail_on_option
@click.pass_context
def analyze(ctx: click.Context, domain: str, mode: str) -> None:
    obj = app(ctx)
    name = _domain(domain)
    analysis = obj.run(analyze_dmarc(obj.resolver(), name, DmarcMode.from_text(mode)))
    if obj.json_output:
        obj.emit_json(analysis.to_dict())
    else:
        _print_analysis(obj, analysis)
    ctx.exit(_exit_code(obj, analysis.findings, bool(analysis.unchecked)))


@command.command(
    "parse",
    help="""Validate one DMARC record given as text, without any DNS lookup.

\b
Examples:
  inboxready dmarc parse 'v=DMARC1; p=none; rua=mailto:dmarc@example.com'
  inboxready dmarc parse 'v=DMARC1; p=reject; pct=50' --mode dmarcbis --json""",
)
@click.argument("record")
@mode_option
@click.option("--domain", metavar="DOMAIN", help="The domain the record is for (used in messages and advice).")
@global_options
@fail_on_option
@click.pass_context
def parse(ctx: click.Context, record: str, mode: str, domain: str | None) -> None:
    obj = app(ctx)
    subject = f"_dmarc.{_domain(domain)}" if domain else "DMARC record"
    parsed = parse_dmarc_record(record, DmarcMode.from_text(mode), subject=subject)
    findings = sort_findings([*parsed.problems, *policy_findings(parsed, subject)])
    if obj.json_output:
        obj.emit_json(parse_to_dict(parsed, findings))
    else:
        console = obj.console()
        _print_record(console, parsed)
        _print_findings(console, findings, parsed)
    ctx.exit(_exit_code(obj, findings, False))


def parse_to_dict(record: DmarcRecord, findings: list[Finding]) -> dict[str, Any]:
    return {
        "record": record.text,
        "mode": record.mode.to_text(),
        "valid": record.valid,
        "version_ok": record.version_ok,
        "policy": record.to_dict(),
        "corrected": record.corrected if record.problems else None,
        "findings": [f.to_dict() for f in findings],
    }


def _print_analysis(obj: AppContext, analysis: DmarcAnalysis) -> None:
    console = obj.console()
    discovery = analysis.discovery
    console.print(Text(f"DMARC for {analysis.domain} ({analysis.mode.rfc} discovery)", style="bold"))
    org = discovery.organizational_domain or ("(unknown: a lookup failed)" if discovery.unchecked else "(none)")
    console.print(Text(f"  organizational domain  {org}"))
    if analysis.record is None or discovery.mechanism is None:
        console.print(Text("  no DMARC record applies", style="red"))
    else:
        console.print(Text(f"  found at  {discovery.found_at}, {_MECHANISM[discovery.mechanism]}"))
        _print_record(console, analysis.record)
        applied = discovery.applied_policy
        console.print(
            Text(
                f"  applies to {analysis.domain}  {discovery.policy_tag}="
                f"{applied.to_text() if applied else '(no DMARC processing)'}",
                style="bold",
            )
        )
        for check in analysis.destinations:
            console.print(_destination_line(check))
    console.print(Text(f"  queried  {', '.join(discovery.queried)}", style="dim"))
    _print_findings(console, analysis.findings, analysis.record)
    if analysis.unchecked:
        console.print(Text("  Could not check:", style="bold red"))
        for line in analysis.unchecked:
            console.print(Text(f"    {line}"))


def _print_record(console: Any, record: DmarcRecord) -> None:
    console.print(Text(f"  record    {record.text}"))
    tags = record.to_dict()
    shown = ["p", "sp", "np", "adkim", "aspf", "pct", "t", "psd", "fo"]
    console.print(Text("  policy    " + "  ".join(f"{t}={_show(tags[t])}" for t in shown), style="dim"))
    for tag in ("rua", "ruf"):
        if tags[tag]:
            console.print(Text(f"  {tag}       {', '.join(tags[tag])}", style="dim"))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ":".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)


def _destination_line(check: DestinationCheck) -> Text:
    line = Text(f"  {check.tag} {check.uri}  ")
    line.append(check.status, style=_STATUS_STYLE.get(check.status, "dim"))
    if check.authorization_name:
        line.append(f"  ({check.authorization_name})", style="dim")
    if check.override:
        line.append(f"  overridden by {', '.join(check.override)}", style="cyan")
    return line


def _print_findings(console: Any, findings: tuple[Finding, ...] | list[Finding], record: DmarcRecord | None) -> None:
    if findings:
        render_findings(console, findings)
    else:
        console.print(Text("  No findings.", style="green"))
    if record is not None and record.problems:
        console.print(Text(f"  corrected record: {record.corrected}", style="green"))
