"""The one interface every check resolves names through.

A `Resolver` has a single coroutine, `query(name, rdtype) -> Answer`, which raises a member of the
`DnsError` family for anything but records. Backends: `ZoneResolver` (master files),
`LiveResolver` (nameservers over UDP/TCP), `LayeredResolver` (zones over live). `CachingResolver`
wraps any of them with a TTL cache, shared in-flight queries and query accounting.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import dns.name
import dns.rdatatype

from inboxready.dns.answer import Answer


@runtime_checkable
class Resolver(Protocol):
    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        """Records of `rdtype` at `name`; raises NXDomain, NoData, Timeout, ServFail or Refused."""
        ...
