"""Write a plan out: a BIND master-file fragment (RFC 1035 section 5), octoDNS YAML, or JSON.

The zone fragment is the domain's own zone only (no SOA/NS, loadable by dnspython); records that
belong in other zones (report authorizations at the receiving domain, PTR in reverse zones) and
pending records appear there as comments. The JSON form holds everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from inboxready.policy.records import Plan, PlannedRecord

FORMATS = ("text", "zone", "octodns", "json")


def to_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False)


def to_zone(plan: Plan, source: str = "inboxready.yaml") -> str:
    origin = plan.domain
    lines = [
        f"; Records for {origin} planned by inboxready from {source}.",
        "; A fragment of the domain's own zone: add it to the zone (SOA and NS are not included).",
        f"$ORIGIN {origin}.",
        f"$TTL {plan.records[0].ttl if plan.records else 3600}",
    ]
    purpose = None
    for record in plan.own_records:
        if record.purpose != purpose:
            purpose = record.purpose
            lines.append(f"; {purpose}")
        note = f"  ; {', '.join(record.providers)}"
        lines.append(record.zone_line(origin) + note)
        lines.extend(f";   note: {c}" for c in record.caveats)
    if plan.external_records:
        lines.append(";")
        lines.append("; Records other zones must publish (ask their operators; not part of this zone):")
        lines.extend(f";   {r.zone_line()}  ; {r.why}" for r in plan.external_records)
    if plan.pending:
        lines.append(";")
        lines.append("; Pending: these need values from the service before they can be published:")
        lines.extend(
            f";   {p.name}. {p.type}  ; needs {', '.join(p.needs)}" + (f" ({p.where})" if p.where else "")
            for p in plan.pending
        )
    return "\n".join(lines) + "\n"


def _natural(text: str) -> list[Any]:
    """Natural sort key (the order octoDNS's YAML loader enforces)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _octodns_value(record: PlannedRecord) -> Any:
    if record.type in ("TXT", "SPF"):
        return record.value.replace("\\", "\\\\").replace(";", "\\;")
    if record.type == "MX":
        preference, _, exchange = record.value.partition(" ")
        return {"exchange": exchange.strip(), "preference": int(preference)}
    return record.value


def to_octodns(plan: Plan) -> str:
    """octoDNS YamlProvider content for the domain's zone (file <domain>.yaml; TXT semicolons escaped
    as \\; so configure the provider with escaped_semicolons: true, its current default)."""
    grouped: dict[str, dict[str, list[PlannedRecord]]] = {}
    for record in plan.own_records:
        relative = "" if record.name == plan.domain else record.name.removesuffix("." + plan.domain)
        grouped.setdefault(relative, {}).setdefault(record.type, []).append(record)
    out: dict[str, Any] = {}
    for name in sorted(grouped, key=_natural):
        entries = []
        for kind in sorted(grouped[name]):
            records = grouped[name][kind]
            entry: dict[str, Any] = {"ttl": records[0].ttl, "type": kind}
            if kind == "CNAME":
                entry["value"] = _octodns_value(records[0])
            else:
                values = [_octodns_value(r) for r in records]
                entry["values"] = values
            entries.append(entry)
        out[name] = entries[0] if len(entries) == 1 else entries
    header = f"# octoDNS zone data for {plan.domain}, planned by inboxready.\n---\n"
    return header + yaml.safe_dump(out, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)


EXPORTERS: dict[str, Callable[[Plan], str]] = {"zone": to_zone, "octodns": to_octodns, "json": to_json}
