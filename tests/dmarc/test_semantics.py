"""What a record means for the domain: policy none, reporting, subdomain policies, pct, fo, t."""

from __future__ import annotations

import pytest

from inboxready.dmarc import DmarcMode, parse_dmarc_record, policy_findings
from inboxready.dmarc.semantics import with_tag
from inboxready.findings import Severity

R7489, BIS = DmarcMode.RFC7489, DmarcMode.DMARCBIS
RUA = "rua=mailto:d@example.com"


def semantic_codes(text: str, mode: DmarcMode = R7489) -> set[str]:
    return {f.code for f in policy_findings(parse_dmarc_record(text, mode), "_dmarc.example.com")}


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        (f"v=DMARC1; p=reject; {RUA}", R7489, set()),
        (f"v=DMARC1; p=none; {RUA}", R7489, {"dmarc-policy-none"}),
        ("v=DMARC1; p=none", R7489, {"dmarc-policy-none", "dmarc-none-without-rua"}),
        ("v=DMARC1; p=quarantine", R7489, {"dmarc-no-reporting"}),
        ("v=DMARC1; p=quarantine; ruf=mailto:f@example.com; fo=1", R7489, {"dmarc-no-reporting"}),
        (f"v=DMARC1; p=reject; sp=none; {RUA}", R7489, {"dmarc-weak-subdomain-policy"}),
        (f"v=DMARC1; p=quarantine; sp=reject; {RUA}", R7489, set()),
        (f"v=DMARC1; p=reject; np=quarantine; {RUA}", BIS, {"dmarc-weak-subdomain-policy"}),
        # np is not an RFC 7489 tag: its receivers ignore it, so it weakens nothing there
        (f"v=DMARC1; p=reject; np=none; {RUA}", R7489, set()),
        (f"v=DMARC1; p=reject; pct=20; {RUA}", R7489, {"dmarc-pct-partial"}),
        (f"v=DMARC1; p=none; pct=20; {RUA}", R7489, {"dmarc-policy-none"}),
        (f"v=DMARC1; p=reject; pct=100; {RUA}", R7489, set()),
        # RFC 9989 has no pct: the parser's dmarc-removed-tag covers it
        (f"v=DMARC1; p=reject; pct=20; {RUA}", BIS, set()),
        (f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@example.com", R7489, {"dmarc-ruf-without-fo"}),
        (f"v=DMARC1; p=reject; {RUA}; fo=1", R7489, {"dmarc-fo-without-ruf"}),
        (f"v=DMARC1; p=reject; {RUA}; t=y", BIS, {"dmarc-test-mode"}),
        (f"v=DMARC1; p=none; {RUA}; t=y", BIS, {"dmarc-policy-none"}),
        # a record receivers ignore, or without a usable policy, means nothing
        ("v=DMARC2; p=none", R7489, set()),
        ("v=DMARC1; p=rejct", R7489, set()),
    ],
)
def test_semantic_findings(text: str, mode: DmarcMode, expected: set[str]) -> None:
    assert semantic_codes(text, mode) == expected


def test_policy_none_gives_the_next_step() -> None:
    [finding] = [
        f
        for f in policy_findings(parse_dmarc_record(f"v=DMARC1; p=none; {RUA}", R7489), "_dmarc.example.com")
        if f.code == "dmarc-policy-none"
    ]
    assert finding.severity is Severity.WARNING
    assert finding.data["suggested"] == f"v=DMARC1; p=quarantine; {RUA}"
    assert "p=reject" in finding.fix and finding.data["suggested"] in finding.fix
    bis = policy_findings(parse_dmarc_record(f"v=DMARC1; p=none; {RUA}", BIS), "_dmarc.example.com")
    assert bis[0].data["suggested"] == f"v=DMARC1; p=quarantine; {RUA}; t=y"


def test_suggestions_change_exactly_one_tag() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject; sp=none", R7489)
    by_code = {f.code: f for f in policy_findings(record, "_dmarc.example.com")}
    assert by_code["dmarc-weak-subdomain-policy"].data["suggested"] == "v=DMARC1; p=reject"
    assert by_code["dmarc-no-reporting"].data["suggested"] == (
        "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc-reports@example.com"
    )
    # every suggestion is itself a clean record
    for finding in by_code.values():
        assert not parse_dmarc_record(finding.data["suggested"], R7489).errors


def test_with_tag() -> None:
    assert with_tag("v=DMARC1; p=none", "p", "reject") == "v=DMARC1; p=reject"
    assert with_tag("v=DMARC1; p=none", "rua", "mailto:a@b.example") == "v=DMARC1; p=none; rua=mailto:a@b.example"
    assert with_tag("v=DMARC1; p=none; pct=5", "pct", None) == "v=DMARC1; p=none"
