"""Shared inputs for the policy tests: the demo organisation's policy and zones, and small helpers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from inboxready.demo import demo_dir, demo_zone_files
from inboxready.dns.zones import ZoneResolver, load_zone_file, parse_zone_text
from inboxready.policy.model import PolicyFile, load_policy, parse_policy
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.providers.catalog import Catalog, load_catalog

DEMO_POLICY = demo_dir() / "inboxready.yaml"
PROVIDER_ZONES = [p for p in demo_zone_files() if p.name != "acme.example.zone"]

#: Provider SPF data for small test policies (example.com), shaped like the demo's provider zones.
EXTRA_ZONE = """\
$ORIGIN example.net.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
_spf.fastmail TXT "v=spf1 ip4:192.0.2.0/24 ~all"
wide TXT "v=spf1 +all"
"""


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def demo_policy() -> PolicyFile:
    return load_policy(DEMO_POLICY)


@pytest.fixture(scope="session")
def provider_zones() -> ZoneResolver:
    return ZoneResolver.from_files(PROVIDER_ZONES)


@pytest.fixture(scope="session")
def demo_plan(demo_policy: PolicyFile, catalog: Catalog, provider_zones: ZoneResolver) -> Plan:
    return asyncio.run(make_plan(demo_policy, catalog, provider_zones))


def zones_with(*texts: str, files: list[Path] | None = None) -> ZoneResolver:
    """A ZoneResolver over the demo's provider zones plus zone texts (each with its own $ORIGIN)."""
    zones = [load_zone_file(p) for p in (files if files is not None else PROVIDER_ZONES)]
    zones += [parse_zone_text(t) for t in texts]
    return ZoneResolver(zones)


def policy(text: str, name: str = "inboxready.yaml") -> PolicyFile:
    return parse_policy(text, name)


def plan_for(text: str, catalog: Catalog, resolver: ZoneResolver | None = None) -> Plan:
    return asyncio.run(make_plan(policy(text), catalog, resolver or zones_with()))
