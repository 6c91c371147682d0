"""Identifier alignment and the DMARC result (RFC 7489 3.1 and 6.6, RFC 9989 4.4 and 5.3): the RFCs'
examples, the policy that applies (p, sp, np, t, pct), and properties checked with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxready.dmarc import (
    DkimSignatureResult,
    DmarcEvaluation,
    DmarcMode,
    DmarcRecord,
    Policy,
    align,
    domain_of,
    evaluate_dmarc,
    organizational_domain_or_self,
    parse_dmarc_record,
    spf_identity,
)
from inboxready.dmarc.alignment import FAIL, NONE, PASS

R7489, BIS = DmarcMode.RFC7489, DmarcMode.DMARCBIS
PSL = organizational_domain_or_self


@pytest.mark.parametrize(
    ("identifier", "author", "strict", "relaxed"),
    [
        # RFC 7489 3.1.1 / 3.1.2 and RFC 9989 appendix A.1 examples
        ("example.com", "example.com", True, True),
        ("child.example.com", "example.com", False, True),
        ("example.com", "child.example.com", False, True),
        ("foo.example.com", "news.example.com", False, True),
        ("example.net", "child.example.com", False, False),
        ("foo.example.net", "news.example.com", False, False),
        # public suffixes with two labels, and a private-section suffix
        ("a.example.co.uk", "b.example.co.uk", False, True),
        ("example.co.uk", "other.co.uk", False, False),
        ("co.uk", "example.co.uk", False, False),
        ("one.blogspot.com", "two.blogspot.com", False, False),
        # case-insensitive (RFC 4343), trailing dot ignored
        ("EXAMPLE.com.", "example.COM", True, True),
        ("", "example.com", False, False),
    ],
)
def test_alignment_examples(identifier: str, author: str, strict: bool, relaxed: bool) -> None:
    assert align(identifier, author, PSL) == (strict, relaxed)


@pytest.mark.parametrize(
    ("identity", "domain"),
    [
        ("Ann <ann@Example.COM>", "example.com"),
        ("ann@example.com", "example.com"),
        ("<bounce+x@mail.example.com>", "mail.example.com"),
        ("example.org", "example.org"),
        ("<>", ""),
        ("", ""),
        (None, ""),
        ('"Doe, John" <john@sub.example.net>', "sub.example.net"),
    ],
)
def test_domain_of(identity: str | None, domain: str) -> None:
    assert domain_of(identity) == domain


def test_null_reverse_path_uses_the_helo_identity() -> None:
    """RFC 7208 2.4: with MAIL FROM:<>, SPF checks postmaster@HELO, and DMARC aligns that domain."""
    assert spf_identity("<>", "mx.example.com") == "mx.example.com"
    assert spf_identity("bounce@example.org", "mx.example.com") == "example.org"


def record(text: str, mode: DmarcMode = R7489) -> DmarcRecord:
    return parse_dmarc_record(text, mode)


def evaluate(
    text: str | None,
    *,
    header_from: str = "news@example.com",
    mail_from: str | None = None,
    helo: str | None = "mx.sender.example",
    spf: str = "none",
    dkim: tuple[tuple[str, str], ...] = (),
    policy_domain: str = "example.com",
    exists: bool = True,
    mode: DmarcMode = R7489,
) -> DmarcEvaluation:
    return evaluate_dmarc(
        header_from=header_from,
        mail_from=mail_from,
        helo=helo,
        spf_result=spf,
        dkim=[DkimSignatureResult(d, r) for d, r in dkim],
        record=record(text, mode) if text else None,
        policy_domain=policy_domain,
        author_exists=exists,
    )


def test_spf_relaxed_pass_and_strict_fail() -> None:
    relaxed = evaluate("v=DMARC1; p=reject", mail_from="bounce@mail.example.com", spf="pass")
    assert relaxed.result == PASS and relaxed.applied_policy is Policy.NONE
    assert relaxed.spf is not None and relaxed.spf.relaxed and not relaxed.spf.strict
    strict = evaluate("v=DMARC1; p=reject; aspf=s", mail_from="bounce@mail.example.com", spf="pass")
    assert strict.result == FAIL and strict.applied_policy is Policy.REJECT and strict.policy_tag == "p"


def test_aligned_but_failing_spf_does_not_pass() -> None:
    result = evaluate("v=DMARC1; p=quarantine", mail_from="a@example.com", spf="softfail")
    assert result.result == FAIL and result.applied_policy is Policy.QUARANTINE


def test_dkim_any_aligned_passing_signature_is_enough() -> None:
    result = evaluate(
        "v=DMARC1; p=reject; adkim=s",
        dkim=(("esp.example.net", "pass"), ("example.com", "fail"), ("example.com", "pass")),
    )
    assert result.result == PASS
    assert [d.passes for d in result.dkim] == [False, False, True]


def test_dkim_relaxed_and_strict() -> None:
    assert (
        evaluate(
            "v=DMARC1; p=reject",
            header_from="a@child.example.com",
            dkim=(("example.com", "pass"),),
            policy_domain="child.example.com",
        ).result
        == PASS
    )
    strict = evaluate(
        "v=DMARC1; p=reject; adkim=s",
        header_from="a@child.example.com",
        dkim=(("example.com", "pass"),),
        policy_domain="child.example.com",
    )
    assert strict.result == FAIL


def test_unaligned_pass_is_a_fail() -> None:
    result = evaluate(
        "v=DMARC1; p=reject", mail_from="b@esp.example.net", spf="pass", dkim=(("esp.example.net", "pass"),)
    )
    assert result.result == FAIL and result.applied_policy is Policy.REJECT


def test_null_mail_from_aligns_the_helo_domain() -> None:
    result = evaluate("v=DMARC1; p=reject", mail_from="<>", helo="mx.example.com", spf="pass")
    assert result.result == PASS and result.spf is not None and result.spf.domain == "mx.example.com"


@pytest.mark.parametrize(
    ("author", "exists", "mode", "tag", "policy"),
    [
        ("example.com", True, R7489, "p", Policy.REJECT),
        ("shop.example.com", True, R7489, "sp", Policy.QUARANTINE),
        ("ghost.example.com", False, R7489, "sp", Policy.QUARANTINE),  # RFC 7489 has no np
        ("shop.example.com", True, BIS, "sp", Policy.QUARANTINE),
        ("ghost.example.com", False, BIS, "np", Policy.NONE),
        ("example.com", False, BIS, "p", Policy.REJECT),  # np is only for subdomains
    ],
)
def test_policy_that_applies(author: str, exists: bool, mode: DmarcMode, tag: str, policy: Policy) -> None:
    result = evaluate("v=DMARC1; p=reject; sp=quarantine; np=none", header_from=f"x@{author}", exists=exists, mode=mode)
    assert result.result == FAIL
    assert (result.policy_tag, result.requested_policy, result.applied_policy) == (tag, policy, policy)


def test_test_mode_lowers_the_policy_one_level() -> None:
    reject = evaluate("v=DMARC1; p=reject; t=y", mode=BIS)
    assert reject.test_mode and reject.requested_policy is Policy.REJECT and reject.applied_policy is Policy.QUARANTINE
    quarantine = evaluate("v=DMARC1; p=quarantine; t=y", mode=BIS)
    assert quarantine.applied_policy is Policy.NONE
    assert not evaluate("v=DMARC1; p=none; t=y", mode=BIS).test_mode
    # t is not an RFC 7489 tag
    assert evaluate("v=DMARC1; p=reject; t=y", mode=R7489).applied_policy is Policy.REJECT


def test_rfc7489_pct_splits_failing_mail() -> None:
    result = evaluate("v=DMARC1; p=reject; pct=20")
    assert result.percent == 20 and result.applied_policy is Policy.REJECT
    assert result.unsampled_policy is Policy.QUARANTINE
    ignored = evaluate("v=DMARC1; p=reject; pct=20", mode=BIS)
    assert ignored.percent == 100 and ignored.unsampled_policy is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "no DMARC record applies"),
        ("v=DMARC1; p=rejct", "no valid policy"),
    ],
)
def test_no_applicable_policy_is_none(text: str | None, reason: str) -> None:
    result = evaluate(text, mail_from="a@example.com", spf="pass")
    assert result.result == NONE and result.applied_policy is Policy.NONE and result.policy_tag is None
    assert reason in result.reason


def test_invalid_policy_with_rua_acts_as_none() -> None:
    result = evaluate("v=DMARC1; p=rejct; rua=mailto:d@example.com")
    assert result.result == FAIL and result.requested_policy is Policy.NONE


def test_no_from_domain() -> None:
    assert evaluate("v=DMARC1; p=reject", header_from="undisclosed-recipients:;").result == NONE


def test_tree_walk_org_domains_are_injected() -> None:
    """RFC 9989: relaxed alignment uses the tree walk's Organizational Domains (a table here)."""
    walk = {
        "mail.giant.bank.example": "giant.bank.example",
        "giant.bank.example": "giant.bank.example",
        "mail.mega.bank.example": "mega.bank.example",
    }
    rec = record("v=DMARC1; p=reject", BIS)
    result = evaluate_dmarc(
        header_from="ceo@giant.bank.example",
        mail_from="b@mail.giant.bank.example",
        helo=None,
        spf_result="pass",
        dkim=[DkimSignatureResult("mail.mega.bank.example", "pass")],
        record=rec,
        policy_domain="giant.bank.example",
        org_domain_of=walk.__getitem__,
    )
    assert result.result == PASS
    assert result.spf is not None and result.spf.relaxed
    assert not result.dkim[0].relaxed  # RFC 9989 appendix: mega.bank.example does not align


# -- properties ---------------------------------------------------------------------------------------

_SUFFIXES = ["example.com", "example.co.uk", "co.uk", "com", "other.org", "blogspot.com", "example.net"]
domains = st.builds(
    lambda labels, suffix, upper: ".".join([*labels, suffix]).upper() if upper else ".".join([*labels, suffix]),
    st.lists(st.sampled_from(["a", "b", "mail", "www", "x1"]), max_size=3),
    st.sampled_from(_SUFFIXES),
    st.booleans(),
)
results = st.sampled_from(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"])
records = st.builds(
    lambda p, sp, np, adkim, aspf, t, pct: "; ".join(
        x
        for x in (
            "v=DMARC1",
            f"p={p}",
            sp and f"sp={sp}",
            np and f"np={np}",
            f"adkim={adkim}",
            f"aspf={aspf}",
            t and "t=y",
            pct is not None and f"pct={pct}",
        )
        if x
    ),
    st.sampled_from(["none", "quarantine", "reject"]),
    st.sampled_from([None, "none", "quarantine", "reject"]),
    st.sampled_from([None, "none", "quarantine", "reject"]),
    st.sampled_from(["r", "s"]),
    st.sampled_from(["r", "s"]),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 100)),
)


@settings(max_examples=300, deadline=None)
@given(domains, domains)
def test_alignment_properties(a: str, b: str) -> None:
    strict, relaxed = align(a, b, PSL)
    assert (strict, relaxed) == align(b, a, PSL)  # symmetric
    assert not strict or relaxed  # strict implies relaxed
    assert strict == (a.lower() == b.lower())
    assert relaxed == (strict or PSL(a) == PSL(b))
    assert align(a, a.upper() + ".", PSL) == (True, True)


@settings(max_examples=400, deadline=None)
@given(
    author=domains,
    policy_domain=domains,
    mail_from=st.one_of(st.none(), domains),
    helo=domains,
    spf=results,
    dkim=st.lists(st.tuples(domains, results), max_size=3),
    text=records,
    mode=st.sampled_from(list(DmarcMode)),
    exists=st.booleans(),
)
def test_evaluation_properties(
    author: str,
    policy_domain: str,
    mail_from: str | None,
    helo: str,
    spf: str,
    dkim: list[tuple[str, str]],
    text: str,
    mode: DmarcMode,
    exists: bool,
) -> None:
    rec = record(text, mode)
    result = evaluate_dmarc(
        header_from=f"x@{author}",
        mail_from=f"b@{mail_from}" if mail_from else "<>",
        helo=helo,
        spf_result=spf,
        dkim=[DkimSignatureResult(d, r) for d, r in dkim],
        record=rec,
        policy_domain=policy_domain,
        author_exists=exists,
    )
    identifiers = ([result.spf] if result.spf else []) + list(result.dkim)
    # pass iff an identifier that passed its own check is aligned in the record's mode
    assert (result.result == PASS) == any(i.result == "pass" and i.aligned for i in identifiers)
    assert result.result in (PASS, FAIL)
    assert result.requested_policy is not None
    if result.result == PASS:
        assert result.applied_policy is Policy.NONE
    else:
        assert result.applied_policy.strength <= result.requested_policy.strength
        expected = result.requested_policy.weakened() if result.test_mode else result.requested_policy
        assert result.applied_policy is expected
    # the tag: p at the policy domain, np only for non-existent subdomains under RFC 9989
    if author.lower() == policy_domain.lower():
        assert result.policy_tag == "p"
    if result.policy_tag == "np":
        assert mode is BIS and not exists
    # the answer does not depend on the signatures' order, and more signatures never turn pass to fail
    reordered = evaluate_dmarc(
        header_from=f"x@{author.upper()}",
        mail_from=f"b@{mail_from}" if mail_from else "<>",
        helo=helo,
        spf_result=spf,
        dkim=[DkimSignatureResult(d, r) for d, r in reversed(dkim)],
        record=rec,
        policy_domain=policy_domain.lower() + ".",
        author_exists=exists,
    )
    assert (reordered.result, reordered.applied_policy, reordered.policy_tag) == (
        result.result,
        result.applied_policy,
        result.policy_tag,
    )
    more = evaluate_dmarc(
        header_from=f"x@{author}",
        mail_from=f"b@{mail_from}" if mail_from else "<>",
        helo=helo,
        spf_result=spf,
        dkim=[*(DkimSignatureResult(d, r) for d, r in dkim), DkimSignatureResult("other.org", "pass")],
        record=rec,
        policy_domain=policy_domain,
        author_exists=exists,
    )
    assert result.result != PASS or more.result == PASS
