"""The records a lookup returned, independent of the backend that found them."""

from __future__ import annotations

import re
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


#: Lower-case host-name text that dnspython reads label by label and writes back unchanged (no
#: escapes, no IDNA, labels of 1-63 characters, optional final dot).
_PLAIN_TEXT = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}\.?\Z")
#: The same for the labels of a Name joined by dots (any case; labels are checked one by one below).
_PLAIN_WIRE = re.compile(rb"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\Z")


def canonical_text(name: str | dns.name.Name) -> str:
    """`name_text(to_name(name))` — lower case, no final dot, '.' for the root — without building
    a dnspython Name for plain text or a canonical copy of a plain absolute Name. Invalid names
    are left for the backend to reject."""
    if isinstance(name, str):
        if name.isascii() and "\\" not in name:
            text = name.lower()
            if len(text) > 1 and text.endswith("."):
                text = text[:-1]
            return text or "."
    else:
        labels = name.labels
        if len(labels) > 1 and not labels[-1]:  # absolute, not the root
            joined = b".".join(labels[:-1])
            if joined.count(b".") == len(labels) - 2 and _PLAIN_WIRE.match(joined):
                return joined.decode("ascii").lower()
    return name_text(to_name(name))


def question_name(name: str | dns.name.Name) -> tuple[dns.name.Name, str]:
    """`to_name(name)` and its `name_text`, for a question about to be sent: plain lower-case text
    (what `canonical_text` gives) becomes a Name directly, without parsing it character by character.
    Raises what `to_name` raises for an invalid name."""
    if isinstance(name, str) and name.isascii():
        text = name.lower()
        if _PLAIN_TEXT.match(text):
            text = text[:-1] if text.endswith(".") else text
            return dns.name.Name([*text.encode("ascii").split(b"."), b""]), text
    qname = to_name(name)
    return qname, name_text(qname)


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
