"""DMARC aggregate reports: RFC 7489 appendix C and RFC 9990 (namespace urn:ietf:params:xml:ns:dmarc-2.0).

Streaming: the header (report_metadata, policy_published) is read first; records are then yielded
one at a time and each <record> element is cleared after use, so memory does not grow with the
number of records. Element names are matched without their namespace, so reports with or without
the RFC 9990 namespace, and the pre-RFC draft layout, read the same way.

Lenience is limited to what does not change meaning: surrounding white space, upper-cased result
values ("Pass"), float timestamps ("1337270400.0"), the non-RFC SPF result "hardfail" (= fail),
RFC 7489's "sampled_out" override, unknown extension elements, stray text between elements. A
missing or invalid value that the analysis needs (report id, dates, domain, source IP, count,
policy_evaluated results) refuses the report as "wrong-schema".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.parse.model import (
    AggregateHeader,
    AggregateRecord,
    DateRange,
    Disposition,
    DkimAuth,
    DkimResult,
    DmarcResult,
    PolicyOverride,
    PolicyPublished,
    SpfAuth,
    SpfResult,
)
from inboxready.reports.parse.xmlsafe import Readable, iterparse_safe, local_name

_MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
_SPF_ALIASES = {"hardfail": "fail", "unknown": "permerror", "error": "temperror"}
_DKIM_ALIASES = {"unknown": "permerror", "error": "temperror"}
_E = TypeVar("_E", Disposition, DmarcResult, DkimResult, SpfResult)
_POLICIES = frozenset({"none", "quarantine", "reject"})


def _wrong(detail: str) -> ReportRejected:
    return ReportRejected(QuarantineReason.WRONG_SCHEMA, detail)


class _Fields:
    """Child elements of one element by local name; text capped and stripped."""

    __slots__ = ("_children", "_limit")

    def __init__(self, element: etree._Element, limit: int) -> None:
        self._limit = limit
        self._children: dict[str, list[etree._Element]] = {}
        for child in element:
            name = local_name(child.tag)
            if name:
                self._children.setdefault(name, []).append(child)

    def text(self, name: str, limit: int | None = None) -> str:
        found = self._children.get(name)
        if not found:
            return ""
        return element_text(found[0], name, limit or self._limit)

    def all(self, name: str) -> list[etree._Element]:
        return self._children.get(name, [])

    def one(self, name: str) -> etree._Element | None:
        found = self._children.get(name)
        return found[0] if found else None


def element_text(element: etree._Element, name: str, limit: int) -> str:
    text = element.text or ""
    if len(text) > limit:
        raise ReportRejected(QuarantineReason.FIELD_TOO_LONG, f"<{name}> is longer than {limit} characters")
    return text.strip()


def _timestamp(text: str, name: str) -> datetime:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _wrong(f"<{name}> {text[:40]!r} is not a Unix timestamp") from None
    if not value.is_finite() or not 0 <= value <= _MAX_TIMESTAMP:
        raise _wrong(f"<{name}> {text[:40]!r} is out of range")
    return datetime.fromtimestamp(int(value), tz=UTC)


def _domain(text: str, name: str, required: bool = True) -> str:
    domain = text.strip().rstrip(".").lower()
    if required and not domain:
        raise _wrong(f"<{name}> is empty")
    if len(domain) > 253:
        raise _wrong(f"<{name}> is longer than a domain name can be")
    return domain


def _header(metadata: _Fields | None, policy: _Fields | None, version: str, limits: Limits) -> AggregateHeader:
    if metadata is None:
        raise _wrong("no <report_metadata> before the first <record>")
    if policy is None:
        raise _wrong("no <policy_published> before the first <record>")
    ident = limits.max_identity_length
    report_id = metadata.text("report_id", ident)
    if not report_id:
        raise _wrong("<report_id> is missing or empty")
    date_range = metadata.one("date_range")
    if date_range is None:
        raise _wrong("<date_range> is missing")
    dates = _Fields(date_range, limits.max_field_length)
    begin = _timestamp(dates.text("begin"), "begin")
    end = _timestamp(dates.text("end"), "end")
    if end < begin:
        raise _wrong("<date_range> ends before it begins")
    email = metadata.text("email")
    org_name = metadata.text("org_name", ident) or email.rpartition("@")[2].lower()
    errors = tuple(element_text(e, "error", limits.max_field_length) for e in metadata.all("error"))
    return AggregateHeader(
        org_name=org_name,
        report_id=report_id,
        date_range=DateRange(begin, end),
        policy=_policy(policy),
        email=email,
        extra_contact_info=metadata.text("extra_contact_info"),
        version=version,
        generator=metadata.text("generator"),
        errors=tuple(e for e in errors if e),
    )


def _policy(fields: _Fields) -> PolicyPublished:
    def choice(name: str, allowed: frozenset[str]) -> str | None:
        value = fields.text(name).lower()
        return value if value in allowed else None

    pct_text = fields.text("pct")
    return PolicyPublished(
        domain=_domain(fields.text("domain"), "policy_published/domain"),
        p=choice("p", _POLICIES),
        sp=choice("sp", _POLICIES),
        np=choice("np", _POLICIES),
        adkim=choice("adkim", frozenset({"r", "s"})),
        aspf=choice("aspf", frozenset({"r", "s"})),
        pct=int(pct_text) if pct_text.isdigit() and int(pct_text) <= 100 else None,
        fo=fields.text("fo")[:32] or None,
        testing=choice("testing", frozenset({"y", "n"})),
        discovery_method=choice("discovery_method", frozenset({"psl", "treewalk"})),
    )


def _enum_value(kind: type[_E], text: str, name: str, aliases: dict[str, str] | None = None) -> _E:
    value = text.lower()
    if aliases:
        value = aliases.get(value, value)
    try:
        return kind(value)
    except ValueError:
        shown = f"{text[:40]!r}" if text else "empty"
        raise _wrong(f"<{name}> is {shown}, not one of {', '.join(m.value for m in kind)}") from None


def _source_ip(text: str) -> str:
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        shown = f"{text[:60]!r}" if text else "empty"
        raise _wrong(f"<source_ip> is {shown}, not an IP address") from None


def _count(text: str) -> int:
    if not text.isdigit() or len(text) > 15:
        raise _wrong(f"<count> {text[:40]!r} is not a message count")
    return int(text)


def _record(element: etree._Element, limits: Limits) -> AggregateRecord:
    limit = limits.max_field_length
    fields = _Fields(element, limit)
    row_element = fields.one("row")
    if row_element is None:
        raise _wrong("<record> without <row>")
    row = _Fields(row_element, limit)
    evaluated_element = row.one("policy_evaluated")
    if evaluated_element is None:
        raise _wrong("<row> without <policy_evaluated>")
    evaluated = _Fields(evaluated_element, limit)
    source_ip = _source_ip(row.text("source_ip"))
    count = _count(row.text("count"))
    disposition = _enum_value(Disposition, evaluated.text("disposition"), "disposition")
    dkim = _enum_value(DmarcResult, evaluated.text("dkim"), "policy_evaluated/dkim")
    spf = _enum_value(DmarcResult, evaluated.text("spf"), "policy_evaluated/spf")
    identifiers_element = fields.one("identifiers")
    if identifiers_element is None:
        raise _wrong("<record> without <identifiers>")
    identifiers = _Fields(identifiers_element, limit)
    auth = fields.one("auth_results")
    dkim_auth: list[DkimAuth] = []
    spf_auth: list[SpfAuth] = []
    if auth is not None:
        auth_fields = _Fields(auth, limit)
        dkim_auth = [_dkim_auth(_Fields(e, limit)) for e in auth_fields.all("dkim")]
        spf_auth = [_spf_auth(_Fields(e, limit)) for e in auth_fields.all("spf")]
    reasons = []
    for reason in evaluated.all("reason"):
        reason_fields = _Fields(reason, limit)
        kind = reason_fields.text("type").lower()
        if kind:
            reasons.append(PolicyOverride(kind, reason_fields.text("comment")))
    return AggregateRecord(
        source_ip=source_ip,
        count=count,
        disposition=disposition,
        dkim=dkim,
        spf=spf,
        header_from=_domain(identifiers.text("header_from"), "header_from"),
        envelope_from=_domain(identifiers.text("envelope_from"), "envelope_from", required=False),
        envelope_to=_domain(identifiers.text("envelope_to"), "envelope_to", required=False),
        reasons=tuple(reasons),
        dkim_auth=tuple(dkim_auth),
        spf_auth=tuple(spf_auth),
    )


def _dkim_auth(fields: _Fields) -> DkimAuth:
    return DkimAuth(
        domain=_domain(fields.text("domain"), "dkim/domain", required=False),
        result=_enum_value(DkimResult, fields.text("result"), "dkim/result", _DKIM_ALIASES),
        selector=fields.text("selector"),
        human_result=fields.text("human_result"),
    )


def _spf_auth(fields: _Fields) -> SpfAuth:
    return SpfAuth(
        domain=_domain(fields.text("domain"), "spf/domain", required=False),
        result=_enum_value(SpfResult, fields.text("result"), "spf/result", _SPF_ALIASES),
        scope=fields.text("scope").lower(),
        human_result=fields.text("human_result"),
    )


class AggregateStream:
    """An aggregate report being read: `header` is known, `records()` yields the rest once."""

    def __init__(self, source: Readable, limits: Limits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._events = iterparse_safe(source)
        self._pending: etree._Element | None = None
        self.record_count = 0
        self.header = self._read_header()

    def _read_header(self) -> AggregateHeader:
        depth = 0
        metadata: _Fields | None = None
        policy: _Fields | None = None
        version = ""
        limit = self._limits.max_field_length
        for event, element in self._events:
            if event == "start":
                depth += 1
                name = local_name(element.tag)
                if depth == 1 and name != "feedback":
                    raise _wrong(f"root element is <{name}>, not <feedback>: not a DMARC aggregate report")
                if depth == 2 and name == "record":
                    self._pending = element
                    return _header(metadata, policy, version, self._limits)
                continue
            depth -= 1
            if depth != 1:
                continue
            name = local_name(element.tag)
            if name == "report_metadata":
                metadata = _Fields(element, limit)
            elif name == "policy_published":
                policy = _Fields(element, limit)
            elif name == "version":
                version = element_text(element, "version", 16)
        return _header(metadata, policy, version, self._limits)

    def records(self) -> Iterator[AggregateRecord]:
        if self._pending is None:
            return
        depth = 2  # inside <feedback><record>
        for event, element in self._events:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue
            if local_name(element.tag) == "record":
                self.record_count += 1
                if self.record_count > self._limits.max_records:
                    raise ReportRejected(
                        QuarantineReason.TOO_MANY_RECORDS, f"more than {self._limits.max_records} records"
                    )
                yield _record(element, self._limits)
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]


def parse_aggregate(source: Readable, limits: Limits = DEFAULT_LIMITS) -> AggregateStream:
    """Start reading an aggregate report; raises ReportRejected if the header is unusable."""
    return AggregateStream(source, limits)
