"""Findings from authentication results and the spam score (the codes of findings/codes/msg.py).

- SPF (RFC 7208 2.6): fail → msg-spf-fail; softfail/neutral → msg-spf-softfail; none → msg-spf-none;
  permerror/temperror → msg-spf-error. A failing HELO identity weighs less than MAIL FROM.
- DKIM (RFC 6376 6): no signature → msg-dkim-none; a signature that does not verify → msg-dkim-fail
  (a warning when another signature passes); t=y → msg-dkim-testing.
- ARC (RFC 8617): cv=fail → msg-arc-fail.
- DMARC (RFC 7489 6.6): fail → msg-dmarc-fail (error under quarantine/reject, warning under p=none);
  no record → msg-dmarc-none.
- RFC 8058 3.1: one-click unsubscription needs a valid DKIM signature covering List-Unsubscribe and
  List-Unsubscribe-Post.
- SpamAssassin: score ≥ threshold → msg-spam-score error; ≥ half the threshold → warning.
"""

from __future__ import annotations

from inboxready.dkim.signing import VerifyResult
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.message.auth import AuthReport, SpfCheck
from inboxready.message.headers import HeaderReport
from inboxready.message.spamd import SpamReport

UNSUBSCRIBE_FIELDS = ("list-unsubscribe", "list-unsubscribe-post")


def auth_findings(auth: AuthReport) -> list[Finding]:
    findings: list[Finding] = []
    for check in auth.spf:
        findings.extend(spf_findings(check))
    findings.extend(_dkim_findings(auth))
    if auth.arc.result == "fail":
        findings.append(make_finding("msg-arc-fail", "ARC", f"The ARC chain does not validate: {auth.arc.reason}.",
                                     data=auth.arc.to_dict()))
    findings.extend(_dmarc_findings(auth))
    if auth.unchecked:
        findings.append(make_finding(
            "msg-auth-unchecked", "authentication", "Not checked: " + "; ".join(auth.unchecked) + ".",
            data={"unchecked": list(auth.unchecked)},
        ))
    return findings


def spf_findings(check: SpfCheck) -> list[Finding]:
    result = check.result.result.value
    who = f"HELO {check.sender.rpartition('@')[2]}" if check.identity == "helo" else f"MAIL FROM {check.sender}"
    helo = check.identity == "helo"
    data = {"identity": check.identity, "ip": check.ip, "result": result, "domain": check.result.domain}
    if result == "fail":
        return [make_finding(
            "msg-spf-fail", who, f"SPF fails: {check.ip} is not authorized to send for {check.result.domain}"
            + (f" ({check.result.explanation})" if check.result.explanation else "") + ".",
            severity=Severity.WARNING if helo else None, data=data,
        )]
    if result in ("softfail", "neutral"):
        return [make_finding(
            "msg-spf-softfail", who,
            f"SPF {result}: {check.ip} is not authorized by {check.result.domain}'s SPF record.",
            severity=Severity.INFO if helo else None, data=data,
        )]
    if result == "none":
        return [make_finding(
            "msg-spf-none", who, f"{check.result.domain or 'The sender domain'} publishes no SPF record.",
            severity=Severity.INFO if helo else None, data=data,
        )]
    if result == "permerror":
        return [make_finding(
            "msg-spf-error", who, f"SPF permerror for {check.result.domain}: {check.result.reason}.", data=data,
        )]
    return []


def _dkim_findings(auth: AuthReport) -> list[Finding]:
    if not auth.dkim:
        return [make_finding("msg-dkim-none", "DKIM-Signature", "The message carries no DKIM signature.")]
    findings: list[Finding] = []
    any_pass = any(r.passed for r in auth.dkim)
    for r in auth.dkim:
        subject = f"DKIM d={r.domain} s={r.selector}"
        if r.result in (VerifyResult.FAIL, VerifyResult.PERMERROR, VerifyResult.NEUTRAL):
            findings.append(make_finding(
                "msg-dkim-fail", subject, f"DKIM signature {r.index + 1} {r.result.to_text()}s: {r.reason}.",
                severity=Severity.WARNING if any_pass else None, data=r.to_dict(),
            ))
        if r.testing:
            findings.append(make_finding(
                "msg-dkim-testing", subject, f"The key {r.key_name} is in testing mode (t=y).",
            ))
    return findings


def _dmarc_findings(auth: AuthReport) -> list[Finding]:
    if auth.discovery is None:
        return []
    domain = auth.discovery.domain
    if auth.dmarc_result == "fail" and auth.dmarc is not None:
        policy = auth.dmarc.applied_policy.to_text()
        return [make_finding(
            "msg-dmarc-fail", f"From {domain}",
            f"DMARC fails for {domain}: {auth.dmarc.reason}; the receiver applies p={policy}.",
            severity=Severity.WARNING if policy == "none" else None, data=auth.dmarc.to_dict(),
        )]
    if auth.discovery.record is None and not auth.discovery.unchecked:
        return [make_finding("msg-dmarc-none", f"From {domain}", f"No DMARC record applies to {domain}.")]
    return []


def unsubscribe_findings(headers: HeaderReport, auth: AuthReport) -> list[Finding]:
    """RFC 8058 3.1: the one-click headers must be covered by a valid DKIM signature."""
    if not headers.unsubscribe.one_click:
        return []
    covered = any(r.passed and all(f in r.signed_headers for f in UNSUBSCRIBE_FIELDS) for r in auth.dkim)
    if covered:
        return []
    return [make_finding(
        "msg-no-one-click", "List-Unsubscribe",
        "No valid DKIM signature covers both List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 3.1), "
        "so receivers will not offer one-click unsubscription.",
    )]


def spam_findings(spam: SpamReport | None, error: str | None) -> list[Finding]:
    if spam is None:
        return [make_finding("msg-spamd-unavailable", "spamd", f"Content not scored: {error or 'no spamd given'}.")]
    top = sorted((r for r in spam.rules if r.score > 0), key=lambda r: -r.score)[:3]
    why = ", ".join(f"{r.name} {r.score:+.1f}" for r in top)
    if spam.is_spam or spam.score >= spam.threshold:
        severity: Severity | None = None
    elif spam.score >= spam.threshold / 2:
        severity = Severity.WARNING
    else:
        return []
    return [make_finding(
        "msg-spam-score", "SpamAssassin",
        f"SpamAssassin scores {spam.score:.1f} (threshold {spam.threshold:.1f})"
        + (f"; top rules: {why}" if why else "") + ".",
        severity=severity, data=spam.to_dict(),
    )]
