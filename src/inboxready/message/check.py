"""`check_message`: one message through every check, as `inboxready message check` and the gateway run it.

Order: parse (RFC 5322) → header hygiene (pure) → authentication (SPF, DKIM, ARC, DMARC; DNS) and
the SpamAssassin score (spamd) concurrently → findings → grade. The envelope a receiver would know
is completed from what is given: the connecting IP from --ip or else the first server the policy
declares (every other declared server is SPF-checked too); MAIL FROM from --mail-from, else the
Return-Path header, else the From address.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding, Severity, sort_findings
from inboxready.message.auth import DEFAULT_AUTHSERV_ID, AuthReport, Envelope, SpfCheck, authenticate
from inboxready.message.grade import MessageGrade, grade_message
from inboxready.message.headers import HeaderReport, check_headers, parse_addresses
from inboxready.message.parse import ParsedMessage, parse_message
from inboxready.message.spamd import SpamdClient, SpamdError, SpamReport
from inboxready.message.verdicts import auth_findings, spam_findings, spf_findings, unsubscribe_findings
from inboxready.policy.model import Policy
from inboxready.spf.evaluate import evaluate_spf


@dataclass(frozen=True, slots=True)
class DeclaredServer:
    ip: str
    helo: str | None = None


def servers_from_policy(policy: Policy) -> tuple[DeclaredServer, ...]:
    """Every sending IP the policy declares for its own servers, with the server's HELO name."""
    return tuple(DeclaredServer(ip, server.helo) for server in policy.servers for ip in server.ip)


@dataclass(frozen=True, slots=True)
class MessageCheckOptions:
    ip: str | None = None
    helo: str | None = None
    mail_from: str | None = None
    #: Treat as bulk mail (None: decide from Precedence, List-Id, List-Unsubscribe).
    bulk: bool | None = None
    servers: tuple[DeclaredServer, ...] = ()
    spamd: SpamdClient | None = None
    authserv_id: str = DEFAULT_AUTHSERV_ID
    #: Finding codes to leave out (the policy's `silence`).
    silence: Collection[str] = ()


@dataclass(frozen=True, slots=True)
class MessageReport:
    source: str
    size: int
    headers: HeaderReport
    auth: AuthReport
    #: Where the connecting IP came from: "given", "policy" or None (SPF not checked).
    ip_source: str | None
    #: SPF of the other servers the policy declares (when the IP came from the policy).
    declared_spf: tuple[SpfCheck, ...]
    spam: SpamReport | None
    #: Why the content was not scored (spamd not given, unreachable, refused), or None.
    spam_error: str | None
    findings: tuple[Finding, ...]
    grade: MessageGrade
    not_checked: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.auth.dns_failures

    def exit_code(self, fail_on: Severity | None) -> int:
        if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in self.findings):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "size": self.size,
            "grade": self.grade.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "headers": self.headers.to_dict(),
            "authentication": {**self.auth.to_dict(), "ip_source": self.ip_source,
                               "declared_servers": [c.to_dict() for c in self.declared_spf]},
            "spam": self.spam.to_dict() if self.spam else None,
            "spam_error": self.spam_error,
            "not_checked": list(self.not_checked),
        }


async def check_message(
    raw: bytes, resolver: Resolver, options: MessageCheckOptions | None = None, *, source: str = "<message>"
) -> MessageReport:
    """Every check on `raw`. InputError when it is not a message or an option is invalid."""
    options = options or MessageCheckOptions()
    parsed = parse_message(raw)
    headers = check_headers(parsed, bulk=options.bulk)
    envelope, ip_source = _envelope(parsed, headers, options)
    spam_task = asyncio.ensure_future(_score(raw, options.spamd))
    try:
        auth = await authenticate(parsed, resolver, envelope, from_domain=headers.from_domain,
                                  authserv_id=options.authserv_id)
        declared = await _declared_spf(resolver, envelope, options) if ip_source == "policy" else ()
    except BaseException:
        spam_task.cancel()
        raise
    spam, spam_error = await spam_task
    findings = [*headers.findings, *auth_findings(auth), *unsubscribe_findings(headers, auth)]
    for check in declared:
        findings.extend(spf_findings(check))
    if options.spamd is not None:
        findings.extend(spam_findings(spam, spam_error))
    else:
        spam_error = "no spamd given (--spamd HOST:PORT)"
    kept = tuple(sort_findings(f for f in findings if f.code not in options.silence))
    report = MessageReport(
        source=source, size=len(raw), headers=headers, auth=auth, ip_source=ip_source, declared_spf=declared,
        spam=spam, spam_error=spam_error, findings=kept, grade=grade_message(kept, spam),
        not_checked=_not_checked(auth, spam_error),
    )
    if not report.complete:
        return _incomplete(report)
    return report


def _incomplete(report: MessageReport) -> MessageReport:
    grade = grade_message(report.findings, report.spam, complete=False)
    return MessageReport(
        report.source, report.size, report.headers, report.auth, report.ip_source, report.declared_spf,
        report.spam, report.spam_error, report.findings, grade, report.not_checked,
    )


def _envelope(
    parsed: ParsedMessage, headers: HeaderReport, options: MessageCheckOptions
) -> tuple[Envelope, str | None]:
    ip, helo, ip_source = options.ip, options.helo, "given" if options.ip else None
    if ip is None and options.servers:
        ip, ip_source = options.servers[0].ip, "policy"
        helo = helo or options.servers[0].helo
    mail_from: str | None
    if options.mail_from is not None:
        mail_from, source = options.mail_from.strip().strip("<>"), "given"
    else:
        mail_from, source = _return_path(parsed), "return-path"
        if mail_from is None:
            mail_from, source = headers.from_address, "from"
    if mail_from == "":
        source = "null"
    return Envelope(ip=ip, helo=helo, mail_from=mail_from or None, mail_from_source=source), ip_source


def _return_path(parsed: ParsedMessage) -> str | None:
    text = parsed.first_text("Return-Path")
    if text is None:
        return None
    if text.strip() == "<>":
        return ""
    addresses, _ = parse_addresses(text)
    return addresses[0].addr_spec if addresses and addresses[0].domain else None


async def _score(raw: bytes, client: SpamdClient | None) -> tuple[SpamReport | None, str | None]:
    if client is None:
        return None, None
    try:
        return await client.report(raw), None
    except SpamdError as exc:
        return None, str(exc)


async def _declared_spf(resolver: Resolver, envelope: Envelope, options: MessageCheckOptions) -> tuple[SpfCheck, ...]:
    others: Sequence[DeclaredServer] = options.servers[1:]
    if not envelope.mail_from or not others:
        return ()
    results = await asyncio.gather(*(
        evaluate_spf(resolver, s.ip, envelope.mail_from, helo=s.helo or "") for s in others
    ))
    return tuple(SpfCheck("mailfrom", envelope.mail_from, s.ip, r) for s, r in zip(others, results, strict=True))


def _not_checked(auth: AuthReport, spam_error: str | None) -> tuple[str, ...]:
    lines = list(auth.unchecked)
    if spam_error:
        lines.append(f"content: {spam_error}")
    return tuple(lines)
