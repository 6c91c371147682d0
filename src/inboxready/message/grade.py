"""The grade of one message: a mark out of 10, as the online testers give, and a letter.

Rule (also in docs/message.md):
- start at 10;
- each error finding costs 1.5 points, each warning 0.5, info nothing; the findings of one group
  (authentication, headers, content) cost at most 4 points together;
- SpamAssassin's total score, when positive, costs as many points, at most 4 (a negative score
  gives nothing back); it is counted in the content group's cap together with msg-spam-score;
- the mark is rounded to one decimal and never below 0;
- letters: A ≥ 9, B ≥ 8, C ≥ 6.5, D ≥ 5, F below; any error caps the letter at C;
- when a DNS failure kept a check from completing the letter is "?" (the mark still shows what
  was checked); missing inputs (no IP, no spamd) are listed, not punished.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from inboxready.findings.model import Finding, Severity
from inboxready.message.spamd import SpamReport

START = 10.0
COST = {Severity.ERROR: 1.5, Severity.WARNING: 0.5, Severity.INFO: 0.0}
GROUP_CAP = 4.0
LETTERS = ((9.0, "A"), (8.0, "B"), (6.5, "C"), (5.0, "D"))
AUTH_CODES = ("msg-spf", "msg-dkim", "msg-dmarc", "msg-arc", "msg-auth")
CONTENT_CODES = ("msg-spam",)


@dataclass(frozen=True, slots=True)
class MessageGrade:
    score: float
    letter: str
    #: Points lost per group: authentication, headers, content.
    lost: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "out_of": START, "letter": self.letter, "lost": self.lost}


def group_of(code: str) -> str:
    if code.startswith(AUTH_CODES):
        return "authentication"
    if code.startswith(CONTENT_CODES):
        return "content"
    return "headers"


def grade_message(findings: Iterable[Finding], spam: SpamReport | None, complete: bool = True) -> MessageGrade:
    lost: dict[str, float] = defaultdict(float)
    has_error = False
    for f in findings:
        lost[group_of(f.code)] += COST[f.severity]
        has_error = has_error or f.severity is Severity.ERROR
    if spam is not None and spam.score > 0:
        lost["content"] += min(spam.score, GROUP_CAP)
    capped = {group: round(min(points, GROUP_CAP), 1) for group, points in sorted(lost.items()) if points}
    score = round(max(0.0, START - sum(capped.values())), 1)
    letter = next((letter for floor, letter in LETTERS if score >= floor), "F")
    if has_error and letter in ("A", "B"):
        letter = "C"
    if not complete:
        letter = "?"
    return MessageGrade(score, letter, capped)
