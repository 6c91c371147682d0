"""Terminal rendering of findings and reports (rich), grouped by area, worst first, with fixes."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from rich.console import Console
from rich.text import Text

from inboxready.audit.report import DomainReport
from inboxready.findings.model import Finding, Severity, sort_findings

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_LABEL = {Severity.ERROR: "ERROR", Severity.WARNING: "WARN ", Severity.INFO: "INFO "}


def _area_rank(findings: list[Finding]) -> tuple[int, str]:
    return (-max(f.severity.rank for f in findings), findings[0].area)


def render_findings(console: Console, findings: Iterable[Finding], indent: int = 2) -> None:
    """Findings grouped by area (the area with the worst finding first), each with its fix."""
    ordered = sort_findings(findings)
    groups = [list(g) for _, g in groupby(sorted(ordered, key=lambda f: f.area), key=lambda f: f.area)]
    pad = " " * indent
    for group in sorted(groups, key=_area_rank):
        console.print(Text(f"{pad}{group[0].area.upper()}", style="bold"))
        for f in sort_findings(group):
            line = Text(pad + "  ")
            line.append(_LABEL[f.severity], style=_STYLE[f.severity])
            line.append(f" {f.code}", style="bold")
            line.append(f"  {f.subject}", style="dim")
            console.print(line)
            console.print(Text(f"{pad}        {f.message}"))
            if f.fix:
                console.print(Text(f"{pad}        fix: {f.fix}", style="green"))


def summary_line(report: DomainReport) -> Text:
    counts = [(report.count(s), s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
    text = Text()
    text.append(report.domain, style="bold")
    text.append(" — ")
    parts = []
    for n, s in counts:
        label = words[s] + ("s" if n != 1 and s is not Severity.INFO else "")
        parts.append((f"{n} {label}", _STYLE[s] if n else "dim"))
    for i, (part, style) in enumerate(parts):
        if i:
            text.append(", ")
        text.append(part, style=style)
    if report.unchecked:
        text.append(f"; {len(report.unchecked)} lookups failed (incomplete)", style="bold red")
    return text


def render_report(console: Console, report: DomainReport) -> None:
    console.print(summary_line(report))
    if not report.findings:
        console.print(Text("  No findings.", style="green"))
    else:
        render_findings(console, report.findings)
    if report.unchecked:
        console.print(Text("  Could not check:", style="bold red"))
        for line in report.unchecked:
            console.print(Text(f"    {line}"))
