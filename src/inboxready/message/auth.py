"""Authenticate one message as a receiving server would, and write its Authentication-Results.

- SPF (RFC 7208): check_host() for the connecting IP with the MAIL FROM identity (postmaster@HELO
  for a null sender, 2.4) and, when a HELO name is known, for the HELO identity (2.3).
- DKIM (RFC 6376 section 6): every DKIM-Signature, through `inboxready.dkim.signing`.
- ARC (RFC 8617 section 5.2) when the message carries ARC sets, through `inboxready.message.arc`.
- DMARC (RFC 7489 section 6.6): the record that applies to the From domain, identifier alignment and
  the policy a receiver would apply, through `inboxready.dmarc`.
- The results as an RFC 8601 Authentication-Results header field (section 2.2 syntax, 2.7 results).

Without a connecting IP SPF cannot be evaluated: that is reported as "not checked", and a DMARC
verdict that would depend on SPF is "unknown", never a guessed pass or fail.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from inboxready.dkim.signing import SignatureResult, VerifyResult, verify_message
from inboxready.dkim.taglist import TagListError, parse_tag_list, strip_whitespace
from inboxready.dmarc.alignment import DkimSignatureResult, DmarcEvaluation, evaluate_dmarc, spf_identity
from inboxready.dmarc.discovery import Discovery, discover_dmarc
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.message.arc import ArcResult, verify_arc
from inboxready.message.authres import authentication_results
from inboxready.message.parse import ParsedMessage
from inboxready.spf.evaluate import evaluate_spf
from inboxready.spf.result import SpfResult, parse_ip

DEFAULT_AUTHSERV_ID = "inboxready.invalid"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP facts a receiver knows beside the message: client IP, HELO, MAIL FROM."""

    ip: str | None = None
    helo: str | None = None
    mail_from: str | None = None
    #: Where the MAIL FROM came from when not given: "given", "return-path", "from" or "null".
    mail_from_source: str = "given"


@dataclass(frozen=True, slots=True)
class SpfCheck:
    identity: str  # mailfrom | helo
    sender: str
    ip: str
    result: SpfResult

    def to_dict(self) -> dict[str, Any]:
        result = self.result.to_dict()
        result.pop("trace", None)  # `spf check` shows the full trace; here the path is enough
        return {"identity": self.identity, "sender": self.sender, "ip": self.ip, **result}


@dataclass(frozen=True, slots=True)
class AuthReport:
    envelope: Envelope
    spf: tuple[SpfCheck, ...]
    dkim: tuple[SignatureResult, ...]
    arc: ArcResult
    dmarc: DmarcEvaluation | None
    #: pass | fail | none | unknown (depends on SPF, which could not be checked)
    dmarc_result: str
    discovery: Discovery | None
    authentication_results: str
    #: Everything that could not be checked: missing inputs and DNS failures, one line each.
    unchecked: tuple[str, ...] = field(default=())
    #: The lines of `unchecked` caused by a DNS failure (the report is incomplete: exit 3, grade "?").
    dns_failures: tuple[str, ...] = field(default=())

    @property
    def spf_envelope(self) -> SpfCheck | None:
        """The check DMARC uses: MAIL FROM, or the HELO identity for a null sender (RFC 7208 2.4)."""
        return self.spf[0] if self.spf else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "envelope": {"ip": self.envelope.ip, "helo": self.envelope.helo, "mail_from": self.envelope.mail_from,
                         "mail_from_source": self.envelope.mail_from_source},
            "spf": [c.to_dict() for c in self.spf],
            "dkim": [r.to_dict() for r in self.dkim],
            "arc": self.arc.to_dict(),
            "dmarc": {
                "result": self.dmarc_result,
                "record": self.discovery.record.text if self.discovery and self.discovery.record else None,
                "policy_domain": self.discovery.policy_domain if self.discovery else None,
                "evaluation": self.dmarc.to_dict() if self.dmarc else None,
            },
            "authentication_results": self.authentication_results,
            "unchecked": list(self.unchecked),
        }


async def authenticate(
    message: ParsedMessage,
    resolver: Resolver,
    envelope: Envelope,
    *,
    from_domain: str | None,
    authserv_id: str = DEFAULT_AUTHSERV_ID,
) -> AuthReport:
    """Every authentication result for `message` received over `envelope`; never raises for DNS."""
    if envelope.ip is not None:
        parse_ip(envelope.ip)  # InputError for a bad --ip before any lookup
    spf_task = asyncio.ensure_future(_spf_checks(resolver, envelope))
    try:
        dkim_results = await verify_message(message.raw, resolver)
    except InputError:
        dkim_results = []
    arc = await verify_arc(message, resolver)
    discovery = await discover_dmarc(resolver, from_domain) if from_domain else None
    spf = await spf_task
    dns_failures = _dns_failures(spf, dkim_results, arc, discovery)
    dmarc, dmarc_result = _dmarc(message, envelope, spf, dkim_results, discovery)
    header = authentication_results(
        authserv_id, spf=spf, dkim=dkim_results, dkim_b=_signature_b_values(message), arc=arc,
        dmarc=dmarc, dmarc_result=dmarc_result, from_domain=from_domain,
    )
    return AuthReport(
        envelope=envelope,
        spf=spf,
        dkim=tuple(dkim_results),
        arc=arc,
        dmarc=dmarc,
        dmarc_result=dmarc_result,
        discovery=discovery,
        authentication_results=header,
        unchecked=_missing_inputs(envelope) + dns_failures,
        dns_failures=dns_failures,
    )


async def _spf_checks(resolver: Resolver, envelope: Envelope) -> tuple[SpfCheck, ...]:
    if envelope.ip is None:
        return ()
    checks: list[tuple[str, str]] = []
    if envelope.mail_from:
        checks.append(("mailfrom", envelope.mail_from))
    if envelope.helo:
        checks.append(("helo", ""))  # evaluate_spf checks postmaster@HELO for an empty sender
    results = await asyncio.gather(*(
        evaluate_spf(resolver, envelope.ip, sender, helo=envelope.helo or "") for _, sender in checks
    ))
    return tuple(
        SpfCheck(identity, sender or f"postmaster@{envelope.helo}", envelope.ip, result)
        for (identity, sender), result in zip(checks, results, strict=True)
    )


def _missing_inputs(envelope: Envelope) -> tuple[str, ...]:
    if envelope.ip is None:
        return ("SPF: no connecting IP given (--ip, or a policy declaring the sending servers)",)
    if not envelope.mail_from and not envelope.helo:
        return ("SPF: a null MAIL FROM is checked against the HELO name, and none was given (--helo)",)
    return ()


def _dns_failures(spf: tuple[SpfCheck, ...], dkim_results: list[SignatureResult], arc: ArcResult,
                  discovery: Discovery | None) -> tuple[str, ...]:
    lines = [f"SPF ({c.identity}): {c.result.reason or 'DNS failure'}" for c in spf
             if c.result.result.value == "temperror"]
    lines.extend(f"DKIM signature {r.index + 1} (d={r.domain}): {r.reason}" for r in dkim_results
                 if r.result is VerifyResult.TEMPERROR)
    if arc.result == "temperror":
        lines.append(f"ARC: {arc.reason}")
    if discovery is not None:
        lines.extend(f"DMARC: {line}" for line in discovery.unchecked)
    return tuple(lines)


def _dmarc(message: ParsedMessage, envelope: Envelope, spf: tuple[SpfCheck, ...],
           dkim_results: list[SignatureResult], discovery: Discovery | None) -> tuple[DmarcEvaluation | None, str]:
    if discovery is None:
        return None, "none"
    mailfrom = spf[0] if spf else None
    spf_result = mailfrom.result.result.value if mailfrom else "none"
    evaluation = evaluate_dmarc(
        header_from=discovery.domain,
        mail_from=envelope.mail_from,
        helo=envelope.helo,
        spf_result=spf_result,
        dkim=[DkimSignatureResult(r.domain, r.result.to_text(), r.selector) for r in dkim_results if r.domain],
        record=discovery.record,
        policy_domain=discovery.policy_domain,
        author_exists=discovery.domain_exists,
    )
    if discovery.unchecked and discovery.record is None:
        return evaluation, "unknown"
    if evaluation.result == "fail" and mailfrom is None and _spf_could_align(evaluation, envelope):
        return evaluation, "unknown"
    if evaluation.result == "fail" and any(r.result is VerifyResult.TEMPERROR for r in dkim_results):
        return evaluation, "unknown"
    return evaluation, evaluation.result


def _spf_could_align(evaluation: DmarcEvaluation, envelope: Envelope) -> bool:
    """Without an SPF result: would an SPF pass of the envelope identity have been aligned?"""
    if evaluation.spf is not None:
        return evaluation.spf.aligned
    return bool(spf_identity(envelope.mail_from, envelope.helo))


def _signature_b_values(message: ParsedMessage) -> tuple[str, ...]:
    values = []
    for signature in message.all("DKIM-Signature"):
        try:
            tags = {t.name: t.value for t in parse_tag_list(signature.text())}
        except TagListError:
            tags = {}
        values.append(strip_whitespace(tags.get("b", "")))
    return tuple(values)
