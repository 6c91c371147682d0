"""The range evaluator agrees with check_host() address by address (hypothesis over generated worlds)."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings

from inboxready.spf.evaluate import evaluate_spf_sync
from inboxready.spf.graph import fetch_graph
from inboxready.spf.partition import policy_partition
from tests.spf.suite import SuiteResolver
from tests.spf.worlds import HELO, SENDER, V4, V6, worlds

PROBES = [*V4, *V6, "10.0.0.1", "192.0.2.0", "192.0.2.255", "2001:db8:ffff::1"]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(worlds())
def test_partition_matches_the_evaluator(zone: dict[str, list[Any]]) -> None:
    resolver = SuiteResolver(zone)
    partition = policy_partition(asyncio.run(fetch_graph(resolver, "d0.example")))
    for ip in PROBES:
        region = partition.region_of(ip)
        if region.result is None:  # ptr, %{i}, %{l}: decided per address, not by range
            continue
        result = evaluate_spf_sync(resolver.lookup, ip, SENDER, helo=HELO)
        assert region.result is result.result, (ip, region, result.reason)
        if region.result.value == "pass":
            assert region.path == result.matched


def test_regions_cover_every_address_once() -> None:
    zone = {"d0.example": [{"TXT": "v=spf1 -ip4:192.0.2.1 ip4:192.0.2.0/24 ~ip6:2001:db8::/32 ?all"}]}
    partition = policy_partition(asyncio.run(fetch_graph(SuiteResolver(zone), "d0.example")))
    assert sum(r.ips.num_addresses for r in partition.regions) == 2**32 + 2**128
    assert partition.region_of("192.0.2.1").result.value == "fail"  # type: ignore[union-attr]
    assert partition.region_of("192.0.2.2").result.value == "pass"  # type: ignore[union-attr]
    assert partition.region_of("2001:db8::1").result.value == "softfail"  # type: ignore[union-attr]
    assert partition.region_of("198.51.100.1").result.value == "neutral"  # type: ignore[union-attr]
