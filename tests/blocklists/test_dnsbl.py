"""DNSBL lookups (RFC 5782) against test lists served from zone files and by the loopback server.

The lists file tests/blocklists/lists.yaml points at tests/fixtures/zones/blocklists-*.zone:
zen.dnsbl.test (listed / not listed / error codes / answers outside 127/8 / IPv6), dbl.dnsbl.test
(domains), multi.dnsbl.test (bitmask), and broken lists: wild (answers everything), dead (answers
nothing), refusing (error code for everything), outside (answers outside 127/8).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from inboxready.blocklists import Status, blocklist_findings, check_blocklists, load_lists, parse_target
from inboxready.blocklists.check import check_domain_blocklists
from inboxready.blocklists.dnsbl import ListState, query_name
from inboxready.dns import ZoneResolver
from inboxready.dns.answer import Answer
from inboxready.errors import InputError
from inboxready.findings.check import CheckContext
from inboxready.findings.model import Severity

HERE = Path(__file__).resolve().parent
LISTS = load_lists(HERE / "lists.yaml")
BY_ID = {b.id: b for b in LISTS}
ZONE_FILES = sorted((HERE.parent / "fixtures" / "zones").glob("blocklists-*.zone"))


def zones() -> ZoneResolver:
    return ZoneResolver.from_files(ZONE_FILES)


def test_query_names_follow_rfc_5782() -> None:
    zen = BY_ID["test-zen"]
    assert query_name("192.0.2.99", zen) == "99.2.0.192.zen.dnsbl.test"  # 2.1
    assert query_name("2001:db8:1:2:3:4:567:89ab", zen) == (  # 2.4
        "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.dnsbl.test"
    )
    assert query_name("example.com", BY_ID["test-dbl"]) == "example.com.dbl.dnsbl.test"  # 2.3


def test_targets() -> None:
    assert parse_target("192.0.2.1").text == "192.0.2.1"
    assert parse_target("[2001:DB8::1]").text == "2001:db8::1"
    assert parse_target("Example.COM.").text == "example.com"
    for bad in ("", "nodots", "a b.example", "user@example.com", "x" * 64 + ".example"):
        with pytest.raises(InputError):
            parse_target(bad)


# (target, list id, status, meanings or reason fragment)
CASES = [
    ("198.18.99.2", "test-zen", Status.LISTED, "SBL: spam source; XBL: exploited host"),
    ("198.18.99.1", "test-zen", Status.NOT_LISTED, ""),
    ("198.18.99.10", "test-zen", Status.LISTED, "PBL: end-user address (ISP)"),
    ("198.18.99.77", "test-zen", Status.LISTED, "return code not documented"),
    ("198.18.99.254", "test-zen", Status.UNCHECKED, "public or open resolver"),  # never "listed"
    ("198.18.99.255", "test-zen", Status.UNCHECKED, "query refused (error code)"),
    ("198.18.99.66", "test-zen", Status.UNCHECKED, "outside 127.0.0.0/8"),
    ("2001:db8:cafe:99::2", "test-zen", Status.LISTED, "CSS: low-reputation sending"),
    ("2001:db8:cafe:99::2", "test-dead", Status.SKIPPED, "does not cover IPv6"),
    ("198.18.99.2", "test-wild", Status.SKIPPED, "answers every query"),
    ("198.18.99.1", "test-wild", Status.SKIPPED, "answers every query"),
    ("198.18.99.2", "test-dead", Status.SKIPPED, "does not list its test entry 127.0.0.2"),
    ("198.18.99.2", "test-refusing", Status.UNCHECKED, "public or open resolver"),
    ("198.18.99.2", "test-outside", Status.SKIPPED, "outside 127.0.0.0/8"),
    ("spammy.example", "test-dbl", Status.LISTED, "low-reputation domain"),
    ("abused.example", "test-dbl", Status.LISTED, "abused legitimate domain (spam)"),
    ("refused.example", "test-dbl", Status.UNCHECKED, "public or open resolver"),
    ("clean.example", "test-dbl", Status.NOT_LISTED, ""),
    ("grey.example", "test-multi", Status.LISTED, "grey"),
    ("blackred.example", "test-multi", Status.LISTED, "black; red"),
    ("blocked.example", "test-multi", Status.UNCHECKED, "query refused"),  # URIBL-style 127.0.0.1
    ("odd.example", "test-multi", Status.UNCHECKED, "no documented meaning"),
    ("clean.example", "test-wild-domains", Status.SKIPPED, "lists invalid"),
]
TARGETS = list(dict.fromkeys(c[0] for c in CASES))


def _check_case(results: dict[tuple[str, str], object], target: str, list_id: str, status: Status, text: str) -> None:
    r = results[(target, list_id)]
    assert r.status is status, (target, list_id, r)  # type: ignore[attr-defined]
    shown = "; ".join(r.meanings) if status is Status.LISTED else r.reason  # type: ignore[attr-defined]
    assert text in shown, (target, list_id, shown)


async def test_zone_cases() -> None:
    results = {(r.target, r.blocklist.id): r for r in await check_blocklists(zones(), TARGETS, LISTS)}
    for case in CASES:
        _check_case(results, *case)
    # IPs go to IP lists only, domains to domain lists only
    assert ("spammy.example", "test-zen") not in results and ("198.18.99.2", "test-dbl") not in results
    listed = results[("198.18.99.2", "test-zen")]
    assert listed.answers == ("127.0.0.2", "127.0.0.4")
    assert listed.txt == ("https://check.dnsbl.test/query/ip/198.18.99.2",)
    assert results[("198.18.99.2", "test-wild")].list_state is ListState.BROKEN
    assert results[("198.18.99.2", "test-refusing")].list_state is ListState.UNCHECKED


async def test_findings_group_and_never_call_errors_listings() -> None:
    results = await check_blocklists(zones(), TARGETS, LISTS)
    findings, unchecked = blocklist_findings(results)
    listed = {f.subject for f in findings if f.code == "blocklist-listed"}
    assert listed == {"198.18.99.2", "198.18.99.10", "198.18.99.77", "2001:db8:cafe:99::2", "spammy.example",
                      "abused.example", "grey.example", "blackred.example"}
    assert all(f.severity is Severity.ERROR for f in findings if f.code == "blocklist-listed")
    removal = next(f for f in findings if f.subject == "spammy.example")
    assert "https://check.dnsbl.test/" in removal.fix and removal.data["removal"] == "https://check.dnsbl.test/"
    unchecked_subjects = {f.subject for f in findings if f.code == "blocklist-unchecked"}
    assert {"198.18.99.254", "198.18.99.255", "198.18.99.66", "refused.example", "blocked.example", "odd.example",
            "refusing.dnsbl.test"} == unchecked_subjects  # the refusing list: one finding for all its targets
    broken = [f for f in findings if f.code == "blocklist-list-broken"]
    assert sorted(f.subject for f in broken) == ["dead.dnsbl.test", "outside.dnsbl.test", "wild.dnsbl.test",
                                                 "wild.dnsbl.test"]
    assert len(unchecked) == len(unchecked_subjects)


async def test_silent_lists_make_one_finding() -> None:
    # offline, no list zone is loaded: every list is silent, and that is said once
    results = await check_blocklists(ZoneResolver(), ["192.0.2.1", "example.com"], load_lists())
    findings, unchecked = blocklist_findings(results)
    assert [f.code for f in findings] == ["blocklist-list-broken"] and not unchecked
    assert "8 blocklists are ignored" in findings[0].message
    assert all(r.status is Status.SKIPPED for r in results)


async def test_without_self_test_a_wildcard_list_would_list_everything() -> None:
    results = await check_blocklists(zones(), ["198.18.99.1"], [BY_ID["test-wild"]], self_test=False)
    assert results[0].status is Status.LISTED  # which is why the self-test exists


class Gauge:
    """A resolver that records how many queries are in flight at once."""

    def __init__(self, inner: ZoneResolver) -> None:
        self.inner, self.now, self.peak, self.count = inner, 0, 0, 0

    async def query(self, name: object, rdtype: object) -> Answer:
        self.now += 1
        self.count += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.001)
            return await self.inner.query(name, rdtype)  # type: ignore[arg-type]
        finally:
            self.now -= 1


async def test_concurrency_is_bounded() -> None:
    gauge = Gauge(zones())
    targets = [f"198.18.100.{n}" for n in range(60)]
    results = await check_blocklists(gauge, targets, [BY_ID["test-zen"]], concurrency=5)  # type: ignore[arg-type]
    assert len(results) == 60 and all(r.status is Status.NOT_LISTED for r in results)
    assert gauge.peak <= 5 + 2  # the self-test asks its two entries together under one slot
    assert gauge.count == 62


async def test_audit_check() -> None:
    options = {"blocklists": str(HERE / "lists.yaml"), "servers": [{"ip": "198.18.99.2", "helo": "x"}],
               "sending_ips": ["198.18.99.1"]}
    result = await check_domain_blocklists(CheckContext("spammy.example", zones(), options))
    assert result.area == "blocklists"
    codes = {(f.code, f.subject) for f in result.findings}
    assert ("blocklist-listed", "spammy.example") in codes and ("blocklist-listed", "198.18.99.2") in codes
    assert ("blocklist-unchecked", "refusing.dnsbl.test") in codes  # and the check is incomplete
    assert result.unchecked
    assert {r["target"] for r in result.data["listed"]} == {"spammy.example", "198.18.99.2"}
    off = await check_domain_blocklists(CheckContext("spammy.example", zones(), {"blocklists": False}))
    assert not off.findings and off.data == {"enabled": False}


# --- live path: the same zones served by the loopback DNS server --------------------------------


async def test_zone_cases_live(dns_server) -> None:  # type: ignore[no-untyped-def]
    results = {(r.target, r.blocklist.id): r for r in await check_blocklists(dns_server.resolver(), TARGETS, LISTS)}
    for case in CASES:
        _check_case(results, *case)


async def test_live_dns_failures_are_unchecked(dns_server) -> None:  # type: ignore[no-untyped-def]
    resolver = dns_server.resolver(timeout=0.2, retries=0)
    results = await check_blocklists(resolver, ["x-timeout.example", "x-servfail.example"], [BY_ID["test-dbl"]])
    assert [r.status for r in results] == [Status.UNCHECKED, Status.UNCHECKED]
    assert "timed out" in results[0].reason and "SERVFAIL" in results[1].reason
    findings, unchecked = blocklist_findings(results)
    assert {f.code for f in findings} == {"blocklist-unchecked"} and len(unchecked) == 2


async def test_self_test_verdicts_are_kept_for_a_run() -> None:
    gauge = Gauge(zones())
    cache: dict[str, object] = {}
    lists = [BY_ID["test-zen"], BY_ID["test-wild"], BY_ID["test-refusing"]]
    first = await check_blocklists(gauge, ["198.18.99.2"], lists, health_cache=cache)  # type: ignore[arg-type]
    assert sorted(cache) == ["test-wild", "test-zen"]  # "could not test" is asked again next time
    asked = gauge.count
    second = await check_blocklists(gauge, ["198.18.99.2"], lists, health_cache=cache)  # type: ignore[arg-type]
    assert gauge.count - asked == 2 + 2  # zen A + TXT, and the refusing list's self-test again
    assert [r.status for r in first] == [r.status for r in second]
