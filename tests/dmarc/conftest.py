"""Helpers for the DMARC tests: the dmarc-*.zone fixtures and zones built from corpus data."""

from __future__ import annotations

from pathlib import Path

import dns.name
import dns.rdatatype
import pytest
from publicsuffixlist import PublicSuffixList

from inboxready.dmarc import load_psl
from inboxready.dns import Answer, DnsError, Timeout, ZoneResolver, name_text, to_name, to_rdtype
from tests.services import corpus_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DMARC_ZONES = sorted((FIXTURES / "zones").glob("dmarc-*.zone"))
#: The OpenDMARC fragment is domain-agnostic; two labels make its 8-label case exactly 10 labels.
OPENDMARC_ORIGIN = "opendmarc.example"


@pytest.fixture(scope="session")
def zones() -> ZoneResolver:
    return ZoneResolver.from_files(DMARC_ZONES)


def opendmarc_zone_text() -> str:
    fragment = corpus_path("dmarc-records", "opendmarc", "test-dns.zone.inc").read_text(encoding="utf-8")
    head = f"$ORIGIN {OPENDMARC_ORIGIN}.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 900 604800 300\n"
    return head + fragment


@pytest.fixture(scope="session")
def opendmarc() -> ZoneResolver:
    return ZoneResolver.from_text(opendmarc_zone_text())


@pytest.fixture(scope="session")
def pinned_psl() -> PublicSuffixList:
    return load_psl(str(corpus_path("dmarc-records", "psl", "public_suffix_list.dat")))


class FailingResolver:
    """A resolver over another that answers the chosen names with a failure (no patching)."""

    def __init__(self, backend: ZoneResolver, fail: set[str], error: type[DnsError] = Timeout) -> None:
        self.backend = backend
        self.fail = fail
        self.error = error
        self.asked: list[str] = []

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        text = name_text(to_name(name))
        self.asked.append(text)
        if text in self.fail:
            raise self.error(text, to_rdtype(rdtype).name)
        return await self.backend.query(name, rdtype)
