"""Which values apply touches: only managed ones, CNAME rules, delegations, unsupported types, drift."""

from __future__ import annotations

from inboxready.policy.changes import compute_changes, drift
from tests.publish.memory import MemoryZone, planned

ZONE = """\
$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
@ 600 TXT "v=spf1 include:old.example.net -all"
@ TXT "google-site-verification=abc123"
@ TXT "MS=ms123"
_dmarc TXT "v=DMARC1; p=none"
_dmarc TXT "some-vendor-token"
s1._domainkey TXT "v=DKIM1; k=rsa; p=MIIBIjANBg"
sub NS ns.elsewhere.example.
legacy CNAME target.example.net.
www A 192.0.2.80
bounce MX 10 Feedback.Example.NET.
bounce MX 20 other.example.net.
"""
SPF = "v=spf1 include:new.example.net -all"


def compute(records: list, zone: MemoryZone | None = None):  # type: ignore[no-untyped-def]
    z = zone or MemoryZone("example.com", ZONE)
    return compute_changes(records, z.read(), "example.com", z.supports, "example.com")


def test_only_the_spf_value_is_replaced_and_other_txt_kept() -> None:
    result = compute([planned("example.com", "TXT", SPF)])
    (change,) = result.changes
    assert change.action == "update"
    assert change.removed == ("v=spf1 include:old.example.net -all",)
    assert change.added == (SPF,)
    assert set(change.kept) == {"google-site-verification=abc123", "MS=ms123"}
    assert change.after is not None and change.after.ttl == 300  # the live RRset TTL, not the plan's 3600
    assert [sign for sign, _ in change.diff_lines()] == ["-", "+", "=", "="]


def test_equivalent_values_are_not_rewritten() -> None:
    reordered = "v=spf1  +include:old.example.net -all"  # explicit + and spacing: the same record
    dmarc = "v=DMARC1;p=none;adkim=r"  # adkim=r is the default: same record
    result = compute([planned("example.com", "TXT", reordered), planned("_dmarc.example.com", "TXT", dmarc, "dmarc")])
    assert result.changes == ()


def test_a_second_spf_record_is_removed_but_tokens_stay() -> None:
    zone = MemoryZone("example.com", ZONE + '@ TXT "v=spf1 a -all"\n')
    (change,) = compute([planned("example.com", "TXT", SPF)], zone).changes
    assert sorted(change.removed) == ["v=spf1 a -all", "v=spf1 include:old.example.net -all"]
    assert sorted(change.after.values) == sorted([SPF, "google-site-verification=abc123", "MS=ms123"])  # type: ignore[union-attr]


def test_dmarc_name_keeps_its_other_value() -> None:
    (change,) = compute([planned("_dmarc.example.com", "TXT", "v=DMARC1; p=reject", "dmarc")]).changes
    assert change.kept == ("some-vendor-token",)


def test_cname_where_txt_is_planned_is_a_conflict() -> None:
    result = compute([planned("legacy.example.com", "TXT", SPF, "helo-spf")])
    assert result.changes == ()
    assert [f.code for f in result.conflicts] == ["apply-conflict"]
    assert "CNAME" in result.conflicts[0].message


def test_dkim_key_gives_way_to_the_planned_cname_deletions_first() -> None:
    result = compute([planned("s1._domainkey.example.com", "CNAME", "s1.dkim.example.net.", "dkim")])
    assert [(c.action, c.type) for c in result.changes] == [("delete", "TXT"), ("create", "CNAME")]


def test_other_data_where_a_cname_is_planned_is_a_conflict() -> None:
    result = compute([planned("www.example.com", "CNAME", "web.example.net.", "dkim")])
    assert result.changes == () and result.conflicts[0].data["holds"] == "A"


def test_names_below_a_delegation_are_conflicts() -> None:
    result = compute([planned("_dmarc.sub.example.com", "TXT", "v=DMARC1; p=reject", "dmarc")])
    assert result.changes == () and result.conflicts[0].data["delegation"] == "sub.example.com"


def test_unsupported_types_are_left_out() -> None:
    zone = MemoryZone("example.com", ZONE, supports={"TXT", "CNAME", "MX", "A", "NS"})
    result = compute([planned("example.com", "SPF", SPF, "spf-type99"), planned("example.com", "TXT", SPF)], zone)
    assert [c.type for c in result.changes] == ["TXT"]
    assert [f.code for f in result.conflicts] == ["apply-unsupported"]


def test_obsolete_type99_spf_is_deleted_unless_planned() -> None:
    zone = MemoryZone("example.com", ZONE + '@ SPF "v=spf1 -all"\n')
    result = compute([planned("example.com", "TXT", SPF)], zone)
    assert ("delete", "SPF") in [(c.action, c.type) for c in result.changes]
    kept = compute([planned("example.com", "TXT", SPF), planned("example.com", "SPF", SPF, "spf-type99")], zone)
    assert ("update", "SPF") in [(c.action, c.type) for c in kept.changes]


def test_mx_set_keeps_matching_values_and_drops_extra() -> None:
    (change,) = compute([planned("bounce.example.com", "MX", "10 feedback.example.net.", "mail-from")]).changes
    assert change.after is not None and change.after.values == ("10 feedback.example.net.",)
    assert change.removed == ("20 other.example.net.",)


def test_records_outside_the_zone_are_noted() -> None:
    result = compute([planned("example.net", "TXT", "v=DMARC1", "report-authorization")])
    assert result.changes == () and "not in zone example.com" in result.notes[0]


def test_drift_sees_changes_at_touched_names_only() -> None:
    zone = MemoryZone("example.com", ZONE)
    result = compute([planned("example.com", "TXT", SPF)], zone)
    zone.records[("www.example.com", "A")] = zone.records[("www.example.com", "A")].__class__(
        "www.example.com", "A", 300, ("192.0.2.81",))
    assert drift(result, zone.read()) == []
    apex = zone.records[("example.com", "TXT")]
    zone.records[apex.key] = apex.__class__(apex.name, "TXT", apex.ttl, (*apex.values, "new-token=1"))
    (finding,) = drift(result, zone.read())
    assert finding.code == "apply-conflict" and "changed since the dry run" in finding.message
    zone.records[("example.com", "CNAME")] = apex.__class__("example.com", "CNAME", 300, ("x.example.net.",))
    assert len(drift(result, zone.read())) == 2


def test_two_values_of_one_kind_at_a_name_are_a_conflict() -> None:
    result = compute([planned("k1._domainkey.example.com", "CNAME", "a.example.net.", "dkim"),
                      planned("k1._domainkey.example.com", "CNAME", "b.example.net.", "dkim")])
    assert result.changes == () and [f.code for f in result.conflicts] == ["apply-conflict"]
    keys = compute([planned("s1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=AAAA", "dkim"),
                    planned("s1._domainkey.example.com", "TXT", "v=DKIM1; k=rsa; p=BBBB", "dkim")])
    assert keys.changes == () and "only one can be published" in keys.conflicts[0].message
