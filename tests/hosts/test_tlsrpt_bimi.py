"""TLS-RPT (RFC 8460 section 3) and BIMI record syntax, on zone data and on the live path."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns import ZoneResolver
from inboxready.dns.errors import ServFail
from inboxready.findings.check import CheckContext
from inboxready.findings.model import Severity
from inboxready.hosts.bimi import check_bimi, evaluate_bimi, parse_bimi_record
from inboxready.hosts.tlsrpt import check_tlsrpt, evaluate_tlsrpt, parse_tlsrpt_record

ZONE = Path(__file__).resolve().parents[1] / "fixtures" / "zones" / "hosts-sts.test.zone"


@pytest.mark.parametrize(
    ("text", "rua"),
    [
        ("v=TLSRPTv1; rua=mailto:reports@example.com", ("mailto:reports@example.com",)),
        ("v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt", ("https://reporting.example.com/v1/tlsrpt",)),
        ("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.com/x;", ("mailto:a@example.com", "https://r.example.com/x")),
        ("v=TLSRPTv1; rua=mailto:tls%2Brpt@example.com; ext=1", ("mailto:tls%2Brpt@example.com",)),
    ],
)
def test_valid_tlsrpt_records(text: str, rua: tuple[str, ...]) -> None:
    record = parse_tlsrpt_record(text)
    assert record.valid, record.errors
    assert record.rua == rua


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("v=TLSRPTv1", "must begin"),
        ("v=tlsrptv1; rua=mailto:a@example.com", "must begin"),
        ("v=TLSRPTv1;", "rua= (where to send reports) is missing"),
        ("v=TLSRPTv1; rua=http://r.example.com/", "must be a mailto: or https: URI"),
        ("v=TLSRPTv1; rua=mailto:nobody", "is not mailto:<e-mail address>"),
        ("v=TLSRPTv1; rua=https:///path", "has no host"),
        ("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", "rua appears twice"),
        ("v=TLSRPTv1; rua=mailto:a@example.com,", "empty rua URI"),
    ],
)
def test_invalid_tlsrpt_records(text: str, problem: str) -> None:
    record = parse_tlsrpt_record(text)
    assert not record.valid
    assert any(problem in e for e in record.errors), record.errors


TLSRPT_CASES = [("good", set()), ("badrecord", {"tlsrpt-invalid"}), ("two", {"tlsrpt-invalid"}),
                ("missing", {"tlsrpt-missing"})]


@pytest.mark.parametrize(("label", "expected"), TLSRPT_CASES, ids=[c[0] for c in TLSRPT_CASES])
async def test_tlsrpt_cases(label: str, expected: set[str]) -> None:
    report = await evaluate_tlsrpt(ZoneResolver.from_files([ZONE]), f"{label}.sts.test")
    assert {f.code for f in report.findings} == expected


async def test_tlsrpt_check_data_and_other_txt_records() -> None:
    zones = ZoneResolver.from_text('$ORIGIN t.test.\n@ 300 SOA ns h 1 2 3 4 5\n_smtp._tls 300 TXT "hello"\n')
    report = await evaluate_tlsrpt(zones, "t.test")
    assert {f.code for f in report.findings} == {"tlsrpt-missing"}
    result = await check_tlsrpt(CheckContext("good.sts.test", ZoneResolver.from_files([ZONE])))
    assert result.area == "tlsrpt" and result.data["valid"] is True
    assert result.data["rua"] == ["mailto:tls@good.sts.test", "https://reports.good.sts.test/tls"]


# --- BIMI ------------------------------------------------------------------------------------------


def test_bimi_records() -> None:
    good = parse_bimi_record("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem")
    assert good.valid and good.logo == "https://example.com/logo.svg" and not good.declined
    assert parse_bimi_record("v=BIMI1; l=; a=;").declined
    assert parse_bimi_record("v=BIMI1;l=https://example.com/logo.svg").authority is None
    for text, problem in [
        ("v=BIMI2; l=https://example.com/logo.svg", "must begin with v=BIMI1"),
        ("l=https://example.com/logo.svg; v=BIMI1", "must begin with v=BIMI1"),
        ("v=BIMI1; a=https://example.com/vmc.pem", "l= (the logo URL) is missing"),
        ("v=BIMI1; l=http://example.com/logo.svg", "must be an https:// URL"),
        ("v=BIMI1; l=https://example.com/logo.svg; a=ftp://example.com/vmc.pem", "must be an https:// URL"),
        ("v=BIMI1; l=https://example.com/a.svg,https://example.com/b.svg", "single URL"),
        ("v=BIMI1; l=https://example.com/logo.svg; l=https://example.com/logo.svg", "appears twice"),
    ]:
        record = parse_bimi_record(text)
        assert any(problem in e for e in record.errors), (text, record.errors)
    png = parse_bimi_record("v=BIMI1; l=https://example.com/logo.png")
    assert png.valid and png.warnings


BIMI_CASES = [
    ("good", set()),
    ("badrecord", {"bimi-invalid"}),
    ("weakdmarc", {"bimi-dmarc-not-enforced", "bimi-no-authority"}),
    ("declined", set()),
    ("missing", set()),  # BIMI is optional: no record, no finding
]


@pytest.mark.parametrize(("label", "expected"), BIMI_CASES, ids=[c[0] for c in BIMI_CASES])
async def test_bimi_cases(label: str, expected: set[str]) -> None:
    report = await evaluate_bimi(ZoneResolver.from_files([ZONE]), f"{label}.sts.test")
    assert {f.code for f in report.findings} == expected
    assert not report.unchecked


async def test_bimi_details() -> None:
    zones = ZoneResolver.from_files([ZONE])
    good = await evaluate_bimi(zones, "good.sts.test")
    assert good.dmarc_enforced is True and good.to_dict()["authority"] == "https://good.sts.test/vmc.pem"
    weak = await evaluate_bimi(zones, "weakdmarc.sts.test")
    finding = next(f for f in weak.findings if f.code == "bimi-dmarc-not-enforced")
    assert "pct=50" in finding.message and finding.severity is Severity.WARNING
    declined = await check_bimi(CheckContext("declined.sts.test", zones))
    assert declined.area == "bimi" and declined.data["declined"] is True


class FailingResolver:
    async def query(self, name: object, rdtype: object) -> object:
        raise ServFail(str(name), str(rdtype))


async def test_failures_are_unchecked() -> None:
    for evaluate in (evaluate_tlsrpt, evaluate_bimi):
        report = await evaluate(FailingResolver(), "x.test")  # type: ignore[operator]
        assert [f.code for f in report.findings] == ["dns-lookup-failed"] and report.unchecked


@pytest.mark.parametrize(("label", "expected"), TLSRPT_CASES, ids=[f"live-{c[0]}" for c in TLSRPT_CASES])
async def test_tlsrpt_cases_live(dns_server, label: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = await evaluate_tlsrpt(dns_server.resolver(), f"{label}.sts.test")
    assert {f.code for f in report.findings} == expected


@pytest.mark.parametrize(("label", "expected"), BIMI_CASES, ids=[f"live-{c[0]}" for c in BIMI_CASES])
async def test_bimi_cases_live(dns_server, label: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = await evaluate_bimi(dns_server.resolver(), f"{label}.sts.test")
    assert {f.code for f in report.findings} == expected
