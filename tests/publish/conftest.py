"""Fixtures of the publish tests: a real PowerDNS (HTTP API) and Knot (RFC 2136) on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from inboxready.demo import demo_dir, demo_zone_files
from tests.publish.servers import KNOTD, PDNS_SCHEMAS, PDNS_SERVER, Knot, PowerDns
from tests.services import require

S = TypeVar("S", PowerDns, Knot)

DEMO_POLICY = demo_dir() / "inboxready.yaml"
DEMO_ZONE = next(p for p in demo_zone_files() if p.name == "acme.example.zone")
#: The providers' zones (SPF includes, DKIM targets) answered from files; acme.example comes from the server.
PROVIDER_ZONES = [p for p in demo_zone_files() if p.name not in ("acme.example.zone", "messages.acme.example.zone")]


def _running(server: S) -> Iterator[S]:
    """Start a test server for a fixture; one that fails to start skips (fails under CI=true)."""
    try:
        server.start()
    except RuntimeError as exc:
        server.stop()
        require(False, str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def powerdns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PowerDns]:
    require(os.path.exists(PDNS_SERVER) and any(p.exists() for p in PDNS_SCHEMAS),
            "PowerDNS not installed (Debian packages pdns-server, pdns-backend-sqlite3)")
    yield from _running(PowerDns(tmp_path_factory.mktemp("pdns")))


@pytest.fixture
def knot(tmp_path: Path) -> Iterator[Knot]:
    require(os.path.exists(KNOTD), "Knot DNS not installed (Debian package knot)")
    server = Knot(tmp_path / "knot", "acme.example", DEMO_ZONE.read_text())
    server.directory.mkdir()
    yield from _running(server)
