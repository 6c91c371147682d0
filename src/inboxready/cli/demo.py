"""`inboxready demo`: the newcomer's first run, fully offline."""

from __future__ import annotations

from pathlib import Path

import click

from inboxready.cli.context import app, fail_on_option, global_options
from inboxready.cli.output import ReportSink
from inboxready.demo import DEMO_DOMAIN, demo_policy_file, demo_zone_files
from inboxready.dns.cache import CachingResolver
from inboxready.dns.zones import ZoneResolver
from inboxready.policy.audit import audit_with_policy
from inboxready.policy.model import load_policy
from inboxready.providers.catalog import load_catalog


@click.command(
    "demo",
    help=f"""Audit the bundled demo organisation, Acme ({DEMO_DOMAIN}), offline, against its policy file.

Acme sends through Microsoft 365, Amazon SES, Mailchimp, its web host and one own server; its
zone has the mistakes real zones have. This runs `inboxready check --policy` on it, from zone files
bundled in the package. Zone files given with --zone are loaded over the demo's, so you can try a
fix before publishing it.

\b
Examples:
  inboxready demo
  inboxready demo --json
  inboxready demo --html acme.html
  inboxready --zone fixed-acme.zone demo""",
)
@click.option("--html", "html_file", metavar="FILE", help="Also write the report as a self-contained HTML page.")
@global_options
@fail_on_option
@click.pass_context
def command(ctx: click.Context, html_file: str | None) -> None:
    obj = app(ctx)
    paths: list[str | Path] = [*demo_zone_files(), *obj.zone_files]
    zones = ZoneResolver.from_files(paths)
    policy = load_policy(demo_policy_file())
    sink = ReportSink(obj, html_file=html_file, html_title="inboxready demo: Acme")
    if not obj.json_output:
        obj.console().print(
            f"inboxready demo: checking {DEMO_DOMAIN} against its policy file, "
            f"from {len(zones.origins)} bundled zones (offline)\n"
        )
    report = obj.run(audit_with_policy(policy, load_catalog(policy.catalog_dirs()), CachingResolver(zones)))
    sink.add(report)
    ctx.exit(sink.close())
