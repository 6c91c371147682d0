"""Rollback state: what `apply` changed, saved next to the policy file, and the changes that undo it.

Every apply that changes something writes `.inboxready/rollback-<zone>-<UTC timestamp>.json` in the
policy file's directory: the target, the zone and each RRset before and after. `apply --rollback`
undoes the newest state not yet rolled back, value by value: the values apply added are removed and
the values it removed come back, while values someone else added since are kept. A value apply
added that is no longer there means someone changed the record since: that RRset is an
`apply-conflict` and nothing is rolled back. Rolling back marks the file, so a second rollback
undoes the apply before it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.changes import ChangeSet, RecordChange, RecordSet, ZoneState, observe, order_changes

STATE_DIR = ".inboxready"
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class SavedApply:
    path: Path
    target: str
    zone: str
    applied_at: str
    changes: tuple[RecordChange, ...]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def save_state(directory: Path, target: str, changeset: ChangeSet, policy: str = "") -> Path:
    """Write the rollback file for applied changes; returns its path."""
    now = _now()
    folder = directory / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollback-{changeset.zone}-{now.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    data = {
        "version": STATE_VERSION, "target": target, "zone": changeset.zone, "policy": policy,
        "applied_at": now.isoformat(timespec="seconds"), "rolled_back_at": None,
        "changes": [
            {"name": c.name, "type": c.type, "why": c.why,
             "before": c.before.to_dict() if c.before else None, "after": c.after.to_dict() if c.after else None}
            for c in changeset.changes
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the rollback state: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise InputError(f"{path}: not an inboxready rollback state (version {STATE_VERSION})")
    return data


def _saved(path: Path, data: dict[str, Any]) -> SavedApply:
    try:
        changes = tuple(
            RecordChange(
                str(c["name"]), str(c["type"]),
                RecordSet.from_dict(c["before"]) if c["before"] else None,
                RecordSet.from_dict(c["after"]) if c["after"] else None, str(c.get("why", "")),
            )
            for c in data["changes"]
        )
        return SavedApply(path, str(data["target"]), str(data["zone"]), str(data["applied_at"]), changes)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: damaged rollback state ({type(exc).__name__}: {exc})") from exc


def latest_state(directory: Path, target: str, zone: str) -> SavedApply | None:
    """The newest apply to `target`/`zone` that has not been rolled back."""
    folder = directory / STATE_DIR
    for path in sorted(folder.glob(f"rollback-{zone}-*.json"), reverse=True):
        data = _load(path)
        if data.get("target") == target and data.get("zone") == zone and not data.get("rolled_back_at"):
            return _saved(path, data)
    return None


def mark_rolled_back(path: Path) -> None:
    data = _load(path)
    data["rolled_back_at"] = _now().isoformat(timespec="seconds")
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _undo(change: RecordChange, current: RecordSet | None, conflicts: list[Finding]) -> RecordChange | None:
    missing = [v for v in change.added if current is None or v not in current.values]
    if missing:
        now = ", ".join(current.values) if current else "absent"
        conflicts.append(make_finding(
            "apply-conflict", f"{change.name} {change.type}",
            f"{change.name} {change.type} changed since it was applied (now {now}); it no longer holds "
            f"{', '.join(missing)}, so the rollback is not done.",
            data={"name": change.name, "type": change.type, "missing": missing},
        ))
        return None
    values = [v for v in (current.values if current else ()) if v not in change.added]
    values += [v for v in change.removed if v not in values]
    ttl = change.before.ttl if change.before else (current.ttl if current else 3600)
    after = RecordSet(change.name, change.type, ttl, tuple(values)) if values else None
    if after is None and current is None:
        return None
    if after is not None and after.same_as(current):
        return None
    return RecordChange(change.name, change.type, current, after, f"rollback of {change.action}")


def rollback_changes(saved: SavedApply, state: ZoneState) -> ChangeSet:
    """The changes that undo `saved` against the zone as it is now."""
    conflicts: list[Finding] = []
    undo = [_undo(c, state.get((c.name, c.type)), conflicts) for c in saved.changes]
    changes: Sequence[RecordChange] = () if conflicts else order_changes(c for c in undo if c is not None)
    return ChangeSet(saved.zone, tuple(changes), tuple(conflicts),
                     (f"undoing the apply of {saved.applied_at} ({saved.path.name})",),
                     observe(state, (c.name for c in changes)))
