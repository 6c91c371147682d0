"""End to end with RFC 2136 dynamic update (and RFC 5936 zone transfer to read) against Knot DNS,
both signed with a TSIG key (RFC 8945) read from a credentials file."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns.cache import CachingResolver
from inboxready.dns.layered import LayeredResolver
from inboxready.dns.live import LiveResolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver
from inboxready.errors import InputError
from inboxready.policy.apply import execute, prepare_apply, prepare_rollback, wait_until_visible
from inboxready.policy.diff import diff_plan
from inboxready.policy.model import load_policy
from inboxready.policy.plan import make_plan
from inboxready.policy.targets import open_target
from inboxready.providers.catalog import load_catalog
from tests.publish.conftest import DEMO_POLICY, PROVIDER_ZONES
from tests.publish.servers import Knot

#: octodns-bind 1.1 still uses octoDNS APIs that octoDNS 1.22 deprecates (Rr, record.rrs); the
#: warnings are octoDNS's own business (ignored by Python's default filters outside tests).
pytestmark = [pytest.mark.filterwarnings("ignore:`Rr` is DEPRECATED:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:.*rrs.*DEPRECATED:DeprecationWarning")]

VERIFICATION = "google-site-verification=q0Jm3kYI1c8t0tQvZrZ5r3m1dWkq6m9Q2l4b9iVYx2A"


def live(server: Knot) -> LiveResolver:
    return LiveResolver([("127.0.0.1", server.port)], timeout=2, retries=1)


def layered(server: Knot) -> Resolver:
    return LayeredResolver(ZoneResolver.from_files(PROVIDER_ZONES), live(server))


async def texts(server: Knot, name: str) -> list[str]:
    resolver = live(server)
    try:
        return sorted((await resolver.query(name, "TXT")).texts())
    finally:
        await resolver.aclose()


def policy_for(tmp_path: Path, server: Knot, key: str) -> Path:
    (tmp_path / "knot.key").write_text(key + "\n")
    path = tmp_path / "inboxready.yaml"
    path.write_text(DEMO_POLICY.read_text() + f"""
targets:
  knot:
    provider: rfc2136
    zone: acme.example
    nameserver: {server.nameserver}
    credentials: {{file: knot.key}}
""")
    return path


async def test_rfc2136_apply_then_rollback(tmp_path: Path, knot: Knot) -> None:
    before = {name: await texts(knot, name) for name in ("acme.example", "_dmarc.acme.example")}
    policy = load_policy(policy_for(tmp_path, knot, knot.tsig))
    plan = await make_plan(policy, load_catalog(), CachingResolver(layered(knot)))
    zone = open_target("knot", policy.policy.targets["knot"], policy.base)

    prepared = await prepare_apply(plan, zone, "knot")
    assert prepared.changeset.changes and not prepared.changeset.conflicts
    await execute(prepared, zone, policy.base)
    assert (await wait_until_visible(prepared.changeset.changes, lambda: live(knot), timeout=30)).visible
    result = await diff_plan(plan, layered(knot))
    assert not result.to_fix and not result.unchecked, [c.to_dict() for c in result.to_fix]
    assert VERIFICATION in await texts(knot, "acme.example")
    assert (await prepare_apply(plan, zone, "knot")).changeset.changes == ()

    undo = await prepare_rollback(zone, "knot", policy.base)
    await execute(undo, zone, policy.base)
    assert (await wait_until_visible(undo.changeset.changes, lambda: live(knot), timeout=30)).visible
    assert {name: await texts(knot, name) for name in before} == before


async def test_wrong_tsig_key_is_refused(tmp_path: Path, knot: Knot) -> None:
    policy = load_policy(policy_for(tmp_path, knot, "hmac-sha256:inboxready-test:d3Jvbmcgc2VjcmV0"))
    zone = open_target("knot", policy.policy.targets["knot"], policy.base)
    with pytest.raises(Exception, match="cannot read the zone") as raised:
        zone.read()
    assert "d3Jvbmcgc2VjcmV0" not in str(raised.value)


def test_credentials_file_must_exist(tmp_path: Path, knot: Knot) -> None:
    path = policy_for(tmp_path, knot, knot.tsig)
    (tmp_path / "knot.key").unlink()
    policy = load_policy(path)
    with pytest.raises(InputError, match="cannot read the target credentials file"):
        open_target("knot", policy.policy.targets["knot"], policy.base)
