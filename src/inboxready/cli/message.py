"""`inboxready message check`: one message, authenticated and scored as a receiver would."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from inboxready.cli.context import app, fail_on_option, global_options, write_output_file
from inboxready.errors import InputError
from inboxready.message.check import (
    DeclaredServer,
    MessageCheckOptions,
    MessageReport,
    check_message,
    servers_from_policy,
)
from inboxready.message.html import render_message_html
from inboxready.message.spamd import SpamdClient, parse_spamd_address
from inboxready.policy.model import load_policy
from inboxready.render.text import render_findings

CHECK_HELP = """Check one message (.eml) as a receiving server would: SPF, every DKIM signature, ARC,
DMARC with alignment and the policy that applies, header hygiene, and the SpamAssassin score.

SPF needs the connecting IP: give --ip, or --policy to assume the first sending server the policy
declares (all declared servers are checked). MAIL FROM defaults to the Return-Path header, then
the From address. The content is scored only with --spamd (a running spamd).

\b
Examples:
  inboxready message check newsletter.eml --ip 203.0.113.25
  inboxready message check newsletter.eml --policy inboxready.yaml --spamd 127.0.0.1:783
  inboxready message check newsletter.eml --json
  inboxready --zone acme.zone message check good.eml --html report.html

\b
Exit codes: 0 ok · 1 findings at or above --fail-on · 2 bad input · 3 a DNS failure kept a check from completing
"""

_STYLE = {"pass": "green", "fail": "bold red", "permerror": "bold red", "softfail": "yellow", "neutral": "yellow",
          "temperror": "yellow", "unknown": "yellow", "none": "dim"}


@click.group("message", help="""Check messages: authentication, headers and spam score of one .eml file.

\b
Example:
  inboxready message check newsletter.eml --ip 203.0.113.25 --spamd 127.0.0.1:783""")
def command() -> None:
    pass


@command.command("check", help=CHECK_HELP)
@click.argument("file", metavar="FILE.eml")
@click.option("--ip", metavar="IP", help="The connecting IP address SPF is checked for.")
@click.option("--helo", metavar="NAME", help="The HELO/EHLO name the sender used.")
@click.option("--mail-from", metavar="ADDRESS", help="The envelope sender (MAIL FROM); '' for a bounce.")
@click.option("--policy", "policy_path", metavar="F", help="Policy file: declared sending servers, silenced codes.")
@click.option("--spamd", "spamd_address", metavar="HOST:PORT", help="Score the content with this spamd.")
@click.option("--bulk/--not-bulk", default=None, help="Treat as bulk mail (default: guess from its headers).")
@click.option("--html", "html_file", metavar="FILE", help="Also write the report as a self-contained HTML page.")
@global_options
@fail_on_option
@click.pass_context
def check(ctx: click.Context, file: str, ip: str | None, helo: str | None, mail_from: str | None,
          policy_path: str | None, spamd_address: str | None, bulk: bool | None, html_file: str | None) -> None:
    obj = app(ctx)
    raw = _read(file)
    options = _options(ip, helo, mail_from, policy_path, spamd_address, bulk)
    report = obj.run(check_message(raw, obj.resolver(), options, source=file))
    if html_file:
        write_output_file(html_file, render_message_html(report))
    if obj.json_output:
        obj.emit_json(report.to_dict())
    else:
        render_message_report(obj.console(), report)
    ctx.exit(3 if not report.complete else report.exit_code(obj.fail_on))


def _read(file: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from exc


def _options(ip: str | None, helo: str | None, mail_from: str | None, policy_path: str | None,
             spamd_address: str | None, bulk: bool | None) -> MessageCheckOptions:
    servers: tuple[DeclaredServer, ...] = ()
    silence: frozenset[str] = frozenset()
    if policy_path:
        policy = load_policy(policy_path).policy
        servers, silence = servers_from_policy(policy), policy.silence
    spamd = SpamdClient(*parse_spamd_address(spamd_address)) if spamd_address else None
    return MessageCheckOptions(ip=ip, helo=helo, mail_from=mail_from, bulk=bulk, servers=servers, spamd=spamd,
                               silence=silence)


def render_message_report(console: Console, report: MessageReport) -> None:
    grade = report.grade
    title = Text(f"{report.source}", style="bold")
    title.append(f" — grade {grade.letter} ({grade.score:g}/10)")
    console.print(title)
    h = report.headers
    console.print(Text(f"  From {h.from_address or '?'} · Subject {h.subject or '—'}"
                       + (" · bulk" if h.bulk else ""), style="dim"))
    console.print(_auth_table(report))
    console.print(Text(report.auth.authentication_results, style="cyan"))
    _render_spam(console, report)
    if report.findings:
        console.print(Text("\nFindings", style="bold"))
        render_findings(console, report.findings)
    else:
        console.print(Text("\nNo findings.", style="green"))
    if report.not_checked:
        console.print(Text("Not checked:", style="bold yellow"))
        for line in report.not_checked:
            console.print(Text(f"  {line}"))


def _auth_table(report: MessageReport) -> Table:
    auth = report.auth
    table = Table(title="Authentication", title_justify="left", show_edge=False, pad_edge=False)
    for column in ("method", "result", "details"):
        table.add_column(column)
    for check in auth.spf:
        declared = " (declared in the policy)" if report.ip_source == "policy" else ""
        detail = f"{check.sender} from {check.ip}{declared}"
        detail += f" · {check.result.path or check.result.reason or ''}"
        table.add_row(f"SPF {check.identity}", _result(check.result.result.value), detail.rstrip(" ·"))
    if not auth.spf:
        table.add_row("SPF", _result("unknown"), "not checked: no connecting IP (--ip or --policy)")
    for sig in auth.dkim:
        bits = f" ({sig.key_bits}-bit {sig.key_type})" if sig.key_bits else ""
        table.add_row("DKIM", _result(sig.result.to_text()), f"d={sig.domain} s={sig.selector}{bits} · {sig.reason}")
    if not auth.dkim:
        table.add_row("DKIM", _result("none"), "the message is not signed")
    table.add_row("ARC", _result(auth.arc.result), auth.arc.reason)
    dmarc = auth.dmarc
    policy = f"p={dmarc.requested_policy.to_text()}" if dmarc and dmarc.requested_policy else "no policy"
    reason = dmarc.reason if dmarc else "no From domain"
    table.add_row("DMARC", _result(auth.dmarc_result), f"{report.headers.from_domain or '?'} {policy} · {reason}")
    return table


def _result(value: str) -> Text:
    return Text(value, style=_STYLE.get(value, ""))


def _render_spam(console: Console, report: MessageReport) -> None:
    spam = report.spam
    if spam is None:
        console.print(Text(f"\nContent not scored: {report.spam_error}", style="yellow"))
        return
    verdict = "spam" if spam.is_spam else "not spam"
    console.print(Text(f"\nSpamAssassin: {spam.score:g} points (threshold {spam.threshold:g}) — {verdict}",
                       style="bold red" if spam.is_spam else "bold"))
    for rule in sorted(spam.rules, key=lambda r: -r.score):
        console.print(Text(f"  {rule.score:5.1f}  {rule.name:<24} {rule.description}"))
