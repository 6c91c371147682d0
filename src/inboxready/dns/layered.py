"""Zone files over live DNS: "what would the checks say if I published this zone?".

A name inside a loaded zone is answered from the files (as its authoritative server would after
publishing); every other name goes to the live backend.
"""

from __future__ import annotations

import dns.name
import dns.rdatatype

from inboxready.dns.answer import Answer, to_name
from inboxready.dns.cache import close_resolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver


class LayeredResolver:
    def __init__(self, zones: ZoneResolver, fallback: Resolver) -> None:
        self.zones = zones
        self.fallback = fallback

    async def aclose(self) -> None:
        await close_resolver(self.fallback)

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname = to_name(name)
        if self.zones.covers(qname):
            return self.zones.lookup(qname, rdtype)
        return await self.fallback.query(qname, rdtype)
