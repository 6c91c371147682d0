"""A message report as one self-contained HTML page (inline CSS, no script, nothing fetched)."""

from __future__ import annotations

import datetime as dt

import jinja2

from inboxready import __version__
from inboxready.message.check import MessageReport

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("inboxready.message", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_message_html(report: MessageReport, title: str | None = None) -> str:
    data = report.to_dict()
    counts = {s: sum(1 for f in report.findings if f.severity.value == s) for s in ("error", "warning", "info")}
    return _ENV.get_template("message.html.j2").render(
        title=title or f"inboxready message check: {report.source}",
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        report=data,
        auth=data["authentication"],
        counts=counts,
    )
