"""External report destinations (RFC 7489 section 7.1; RFC 9990 section 4, RFC 9991 section 5).

When the Organizational Domain of a rua/ruf host differs from that of the domain whose record
asks for the reports, receivers must first find an authorization at
`POLICY-DOMAIN._report._dmarc.DESTINATION-HOST`: a TXT record starting with v=DMARC1. Without it
they must ignore the URI. A rua/ruf in the authorization record overrides the URI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inboxready.dmarc.lookup import dmarc_name
from inboxready.dmarc.orgdomain import OrgDomainFinder
from inboxready.dmarc.record import DmarcRecord, is_dmarc_record, parse_dmarc_record
from inboxready.dmarc.tags import DmarcMode
from inboxready.dmarc.uris import ReportUri
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import lookup_failed
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding

INTERNAL = "internal"
AUTHORIZED = "authorized"
UNAUTHORIZED = "unauthorized"
UNCHECKED = "unchecked"
NOT_APPLICABLE = "not-applicable"  # a URI without a host (e.g. an unsupported scheme)

AUTHORIZATION_RECORD = "v=DMARC1;"


@dataclass(frozen=True, slots=True)
class DestinationCheck:
    tag: str  # rua | ruf
    uri: str
    host: str | None
    status: str
    #: The name receivers query for the authorization (external destinations only).
    authorization_name: str | None = None
    #: The authorization record found, if any.
    authorization: str | None = None
    #: URIs the authorization record substitutes for this one (its rua or ruf).
    override: tuple[str, ...] = ()
    detail: str = ""

    @property
    def external(self) -> bool:
        return self.authorization_name is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "uri": self.uri,
            "host": self.host,
            "external": self.external,
            "status": self.status,
            "authorization_name": self.authorization_name,
            "authorization": self.authorization,
            "override": list(self.override),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class DestinationsResult:
    checks: tuple[DestinationCheck, ...] = ()
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()


def authorization_name(policy_domain: str, host: str) -> str:
    return f"{policy_domain}._report._dmarc.{host}"


def _fits_dns(name: str) -> bool:
    return len(name) <= 253 and all(0 < len(label) <= 63 for label in name.split("."))


async def check_destinations(
    resolver: Resolver, record: DmarcRecord, policy_domain: str, org_domain_of: OrgDomainFinder
) -> DestinationsResult:
    """Check every rua/ruf destination of `record`, published at _dmarc.`policy_domain`."""
    org_domain_of = _memoized(org_domain_of)
    checks: list[DestinationCheck] = []
    findings: list[Finding] = []
    unchecked: list[str] = []
    try:
        own_org = await org_domain_of(policy_domain)
    except DnsError as exc:
        findings.append(lookup_failed(policy_domain, exc, "the Organizational Domain for report destinations"))
        return DestinationsResult((), tuple(findings), (exc.describe(),))
    seen: set[tuple[str, str]] = set()
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        for uri in uris:
            if (tag, uri.uri) in seen:
                continue
            seen.add((tag, uri.uri))
            check, finding, failure = await _check_one(resolver, policy_domain, own_org, tag, uri, org_domain_of)
            checks.append(check)
            if finding is not None:
                findings.append(finding)
            if failure is not None:
                unchecked.append(failure)
    return DestinationsResult(tuple(checks), tuple(findings), tuple(dict.fromkeys(unchecked)))


def _memoized(finder: OrgDomainFinder) -> OrgDomainFinder:
    """Each host's Organizational Domain (a tree walk in RFC 9989 mode) looked up once per check."""
    known: dict[str, str] = {}

    async def find(domain: str) -> str:
        if domain not in known:
            known[domain] = await finder(domain)
        return known[domain]

    return find


async def _check_one(
    resolver: Resolver,
    policy_domain: str,
    own_org: str,
    tag: str,
    uri: ReportUri,
    org_domain_of: OrgDomainFinder,
) -> tuple[DestinationCheck, Finding | None, str | None]:
    text = uri.to_text()
    if uri.host is None:
        return DestinationCheck(tag, text, None, NOT_APPLICABLE, detail="no host to authorize"), None, None
    try:
        destination_org = await org_domain_of(uri.host)
    except DnsError as exc:
        check = DestinationCheck(tag, text, uri.host, UNCHECKED, detail=exc.describe())
        return check, lookup_failed(uri.host, exc, f"the Organizational Domain of {uri.host}"), exc.describe()
    if destination_org == own_org:
        return (
            DestinationCheck(tag, text, uri.host, INTERNAL, detail=f"same Organizational Domain {own_org}"),
            None,
            None,
        )
    name = authorization_name(policy_domain, uri.host)
    if not _fits_dns(name):
        check = DestinationCheck(tag, text, uri.host, UNAUTHORIZED, name, detail="name too long for the DNS")
        return check, _unauthorized(policy_domain, tag, uri, name, too_long=True), None
    try:
        answer = await resolver.query(name, "TXT")
    except DnsError as exc:
        if exc.is_failure:
            check = DestinationCheck(tag, text, uri.host, UNCHECKED, name, detail=exc.describe())
            return check, lookup_failed(name, exc, f"the report authorization for {text}"), exc.describe()
        return (
            DestinationCheck(tag, text, uri.host, UNAUTHORIZED, name, detail=exc.label),
            _unauthorized(policy_domain, tag, uri, name),
            None,
        )
    authorizations = [t for t in answer.texts() if is_dmarc_record(t)]
    if not authorizations:
        check = DestinationCheck(tag, text, uri.host, UNAUTHORIZED, name, detail="no TXT record starting with v=DMARC1")
        return check, _unauthorized(policy_domain, tag, uri, name), None
    published = parse_dmarc_record(authorizations[0], DmarcMode.DMARCBIS, subject=name)
    override = tuple(u.to_text() for u in (published.rua if tag == "rua" else published.ruf))
    check = DestinationCheck(tag, text, uri.host, AUTHORIZED, name, authorizations[0], override)
    return check, None, None


def _unauthorized(policy_domain: str, tag: str, uri: ReportUri, name: str, *, too_long: bool = False) -> Finding:
    publish = f'{name}. IN TXT "{AUTHORIZATION_RECORD}"'
    message = (
        f"{tag}={uri.to_text()} sends reports outside {policy_domain}'s organization, and {uri.host} has "
        f"not authorized them: receivers ignore this destination."
    )
    if too_long:
        message += f" The authorization name {name} is too long for the DNS, so it can never be authorized."
        fix = f"Use a report address whose domain makes {policy_domain}._report._dmarc.HOST fit in 253 characters."
    else:
        fix = (
            f"Ask the owner of {uri.host} to publish {publish} (or the wildcard "
            f'*._report._dmarc.{uri.host}. IN TXT "{AUTHORIZATION_RECORD}"), or use an address in your own domain.'
        )
    return make_finding(
        "dmarc-report-auth-missing",
        dmarc_name(policy_domain),
        message,
        fix,
        data={
            "tag": tag,
            "uri": uri.to_text(),
            "destination": uri.host,
            "name": name,
            "record": AUTHORIZATION_RECORD,
            "zone_line": publish,
        },
    )
