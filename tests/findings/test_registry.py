from pathlib import Path

import pytest

from inboxready.findings import Severity, all_codes, code_info, make_finding
from inboxready.findings.docs import render_markdown
from inboxready.findings.registry import CodeInfo

REPO = Path(__file__).resolve().parents[2]


def test_docs_findings_md_is_generated_from_the_registry() -> None:
    committed = (REPO / "docs" / "findings.md").read_text()
    assert committed == render_markdown(), "docs/findings.md is stale: python -m inboxready.findings.docs"


def test_every_code_is_documented_with_a_fix_and_area_prefix() -> None:
    codes = all_codes()
    assert len({c.code for c in codes}) == len(codes)
    for info in codes:
        assert info.title and info.meaning and info.fix, info.code
        assert all(ref.startswith("https://") for ref in info.refs), info.code


def test_make_finding_uses_registered_severity_and_fix() -> None:
    f = make_finding("mx-null", "acme.example", "null MX")
    assert f.severity is Severity.ERROR
    assert f.fix == code_info("mx-null").fix
    assert f.area == "mx"
    override = make_finding("mx-null", "x", "y", fix="do this", severity=Severity.INFO)
    assert (override.fix, override.severity) == ("do this", Severity.INFO)


def test_unknown_codes_and_bad_code_shapes_are_refused() -> None:
    with pytest.raises(KeyError, match="unregistered"):
        make_finding("spf-made-up-code-xyz", "a", "b")
    with pytest.raises(ValueError):
        CodeInfo("NoArea", Severity.INFO, "t", "m", "f")


def test_severity_text_round_trip() -> None:
    for s in Severity:
        assert Severity.from_text(s.to_text().upper()) is s
    with pytest.raises(ValueError):
        Severity.from_text("fatal")
