"""The analysis: groups, the exact fixes, readiness, TLS failures, enrichment with and without the catalog."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import ipaddress
from collections.abc import Sequence

import pytest

from inboxready.dns.zones import ZoneResolver
from inboxready.reports.analyze import parse_day, summarize
from inboxready.reports.enrich import PtrEnricher, SenderEnricher, default_enrichers
from inboxready.reports.ingest import ingest
from inboxready.reports.model import SourceGroup, Summary
from inboxready.reports.output import summary_to_dict
from inboxready.reports.senders import SenderSignature
from inboxready.reports.sources.base import SourceItem
from inboxready.reports.store import ReportStore
from inboxready.reports.store.queries import ReportFilter
from tests.reports.factory import Rec, aggregate_xml, tls_json

ZONES = """
$ORIGIN protection.outlook.com.
$TTL 300
@                 SOA ns.outlook.com. hostmaster.outlook.com. 1 3600 600 86400 300
spf               TXT "v=spf1 include:spfa.protection.outlook.com -all"
spfa              TXT "v=spf1 ip4:40.92.0.0/15 ip6:2a01:111:f400::/48 -all"
$ORIGIN 100.51.198.in-addr.arpa.
@                 SOA ns.example.net. hostmaster.example.net. 1 3600 600 86400 300
66                PTR bulk-66.spammer.example.net.
$ORIGIN 2.0.192.in-addr.arpa.
@                 SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300
10                PTR mail.example.com.
"""

OWN = Rec("192.0.2.10", 500, dkim_auth=(("example.com", "mail2026", "pass"),), spf_auth=(("example.com", "pass"),))
MAILCHIMP = Rec("198.2.128.5", 120, dkim="fail", spf="fail", envelope_from="mail123.mcsv.net",
                dkim_auth=(("mcsv.net", "k1", "pass"),), spf_auth=(("mail123.mcsv.net", "pass"),))
MICROSOFT = Rec("40.93.1.1", 80, dkim="fail", spf="fail", spf_auth=(("example.com", "fail"),))
FORWARDER = Rec("203.0.113.50", 30, spf="fail", dkim_auth=(("example.com", "mail2026", "pass"),),
                spf_auth=(("example.com", "fail"),))
MAILING_LIST = Rec("203.0.113.77", 6, dkim="fail", spf="fail", reasons=("mailing_list",),
                   dkim_auth=(("example.com", "mail2026", "fail"),), spf_auth=(("lists.example.org", "pass"),))
SPOOFER = Rec("198.51.100.66", 44, dkim="fail", spf="fail", disposition="none",
              spf_auth=(("example.com", "fail"),))


def _items(*documents: bytes) -> list[SourceItem]:
    """In-memory inputs (a source is anything that opens as a byte stream)."""
    return [SourceItem(f"mem:{i}", f"r{i}.xml", functools.partial(contextlib.nullcontext, io.BytesIO(d)))
            for i, d in enumerate(documents)]


def _summary(store: ReportStore, records: Sequence[Rec], p: str = "none", extra: Sequence[bytes] = (),
             where: ReportFilter | None = None) -> Summary:
    ingest(store, _items(aggregate_xml(records, p=p), *extra))
    resolver = ZoneResolver.from_text(ZONES)
    return asyncio.run(summarize(store, where, resolver))


def test_groups_fixes_and_readiness(sqlite_store: ReportStore) -> None:
    summary = _summary(sqlite_store, [OWN, MAILCHIMP, MICROSOFT, FORWARDER, MAILING_LIST, SPOOFER])
    groups = {s.ip: s.group for s in summary.sources}
    assert groups == {
        "192.0.2.10": SourceGroup.SENDER_PASSING,
        "198.2.128.5": SourceGroup.SENDER_FAILING,
        "40.93.1.1": SourceGroup.SENDER_FAILING,
        "203.0.113.50": SourceGroup.FORWARDER,
        "203.0.113.77": SourceGroup.FORWARDER,
        "198.51.100.66": SourceGroup.UNAUTHORIZED,
    }
    by_ip = {s.ip: s for s in summary.sources}
    assert by_ip["198.2.128.5"].sender == "Mailchimp (marketing)" and by_ip["198.2.128.5"].match_evidence == "envelope"
    assert by_ip["40.93.1.1"].match_evidence == "network"  # through include:spf → include:spfa → ip4:40.92.0.0/15
    assert by_ip["198.51.100.66"].ptr == "bulk-66.spammer.example.net"
    assert by_ip["192.0.2.10"].ptr == "mail.example.com"
    assert (summary.messages, summary.dmarc_pass) == (780, 530)
    codes = {(f.code, f.subject) for f in summary.findings}
    assert ("report-sender-failing-dkim", "Mailchimp (marketing)") in codes
    assert ("report-sender-failing-dkim", "Microsoft 365 / Exchange Online") in codes
    assert ("report-sender-failing-spf", "Microsoft 365 / Exchange Online") in codes
    assert ("report-source-unauthorized", "198.51.100.66") in codes
    assert not any(code == "dmarc-ready-for-enforcement" for code, _ in codes)
    mailchimp = next(f for f in summary.findings if f.subject.startswith("Mailchimp"))
    assert "k2._domainkey.example.com CNAME dkim2.mcsv.net" in mailchimp.fix
    assert "k3._domainkey.example.com CNAME dkim3.mcsv.net" in mailchimp.fix
    spf = next(f for f in summary.findings if f.code == "report-sender-failing-spf")
    assert "add include:spf.protection.outlook.com to the SPF record of example.com" in spf.fix
    (ready,) = summary.readiness
    assert (ready.policy, ready.next_policy, ready.ready) == ("none", "quarantine", False)
    assert dict(ready.would_hurt) == {"Mailchimp (marketing)": 120, "Microsoft 365 / Exchange Online": 80,
                                      "203.0.113.77": 6}
    assert ready.unauthorized_messages == 44


def test_ready_for_quarantine_then_reject(sqlite_store: ReportStore) -> None:
    summary = _summary(sqlite_store, [OWN, FORWARDER, SPOOFER])
    (ready,) = summary.readiness
    assert ready.ready and ready.next_policy == "quarantine"
    finding = next(f for f in summary.findings if f.code == "dmarc-ready-for-enforcement")
    assert finding.subject == "example.com" and "p=quarantine" in finding.fix
    assert "44 messages from unauthorized sources would be quarantined" in finding.message


def test_next_step_from_quarantine_is_reject(sqlite_store: ReportStore) -> None:
    summary = _summary(sqlite_store, [OWN, SPOOFER], p="quarantine")
    (ready,) = summary.readiness
    assert (ready.policy, ready.next_policy, ready.ready) == ("quarantine", "reject", True)


def test_enforced_domain_has_no_next_step(sqlite_store: ReportStore) -> None:
    summary = _summary(sqlite_store, [OWN], p="reject")
    (ready,) = summary.readiness
    assert (ready.next_policy, ready.ready) == (None, False)


def test_works_without_the_catalog(sqlite_store: ReportStore) -> None:
    ingest(sqlite_store, _items(aggregate_xml([OWN, MAILCHIMP, SPOOFER])))
    summary = asyncio.run(summarize(sqlite_store, enrichers=[]))
    groups = {s.ip: s.group for s in summary.sources}
    assert groups["198.2.128.5"] is SourceGroup.UNAUTHORIZED  # unknown without a catalog...
    finding = next(f for f in summary.findings if f.subject == "198.2.128.5")
    assert "it authenticates as mail123.mcsv.net, mcsv.net" in finding.message  # ...but named by its domains
    assert all(s.sender is None and s.ptr is None for s in summary.sources)


def test_custom_signatures_plug_in(sqlite_store: ReportStore) -> None:
    ingest(sqlite_store, _items(aggregate_xml([SPOOFER])))
    crm = SenderSignature("legacy-crm", "Our old CRM", networks=(ipaddress.ip_network("198.51.100.0/24"),),
                          dkim_fix=lambda domain: f"ask the CRM team to sign for {domain}")
    summary = asyncio.run(summarize(sqlite_store, enrichers=[SenderEnricher([crm])]))
    (source,) = summary.sources
    assert (source.sender, source.group) == ("Our old CRM", SourceGroup.SENDER_FAILING)
    (finding,) = [f for f in summary.findings if f.code == "report-sender-failing-dkim"]
    assert finding.fix == "ask the CRM team to sign for example.com"


def test_tls_failures_per_mx_and_policy_type(sqlite_store: ReportStore) -> None:
    ingest(sqlite_store, _items(
        tls_json(report_id="a", failures=(("mx1.example.com", "certificate-expired", 5),
                                           ("mx2.example.com", "starttls-not-supported", 2))),
        tls_json(report_id="b", failures=(("mx1.example.com", "certificate-expired", 4),)),
        tls_json(report_id="c", policy_type="tlsa", failures=(("mx1.example.com", "dane-required", 1),)),
    ))
    summary = asyncio.run(summarize(sqlite_store, enrichers=[]))
    failures = [(f.receiving_mx_hostname, f.policy_type, f.result_type, f.failed_sessions)
                for f in summary.tls_failures]
    assert failures == [("mx1.example.com", "sts", "certificate-expired", 9),
                        ("mx2.example.com", "sts", "starttls-not-supported", 2),
                        ("mx1.example.com", "tlsa", "dane-required", 1)]
    assert summary.tls_reports == 3


def test_date_and_domain_filters(sqlite_store: ReportStore) -> None:
    day1 = aggregate_xml([Rec("192.0.2.1", 3)], report_id="d1", begin=1767225600, end=1767311999)  # 2026-01-01
    day3 = aggregate_xml([Rec("192.0.2.1", 5)], report_id="d3", begin=1767398400, end=1767484799)  # 2026-01-03
    other = aggregate_xml([Rec("192.0.2.1", 7, header_from="example.org")], report_id="o", domain="example.org")
    ingest(sqlite_store, _items(day1, day3, other))

    def total(where: ReportFilter) -> int:
        return asyncio.run(summarize(sqlite_store, where, enrichers=[])).messages

    assert total(ReportFilter()) == 15
    assert total(ReportFilter(domain="example.org")) == 7
    assert total(ReportFilter(domain="example.com", since=parse_day("2026-01-02"))) == 5
    assert total(ReportFilter(domain="example.com", until=parse_day("2026-01-01", end=True))) == 3
    assert total(ReportFilter(since=parse_day("2026-01-02"), until=parse_day("2026-01-02", end=True))) == 0
    summary = asyncio.run(summarize(sqlite_store, ReportFilter(domain="example.com"), enrichers=[]))
    assert [(d.day.isoformat(), d.messages) for d in summary.timeline] == [("2026-01-01", 3), ("2026-01-03", 5)]


def test_json_contract(sqlite_store: ReportStore) -> None:
    summary = _summary(sqlite_store, [OWN, MAILCHIMP, SPOOFER])
    data = summary_to_dict(summary)
    for key in ("reports", "messages", "dmarc_pass", "dmarc_fail", "quarantined", "sources", "findings"):
        assert key in data
    assert data["dmarc_pass"] + data["dmarc_fail"] == data["messages"] == 664
    for source in data["sources"]:
        assert set(source) >= {"ip", "messages", "dmarc_pass", "spf_aligned", "dkim_aligned", "sender", "ptr"}
    assert data["groups"]["declared_failing"]["messages"] == 120


def test_quarantined_inputs_are_counted_with_a_finding(sqlite_store: ReportStore) -> None:
    ingest(sqlite_store, _items(b"<feedback><oops>", aggregate_xml([OWN])))
    summary = asyncio.run(summarize(sqlite_store, enrichers=[]))
    assert summary.quarantined == 1 and summary.quarantine_reasons == {"malformed-xml": 1}
    assert any(f.code == "report-quarantined" for f in summary.findings)


def test_dns_failures_are_unchecked_not_fatal(sqlite_store: ReportStore) -> None:
    class Failing:
        async def query(self, name: object, rdtype: object) -> object:
            from inboxready.dns.errors import ServFail

            raise ServFail(str(name), str(rdtype))

    ingest(sqlite_store, _items(aggregate_xml([OWN])))
    summary = asyncio.run(summarize(sqlite_store, resolver=Failing()))  # type: ignore[arg-type]
    assert summary.sources[0].ptr is None
    assert summary.unchecked and "PTR of 192.0.2.10" in summary.unchecked[0]


def test_default_enrichers() -> None:
    steps = default_enrichers(None)
    assert [type(s).__name__ for s in steps] == ["SenderEnricher"]
    assert [type(s).__name__ for s in default_enrichers(ZoneResolver.from_text(ZONES))] == ["PtrEnricher",
                                                                                            "SenderEnricher"]


@pytest.mark.usefixtures("sqlite_store")
def test_ptr_through_the_loopback_dns_server(dns_server: object) -> None:
    from inboxready.reports.analyze import build_sources
    from inboxready.reports.store.queries import RecordGroup

    group = RecordGroup("example.com", "198.18.25.10", "example.com", "", "none", "pass", "pass", (), (), (), 3)
    sources = build_sources([group])
    enriched = asyncio.run(PtrEnricher(dns_server.resolver())(sources))  # type: ignore[attr-defined]
    assert enriched[0].ptr == "mail.fcrdns.test"
