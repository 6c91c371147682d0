"""Reverse names and the generic-name heuristics (pure)."""

import pytest

from inboxready.hosts.rdns import generic_reasons, reverse_name


def test_reverse_names_follow_rfc_1035_and_3596() -> None:
    assert reverse_name("192.0.2.1") == "1.2.0.192.in-addr.arpa"
    assert reverse_name("2001:db8::1") == "1.0.0.0." + "0." * 20 + "8.b.d.0.1.0.0.2.ip6.arpa"


GENERIC = [
    ("ec2-54-240-27-52.compute-1.amazonaws.com", "54.240.27.52"),
    ("c-73-22-1-5.hsd1.il.comcast.net", "73.22.1.5"),
    ("pool-71-1-2-3.bstnma.fios.verizon.net", "71.1.2.3"),
    ("static.52.27.240.54.clients.your-server.de", "54.240.27.52"),
    ("5.1.22.73.dynamic.isp.example", "73.22.1.5"),
    ("host-073-022-001-005.isp.example", "73.22.1.5"),  # zero-padded
    ("ip49160105.isp.example", "73.22.1.5"),  # 0x49160105 is 73.22.1.5 in hex
    ("adsl-22-1-5.isp.example", "73.22.1.5"),  # three octets and a keyword
    ("dyn-customer.isp.example", "198.51.100.7"),
    ("cpe-1-2-3-4.nyc.res.rr.com", "1.2.3.4"),
    ("static-100-7.isp.example", "198.51.100.7"),  # weak word with numbers
    ("198.51.100.7", "198.51.100.7"),  # an IP literal as PTR name
    ("7.100.51.198.in-addr.arpa", "198.51.100.7"),
    ("2001-db8--25.pool.isp.example", "2001:db8::25"),
    ("20010db8000000000000000000000025.v6.isp.example", "2001:db8::25"),
]

NOT_GENERIC = [
    ("mail.example.com", "198.51.100.7"),
    ("mail-wr1-f54.google.com", "209.85.221.54"),  # one octet alone is not an embedded address
    ("a27-52.smtp-out.amazonses.com", "54.240.27.52"),  # two octets, no pool word
    ("smtp-relay.static.example.net", "198.51.100.7"),  # 'static' without numbers
    ("mx1.dynamic-dns.example", "198.51.100.7"),  # the word is in the registered domain
    ("outbound.mail.example", "2001:db8::25"),
    ("mail7.example.com", "198.51.100.7"),
]


@pytest.mark.parametrize(("name", "ip"), GENERIC)
def test_generic_names_are_recognised(name: str, ip: str) -> None:
    assert generic_reasons(name, ip), name


@pytest.mark.parametrize(("name", "ip"), NOT_GENERIC)
def test_mail_server_names_are_not_generic(name: str, ip: str) -> None:
    assert generic_reasons(name, ip) == (), name


def test_reasons_say_why() -> None:
    reasons = generic_reasons("13-25-18-198.dynamic.isp.example", "198.18.25.13")
    assert any("embeds the address 198.18.25.13" in r for r in reasons)
    assert any("'dynamic'" in r for r in reasons)
