"""apply/rollback orchestration on an in-memory zone: state files, stacking, value-level undo, waiting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxready.dns.zones import ZoneResolver
from inboxready.policy.apply import (
    ApplyConflict,
    NothingToRollBack,
    execute,
    prepare_apply,
    prepare_rollback,
    wait_until_visible,
)
from inboxready.policy.changes import RecordSet
from inboxready.policy.records import Plan
from tests.publish.memory import MemoryZone, planned

ZONE = """\
$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
@ TXT "v=spf1 -all"
@ TXT "google-site-verification=abc123"
"""


def plan_with(*records: tuple[str, str, str]) -> Plan:
    return Plan("example.com", tuple(planned(n, t, v) for n, t, v in records))


async def test_apply_saves_state_and_rollbacks_stack(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    first = plan_with(("example.com", "TXT", "v=spf1 include:a.example.net -all"))
    second = plan_with(("example.com", "TXT", "v=spf1 include:b.example.net -all"),
                       ("_dmarc.example.com", "TXT", "v=DMARC1; p=none"))
    await execute(await prepare_apply(first, zone, "mem"), zone, tmp_path)
    state = await execute(await prepare_apply(second, zone, "mem"), zone, tmp_path)
    assert state is not None
    data = json.loads(state.read_text())
    assert data["target"] == "mem" and data["rolled_back_at"] is None and len(data["changes"]) == 2

    await execute(await prepare_rollback(zone, "mem", tmp_path), zone, tmp_path)
    assert zone.values("example.com", "TXT") == ["google-site-verification=abc123", "v=spf1 include:a.example.net -all"]
    assert zone.values("_dmarc.example.com", "TXT") == []
    assert json.loads(state.read_text())["rolled_back_at"]
    await execute(await prepare_rollback(zone, "mem", tmp_path), zone, tmp_path)
    assert zone.values("example.com", "TXT") == ["google-site-verification=abc123", "v=spf1 -all"]
    with pytest.raises(NothingToRollBack):
        await prepare_rollback(zone, "mem", tmp_path)


async def test_rollback_keeps_values_added_by_others(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    await execute(await prepare_apply(plan_with(("example.com", "TXT", "v=spf1 a -all")), zone, "mem"), zone, tmp_path)
    apex = zone.records[("example.com", "TXT")]
    zone.records[apex.key] = RecordSet(apex.name, "TXT", apex.ttl, (*apex.values, "new-token=42"))
    await execute(await prepare_rollback(zone, "mem", tmp_path), zone, tmp_path)
    assert zone.values("example.com", "TXT") == ["google-site-verification=abc123", "new-token=42", "v=spf1 -all"]


async def test_rollback_refuses_when_our_value_was_changed(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    await execute(await prepare_apply(plan_with(("example.com", "TXT", "v=spf1 a -all")), zone, "mem"), zone, tmp_path)
    zone.records[("example.com", "TXT")] = RecordSet("example.com", "TXT", 300, ("v=spf1 mx -all",))
    undo = await prepare_rollback(zone, "mem", tmp_path)
    assert undo.changeset.changes == ()
    assert [f.code for f in undo.changeset.conflicts] == ["apply-conflict"]


async def test_execute_refuses_after_drift_and_writes_nothing(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    prepared = await prepare_apply(plan_with(("example.com", "TXT", "v=spf1 a -all")), zone, "mem")
    zone.records[("example.com", "TXT")] = RecordSet("example.com", "TXT", 300, ("v=spf1 mx -all",))
    with pytest.raises(ApplyConflict):
        await execute(prepared, zone, tmp_path)
    assert zone.writes == [] and not (tmp_path / ".inboxready").exists()


async def test_damaged_state_file_is_one_clear_error(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    (tmp_path / ".inboxready").mkdir()
    (tmp_path / ".inboxready" / "rollback-example.com-20260101T000000000000Z.json").write_text("{not json")
    with pytest.raises(Exception, match="cannot read the rollback state"):
        await prepare_rollback(zone, "mem", tmp_path)


async def test_wait_until_visible_times_out_with_a_finding(tmp_path: Path) -> None:
    zone = MemoryZone("example.com", ZONE)
    prepared = await prepare_apply(plan_with(("example.com", "TXT", "v=spf1 a -all")), zone, "mem")
    stale = ZoneResolver.from_text(ZONE, "example.com")  # a server that never shows the change
    ticks = iter(range(100))
    result = await wait_until_visible(prepared.changeset.changes, lambda: stale, timeout=3, interval=0,
                                      clock=lambda: float(next(ticks)))
    assert not result.visible and result.pending == ("example.com TXT",)
    assert [f.code for f in result.findings] == ["apply-not-visible"]
    await execute(prepared, zone, tmp_path)
    fresh = ZoneResolver.from_text(ZONE.replace('"v=spf1 -all"', '"v=spf1 a -all"'), "example.com")
    assert (await wait_until_visible(prepared.changeset.changes, lambda: fresh, timeout=3)).visible
