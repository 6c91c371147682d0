"""The plan's types: planned and pending records, manual steps, each sender's DMARC path.

Record values are kept in presentation form: TXT as the text itself (split into RFC 1035
character-strings of at most 255 octets only when written out, RFC 7208 section 3.3), names in
CNAME / MX / PTR / NS data absolute with a trailing dot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from inboxready.findings.model import Finding, sort_findings

RecordPurpose = Literal[
    "spf", "spf-type99", "dkim", "dmarc", "mail-from", "verification", "report-authorization",
    "ptr", "helo-address", "helo-spf", "tls-rpt", "mta-sts",
]
PathStatus = Literal["aligned", "pending", "fails"]


def txt_strings(text: str) -> list[str]:
    """`text` cut into character-strings of at most 255 octets (not inside a UTF-8 sequence)."""
    data = text.encode("utf-8")
    out: list[str] = []
    while data:
        cut = min(255, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    return out or [""]


def quote_txt(text: str) -> str:
    return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in txt_strings(text))


@dataclass(frozen=True, slots=True)
class PlannedRecord:
    name: str  # absolute, lower case, no trailing dot
    type: str
    value: str
    why: str
    providers: tuple[str, ...]
    purpose: RecordPurpose
    ttl: int = 3600
    #: The zone the record belongs in: the policy's domain, or another zone (external).
    zone: str = ""
    external: bool = False
    #: Facts behind the value that were derived or are unconfirmed (shown next to the record).
    caveats: tuple[str, ...] = ()

    def rdata_text(self) -> str:
        """The record data as a master file writes it."""
        if self.type in ("TXT", "SPF"):
            return quote_txt(self.value)
        return self.value

    def zone_line(self, origin: str | None = None) -> str:
        owner = self.name + "."
        if origin is not None:
            owner = "@" if self.name == origin else self.name.removesuffix("." + origin)
        return f"{owner} {self.ttl} IN {self.type} {self.rdata_text()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "value": self.value, "ttl": self.ttl,
            "why": self.why, "providers": list(self.providers), "purpose": self.purpose,
            "zone": self.zone, "external": self.external, "caveats": list(self.caveats),
        }


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """A record the plan needs whose value only the service can show (named in `needs`)."""

    name: str
    type: str
    why: str
    providers: tuple[str, ...]
    purpose: RecordPurpose
    needs: tuple[str, ...]
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "why": self.why, "providers": list(self.providers),
            "purpose": self.purpose, "needs": list(self.needs), "where": self.where,
        }


@dataclass(frozen=True, slots=True)
class ManualStep:
    provider: str
    text: str
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "text": self.text, "url": self.url}


@dataclass(frozen=True, slots=True)
class SenderPath:
    """How one sender's mail will pass DMARC (RFC 7489 section 3.1), or why it will not yet."""

    sender: str  # the label, e.g. "amazon-ses" or "own-server 203.0.113.25"
    provider: str
    status: PathStatus
    dkim: str | None  # "aligned DKIM via selector selector1 (d=acme.example)"
    spf: str | None  # "aligned SPF via custom MAIL FROM bounce.acme.example"
    waiting_for: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        ways = [w for w in (self.dkim, self.spf) if w]
        if self.status == "fails":
            return "cannot pass DMARC as configured"
        passes = "passes via " + " and ".join(ways)
        if self.status == "pending":
            return f"will fail until you {'; '.join(self.waiting_for)}; then it {passes}"
        return passes

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender, "provider": self.provider, "status": self.status, "dkim": self.dkim,
            "spf": self.spf, "waiting_for": list(self.waiting_for), "unconfirmed": list(self.unconfirmed),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class SpfSummary:
    record: str
    dns_lookups: int | None
    optimized: bool = False
    original: str | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record, "dns_lookups": self.dns_lookups, "optimized": self.optimized,
            "original": self.original, "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Plan:
    domain: str
    records: tuple[PlannedRecord, ...]
    pending: tuple[PendingRecord, ...] = ()
    steps: tuple[ManualStep, ...] = ()
    conflicts: tuple[Finding, ...] = ()
    paths: tuple[SenderPath, ...] = ()
    spf: SpfSummary | None = None
    #: Lookups that failed while planning (the plan may be incomplete).
    unchecked: tuple[str, ...] = ()
    #: Include domains and network lists the SPF record must authorize (the SPF check's spf_senders).
    spf_senders: tuple[str | tuple[str, ...], ...] = ()

    @property
    def own_records(self) -> tuple[PlannedRecord, ...]:
        return tuple(r for r in self.records if not r.external)

    @property
    def external_records(self) -> tuple[PlannedRecord, ...]:
        return tuple(r for r in self.records if r.external)

    def check_options(self) -> dict[str, Any]:
        """Options for the audit checks (CheckContext.options) that the plan implies."""
        selectors: dict[str, list[str]] = {}
        for r in self.records:
            if r.purpose == "dkim" and "._domainkey." in r.name:
                for who in r.providers:
                    selectors.setdefault(who, []).append(r.name.split("._domainkey.")[0])
        servers = [{"ip": r.value, "helo": r.name} for r in self.records if r.purpose == "helo-address"]
        return {"dkim_selectors": selectors, "servers": servers,
                "spf_senders": [s if isinstance(s, str) else list(s) for s in self.spf_senders]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "records": [r.to_dict() for r in self.own_records],
            "external_records": [r.to_dict() for r in self.external_records],
            "pending": [p.to_dict() for p in self.pending],
            "spf": self.spf.to_dict() if self.spf else None,
            "senders": [p.to_dict() for p in self.paths],
            "steps": [s.to_dict() for s in self.steps],
            "conflicts": [f.to_dict() for f in sort_findings(self.conflicts)],
            "unchecked": list(self.unchecked),
        }
