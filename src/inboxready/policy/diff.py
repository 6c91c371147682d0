"""Compare live DNS (or zone files) with a plan: what is missing, wrong or extra, and the exact fix.

Only values the plan manages count. At a name that also holds other TXT data (site verification
tokens, for instance) those values are left alone; only values of a kind the plan owns there (an
SPF record, RFC 7208 3.2 allows one; a DMARC record, RFC 7489 6.6.3; a DKIM key, RFC 6376 3.6.2.2)
are compared, and a second one is "extra". Records of other zones (report authorizations, PTR) are
checked too but reported as requests to their operators; they do not make the diff fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from inboxready.dkim.record import looks_like_key_record
from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.policy.records import PendingRecord, Plan, PlannedRecord, quote_txt

Action = Literal["ok", "missing", "wrong", "extra", "unchecked", "pending"]
_EXCLUSIVE = ("spf", "dmarc", "dkim", "tlsrpt", "sts")
_DEFAULTS = {
    "dmarc": {"adkim": "r", "aspf": "r", "fo": "0", "rf": "afrf", "ri": "86400", "pct": "100"},
    "dkim": {"v": "dkim1", "k": "rsa"},
}


def value_kind(text: str) -> str:
    low = text.strip().lower()
    for prefix, kind in (("v=spf1", "spf"), ("v=dmarc1", "dmarc"), ("v=tlsrptv1", "tlsrpt"), ("v=stsv1", "sts")):
        if low == prefix or low.startswith(prefix + " ") or low.startswith(prefix + ";"):
            return kind
    return "dkim" if looks_like_key_record(text) else "other"


def _tags(text: str, kind: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if not sep:
            continue
        key = name.strip().lower()
        value = "".join(value.split()) if key == "p" else value.strip()
        if key in ("rua", "ruf"):
            value = ",".join(v.strip().lower() for v in value.split(","))
        tags[key] = value if key == "p" else value.lower()
    out = dict(_DEFAULTS.get(kind, {}))
    out.update(tags)
    if kind == "dmarc" and "sp" not in out and "p" in out:
        out["sp"] = out["p"]
    return out


def _spf_terms(text: str) -> tuple[tuple[str, ...], str]:
    terms = [t.lower() for t in text.split()[1:]]
    final = terms[-1] if terms and terms[-1].lstrip("+-~?") == "all" else ""
    body = tuple(sorted(t.removeprefix("+") for t in terms if t != final))
    return body, final


def same_value(kind: str, planned: str, live: str) -> bool:
    """Equal as receivers read them (tag order, spacing and defaults do not matter)."""
    if kind == "spf":
        return _spf_terms(planned) == _spf_terms(live)
    if kind in ("dmarc", "dkim", "tlsrpt", "sts"):
        return _tags(planned, kind) == _tags(live, kind)
    if kind == "name":
        return planned.rstrip(".").lower() == live.rstrip(".").lower()
    return planned == live


@dataclass(frozen=True, slots=True)
class Change:
    action: Action
    name: str
    type: str
    expected: str | None
    actual: tuple[str, ...] = ()
    fix: str = ""
    external: bool = False
    providers: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action, "name": self.name, "type": self.type, "expected": self.expected,
            "actual": list(self.actual), "fix": self.fix, "external": self.external,
            "providers": list(self.providers), "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class DiffResult:
    domain: str
    changes: tuple[Change, ...]
    findings: tuple[Finding, ...] = ()
    unchecked: tuple[str, ...] = ()

    @property
    def to_fix(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action in ("missing", "wrong", "extra") and not c.external)

    @property
    def requests(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action in ("missing", "wrong", "extra") and c.external)

    def exit_code(self) -> int:
        """3 when a lookup failed, 1 when the domain's zone must change, else 0."""
        if self.unchecked:
            return 3
        return 1 if self.to_fix else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "clean": not self.to_fix and not self.unchecked,
            "changes": [c.to_dict() for c in self.changes],
            "findings": [f.to_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
        }


def _display(kind: str, value: str) -> str:
    return quote_txt(value) if kind in ("TXT", "SPF") else value


@dataclass(slots=True)
class _Differ:
    resolver: Resolver
    changes: list[Change] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    async def live(self, name: str, rtype: str) -> tuple[list[str], str | None] | None:
        """(values, alias target) at name; None when the lookup failed."""
        try:
            answer: Answer = await self.resolver.query(name, rtype)
        except DnsError as exc:
            if exc.is_failure:
                self.unchecked.append(exc.describe())
                return None
            return [], None
        alias = answer.cname_chain[0] if answer.cname_chain and rtype != "CNAME" else None
        if rtype in ("TXT", "SPF"):
            return answer.texts(), alias
        if rtype in ("CNAME", "PTR"):
            return [t + "." for t in answer.targets()], alias
        if rtype == "MX":
            return [f"{r.preference} {r.exchange.to_text().lower()}" for r in answer.records], alias  # type: ignore[attr-defined]
        return [r.to_text().lower() for r in answer.records], alias

    async def pending(self, record: PendingRecord) -> None:
        """A record whose value the policy does not hold yet: present or not, never compared."""
        needs = ", ".join(record.needs)
        if "<" in record.name or record.purpose != "dkim":
            self.changes.append(Change("pending", record.name, record.type, None, (),
                                       f"Copy {needs} from the service into the policy, then run diff again",
                                       providers=record.providers, note=record.why))
            return
        found = await self.live(record.name, record.type)
        if found is None:
            self.changes.append(Change("unchecked", record.name, record.type, None, providers=record.providers))
        elif any(value_kind(v) == "dkim" for v in found[0]) or found[1]:
            self.changes.append(Change("ok", record.name, record.type, None, tuple(found[0]),
                                       providers=record.providers,
                                       note=f"published; not compared until {needs} is in the policy"))
        else:
            self.changes.append(Change("missing", record.name, record.type, None, (),
                                       f"Publish the {record.type} record at {record.name} that the service shows "
                                       f"({needs}; {record.where or 'see the manual steps'})",
                                       providers=record.providers, note=record.why))

    def fix(self, action: Action, record: PlannedRecord, live_value: str | None = None) -> str:
        line = record.zone_line()
        if record.external:
            return f"Ask the operator of {record.zone} to publish: {line}"
        if action == "missing":
            return f"Add: {line}"
        return f"Replace {record.name}. {record.type} {_display(record.type, live_value or '')} with: {line}"

    async def compare(self, name: str, rtype: str, records: Sequence[PlannedRecord]) -> None:
        found = await self.live(name, rtype)
        if found is None:
            self.changes.append(Change("unchecked", name, rtype, records[0].value, external=records[0].external,
                                       providers=records[0].providers))
            return
        values, alias = found
        if alias is not None:
            for r in records:
                self.changes.append(Change(
                    "wrong", name, rtype, r.value, (f"CNAME {alias}",),
                    f"Remove the CNAME at {name} (to {alias}) and add: {r.zone_line()}", r.external, r.providers,
                ))
            return
        if rtype in ("TXT", "SPF"):
            self._compare_txt(name, rtype, records, values)
        else:
            self._compare_set(name, rtype, records, values)

    def _compare_txt(self, name: str, rtype: str, records: Sequence[PlannedRecord], values: list[str]) -> None:
        remaining = list(values)
        managed = {value_kind(r.value) for r in records} & set(_EXCLUSIVE)
        for r in records:
            kind = value_kind(r.value)
            match = next((v for v in remaining if value_kind(v) == kind and same_value(kind, r.value, v)), None)
            if match is not None:
                remaining.remove(match)
                self.changes.append(Change("ok", name, rtype, r.value, (match,), external=r.external,
                                           providers=r.providers))
                continue
            rival = next((v for v in remaining if kind in _EXCLUSIVE and value_kind(v) == kind), None)
            if rival is not None:
                remaining.remove(rival)
                self.changes.append(Change("wrong", name, rtype, r.value, (rival,), self.fix("wrong", r, rival),
                                           r.external, r.providers))
            else:
                self.changes.append(Change("missing", name, rtype, r.value, (), self.fix("missing", r),
                                           r.external, r.providers))
        others = [v for v in remaining if value_kind(v) not in managed]
        for extra in (v for v in remaining if value_kind(v) in managed):
            self.changes.append(Change(
                "extra", name, rtype, None, (extra,), f"Remove: {name}. {rtype} {quote_txt(extra)}",
                records[0].external, note=f"a second {value_kind(extra).upper()} record at {name}",
            ))
        if others:
            note = f"{name} also holds {len(others)} other TXT value(s) the plan does not manage; left alone"
            self.changes.append(Change("ok", name, rtype, None, tuple(others), note=note))

    def _compare_set(self, name: str, rtype: str, records: Sequence[PlannedRecord], values: list[str]) -> None:
        live = {v.lower().rstrip("."): v for v in values}
        planned = {r.value.lower().rstrip("."): r for r in records}
        for key, r in planned.items():
            if key in live:
                self.changes.append(Change("ok", name, rtype, r.value, (live[key],), external=r.external,
                                           providers=r.providers))
            elif rtype == "CNAME" and values:
                self.changes.append(Change("wrong", name, rtype, r.value, tuple(values),
                                           self.fix("wrong", r, values[0]), r.external, r.providers))
            else:
                self.changes.append(Change("missing", name, rtype, r.value, tuple(values),
                                           self.fix("missing", r), r.external, r.providers))
        if rtype == "CNAME":
            return
        for key, value in live.items():
            if key not in planned:
                self.changes.append(Change("extra", name, rtype, None, (value,),
                                           f"Remove: {name}. {rtype} {value}", records[0].external))


async def diff_plan(plan: Plan, resolver: Resolver) -> DiffResult:
    """Every planned record against what the resolver answers."""
    differ = _Differ(resolver)
    groups: dict[tuple[str, str], list[PlannedRecord]] = {}
    for record in plan.records:
        groups.setdefault((record.name, record.type), []).append(record)
    for (name, rtype), records in groups.items():
        await differ.compare(name, rtype, records)
    for pending in plan.pending:
        await differ.pending(pending)
    if (plan.domain, "SPF") not in groups:
        found = await differ.live(plan.domain, "SPF")
        for value in found[0] if found else []:
            differ.changes.append(Change(
                "extra", plan.domain, "SPF", None, (value,), f"Remove: {plan.domain}. SPF {quote_txt(value)}",
                note="type-99 SPF records are obsolete (RFC 7208 3.1) and the policy does not ask for one",
            ))
    return DiffResult(plan.domain, tuple(differ.changes), tuple(_findings(differ.changes)), tuple(differ.unchecked))


def _findings(changes: Sequence[Change]) -> list[Finding]:
    out = []
    codes = {"missing": "plan-record-missing", "wrong": "plan-record-wrong", "extra": "plan-record-extra"}
    for c in changes:
        code = codes.get(c.action)
        if code is None:
            continue
        what = {"missing": "is missing", "wrong": f"is {', '.join(c.actual)}",
                "extra": "is not in the plan"}[c.action]
        subject = f"{c.name} {c.type}"
        expected = f" (expected {c.expected})" if c.expected and c.action == "wrong" else ""
        message = f"{subject} {what}{expected}."
        if c.external:
            message += " It belongs in another zone."
        out.append(make_finding(
            code, subject, message, c.fix, severity=Severity.WARNING if c.external else None,
            data={"name": c.name, "type": c.type, "expected": c.expected, "actual": list(c.actual)},
        ))
    return out
