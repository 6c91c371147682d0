"""An in-memory zone with the `ZoneTarget` shape: the transport for apply's unit tests (no patching)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dns.rdatatype
import dns.zone

from inboxready.policy.changes import RecordChange, RecordSet, rdata_value
from inboxready.policy.records import PlannedRecord

ALL_TYPES = frozenset({"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SPF", "PTR", "CAA", "SRV"})


class MemoryZone:
    def __init__(self, zone: str, text: str = "", supports: Iterable[str] = ALL_TYPES) -> None:
        self.zone = zone
        self.supports = frozenset(supports)
        self.records: dict[tuple[str, str], RecordSet] = {}
        self.writes: list[tuple[RecordChange, ...]] = []
        if text:
            parsed = dns.zone.from_text(text, origin=zone, relativize=False, check_origin=False)
            for name, rdataset in parsed.iterate_rdatasets():
                rtype = dns.rdatatype.to_text(rdataset.rdtype)
                if rtype == "SOA":
                    continue
                rs = RecordSet(name.to_text(omit_final_dot=True).lower(), rtype, rdataset.ttl,
                               tuple(rdata_value(r) for r in rdataset))
                self.records[rs.key] = rs

    def read(self) -> dict[tuple[str, str], RecordSet]:
        return dict(self.records)

    def write(self, changes: Sequence[RecordChange]) -> None:
        self.writes.append(tuple(changes))
        for change in changes:
            if change.after is None:
                self.records.pop((change.name, change.type), None)
            else:
                self.records[(change.name, change.type)] = change.after

    def values(self, name: str, rtype: str) -> list[str]:
        rs = self.records.get((name, rtype))
        return sorted(rs.values) if rs else []


def planned(name: str, rtype: str, value: str, purpose: str = "spf", ttl: int = 3600) -> PlannedRecord:
    return PlannedRecord(name, rtype, value, "test", ("test",), purpose, ttl, "example.com")  # type: ignore[arg-type]
