"""IPRangeSet arithmetic, checked against plain Python sets on a small address block."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from inboxready.spf.ranges import IPRangeSet

BASE = int(ipaddress.IPv4Address("10.0.0.0"))
networks = st.builds(lambda offset, prefix: ipaddress.IPv4Network((BASE + offset, prefix), strict=False),
                     st.integers(0, 255), st.integers(24, 32))
sets = st.lists(networks, max_size=5)


def _addresses(nets: list[ipaddress.IPv4Network]) -> set[int]:
    return {int(a) for n in nets for a in n}


@given(sets, sets)
def test_set_operations_match_python_sets(a: list[ipaddress.IPv4Network], b: list[ipaddress.IPv4Network]) -> None:
    x, y = IPRangeSet.from_networks(a), IPRangeSet.from_networks(b)
    sa, sb = _addresses(a), _addresses(b)
    assert _addresses((x | y).networks()) == sa | sb
    assert _addresses((x & y).networks()) == sa & sb
    assert _addresses((x - y).networks()) == sa - sb
    assert (x <= y) == (sa <= sb)
    assert x.num_addresses == len(sa)
    assert bool(x) == bool(sa)


def test_families_are_separate_and_samples_hit_edges() -> None:
    mixed = IPRangeSet.of("192.0.2.0/24", "2001:db8::/126")
    assert mixed.only(4) == IPRangeSet.of("192.0.2.0/24") and "2001:db8::3" in mixed
    assert "192.0.3.0" not in mixed and "192.0.2.128/25" in mixed
    samples = {str(a) for a in IPRangeSet.of("192.0.2.0/24").boundary_samples()}
    assert samples == {"192.0.1.255", "192.0.2.0", "192.0.2.127", "192.0.2.255", "192.0.3.0"}
    assert IPRangeSet.everything() - IPRangeSet.family(6) == IPRangeSet.family(4)
    assert str(IPRangeSet()) == "(none)"
