"""Terminal rendering of findings and reports (rich), grouped by area, worst first, with fixes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

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


_MARK = {"pass": ("✓", "green"), "fail": ("✗", "bold red"), "unknown": ("?", "dim")}


def render_checklist(console: Console, items: Iterable[Mapping[str, Any]]) -> None:
    console.print(Text("  MAILBOX-PROVIDER REQUIREMENTS (Gmail, Yahoo, Outlook.com bulk senders)", style="bold"))
    for item in items:
        mark, style = _MARK.get(str(item["status"]), ("?", "dim"))
        line = Text("    ")
        line.append(mark, style=style)
        line.append(f" {item['requirement']}")
        line.append(f"  {item['detail']}", style="dim")
        console.print(line)


_PATH_STYLE = {"pass": "green", "pending": "yellow", "fail": "bold red"}


def render_sender_paths(console: Console, paths: Iterable[Mapping[str, Any]]) -> None:
    console.print(Text("  DMARC PATH PER SENDER (from the policy file)", style="bold"))
    for p in paths:
        line = Text(f"    {p['sender']}: ")
        line.append(str(p["path"]), style=_PATH_STYLE.get(str(p["status"]), ""))
        console.print(line)


def next_steps(findings: Iterable[Finding], limit: int = 5) -> list[tuple[str, list[str]]]:
    """The first fixes to make, worst first; findings that share a fix are one step."""
    steps: dict[str, list[str]] = {}
    for f in sort_findings(findings):
        if f.severity is Severity.INFO or not f.fix:
            continue
        steps.setdefault(f.fix, []).append(f.subject)
    return list(steps.items())[:limit]


def render_report(console: Console, report: DomainReport) -> None:
    console.print(summary_line(report))
    checklist = report.sections.get("requirements", {}).get("items")
    if checklist:
        render_checklist(console, checklist)
    paths = report.sections.get("senders", {}).get("paths")
    if paths:
        render_sender_paths(console, paths)
    if not report.findings:
        console.print(Text("  No findings.", style="green"))
    else:
        render_findings(console, report.findings)
    steps = next_steps(report.findings)
    if steps:
        console.print(Text("  WHAT TO DO NEXT", style="bold"))
        for number, (fix, subjects) in enumerate(steps, 1):
            console.print(Text(f"    {number}. {fix}  ({', '.join(subjects[:3])}{', …' if len(subjects) > 3 else ''})"))
    if report.unchecked:
        console.print(Text("  Could not check:", style="bold red"))
        for line in report.unchecked:
            console.print(Text(f"    {line}"))
