import asyncio

import pytest

from inboxready.audit.bulk import audit_many
from inboxready.audit.engine import audit_domain
from inboxready.audit.grade import grade
from inboxready.dns import ZoneResolver
from inboxready.dns.answer import Answer
from inboxready.dns.errors import Timeout
from inboxready.findings import Finding, Severity
from inboxready.hosts.mx import check_mx


def f(code: str, severity: Severity) -> Finding:
    return Finding(code, severity, "s", "m")


def test_grade_rules() -> None:
    assert grade([]).letter == "A" and grade([]).score == 100
    assert grade([f("mx-x", Severity.INFO)] * 5).score == 100
    assert grade([f("mx-x", Severity.WARNING)]).score == 95
    one_error = grade([f("spf-x", Severity.ERROR)])
    assert one_error.score == 80 and one_error.letter == "C"  # an error caps the letter at C
    capped = grade([f("spf-x", Severity.ERROR)] * 5)
    assert capped.score == 60 and capped.letter == "D"  # area cap 40
    spread = grade([f(f"a{i}-x", Severity.ERROR) for i in range(6)])
    assert spread.score == 0 and spread.letter == "F"
    assert grade([], complete=False).letter == "?"


ZONE = "$ORIGIN bulk.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n" + "".join(
    f"d{i} MX 10 mx.d{i}\nmx.d{i} A 192.0.2.{i % 250 + 1}\n" for i in range(300)
)


class SlowZones:
    """Counts concurrent queries to prove the bulk runner bounds them; d7 times out."""

    def __init__(self) -> None:
        self.zones = ZoneResolver.from_text(ZONE)
        self.active = 0
        self.peak = 0

    async def query(self, name: object, rdtype: object) -> Answer:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(0.001)
            if str(name).startswith("d7.") or str(name).startswith("mx.d7."):
                raise Timeout(str(name), str(rdtype))
            return self.zones.lookup(name, rdtype)  # type: ignore[arg-type]
        finally:
            self.active -= 1


async def test_bulk_runs_every_domain_with_bounded_concurrency_and_isolates_failures() -> None:
    backend = SlowZones()
    domains = (f"d{i}.bulk.test" for i in range(300))
    reports = [
        r async for r in audit_many(domains, backend, concurrency=10, checks=(check_mx,))  # type: ignore[arg-type]
    ]
    assert sorted(r.domain for r in reports) == sorted(f"d{i}.bulk.test" for i in range(300))
    assert backend.peak <= 10 * 2  # one MX plus A/AAAA of its host at most per audit in flight
    failed = [r for r in reports if not r.complete]
    assert [r.domain for r in failed] == ["d7.bulk.test"]
    assert failed[0].exit_code() == 3 and failed[0].grade.letter == "?"
    assert all(r.exit_code() == 0 for r in reports if r.domain != "d7.bulk.test")


@pytest.mark.parametrize("silenced", [frozenset(), frozenset({"mx-missing"})])
async def test_silenced_codes_are_dropped(silenced: frozenset[str]) -> None:
    resolver = ZoneResolver.from_text("$ORIGIN s.test.\n@ 60 SOA ns h 1 2 3 4 5\n")
    report = await audit_domain("s.test", resolver, checks=(check_mx,), silence=silenced)
    assert ("mx-missing" in {x.code for x in report.findings}) is (not silenced)


@pytest.mark.parametrize("bad", ["exa mple.com", "a..b", "com", "x" * 64 + ".com", "-lead.example", ""])
async def test_invalid_domains_are_a_finding_not_a_crash(bad: str) -> None:
    report = await audit_domain(bad, ZoneResolver())
    assert [f.code for f in report.findings] == ["domain-invalid"]
    assert report.exit_code() == 1


async def test_domains_are_normalized() -> None:
    resolver = ZoneResolver.from_text("$ORIGIN xn--bcher-kva.example.\n@ 60 SOA ns h 1 2 3 4 5\n@ 60 MX 0 .\n")
    report = await audit_domain("Bücher.Example.", resolver, checks=(check_mx,))
    assert report.domain == "xn--bcher-kva.example"
    assert [f.code for f in report.findings] == ["mx-null"]
