"""Macro expansion (RFC 7208 section 7), with the examples of section 7.4."""

from __future__ import annotations

import ipaddress

import pytest

from inboxready.spf.macro import MacroSyntaxError, MacroValues, expand, parse_macro_string

V4 = MacroValues(sender="strong-bad@email.example.com", local_part="strong-bad", sender_domain="email.example.com",
                 domain="email.example.com", ip=ipaddress.ip_address("192.0.2.3"), helo="mx.example.org",
                 receiver="mx.receiver.example", timestamp=1700000000)
V6 = MacroValues(sender="strong-bad@email.example.com", local_part="strong-bad", sender_domain="email.example.com",
                 domain="email.example.com", ip=ipaddress.ip_address("2001:db8::cb01"), helo="mx.example.org")


@pytest.mark.parametrize(
    ("macro", "expanded"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
    ],
)
def test_rfc7208_section_7_4_examples(macro: str, expanded: str) -> None:
    assert expand(parse_macro_string(macro), V4) == expanded


def test_ipv6_example_expands_to_nibbles() -> None:
    got = expand(parse_macro_string("%{ir}.%{v}._spf.%{d2}"), V6)
    # RFC 7208 7.4 prints the nibbles in lower case; names compare case-insensitively (the openspf
    # suite expects upper case in explanations, which is what we produce).
    assert got.lower() == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    assert expand(parse_macro_string("%{c}", explain=True), V6) == "2001:db8::cb01"


def test_escapes_url_encoding_and_explain_only_letters() -> None:
    assert expand(parse_macro_string("a%%b%_c%-d"), V4) == "a%b c%20d"
    values = MacroValues(sender="~jack&jill=up-a_b3.c@example.com", local_part="~jack&jill=up-a_b3.c",
                         sender_domain="example.com", domain="example.com",
                         ip=ipaddress.ip_address("192.0.2.3"), helo="h.example")
    assert expand(parse_macro_string("l=%{L}"), values) == "l=~jack%26jill%3Dup-a_b3.c"
    text = parse_macro_string("%{c} by %{r} at %{t}: see you", explain=True)
    assert expand(text, V4) == "192.0.2.3 by mx.receiver.example at 1700000000: see you"
    with pytest.raises(MacroSyntaxError):
        parse_macro_string("%{r}.example.com")
    with pytest.raises(MacroSyntaxError):
        parse_macro_string("with space")


@pytest.mark.parametrize("bad", ["%", "%x", "abc%", "%{", "%{d", "%{q}", "%{d0}", "%{d2x}"])
def test_malformed_macros(bad: str) -> None:
    with pytest.raises(MacroSyntaxError):
        parse_macro_string(bad)


def test_digit_larger_than_label_count_keeps_all() -> None:
    assert expand(parse_macro_string("%{d128}"), V4) == "email.example.com"
    assert expand(parse_macro_string("%{l+-}"), V4) == "strong.bad"
