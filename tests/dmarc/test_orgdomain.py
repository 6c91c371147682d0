"""Organizational Domain: RFC 7489 3.2 (Public Suffix List) with the PSL project's test vectors, and
the RFC 9989 4.10 DNS tree walk with the RFC's own examples and the OpenDMARC corpus zone."""

from __future__ import annotations

import re

import pytest
from publicsuffixlist import PublicSuffixList

from inboxready.dmarc import (
    DmarcMode,
    organizational_domain_or_self,
    psl_organizational_domain,
    tree_walk,
    walk_organizational_domain,
    walk_targets,
)
from inboxready.dmarc.orgdomain import one_label_below
from inboxready.dns import CountingResolver, ZoneResolver
from tests.dmarc.conftest import OPENDMARC_ORIGIN, FailingResolver
from tests.services import corpus_path

Vector = tuple[str | None, str | None]


def _null(text: str) -> str | None:
    return None if text == "null" else text


def plain_vectors() -> list[Vector]:
    """tests.txt: 'input expected' per line, null for none; '//' starts a comment."""
    lines = corpus_path("dmarc-records", "psl", "tests.txt").read_text(encoding="utf-8").splitlines()
    out: list[Vector] = []
    for line in lines:
        if not line.strip() or line.startswith("//"):
            continue
        given, expected = line.split()
        out.append((_null(given), _null(expected)))
    return out


def js_vectors() -> list[Vector]:
    """test_psl.txt: checkPublicSuffix('input', 'expected'); with null for none."""
    text = corpus_path("dmarc-records", "psl", "test_psl.txt").read_text(encoding="utf-8")
    pattern = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);", re.MULTILINE)
    return [(_null(a.strip("'")), _null(b.strip("'"))) for a, b in pattern.findall(text)]


def test_both_vector_files_are_read_completely() -> None:
    plain, js = plain_vectors(), js_vectors()
    assert len(plain) >= 70 and len(js) >= 70
    assert set(plain) == set(js)  # the two files hold the same vectors


def test_psl_vectors_with_the_pinned_list(pinned_psl: PublicSuffixList) -> None:
    failures = [(g, e, psl_organizational_domain(g, pinned_psl)) for g, e in js_vectors()]
    assert [f for f in failures if f[1] != f[2]] == []


def test_psl_vectors_with_the_bundled_list() -> None:
    """The list shipped with publicsuffixlist (what runs offline in production) passes them too."""
    failures = [(g, e, psl_organizational_domain(g)) for g, e in plain_vectors()]
    assert [f for f in failures if f[1] != f[2]] == []


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("a.b.c.d.example.com", "example.com"),  # RFC 7489 3.2's example
        ("mail.example.co.uk", "example.co.uk"),
        ("example.com.", "example.com"),
        ("EXAMPLE.com", "example.com"),
        ("co.uk", None),
        ("", None),
        ("a..example.com", None),
    ],
)
def test_psl_organizational_domain(domain: str, expected: str | None) -> None:
    assert psl_organizational_domain(domain) == expected


def test_org_domain_or_self_for_public_suffixes_and_idn() -> None:
    assert organizational_domain_or_self("co.uk") == "co.uk"
    assert organizational_domain_or_self("www.食狮.公司.cn") == "xn--85x722f.xn--55qx5d.cn"


@pytest.mark.parametrize(
    ("domain", "targets"),
    [
        ("a.mail.example.com", ["a.mail.example.com", "mail.example.com", "example.com", "com"]),
        ("example.com", ["example.com", "com"]),
        ("com", ["com"]),
        # RFC 9989 4.10: eight or more labels are cut to seven before the walk goes on.
        (
            "a.b.c.d.e.f.g.h.i.j.mail.example.com",
            [
                "a.b.c.d.e.f.g.h.i.j.mail.example.com",
                "g.h.i.j.mail.example.com",
                "h.i.j.mail.example.com",
                "i.j.mail.example.com",
                "j.mail.example.com",
                "mail.example.com",
                "example.com",
                "com",
            ],
        ),
        (
            "h.g.f.e.d.c.b.a",
            ["h.g.f.e.d.c.b.a", "g.f.e.d.c.b.a", "f.e.d.c.b.a", "e.d.c.b.a", "d.c.b.a", "c.b.a", "b.a", "a"],
        ),
    ],
)
def test_walk_targets(domain: str, targets: list[str]) -> None:
    assert walk_targets(domain) == targets
    assert len(walk_targets(domain)) <= 8


def test_one_label_below() -> None:
    assert one_label_below("bank.example", "mail.giant.bank.example") == "giant.bank.example"
    assert one_label_below("example", "giant.bank.example") == "bank.example"


#: RFC 9989's examples, with example.com moved under the zone "example." (example.com.example).
RFC_EXAMPLES = """$ORIGIN example.
$TTL 300
@ SOA ns hostmaster 1 3600 600 86400 60
_dmarc.example.com          TXT "v=DMARC1; p=reject"
_dmarc.signing.example.com  TXT "v=DMARC1; p=none"
_dmarc.mail.example.com     TXT "v=DMARC1; p=quarantine"
_dmarc.dept.example.com     TXT "v=DMARC1; p=reject; psd=n"
_dmarc.bank                 TXT "v=DMARC1; p=none; psd=y"
_dmarc.giant.bank           TXT "v=DMARC1; p=reject"
"""


@pytest.fixture(scope="module")
def rfc_zone() -> ZoneResolver:
    return ZoneResolver.from_text(RFC_EXAMPLES)


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        # RFC 9989 appendix examples (with example.com moved under the zone "example.")
        ("example.com.example", "example.com.example"),
        ("signing.example.com.example", "example.com.example"),
        ("a.mail.example.com.example", "example.com.example"),
        ("a.b.c.d.e.f.g.h.i.j.k.example.com.example", "example.com.example"),
        ("giant.bank.example", "giant.bank.example"),
        ("mail.giant.bank.example", "giant.bank.example"),
        ("mail.mega.bank.example", "mega.bank.example"),
        ("x.dept.example.com.example", "dept.example.com.example"),
        ("nothing.example", "nothing.example"),
    ],
)
async def test_tree_walk_organizational_domain(rfc_zone: ZoneResolver, domain: str, org: str) -> None:
    assert await walk_organizational_domain(rfc_zone, domain) == org


async def test_psd_at_the_start_does_not_make_its_child_the_org(rfc_zone: ZoneResolver) -> None:
    walk = await tree_walk(rfc_zone, "bank.example")
    assert walk.queried == ["_dmarc.bank.example"]  # psd=y stops the walk at once
    assert walk.organizational_domain == "bank.example"


async def test_walk_stops_at_psd_and_counts_queries(rfc_zone: ZoneResolver) -> None:
    counted = CountingResolver(rfc_zone)
    walk = await tree_walk(counted, "x.dept.example.com.example")
    assert walk.queried == ["_dmarc.x.dept.example.com.example", "_dmarc.dept.example.com.example"]
    assert len(counted.log) == 2


# The OpenDMARC fixture's comments give the RFC 9989 answers; its "rfc7489" column describes
# OpenDMARC's label-stripping mode, which is not RFC 7489 (that uses the PSL: the "psl" column).
OPENDMARC_WALKS = [
    ("direct.dmarcwalk", "direct.dmarcwalk", 2),
    ("sub.nopsd.dmarcwalk", "nopsd.dmarcwalk", 3),
    ("sub.psdn.dmarcwalk", "psdn.dmarcwalk", 2),
    ("leaf.mid.psdy.dmarcwalk", "mid.psdy.dmarcwalk", 3),
    # 10 labels: the walk's second query is already the 7-label name with psd=n
    ("d6.d5.d4.d3.d2.d1.eightlabel.dmarcwalk", "d3.d2.d1.eightlabel.dmarcwalk", 2),
    # two records at the start are discarded; psd=y one level up makes the start the org
    ("multirecord.dmarcwalk", "multirecord.dmarcwalk", 2),
]


@pytest.mark.parametrize(("name", "org", "queries"), OPENDMARC_WALKS)
async def test_opendmarc_corpus_walks(opendmarc: ZoneResolver, name: str, org: str, queries: int) -> None:
    domain = f"{name}.{OPENDMARC_ORIGIN}"
    counted = CountingResolver(opendmarc)
    walk = await tree_walk(counted, domain)
    assert walk.organizational_domain == f"{org}.{OPENDMARC_ORIGIN}"
    assert len(walk.queried) == queries == len(counted.log)
    # RFC 7489 takes the registrable domain from the PSL instead.
    assert psl_organizational_domain(domain) == OPENDMARC_ORIGIN


async def test_walk_reports_a_dns_failure_instead_of_guessing() -> None:
    resolver = FailingResolver(ZoneResolver.from_text(RFC_EXAMPLES), fail={"_dmarc.example"})
    walk = await tree_walk(resolver, "a.bank.example", DmarcMode.DMARCBIS)
    assert walk.failure is None  # psd=y at bank.example stopped it before example
    walk = await tree_walk(resolver, "a.other.example", DmarcMode.DMARCBIS)
    assert walk.failure is not None and walk.queried[-1] == "_dmarc.example"
    with pytest.raises(type(walk.failure)):
        await walk_organizational_domain(resolver, "a.other.example")
