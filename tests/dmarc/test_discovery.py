"""DMARC policy discovery (RFC 7489 6.6.3, RFC 9989 4.10.1) on the fixture zones and the OpenDMARC
corpus zone; the same cases run on the live path in test_live.py."""

from __future__ import annotations

import pytest

from inboxready.dmarc import DmarcMode, Policy, analyze_dmarc, discover_dmarc
from inboxready.dns import CountingResolver, ServFail, ZoneResolver
from inboxready.findings import Severity
from tests.dmarc.conftest import OPENDMARC_ORIGIN, FailingResolver

R7489, BIS = DmarcMode.RFC7489, DmarcMode.DMARCBIS

# (domain, mode, record found at, mechanism, organizational domain, applied tag, applied policy)
DISCOVERY_CASES = [
    ("dmarc-good.example", R7489, "dmarc-good.example", "direct", "dmarc-good.example", "p", "reject"),
    ("dmarc-good.example", BIS, "dmarc-good.example", "direct", "dmarc-good.example", "p", "reject"),
    (
        "shop.dmarc-good.example",
        R7489,
        "dmarc-good.example",
        "organizational-domain",
        "dmarc-good.example",
        "p",
        "reject",
    ),
    ("shop.dmarc-good.example", BIS, "dmarc-good.example", "tree-walk", "dmarc-good.example", "p", "reject"),
    # sp for existing subdomains, np (RFC 9989 only) for names that do not exist
    (
        "www.dmarc-subpolicy.example",
        R7489,
        "dmarc-subpolicy.example",
        "organizational-domain",
        "dmarc-subpolicy.example",
        "sp",
        "quarantine",
    ),
    (
        "nx.dmarc-subpolicy.example",
        R7489,
        "dmarc-subpolicy.example",
        "organizational-domain",
        "dmarc-subpolicy.example",
        "sp",
        "quarantine",
    ),
    (
        "nx.dmarc-subpolicy.example",
        BIS,
        "dmarc-subpolicy.example",
        "tree-walk",
        "dmarc-subpolicy.example",
        "np",
        "reject",
    ),
    (
        "www.dmarc-subpolicy.example",
        BIS,
        "dmarc-subpolicy.example",
        "tree-walk",
        "dmarc-subpolicy.example",
        "sp",
        "quarantine",
    ),
    # RFC 7489 always lands on the PSL's registrable domain; the RFC 9989 walk honours psd=n / psd=y
    (
        "a.b.dept.dmarc-walk.example",
        R7489,
        "dmarc-walk.example",
        "organizational-domain",
        "dmarc-walk.example",
        "p",
        "quarantine",
    ),
    (
        "a.b.dept.dmarc-walk.example",
        BIS,
        "dept.dmarc-walk.example",
        "tree-walk",
        "dept.dmarc-walk.example",
        "p",
        "reject",
    ),
    (
        "a.b.c.d.e.f.g.dept.dmarc-walk.example",
        BIS,
        "dept.dmarc-walk.example",
        "tree-walk",
        "dept.dmarc-walk.example",
        "p",
        "reject",
    ),
    (
        "www.customer1.registry.dmarc-walk.example",
        BIS,
        "registry.dmarc-walk.example",
        "public-suffix-domain",
        "customer1.registry.dmarc-walk.example",
        "p",
        "none",
    ),
    (
        "mail.customer2.registry.dmarc-walk.example",
        BIS,
        "customer2.registry.dmarc-walk.example",
        "tree-walk",
        "customer2.registry.dmarc-walk.example",
        "p",
        "reject",
    ),
    # a record on a psd=u subdomain does not apply to names below it: the Organizational Domain's does
    ("a.team.dmarc-walk.example", BIS, "dmarc-walk.example", "tree-walk", "dmarc-walk.example", "p", "quarantine"),
    ("nope.dmarc-walk.example", BIS, "dmarc-walk.example", "tree-walk", "dmarc-walk.example", "np", "reject"),
    (
        "nope.dmarc-walk.example",
        R7489,
        "dmarc-walk.example",
        "organizational-domain",
        "dmarc-walk.example",
        "p",
        "quarantine",
    ),
    # a malformed record at the domain is discarded; the Organizational Domain's applies
    (
        "lower.dmarc-broken.example",
        R7489,
        "dmarc-broken.example",
        "organizational-domain",
        "dmarc-broken.example",
        "p",
        "none",
    ),
]


@pytest.mark.parametrize(("domain", "mode", "at", "mechanism", "org", "tag", "policy"), DISCOVERY_CASES)
async def test_discovery_on_fixture_zones(
    zones: ZoneResolver, domain: str, mode: DmarcMode, at: str, mechanism: str, org: str, tag: str, policy: str
) -> None:
    found = await discover_dmarc(zones, domain, mode)
    assert found.record is not None
    assert (found.policy_domain, found.found_at, found.mechanism) == (at, f"_dmarc.{at}", mechanism)
    assert found.organizational_domain == org
    assert (found.policy_tag, found.applied_policy) == (tag, Policy(policy))
    assert found.unchecked == ()


async def test_ten_label_walk_skips_to_seven_labels(zones: ZoneResolver) -> None:
    found = await discover_dmarc(zones, "a.b.c.d.e.f.g.dept.dmarc-walk.example", BIS)
    assert found.queried == (
        "_dmarc.a.b.c.d.e.f.g.dept.dmarc-walk.example",
        "_dmarc.d.e.f.g.dept.dmarc-walk.example",
        "_dmarc.e.f.g.dept.dmarc-walk.example",
        "_dmarc.f.g.dept.dmarc-walk.example",
        "_dmarc.g.dept.dmarc-walk.example",
        "_dmarc.dept.dmarc-walk.example",
    )


@pytest.mark.parametrize("mode", list(DmarcMode))
async def test_missing_record(zones: ZoneResolver, mode: DmarcMode) -> None:
    found = await discover_dmarc(zones, "nothing-here.example", mode)
    assert found.record is None and found.mechanism is None and found.found_at is None
    [missing] = [f for f in found.findings if f.code == "dmarc-missing"]
    assert missing.severity is Severity.ERROR and missing.subject == "nothing-here.example"
    assert "_dmarc.nothing-here.example" in missing.fix


@pytest.mark.parametrize("mode", list(DmarcMode))
async def test_several_records_are_an_error_and_none_applies(zones: ZoneResolver, mode: DmarcMode) -> None:
    found = await discover_dmarc(zones, "dmarc-multi.example", mode)
    codes = {f.code for f in found.findings}
    assert codes == {"dmarc-multiple-records", "dmarc-missing"}
    [multiple] = [f for f in found.findings if f.code == "dmarc-multiple-records"]
    assert multiple.severity is Severity.ERROR
    assert len(multiple.data["records"]) == 2  # the unrelated TXT record is not counted
    assert found.discarded == {"_dmarc.dmarc-multi.example": tuple(multiple.data["records"])}


async def test_record_at_the_wrong_name(zones: ZoneResolver) -> None:
    found = await discover_dmarc(zones, "dmarc-wrongname.example")
    wrong = [f for f in found.findings if f.code == "dmarc-wrong-name"]
    assert sorted(f.subject for f in wrong) == ["dmarc-wrongname.example", "dmarc.dmarc-wrongname.example"]
    assert all(f.data["expected_name"] == "_dmarc.dmarc-wrongname.example" for f in wrong)
    assert any(f.code == "dmarc-missing" for f in found.findings)


async def test_rfc7489_does_not_fall_back_past_several_records() -> None:
    """RFC 7489 6.6.3: only an empty set leads to the Organizational Domain; RFC 9989 discards and walks."""
    zone = ZoneResolver.from_text(
        '$ORIGIN example.org.\n@ SOA ns h 1 2 3 4 5\n_dmarc TXT "v=DMARC1; p=reject"\n'
        '_dmarc.sub TXT "v=DMARC1; p=none"\n_dmarc.sub TXT "v=DMARC1; p=quarantine"\n'
    )
    legacy = await discover_dmarc(zone, "sub.example.org", R7489)
    assert legacy.record is None and legacy.queried == ("_dmarc.sub.example.org",)
    bis = await discover_dmarc(zone, "sub.example.org", BIS)
    assert bis.record is not None and bis.policy_domain == "example.org" and bis.mechanism == "tree-walk"
    assert "dmarc-multiple-records" in {f.code for f in bis.findings}


async def test_dns_failure_is_could_not_check_never_missing(zones: ZoneResolver) -> None:
    failing = FailingResolver(zones, fail={"_dmarc.dmarc-good.example"}, error=ServFail)
    for mode in DmarcMode:
        analysis = await analyze_dmarc(failing, "dmarc-good.example", mode)
        codes = {f.code for f in analysis.findings}
        assert "dmarc-missing" not in codes and "dns-lookup-failed" in codes
        assert analysis.unchecked and analysis.record is None


async def test_fallback_failure_is_not_reported_as_missing(zones: ZoneResolver) -> None:
    failing = FailingResolver(zones, fail={"_dmarc.dmarc-good.example"})
    for mode in DmarcMode:
        found = await discover_dmarc(failing, "shop.dmarc-good.example", mode)
        assert found.record is None and found.unchecked
        assert "dmarc-missing" not in {f.code for f in found.findings}


async def test_query_counts(zones: ZoneResolver) -> None:
    counted = CountingResolver(zones)
    await discover_dmarc(counted, "dmarc-good.example", R7489)
    # _dmarc.D, then the apex and dmarc.D for misplaced records
    assert len(counted.log) == 3
    counted = CountingResolver(zones)
    await discover_dmarc(counted, "shop.dmarc-good.example", BIS)
    # _dmarc.shop.D, _dmarc.D, _dmarc.example + the two diagnostic lookups; no name asked twice
    assert len(counted.log) == 5


# The OpenDMARC corpus zone: RFC 9989 answers from its comments, RFC 7489 from the PSL.
OPENDMARC_CASES = [
    ("direct.dmarcwalk", BIS, "direct.dmarcwalk", "direct", "reject"),
    ("sub.nopsd.dmarcwalk", BIS, "nopsd.dmarcwalk", "tree-walk", "quarantine"),
    ("sub.psdn.dmarcwalk", BIS, "psdn.dmarcwalk", "tree-walk", "reject"),
    ("leaf.mid.psdy.dmarcwalk", BIS, "psdy.dmarcwalk", "public-suffix-domain", "none"),
    ("d6.d5.d4.d3.d2.d1.eightlabel.dmarcwalk", BIS, "d3.d2.d1.eightlabel.dmarcwalk", "tree-walk", "reject"),
    ("multirecord.dmarcwalk", BIS, "dmarcwalk", "public-suffix-domain", "reject"),
    ("webhost", BIS, "", "tree-walk", "none"),
    ("direct.dmarcwalk", R7489, "direct.dmarcwalk", "direct", "reject"),
    ("sub.nopsd.dmarcwalk", R7489, "", "organizational-domain", "none"),
    ("leaf.mid.psdy.dmarcwalk", R7489, "", "organizational-domain", "none"),
    ("webhost", R7489, "", "organizational-domain", "none"),
]


@pytest.mark.parametrize(("name", "mode", "at", "mechanism", "policy"), OPENDMARC_CASES)
async def test_opendmarc_corpus_discovery(
    opendmarc: ZoneResolver, name: str, mode: DmarcMode, at: str, mechanism: str, policy: str
) -> None:
    found = await discover_dmarc(opendmarc, f"{name}.{OPENDMARC_ORIGIN}", mode)
    expected_at = f"{at}.{OPENDMARC_ORIGIN}" if at else OPENDMARC_ORIGIN
    assert (found.policy_domain, found.mechanism, found.applied_policy) == (expected_at, mechanism, Policy(policy))


async def test_opendmarc_multirecord_under_rfc7489_applies_nothing(opendmarc: ZoneResolver) -> None:
    found = await discover_dmarc(opendmarc, f"multirecord.dmarcwalk.{OPENDMARC_ORIGIN}", R7489)
    assert found.record is None
    assert {f.code for f in found.findings} == {"dmarc-multiple-records", "dmarc-missing"}


async def test_own_record_survives_a_failing_walk(zones: ZoneResolver) -> None:
    """RFC 9989: the domain's own record applies even when the walk above it cannot finish."""
    failing = FailingResolver(zones, fail={"_dmarc.example"})
    found = await discover_dmarc(failing, "dmarc-good.example", BIS)
    assert found.record is not None and found.mechanism == "direct"
    assert found.organizational_domain is None and found.unchecked


async def test_only_the_public_suffix_policy_applies(zones: ZoneResolver) -> None:
    """The PSD's record is not the domain owner's to fix: one warning that the domain has none."""
    analysis = await analyze_dmarc(zones, "www.customer1.registry.dmarc-walk.example", BIS)
    assert analysis.discovery.mechanism == "public-suffix-domain"
    [finding] = analysis.findings
    assert (finding.code, finding.severity) == ("dmarc-missing", Severity.WARNING)
    assert "_dmarc.customer1.registry.dmarc-walk.example" in finding.fix
    assert analysis.destinations == ()
