"""DMARC policy discovery: which record applies to a domain, where it was found and how.

- RFC 7489 section 6.6.3: _dmarc.DOMAIN; when that holds no DMARC record, _dmarc.ORG where ORG is
  the Organizational Domain from the Public Suffix List. Several records at the name that was
  queried end discovery: no policy applies.
- RFC 9989 section 4.10.1: _dmarc.DOMAIN; when that holds no single valid record (several are all
  discarded), the DNS Tree Walk; the record of the Organizational Domain applies, else that of the
  Public Suffix Domain (psd=y).

The policy tag that applies (RFC 9989 4.10.1): p at the policy domain itself; for a subdomain sp,
or np when the domain does not exist (RFC 9989 only), each falling back to p.

Besides discovery proper, a few diagnostic lookups: a v=DMARC1 record at the apex or at
dmarc.DOMAIN (names receivers never query) becomes a dmarc-wrong-name finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inboxready.dmarc.lookup import DmarcLookup, dmarc_name, lookup_dmarc, normalize_domain
from inboxready.dmarc.orgdomain import TreeWalk, psl_organizational_domain, tree_walk
from inboxready.dmarc.record import DmarcRecord, looks_like_dmarc, parse_dmarc_record
from inboxready.dmarc.tags import DmarcMode, Policy
from inboxready.dns.errors import DnsError, NXDomain
from inboxready.dns.resolver import Resolver
from inboxready.findings.check import lookup_failed
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding

DIRECT = "direct"
ORGANIZATIONAL_DOMAIN = "organizational-domain"
TREE_WALK = "tree-walk"
PUBLIC_SUFFIX_DOMAIN = "public-suffix-domain"


@dataclass(frozen=True, slots=True)
class Discovery:
    domain: str
    mode: DmarcMode
    record: DmarcRecord | None = None
    #: The domain whose _dmarc name held the record that applies.
    policy_domain: str | None = None
    #: direct | organizational-domain | tree-walk | public-suffix-domain (None: nothing applies).
    mechanism: str | None = None
    organizational_domain: str | None = None
    #: False when the domain itself does not exist (NXDOMAIN): np applies (RFC 9989).
    domain_exists: bool = True
    queried: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()
    #: Lookups whose several records were discarded, by name.
    discarded: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def found_at(self) -> str | None:
        return dmarc_name(self.policy_domain) if self.policy_domain else None

    @property
    def policy_tag(self) -> str | None:
        """Which tag's policy applies to the domain: p, sp or np."""
        if self.record is None:
            return None
        return self.record.policy_for(is_policy_domain=self.domain == self.policy_domain, exists=self.domain_exists)[0]

    @property
    def applied_policy(self) -> Policy | None:
        if self.record is None:
            return None
        return self.record.policy_for(is_policy_domain=self.domain == self.policy_domain, exists=self.domain_exists)[1]

    def to_dict(self) -> dict[str, Any]:
        applied = self.applied_policy
        return {
            "mode": self.mode.to_text(),
            "mechanism": self.mechanism,
            "policy_domain": self.policy_domain,
            "found_at": self.found_at,
            "queried": list(self.queried),
            "domain_exists": self.domain_exists,
            "applied_policy_tag": self.policy_tag,
            "applied_policy": applied.to_text() if applied is not None else None,
            "discarded": {name: list(texts) for name, texts in self.discarded.items()},
        }


@dataclass(slots=True)
class _Collector:
    domain: str
    queried: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    discarded: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def note(self, lookup: DmarcLookup, mode: DmarcMode) -> None:
        """Record one lookup: queried name, failure, several records, discarded malformed ones."""
        if lookup.name not in self.queried:
            self.queried.append(lookup.name)
        if lookup.error is not None:
            self.findings.append(lookup_failed(lookup.name, lookup.error, f"the DMARC record at {lookup.name}"))
            self.unchecked.append(lookup.error.describe())
        if len(lookup.records) > 1 and lookup.name not in self.discarded:
            self.discarded[lookup.name] = lookup.records
            self.findings.append(_multiple(lookup))
        for text in lookup.malformed:
            record = parse_dmarc_record(text, mode, subject=lookup.name)
            self.findings.extend(f for f in record.problems if f.code == "dmarc-syntax")


def _multiple(lookup: DmarcLookup) -> Finding:
    listed = "; ".join(f'"{t}"' for t in lookup.records)
    return make_finding(
        "dmarc-multiple-records",
        lookup.name,
        f"{lookup.name} has {len(lookup.records)} DMARC records, so receivers discard them all: {listed}.",
        f"Keep exactly one TXT record starting with v=DMARC1 at {lookup.name}.",
        data={"records": list(lookup.records)},
    )


async def discover_dmarc(resolver: Resolver, domain: str, mode: DmarcMode = DmarcMode.RFC7489) -> Discovery:
    """Find the DMARC record that applies to `domain`; never raises for DNS outcomes."""
    name = normalize_domain(domain)
    collector = _Collector(name)
    own = await lookup_dmarc(resolver, name)
    collector.note(own, mode)
    exists = await _domain_exists(resolver, name, collector, mode)
    if mode is DmarcMode.RFC7489:
        found = await _discover_rfc7489(resolver, own, collector)
    else:
        found = await _discover_dmarcbis(resolver, own, collector)
    record_text, policy_domain, mechanism, org = found
    record = parse_dmarc_record(record_text, mode, subject=dmarc_name(policy_domain)) if record_text else None
    if record is None and not collector.unchecked:
        collector.findings.append(_missing(name, own, collector))
    return Discovery(
        domain=name,
        mode=mode,
        record=record,
        policy_domain=policy_domain if record is not None else None,
        mechanism=mechanism if record is not None else None,
        organizational_domain=org,
        domain_exists=exists,
        queried=tuple(collector.queried),
        findings=tuple(collector.findings),
        unchecked=tuple(dict.fromkeys(collector.unchecked)),
        discarded=collector.discarded,
    )


_Found = tuple[str | None, str, str | None, str | None]  # record text, policy domain, mechanism, org


async def _discover_rfc7489(resolver: Resolver, own: DmarcLookup, collector: _Collector) -> _Found:
    org = psl_organizational_domain(own.domain)
    if own.single is not None:
        return own.single, own.domain, DIRECT, org
    if own.records or own.failed or org is None or org == own.domain:
        return None, own.domain, None, org  # several records, or nothing else to ask: discovery ends
    fallback = await lookup_dmarc(resolver, org)
    collector.note(fallback, DmarcMode.RFC7489)
    if fallback.single is not None:
        return fallback.single, org, ORGANIZATIONAL_DOMAIN, org
    return None, own.domain, None, org


async def _discover_dmarcbis(resolver: Resolver, own: DmarcLookup, collector: _Collector) -> _Found:
    if own.failed:
        return None, own.domain, None, None
    walk = await tree_walk(resolver, own.domain, first=own)
    for step in walk.steps:
        collector.note(step.lookup, DmarcMode.DMARCBIS)
    org = walk.organizational_domain if walk.failure is None else None
    if own.single is not None:
        return own.single, own.domain, DIRECT, org
    if walk.failure is not None or org is None:
        return None, own.domain, None, None
    org_text = await _single_at(resolver, walk, org, collector)
    if org_text is not None:
        return org_text, org, TREE_WALK, org
    psd = walk.psd_domain
    psd_step = next((s for s in walk.found if s.domain == psd), None)
    if psd_step is not None and psd is not None:
        return psd_step.lookup.single, psd, PUBLIC_SUFFIX_DOMAIN, org
    return None, own.domain, None, org


async def _single_at(resolver: Resolver, walk: TreeWalk, domain: str, collector: _Collector) -> str | None:
    """The single record at `domain`: from the walk, or one more query when the walk skipped it."""
    step = next((s for s in walk.steps if s.domain == domain), None)
    if step is not None:
        return step.lookup.single
    lookup = await lookup_dmarc(resolver, domain)
    collector.note(lookup, DmarcMode.DMARCBIS)
    return lookup.single


async def _domain_exists(resolver: Resolver, domain: str, collector: _Collector, mode: DmarcMode) -> bool:
    """Whether the domain exists (RFC 8020: NXDOMAIN means no), checking the apex TXT records for a
    misplaced DMARC record on the way; dmarc.DOMAIN is checked for the missing underscore too."""
    exists = True
    for name in (domain, f"dmarc.{domain}"):
        try:
            answer = await resolver.query(name, "TXT")
        except DnsError as exc:
            if name == domain and isinstance(exc, NXDomain):
                exists = False
            continue
        for text in answer.texts():
            if looks_like_dmarc(text):
                collector.findings.append(_wrong_name(name, domain, text))
    return exists


def _wrong_name(name: str, domain: str, text: str) -> Finding:
    return make_finding(
        "dmarc-wrong-name",
        name,
        f'{name} publishes a DMARC record ("{text}"), but receivers only look for it at {dmarc_name(domain)}.',
        f'Publish it as TXT at {dmarc_name(domain)} and delete it from {name}: "{text}".',
        data={"name": name, "expected_name": dmarc_name(domain), "record": text},
    )


def _missing(domain: str, own: DmarcLookup, collector: _Collector) -> Finding:
    why = f"no DMARC record applies to {domain}"
    if own.malformed:
        why += f": the record at {own.name} is malformed and receivers discard it"
    elif own.records:
        why += f": {own.name} has several records, which receivers discard"
    asked = ", ".join(collector.queried)
    suggested = f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"
    return make_finding(
        "dmarc-missing",
        domain,
        f"{why[0].upper()}{why[1:]} (asked: {asked}).",
        f'Publish TXT at {dmarc_name(domain)}: "{suggested}" (use a mailbox that reads the reports).',
        data={"queried": list(collector.queried), "suggested": suggested},
    )
