"""A resolver that answers TXT queries for a few names from given records, and everything else
from another resolver: "what if these SPF records were published?" (no sockets, no zone files)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from inboxready.dns.answer import Answer, name_text, to_name, to_rdtype
from inboxready.dns.resolver import Resolver


def split_strings(text: str, limit: int = 255) -> tuple[str, ...]:
    """A TXT value as character-strings of at most `limit` octets, cut before a space when possible
    (the strings are joined without separators, RFC 7208 3.3)."""
    out: list[str] = []
    rest = text
    while len(rest.encode()) > limit:
        cut = rest.rfind(" ", 1, limit + 1)
        cut = cut if cut > 0 else limit
        out.append(rest[:cut])
        rest = rest[cut:]
    out.append(rest)
    return tuple(out)


class TxtOverlayResolver:
    """`records` maps a name to the TXT values it should have (each a whole record's text)."""

    def __init__(self, base: Resolver, records: Mapping[str, Sequence[str]], ttl: int = 300) -> None:
        self.base = base
        self._answers: dict[dns.name.Name, Answer] = {}
        for name, values in records.items():
            qname = to_name(name)
            rdatas = tuple(
                dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT,
                                        [s.encode() for s in split_strings(value)])
                for value in values
            )
            self._answers[qname] = Answer(name_text(qname), "TXT", rdatas, ttl, name_text(qname))

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname, qtype = to_name(name), to_rdtype(rdtype)
        if qtype == dns.rdatatype.TXT and qname in self._answers:
            return self._answers[qname]
        return await self.base.query(qname, qtype)
