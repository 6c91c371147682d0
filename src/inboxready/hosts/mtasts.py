"""MTA-STS (RFC 8461): the _mta-sts TXT record (3.1), the HTTPS policy (3.2, 3.3), MX matching (4.1).

The parsers are pure: `parse_sts_record(text)` and `parse_sts_policy(text)` return frozen
dataclasses with their `errors` (the record or policy is unusable) and `warnings`.
`evaluate_mtasts(resolver, domain, fetcher)` does the lookups and the HTTPS fetch (through an
injectable `HttpsFetcher`, see `inboxready.hosts.https`) and returns the findings;
`check_mtasts(ctx)` is the audit check (option `mtasts_fetcher`: a fetcher, or False to skip the
HTTPS fetch).
"""

from __future__ import annotations

import asyncio
import enum
import functools
import re
from dataclasses import dataclass
from typing import Any

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import CheckContext, CheckResult, lookup_failed
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.hosts.https import HttpsClient, HttpsFetcher, HttpsFetchError

POLICY_PATH = "/.well-known/mta-sts.txt"
MAX_AGE_LIMIT = 31_557_600  # RFC 8461 3.2: about one year
MAX_AGE_RECOMMENDED = 604_800  # "weeks or greater" (3.2): one week

_RECORD_START = re.compile(r"v=STSv1[ \t]*;")
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}\Z")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+\Z")
_ID = re.compile(r"[A-Za-z0-9]{1,32}\Z")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MX_PATTERN = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})+\Z")
_POLICY_VALUE = re.compile(r"[\x21-\x7e](?:[ \t\x21-\x7e]*[\x21-\x7e])?\Z")


class StsMode(enum.Enum):
    ENFORCE = "enforce"
    TESTING = "testing"
    NONE = "none"

    @classmethod
    def from_text(cls, text: str) -> StsMode:
        try:
            return cls(text)  # case-sensitive (RFC 8461 3.2 ABNF uses %s strings)
        except ValueError:
            raise ValueError(f"mode must be enforce, testing or none, not {text!r}") from None

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class StsRecord:
    text: str
    id: str | None = None
    extensions: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


def is_sts_record(text: str) -> bool:
    """RFC 8461 3.1: senders keep only TXT records that begin with "v=STSv1;"."""
    return bool(_RECORD_START.match(text))


def parse_sts_record(text: str) -> StsRecord:
    """The _mta-sts TXT record: v=STSv1 first, then id (1-32 letters/digits) and extensions."""
    if not is_sts_record(text):
        return StsRecord(text, errors=('the record must begin with "v=STSv1;"',))
    errors: list[str] = []
    ident: str | None = None
    extensions: list[tuple[str, str]] = []
    fields = [f.strip(" \t") for f in text.split(";")[1:]]
    if fields and fields[-1] == "":
        fields.pop()  # one optional trailing ";"
    for field_text in fields:
        name, sep, value = field_text.partition("=")
        if not sep or not _EXT_NAME.match(name):
            errors.append(f"malformed field {field_text!r}")
        elif name == "id":
            if not _ID.match(value):
                errors.append(f"id {value!r} must be 1 to 32 letters or digits")
            elif ident is None:
                ident = value
        elif not _EXT_VALUE.match(value):
            errors.append(f"malformed value in {field_text!r}")
        else:
            extensions.append((name, value))
    if ident is None and not any(e.startswith("id ") for e in errors):
        errors.append("the id field is missing")
    return StsRecord(text, ident, tuple(extensions), tuple(errors))


@dataclass(frozen=True, slots=True)
class StsPolicy:
    text: str
    version: str | None = None
    mode: StsMode | None = None
    max_age: int | None = None
    mx: tuple[str, ...] = ()
    extensions: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "mode": self.mode.to_text() if self.mode else None,
            "max_age": self.max_age,
            "mx": list(self.mx),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def parse_sts_policy(text: str) -> StsPolicy:
    """The policy file: "key: value" lines (LF or CRLF), version/mode/max_age/mx (RFC 8461 3.2)."""
    errors: list[str] = []
    warnings: list[str] = []
    values: dict[str, str] = {}
    mx: list[str] = []
    extensions: list[tuple[str, str]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the optional final line terminator
    for number, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip():
            warnings.append(f"line {number} is blank (the RFC 8461 grammar allows none)")
            continue
        key, sep, value = line.partition(":")
        value = value.lstrip(" \t")
        if value != value.rstrip(" \t"):
            warnings.append(f"line {number} ends in whitespace")
            value = value.rstrip(" \t")
        if not sep or not _EXT_NAME.match(key) or not _POLICY_VALUE.match(value):
            errors.append(f"line {number} is not 'key: value': {line[:60]!r}")
        elif key == "mx":
            _mx_line(value, number, mx, errors)
        elif key in ("version", "mode", "max_age"):
            if key in values:
                warnings.append(f"line {number}: {key} repeated; the first value is used")
            else:
                values[key] = value
        else:
            extensions.append((key, value))
    version, mode, max_age = _policy_fields(values, errors)
    if mode is not None and mode is not StsMode.NONE and not mx:
        errors.append(f"mode {mode.to_text()} needs at least one mx: line")
    return StsPolicy(text, version, mode, max_age, tuple(mx), tuple(extensions), tuple(errors), tuple(warnings))


def _mx_line(value: str, number: int, mx: list[str], errors: list[str]) -> None:
    if _MX_PATTERN.match(value):
        mx.append(value.lower())
    else:
        errors.append(f"line {number}: mx {value!r} is not a host name or *.wildcard pattern")


def _policy_fields(values: dict[str, str], errors: list[str]) -> tuple[str | None, StsMode | None, int | None]:
    version = values.get("version")
    if version is None:
        errors.append("version: STSv1 is missing")
    elif version != "STSv1":
        errors.append(f"version must be STSv1, not {version!r}")
    mode: StsMode | None = None
    if "mode" not in values:
        errors.append("mode is missing")
    else:
        try:
            mode = StsMode.from_text(values["mode"])
        except ValueError as exc:
            errors.append(str(exc))
    max_age: int | None = None
    text = values.get("max_age")
    if text is None:
        errors.append("max_age is missing")
    elif not (text.isascii() and text.isdigit()) or len(text) > 10:
        errors.append(f"max_age must be a number of seconds, not {text!r}")
    elif int(text) > MAX_AGE_LIMIT:
        errors.append(f"max_age {text} is above the maximum of {MAX_AGE_LIMIT} seconds")
    else:
        max_age = int(text)
    return version, mode, max_age


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 4.1: exact (case-insensitive), or "*." matching exactly one leftmost label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return host == pattern


@dataclass(frozen=True, slots=True)
class MtaStsReport:
    domain: str
    records: tuple[str, ...] = ()
    record: StsRecord | None = None
    policy_url: str = ""
    http_status: int | None = None
    policy: StsPolicy | None = None
    mx_hosts: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "published": bool(self.records),
            "records": list(self.records),
            "id": self.record.id if self.record else None,
            "policy_url": self.policy_url,
            "http_status": self.http_status,
            "policy": self.policy.to_dict() if self.policy else None,
            "mx_hosts": list(self.mx_hosts),
            "findings": [f.to_dict() for f in self.findings],
            "complete": not self.unchecked,
            "unchecked": list(self.unchecked),
        }


class _Builder:
    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.fields: dict[str, Any] = {}
        self.findings: list[Finding] = []
        self.unchecked: list[str] = []

    def add(self, code: str, message: str, *, severity: Severity | None = None, **data: Any) -> None:
        self.findings.append(make_finding(code, self.domain, message, severity=severity, data=data or None))

    def failed(self, error: DnsError, what: str) -> None:
        self.findings.append(lookup_failed(self.domain, error, what))
        self.unchecked.append(error.describe())

    def build(self) -> MtaStsReport:
        return MtaStsReport(self.domain, findings=tuple(self.findings), unchecked=tuple(self.unchecked), **self.fields)


async def evaluate_mtasts(resolver: Resolver, domain: str, fetcher: HttpsFetcher | None = None) -> MtaStsReport:
    """The MTA-STS state of `domain`; with `fetcher=None` the policy file is not fetched."""
    out = _Builder(domain.rstrip(".").lower())
    try:
        texts = (await resolver.query(f"_mta-sts.{out.domain}", "TXT")).texts()
    except DnsError as exc:
        if exc.is_failure:
            out.failed(exc, "the MTA-STS record")
        else:
            out.add("mtasts-missing", f"{out.domain} has no _mta-sts TXT record ({exc.label}).")
        return out.build()
    _check_records(out, texts)
    if fetcher is not None:
        policy = await _fetch_policy(out, resolver, fetcher)
        if policy is not None and policy.mode is not None:
            await _check_policy(out, resolver, policy)
    return out.build()


def _check_records(out: _Builder, texts: list[str]) -> None:
    candidates = [t for t in texts if t[:6].lower() == "v=stsv"]
    out.fields["records"] = tuple(candidates)
    selected = [t for t in candidates if is_sts_record(t)]
    if len(selected) > 1:
        out.add("mtasts-record-invalid", f"_mta-sts.{out.domain} has {len(selected)} MTA-STS records; "
                "RFC 8461 3.1 makes senders ignore them all.")
    elif not selected:
        shown = candidates[0] if candidates else "; ".join(texts)
        out.add("mtasts-record-invalid", f"_mta-sts.{out.domain} has no record beginning with "
                f'"v=STSv1;" (found {shown!r}).')
    else:
        record = parse_sts_record(selected[0])
        out.fields["record"] = record
        if record.errors:
            out.add("mtasts-record-invalid", f"The MTA-STS record {record.text!r}: {'; '.join(record.errors)}.")


async def _fetch_policy(out: _Builder, resolver: Resolver, fetcher: HttpsFetcher) -> StsPolicy | None:
    host = f"mta-sts.{out.domain}"
    out.fields["policy_url"] = f"https://{host}{POLICY_PATH}"
    addresses: list[str] = []
    for result in await asyncio.gather(*(resolver.query(host, t) for t in ("A", "AAAA")), return_exceptions=True):
        if isinstance(result, DnsError):
            if result.is_failure:
                out.failed(result, f"the address of {host}")
                return None
        elif isinstance(result, BaseException):
            raise result
        else:
            addresses.extend(result.addresses())
    if not addresses:
        out.add("mtasts-policy-unreachable", f"{host} has no A/AAAA record, so the policy cannot be fetched.")
        return None
    try:
        response = await fetcher.get(host, POLICY_PATH, addresses)
    except HttpsFetchError as exc:
        out.add("mtasts-policy-unreachable", f"Fetching {exc.url} failed: {exc.reason}.")
        return None
    out.fields["http_status"] = response.status
    if response.status != 200:
        where = response.headers.get("location")
        detail = f" (redirect to {where}; RFC 8461 3.3: senders must not follow it)" if where else ""
        out.add("mtasts-policy-unreachable", f"{response.url} answered HTTP {response.status}{detail}.")
        return None
    if response.media_type != "text/plain":
        out.add("mtasts-policy-content-type",
                f"{response.url} is served as {response.media_type or 'no media type'}, not text/plain.")
    policy = parse_sts_policy(response.body.decode("utf-8", "replace"))
    out.fields["policy"] = policy
    if policy.errors:
        out.add("mtasts-policy-invalid", f"The policy at {response.url}: {'; '.join(policy.errors)}.")
    elif policy.warnings:
        out.add("mtasts-policy-invalid", f"The policy at {response.url}: {'; '.join(policy.warnings)}.",
                severity=Severity.WARNING)
    return policy


async def _check_policy(out: _Builder, resolver: Resolver, policy: StsPolicy) -> None:
    mode = policy.mode
    if mode is StsMode.TESTING:
        out.add("mtasts-mode-testing", f"The MTA-STS policy of {out.domain} is in testing mode.")
    elif mode is StsMode.NONE:
        out.add("mtasts-mode-none", f"The MTA-STS policy of {out.domain} has mode none (withdrawn).")
        return
    if mode is StsMode.ENFORCE and policy.max_age is not None and policy.max_age < MAX_AGE_RECOMMENDED:
        out.add("mtasts-max-age-short", f"max_age is {policy.max_age} s (under a week).")
    try:
        hosts = [h for h in (await resolver.query(out.domain, "MX")).targets() if h not in ("", ".")]
    except DnsError as exc:
        if exc.is_failure:
            out.failed(exc, "the MX records the MTA-STS policy must cover")
        return
    out.fields["mx_hosts"] = tuple(hosts)
    severity = Severity.ERROR if mode is StsMode.ENFORCE else Severity.WARNING
    for host in hosts:
        if not any(mx_matches(p, host) for p in policy.mx):
            out.add("mtasts-mx-mismatch", f"MX host {host} matches no mx: line of the policy "
                    f"({', '.join(policy.mx)}).", severity=severity, host=host)
    for pattern in policy.mx:
        if hosts and not any(mx_matches(pattern, h) for h in hosts):
            out.add("mtasts-mx-unused", f"The policy's mx: {pattern} matches none of the MX hosts "
                    f"({', '.join(hosts)}).", pattern=pattern)


@functools.cache
def default_fetcher() -> HttpsClient:
    """One client (and one SSL context with the system's CAs) for every audit of a run."""
    return HttpsClient()


async def check_mtasts(ctx: CheckContext) -> CheckResult:
    option = ctx.options.get("mtasts_fetcher")
    fetcher: HttpsFetcher | None = None if option is False else (option or default_fetcher())
    report = await evaluate_mtasts(ctx.resolver, ctx.domain, fetcher)
    data = report.to_dict()
    del data["findings"]
    return CheckResult("mtasts", report.findings, data, report.unchecked)
