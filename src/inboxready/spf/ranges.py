"""Sets of IP addresses as sorted, disjoint integer intervals, for IPv4 and IPv6 together.

Exact arithmetic (union, intersection, difference, subset) over whole address ranges, so that "does
this record authorize every address of that network" is computed, not sampled. `networks()` gives the
smallest list of CIDR blocks covering a set (ipaddress.summarize_address_range).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Intervals = tuple[tuple[int, int], ...]

_MAX = {4: 2**32 - 1, 6: 2**128 - 1}


def _normalize(intervals: Iterable[tuple[int, int]]) -> Intervals:
    out: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1] + 1:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start <= end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _subtract(a: Intervals, b: Intervals) -> Intervals:
    out = []
    j = 0
    for start, end in a:
        current = start
        while j < len(b) and b[j][1] < current:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= end:
            if b[k][0] > current:
                out.append((current, b[k][0] - 1))
            current = max(current, b[k][1] + 1)
            k += 1
        if current <= end:
            out.append((current, end))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class IPRangeSet:
    v4: Intervals = ()
    v6: Intervals = ()

    @classmethod
    def of(cls, *networks: Network | str) -> IPRangeSet:
        return cls.from_networks(networks)

    @classmethod
    def from_networks(cls, networks: Iterable[Network | str]) -> IPRangeSet:
        v4: list[tuple[int, int]] = []
        v6: list[tuple[int, int]] = []
        for item in networks:
            net = ipaddress.ip_network(item, strict=False) if isinstance(item, str) else item
            span = (int(net.network_address), int(net.broadcast_address))
            (v4 if net.version == 4 else v6).append(span)
        return cls(_normalize(v4), _normalize(v6))

    @classmethod
    def everything(cls) -> IPRangeSet:
        return cls(((0, _MAX[4]),), ((0, _MAX[6]),))

    @classmethod
    def family(cls, version: int) -> IPRangeSet:
        return cls(((0, _MAX[4]),), ()) if version == 4 else cls((), ((0, _MAX[6]),))

    def only(self, version: int) -> IPRangeSet:
        return IPRangeSet(self.v4, ()) if version == 4 else IPRangeSet((), self.v6)

    def __or__(self, other: IPRangeSet) -> IPRangeSet:
        return IPRangeSet(_normalize(self.v4 + other.v4), _normalize(self.v6 + other.v6))

    def __and__(self, other: IPRangeSet) -> IPRangeSet:
        return IPRangeSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def __sub__(self, other: IPRangeSet) -> IPRangeSet:
        return IPRangeSet(_subtract(self.v4, other.v4), _subtract(self.v6, other.v6))

    def __bool__(self) -> bool:
        return bool(self.v4 or self.v6)

    def __le__(self, other: IPRangeSet) -> bool:
        return not (self - other)

    def __contains__(self, item: Address | Network | str) -> bool:
        if isinstance(item, str):
            item = ipaddress.ip_network(item, strict=False)
        if isinstance(item, ipaddress.IPv4Address | ipaddress.IPv6Address):
            item = ipaddress.ip_network(item)
        return IPRangeSet.of(item) <= self

    @property
    def num_addresses(self) -> int:
        return sum(end - start + 1 for start, end in self.v4 + self.v6)

    def intervals(self) -> Iterator[tuple[Address, Address]]:
        for start, end in self.v4:
            yield ipaddress.IPv4Address(start), ipaddress.IPv4Address(end)
        for start, end in self.v6:
            yield ipaddress.IPv6Address(start), ipaddress.IPv6Address(end)

    def networks(self) -> list[Network]:
        """The fewest CIDR blocks that make up the set, IPv4 first, in address order."""
        out: list[Network] = []
        for first, last in self.intervals():
            out.extend(ipaddress.summarize_address_range(first, last))
        return out

    def boundary_samples(self) -> list[Address]:
        """For each interval: its first, middle and last address and the addresses just outside it."""
        out: list[Address] = []
        for version, intervals in ((4, self.v4), (6, self.v6)):
            make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
            for start, end in intervals:
                for value in (start - 1, start, (start + end) // 2, end, end + 1):
                    if 0 <= value <= _MAX[version]:
                        out.append(make(value))
        return list(dict.fromkeys(out))

    def __str__(self) -> str:
        nets = self.networks()
        shown = ", ".join(str(n) for n in nets[:8])
        return shown + (f", … ({len(nets)} blocks)" if len(nets) > 8 else "") if nets else "(none)"
