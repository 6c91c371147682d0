"""Every sample in ../shared/corpus/dmarc-reports is parsed or quarantined, and the table says which and why.

Each file goes through the same extraction as `reports ingest` (content sniffing, decompression,
e-mail attachments, the hardened parsers). Outcomes:
  ("aggregate", messages)            parsed aggregate report(s), total messages (sum of counts)
  ("tls", policies, failures)        parsed RFC 8460 report: number of policies and failure details
  ("failure", domain, source_ip)     parsed RFC 6591 auth-failure report
  ("quarantined", reason, text)      refused with that reason; `text` is in the detail; the WHY column says why
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from inboxready.reports.parse import AggregateItem, FailureItem, Rejected, ReportRejected, TlsItem, extract
from tests.services import corpus_path

AGG, TLS, FAIL, QUAR = "aggregate", "tls", "failure", "quarantined"
STALWART_ORACLE = "Stalwart's expected-parse JSON (its own serialisation), not an RFC 8460 report"

#: path under dmarc-reports → (outcome..., why)
TABLE: dict[str, tuple[Any, ...]] = {
    # --- aggregate: cry-inc dmarc-report-viewer
    "aggregate/cry-inc-dmarc-report-viewer/acme.xml": (AGG, 2, "RFC 7489 report with a report_metadata/error"),
    "aggregate/cry-inc-dmarc-report-viewer/aol.xml": (AGG, 1, "xsi attributes are ignored"),
    "aggregate/cry-inc-dmarc-report-viewer/gmxnet.xml": (AGG, 1, "dmarc-2.0 namespace, version 1.0"),
    "aggregate/cry-inc-dmarc-report-viewer/google.xml": (AGG, 1, "plain report"),
    "aggregate/cry-inc-dmarc-report-viewer/hardfail.xml": (AGG, 1, "SPF 'hardfail' read as fail"),
    "aggregate/cry-inc-dmarc-report-viewer/mailru.xml": (AGG, 1, "plain report"),
    "aggregate/cry-inc-dmarc-report-viewer/outlook.xml": (AGG, 3, "2 records, CRLF"),
    "aggregate/cry-inc-dmarc-report-viewer/solamora.xml": (AGG, 2, "CRLF"),
    "aggregate/cry-inc-dmarc-report-viewer/webde.xml": (AGG, 1, "dmarc-2.0 namespace"),
    "aggregate/cry-inc-dmarc-report-viewer/yahoo.xml": (AGG, 1, "plain report"),
    # --- aggregate: Mail::DMARC (plain, gzip, zip of the same report)
    "aggregate/mail-dmarc/test_dmarc.xml": (AGG, 1, "plain report"),
    "aggregate/mail-dmarc/test_dmarc.xml.gz": (AGG, 1, "gzip"),
    "aggregate/mail-dmarc/test_dmarc.xml.zip": (AGG, 1, "zip whose member has an empty name"),
    # --- aggregate: OpenDMARC
    "aggregate/opendmarc/163.com!example.com!1337270400!1337356799.20120518163.xml": (
        AGG, 92, "float timestamps 1337270400.0 accepted"),
    "aggregate/opendmarc/bad.com!example.com!1337140800!1337227200.xml": (
        QUAR, "wrong-schema", "<disposition> is empty",
        "malformed on purpose; streaming stops at its first fault, the empty <disposition> of record 1"),
    "aggregate/opendmarc/good.com!example.com!1337270400!1337356799.xml": (AGG, 183934, "754 records"),
    "aggregate/opendmarc/yeah.net!example.com!1337270400!1337356799.20120518.xml": (AGG, 21679, "254 records"),
    # --- aggregate: parsedmarc
    "aggregate/parsedmarc/!example.com!1538204542!1538463818.xml": (AGG, 1, "empty org_name: email domain used"),
    "aggregate/parsedmarc/!large-example.com!1711897200!1711983600.xml": (AGG, 2286, "2286 records"),
    "aggregate/parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml": (
        AGG, 1, "e-mail with a base64 zip attachment"),
    "aggregate/parsedmarc/addisonfoods.com!example.com!1536105600!1536191999.xml": (AGG, 1, "plain report"),
    "aggregate/parsedmarc/aggregate_invalid/report_with_upper_cased_pass.xml": (AGG, 1, "'Pass'/'None' lower-cased"),
    "aggregate/parsedmarc/empty.xml": (QUAR, "empty", "no content", "0 bytes"),
    "aggregate/parsedmarc/empty_reason.xml": (AGG, 2, "empty <reason> children skipped"),
    "aggregate/parsedmarc/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip": (
        AGG, 1, "zip"),
    "aggregate/parsedmarc/example.net!example.com!1529366400!1529452799.xml": (AGG, 1, "stray text after </sp>"),
    "aggregate/parsedmarc/extract_report/changed-input.xml": (AGG, 3047, "20 records"),
    "aggregate/parsedmarc/extract_report/nice-input.xml": (AGG, 3047, "20 records"),
    "aggregate/parsedmarc/extract_report/nice-input.xml.gz": (AGG, 3047, "gzip of nice-input.xml"),
    "aggregate/parsedmarc/extract_report/nice-input.xml.zip": (AGG, 3047, "zip of nice-input.xml"),
    "aggregate/parsedmarc/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz": (AGG, 1, "gzip"),
    "aggregate/parsedmarc/ikea.com!example.de!1538690400!1538776800.xml": (
        QUAR, "wrong-schema", "root element is <schema>",
        "a stray unclosed <xs:schema> start tag wraps <feedback>: not well-formed and not a feedback document; "
        "we refuse rather than repair hostile input"),
    "aggregate/parsedmarc/invalid_utf_8.xml": (
        QUAR, "malformed-xml", "Invalid bytes in character encoding",
        "byte 0x91 is not UTF-8 (the declared encoding): not well-formed XML"),
    "aggregate/parsedmarc/invalid_xml.xml": (
        QUAR, "malformed-xml", "not well-formed", "unescaped '<' in element text: not well-formed XML"),
    "aggregate/parsedmarc/mimecast-weird-gzip.eml": (AGG, 1, "CRLF after the gzip stream tolerated"),
    "aggregate/parsedmarc/old_draft_from_wiki.xml": (AGG, 2, "pre-RFC draft layout reads the same"),
    "aggregate/parsedmarc/protection.outlook.com!example.com!1711756800!1711843200.xml": (AGG, 1, "xs attributes"),
    "aggregate/parsedmarc/rfc9990-example.net!example.com!1700000000!1700086399.xml": (AGG, 7, "RFC 9990 elements"),
    "aggregate/parsedmarc/rfc9990-sample.xml": (AGG, 123, "RFC 9990 appendix B, dmarc-2.0 namespace"),
    "aggregate/parsedmarc/twilight.eml": (AGG, 1, "e-mail with a zip attachment"),
    "aggregate/parsedmarc/usssa.com!example.com!1538784000!1538870399.xml": (AGG, 2, "two records"),
    "aggregate/parsedmarc/veeam.com!example.com!1530133200!1530219600.xml": (AGG, 1, "empty SPF <domain> allowed"),
    # --- aggregate: Stalwart (XML/e-mail with expected-parse JSON next to them)
    **{f"aggregate/stalwart-mail-auth/{n}.xml": (AGG, m, "checked against the .json oracle below")
       for n, m in (("001", 123), ("002", 2), ("003", 9), ("004", 123), ("005", 1))},
    **{f"aggregate/stalwart-mail-auth/{n}.eml": (AGG, 1, "e-mail with zip/gzip attachment; oracle below")
       for n in ("100", "101", "102", "103", "104")},
    **{f"aggregate/stalwart-mail-auth/{n}.json": (QUAR, "wrong-schema", "'date-range' is missing", STALWART_ORACLE)
       for n in ("001", "002", "003", "004", "005", "100", "101", "102", "103", "104")},
    # --- aggregate: tierpod dmarc-report-converter
    "aggregate/tierpod-dmarc-report-converter/test.xml": (AGG, 7, "trailing space in <end> stripped"),
    "aggregate/tierpod-dmarc-report-converter/test.xml.gz": (AGG, 7, "gzip"),
    "aggregate/tierpod-dmarc-report-converter/test.xml.gz.gz": (AGG, 7, "gzip inside gzip (nesting 2)"),
    "aggregate/tierpod-dmarc-report-converter/test.xml.zip": (AGG, 7, "zip"),
    "aggregate/tierpod-dmarc-report-converter/test2.xml": (
        AGG, 12, "same identity as test.xml: a duplicate in one store"),
    "aggregate/tierpod-dmarc-report-converter/test_empty.xml": (
        QUAR, "wrong-schema", "<source_ip> is empty",
        "empty <source_ip>, <disposition>, results: a record without a source cannot be counted"),
    # --- failure reports
    "failure/parsedmarc/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml": (
        FAIL, "domain.de", "10.10.10.10", "ARF multipart/report"),
    "failure/parsedmarc/[Netease DMARC Failure Report] Rent Reminder.eml": (
        FAIL, "cardinal.com", "167.89.69.24", "feedback part base64-encoded inside multipart/mixed"),
    "failure/parsedmarc/dmarc_ruf_report_linkedin.crlf.eml": (FAIL, "example.com", "10.10.10.10", "CRLF"),
    "failure/parsedmarc/dmarc_ruf_report_linkedin.eml": (FAIL, "example.com", "10.10.10.10", "LF"),
    "failure/parsedmarc/exim_plain_text_only_no_arf_part.eml": (
        QUAR, "not-a-report", "no feedback-report part",
        "text/plain only: no machine-readable message/feedback-report part (RFC 6591 section 3)"),
    "failure/stalwart-mail-auth/001.eml": (
        QUAR, "not-auth-failure", "'abuse'", "ARF abuse complaint, not a DMARC failure report"),
    "failure/stalwart-mail-auth/002.eml": (
        QUAR, "not-auth-failure", "'abuse'", "ARF abuse complaint, not a DMARC failure report"),
    "failure/stalwart-mail-auth/003.eml": (FAIL, "example.net", "192.0.2.1", "oracle below"),
    "failure/stalwart-mail-auth/004.eml": (FAIL, "interpublication.org", "148.163.85.135", "Source-IP with comment"),
    "failure/stalwart-mail-auth/005.eml": (FAIL, "a.sender.example", "192.0.2.1", "text/rfc822-headers part"),
    **{f"failure/stalwart-mail-auth/{n}.json": (QUAR, "wrong-schema", "'date-range' is missing", STALWART_ORACLE)
       for n in ("001", "002", "003", "004", "005")},
    # --- schema
    "schema/rua-schema.xsd": (QUAR, "wrong-schema", "root element is <schema>", "the XSD itself, not a report"),
    # --- SMTP TLS reports
    "smtp-tls/cry-inc-dmarc-report-viewer/google.json": (TLS, 1, 0, "no failures"),
    "smtp-tls/cry-inc-dmarc-report-viewer/microsoft.json": (TLS, 2, 0, "two policies"),
    "smtp-tls/cry-inc-dmarc-report-viewer/no-contact.json": (
        TLS, 1, 0, "contact-info null: descriptive only, accepted; mx-host given as a list"),
    "smtp-tls/cry-inc-dmarc-report-viewer/no-policy.json": (TLS, 1, 0, "policy-type no-policy-found"),
    "smtp-tls/cry-inc-dmarc-report-viewer/no_ip_and_mx.json": (
        TLS, 1, 1, "sts-policy-fetch-error has no MX or IP: those fields are optional"),
    "smtp-tls/cry-inc-dmarc-report-viewer/rfc-example.json": (TLS, 1, 3, "RFC 8460 example"),
    "smtp-tls/parsedmarc/google.com_smtp_tls_report.eml": (TLS, 1, 0, "application/tlsrpt+gzip attachment"),
    "smtp-tls/parsedmarc/mail.ru.json": (TLS, 1, 2, "plain report"),
    "smtp-tls/parsedmarc/rfc8460.json": (TLS, 1, 3, "RFC 8460 example"),
    "smtp-tls/parsedmarc/smtp_tls.json": (TLS, 1, 2, "testing-mode STS policy"),
    "smtp-tls/stalwart-mail-auth/rpt01.eml": (TLS, 1, 3, "tlsrpt+gzip; equals rpt01.json"),
    "smtp-tls/stalwart-mail-auth/rpt01.json": (TLS, 1, 3, "RFC 8460 example"),
    "smtp-tls/stalwart-mail-auth/rpt02.eml": (TLS, 1, 1, "uncompressed application/tlsrpt; equals rpt02.json"),
    "smtp-tls/stalwart-mail-auth/rpt02.json": (TLS, 1, 1, "plain report"),
    "smtp-tls/stalwart-mail-auth/rpt03.json": (
        QUAR, "wrong-schema", "'policy-domain' is missing",
        "policies without policy-domain (and an invalid policy-type): RFC 8460 4.4 requires it"),
}


def _outcome(path: Path) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    with path.open("rb") as handle:
        for item in extract(path.name, handle):
            if isinstance(item, AggregateItem):
                try:
                    out.append((AGG, sum(r.count for r in item.stream.records()), item.stream.header))
                except ReportRejected as exc:
                    out.append((QUAR, exc.reason.value, exc.detail))
            elif isinstance(item, TlsItem):
                out.append((TLS, item.report))
            elif isinstance(item, FailureItem):
                out.append((FAIL, item.report))
            else:
                assert isinstance(item, Rejected)
                out.append((QUAR, item.reason.value, item.detail))
    return out


def test_table_covers_every_corpus_file() -> None:
    root = corpus_path("dmarc-reports")
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == set(TABLE), f"missing: {sorted(files - set(TABLE))}, extra: {sorted(set(TABLE) - files)}"


@pytest.mark.parametrize("relative", sorted(TABLE))
def test_corpus_file(relative: str) -> None:
    expected = TABLE[relative]
    outcome = _outcome(corpus_path("dmarc-reports", relative))
    assert len(outcome) == 1, outcome
    got = outcome[0]
    assert got[0] == expected[0], f"{relative}: {got} (expected {expected[0]} because {expected[-1]})"
    if expected[0] == AGG:
        assert got[1] == expected[1]
        header = got[2]
        assert header.date_range.begin.tzinfo is UTC and header.report_id
    elif expected[0] == TLS:
        report = got[1]
        assert len(report.policies) == expected[1]
        assert sum(len(p.failures) for p in report.policies) == expected[2]
        assert report.date_range.begin.tzinfo is UTC
    elif expected[0] == FAIL:
        report = got[1]
        assert (report.domain, report.source_ip) == expected[1:3]
        assert report.feedback_type == "auth-failure"
    else:
        assert got[1] == expected[1], f"{relative}: reason {got[1]}: {got[2]}"
        assert expected[2] in got[2]


ORACLES = ["001.xml", "002.xml", "003.xml", "004.xml", "005.xml", "100.eml", "101.eml", "102.eml", "103.eml",
           "104.eml"]


@pytest.mark.parametrize("name", ORACLES)
def test_aggregate_matches_stalwart_oracle(name: str) -> None:
    folder = corpus_path("dmarc-reports", "aggregate", "stalwart-mail-auth")
    oracle = json.loads((folder / (Path(name).stem + ".json")).read_text())
    with (folder / name).open("rb") as handle:
        items = extract(name, handle)
        item = next(items)  # consumed before the generator moves on (it closes its archive members)
        assert isinstance(item, AggregateItem)
        header = item.stream.header
        records = list(item.stream.records())
        assert list(items) == []
    meta = oracle["report_metadata"]
    assert header.org_name == meta["org_name"]
    assert header.report_id == meta["report_id"]
    assert header.date_range.begin == datetime.fromtimestamp(meta["date_range"]["begin"], UTC)
    assert header.date_range.end == datetime.fromtimestamp(meta["date_range"]["end"], UTC)
    assert header.domain == oracle["policy_published"]["domain"]
    expected = [(r["row"]["source_ip"], r["row"]["count"], r["row"]["policy_evaluated"]["disposition"].lower(),
                 r["row"]["policy_evaluated"]["dkim"].lower(), r["row"]["policy_evaluated"]["spf"].lower())
                for r in oracle["record"]]
    got = [(r.source_ip, r.count, r.disposition.value, r.dkim.value, r.spf.value) for r in records]
    assert got == expected
    dkim = [[(a["domain"], a["selector"] or "", a["result"].lower()) for a in r["auth_results"]["dkim"]]
            for r in oracle["record"]]
    assert [[(a.domain, a.selector, a.result.value) for a in r.dkim_auth] for r in records] == dkim


@pytest.mark.parametrize("name", ["003", "004", "005"])
def test_failure_matches_stalwart_oracle(name: str) -> None:
    folder = corpus_path("dmarc-reports", "failure", "stalwart-mail-auth")
    oracle = json.loads((folder / f"{name}.json").read_text())
    with (folder / f"{name}.eml").open("rb") as handle:
        (item,) = list(extract(name, handle))
    assert isinstance(item, FailureItem)
    report = item.report
    assert report.source_ip == oracle["source_ip"]
    assert [report.domain] == oracle["reported_domain"]
    assert report.auth_failure == oracle["auth_failure"].lower()
    arrival = oracle["arrival_date"]
    assert (report.arrival_date.timestamp() if report.arrival_date else None) == arrival


def test_tls_eml_equals_its_json() -> None:
    folder = corpus_path("dmarc-reports", "smtp-tls", "stalwart-mail-auth")
    for stem in ("rpt01", "rpt02"):
        reports = []
        for suffix in (".eml", ".json"):
            with (folder / (stem + suffix)).open("rb") as handle:
                (item,) = list(extract(stem + suffix, handle))
                assert isinstance(item, TlsItem)
                reports.append(item.report)
        assert reports[0] == reports[1]
