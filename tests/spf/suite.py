"""The openspf YAML test suites as data: scenarios, cases, and a Resolver built from `zonedata`.

Zone data follows the suite's conventions (as its reference driver, pyspf's testspf.py, reads them):
an `SPF` entry also serves as TXT unless the name has a `TXT` entry of its own (`TXT: NONE` only
suppresses that copy); `TIMEOUT` makes a query time out unless a record of the asked type came
before it in the list; a name not listed does not exist.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.PTR
import dns.rdtypes.ANY.SPF
import dns.rdtypes.ANY.TXT
import dns.rdtypes.IN.A
import dns.rdtypes.IN.AAAA
import yaml

from inboxready.dns.answer import Answer, name_text, to_name, to_rdtype
from inboxready.dns.errors import NoData, NXDomain, Timeout

IN = dns.rdataclass.IN


def literal_name(text: str) -> dns.name.Name:
    """A name from text label by label (no escape processing), as the suite writes names."""
    labels = [label.encode("latin-1", "strict") for label in text.rstrip(".").split(".")]
    return dns.name.Name([*labels, b""])


def _bytes(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _txt_strings(value: Any) -> tuple[bytes, ...]:
    texts = [value] if isinstance(value, str) else list(value)
    out: list[bytes] = []
    for text in texts:
        raw = _bytes(str(text))
        out.extend(raw[i : i + 255] for i in range(0, len(raw), 255)) if raw else out.append(b"")
    return tuple(out)


def _rdata(rtype: str, value: Any) -> Any:
    if rtype == "A":
        return dns.rdtypes.IN.A.A(IN, dns.rdatatype.A, value)
    if rtype == "AAAA":
        return dns.rdtypes.IN.AAAA.AAAA(IN, dns.rdatatype.AAAA, value)
    if rtype == "MX":
        preference, exchange = value
        target = literal_name(exchange) if exchange else dns.name.root
        return dns.rdtypes.ANY.MX.MX(IN, dns.rdatatype.MX, preference, target)
    if rtype == "PTR":
        return dns.rdtypes.ANY.PTR.PTR(IN, dns.rdatatype.PTR, literal_name(value))
    if rtype == "CNAME":
        return dns.rdtypes.ANY.CNAME.CNAME(IN, dns.rdatatype.CNAME, literal_name(value))
    strings = _txt_strings(value)
    if not strings:  # "null text": a TXT record with no strings, which dnspython cannot hold
        return types.SimpleNamespace(strings=())
    cls = dns.rdtypes.ANY.TXT.TXT if rtype == "TXT" else dns.rdtypes.ANY.SPF.SPF
    return cls(IN, dns.rdatatype.from_text(rtype), strings)


def _entries(records: list[Any]) -> list[tuple[str, Any] | str]:
    """The suite's list for one name, with SPF copied to TXT when the name has no TXT entry."""
    has_txt = any(isinstance(r, dict) and "TXT" in r for r in records)
    out: list[tuple[str, Any] | str] = []
    copies: list[tuple[str, Any]] = []
    for record in records:
        if isinstance(record, str):
            out.append(record)
            continue
        for rtype, value in record.items():
            if rtype == "SPF" and not has_txt:
                copies.append(("TXT", value))
            if value != "NONE":
                out.append((rtype, value))
    return out + copies


class SuiteResolver:
    """A `Resolver` over one scenario's zonedata."""

    def __init__(self, zonedata: dict[str, list[Any]]) -> None:
        self.names = {literal_name(name): _entries(records) for name, records in zonedata.items()}

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        return self.lookup(name, rdtype)

    def lookup(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        qname, qtype = to_name(name), to_rdtype(rdtype).name
        current, chain = qname, []
        for _ in range(10):
            entries = self.names.get(current)
            if entries is None:
                raise NXDomain(name_text(current), qtype)
            records, cname = self._select(entries, current, qtype)
            if records:
                return Answer(name_text(qname), qtype, tuple(records), 300, name_text(current), tuple(chain))
            if cname is None:
                raise NoData(name_text(current), qtype)
            current = cname
            chain.append(name_text(current))
        raise NoData(name_text(qname), qtype, "CNAME loop")

    @staticmethod
    def _select(entries: list[tuple[str, Any] | str], name: dns.name.Name, qtype: str
                ) -> tuple[list[Any], dns.name.Name | None]:
        records: list[Any] = []
        cname = None
        for entry in entries:
            if entry == "TIMEOUT":
                if not records:
                    raise Timeout(name_text(name), qtype)
                break
            rtype, value = entry
            if rtype == qtype:
                records.append(_rdata(rtype, value))
            elif rtype == "CNAME":
                cname = literal_name(value)
        return records, cname


@dataclass(frozen=True)
class SuiteCase:
    scenario: str
    name: str
    spec: str
    helo: str
    host: str
    mailfrom: str
    results: tuple[str, ...]
    explanation: str | None
    zonedata: dict[str, list[Any]]

    @property
    def id(self) -> str:
        return self.name


def load_cases(path: Path) -> Iterator[SuiteCase]:
    with path.open("rb") as f:
        for scenario in yaml.safe_load_all(f):
            for name, case in (scenario or {}).get("tests", {}).items():
                result = case["result"]
                yield SuiteCase(
                    scenario=scenario.get("description") or scenario.get("comment", "").strip(),
                    name=name,
                    spec=str(case.get("spec", "")),
                    helo=case["helo"],
                    host=case["host"],
                    mailfrom=case["mailfrom"],
                    results=tuple(result) if isinstance(result, list) else (result,),
                    explanation=case.get("explanation"),
                    zonedata=scenario["zonedata"],
                )
