"""The HTML report renders in a real browser and shows every finding with its fix."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from tests.render.chromium import dump_dom, screenshot

from inboxready.audit.report import DomainReport
from inboxready.findings import Finding, Severity
from inboxready.render.html import render_reports_html


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.external: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"^(https?:)?//", value):
                self.external.append(value)


def test_page_is_self_contained_and_escapes_hostile_text() -> None:
    hostile = Finding("mx-null", Severity.ERROR, "<script>alert(1)</script>", "a & b", "fix <b>it</b>")
    page = render_reports_html([DomainReport("evil.test", (hostile,))])
    parser = _Text()
    parser.feed(page)
    assert parser.external == []
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_demo_html_report_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "demo.html"
    run = subprocess.run(
        [sys.executable, "-m", "inboxready", "demo", "--html", str(page), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    report = json.loads(run.stdout)
    dom = dump_dom(page)
    parser = _Text()
    parser.feed(dom)
    text = " ".join(" ".join(parser.parts).split())
    assert report["domain"] in text
    for finding in report["findings"]:
        assert finding["code"] in text
        assert " ".join(finding["fix"].split()) in text
    assert f"{report['summary']['error']} errors" in text
    screenshot(page, "demo-report")
