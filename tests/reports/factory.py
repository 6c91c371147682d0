"""Builders of RFC 7489 aggregate reports (and RFC 8460 TLS reports) for tests and the bench."""

from __future__ import annotations

import gzip
import io
import json
import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Rec:
    ip: str
    count: int = 1
    dkim: str = "pass"  # policy_evaluated (aligned) results
    spf: str = "pass"
    header_from: str = "example.com"
    envelope_from: str = "example.com"
    dkim_auth: Sequence[tuple[str, str, str]] = ()  # (d=, selector, result)
    spf_auth: Sequence[tuple[str, str]] = ()  # (domain, result)
    disposition: str = "none"
    reasons: Sequence[str] = field(default_factory=tuple)


def record_xml(r: Rec) -> str:
    reasons = "".join(f"<reason><type>{escape(t)}</type></reason>" for t in r.reasons)
    dkim = "".join(
        f"<dkim><domain>{escape(d)}</domain><selector>{escape(s)}</selector><result>{res}</result></dkim>"
        for d, s, res in r.dkim_auth
    )
    spf = "".join(f"<spf><domain>{escape(d)}</domain><scope>mfrom</scope><result>{res}</result></spf>"
                  for d, res in r.spf_auth)
    return (
        f"<record><row><source_ip>{r.ip}</source_ip><count>{r.count}</count><policy_evaluated>"
        f"<disposition>{r.disposition}</disposition><dkim>{r.dkim}</dkim><spf>{r.spf}</spf>{reasons}"
        f"</policy_evaluated></row><identifiers><header_from>{escape(r.header_from)}</header_from>"
        f"<envelope_from>{escape(r.envelope_from)}</envelope_from></identifiers>"
        f"<auth_results>{dkim}{spf}</auth_results></record>\n"
    )


def header_xml(org: str, report_id: str, domain: str, begin: int, end: int, p: str = "none",
               namespace: bool = False) -> str:
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{ns}><version>1.0</version><report_metadata>'
        f"<org_name>{escape(org)}</org_name><email>dmarc@{escape(org)}</email>"
        f"<report_id>{escape(report_id)}</report_id><date_range><begin>{begin}</begin><end>{end}</end>"
        f"</date_range></report_metadata><policy_published><domain>{escape(domain)}</domain><adkim>r</adkim>"
        f"<aspf>r</aspf><p>{p}</p><sp>{p}</sp><pct>100</pct></policy_published>\n"
    )


def aggregate_xml(records: Iterable[Rec], org: str = "reporter.example", report_id: str = "r1",
                  domain: str = "example.com", begin: int = 1767225600, end: int = 1767311999, p: str = "none",
                  namespace: bool = False) -> bytes:
    body = "".join(record_xml(r) for r in records)
    return (header_xml(org, report_id, domain, begin, end, p, namespace) + body + "</feedback>\n").encode()


def random_records(n: int, seed: int = 7) -> Iterator[Rec]:
    rng = random.Random(seed)
    for _ in range(n):
        ip = f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        ok = rng.random() < 0.8
        yield Rec(
            ip=ip, count=rng.randrange(1, 500), dkim="pass" if ok else "fail", spf="pass" if ok else "fail",
            dkim_auth=(("example.com", rng.choice(("s1", "google", "k2")), "pass" if ok else "fail"),),
            spf_auth=(("example.com", "pass" if ok else "softfail"),),
        )


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def zipped(data: bytes, name: str = "report.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def tls_json(org: str = "tls.example", report_id: str = "t1", domain: str = "example.com",
             failures: Sequence[tuple[str, str, int]] = (("mx1.example.com", "certificate-expired", 5),),
             policy_type: str = "sts") -> bytes:
    return json.dumps({
        "organization-name": org,
        "date-range": {"start-datetime": "2026-01-01T00:00:00Z", "end-datetime": "2026-01-01T23:59:59Z"},
        "contact-info": "tls@" + org,
        "report-id": report_id,
        "policies": [{
            "policy": {"policy-type": policy_type, "policy-domain": domain, "mx-host": ["mx1.example.com"]},
            "summary": {"total-successful-session-count": 100,
                        "total-failure-session-count": sum(n for _, _, n in failures)},
            "failure-details": [{"result-type": kind, "receiving-mx-hostname": mx, "failed-session-count": n}
                                for mx, kind, n in failures],
        }],
    }).encode()


def report_email(attachment: bytes, filename: str, content_type: str = "application/gzip",
                 subject: str = "Report domain: example.com") -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "noreply-dmarc@reporter.example"
    message["To"] = "dmarc@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{filename}@reporter.example>"
    message.set_content("This is an aggregate report.")
    maintype, _, subtype = content_type.partition("/")
    message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
