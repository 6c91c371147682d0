"""The record-set changes that publish a plan into one zone, touching only values the plan manages.

A provider replaces whole RRsets (RFC 2181 section 5), so every change names the RRset before and
after. At a name that also holds other TXT data (site verification tokens) only values of a kind the
plan owns there are replaced — one SPF record (RFC 7208 3.2), one DMARC record (RFC 7489 6.6.3), one
DKIM key (RFC 6376 3.6.2.2), one TLS-RPT record (RFC 8460 3), one MTA-STS record (RFC 8461 3.1),
one EP1 pointer — and the rest is kept, exactly as `policy.diff` compares them. A CNAME owns its
name alone (RFC 1034 3.6.2): a CNAME where the plan needs other data, other data (except a DKIM key
being replaced by the delegation the plan asks for) where it needs a CNAME, and names below a zone
cut inside the zone are `apply-conflict` findings and stay untouched.

`compute_changes` is pure: zone state in, changes out. `policy.apply` reads and writes the state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import dns.rdata
import dns.rdatatype

from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.diff import same_value, value_kind
from inboxready.policy.records import PlannedRecord, quote_txt

ChangeAction = Literal["create", "update", "delete"]
#: TXT value kinds of which a name holds one; the plan's value replaces the live one of its kind.
EXCLUSIVE_KINDS = ("spf", "dmarc", "dkim", "tlsrpt", "sts", "ep")
_NAME_TYPES = ("CNAME", "NS", "PTR", "DNAME", "ALIAS")


def txt_kind(text: str) -> str:
    """`value_kind` of policy.diff, plus "ep" for the email policy document pointer (v=EP1)."""
    low = text.strip().lower()
    if low == "v=ep1" or low.startswith("v=ep1;") or low.startswith("v=ep1 "):
        return "ep"
    return value_kind(text)


def normal_value(rtype: str, value: str) -> str:
    """A value in the form both the zone state and DNS answers are compared in."""
    if rtype in ("TXT", "SPF"):
        return value
    text = " ".join(value.split()).lower()
    if rtype in _NAME_TYPES or rtype == "MX":
        return text if text.endswith(".") else text + "."
    return text


def rdata_value(rdata: dns.rdata.Rdata) -> str:
    """The compared form of one DNS answer record (TXT strings joined, RFC 7208 3.3)."""
    strings = getattr(rdata, "strings", None)
    if strings is not None:
        return b"".join(strings).decode("utf-8", "replace")
    return normal_value(dns.rdatatype.to_text(rdata.rdtype), rdata.to_text())


@dataclass(frozen=True, slots=True)
class RecordSet:
    """One RRset: absolute lower-case name without the final dot, type, TTL, values (compared form)."""

    name: str
    type: str
    ttl: int
    values: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.type)

    def same_as(self, other: RecordSet | None) -> bool:
        return other is not None and self.ttl == other.ttl and Counter(self.values) == Counter(other.values)

    def line(self, value: str) -> str:
        shown = quote_txt(value) if self.type in ("TXT", "SPF") else value
        return f"{self.name}. {self.ttl} IN {self.type} {shown}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "ttl": self.ttl, "values": list(self.values)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordSet:
        return cls(str(data["name"]), str(data["type"]), int(data["ttl"]), tuple(str(v) for v in data["values"]))


ZoneState = Mapping[tuple[str, str], RecordSet]


@dataclass(frozen=True, slots=True)
class RecordChange:
    name: str
    type: str
    before: RecordSet | None
    after: RecordSet | None
    why: str = ""

    @property
    def action(self) -> ChangeAction:
        if self.before is None:
            return "create"
        return "delete" if self.after is None else "update"

    @property
    def added(self) -> tuple[str, ...]:
        before = self.before.values if self.before else ()
        return tuple(v for v in (self.after.values if self.after else ()) if v not in before)

    @property
    def removed(self) -> tuple[str, ...]:
        after = self.after.values if self.after else ()
        return tuple(v for v in (self.before.values if self.before else ()) if v not in after)

    @property
    def kept(self) -> tuple[str, ...]:
        after = self.after.values if self.after else ()
        return tuple(v for v in (self.before.values if self.before else ()) if v in after)

    def diff_lines(self) -> list[tuple[str, str]]:
        """("-" | "+" | "=", zone line) for every value: removed, added, kept."""
        shown = self.after or self.before
        assert shown is not None
        ttl_note = ""
        if self.before and self.after and self.before.ttl != self.after.ttl:
            ttl_note = f" (TTL {self.before.ttl} → {self.after.ttl})"
        lines = [("-", shown.line(v)) for v in self.removed]
        lines += [("+", (self.after or shown).line(v) + ttl_note) for v in self.added]
        lines += [("=", shown.line(v)) for v in self.kept]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action, "name": self.name, "type": self.type,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "added": list(self.added), "removed": list(self.removed), "kept": list(self.kept), "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class ChangeSet:
    zone: str
    changes: tuple[RecordChange, ...]
    conflicts: tuple[Finding, ...] = ()
    #: Planned records not handled here and why (other zones, pending values).
    notes: tuple[str, ...] = ()
    #: Every RRset at the changed names when the changes were computed (checked again before writing).
    observed: tuple[RecordSet, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone, "changes": [c.to_dict() for c in self.changes],
            "conflicts": [f.to_dict() for f in self.conflicts], "notes": list(self.notes),
        }


def in_zone(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone)


def observe(state: ZoneState, names: Iterable[str]) -> tuple[RecordSet, ...]:
    wanted = set(names)
    return tuple(sorted((rs for rs in state.values() if rs.name in wanted), key=lambda r: r.key))


def order_changes(changes: Iterable[RecordChange]) -> tuple[RecordChange, ...]:
    """Deletions first (a CNAME can only be added once the name is free), then by name and type."""
    return tuple(sorted(changes, key=lambda c: (c.action != "delete", c.name, c.type)))


def _merge_txt(records: Sequence[PlannedRecord], current: Sequence[str]) -> list[str]:
    remaining = list(current)
    managed = {txt_kind(r.value) for r in records} & set(EXCLUSIVE_KINDS)
    wanted: list[str] = []
    for r in records:
        kind = txt_kind(r.value)
        match = next((v for v in remaining if txt_kind(v) == kind and same_value(kind, r.value, v)), None)
        if match is None:
            rival = next((v for v in remaining if kind in EXCLUSIVE_KINDS and txt_kind(v) == kind), None)
            if rival is not None:
                remaining.remove(rival)
            wanted.append(r.value)
        else:
            remaining.remove(match)
            wanted.append(match)
    return [v for v in remaining if txt_kind(v) not in managed] + wanted


def _merge_set(rtype: str, records: Sequence[PlannedRecord], current: Sequence[str]) -> list[str]:
    live = {normal_value(rtype, v): v for v in current}
    return [live.get(normal_value(rtype, r.value), normal_value(rtype, r.value)) for r in records]


class _Computer:
    def __init__(self, state: ZoneState, zone: str, supports: frozenset[str]) -> None:
        self.state = state
        self.zone = zone
        self.supports = supports
        self.changes: list[RecordChange] = []
        self.conflicts: list[Finding] = []
        self.notes: list[str] = []

    def conflict(self, name: str, rtype: str, message: str, **data: Any) -> None:
        self.conflicts.append(make_finding("apply-conflict", f"{name} {rtype}", message,
                                           data={"name": name, "type": rtype, **data}))

    def at(self, name: str) -> list[RecordSet]:
        return [rs for rs in self.state.values() if rs.name == name]

    def zone_cut(self, name: str) -> str | None:
        labels = name.split(".")
        for i in range(len(labels)):
            ancestor = ".".join(labels[i:])
            if ancestor == self.zone or not in_zone(ancestor, self.zone):
                return None
            if (ancestor, "NS") in self.state:
                return ancestor
        return None

    def group(self, name: str, rtype: str, records: Sequence[PlannedRecord]) -> None:
        why = "; ".join(dict.fromkeys(r.why for r in records))
        if rtype not in self.supports:
            self.conflicts.append(make_finding(
                "apply-unsupported", f"{name} {rtype}",
                f"The target's provider cannot publish {rtype} records; {name} {rtype} is left out.",
                data={"name": name, "type": rtype},
            ))
            return
        kinds = [txt_kind(r.value) for r in records] if rtype in ("TXT", "SPF") else [rtype] * len(records)
        doubled = sorted({k for k in kinds if kinds.count(k) > 1 and k in (*EXCLUSIVE_KINDS, "CNAME")})
        if doubled:
            self.conflict(name, rtype, f"The plan has {len(records)} {rtype} values of one kind ({', '.join(doubled)}) "
                          f"at {name}, where only one can be published; resolve the plan's conflict first.",
                          values=[r.value for r in records])
            return
        cut = self.zone_cut(name)
        if cut is not None:
            self.conflict(name, rtype, f"{name} is below the delegation {cut} NS inside {self.zone}; "
                          "its records belong in the delegated zone.", delegation=cut)
            return
        others = [rs for rs in self.at(name) if rs.type != rtype]
        alias = next((rs for rs in others if rs.type == "CNAME"), None)
        if alias is not None:
            self.conflict(name, rtype, f"{name} is a CNAME to {alias.values[0]}; the plan needs {rtype} data "
                          "there and a CNAME cannot share its name (RFC 1034 3.6.2). Left untouched.",
                          cname=alias.values[0])
            return
        if rtype == "CNAME" and not self.free_for_cname(name, others):
            return
        current = self.state.get((name, rtype))
        values = (_merge_txt(records, current.values if current else ()) if rtype in ("TXT", "SPF")
                  else _merge_set(rtype, records, current.values if current else ()))
        after = RecordSet(name, rtype, current.ttl if current else records[0].ttl, tuple(values))
        if current is None or not after.same_as(current):
            self.changes.append(RecordChange(name, rtype, current, after, why))

    def free_for_cname(self, name: str, others: Sequence[RecordSet]) -> bool:
        blocking = [rs for rs in others if not (rs.type == "TXT" and all(txt_kind(v) == "dkim" for v in rs.values))]
        if blocking:
            kinds = ", ".join(sorted({rs.type for rs in blocking}))
            self.conflict(name, "CNAME", f"{name} holds {kinds} data; the plan needs a CNAME there, which "
                          "cannot share its name (RFC 1034 3.6.2). Left untouched.", holds=kinds)
            return False
        for rs in others:
            self.changes.append(RecordChange(name, rs.type, rs, None, "DKIM key replaced by the planned CNAME"))
        return True


def compute_changes(
    records: Sequence[PlannedRecord], state: ZoneState, zone: str, supports: Iterable[str], domain: str | None = None,
) -> ChangeSet:
    """The changes that make `zone` hold `records` (the zone's share of a plan), and the conflicts.

    `domain`: the policy's domain, whose obsolete type-99 SPF record is removed unless planned.
    """
    computer = _Computer(state, zone, frozenset(supports))
    groups: dict[tuple[str, str], list[PlannedRecord]] = {}
    for record in records:
        if not in_zone(record.name, zone):
            computer.notes.append(f"{record.name} {record.type}: not in zone {zone}; publish it where it belongs")
            continue
        groups.setdefault((record.name, record.type), []).append(record)
    for (name, rtype), group in groups.items():
        computer.group(name, rtype, group)
    if domain is not None and (domain, "SPF") not in groups and (domain, "SPF") in state:
        computer.changes.append(RecordChange(domain, "SPF", state[(domain, "SPF")], None,
                                             "type-99 SPF records are obsolete (RFC 7208 3.1)"))
    changes = order_changes(computer.changes)
    return ChangeSet(zone, changes, tuple(computer.conflicts), tuple(computer.notes),
                     observe(state, (c.name for c in changes)))


def drift(changeset: ChangeSet, state: ZoneState) -> list[Finding]:
    """apply-conflict findings for every RRset at a changed name that is not as it was observed."""
    seen = {rs.key: rs for rs in changeset.observed}
    now = {rs.key: rs for rs in observe(state, changeset.names)}
    findings = []
    for key in sorted(set(seen) | set(now)):
        before, current = seen.get(key), now.get(key)
        if before is None or not before.same_as(current):
            was = "absent" if before is None else ", ".join(before.values)
            is_now = "absent" if current is None else ", ".join(current.values)
            findings.append(make_finding(
                "apply-conflict", f"{key[0]} {key[1]}",
                f"{key[0]} {key[1]} changed since the dry run (was {was}; now {is_now}); nothing was applied.",
                data={"name": key[0], "type": key[1], "was": before.to_dict() if before else None,
                      "now": current.to_dict() if current else None},
            ))
    return findings
