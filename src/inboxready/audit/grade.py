"""The grade of a domain report: a score out of 100 and a letter, from the findings alone.

Rule (documented in docs/grade.md):
- start at 100; each error costs 20 points, each warning 5, info costs nothing;
- the cost of one area (spf, dkim, ...) is capped at 40 points, so one broken area cannot hide
  the others and ten warnings about one record do not weigh like ten problems;
- letters: A ≥ 90, B ≥ 80, C ≥ 65, D ≥ 50, F below; any error caps the letter at C;
- a report with a DNS failure that kept a check from completing gets no letter ("?").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from inboxready.findings.model import Finding, Severity

COST = {Severity.ERROR: 20, Severity.WARNING: 5, Severity.INFO: 0}
AREA_CAP = 40
LETTERS = ((90, "A"), (80, "B"), (65, "C"), (50, "D"))


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    letter: str


def grade(findings: Iterable[Finding], complete: bool = True) -> Grade:
    per_area: dict[str, int] = defaultdict(int)
    has_error = False
    for f in findings:
        per_area[f.area] += COST[f.severity]
        has_error = has_error or f.severity is Severity.ERROR
    score = max(0, 100 - sum(min(cost, AREA_CAP) for cost in per_area.values()))
    if not complete:
        return Grade(score, "?")
    letter = next((letter for floor, letter in LETTERS if score >= floor), "F")
    if has_error and letter in ("A", "B"):
        letter = "C"
    return Grade(score, letter)
