"""Self-contained HTML pages (inline CSS, no scripts or network needed to view them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import jinja2

from inboxready import __version__
from inboxready.audit.report import DomainReport
from inboxready.findings.model import sort_findings

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("inboxready.render.html", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def render_reports_html(reports: Sequence[DomainReport], title: str = "inboxready report") -> str:
    """One page for one or more domain reports: grade, checklist, findings with fixes, SPF tree."""
    template = _ENV.get_template("report.html.j2")
    return template.render(
        title=title,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        reports=[_view(r) for r in reports],
    )


def _view(report: DomainReport) -> dict[str, Any]:
    grade = report.grade
    sections = {k: dict(v) for k, v in report.sections.items()}
    return {
        "domain": report.domain,
        "grade": grade.letter,
        "score": grade.score,
        "summary": report.to_dict()["summary"],
        "findings": [f.to_dict() for f in sort_findings(report.findings)],
        "unchecked": list(report.unchecked),
        "checklist": sections.get("requirements", {}).get("items", []),
        "spf_tree": sections.get("spf", {}).get("tree"),
        "sender_paths": sections.get("senders", {}).get("paths", []),
        "sections": {k: v for k, v in sections.items() if k not in ("requirements",)},
    }
