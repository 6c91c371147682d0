"""`inboxready mtasts DOMAIN`: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460); `inboxready bimi DOMAIN`."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.hosts.bimi import BimiReport, evaluate_bimi
from inboxready.hosts.https import HttpsClient
from inboxready.hosts.mtasts import MtaStsReport, evaluate_mtasts
from inboxready.hosts.tlsrpt import TlsRptReport, evaluate_tlsrpt
from inboxready.render.text import render_findings

HELP = """Check MTA-STS (the _mta-sts record, the HTTPS policy at mta-sts.DOMAIN, its mode, max_age
and mx patterns against the MX records) and the TLS-RPT record (_smtp._tls).

The policy host is resolved with the same DNS settings as everything else (--zone, --nameserver).

\b
Examples:
  inboxready mtasts example.com
  inboxready mtasts example.com --json
  inboxready mtasts example.com --ca-file staging-ca.pem --https-port 8443

Exit codes: 0 ok · 1 findings at or above --fail-on · 2 bad input · 3 a DNS lookup failed"""

BIMI_HELP = """Check the BIMI record (default._bimi: v=BIMI1, l= https SVG logo URL, a= https PEM
evidence URL) and the DMARC enforcement BIMI requires. The logo and certificate are not fetched.

\b
Examples:
  inboxready bimi example.com
  inboxready bimi example.com --json"""


def _domain(text: str) -> str:
    name = text.strip().rstrip(".").lower()
    if not name or "." not in name or any(c in name for c in " /@:;,"):
        raise InputError(f"{text!r} is not a domain name")
    return name


def _exit(obj: AppContext, findings: Sequence[Finding], unchecked: Sequence[str]) -> int:
    if unchecked:
        return 3
    if obj.fail_on is not None and any(f.severity.rank >= obj.fail_on.rank for f in findings):
        return 1
    return 0


async def _both(resolver: Resolver, domain: str, client: HttpsClient) -> tuple[MtaStsReport, TlsRptReport]:
    return await evaluate_mtasts(resolver, domain, client), await evaluate_tlsrpt(resolver, domain)


@click.command("mtasts", help=HELP)
@click.argument("domain")
@click.option("--ca-file", metavar="PEM", type=click.Path(exists=True, dir_okay=False),
              help="Trust these CA certificates (instead of the system's) for the policy host.")
@click.option("--https-port", type=click.IntRange(1, 65535), default=443, show_default=True,
              help="Port of the policy host (RFC 8461 uses 443).")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, domain: str, ca_file: str | None, https_port: int) -> None:
    obj = app(ctx)
    client = HttpsClient(cafile=ca_file, port=https_port, timeout=max(obj.timeout, 5.0))
    sts, tlsrpt = obj.run(_both(obj.resolver(), _domain(domain), client))
    findings = [*sts.findings, *tlsrpt.findings]
    if obj.json_output:
        obj.emit_json({"domain": sts.domain, "mtasts": sts.to_dict(), "tlsrpt": tlsrpt.to_dict(),
                       "findings": [f.to_dict() for f in findings]})
    else:
        _print_mtasts(obj, sts, tlsrpt, findings)
    ctx.exit(_exit(obj, findings, [*sts.unchecked, *tlsrpt.unchecked]))


def _print_mtasts(obj: AppContext, sts: MtaStsReport, tlsrpt: TlsRptReport, findings: list[Finding]) -> None:
    console = obj.console()
    console.print(Text(f"MTA-STS and TLS-RPT for {sts.domain}", style="bold"))
    if sts.record is not None:
        console.print(Text(f"  record  {sts.record.text}"))
    if sts.policy is not None:
        p = sts.policy
        mode = p.mode.to_text() if p.mode else "?"
        console.print(Text(f"  policy  {sts.policy_url}: mode {mode}, max_age {p.max_age}, mx {', '.join(p.mx)}"))
    if tlsrpt.record is not None:
        console.print(Text(f"  tls-rpt {tlsrpt.record.text}"))
    if findings:
        render_findings(console, findings)
    else:
        console.print(Text("  No findings.", style="green"))


@click.command("bimi", help=BIMI_HELP)
@click.argument("domain")
@global_options
@fail_on_option
@click.pass_context
def bimi_command(ctx: click.Context, domain: str) -> None:
    obj = app(ctx)
    report: BimiReport = obj.run(evaluate_bimi(obj.resolver(), _domain(domain)))
    if obj.json_output:
        obj.emit_json({**report.to_dict(), "findings": [f.to_dict() for f in report.findings]})
    else:
        console = obj.console()
        record = report.record.text if report.record else "none published"
        console.print(Text(f"BIMI for {report.domain}: {record}", style="bold"))
        if report.findings:
            render_findings(console, report.findings)
        else:
            console.print(Text("  No findings.", style="green"))
    ctx.exit(_exit(obj, report.findings, report.unchecked))
