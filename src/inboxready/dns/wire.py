"""DNS messages on the wire for the live backend: query templates, reply matching, CNAME following.

Pure functions, no I/O. A query is built by hand from a template (RFC 1035 4.1: header, one
question; RFC 6891 6.1.2: an OPT pseudo-RR advertising our UDP payload size) so that sending costs
no more than a byte concatenation; replies are parsed with dnspython's wire parser.

A reply is accepted only when it matches the query (RFC 5452 9.1: ID, and the question section —
name compared case-insensitively, type and class exactly); anything else is ignored by the
transport as a possible spoof.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset

MAX_CNAME_CHAIN = 16
_HEADER = struct.Struct("!HHHHH")  # flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (the ID goes first)
_OPT_TYPE = 41


@dataclass(frozen=True, slots=True)
class Question:
    """One question, ready to send: `body` is the whole query except its 2-byte ID."""

    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    body: bytes
    name_key: bytes  # the question name in wire form, lower-cased, to match replies
    type_class: bytes  # QTYPE and QCLASS as sent
    edns: bool

    def wire(self, query_id: int) -> bytes:
        return query_id.to_bytes(2, "big") + self.body

    def without_edns(self) -> Question:
        return make_question(self.name, self.rdtype, 0)


def make_question(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, edns_payload: int) -> Question:
    """A recursion-desired query for (name, rdtype, IN); EDNS0 when `edns_payload` is non-zero."""
    qname = name.to_wire()
    assert qname is not None
    type_class = struct.pack("!HH", rdtype, dns.rdataclass.IN)
    edns = edns_payload > 0
    header = _HEADER.pack(dns.flags.RD, 1, 0, 0, 1 if edns else 0)
    body = header + qname + type_class
    if edns:
        # root owner, TYPE=OPT, CLASS=payload size, TTL=ext-rcode/version/flags 0, RDLEN=0
        body += b"\x00" + struct.pack("!HHIH", _OPT_TYPE, edns_payload, 0, 0)
    return Question(name, rdtype, body, qname.lower(), type_class, edns)


def reply_id(data: bytes) -> int | None:
    return int.from_bytes(data[:2], "big") if len(data) >= 12 else None


def matches(data: bytes, question: Question) -> bool:
    """A response (QR set, opcode QUERY) to exactly this question. The ID is checked by the caller."""
    if len(data) < 12 or not data[2] & 0x80 or data[2] & 0x78 or data[4:6] != b"\x00\x01":
        return False
    end = 12 + len(question.name_key)
    # The question is the first name in the message, so it cannot be compressed.
    return data[12:end].lower() == question.name_key and data[end : end + 4] == question.type_class


def _negative_reply_head(data: bytes) -> bytes | None:
    """Header and question of a reply with no answer records (NXDOMAIN, NODATA), else None.

    Such replies carry an SOA (and maybe NSEC) in the authority section that nothing here reads,
    and parsing it is the largest cost of a bulk audit, where most questions find nothing. The
    header (RCODE) and the question are all that matters, unless an OPT record could carry an
    extended RCODE: then only a trailing empty OPT with extended RCODE 0 (checked) is dropped.
    """
    if len(data) < 17 or data[6:8] != b"\x00\x00" or data[4:6] != b"\x00\x01":  # ANCOUNT 0, QDCOUNT 1
        return None
    arcount = int.from_bytes(data[10:12], "big")
    if arcount > 1 or (arcount == 1 and not (
        data[-11:-8] == b"\x00\x00\x29" and data[-6] == 0 and data[-2:] == b"\x00\x00"
    )):
        return None
    end = _question_name_end(data)
    if end is None or end + 5 > len(data):
        return None
    return data[:6] + b"\x00\x00\x00\x00\x00\x00" + data[12 : end + 5]


def _question_name_end(data: bytes) -> int | None:
    """Index of the root label ending the question name (never compressed: RFC 1035 4.1.4)."""
    position = 12
    while position < len(data):
        length = data[position]
        if length == 0:
            return position
        if length & 0xC0:
            return None
        position += length + 1
    return None


def parse(data: bytes) -> dns.message.Message:
    """dnspython's parser; raises dns.exception.DNSException (or ValueError) on malformed input.

    Replies without answer records are parsed from their header and question alone (see
    `_negative_reply_head`).

    Nearly every reply ends with an empty OPT record (RFC 6891 6.1.2) that costs a third of the
    parse and tells us nothing once the extended RCODE is known to be 0. When the last 11 octets
    look like one, the message is parsed without them: if that parse consumes the rest exactly,
    record by record, those octets were a whole RR with a root owner and TYPE 41, i.e. that OPT.
    Anything else (options present, an extended RCODE, a parse error) gets the full parse.
    """
    head = _negative_reply_head(data)
    if head is not None:
        with contextlib.suppress(dns.exception.DNSException, ValueError):
            return dns.message.from_wire(head)
    if (
        len(data) > 23
        and data[-11:-8] == b"\x00\x00\x29"  # root owner, TYPE OPT
        and data[-6] == 0  # extended RCODE
        and data[-2:] == b"\x00\x00"  # RDLENGTH: no options
        and data[10:12] != b"\x00\x00"  # ARCOUNT
    ):
        arcount = int.from_bytes(data[10:12], "big") - 1
        with contextlib.suppress(dns.exception.DNSException, ValueError):
            return dns.message.from_wire(data[:10] + arcount.to_bytes(2, "big") + data[12:-11])
    return dns.message.from_wire(data)


@dataclass(frozen=True, slots=True)
class Followed:
    """What one reply's answer section says about (name, rdtype) after following its CNAMEs."""

    cnames: tuple[dns.rrset.RRset, ...]  # the CNAME rrsets used, in order
    target: dns.name.Name  # the last name reached (the name itself when there was no CNAME)
    rrset: dns.rrset.RRset | None  # records of the type at `target`, if the reply had them


def follow_cnames(message: dns.message.Message, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Followed:
    """Walk the answer section from `name` through CNAMEs (RFC 1034 3.6.2, 4.3.2 step 3a)."""
    if len(message.answer) == 1:  # the usual reply: just the records asked for
        only = message.answer[0]
        if (
            only.rdtype == rdtype
            and only.rdclass == dns.rdataclass.IN
            and len(only)
            and (only.name.labels == name.labels or only.name == name)  # identical labels: the usual echo
        ):
            return Followed((), name, only)
    index = {
        (rrset.name, rrset.rdtype): rrset
        for rrset in message.answer
        if rrset.rdclass == dns.rdataclass.IN and len(rrset)
    }
    current = name
    cnames: list[dns.rrset.RRset] = []
    seen = {name}
    while True:
        found = index.get((current, rdtype))
        if found is not None:
            return Followed(tuple(cnames), current, found)
        cname = index.get((current, dns.rdatatype.CNAME))
        if cname is None or rdtype == dns.rdatatype.CNAME or len(cnames) >= MAX_CNAME_CHAIN:
            return Followed(tuple(cnames), current, None)
        target: dns.name.Name = next(iter(cname)).target
        if target in seen:
            return Followed(tuple(cnames), current, None)
        seen.add(target)
        cnames.append(cname)
        current = target
