"""MTA-STS (RFC 8461): record and policy parsers, MX matching, and the check against a real HTTPS
server on loopback (tests/hosts/tls_server.py) with zone data and with the loopback DNS server."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns import ZoneResolver
from inboxready.dns.errors import Timeout
from inboxready.findings.check import CheckContext
from inboxready.findings.model import Severity
from inboxready.hosts.mtasts import (
    StsMode,
    check_mtasts,
    evaluate_mtasts,
    mx_matches,
    parse_sts_policy,
    parse_sts_record,
)
from tests.hosts.tls_server import PolicyServer

ZONE = Path(__file__).resolve().parents[1] / "fixtures" / "zones" / "hosts-sts.test.zone"

# --- the TXT record (RFC 8461 3.1) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ident"),
    [
        ("v=STSv1; id=20160831085700Z;", "20160831085700Z"),
        ("v=STSv1;id=1", "1"),
        ("v=STSv1 ; id=abc ; ext.x-1=value", "abc"),
        ("v=STSv1; id=" + "a" * 32, "a" * 32),
    ],
)
def test_valid_records(text: str, ident: str) -> None:
    record = parse_sts_record(text)
    assert record.valid, record.errors
    assert record.id == ident


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("v=STSv1", "must begin"),
        ("v=stsv1; id=1", "must begin"),  # case-sensitive
        ("id=1; v=STSv1;", "must begin"),
        ("v=STSv1; id=2024-01-01", "1 to 32 letters or digits"),
        ("v=STSv1; id=" + "a" * 33, "1 to 32 letters or digits"),
        ("v=STSv1;", "id field is missing"),
        ("v=STSv1; id=1; junk", "malformed field"),
        ("v=STSv1; id=1; x=a=b", "malformed value"),
    ],
)
def test_invalid_records(text: str, problem: str) -> None:
    record = parse_sts_record(text)
    assert not record.valid
    assert any(problem in e for e in record.errors), record.errors


# --- the policy (RFC 8461 3.2) ---------------------------------------------------------------------

RFC_EXAMPLE = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n"  # noqa: E501


def test_the_rfc_example_policy_parses() -> None:
    policy = parse_sts_policy(RFC_EXAMPLE)
    assert policy.valid and not policy.warnings
    assert policy.mode is StsMode.ENFORCE and policy.max_age == 604800
    assert policy.mx == ("mail.example.com", "*.example.net", "backupmx.example.com")


def test_lf_endings_no_final_newline_and_extensions() -> None:
    policy = parse_sts_policy("version: STSv1\nmode: testing\nmax_age: 0\nmx: a.example\nfoo: bar baz")
    assert policy.valid and policy.max_age == 0 and policy.extensions == (("foo", "bar baz"),)


def test_mode_none_needs_no_mx() -> None:
    assert parse_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n").valid


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("mode: enforce\nmx: a.example\nmax_age: 1\n", "version: STSv1 is missing"),
        ("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "must be STSv1"),
        ("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n", "mode must be"),
        ("version: STSv1\nmx: a.example\nmax_age: 1\n", "mode is missing"),
        ("version: STSv1\nmode: enforce\nmx: a.example\n", "max_age is missing"),
        ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "above the maximum"),
        ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", "number of seconds"),
        ("version: STSv1\nmode: enforce\nmax_age: 1\n", "needs at least one mx"),
        ("version: STSv1\nmode: enforce\nmx: a.example:25\nmax_age: 1\n", "not a host name"),
        ("version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n", "not a host name"),
        ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age = 1\n", "is not 'key: value'"),
    ],
)
def test_invalid_policies(text: str, problem: str) -> None:
    policy = parse_sts_policy(text)
    assert not policy.valid
    assert any(problem in e for e in policy.errors), policy.errors


def test_policy_warnings_do_not_invalidate() -> None:
    policy = parse_sts_policy("version: STSv1\n\nmode: enforce \nmode: testing\nmx: a.example\nmax_age: 1\n")
    assert policy.valid and policy.mode is StsMode.ENFORCE  # the first mode wins
    assert len(policy.warnings) == 3


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("mail.example.com", "mail.example.com", True),
        ("mail.example.com", "MAIL.Example.com.", True),
        ("*.example.com", "mx1.example.com", True),
        ("*.example.com", "example.com", False),  # RFC 8461 4.1: the wildcard needs a label
        ("*.example.com", "a.b.example.com", False),  # ... and covers only one
        ("*.example.com", "mx1.example.net", False),
        ("mail.example.com", "mail2.example.com", False),
    ],
)
def test_mx_matching(pattern: str, host: str, matches: bool) -> None:
    assert mx_matches(pattern, host) is matches


# --- the check, against the HTTPS server on loopback -----------------------------------------------

CASES = [
    ("good", set()),
    ("chunked", set()),  # a chunked HTTP/1.1 body
    ("testing", {"mtasts-mode-testing", "mtasts-mx-mismatch", "mtasts-mx-unused"}),
    ("mismatch", {"mtasts-mx-mismatch", "mtasts-mx-unused"}),
    ("invalid", {"mtasts-policy-invalid"}),
    ("none", {"mtasts-mode-none"}),  # the policy host is a CNAME
    ("html", {"mtasts-policy-content-type"}),
    ("notfound", {"mtasts-policy-unreachable"}),
    ("redirect", {"mtasts-policy-unreachable"}),
    ("badcert", {"mtasts-policy-unreachable"}),
    ("closed", {"mtasts-policy-unreachable"}),
    ("noaddr", {"mtasts-policy-unreachable"}),
    ("big", {"mtasts-policy-unreachable"}),
    ("badrecord", {"mtasts-record-invalid"}),
    ("two", {"mtasts-record-invalid"}),
    ("missing", {"mtasts-missing"}),
]


@pytest.mark.parametrize(("label", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_mtasts_cases(policy_server: PolicyServer, label: str, expected: set[str]) -> None:
    report = await evaluate_mtasts(ZoneResolver.from_files([ZONE]), f"{label}.sts.test", policy_server.client())
    assert {f.code for f in report.findings} == expected
    assert not report.unchecked


async def test_severities_and_messages(policy_server: PolicyServer) -> None:
    zones = ZoneResolver.from_files([ZONE])
    client = policy_server.client()
    enforce = await evaluate_mtasts(zones, "mismatch.sts.test", client)
    mismatch = next(f for f in enforce.findings if f.code == "mtasts-mx-mismatch")
    assert mismatch.severity is Severity.ERROR and "backup.elsewhere.test" in mismatch.message
    testing = await evaluate_mtasts(zones, "testing.sts.test", client)
    assert next(f for f in testing.findings if f.code == "mtasts-mx-mismatch").severity is Severity.WARNING
    reasons = {
        "redirect": "redirect to https://www.redirect.sts.test/policy.txt",
        "badcert": "certificate not valid for mta-sts.badcert.sts.test",
        "closed": "cannot connect",
        "big": "larger than 65536",
        "notfound": "HTTP 404",
    }
    for label, text in reasons.items():
        report = await evaluate_mtasts(zones, f"{label}.sts.test", client)
        assert text in report.findings[0].message, report.findings[0].message


async def test_good_report_data(policy_server: PolicyServer) -> None:
    report = await evaluate_mtasts(ZoneResolver.from_files([ZONE]), "good.sts.test", policy_server.client())
    data = report.to_dict()
    assert data["id"] == "20240101000000" and data["http_status"] == 200
    assert data["policy"]["mode"] == "enforce" and data["policy"]["mx"] == ["mx1.good.sts.test", "*.good.sts.test"]
    assert data["mx_hosts"] == ["mx1.good.sts.test", "mx2.good.sts.test"]
    assert ("mta-sts.good.sts.test", "/.well-known/mta-sts.txt") in policy_server.requests


async def test_short_max_age_is_reported_in_enforce_mode() -> None:
    class Fixed:
        async def get(self, host: str, path: str, addresses: object) -> object:
            from inboxready.hosts.https import HttpsResponse

            body = b"version: STSv1\nmode: enforce\nmx: mx1.good.sts.test\nmx: *.good.sts.test\nmax_age: 3600\n"
            return HttpsResponse(f"https://{host}{path}", 200, {"content-type": "text/plain"}, body)

    report = await evaluate_mtasts(ZoneResolver.from_files([ZONE]), "good.sts.test", Fixed())  # type: ignore[arg-type]
    assert {f.code for f in report.findings} == {"mtasts-max-age-short"}


async def test_audit_check_without_fetching() -> None:
    ctx = CheckContext("good.sts.test", ZoneResolver.from_files([ZONE]), {"mtasts_fetcher": False})
    result = await check_mtasts(ctx)
    assert result.area == "mtasts" and not result.findings
    assert result.data["published"] is True and result.data["policy"] is None


async def test_audit_check_with_injected_fetcher(policy_server: PolicyServer) -> None:
    ctx = CheckContext("mismatch.sts.test", ZoneResolver.from_files([ZONE]), {"mtasts_fetcher": policy_server.client()})
    result = await check_mtasts(ctx)
    assert {f.code for f in result.findings} == {"mtasts-mx-mismatch", "mtasts-mx-unused"}


class TimeoutFor:
    """Zone answers, except a timeout for one name (as an unresponsive server would give)."""

    def __init__(self, zones: ZoneResolver, name: str) -> None:
        self.zones, self.name = zones, name

    async def query(self, name: object, rdtype: object) -> object:
        if str(name).rstrip(".") == self.name:
            raise Timeout(self.name, str(rdtype))
        return await self.zones.query(name, rdtype)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["_mta-sts.good.sts.test", "mta-sts.good.sts.test", "good.sts.test"])
async def test_dns_failures_are_unchecked(policy_server: PolicyServer, name: str) -> None:
    resolver = TimeoutFor(ZoneResolver.from_files([ZONE]), name)
    report = await evaluate_mtasts(resolver, "good.sts.test", policy_server.client())  # type: ignore[arg-type]
    assert report.unchecked and "timed out" in report.unchecked[0]
    assert "dns-lookup-failed" in {f.code for f in report.findings}
    assert not {"mtasts-missing", "mtasts-policy-unreachable"} & {f.code for f in report.findings}


# --- live path: the zone served by the loopback DNS server ----------------------------------------


@pytest.mark.parametrize(("label", "expected"), CASES, ids=[f"live-{c[0]}" for c in CASES])
async def test_mtasts_cases_live(dns_server, policy_server: PolicyServer, label: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    report = await evaluate_mtasts(dns_server.resolver(), f"{label}.sts.test", policy_server.client())
    assert {f.code for f in report.findings} == expected
    assert not report.unchecked
