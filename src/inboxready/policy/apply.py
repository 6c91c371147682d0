"""`apply`: publish a plan into a target zone, safely, and undo it.

The sequence (octoDNS's plan/apply template, with inboxready's rules):

1. `prepare_apply` reads the zone and computes the changes for the plan's records in that zone
   (`policy.changes`: only managed values; conflicts are findings and stay untouched).
2. The caller shows every change as a diff and asks for confirmation (the CLI: a terminal prompt or
   --yes).
3. `execute` reads the zone again: if any RRset at a changed name differs from what step 1 saw, it
   raises `ApplyConflict` (apply-conflict findings) and writes nothing; otherwise it writes the
   changes in one provider call and saves the rollback state (`policy.rollback`).
4. `wait_until_visible` asks the target's DNS server (through a `Resolver`) until every change is
   in its answers (RFC 1034 4.3.2 authoritative answers; no cache between attempts), or the time is up.

`prepare_rollback` + `execute` undo the newest saved apply the same way. Applying twice changes
nothing: the second run computes no changes and writes no state.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.name
import dns.rdatatype

from inboxready.dns.answer import Answer, to_name
from inboxready.dns.cache import close_resolver
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.errors import InboxreadyError
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.changes import ChangeSet, RecordChange, compute_changes, drift, in_zone, rdata_value
from inboxready.policy.records import Plan, PlannedRecord
from inboxready.policy.rollback import SavedApply, latest_state, mark_rolled_back, rollback_changes, save_state
from inboxready.policy.targets import ZoneTarget


class ApplyConflict(InboxreadyError):
    """The zone changed between the dry run and the write; nothing was written."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        super().__init__("; ".join(f.message for f in self.findings))


class NothingToRollBack(InboxreadyError):
    pass


class PlanIncomplete(DnsError):
    """Lookups failed while planning, so the plan may be wrong: nothing is applied (a DNS failure)."""

    label = "lookups failed while planning, so nothing was applied"

    def __init__(self, unchecked: Sequence[str]) -> None:
        self.unchecked = tuple(unchecked)
        super().__init__("plan", "", "; ".join(self.unchecked))

    def describe(self) -> str:
        return f"{self.label}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A computed change set and where it came from (a plan, or a saved apply being undone)."""

    target: str
    changeset: ChangeSet
    rollback_of: SavedApply | None = None


@dataclass(frozen=True, slots=True)
class Visibility:
    visible: bool
    waited: float
    pending: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)


def plan_records(plan: Plan, extra: Sequence[PlannedRecord] = ()) -> list[PlannedRecord]:
    """The plan's records for the domain's own zone (pending records have no value to publish)."""
    return [*plan.own_records, *extra]


def plan_notes(plan: Plan) -> list[str]:
    notes = [f"{p.name} {p.type}: pending ({', '.join(p.needs)} not in the policy yet); not published"
             for p in plan.pending]
    notes += [f"{r.name} {r.type}: belongs to {r.zone}; ask its operator" for r in plan.external_records]
    return notes


async def prepare_apply(
    plan: Plan, target: ZoneTarget, name: str, extra: Sequence[PlannedRecord] = (),
) -> Prepared:
    state = await asyncio.to_thread(target.read)
    changeset = compute_changes(plan_records(plan, extra), state, target.zone, target.supports, plan.domain)
    notes = (*changeset.notes, *plan_notes(plan))
    return Prepared(name, ChangeSet(changeset.zone, changeset.changes, changeset.conflicts, notes,
                                    changeset.observed))


async def prepare_rollback(target: ZoneTarget, name: str, state_dir: Path) -> Prepared:
    saved = latest_state(state_dir, name, target.zone)
    if saved is None:
        raise NothingToRollBack(f"no applied changes to roll back for target {name} (zone {target.zone}) "
                                f"in {state_dir / '.inboxready'}")
    state = await asyncio.to_thread(target.read)
    return Prepared(name, rollback_changes(saved, state), saved)


async def execute(prepared: Prepared, target: ZoneTarget, state_dir: Path, policy: str = "") -> Path | None:
    """Write the prepared changes if the zone is still as it was seen; returns the rollback state file.

    Raises ApplyConflict (nothing written) when the zone changed since `prepare_*`.
    """
    changes = prepared.changeset.changes
    if not changes:
        return None
    fresh = await asyncio.to_thread(target.read)
    conflicts = drift(prepared.changeset, fresh)
    if conflicts:
        raise ApplyConflict(conflicts)
    await asyncio.to_thread(target.write, changes)
    if prepared.rollback_of is not None:
        mark_rolled_back(prepared.rollback_of.path)
        return prepared.rollback_of.path
    return save_state(state_dir, prepared.target, prepared.changeset, policy)


class ZoneRouter:
    """A Resolver asking `zone_resolver` for names in `zone` and `fallback` for everything else."""

    def __init__(self, zone: str, zone_resolver: Resolver, fallback: Resolver) -> None:
        self.zone = zone
        self.zone_resolver = zone_resolver
        self.fallback = fallback

    async def aclose(self) -> None:
        await close_resolver(self.zone_resolver)
        await close_resolver(self.fallback)

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname = to_name(name)
        if in_zone(qname.to_text(omit_final_dot=True).lower(), self.zone):
            return await self.zone_resolver.query(qname, rdtype)
        return await self.fallback.query(qname, rdtype)


async def _seen(resolver: Resolver, change: RecordChange) -> bool:
    expected = Counter(change.after.values) if change.after else Counter[str]()
    try:
        answer = await resolver.query(change.name, change.type)
    except DnsError as exc:
        return not exc.is_failure and not expected
    if answer.cname_chain and change.type != "CNAME":
        return not expected
    return Counter(rdata_value(r) for r in answer.records) == expected


async def wait_until_visible(
    changes: Sequence[RecordChange], resolver_factory: Callable[[], Resolver], timeout: float,
    interval: float = 0.5, clock: Callable[[], float] = time.monotonic,
) -> Visibility:
    """Ask until every change shows in DNS answers (a fresh resolver each round: no cache)."""
    start = clock()
    # A type that gave way to a CNAME at the same name is checked through the CNAME itself.
    cname_names = {c.name for c in changes if c.type == "CNAME" and c.after is not None}
    checked = [c for c in changes if not (c.after is None and c.name in cname_names)]
    while True:
        resolver = resolver_factory()
        try:
            seen = [await _seen(resolver, c) for c in checked]
        finally:
            await close_resolver(resolver)
        pending = tuple(f"{c.name} {c.type}" for c, ok in zip(checked, seen, strict=True) if not ok)
        waited = clock() - start
        if not pending:
            return Visibility(True, waited)
        if waited >= timeout:
            finding = make_finding(
                "apply-not-visible", ", ".join(pending),
                f"After {waited:.0f} s the target's DNS server does not yet answer with: {', '.join(pending)}.",
                data={"pending": list(pending), "waited": round(waited, 1)},
            )
            return Visibility(False, waited, pending, (finding,))
        await asyncio.sleep(min(interval, max(0.0, timeout - waited)))


def summary(prepared: Prepared) -> dict[str, Any]:
    counts = Counter(c.action for c in prepared.changeset.changes)
    return {"create": counts["create"], "update": counts["update"], "delete": counts["delete"]}
