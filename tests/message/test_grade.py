"""The message grade rule (docs/message.md) and the findings drawn from the spam score."""

from __future__ import annotations

from inboxready.findings.registry import make_finding
from inboxready.message.grade import grade_message, group_of
from inboxready.message.spamd import RuleHit, SpamReport
from inboxready.message.verdicts import spam_findings


def spam(score: float, threshold: float = 5.0) -> SpamReport:
    return SpamReport(score, threshold, score >= threshold, (RuleHit("SOME_RULE", score, "why"),))


def test_clean_is_ten() -> None:
    grade = grade_message([], None)
    assert (grade.score, grade.letter, grade.lost) == (10.0, "A", {})


def test_costs_and_caps() -> None:
    warnings = [make_finding("msg-no-message-id", "x", "m")] * 3
    assert grade_message(warnings, None).score == 8.5  # 3 x 0.5
    errors = [make_finding("msg-no-from", "x", "m")] * 5  # 7.5 points, capped at 4 for the group
    grade = grade_message(errors, None)
    assert (grade.score, grade.lost) == (6.0, {"headers": 4.0})
    assert grade.letter == "D" if grade.score < 6.5 else "C"


def test_any_error_caps_the_letter_at_c() -> None:
    grade = grade_message([make_finding("msg-dkim-fail", "x", "m")], None)
    assert grade.score == 8.5 and grade.letter == "C"


def test_spam_score_costs_points_up_to_four() -> None:
    assert grade_message([], spam(1.3)).score == 8.7
    assert grade_message([], spam(-3.0)).score == 10.0
    assert grade_message([], spam(1000.0)).lost == {"content": 4.0}


def test_incomplete_is_question_mark() -> None:
    assert grade_message([], None, complete=False).letter == "?"


def test_groups() -> None:
    assert group_of("msg-dmarc-fail") == "authentication"
    assert group_of("msg-spam-score") == "content"
    assert group_of("msg-long-line") == "headers"


def test_spam_findings() -> None:
    assert spam_findings(spam(1.0), None) == []
    [near] = spam_findings(spam(3.0), None)
    assert near.code == "msg-spam-score" and near.severity.value == "warning"
    [spammy] = spam_findings(spam(7.5), None)
    assert spammy.severity.value == "error" and "SOME_RULE" in spammy.message
    [missing] = spam_findings(None, "cannot reach spamd at 127.0.0.1:1")
    assert missing.code == "msg-spamd-unavailable" and "cannot reach" in missing.message


def test_public_api_is_importable() -> None:
    import inboxready.message as message

    assert all(hasattr(message, name) for name in message.__all__)
    assert sorted(message.__all__) == list(message.__all__)
