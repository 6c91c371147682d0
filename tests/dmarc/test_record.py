"""DMARC record parser and validator: RFC 7489 sections 6.3-6.4, RFC 9989 section 4.7."""

from __future__ import annotations

import dns.rdatatype
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxready.dmarc import (
    AlignmentMode,
    DmarcMode,
    FailureOption,
    Policy,
    PsdFlag,
    is_dmarc_record,
    looks_like_dmarc,
    parse_dmarc_record,
)
from inboxready.dns import parse_zone_text
from inboxready.findings import Severity
from tests.dmarc.conftest import opendmarc_zone_text

R7489, BIS = DmarcMode.RFC7489, DmarcMode.DMARCBIS


def codes(record_text: str, mode: DmarcMode = R7489) -> dict[str, Severity]:
    record = parse_dmarc_record(record_text, mode)
    return {f.code: f.severity for f in record.problems}


def test_full_rfc7489_record_parses_every_tag() -> None:
    text = (
        "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; pct=50; "
        "rua=mailto:agg@example.com!10m, mailto:other@example.net; ruf=mailto:fail@example.com; "
        "fo=1:d:s; rf=afrf; ri=3600"
    )
    record = parse_dmarc_record(text, R7489)
    assert record.valid and record.version_ok
    assert record.policy is Policy.QUARANTINE and record.subdomain_policy is Policy.REJECT
    assert record.adkim is AlignmentMode.STRICT and record.aspf is AlignmentMode.RELAXED
    assert record.pct == 50 and record.percent == 50 and record.ri == 3600 and record.rf == ("afrf",)
    assert record.fo == (FailureOption.ANY_FAIL, FailureOption.DKIM, FailureOption.SPF)
    assert [u.address for u in record.rua] == ["agg@example.com", "other@example.net"]
    assert record.rua[0].size_limit == "10m" and record.rua[0].max_bytes == 10 * 1024 * 1024
    assert [u.host for u in record.ruf] == ["example.com"]
    # pct, rf and ri are valid RFC 7489 tags; RFC 9989's removal is only a note.
    assert {f.code for f in record.problems} == {"dmarc-removed-tag"}
    assert all(f.severity is Severity.INFO for f in record.problems)


def test_defaults_when_tags_are_absent() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject", R7489)
    assert record.problems == ()
    assert record.effective_subdomain_policy is Policy.REJECT
    assert record.effective_nonexistent_policy is Policy.REJECT
    assert record.adkim is AlignmentMode.RELAXED and record.aspf is AlignmentMode.RELAXED
    assert record.percent == 100 and record.failure_options == (FailureOption.ALL_FAIL,)
    assert record.psd is PsdFlag.UNKNOWN and not record.testing
    policy = record.to_dict()
    assert policy["rf"] == ["afrf"] and policy["ri"] == 86400 and policy["fo"] == ["0"]
    assert policy["published"] == {"v": "DMARC1", "p": "reject"}


def test_dmarcbis_tags_np_psd_t() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject; sp=quarantine; np=none; psd=n; t=y", BIS)
    assert record.problems == ()
    assert record.nonexistent_policy is Policy.NONE and record.effective_nonexistent_policy is Policy.NONE
    assert record.psd is PsdFlag.NO and record.testing
    # RFC 7489 has no np: non-existent subdomains get sp.
    legacy = parse_dmarc_record("v=DMARC1; p=reject; sp=quarantine; np=none", R7489)
    assert legacy.effective_nonexistent_policy is Policy.QUARANTINE


@pytest.mark.parametrize(
    ("text", "mode", "expected", "corrected"),
    [
        # v must be first and exactly DMARC1 (case-sensitive), else the record is ignored.
        ("p=none; v=DMARC1", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        ("v=dmarc1; p=none", BIS, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        (
            "p=reject; rua=mailto:a@example.com",
            BIS,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=reject; rua=mailto:a@example.com",
        ),
        # p: REQUIRED and second in RFC 7489; RECOMMENDED, anywhere after v in RFC 9989.
        (
            "v=DMARC1; rua=mailto:a@example.com",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        (
            "v=DMARC1; rua=mailto:a@example.com",
            BIS,
            {"dmarc-syntax": Severity.WARNING},
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        ("v=DMARC1; sp=none; p=reject", R7489, {"dmarc-tag-order": Severity.WARNING}, "v=DMARC1; p=reject; sp=none"),
        ("v=DMARC1; sp=none; p=reject", BIS, {"dmarc-tag-order": Severity.INFO}, "v=DMARC1; p=reject; sp=none"),
        # values out of range, with the most likely intended value in the corrected record
        ("v=DMARC1; p=rejct", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject"),
        ("v=DMARC1; p=block", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        ("v=DMARC1; p=reject; sp=deny", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject"),
        ("v=DMARC1; p=reject; adkim=strict", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject; adkim=s"),
        ("v=DMARC1; p=reject; aspf=x", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject"),
        (
            "v=DMARC1; p=reject; pct=150",
            R7489,
            {"dmarc-syntax": Severity.ERROR, "dmarc-removed-tag": Severity.INFO},
            "v=DMARC1; p=reject",
        ),
        (
            "v=DMARC1; p=reject; pct=50%",
            R7489,
            {"dmarc-syntax": Severity.ERROR, "dmarc-removed-tag": Severity.INFO},
            "v=DMARC1; p=reject; pct=50",
        ),
        (
            "v=DMARC1; p=reject; ri=daily",
            R7489,
            {"dmarc-syntax": Severity.ERROR, "dmarc-removed-tag": Severity.INFO},
            "v=DMARC1; p=reject",
        ),
        (
            "v=DMARC1; p=reject; fo=1:x; ruf=mailto:f@example.com",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=reject; fo=1; ruf=mailto:f@example.com",
        ),
        ("v=DMARC1; p=reject; psd=maybe", BIS, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject"),
        ("v=DMARC1; p=reject; t=yes", BIS, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=reject; t=y"),
        # tags: unknown ones are ignored by receivers, repeated ones invalidate the tag-list
        ("v=DMARC1; p=none; foo=bar", R7489, {"dmarc-unknown-tag": Severity.WARNING}, "v=DMARC1; p=none"),
        (
            "v=DMARC1; p=none; rau=mailto:a@example.com",
            R7489,
            {"dmarc-unknown-tag": Severity.WARNING},
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        ("v=DMARC1; p=none; p=reject", R7489, {"dmarc-duplicate-tag": Severity.ERROR}, "v=DMARC1; p=none"),
        # separators
        ("v=DMARC1 p=none", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        (
            "v=DMARC1, p=none, rua=mailto:a@example.com",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        ("v=DMARC1;; p=none", R7489, {"dmarc-syntax": Severity.WARNING}, "v=DMARC1; p=none"),
        ("v=DMARC1; p", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        ("v=DMARC1; P=reject", R7489, {"dmarc-syntax": Severity.WARNING}, "v=DMARC1; p=reject"),
        # rua/ruf URIs
        (
            "v=DMARC1; p=none; rua=dmarc@example.com",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=none; rua=mailto:dmarc@example.com",
        ),
        (
            "v=DMARC1; p=none; rua=mailto:dmarc@example.com!10m",
            BIS,
            {"dmarc-syntax": Severity.WARNING},
            "v=DMARC1; p=none; rua=mailto:dmarc@example.com",
        ),
        ("v=DMARC1; p=none; rua=mailto:not-an-address", R7489, {"dmarc-syntax": Severity.ERROR}, "v=DMARC1; p=none"),
        (
            "v=DMARC1; p=none; rua=mailto:a@example.com mailto:b@example.org",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.org",
        ),
        (
            "v=DMARC1; p=none; rua=mailto:a@example.com,mailto:broken",
            R7489,
            {"dmarc-syntax": Severity.ERROR},
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        (
            "v=DMARC1; p=none; rua=https://reports.example.com/dmarc",
            R7489,
            {"dmarc-unsupported-uri": Severity.WARNING},
            "v=DMARC1; p=none; rua=https://reports.example.com/dmarc",
        ),
        # removed in RFC 9989: pct below 100 becomes t=y (its replacement), rf and ri are dropped
        ("v=DMARC1; p=reject; pct=25", BIS, {"dmarc-removed-tag": Severity.WARNING}, "v=DMARC1; p=reject; t=y"),
        (
            "v=DMARC1; p=reject; pct=100; rf=afrf; ri=86400",
            BIS,
            {"dmarc-removed-tag": Severity.WARNING},
            "v=DMARC1; p=reject",
        ),
    ],
)
def test_each_problem_is_a_finding_with_the_corrected_record(
    text: str, mode: DmarcMode, expected: dict[str, Severity], corrected: str
) -> None:
    record = parse_dmarc_record(text, mode, subject="_dmarc.example.com")
    assert {f.code: f.severity for f in record.problems} == expected
    assert record.corrected == corrected
    for finding in record.problems:
        assert finding.subject == "_dmarc.example.com"
        assert finding.data["corrected"] == corrected
        if finding.severity is not Severity.INFO or corrected != text:
            assert corrected in finding.fix
    # The corrected record has no errors left in the same mode.
    assert not parse_dmarc_record(corrected, mode).errors


@pytest.mark.parametrize(
    ("text", "policy", "effective"),
    [
        ("v=DMARC1; p=reject", Policy.REJECT, Policy.REJECT),
        # without a valid p (or with an invalid sp), receivers act as if p=none when rua is usable …
        ("v=DMARC1; rua=mailto:a@example.com", None, Policy.NONE),
        ("v=DMARC1; p=rejct; rua=mailto:a@example.com", None, Policy.NONE),
        ("v=DMARC1; p=reject; sp=never; rua=mailto:a@example.com", Policy.REJECT, Policy.NONE),
        # … and apply no DMARC otherwise (RFC 7489 6.6.3 step 6, RFC 9989 4.10.1)
        ("v=DMARC1; p=rejct", None, None),
        ("v=DMARC1; p=reject; sp=never", Policy.REJECT, None),
        ("v=DMARC2; p=reject", Policy.REJECT, None),
    ],
)
def test_effective_policy_follows_the_rfc_fallbacks(text: str, policy: Policy | None, effective: Policy | None) -> None:
    record = parse_dmarc_record(text, R7489)
    assert record.policy is policy
    assert record.effective_policy is effective
    if effective is None or not record.policy_valid:
        assert record.effective_subdomain_policy is effective


def test_an_invalid_np_only_matters_under_dmarcbis() -> None:
    text = "v=DMARC1; p=reject; np=never"
    assert parse_dmarc_record(text, R7489).effective_policy is Policy.REJECT
    assert parse_dmarc_record(text, BIS).effective_policy is None


def test_policy_for_picks_p_sp_or_np() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject; sp=quarantine; np=none", BIS)
    assert record.policy_for(is_policy_domain=True) == ("p", Policy.REJECT)
    assert record.policy_for(is_policy_domain=True, exists=False) == ("p", Policy.REJECT)
    assert record.policy_for(is_policy_domain=False) == ("sp", Policy.QUARANTINE)
    assert record.policy_for(is_policy_domain=False, exists=False) == ("np", Policy.NONE)
    only_p = parse_dmarc_record("v=DMARC1; p=quarantine", BIS)
    assert only_p.policy_for(is_policy_domain=False, exists=False) == ("p", Policy.QUARANTINE)
    legacy = parse_dmarc_record("v=DMARC1; p=reject; sp=quarantine; np=none", R7489)
    assert legacy.policy_for(is_policy_domain=False, exists=False) == ("sp", Policy.QUARANTINE)


def test_whitespace_around_tags_and_trailing_separator_are_allowed() -> None:
    record = parse_dmarc_record("v = DMARC1 ;\tp = reject ; rua = mailto:a@example.com , mailto:b@example.org ;")
    assert record.problems == () and record.version_ok
    assert len(record.rua) == 2


@pytest.mark.parametrize("text", [" v=DMARC1; p=reject", ";v=DMARC1; p=reject", "\tv=DMARC1; p=reject"])
def test_anything_before_v_makes_receivers_discard_the_record(text: str) -> None:
    record = parse_dmarc_record(text)
    assert {f.code: f.severity for f in record.problems} == {"dmarc-syntax": Severity.ERROR}
    assert not record.version_ok and record.effective_policy is None
    assert record.corrected == "v=DMARC1; p=reject"


def test_empty_and_garbage_input_never_raises() -> None:
    for text in ("", ";", "=", "v=", "\x00", "v=DMARC1; p=\u00e9", "v=DMARC1;;;;", "a=b=c"):
        record = parse_dmarc_record(text)
        assert record.problems  # something is always said
        assert not record.valid


def test_record_selection_as_receivers_do() -> None:
    assert is_dmarc_record("v=DMARC1; p=none")
    assert is_dmarc_record("v=DMARC1")
    assert is_dmarc_record("v = DMARC1;p=none")
    assert not is_dmarc_record("v=DMARC1x; p=none")
    assert is_dmarc_record("V=DMARC1; p=none")  # "v" is an ABNF literal: case-insensitive
    assert not is_dmarc_record("v=dmarc1; p=none")
    assert not is_dmarc_record("p=none; v=DMARC1")
    assert not is_dmarc_record(" v=DMARC1; p=none")
    assert not is_dmarc_record("v=spf1 -all")
    for meant in ("V=dmarc1; p=none", "p=none; v=DMARC1", " v=DMARC1", "v=Dmarc1"):
        assert looks_like_dmarc(meant)
    assert not looks_like_dmarc("v=spf1 include:_spf.example.com -all")


def test_every_record_in_the_opendmarc_zone() -> None:
    """The OpenDMARC fixture's DMARC records are all valid, with the psd flags its comments name."""
    seen: dict[str, str] = {}
    for owner, _ttl, rdata in parse_zone_text(opendmarc_zone_text()).iterate_rdatas(dns.rdatatype.TXT):
        if b"_dmarc" not in owner.labels:
            continue
        text = b"".join(rdata.strings).decode()  # type: ignore[attr-defined]
        assert is_dmarc_record(text), text
        seen[owner.to_text(omit_final_dot=True)] = text
    authorization = seen.pop("*._report._dmarc.opendmarc.example")
    assert authorization == "v=DMARC1"  # a report authorization, not a policy record
    assert len(seen) >= 7
    for owner_name, text in seen.items():
        for mode in DmarcMode:
            record = parse_dmarc_record(text, mode)
            assert record.version_ok and not record.errors, (owner_name, record.problems)
    psd = {n.split(".")[1]: parse_dmarc_record(t, DmarcMode.DMARCBIS).psd for n, t in seen.items()}
    assert psd["dmarcwalk"] is PsdFlag.YES
    assert psd["psdy"] is PsdFlag.YES
    assert psd["psdn"] is PsdFlag.NO
    assert psd["nopsd"] is PsdFlag.UNKNOWN
    assert psd["d3"] is PsdFlag.NO


_TAG_FRAGMENTS = st.sampled_from(
    [
        "v=DMARC1",
        "v=dmarc1",
        "p=none",
        "p=reject",
        "p=rejct",
        "P=quarantine",
        "sp=none",
        "sp=x",
        "np=reject",
        "adkim=s",
        "adkim=strict",
        "aspf=q",
        "pct=50",
        "pct=abc",
        "pct=1000",
        "fo=1:d",
        "fo=z",
        "rf=afrf",
        "rf=iodef",
        "ri=3600",
        "ri=-1",
        "psd=y",
        "psd=q",
        "t=y",
        "t=maybe",
        "rua=mailto:a@example.com",
        "rua=a@example.com",
        "rua=mailto:a@example.com!5m",
        "ruf=mailto:broken",
        "rua=https://x.example/r",
        "foo=bar",
        "rau=mailto:b@example.org",
        "p",
        "",
        " ",
        "=x",
        "v=DMARC1 p=none",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TAG_FRAGMENTS, max_size=8), st.sampled_from(list(DmarcMode)))
def test_corrected_record_is_clean_and_stable(fragments: list[str], mode: DmarcMode) -> None:
    """Whatever is published, the corrected record parses without errors, and correcting it again
    changes nothing."""
    record = parse_dmarc_record("; ".join(fragments), mode)
    fixed = parse_dmarc_record(record.corrected, mode)
    assert fixed.version_ok and fixed.policy is not None
    assert not fixed.errors, (record.corrected, fixed.problems)
    assert not [f for f in fixed.problems if f.code in ("dmarc-syntax", "dmarc-duplicate-tag", "dmarc-unknown-tag")]
    assert fixed.corrected == record.corrected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(text: str) -> None:
    for mode in DmarcMode:
        record = parse_dmarc_record(text, mode)
        assert isinstance(record.corrected, str)
        assert record.valid == (record.version_ok and not record.errors)


def test_partial_pct_becomes_t_only_in_the_corrected_record() -> None:
    record = parse_dmarc_record("v=DMARC1; p=reject; pct=25", BIS)
    assert not record.testing and record.percent == 100  # what is published: RFC 9989 ignores pct
    assert record.corrected == "v=DMARC1; p=reject; t=y"
    published_t = parse_dmarc_record("v=DMARC1; p=reject; pct=25; t=n", BIS)
    assert published_t.corrected == "v=DMARC1; p=reject; t=n"
    assert {f.code for f in published_t.problems} == {"dmarc-removed-tag"}


def test_repaired_uris_are_in_the_corrected_record_only() -> None:
    """Receivers cannot use 'dmarc@example.com' (no scheme): with an invalid p there is no DMARC at all."""
    record = parse_dmarc_record("v=DMARC1; p=rejct; rua=dmarc@example.com")
    assert record.rua == () and record.effective_policy is None
    assert record.corrected == "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
    partly = parse_dmarc_record("v=DMARC1; p=none; rua=mailto:a@example.com,b@example.com")
    assert [u.address for u in partly.rua] == ["a@example.com"]
    assert partly.corrected == "v=DMARC1; p=none; rua=mailto:a@example.com,mailto:b@example.com"
