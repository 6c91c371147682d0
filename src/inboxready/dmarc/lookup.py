"""One DMARC lookup: the TXT records at _dmarc.DOMAIN, selected as receivers select them.

RFC 7489 section 6.6.3 steps 1-2 and RFC 9989 section 4.10 steps 1-2: records that do not start
with v=DMARC1 are discarded; several remaining records are all discarded. Records that were meant
as DMARC but that receivers discard (`V=dmarc1`, `p=none; v=DMARC1`) are kept apart so the checks
can say why the domain has no usable record.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxready.dmarc.record import is_dmarc_record, looks_like_dmarc
from inboxready.dns.errors import DnsError, NXDomain
from inboxready.dns.resolver import Resolver


@dataclass(frozen=True, slots=True)
class DmarcLookup:
    domain: str
    #: TXT texts that start with v=DMARC1 (what receivers consider).
    records: tuple[str, ...] = ()
    #: TXT texts meant as DMARC records that receivers discard.
    malformed: tuple[str, ...] = ()
    #: The DNS answer was NXDOMAIN (the name _dmarc.DOMAIN does not exist).
    nxdomain: bool = False
    #: A failure (timeout, SERVFAIL, ...) that left the answer unknown.
    error: DnsError | None = None

    @property
    def name(self) -> str:
        return dmarc_name(self.domain)

    @property
    def single(self) -> str | None:
        """The one record receivers use here, or None (no record, or several: all discarded)."""
        return self.records[0] if len(self.records) == 1 else None

    @property
    def failed(self) -> bool:
        return self.error is not None


def dmarc_name(domain: str) -> str:
    return f"_dmarc.{domain}"


def normalize_domain(domain: str) -> str:
    """Lower case, no trailing dot, A-labels (RFC 9989 5.3.1: U-labels are converted)."""
    text = domain.strip().rstrip(".").lower()
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            return text
    return text


async def lookup_dmarc(resolver: Resolver, domain: str) -> DmarcLookup:
    """The DMARC records at _dmarc.DOMAIN; never raises for DNS outcomes."""
    try:
        answer = await resolver.query(dmarc_name(domain), "TXT")
    except DnsError as exc:
        if exc.is_failure:
            return DmarcLookup(domain, error=exc)
        return DmarcLookup(domain, nxdomain=isinstance(exc, NXDomain))
    texts = answer.texts()
    records = tuple(t for t in texts if is_dmarc_record(t))
    malformed = tuple(t for t in texts if not is_dmarc_record(t) and looks_like_dmarc(t))
    return DmarcLookup(domain, records=records, malformed=malformed)
