"""One message, checked as a receiver would check it, and the outgoing pre-flight gateway.

    report = await check_message(raw_bytes, resolver, MessageCheckOptions(ip="203.0.113.25"))
    report.auth.authentication_results      # the RFC 8601 header a receiver would add
    report.findings, report.grade            # coded findings, a mark out of 10

Modules: parse (RFC 5322 split), headers (hygiene), auth + arc + authres (SPF, DKIM, ARC, DMARC,
Authentication-Results), spamd (SPAMC client), verdicts (findings), grade, check (orchestration),
html (self-contained page), gateway + spool + relay (the aiosmtpd submission relay).
"""

from inboxready.message.auth import AuthReport, Envelope, authenticate
from inboxready.message.check import (
    DeclaredServer,
    MessageCheckOptions,
    MessageReport,
    check_message,
    servers_from_policy,
)
from inboxready.message.grade import MessageGrade, grade_message
from inboxready.message.headers import HeaderReport, check_headers
from inboxready.message.parse import ParsedMessage, parse_message
from inboxready.message.spamd import RuleHit, SpamdClient, SpamdError, SpamReport

__all__ = [
    "AuthReport",
    "DeclaredServer",
    "Envelope",
    "HeaderReport",
    "MessageCheckOptions",
    "MessageGrade",
    "MessageReport",
    "ParsedMessage",
    "RuleHit",
    "SpamReport",
    "SpamdClient",
    "SpamdError",
    "authenticate",
    "check_headers",
    "check_message",
    "grade_message",
    "parse_message",
    "servers_from_policy",
]
