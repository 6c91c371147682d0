"""`inboxready demo`: the newcomer's first run, fully offline."""

from __future__ import annotations

from pathlib import Path

import click

from inboxready.audit.engine import audit_domain
from inboxready.audit.report import DomainReport
from inboxready.cli.context import app, fail_on_option, global_options, write_output_file
from inboxready.demo import DEMO_DOMAIN, DEMO_OPTIONS, demo_zone_files
from inboxready.dns.cache import CachingResolver
from inboxready.dns.zones import ZoneResolver, load_zone_file
from inboxready.render.html import render_reports_html
from inboxready.render.json import report_to_json
from inboxready.render.text import render_report


@click.command(
    "demo",
    help=f"""Audit the bundled demo organisation, Acme ({DEMO_DOMAIN}), offline.

Acme sends through Microsoft 365, Amazon SES, Mailchimp, its web host and one own server; its
zone has the mistakes real zones have. Zone files given with --zone are loaded over the demo's,
so you can try a fix before publishing it.

\b
Examples:
  inboxready demo
  inboxready demo --json
  inboxready --zone fixed-acme.zone demo""",
)
@click.option("--html", "html_file", metavar="FILE", help="Also write the report as a self-contained HTML page.")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, html_file: str | None) -> None:
    obj = app(ctx)
    paths: list[str | Path] = [*demo_zone_files(), *obj.zone_files]
    zones = ZoneResolver(load_zone_file(p) for p in paths)
    resolver = CachingResolver(zones)
    report: DomainReport = obj.run(audit_domain(DEMO_DOMAIN, resolver, options=DEMO_OPTIONS))
    if html_file:
        write_output_file(html_file, render_reports_html([report], title="inboxready demo: Acme"))
    if obj.json_output:
        obj.emit_json(report_to_json(report))
    else:
        console = obj.console()
        console.print(f"inboxready demo: auditing {DEMO_DOMAIN} from {len(zones.origins)} bundled zones (offline)\n")
        render_report(console, report)
    ctx.exit(report.exit_code(obj.fail_on))
