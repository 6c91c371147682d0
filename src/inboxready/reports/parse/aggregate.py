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
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

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
from inboxready.reports.parse.xmlsafe import Readable, SafeEvents, local_name

_MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z
_SPF_ALIASES = {"hardfail": "fail", "unknown": "permerror", "error": "temperror"}
_DKIM_ALIASES = {"unknown": "permerror", "error": "temperror"}
_E = TypeVar("_E", Disposition, DmarcResult, DkimResult, SpfResult)
_TAGS = ("feedback", "version", "report_metadata", "policy_published", "record")
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


_LOOKUP: dict[type, dict[str, Any]] = {
    kind: {m.value: m for m in kind} for kind in (Disposition, DmarcResult, DkimResult, SpfResult)
}


def _enum_value(kind: type[_E], text: str, name: str, aliases: dict[str, str] | None = None) -> _E:
    table = _LOOKUP[kind]
    found = table.get(text)
    if found is not None:
        return cast(_E, found)
    value = text.lower()
    if aliases:
        value = aliases.get(value, value)
    found = table.get(value)
    if found is None:
        shown = f"{text[:40]!r}" if text else "empty"
        raise _wrong(f"<{name}> is {shown}, not one of {', '.join(m.value for m in kind)}")
    return cast(_E, found)


_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\Z")


def _source_ip(text: str) -> str:
    if _IPV4.match(text):
        return text  # already the canonical dotted quad
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        shown = f"{text[:60]!r}" if text else "empty"
        raise _wrong(f"<source_ip> is {shown}, not an IP address") from None


def _count(text: str) -> int:
    if not text.isdigit() or len(text) > 15:
        raise _wrong(f"<count> {text[:40]!r} is not a message count")
    return int(text)


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[tag.index("}") + 1:] if tag[0] == "{" else tag
        if len(_LOCAL_NAMES) < 256:  # the report vocabulary; never grows with hostile input
            _LOCAL_NAMES[tag] = name
    return name


def _split(
    element: etree._Element, cap: int, containers: frozenset[str]
) -> tuple[dict[str, str], list[tuple[str, etree._Element]]]:
    """(first text of each child by local name, [(name, child)] of the children named in `containers`)."""
    texts: dict[str, str] = {}
    found: list[tuple[str, etree._Element]] = []
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = _local(tag)
        if name in containers:
            found.append((name, child))
        elif name not in texts:
            text = child.text or ""
            if len(text) > cap:
                raise ReportRejected(QuarantineReason.FIELD_TOO_LONG, f"<{name}> is longer than {cap} characters")
            texts[name] = text.strip()
    return texts, found


_RECORD_PARTS = frozenset({"row", "identifiers", "auth_results"})
_ROW_PARTS = frozenset({"policy_evaluated"})
_EVALUATED_PARTS = frozenset({"reason"})
_AUTH_PARTS = frozenset({"dkim", "spf"})
_NO_PARTS: frozenset[str] = frozenset()


def _record(element: etree._Element, limits: Limits) -> AggregateRecord:
    cap = limits.max_field_length
    parts = dict(_split(element, cap, _RECORD_PARTS)[1])
    row, identifiers, auth = parts.get("row"), parts.get("identifiers"), parts.get("auth_results")
    if row is None:
        raise _wrong("<record> without <row>")
    if identifiers is None:
        raise _wrong("<record> without <identifiers>")
    fields, row_parts = _split(row, cap, _ROW_PARTS)
    if not row_parts:
        raise _wrong("<row> without <policy_evaluated>")
    source_ip = _source_ip(fields.get("source_ip", ""))
    count = _count(fields.get("count", ""))
    found, reason_parts = _split(row_parts[0][1], cap, _EVALUATED_PARTS)
    reasons: list[PolicyOverride] = []
    for _, child in reason_parts:
        reason = _split(child, cap, _NO_PARTS)[0]
        if reason.get("type"):
            reasons.append(PolicyOverride(reason["type"].lower(), reason.get("comment", "")))
    disposition = _enum_value(Disposition, found.get("disposition", ""), "disposition")
    dkim = _enum_value(DmarcResult, found.get("dkim", ""), "policy_evaluated/dkim")
    spf = _enum_value(DmarcResult, found.get("spf", ""), "policy_evaluated/spf")
    ids = _split(identifiers, cap, _NO_PARTS)[0]
    dkim_auth: list[DkimAuth] = []
    spf_auth: list[SpfAuth] = []
    if auth is not None:
        for name, child in _split(auth, cap, _AUTH_PARTS)[1]:
            if name == "dkim":
                dkim_auth.append(_dkim_auth(_split(child, cap, _NO_PARTS)[0]))
            else:
                spf_auth.append(_spf_auth(_split(child, cap, _NO_PARTS)[0]))
    header_from = ids.get("header_from", "")
    envelope_from = ids.get("envelope_from", "")
    envelope_to = ids.get("envelope_to", "")
    return AggregateRecord(
        source_ip=source_ip,
        count=count,
        disposition=disposition,
        dkim=dkim,
        spf=spf,
        header_from=_domain(header_from, "header_from"),
        envelope_from=_domain(envelope_from, "envelope_from", required=False) if envelope_from else "",
        envelope_to=_domain(envelope_to, "envelope_to", required=False) if envelope_to else "",
        reasons=tuple(reasons),
        dkim_auth=tuple(dkim_auth),
        spf_auth=tuple(spf_auth),
    )


def _dkim_auth(fields: dict[str, str]) -> DkimAuth:
    return DkimAuth(
        domain=_domain(fields.get("domain", ""), "dkim/domain", required=False),
        result=_enum_value(DkimResult, fields.get("result", ""), "dkim/result", _DKIM_ALIASES),
        selector=fields.get("selector", ""),
        human_result=fields.get("human_result", ""),
    )


def _spf_auth(fields: dict[str, str]) -> SpfAuth:
    return SpfAuth(
        domain=_domain(fields.get("domain", ""), "spf/domain", required=False),
        result=_enum_value(SpfResult, fields.get("result", ""), "spf/result", _SPF_ALIASES),
        scope=fields.get("scope", "").lower(),
        human_result=fields.get("human_result", ""),
    )


class AggregateStream:
    """An aggregate report being read: `header` is known, `records()` yields the rest once."""

    def __init__(self, source: Readable, limits: Limits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._events = SafeEvents(source, _TAGS, limits.max_record_bytes)
        self._iterator = iter(self._events)
        self._started = False
        self.record_count = 0
        self.header = self._read_header()

    def _root_name(self) -> str:
        root = self._events.root
        return local_name(root.tag) if root is not None else "nothing"

    def _read_header(self) -> AggregateHeader:
        metadata: _Fields | None = None
        policy: _Fields | None = None
        version = ""
        limit = self._limits.max_field_length
        root = None
        for event, element in self._iterator:
            if root is None:
                root = self._events.root
                if element is not root or local_name(element.tag) != "feedback":
                    raise _wrong(f"root element is <{self._root_name()}>, not <feedback>: not a DMARC aggregate report")
                continue
            if element.getparent() is not root:
                continue
            name = local_name(element.tag)
            if event == "start":
                if name == "record":
                    self._started = True
                    self._events.mark()
                    return _header(metadata, policy, version, self._limits)
                continue
            if name == "report_metadata":
                metadata = _Fields(element, limit)
            elif name == "policy_published":
                policy = _Fields(element, limit)
            elif name == "version":
                version = element_text(element, "version", 16)
        if root is None:
            raise _wrong(f"root element is <{self._root_name()}>, not <feedback>: not a DMARC aggregate report")
        return _header(metadata, policy, version, self._limits)

    def records(self) -> Iterator[AggregateRecord]:
        if not self._started:
            return
        root = self._events.root
        assert root is not None
        limits = self._limits
        for event, element in self._iterator:
            if event != "end" or element.getparent() is not root:
                continue
            if local_name(element.tag) == "record":
                self.record_count += 1
                if self.record_count > limits.max_records:
                    raise ReportRejected(QuarantineReason.TOO_MANY_RECORDS, f"more than {limits.max_records} records")
                yield _record(element, limits)
            element.clear()
            while element.getprevious() is not None:
                del root[0]
            self._events.mark()


def parse_aggregate(source: Readable, limits: Limits = DEFAULT_LIMITS) -> AggregateStream:
    """Start reading an aggregate report; raises ReportRejected if the header is unusable."""
    return AggregateStream(source, limits)
