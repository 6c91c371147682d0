"""End to end against a real PowerDNS Authoritative server and its HTTP API, on loopback.

Acme's demo zone (its mistaken SPF, p=none DMARC, missing selectors, a key in testing mode, and
site verification tokens at the apex) is loaded into PowerDNS; the demo plan is applied through
octoDNS; the server is then asked over DNS (LiveResolver) and `diff` must be clean, the
verification tokens must still be there, a second apply must change nothing, and the rollback must
bring every old record back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns.cache import CachingResolver
from inboxready.dns.layered import LayeredResolver
from inboxready.dns.live import LiveResolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver
from inboxready.policy.apply import ApplyConflict, execute, prepare_apply, prepare_rollback, wait_until_visible
from inboxready.policy.diff import diff_plan
from inboxready.policy.model import PolicyFile, load_policy
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.policy.targets import OctodnsZone, TargetError, open_target
from inboxready.providers.catalog import Catalog, load_catalog
from tests.publish.conftest import DEMO_POLICY, DEMO_ZONE, PROVIDER_ZONES
from tests.publish.servers import API_KEY, PowerDns, free_port

VERIFICATION = "google-site-verification=q0Jm3kYI1c8t0tQvZrZ5r3m1dWkq6m9Q2l4b9iVYx2A"
KEY_ENV = "INBOXREADY_TEST_PDNS_KEY"


def write_policy(directory: Path, server: PowerDns) -> PolicyFile:
    path = directory / "inboxready.yaml"
    path.write_text(DEMO_POLICY.read_text() + f"""
targets:
  pdns:
    provider: powerdns
    zone: acme.example
    api_url: {server.api_url}
    nameserver: {server.nameserver}
    credentials: {{env: {KEY_ENV}}}
""")
    return load_policy(path)


@pytest.fixture
def acme(powerdns: PowerDns) -> PowerDns:
    powerdns.load_zone("acme.example", DEMO_ZONE.read_text())
    return powerdns


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def layered(server: PowerDns) -> Resolver:
    """Provider names from the demo's zone files; acme.example from the PowerDNS server (no cache)."""
    host, port = server.nameserver.split(":")
    return LayeredResolver(ZoneResolver.from_files(PROVIDER_ZONES), LiveResolver([(host, int(port))], timeout=2))


def live(server: PowerDns) -> Resolver:
    host, port = server.nameserver.split(":")
    return LiveResolver([(host, int(port))], timeout=2, retries=1)


async def setup(tmp_path: Path, server: PowerDns, catalog: Catalog) -> tuple[PolicyFile, Plan, OctodnsZone]:
    policy = write_policy(tmp_path, server)
    plan = await make_plan(policy, catalog, CachingResolver(layered(server)))
    zone = open_target("pdns", policy.policy.targets["pdns"], policy.base, {KEY_ENV: API_KEY})
    return policy, plan, zone


async def apex_txt(server: PowerDns) -> list[str]:
    resolver = live(server)
    try:
        return sorted((await resolver.query("acme.example", "TXT")).texts())
    finally:
        await resolver.aclose()  # type: ignore[attr-defined]


async def test_apply_diff_clean_idempotent_and_rollback(tmp_path: Path, acme: PowerDns, catalog: Catalog) -> None:
    before_api = acme.rrsets("acme.example")
    before_apex = await apex_txt(acme)
    policy, plan, zone = await setup(tmp_path, acme, catalog)
    assert (await diff_plan(plan, layered(acme))).to_fix  # the demo zone starts wrong

    prepared = await prepare_apply(plan, zone, "pdns")
    changes = {(c.name, c.type): c for c in prepared.changeset.changes}
    assert not prepared.changeset.conflicts
    apex = changes[("acme.example", "TXT")]
    assert VERIFICATION in apex.kept and "MS=ms48213977" in apex.kept
    assert [v for v in apex.removed if v.startswith("v=spf1")] and [v for v in apex.added if v.startswith("v=spf1")]
    assert changes[("k3._domainkey.acme.example", "CNAME")].action == "create"
    assert changes[("_dmarc.acme.example", "TXT")].action == "update"
    assert ("selector1._domainkey.acme.example", "CNAME") not in changes  # already right: untouched

    state_file = await execute(prepared, zone, policy.base, policy.path)
    assert state_file is not None and state_file.parent == tmp_path / ".inboxready"
    assert state_file.name.startswith("rollback-acme.example-")
    visible = await wait_until_visible(prepared.changeset.changes, lambda: live(acme), timeout=30)
    assert visible.visible, visible.pending

    result = await diff_plan(plan, layered(acme))  # asked over DNS, through LiveResolver
    assert not result.to_fix and not result.unchecked, [c.to_dict() for c in result.to_fix]
    apex_now = await apex_txt(acme)
    assert VERIFICATION in apex_now and "MS=ms48213977" in apex_now
    assert sum(v.startswith("v=spf1") for v in apex_now) == 1

    again = await prepare_apply(plan, zone, "pdns")  # applying twice changes nothing
    assert again.changeset.changes == ()
    assert await execute(again, zone, policy.base) is None
    assert len(list((tmp_path / ".inboxready").glob("*.json"))) == 1

    undo = await prepare_rollback(zone, "pdns", policy.base)
    assert {(c.name, c.type) for c in undo.changeset.changes} == set(changes)
    await execute(undo, zone, policy.base)
    visible = await wait_until_visible(undo.changeset.changes, lambda: live(acme), timeout=30)
    assert visible.visible, visible.pending
    assert await apex_txt(acme) == before_apex
    after_api = acme.rrsets("acme.example")
    after_api.pop(("acme.example", "SOA"))
    before_api.pop(("acme.example", "SOA"))
    assert after_api == before_api
    with pytest.raises(Exception, match="no applied changes to roll back"):
        await prepare_rollback(zone, "pdns", policy.base)


async def test_change_since_the_dry_run_is_a_conflict(tmp_path: Path, acme: PowerDns, catalog: Catalog) -> None:
    policy, plan, zone = await setup(tmp_path, acme, catalog)
    prepared = await prepare_apply(plan, zone, "pdns")
    acme.set_rrset("acme.example", "_dmarc.acme.example", "TXT", ['"v=DMARC1; p=quarantine"'])
    snapshot = acme.rrsets("acme.example")
    with pytest.raises(ApplyConflict) as raised:
        await execute(prepared, zone, policy.base)
    assert [f.code for f in raised.value.findings] == ["apply-conflict"]
    assert "_dmarc.acme.example" in raised.value.findings[0].subject
    assert acme.rrsets("acme.example") == snapshot  # nothing was written
    assert not (tmp_path / ".inboxready").exists()


async def test_cname_where_txt_is_planned_is_left_alone(tmp_path: Path, acme: PowerDns, catalog: Catalog) -> None:
    acme.set_rrset("acme.example", "_dmarc.acme.example", "TXT", [])
    acme.set_rrset("acme.example", "_dmarc.acme.example", "CNAME", ["acme.dmarc-vendor.example."])
    policy, plan, zone = await setup(tmp_path, acme, catalog)
    prepared = await prepare_apply(plan, zone, "pdns")
    assert [(f.code, f.data["name"]) for f in prepared.changeset.conflicts] == [
        ("apply-conflict", "_dmarc.acme.example")]
    assert "_dmarc.acme.example" not in prepared.changeset.names
    await execute(prepared, zone, policy.base)
    assert acme.rrsets("acme.example")[("_dmarc.acme.example", "CNAME")] == ["acme.dmarc-vendor.example."]
    assert ("_dmarc.acme.example", "TXT") not in acme.rrsets("acme.example")


async def test_wrong_api_key_and_dead_api_are_target_errors(tmp_path: Path, acme: PowerDns) -> None:
    policy = write_policy(tmp_path, acme)
    wrong = open_target("pdns", policy.policy.targets["pdns"], policy.base, {KEY_ENV: "not-the-key-7f3a"})
    with pytest.raises(TargetError, match="cannot read the zone") as raised:
        wrong.read()
    assert "not-the-key-7f3a" not in str(raised.value)
    dead = policy.policy.targets["pdns"].model_copy(update={"api_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(TargetError, match="cannot read the zone"):
        open_target("pdns", dead, policy.base, {KEY_ENV: API_KEY}).read()
