"""Hypothesis strategies for small SPF worlds: records and the zone data they point into.

A world is openspf-style zonedata (see tests/spf/suite.py), so the same data feeds our evaluator
(through SuiteResolver) and pyspf (through its DNSLookup hook).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import strategies as st

from inboxready.spf.macro import ip_dotted

DOMAINS = ["d0.example", "d1.example", "d2.example", "d3.example", "nx.example"]
HOSTS = ["h0.example", "h1.example", "h2.example"]
V4 = ["192.0.2.1", "192.0.2.77", "198.51.100.5", "203.0.113.9"]
V6 = ["2001:db8::1", "2001:db8:1::5"]
SENDER = "user@d0.example"
HELO = "mail.d0.example"

qualifiers = st.sampled_from(["", "", "+", "-", "~", "?"])
targets = st.sampled_from(DOMAINS + HOSTS)


def _cidr(prefixes: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.sampled_from(prefixes).map(lambda p: f"/{p}"))


_host_mechanism = st.builds(
    lambda kind, target, c4, c6: f"{kind}{':' + target if target else ''}{c4}{'/' + c6 if c6 else ''}",
    st.sampled_from(["a", "mx"]),
    st.one_of(st.none(), targets),
    _cidr([0, 8, 24, 32]),
    _cidr([0, 32, 64, 128]),
)
_ip4 = st.builds(lambda a, c: f"ip4:{a}{c}", st.sampled_from(V4), _cidr([0, 8, 16, 24, 31, 32]))
_ip6 = st.builds(lambda a, c: f"ip6:{a}{c}", st.sampled_from(V6), _cidr([0, 32, 48, 128]))
_exists = st.builds(lambda t: f"exists:{t}", st.sampled_from(
    ["h0.example", "nx.example", "%{i}.d1.example", "%{l}.d2.example", "%{ir}.%{v}.d3.example", "%{d}"]))
_ptr = st.one_of(st.just("ptr"),
                 st.builds(lambda t: f"ptr:{t}", st.sampled_from(["example", "h1.example", "d1.example"])))
_include = st.builds(lambda t: f"include:{t}", st.sampled_from(DOMAINS))
_broken = st.sampled_from(["ip4:300.1.2.3", "a:foo", "bogus", "ip6:::1//64", "exists", "%{z}.example"])

mechanisms = st.one_of(
    st.just("all"), _host_mechanism, _ip4, _ip6, _exists, _ptr, _include,
).flatmap(lambda m: qualifiers.map(lambda q: q + m))

_modifiers = st.lists(
    st.one_of(st.builds(lambda t: f"redirect={t}", st.sampled_from(DOMAINS)), st.just("exp=exp.example"),
              st.just("x-note=%{d}")),
    max_size=2, unique_by=lambda m: m.split("=")[0],
)


@st.composite
def records(draw: st.DrawFn) -> str:
    terms = draw(st.lists(mechanisms, max_size=draw(st.sampled_from([4, 6, 12]))))
    if draw(st.integers(0, 30)) == 0:
        terms.insert(draw(st.integers(0, len(terms))), draw(_broken))
    return " ".join(["v=spf1", *terms, *draw(_modifiers)])


def _addresses(draw: st.DrawFn) -> list[dict[str, str]]:
    out: list[dict[str, str]] = [{"A": a} for a in draw(st.lists(st.sampled_from(V4), max_size=2, unique=True))]
    out += [{"AAAA": a} for a in draw(st.lists(st.sampled_from(V6), max_size=1, unique=True))]
    return out


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, list[Any]]:
    zone: dict[str, list[Any]] = {}
    for domain in DOMAINS[:-1]:
        entries: list[Any] = []
        kind = draw(st.integers(0, 20))
        if kind > 1:
            entries.append({"TXT": draw(records())})
        elif kind == 1:
            entries += [{"TXT": draw(records())}, {"TXT": "v=spf1 -all"}]
        entries += _addresses(draw)
        mx = draw(st.lists(st.sampled_from(HOSTS), max_size=2, unique=True))
        entries += [{"MX": [10 * i, host]} for i, host in enumerate(mx)]
        if draw(st.integers(0, 25)) == 0:
            entries.append("TIMEOUT")
        zone[domain] = entries
    for host in HOSTS:
        zone[host] = _addresses(draw)
    zone["exp.example"] = [{"TXT": "%{i} is not one of %{d}'s servers"}]
    for ip in V4 + V6:
        reverse = ipaddress.ip_address(ip).reverse_pointer
        names = draw(st.lists(st.sampled_from(HOSTS + ["d1.example"]), max_size=2, unique=True))
        if names:
            zone[reverse] = [{"PTR": n} for n in names]
        if draw(st.booleans()):
            zone[f"{ip_dotted(ipaddress.ip_address(ip))}.d1.example"] = [{"A": "127.0.0.2"}]
    zone["user.d2.example"] = [{"A": "127.0.0.2"}]
    return zone
