"""Answers from RFC 1035 master files, as an authoritative server for those zones would give them.

Each file is one zone (its $ORIGIN or SOA owner; otherwise an origin passed in, or the file
name), or several when a later $ORIGIN leaves the first zone (dnspython would drop such names
silently, so the file is split there). Files with the same origin are merged. A name under no
loaded origin is NXDOMAIN, a name that exists only as an empty non-terminal is NODATA, wildcards
(RFC 4592) are expanded, and CNAME chains are followed across the loaded zones.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import dns.exception
import dns.name
import dns.node
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.zone

from inboxready.dns.answer import Answer, name_text, to_name, to_rdtype
from inboxready.dns.errors import NoData, NXDomain
from inboxready.errors import ZoneFileError

MAX_CNAME_CHAIN = 16
_WILDCARD = dns.name.Name((b"*",))


def _origin_from_filename(path: Path) -> dns.name.Name | None:
    stem = path.name
    for suffix in (".zone", ".db", ".txt"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem.startswith("db."):
        stem = stem[3:]
    try:
        return dns.name.from_text(stem) if "." in stem else None
    except dns.exception.DNSException:
        return None


_ORIGIN_LINE = re.compile(r"^\$ORIGIN\s+(\S+)", re.IGNORECASE)
_TTL_LINE = re.compile(r"^\$TTL\s+\S+", re.IGNORECASE)


def split_zone_text(text: str, origin: dns.name.Name | None = None) -> list[str]:
    """The text of each zone in a master file, split where an $ORIGIN leaves the zone before it.

    Each part keeps its line numbers (earlier lines become blank) and the $TTL in force.
    """
    lines = text.splitlines(keepends=True)
    starts: list[tuple[int, str | None]] = [(0, None)]
    zone_origin, ttl_line, depth = origin, None, 0
    for index, line in enumerate(lines):
        code = line.split(";", 1)[0]
        if depth == 0:
            match = _ORIGIN_LINE.match(code)
            if match:
                try:
                    name = dns.name.from_text(match.group(1), origin=zone_origin or dns.name.root)
                except dns.exception.DNSException:
                    name = None  # dnspython reports it with its line
                if name is not None and zone_origin is not None and not name.is_subdomain(zone_origin):
                    starts.append((index, ttl_line))
                if name is not None and (zone_origin is None or not name.is_subdomain(zone_origin)):
                    zone_origin = name
            elif _TTL_LINE.match(code):
                ttl_line = code.strip()
        depth = max(0, depth + code.count("(") - code.count(")"))
    parts = []
    for number, (start, ttl) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        pad = ["\n"] * start
        if ttl and start:
            pad[-1] = ttl + "\n"
        parts.append("".join(pad + lines[start:end]))
    return parts


def load_zone_files(path: str | os.PathLike[str], origin: str | None = None) -> list[dns.zone.Zone]:
    """Parse one master file into its zone(s); errors name file:line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ZoneFileError(str(p), None, f"cannot read zone file: {exc}") from exc
    return parse_zone_texts(text, origin=origin, filename=str(p), fallback_origin=_origin_from_filename(p))


def load_zone_file(path: str | os.PathLike[str], origin: str | None = None) -> dns.zone.Zone:
    """Parse a master file that holds one zone (see `load_zone_files` for files with several)."""
    zones = load_zone_files(path, origin)
    if len(zones) > 1:
        raise ZoneFileError(str(path), None, "holds several zones ($ORIGIN outside the first): use load_zone_files")
    return zones[0]


def parse_zone_texts(
    text: str,
    origin: str | None = None,
    filename: str = "<zone>",
    fallback_origin: dns.name.Name | None = None,
) -> list[dns.zone.Zone]:
    parts = split_zone_text(text, to_name(origin) if origin else None)
    first = parse_zone_text(parts[0], origin=origin, filename=filename, fallback_origin=fallback_origin)
    return [first, *(parse_zone_text(part, filename=filename) for part in parts[1:])]


def parse_zone_text(
    text: str,
    origin: str | None = None,
    filename: str = "<zone>",
    fallback_origin: dns.name.Name | None = None,
) -> dns.zone.Zone:
    def read(o: dns.name.Name | None) -> dns.zone.Zone:
        return dns.zone.from_text(
            text, origin=o, relativize=False, check_origin=False, filename=filename, allow_include=True
        )

    try:
        try:
            return read(to_name(origin) if origin else None)
        except dns.zone.UnknownOrigin:
            if fallback_origin is None:
                raise ZoneFileError(
                    filename, None, "no $ORIGIN and no origin given: add '$ORIGIN example.com.' at the top"
                ) from None
            return read(fallback_origin)
    except dns.exception.SyntaxError as exc:
        raise _zone_syntax_error(filename, str(exc), text, to_name(origin) if origin else fallback_origin) from exc
    except (dns.exception.DNSException, OSError, ValueError, KeyError) as exc:
        raise ZoneFileError(filename, None, str(exc) or type(exc).__name__) from exc


def _zone_syntax_error(filename: str, message: str, text: str, origin: dns.name.Name | None) -> ZoneFileError:
    # dnspython words it "file:line: reason", but for bad rdata it has already read the newline and
    # names the next line. If everything before the reported line parses, the reported line is
    # the culprit; otherwise it is the one before.
    head, sep, reason = message.partition(": ")
    where, _, line_text = head.rpartition(":")
    if not (sep and line_text.isdigit()):
        return ZoneFileError(filename, None, message)
    line = int(line_text)
    lines = text.splitlines()
    if where == filename and 1 < line <= len(lines) + 1:
        try:
            dns.zone.from_text(
                "\n".join(lines[: line - 1]) + "\n",
                origin=origin,
                relativize=False,
                check_origin=False,
                allow_include=False,
            )
        except dns.zone.UnknownOrigin:
            pass
        except (dns.exception.DNSException, ValueError, KeyError):
            line -= 1
    if where == filename and 0 < line <= len(lines):
        reason = f"{reason.rstrip('.')}: {lines[line - 1].strip()!r}"
    return ZoneFileError(where or filename, line, reason)


class ZoneResolver:
    """A `Resolver` over loaded zones; no network."""

    def __init__(self, zones: Iterable[dns.zone.Zone] = ()) -> None:
        self._zones: dict[dns.name.Name, dns.zone.Zone] = {}
        self._interior: set[dns.name.Name] = set()  # every name with something below it
        for zone in zones:
            self.add_zone(zone)

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike[str]]) -> ZoneResolver:
        return cls(zone for p in paths for zone in load_zone_files(p))

    @classmethod
    def from_text(cls, text: str, origin: str | None = None) -> ZoneResolver:
        return cls(parse_zone_texts(text, origin=origin))

    def add_zone(self, zone: dns.zone.Zone) -> None:
        assert zone.origin is not None
        origin = zone.origin.canonicalize()
        for name in zone.nodes:
            self._interior.update(p for p in _parents(name.canonicalize()) if p.is_subdomain(origin))
        existing = self._zones.get(origin)
        if existing is None:
            self._zones[origin] = zone
            return
        for name, node in zone.nodes.items():
            target = existing.find_node(name, create=True)
            for rdataset in node.rdatasets:
                target.replace_rdataset(rdataset)

    @property
    def origins(self) -> list[str]:
        return sorted(name_text(o) for o in self._zones)

    def zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        """The loaded zone with the longest origin that contains `name`."""
        for candidate in (name, *_parents(name)):
            zone = self._zones.get(candidate)
            if zone is not None:
                return zone
        return None

    def covers(self, name: str | dns.name.Name) -> bool:
        return self.zone_for(to_name(name)) is not None

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        return self.lookup(name, rdtype)

    def lookup(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        """The synchronous core of `query` (zone data needs no waiting)."""
        qname, qtype = to_name(name), to_rdtype(rdtype)
        current = qname
        chain: list[str] = []
        chain_ttl: int | None = None  # a cached answer lives no longer than any CNAME on the way
        for _ in range(MAX_CNAME_CHAIN):
            zone = self.zone_for(current)
            if zone is None:
                raise NXDomain(name_text(current), qtype.name, self._chain_detail(qname, chain))
            node = self._node(zone, current)
            if node is None:
                raise NXDomain(name_text(current), qtype.name, self._chain_detail(qname, chain))
            rdataset = node.get_rdataset(dns.rdataclass.IN, qtype)
            if rdataset is not None and len(rdataset):
                return Answer(
                    name=name_text(qname),
                    rdtype=qtype.name,
                    records=tuple(rdataset),
                    ttl=rdataset.ttl if chain_ttl is None else min(rdataset.ttl, chain_ttl),
                    canonical_name=name_text(current),
                    cname_chain=tuple(chain),
                )
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or qtype == dns.rdatatype.CNAME:
                raise NoData(name_text(current), qtype.name, self._chain_detail(qname, chain))
            current = next(iter(cname)).target.canonicalize()
            chain.append(name_text(current))
            chain_ttl = cname.ttl if chain_ttl is None else min(chain_ttl, cname.ttl)
        raise NoData(name_text(qname), qtype.name, "CNAME chain too long or looping")

    @staticmethod
    def _chain_detail(qname: dns.name.Name, chain: list[str]) -> str:
        return f"via CNAME from {name_text(qname)}" if chain else ""

    def _node(self, zone: dns.zone.Zone, name: dns.name.Name) -> dns.node.Node | None:
        node = zone.get_node(name)
        if node is not None:
            return node
        if self._is_empty_non_terminal(zone, name):
            return dns.node.Node()  # type: ignore[no-untyped-call]
        # RFC 4592: the wildcard at the closest encloser answers for names that do not exist.
        assert zone.origin is not None
        for encloser in _parents(name):
            if zone.get_node(encloser) is not None or self._is_empty_non_terminal(zone, encloser):
                return zone.get_node(_WILDCARD.concatenate(encloser))
            if encloser == zone.origin:
                break
        return None

    def _is_empty_non_terminal(self, zone: dns.zone.Zone, name: dns.name.Name) -> bool:
        return name in self._interior


def _parents(name: dns.name.Name) -> list[dns.name.Name]:
    out = []
    current = name
    while current != dns.name.root:
        current = current.parent()
        out.append(current)
    return out
