"""`inboxready demo`: the newcomer's first run, fully offline."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import click

from inboxready.audit.report import DomainReport
from inboxready.cli.context import app, fail_on_option, global_options
from inboxready.cli.output import ReportSink
from inboxready.cli.reports import print_summary
from inboxready.demo import DEMO_DOMAIN, demo_policy_file, demo_reports_dir, demo_zone_files
from inboxready.dns.cache import CachingResolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver
from inboxready.policy.audit import audit_with_policy
from inboxready.policy.model import PolicyFile, load_policy
from inboxready.providers.catalog import load_catalog
from inboxready.reports.analyze import summarize
from inboxready.reports.declared import policy_enrichers
from inboxready.reports.ingest import ingest
from inboxready.reports.model import Summary
from inboxready.reports.output import summary_to_dict
from inboxready.reports.sources import path_items
from inboxready.reports.store import ReportStore
from inboxready.reports.store.queries import ReportFilter


@click.command(
    "demo",
    help=f"""Audit the bundled demo organisation, Acme ({DEMO_DOMAIN}), offline, against its policy file,
and summarize the DMARC and TLS reports receivers sent about its mail.

Acme sends through Microsoft 365, Amazon SES, Mailchimp, its web host and one own server; its
zone has the mistakes real zones have. This runs `inboxready check --policy` on it from zone files
bundled in the package, then ingests the bundled reports into a temporary store and shows
`inboxready reports summary`. Zone files given with --zone are loaded over the demo's, so you
can try a fix before publishing it.

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
    report, summary = obj.run(_demo(policy, CachingResolver(zones)))
    sink.add(report)
    code = sink.close()
    if not obj.json_output:
        obj.console().print(f"\nDMARC and TLS reports about {DEMO_DOMAIN} (bundled samples)\n")
        print_summary(obj, summary)
    ctx.exit(code)


async def _demo(policy: PolicyFile, resolver: Resolver) -> tuple[DomainReport, Summary]:
    report = await audit_with_policy(policy, load_catalog(policy.catalog_dirs()), resolver)
    with tempfile.TemporaryDirectory(prefix="inboxready-demo-") as tmp, \
            ReportStore(f"sqlite:///{tmp}/reports.db") as store:
        ingest(store, path_items([demo_reports_dir()]))
        summary = await summarize(store, ReportFilter(DEMO_DOMAIN), resolver, policy_enrichers(policy.policy, resolver))
    sections = {**report.sections, "reports": summary_to_dict(summary)}
    seen = {(f.code, f.subject) for f in report.findings}
    extra = tuple(f for f in summary.findings if (f.code, f.subject) not in seen)
    return replace(report, findings=(*report.findings, *extra), sections=sections), summary
