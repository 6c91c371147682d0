"""DMARC reporting URIs (RFC 7489 6.2 and 6.4; RFC 9989 removed the size limit)."""

from __future__ import annotations

import pytest

from inboxready.dmarc import DmarcMode, parse_report_uri

R7489, BIS = DmarcMode.RFC7489, DmarcMode.DMARCBIS


@pytest.mark.parametrize(
    ("text", "max_bytes"),
    [
        ("mailto:r@example.com!500", 500),
        ("mailto:r@example.com!10k", 10 * 1024),
        ("mailto:r@example.com!10M", 10 * 1024**2),  # ABNF literals are case-insensitive
        ("mailto:r@example.com!1g", 1024**3),
        ("mailto:r@example.com!2t", 2 * 1024**4),
        ("mailto:r@example.com", None),
    ],
)
def test_rfc7489_size_limits_are_powers_of_two(text: str, max_bytes: int | None) -> None:
    uri, problems = parse_report_uri(text, R7489)
    assert problems == [] and uri is not None
    assert uri.max_bytes == max_bytes and uri.address == "r@example.com"


def test_dmarcbis_drops_the_size_limit() -> None:
    uri, problems = parse_report_uri("mailto:r@example.com!10m", BIS)
    assert uri is not None and uri.size_limit is None and uri.to_text() == "mailto:r@example.com"
    [problem] = problems
    assert problem.severity == "warning" and problem.replacement == "mailto:r@example.com"


@pytest.mark.parametrize(
    ("text", "address", "host"),
    [
        ("MAILTO:Reports@Example.COM", "Reports@example.com", "example.com"),
        ("mailto:dmarc%2Breports@example.com", "dmarc+reports@example.com", "example.com"),
        ("mailto:dmarc@bücher.example", "dmarc@xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_mailto_addresses(text: str, address: str, host: str) -> None:
    uri, problems = parse_report_uri(text, R7489)
    assert problems == [] and uri is not None
    assert (uri.scheme, uri.address, uri.host) == ("mailto", address, host)


@pytest.mark.parametrize(
    ("text", "code", "severity", "usable"),
    [
        ("", "dmarc-syntax", "error", False),
        ("mailto:", "dmarc-syntax", "error", False),
        ("mailto:reports", "dmarc-syntax", "error", False),
        ("mailto:r@localhost", "dmarc-syntax", "error", False),
        ("mailto:r@exa_mple.com", "dmarc-syntax", "error", False),
        ("mailto:a@b@example.com", "dmarc-syntax", "error", False),
        ("reports", "dmarc-syntax", "error", False),
        ("mailto:r@example.com?subject=dmarc", "dmarc-syntax", "warning", True),
        ("https://reports.example.com/in", "dmarc-unsupported-uri", "warning", True),
        ("https:///nohost", "dmarc-syntax", "error", False),
        ("ftp:reports", "dmarc-unsupported-uri", "warning", True),
    ],
)
def test_problem_uris(text: str, code: str, severity: str, usable: bool) -> None:
    uri, problems = parse_report_uri(text, R7489)
    assert [(p.code, p.severity) for p in problems][:1] == [(code, severity)]
    assert (uri is not None) == usable


def test_https_uri_keeps_its_host_for_authorization() -> None:
    uri, _ = parse_report_uri("https://Reports.Example.NET:8443/dmarc", R7489)
    assert uri is not None and uri.host == "reports.example.net"
