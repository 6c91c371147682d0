"""What a check receives and returns; the audit engine runs checks of this shape.

A check is `async def check(ctx: CheckContext) -> CheckResult`. It never raises for bad data or for
DNS failures: a misconfiguration is a Finding, and a lookup that failed (timeout, SERVFAIL,
REFUSED) is recorded in `unchecked` ("could not check") with a dns-lookup-failed finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding


@dataclass(frozen=True, slots=True)
class CheckContext:
    domain: str
    resolver: Resolver
    #: Expectations from the policy file or the command line, by key (e.g. "dkim_selectors").
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    area: str
    findings: tuple[Finding, ...] = ()
    #: The JSON-ready section for this area (e.g. the "spf" object of `check --json`).
    data: Mapping[str, Any] = field(default_factory=dict)
    #: One line per lookup failure that kept part of the check from completing.
    unchecked: tuple[str, ...] = ()


def lookup_failed(subject: str, error: DnsError, what: str) -> Finding:
    """The finding for a DNS failure that stopped `what` from being checked."""
    return make_finding(
        "dns-lookup-failed",
        subject,
        f"Could not check {what}: {error.describe()}.",
        data={"name": error.name, "rdtype": error.rdtype, "outcome": error.kind},
    )
