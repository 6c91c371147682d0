"""Verify a domain's email policy document (EP1): pointer → HTTPS fetch → digest → DNS records.

1. `_emailpolicy.<domain>` TXT must hold exactly one `v=EP1` pointer (policy-doc-missing,
   policy-doc-pointer-invalid).
2. The document is fetched from u= over HTTPS; the host is resolved through inboxready's Resolver
   and the certificate checked for it (RFC 6125), no redirects (policy-doc-unreachable).
3. Its SHA-256 digest (RFC 6234) must equal h= (policy-doc-digest-mismatch); only then is the JSON
   (RFC 8259) read: version, domain, records, DKIM fingerprints against the keys (policy-doc-invalid).
4. Each record the document lists is compared with DNS as `policy.diff` compares a plan: tag order
   and defaults do not matter, other TXT values at the name are left alone
   (policy-doc-record-mismatch for each difference).

DNS failures are "could not check" (`unchecked`, exit 3), never a pass.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.hosts.https import HttpsClient, HttpsFetcher, HttpsFetchError
from inboxready.policy.diff import diff_plan
from inboxready.policy.document import (
    VERSION,
    Pointer,
    PointerError,
    is_pointer,
    key_fingerprint,
    parse_pointer,
    pointer_name,
)
from inboxready.policy.records import Plan, PlannedRecord

#: Documents are small; a larger body is refused rather than read without bound.
MAX_DOCUMENT = 256 * 1024
FetcherFactory = Callable[[int], HttpsFetcher]


@dataclass(frozen=True, slots=True)
class DocumentVerification:
    domain: str
    pointer: Pointer | None = None
    digest_ok: bool | None = None
    document: dict[str, Any] | None = None
    records_checked: int = 0
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unchecked

    def exit_code(self) -> int:
        if any(f.severity == Severity.ERROR and f.code != "dns-lookup-failed" for f in self.findings):
            return 1
        return 3 if self.unchecked else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain, "ok": self.ok,
            "pointer": self.pointer.to_dict() if self.pointer else None,
            "digest_ok": self.digest_ok, "records_checked": self.records_checked,
            "findings": [f.to_dict() for f in self.findings], "unchecked": list(self.unchecked),
        }


class _Run:
    def __init__(self, domain: str, resolver: Resolver) -> None:
        self.domain = domain
        self.resolver = resolver
        self.findings: list[Finding] = []
        self.unchecked: list[str] = []

    def add(self, code: str, message: str, **data: Any) -> None:
        self.findings.append(make_finding(code, data.pop("subject", self.domain), message, data=data))

    def failed(self, error: DnsError, what: str) -> None:
        self.findings.append(lookup_failed(error.name or self.domain, error, what))
        self.unchecked.append(error.describe())

    def result(self, **fields: Any) -> DocumentVerification:
        return DocumentVerification(self.domain, findings=tuple(self.findings), unchecked=tuple(self.unchecked),
                                    **fields)


async def _pointer(run: _Run) -> Pointer | None:
    name = pointer_name(run.domain)
    try:
        texts = (await run.resolver.query(name, "TXT")).texts()
    except DnsError as exc:
        if exc.is_failure:
            run.failed(exc, "the email policy document pointer")
            return None
        texts = []
    pointers = [t for t in texts if is_pointer(t)]
    if not pointers:
        run.add("policy-doc-missing", f"{name} has no v=EP1 TXT record.", subject=name)
        return None
    if len(pointers) > 1:
        run.add("policy-doc-pointer-invalid", f"{name} has {len(pointers)} v=EP1 records; exactly one is allowed.",
                subject=name, records=pointers)
        return None
    try:
        return parse_pointer(pointers[0])
    except PointerError as exc:
        run.add("policy-doc-pointer-invalid", f"{name}: {exc}.", subject=name, record=pointers[0])
        return None


async def _addresses(run: _Run, host: str) -> list[str] | None:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    addresses: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            addresses += (await run.resolver.query(host, rdtype)).addresses()
        except DnsError as exc:
            if exc.is_failure:
                run.failed(exc, f"the address of {host}")
                return None
    return addresses


async def _fetch(run: _Run, pointer: Pointer, fetcher_factory: FetcherFactory) -> bytes | None:
    url = urlsplit(pointer.url)
    host = url.hostname or ""
    try:
        port = url.port or 443
    except ValueError:
        run.add("policy-doc-pointer-invalid", f"u={pointer.url}: bad port.", url=pointer.url)
        return None
    addresses = await _addresses(run, host)
    if addresses is None:
        return None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        response = await fetcher_factory(port).get(host, path, addresses)
    except HttpsFetchError as exc:
        run.add("policy-doc-unreachable", f"Cannot fetch {pointer.url}: {exc.reason}.", url=pointer.url)
        return None
    if response.status != 200:
        run.add("policy-doc-unreachable", f"{pointer.url} answered HTTP {response.status}, not 200.",
                url=pointer.url, status=response.status)
        return None
    return response.body


def document_problems(document: Any, domain: str) -> list[str]:
    """What keeps `document` from being a usable EP1 document for `domain` (empty: usable)."""
    if not isinstance(document, dict):
        return ["the document is not a JSON object"]
    problems = []
    if document.get("version") != VERSION:
        problems.append(f"version is {document.get('version')!r}, not {VERSION!r}")
    if str(document.get("domain", "")).rstrip(".").lower() != domain:
        problems.append(f"it describes {document.get('domain')!r}, not {domain}")
    records = document.get("records")
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("name", "type", "value")) for r in records
    ):
        return [*problems, "records must be a list of {name, type, value}"]
    for r in records:
        name = r["name"].rstrip(".").lower()
        if name != domain and not name.endswith("." + domain):
            problems.append(f"record {r['name']} is outside {domain}")
    by_name = {(r["name"].rstrip(".").lower(), r["type"].upper()): r["value"] for r in records}
    for entry in document.get("dkim") or []:
        if not isinstance(entry, dict) or entry.get("type") != "TXT":
            continue
        value = by_name.get((str(entry.get("name", "")).lower(), "TXT"))
        if value is None or key_fingerprint(value)[0] != entry.get("fingerprint"):
            problems.append(f"the fingerprint of DKIM selector {entry.get('selector')} does not match its key record")
    return problems


async def _check_records(run: _Run, document: dict[str, Any]) -> int:
    records = tuple(
        PlannedRecord(r["name"].rstrip(".").lower(), r["type"].upper(), r["value"], "in the email policy document",
                      ("policy-document",), "verification", zone=run.domain)
        for r in document["records"]
    )
    result = await diff_plan(Plan(run.domain, records), run.resolver)
    for change in result.changes:
        if change.action not in ("missing", "wrong", "extra"):
            continue
        live = ", ".join(change.actual) or "nothing"
        expected = f" (the document says {change.expected})" if change.expected else ""
        run.add("policy-doc-record-mismatch",
                f"{change.name} {change.type}: DNS has {live}{expected}.", subject=f"{change.name} {change.type}",
                name=change.name, type=change.type, expected=change.expected, actual=list(change.actual))
    run.unchecked.extend(result.unchecked)
    return len(records)


def default_fetcher_factory(cafile: str | None = None, timeout: float = 10.0) -> FetcherFactory:
    def factory(port: int) -> HttpsFetcher:
        return HttpsClient(cafile=cafile, port=port, timeout=timeout, max_bytes=MAX_DOCUMENT)

    return factory


async def verify_document(
    domain: str, resolver: Resolver, fetcher_factory: FetcherFactory | None = None,
) -> DocumentVerification:
    """Pointer, document, digest and records of `domain`; every problem is a finding."""
    run = _Run(domain.rstrip(".").lower(), resolver)
    pointer = await _pointer(run)
    if pointer is None:
        return run.result()
    body = await _fetch(run, pointer, fetcher_factory or default_fetcher_factory())
    if body is None:
        return run.result(pointer=pointer)
    digest = hashlib.sha256(body).digest()
    if digest != pointer.digest:
        run.add("policy-doc-digest-mismatch",
                f"{pointer.url} has SHA-256 {digest.hex()}, but DNS pins {pointer.digest.hex()}; its content is "
                "not trusted.", url=pointer.url, served=digest.hex(), pinned=pointer.digest.hex())
        return run.result(pointer=pointer, digest_ok=False)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        run.add("policy-doc-invalid", f"{pointer.url} is not UTF-8 JSON: {exc}.", url=pointer.url)
        return run.result(pointer=pointer, digest_ok=True)
    problems = document_problems(document, run.domain)
    for problem in problems:
        run.add("policy-doc-invalid", f"{pointer.url}: {problem}.", url=pointer.url)
    if problems:
        return run.result(pointer=pointer, digest_ok=True)
    checked = await _check_records(run, document)
    return run.result(pointer=pointer, digest_ok=True, document=document, records_checked=checked)
