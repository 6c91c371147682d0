"""Helpers for the DKIM tests: fixture zones and keys, and zones built from corpus DNS data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from inboxready.dkim.keys import SigningKey, load_signing_key, split_txt
from inboxready.dns import ZoneResolver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DKIM_ZONES = sorted((FIXTURES / "zones").glob("dkim-*.zone"))

MESSAGE = (
    b"From: Alice <alice@dkim-acme.example>\r\n"
    b"To: Bob <bob@example.net>\r\n"
    b"Subject: Quarterly numbers\r\n"
    b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <1@dkim-acme.example>\r\n"
    b"\r\n"
    b"Hello Bob,\r\n\r\nthe numbers are attached.\r\n"
)


def fixture_key(name: str) -> SigningKey:
    return load_signing_key((FIXTURES / "dkim" / name).read_bytes())


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    """The RSA-2048 test key published at rsa2048._domainkey.dkim-acme.example."""
    return fixture_key("rsa2048.pem")


@pytest.fixture(scope="session")
def ed_key() -> SigningKey:
    """The Ed25519 test key published at ed._domainkey.dkim-acme.example."""
    return fixture_key("ed25519.pem")


@pytest.fixture
def zones() -> ZoneResolver:
    return ZoneResolver.from_files(DKIM_ZONES)


def zone_from_txt(records: Iterable[tuple[str, list[str]]]) -> ZoneResolver:
    """A root zone holding TXT records given as (absolute name, character-strings)."""
    lines = ["$ORIGIN .", "@ 300 IN SOA ns. hostmaster. 1 3600 600 86400 60"]
    for name, strings in records:
        parts = [piece for s in strings for piece in split_txt(s)]
        lines.append(f"{name.rstrip('.')}. 300 IN TXT " + " ".join(f'"{p}"' for p in parts))
    return ZoneResolver.from_text("\n".join(lines) + "\n")
