"""Fixtures for the SPF tests: the spf-*.zone fixture zones as an offline resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.dns.zones import ZoneResolver

ZONES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "zones").glob("spf-*.zone"))


@pytest.fixture(scope="session")
def spf_zones() -> ZoneResolver:
    return ZoneResolver.from_files(ZONES)
