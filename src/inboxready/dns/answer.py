"""The records a lookup returned, independent of the backend that found them."""

from __future__ import annotations

from dataclasses import dataclass

import dns.name
import dns.rdata
import dns.rdatatype


def to_name(name: str | dns.name.Name) -> dns.name.Name:
    """An absolute, lower-cased dnspython name from text such as 'example.com' or 'example.com.'."""
    if isinstance(name, dns.name.Name):
        absolute = name if name.is_absolute() else name.concatenate(dns.name.root)
    else:
        absolute = dns.name.from_text(name or ".")
    return absolute.canonicalize()


def name_text(name: dns.name.Name) -> str:
    """'example.com' for example.com. (the root stays '.')."""
    return name.to_text(omit_final_dot=True) or "."


def to_rdtype(rdtype: str | int) -> dns.rdatatype.RdataType:
    if isinstance(rdtype, str):
        return dns.rdatatype.from_text(rdtype.upper())
    return dns.rdatatype.RdataType.make(rdtype)


@dataclass(frozen=True, slots=True)
class Answer:
    """Records of one type at one name, after any CNAMEs were followed.

    `name` is the name asked for; `canonical_name` the owner of the records (differs when a CNAME
    chain was followed, and `cname_chain` lists its targets in order).
    """

    name: str
    rdtype: str
    records: tuple[dns.rdata.Rdata, ...]
    ttl: int
    canonical_name: str
    cname_chain: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.records)

    def texts(self) -> list[str]:
        """TXT (or type-99 SPF) records, each one's strings joined without spaces (RFC 7208 3.3).

        Bytes that are not UTF-8 are kept as backslash escapes so that nothing is lost silently.
        """
        return [b"".join(r.strings).decode("utf-8", "backslashreplace") for r in self.records]  # type: ignore[attr-defined]

    def strings(self) -> list[tuple[bytes, ...]]:
        """TXT records as their separate character-strings (for the 255-octet checks)."""
        return [tuple(r.strings) for r in self.records]  # type: ignore[attr-defined]

    def addresses(self) -> list[str]:
        """A / AAAA records as address text."""
        return [r.address for r in self.records]  # type: ignore[attr-defined]

    def targets(self) -> list[str]:
        """Target names of MX, NS, PTR, CNAME records ('.' for the null MX of RFC 7505)."""
        out = []
        for r in self.records:
            target = getattr(r, "exchange", None) or r.target  # type: ignore[attr-defined]
            out.append(name_text(target))
        return out
