"""What one SPF check is asked (SpfRequest, SpfOptions) and what it answers (SpfResult).

The request follows RFC 7208 section 4.1: <ip>, <domain>, <sender>, plus the HELO name for the `h`
macro. An empty MAIL FROM checks postmaster@HELO (section 2.4); a sender without a local-part gets
"postmaster" (4.3); an IPv4-mapped IPv6 address is evaluated as IPv4 (5, 5.6).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from inboxready.errors import InputError
from inboxready.spf.record import MAX_DNS_TERMS, MAX_VOID_LOOKUPS, ResultCode

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str | IPAddress) -> IPAddress:
    """An address to check; IPv4-mapped IPv6 (::ffff:192.0.2.1) becomes IPv4. Bad text → InputError."""
    if isinstance(text, str):
        try:
            ip: IPAddress = ipaddress.ip_address(text.strip().strip("[]"))
        except ValueError:
            raise InputError(f"{text!r} is not an IPv4 or IPv6 address") from None
    else:
        ip = text
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True, slots=True)
class SpfOptions:
    max_dns_terms: int = MAX_DNS_TERMS
    max_void_lookups: int = MAX_VOID_LOOKUPS
    #: The `r` macro: the name of the host doing the check (7.3).
    receiver: str = "unknown"
    #: The `t` macro; None means the time the request is made.
    timestamp: int | None = None
    #: Fetch and expand the exp= text on a fail (one extra, uncounted TXT lookup).
    explanation: bool = True


@dataclass(frozen=True, slots=True)
class SpfRequest:
    ip: IPAddress
    domain: str
    sender: str
    local_part: str
    sender_domain: str
    helo: str
    identity: str = "mailfrom"  # or "helo"
    timestamp: int = 0

    @classmethod
    def build(cls, ip: str | IPAddress, sender: str, helo: str = "", domain: str | None = None,
              timestamp: int | None = None) -> SpfRequest:
        """From SMTP facts: the client IP, the MAIL FROM (may be empty) and the HELO name."""
        address = parse_ip(ip)
        identity = "mailfrom"
        sender = sender.strip().strip("<>")
        if not sender:
            if not helo:
                raise InputError("an empty sender (a bounce) is checked as postmaster@HELO: give the HELO name")
            sender, identity = f"postmaster@{helo}", "helo"
        local, at, sender_domain = sender.rpartition("@")
        if not at:
            local, sender_domain = "", sender
        local = local or "postmaster"
        return cls(
            ip=address,
            domain=domain if domain is not None else sender_domain,
            sender=f"{local}@{sender_domain}",
            local_part=local,
            sender_domain=sender_domain,
            helo=helo,
            identity=identity,
            timestamp=int(time.time()) if timestamp is None else timestamp,
        )


@dataclass(frozen=True, slots=True)
class MatchedTerm:
    """One step of the decision path: the term that matched, in the record of `domain`."""

    domain: str
    term: str

    def to_dict(self) -> dict[str, str]:
        return {"domain": self.domain, "term": self.term}


class TraceStep(NamedTuple):
    """One event of the evaluation, in order: a record fetched, a term tried, a limit hit."""

    depth: int
    domain: str
    term: str | None
    outcome: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"depth": self.depth, "domain": self.domain, "term": self.term,
                "outcome": self.outcome, "detail": self.detail}

    def __str__(self) -> str:
        pad = "  " * self.depth
        if self.term is None:
            if self.outcome == "record":
                return f"{pad}{self.domain}: {self.detail}"
            return f"{pad}{self.domain}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")
        text = f"{pad}{self.domain}: {self.term} → {self.outcome}"
        return f"{text} ({self.detail})" if self.detail else text

    @property
    def notable(self) -> bool:
        """Worth showing in a short trace: records, matches, limits, errors (not plain non-matches)."""
        return self.outcome != "no match"


@dataclass(frozen=True, slots=True)
class SpfResult:
    result: ResultCode
    explanation: str | None
    matched: tuple[MatchedTerm, ...]
    dns_lookups: int
    void_lookups: int
    trace: tuple[TraceStep, ...] = field(default=(), compare=False)
    domain: str = ""
    #: Why the result is none, permerror or temperror, in one sentence.
    reason: str | None = None

    @property
    def path(self) -> str:
        """'include:amazonses.com → ip4:54.240.0.0/18', or '' when no term matched."""
        return " → ".join(m.term for m in self.matched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.value,
            "explanation": self.explanation,
            "matched": [m.to_dict() for m in self.matched],
            "path": self.path,
            "dns_lookups": self.dns_lookups,
            "void_lookups": self.void_lookups,
            "domain": self.domain,
            "reason": self.reason,
            "trace": [t.to_dict() for t in self.trace],
        }
