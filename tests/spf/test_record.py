"""The record grammar (RFC 7208 4.5, 4.6.1, 5, 6, 12) and record selection."""

from __future__ import annotations

import ipaddress

import pytest

from inboxready.spf.record import (
    MechanismKind,
    Qualifier,
    ResultCode,
    SpfSyntaxError,
    is_spf_record,
    parse_record,
    select_record,
)


def test_parses_every_mechanism_and_modifier() -> None:
    record = parse_record(
        "v=spf1 +all -include:_spf.example.net ~a ?a:mail.example.com/24//64 mx/28 mx:%{d}//48 ptr ptr:example.org "
        "ip4:192.0.2.1 ip4:198.51.100.0/24 ip6:2001:db8::/32 exists:%{i}.bl.example redirect=_spf.example.com "
        "exp=explain.%{d} x-unknown=%{l}"
    )
    kinds = [m.kind for m in record.mechanisms]
    assert kinds == [MechanismKind.ALL, MechanismKind.INCLUDE, MechanismKind.A, MechanismKind.A, MechanismKind.MX,
                     MechanismKind.MX, MechanismKind.PTR, MechanismKind.PTR, MechanismKind.IP4, MechanismKind.IP4,
                     MechanismKind.IP6, MechanismKind.EXISTS]
    qualifiers = [m.qualifier for m in record.mechanisms[:4]]
    assert qualifiers == [Qualifier.PASS, Qualifier.FAIL, Qualifier.SOFTFAIL, Qualifier.NEUTRAL]
    a = record.mechanisms[3]
    assert (a.cidr4, a.cidr6, a.prefix4, a.prefix6) == (24, 64, 24, 64)
    assert (record.mechanisms[4].prefix4, record.mechanisms[4].prefix6) == (28, 128)
    assert (record.mechanisms[5].prefix4, record.mechanisms[5].prefix6) == (32, 48)
    assert record.mechanisms[8].network == ipaddress.ip_network("192.0.2.1/32")
    assert record.redirect is not None and str(record.redirect.value) == "_spf.example.com"
    assert record.explanation is not None and record.explanation.value.letters == {"d"}
    assert [m.name for m in record.unknown_modifiers] == ["x-unknown"]
    assert record.lookup_terms == 9  # include, a ×2, mx ×2, ptr ×2, exists, redirect


def test_host_bits_in_ip4_are_allowed_and_case_is_ignored() -> None:
    record = parse_record("V=SPF1 IP4:192.0.2.77/24 MX A:Mail.Example.COM -ALL")
    assert record.mechanisms[0].network == ipaddress.ip_network("192.0.2.0/24")
    assert record.mechanisms[-1].kind is MechanismKind.ALL


@pytest.mark.parametrize(
    ("record", "term", "words"),
    [
        ("v=spf1 ip4:192.0.2.300 -all", "ip4:192.0.2.300", "invalid ip4 address"),
        ("v=spf1 a mx ipv4:192.0.2.1", "ipv4:192.0.2.1", "did you mean 'ip4'"),
        ("v=spf1 ip4:1.2.3.4/33", "ip4:1.2.3.4/33", "prefix length /33"),
        ("v=spf1 ip4:1.2.3.4/032", "ip4:1.2.3.4/032", "no leading zero"),
        ("v=spf1 a:museum", "a:museum", "top-level label"),
        ("v=spf1 a:foo.123", "a:foo.123", "top-level label"),
        ("v=spf1 include:", "include:", "needs a domain"),
        ("v=spf1 -all:foo", "-all:foo", "takes no argument"),
        ("v=spf1 exists:%{z}.example.com", "exists:%{z}.example.com", "macro letter"),
        ("v=spf1 exists:%{c}.example.com", "exists:%{c}.example.com", "explanation text only"),
        ("v=spf1 exists:%(i).example.com", "exists:%(i).example.com", "must be followed by"),
        ("v=spf1 a:%{d0}.example.com", "a:%{d0}.example.com", "at least 1"),
        ("v=spf1 redirect=a.example redirect=b.example", "redirect=b.example", "more than once"),
        ("v=spf1 ptr/24", "ptr/24", "no prefix length"),
        ("v=spf1 ip6:2001:db8::1%eth0", "ip6:2001:db8::1%eth0", "invalid ip6"),
    ],
)
def test_syntax_errors_name_the_term_its_column_and_a_fix(record: str, term: str, words: str) -> None:
    with pytest.raises(SpfSyntaxError) as info:
        parse_record(record)
    error = info.value
    assert error.term == term
    start = record.index(term) + 1
    assert error.column is not None and start <= error.column <= start + len(term)
    assert words in str(error)
    assert error.fix


def test_control_characters_and_non_ascii_are_errors() -> None:
    with pytest.raises(SpfSyntaxError, match="tabs and line breaks"):
        parse_record("v=spf1 ip4:192.0.2.1\tmx -all")
    with pytest.raises(SpfSyntaxError, match="non-ASCII"):
        parse_record("v=spf1 a:bücher.example -all")


def test_version_must_be_followed_by_space_or_end() -> None:
    assert is_spf_record("v=spf1") and is_spf_record("V=SPF1 -all") and is_spf_record(b"v=spf1 mx")
    assert not is_spf_record("v=spf10 -all") and not is_spf_record(" v=spf1") and not is_spf_record("spf2.0/pra")
    assert parse_record("v=spf1").terms == ()
    assert parse_record("v=spf1   mx   -all  ").mechanisms[0].column == 10


def test_selection_joins_strings_and_rejects_two_records() -> None:
    chosen = select_record([(b"v=spf1 ip4:", b"192.0.2.1 -all"), (b"google-site-verification=x",)])
    assert chosen.text == "v=spf1 ip4:192.0.2.1 -all" and chosen.candidates == 1
    assert select_record([(b"v=spf1 -all",), (b"V=SPF1 +all",)]).multiple
    assert select_record([(b"v=spf10 -all",), (b"other",)]).text is None
    assert select_record([(b"v=spf1 a:\xef\xbb\xbf.example",)]).non_ascii


def test_enums_round_trip() -> None:
    for result in ResultCode:
        assert ResultCode.from_text(result.to_text().upper()) is result
    for qualifier in Qualifier:
        assert Qualifier.from_text(qualifier.to_text()) is qualifier
    assert Qualifier.SOFTFAIL.result is ResultCode.SOFTFAIL
    with pytest.raises(ValueError):
        ResultCode.from_text("hardfail")
