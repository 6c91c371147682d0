"""Identifier alignment and the DMARC result of one message (RFC 7489 sections 3.1 and 6.6,
RFC 9989 sections 3.2.10, 4.4 and 5.3).

Given the RFC5322.From domain, the SPF-checked identity (RFC5321.MailFrom, or the HELO name when
MAIL FROM is null, RFC 7208 section 2.4) with its SPF result, and the DKIM signatures (d= and
result), decide for each identifier whether it is aligned:

- strict: the domains are identical (case-insensitive, RFC 4343);
- relaxed: they have the same Organizational Domain.

DMARC passes when an identifier that passed its own check is aligned in the mode the record
asks for (aspf, adkim). When it fails, the policy that applies is p at the policy domain itself,
sp at its subdomains, or np at non-existent subdomains (RFC 9989 only); t=y (RFC 9989) lowers it
one level, pct (RFC 7489) applies it to a share of the failing mail and the next weaker policy to
the rest. Pure: the Organizational Domain comes from a function (the PSL by default, a table of
tree-walk results for RFC 9989).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from inboxready.dmarc.lookup import normalize_domain
from inboxready.dmarc.orgdomain import organizational_domain_or_self
from inboxready.dmarc.record import DmarcRecord
from inboxready.dmarc.tags import AlignmentMode, DmarcMode, Policy
from inboxready.dmarc.uris import host_to_ascii

PASS, FAIL, NONE = "pass", "fail", "none"


@dataclass(frozen=True, slots=True)
class DkimSignatureResult:
    """One checked DKIM signature: its d= domain and its result (pass, fail, neutral, ...)."""

    domain: str
    result: str
    selector: str | None = None


@dataclass(frozen=True, slots=True)
class IdentifierAlignment:
    mechanism: str  # spf | dkim
    domain: str
    result: str
    strict: bool
    relaxed: bool
    mode: AlignmentMode

    @property
    def aligned(self) -> bool:
        return self.strict if self.mode is AlignmentMode.STRICT else self.relaxed

    @property
    def passes(self) -> bool:
        """An authenticated identifier aligned in the record's mode: enough for DMARC pass."""
        return self.result == PASS and self.aligned

    def to_dict(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            "domain": self.domain,
            "result": self.result,
            "strict": self.strict,
            "relaxed": self.relaxed,
            "mode": self.mode.to_text(),
            "aligned": self.aligned,
            "passes": self.passes,
        }


@dataclass(frozen=True, slots=True)
class DmarcEvaluation:
    result: str  # pass | fail | none
    author_domain: str
    spf: IdentifierAlignment | None
    dkim: tuple[IdentifierAlignment, ...]
    #: Which tag's policy applies: p, sp or np (None when no DMARC record applies).
    policy_tag: str | None
    requested_policy: Policy | None
    #: What the receiver is asked to do with this message: none for pass, the policy for fail.
    applied_policy: Policy
    #: RFC 7489 pct: the share of failing messages the policy is meant for.
    percent: int = 100
    #: RFC 7489: the policy for failing messages not selected by pct.
    unsampled_policy: Policy | None = None
    test_mode: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "author_domain": self.author_domain,
            "spf": self.spf.to_dict() if self.spf else None,
            "dkim": [d.to_dict() for d in self.dkim],
            "policy_tag": self.policy_tag,
            "requested_policy": self.requested_policy.to_text() if self.requested_policy else None,
            "applied_policy": self.applied_policy.to_text(),
            "percent": self.percent,
            "unsampled_policy": self.unsampled_policy.to_text() if self.unsampled_policy else None,
            "test_mode": self.test_mode,
            "reason": self.reason,
        }


OrgDomainOf = Callable[[str], str]


def domain_of(identity: str | None) -> str:
    """The domain of an address ('Ann <ann@Example.COM>' → 'example.com') or of a bare domain, as an
    A-label; '' when there is no valid domain."""
    if not identity:
        return ""
    text = identity.strip()
    if text in ("<>", ""):
        return ""
    _, address = parseaddr(text)
    address = address or text.strip("<>")
    domain = address.rpartition("@")[2] if "@" in address else address
    return host_to_ascii(domain, min_labels=1) or ""


def spf_identity(mail_from: str | None, helo: str | None) -> str:
    """The domain SPF checked: RFC5321.MailFrom, or the HELO name for a null reverse-path."""
    return domain_of(mail_from) or domain_of(helo)


def align(domain: str, author: str, org_domain_of: OrgDomainOf) -> tuple[bool, bool]:
    """(strict, relaxed) alignment of an identifier with the author domain."""
    left, right = normalize_domain(domain), normalize_domain(author)
    if not left or not right:
        return False, False
    strict = left == right
    return strict, strict or org_domain_of(left) == org_domain_of(right)


def evaluate_dmarc(
    *,
    header_from: str,
    mail_from: str | None,
    helo: str | None,
    spf_result: str,
    dkim: Sequence[DkimSignatureResult],
    record: DmarcRecord | None,
    policy_domain: str | None,
    author_exists: bool = True,
    org_domain_of: OrgDomainOf = organizational_domain_or_self,
) -> DmarcEvaluation:
    """The DMARC result of one message and the policy that applies to it."""
    author = domain_of(header_from)
    if not author:
        return DmarcEvaluation(NONE, "", None, (), None, None, Policy.NONE, reason="no RFC5322.From domain")
    aspf = record.aspf if record else AlignmentMode.RELAXED
    adkim = record.adkim if record else AlignmentMode.RELAXED
    spf_domain = spf_identity(mail_from, helo)
    spf = None
    if spf_domain:
        strict, relaxed = align(spf_domain, author, org_domain_of)
        spf = IdentifierAlignment("spf", spf_domain, spf_result.strip().lower(), strict, relaxed, aspf)
    signatures = tuple(
        IdentifierAlignment(
            "dkim", normalize_domain(s.domain), s.result.strip().lower(), *align(s.domain, author, org_domain_of), adkim
        )
        for s in dkim
    )
    if record is None or policy_domain is None:
        return DmarcEvaluation(NONE, author, spf, signatures, None, None, Policy.NONE, reason="no DMARC record applies")
    tag, requested = record.policy_for(is_policy_domain=author == normalize_domain(policy_domain), exists=author_exists)
    if requested is None:
        return DmarcEvaluation(
            NONE,
            author,
            spf,
            signatures,
            None,
            None,
            Policy.NONE,
            reason="the DMARC record has no valid policy and no rua: receivers apply no DMARC",
        )
    return _verdict(record, author, spf, signatures, tag, requested)


def _verdict(
    record: DmarcRecord,
    author: str,
    spf: IdentifierAlignment | None,
    signatures: tuple[IdentifierAlignment, ...],
    tag: str,
    requested: Policy,
) -> DmarcEvaluation:
    passing = [i for i in ((spf,) if spf else ()) + signatures if i.passes]
    if passing:
        reason = ", ".join(f"{i.mechanism} {i.domain} aligned ({i.mode.to_text()})" for i in passing)
        return DmarcEvaluation(PASS, author, spf, signatures, tag, requested, Policy.NONE, reason=reason)
    applied = requested
    test_mode = record.mode is DmarcMode.DMARCBIS and record.testing and requested is not Policy.NONE
    if test_mode:
        applied = requested.weakened()
    percent = record.percent
    unsampled = requested.weakened() if percent < 100 and requested is not Policy.NONE else None
    return DmarcEvaluation(
        FAIL,
        author,
        spf,
        signatures,
        tag,
        requested,
        applied,
        percent,
        unsampled,
        test_mode,
        reason="no identifier that passed SPF or DKIM is aligned with the From domain",
    )
