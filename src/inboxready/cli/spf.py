"""`inboxready spf`: check one sender, analyze a domain's policy, optimize it (RFC 7208)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.dns.zones import parse_zone_text
from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.render.text import render_findings
from inboxready.spf import (
    Coverage,
    Drift,
    OptimizedSpf,
    SpfAnalysis,
    SpfResult,
    analyze_spf,
    check_drift,
    evaluate_spf,
    optimize_domain,
    optimize_record,
    sender_coverage,
)
from inboxready.spf.names import is_valid_domain
from inboxready.spf.record import ResultCode
from inboxready.spf.tree import TreeNode

_RESULT_STYLE = {"pass": "bold green", "fail": "bold red", "softfail": "yellow", "neutral": "cyan",
                 "none": "dim", "permerror": "bold red", "temperror": "bold magenta"}


@click.group("spf", help="""SPF (RFC 7208): evaluate a sender, analyze a domain's policy, optimize it.

\b
Examples:
  inboxready spf check 192.0.2.10 alice@example.com --helo mail.example.com
  inboxready spf analyze example.com
  inboxready spf optimize example.com""")
def command() -> None:
    pass


def _domain(text: str) -> str:
    name = text.strip().rstrip(".").lower()
    if not is_valid_domain(name):
        raise InputError(f"{text!r} is not a valid domain name")
    return name


def _exit_for(obj: AppContext, findings: Sequence[Finding], unchecked: bool) -> int:
    if unchecked:
        return 3
    if obj.fail_on is not None and any(f.severity.rank >= obj.fail_on.rank for f in findings):
        return 1
    return 0


@command.command("check", help="""The SPF result for mail from SENDER sent by IP, and the path that decided it.

SENDER is the MAIL FROM address (user@example.com), a bare domain, or "" for a bounce, which checks
postmaster@HELO (RFC 7208 2.4). IP may be IPv4 or IPv6.

\b
Exit codes: 0 the check ran (whatever the result) · 2 bad input (IP, sender)
            3 temperror: a DNS failure decided the result

\b
Examples:
  inboxready spf check 192.0.2.10 alice@example.com
  inboxready spf check 2001:db8::25 "" --helo mail.example.com --json""")
@click.argument("ip")
@click.argument("sender")
@click.option("--helo", default="", metavar="NAME", help="The HELO/EHLO name (needed for an empty SENDER).")
@click.option("--trace", "full_trace", is_flag=True, help="Show every term tried, not only records and matches.")
@global_options
@click.pass_context
def check(ctx: click.Context, ip: str, sender: str, helo: str, full_trace: bool) -> None:
    obj = app(ctx)
    result = obj.run(evaluate_spf(obj.resolver(), ip, sender, helo=helo))
    if obj.json_output:
        obj.emit_json(result.to_dict())
    else:
        _print_check(obj.console(), ip, result, full_trace)
    ctx.exit(3 if result.result is ResultCode.TEMPERROR else 0)


def _print_check(console: Console, ip: str, result: SpfResult, full_trace: bool) -> None:
    line = Text(f"{result.result.value}", style=_RESULT_STYLE[result.result.value])
    line.append(f"  {ip} for {result.domain}", style="bold")
    if result.path:
        line.append(f"  via {result.path}")
    console.print(line)
    if result.reason:
        console.print(Text(f"  {result.reason}"))
    if result.explanation:
        console.print(Text(f"  explanation: {result.explanation}"))
    console.print(Text(f"  {result.dns_lookups}/10 DNS lookups, {result.void_lookups}/2 void lookups", style="dim"))
    for step in result.trace:
        if full_trace or step.notable:
            console.print(Text(f"  {step}", style="dim"))


@command.command("analyze", help="""The SPF policy of DOMAIN: lookup tree, counts, networks, problems.

Shows the include/redirect tree with each node's DNS-lookup cost, the totals against the limits of
10 lookups and 2 void lookups, every network that gets 'pass' with the include granting it, and
risky constructs. --sender checks that the policy authorizes all of a sending service (its include
domain, or a network), by evaluation.

\b
Examples:
  inboxready spf analyze example.com
  inboxready spf analyze example.com --sender _spf.google.com --sender 192.0.2.0/24
  inboxready --zone example.com.zone spf analyze example.com --json""")
@click.argument("domain")
@click.option("--sender", "senders", multiple=True, metavar="INCLUDE|NETWORK",
              help="A sending service that must be authorized: its include domain or a network (repeatable).")
@click.option("--all-networks", is_flag=True, help="List every authorized network (text output).")
@global_options
@fail_on_option
@click.pass_context
def analyze(ctx: click.Context, domain: str, senders: tuple[str, ...], all_networks: bool) -> None:
    obj = app(ctx)
    name = _domain(domain)

    async def work() -> tuple[SpfAnalysis, list[Coverage]]:
        resolver = obj.resolver()
        analysis = await analyze_spf(resolver, name)
        coverages = [await sender_coverage(resolver, name, _sender(s), domain_graph=analysis.graph)
                     for s in senders]
        return analysis, coverages

    analysis, coverages = obj.run(work())
    findings = list(analysis.findings) + [f for c in coverages for f in c.findings
                                          if f.code == "spf-sender-not-authorized"]
    if obj.json_output:
        data = analysis.to_dict()
        data["findings"] = [f.to_dict() for f in findings]
        if coverages:
            data["coverage"] = [c.to_dict() for c in coverages]
        obj.emit_json(data)
    else:
        _print_analysis(obj.console(), analysis, coverages, findings, all_networks)
    ctx.exit(_exit_for(obj, findings, bool(analysis.unchecked)))


def _sender(text: str) -> str | list[str]:
    """A network ("192.0.2.0/24") or an include domain ("_spf.example.net", "include:…")."""
    value = text.strip()
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value.removeprefix("include:")
    return [value]


def _print_analysis(console: Console, a: SpfAnalysis, coverages: list[Coverage], findings: list[Finding],
                    all_networks: bool) -> None:
    head = Text(f"SPF for {a.domain}", style="bold")
    head.append("  valid" if a.valid else "  NOT VALID", style="green" if a.valid else "bold red")
    console.print(head)
    console.print(Text(f"  record  {a.record or '(none)'}"))
    v4, v6 = a.void_lookups_by_family
    style = "red" if a.dns_lookups > 10 or a.void_lookups > 2 else "dim"
    console.print(Text(f"  {a.dns_lookups}/10 DNS lookups · void lookups {v4}/2 (IPv4) {v6}/2 (IPv6)", style=style))
    if a.tree.children:
        console.print(Text("  tree (cost = DNS lookups caused)", style="bold"))
        for depth, node in a.tree.walk():
            if depth:
                console.print(_tree_line(depth, node))
    _print_networks(console, a, all_networks)
    for coverage in coverages:
        ok = {True: ("covered", "green"), False: ("NOT covered", "bold red"), None: ("undecided", "yellow")}
        label, colour = ok[coverage.covered]
        line = Text(f"  sender {coverage.sender}: ")
        line.append(label, style=colour)
        console.print(line.append(f" — {coverage.reason}"))
    if findings:
        render_findings(console, findings)
    else:
        console.print(Text("  No findings.", style="green"))
    for failure in a.unchecked:
        console.print(Text(f"  could not check: {failure}", style="bold red"))


def _tree_line(depth: int, node: TreeNode) -> Text:
    line = Text("  " + "  " * depth + f"{node.via}")
    line.append(f"  cost {node.cost}", style="cyan")
    if node.status != "record":
        line.append(f"  [{node.status}{': ' + node.error if node.error else ''}]", style="red")
    return line


def _print_networks(console: Console, a: SpfAnalysis, all_networks: bool) -> None:
    four = [n for n in a.networks if n.version == 4]
    six = [n for n in a.networks if n.version == 6]
    console.print(Text(f"  authorized: {len(four)} IPv4 and {len(six)} IPv6 networks", style="bold"))
    shown = a.networks if all_networks else a.networks[:12]
    for n in shown:
        path = " → ".join((*n.via, n.term))
        console.print(Text(f"    {n.network:<24} {path}", style="dim"))
    if len(shown) < len(a.networks):
        console.print(Text(f"    … {len(a.networks) - len(shown)} more (--all-networks)", style="dim"))
    if a.undetermined:
        console.print(Text(f"  decided per address, not by range: {', '.join(a.undetermined)}", style="dim"))


@command.command("optimize", help="""An equivalent SPF record set for DOMAIN within 10 DNS lookups.

Flattens includes (and a, mx, static redirect) into ip4/ip6 ranges where their policy is static,
keeps what must stay (exists, ptr, macros), chains sub-records _spf1.DOMAIN… when one record would
exceed --max-bytes, and prints exactly what to publish. Equivalence is proven by comparing the old
and new policies over address ranges and by evaluating both on addresses at every range edge.

--check-drift SOURCE compares a published flattened set with what the providers publish now.
SOURCE is the unflattened record ("v=spf1 include:… -all"), a file with it, or the JSON of an earlier
`spf optimize --json`. The published set is DOMAIN's current records, or --published FILE (that JSON,
or a zone file). Exit 1 when ranges were added or removed.

\b
Examples:
  inboxready spf optimize example.com
  inboxready spf optimize example.com --record "v=spf1 include:_spf.google.com include:sendgrid.net -all"
  inboxready spf optimize example.com --check-drift optimized.json""")
@click.argument("domain")
@click.option("--record", metavar="TEXT", help="Optimize this record instead of the published one.")
@click.option("--max-bytes", type=click.IntRange(min=100, max=2000), default=450, show_default=True,
              help="Largest record to publish (a sub-record is made beyond it).")
@click.option("--check-drift", "drift_source", metavar="SOURCE", help="Compare a published flattened set with "
              "its providers' current ranges (SOURCE: the unflattened record, a file, or optimize JSON).")
@click.option("--published", type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="With --check-drift: the published set (optimize JSON or zone file) instead of live DNS.")
@global_options
@click.pass_context
def optimize(ctx: click.Context, domain: str, record: str | None, max_bytes: int, drift_source: str | None,
             published: str | None) -> None:
    obj = app(ctx)
    name = _domain(domain)
    if drift_source is not None:
        source = _source_record(drift_source)
        given = _published_records(Path(published), name) if published else None
        drift = obj.run(check_drift(obj.resolver(), name, source, given))
        if obj.json_output:
            obj.emit_json(drift.to_dict())
        else:
            _print_drift(obj.console(), drift)
        ctx.exit(0 if drift.in_sync else 1)
    if record is not None:
        result = obj.run(optimize_record(obj.resolver(), record, name, max_record_bytes=max_bytes))
    else:
        result = obj.run(optimize_domain(obj.resolver(), name, max_record_bytes=max_bytes))
    if obj.json_output:
        obj.emit_json(result.to_dict())
    else:
        _print_optimized(obj.console(), result)
    proven = result.proof is None or result.proof.equivalent
    ctx.exit(0 if result.within_limits and proven else 1)


def _source_record(text: str) -> str:
    value = text.strip()
    if value.lower().startswith("v=spf1"):
        return value
    path = Path(value)
    try:
        content = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"--check-drift: {value!r} is neither an SPF record nor a readable file ({exc})") from None
    if content.startswith("{"):
        data = _json(content, path)
        if not isinstance(data.get("source_record"), str):
            raise InputError(f"{path}: JSON without a 'source_record' (write it with 'spf optimize --json')")
        return str(data["source_record"])
    return content.strip('"')


def _json(content: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


def _published_records(path: Path, domain: str) -> list[tuple[str, str]]:
    content = path.read_text(encoding="utf-8")
    if content.lstrip().startswith("{"):
        data = _json(content, path)
        records = data.get("records")
        if not isinstance(records, list):
            raise InputError(f"{path}: JSON without 'records' (write it with 'spf optimize --json')")
        return [(str(r["name"]), str(r["text"])) for r in records if isinstance(r, dict) and "name" in r]
    zone = parse_zone_text(content, origin=domain, filename=str(path))
    out = []
    for owner, rdataset in zone.iterate_rdatasets("TXT"):
        for rdata in rdataset:
            text = b"".join(rdata.strings).decode("ascii", "replace")
            if text.lower().startswith("v=spf1"):
                out.append((owner.to_text(omit_final_dot=True), text))
    if not out:
        raise InputError(f"{path}: no v=spf1 TXT record found")
    return out


def _print_optimized(console: Console, o: OptimizedSpf) -> None:
    colour = "green" if o.within_limits else "bold red"
    console.print(Text(f"SPF for {o.domain}: {o.dns_lookups_before} → {o.dns_lookups_after} DNS lookups",
                       style=colour))
    console.print(Text("  publish:", style="bold"))
    for record in o.records:
        console.print(Text(f"    {record.zone_line()}"), soft_wrap=True)
    for item in o.flattened:
        console.print(Text(f"  flattened {item.term} → {len(item.networks)} networks", style="dim"))
    for kept in o.kept:
        console.print(Text(f"  kept {kept}", style="dim"))
    for note in o.notes:
        console.print(Text(f"  note: {note}", style="yellow"))
    if o.proof is not None:
        p = o.proof
        verdict = "equivalent" if p.equivalent else "NOT equivalent"
        line = Text(f"  proof: {verdict}", style="green" if p.equivalent else "bold red")
        line.append(f" — range partitions {'identical' if p.exact else 'differ'}; {p.samples} sampled addresses, "
                    f"{len(p.mismatches)} mismatches")
        console.print(line)
        for m in p.mismatches[:10]:
            console.print(Text(f"    {m.ip}: before {m.old}, after {m.new}", style="red"))
        if p.limit_errors:
            console.print(Text(f"  warning: for {p.limit_errors} sampled addresses the new set still exceeds a "
                               "lookup limit (void lookups of the terms it keeps)", style="yellow"))


def _print_drift(console: Console, drift: Drift) -> None:
    if drift.in_sync:
        console.print(Text(f"{drift.domain}: the published set matches the providers' current ranges", style="green"))
        return
    console.print(Text(f"{drift.domain}: the published set has drifted from its providers", style="bold red"))
    for change in drift.added:
        console.print(Text(f"  + {change.network:<24} now in {change.source} (its mail fails your SPF)", style="red"))
    for change in drift.removed:
        console.print(Text(f"  - {change.network:<24} no longer in {change.source or 'the source'} "
                           "(you still authorize it)", style="yellow"))
