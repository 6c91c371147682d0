"""The blocklists to ask and the meaning of their answers: data, loaded from YAML.

The bundled `data/lists.yaml` names each list's zone, kind (ip or domain), return codes, error
codes, removal page and the page the codes were taken from. A user file (`--lists FILE`, or the
`blocklists` option of an audit) adds lists and replaces bundled ones with the same id;
`include_defaults: false` at its top uses the file's lists alone, `enabled: false` on an entry
turns a list off. Every error in a file names file:line.

Return codes (RFC 5782 section 2.1: an A record in 127.0.0.0/8 means "listed"):
- `codes`: address → meaning; with `bitmask: true` the keys are bit values of the last octet
  (SURBL, URIBL), an answer may carry several;
- `errors`: address or network → meaning of an answer that is *not* a listing (Spamhaus
  127.255.255.0/24, URIBL 127.0.0.1: query refused) — reported as "could not check".
Test entries (RFC 5782 section 5): `test_listed` must be listed, `test_unlisted` must not; the
defaults are 127.0.0.2 / 127.0.0.1 for IP lists and TEST / INVALID for domain lists.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from inboxready.errors import InputError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ZONE_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}$")


class ListKind(enum.Enum):
    IP = "ip"
    DOMAIN = "domain"

    @classmethod
    def from_text(cls, text: str) -> ListKind:
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValueError(f"kind must be ip or domain, not {text!r}") from None

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Blocklist:
    id: str
    name: str
    zone: str
    kind: ListKind
    #: (answer network, meaning) for listings; for bitmask lists (bit value as a /32 of 0.0.0.bit).
    codes: tuple[tuple[Network, str], ...]
    errors: tuple[tuple[Network, str], ...] = ()
    bitmask: bool = False
    ipv6: bool = False
    removal: str = ""
    source: str = ""
    checked: str = ""
    test_listed: str = ""
    test_unlisted: str = ""
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "zone": self.zone,
            "kind": self.kind.to_text(),
            "removal": self.removal,
            "source": self.source,
        }

    def error_meaning(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        return _longest_match(self.errors, address)

    def listing_meanings(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[str]:
        """What a listing answer means; empty when it carries no documented meaning."""
        if self.bitmask:
            last = int(address) & 0xFF
            return [m for net, m in self.codes if last & int(net.network_address)]
        meaning = _longest_match(self.codes, address)
        return [meaning] if meaning else []


def _longest_match(
    table: tuple[tuple[Network, str], ...], address: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> str | None:
    hits = [(net.prefixlen, m) for net, m in table if address.version == net.version and address in net]
    return max(hits)[1] if hits else None


DEFAULT_LISTS = "data/lists.yaml"


def default_lists_path() -> Path:
    return Path(str(resources.files("inboxready.blocklists"))) / DEFAULT_LISTS


def load_lists(path: str | os.PathLike[str] | None = None) -> tuple[Blocklist, ...]:
    """The bundled lists, extended (or replaced) by the file at `path`; enabled lists only."""
    bundled = _bundled()
    if path is None:
        return tuple(b for b in bundled if b.enabled)
    extra, include_defaults = _read_file(Path(path))
    merged = {b.id: b for b in bundled} if include_defaults else {}
    for b in extra:
        merged[b.id] = b
    return tuple(b for b in merged.values() if b.enabled)


@functools.cache
def _bundled() -> tuple[Blocklist, ...]:
    return tuple(_read_file(default_lists_path())[0])


def _read_file(path: Path) -> tuple[list[Blocklist], bool]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read blocklists file: {exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InputError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        raise InputError(f"{path}: expected a mapping with a 'lists:' sequence of blocklists")
    assert isinstance(root, yaml.MappingNode)
    lists_node = next(v for k, v in root.value if k.value == "lists")
    out: list[Blocklist] = []
    seen: set[str] = set()
    for entry, node in zip(data["lists"], lists_node.value, strict=True):
        where = f"{path}:{node.start_mark.line + 1}"
        try:
            blocklist = parse_blocklist(entry)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        if blocklist.id in seen:
            raise InputError(f"{where}: blocklist id {blocklist.id!r} appears twice")
        seen.add(blocklist.id)
        out.append(blocklist)
    include = data.get("include_defaults", True)
    if not isinstance(include, bool):
        raise InputError(f"{path}: include_defaults must be true or false")
    return out, include


def parse_blocklist(entry: object) -> Blocklist:
    """One `lists:` entry; ValueError with a one-line reason when it is not usable."""
    if not isinstance(entry, dict):
        raise ValueError("each blocklist must be a mapping with id, zone, kind and codes")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    ident = _text(entry, "id")
    if not _ID_RE.match(ident):
        raise ValueError(f"id {ident!r}: use lower-case letters, digits and '-'")
    zone = _text(entry, "zone").lower().rstrip(".")
    if not _ZONE_RE.match(zone):
        raise ValueError(f"{ident}: zone {zone!r} is not a DNS name")
    kind = ListKind.from_text(_text(entry, "kind"))
    bitmask = _flag(entry, "bitmask", False)
    codes = _codes(entry.get("codes"), ident, "codes", bitmask)
    if not codes:
        raise ValueError(f"{ident}: codes must list at least one return code and its meaning")
    defaults = ("127.0.0.2", "127.0.0.1") if kind is ListKind.IP else ("test", "invalid")
    return Blocklist(
        id=ident,
        name=str(entry.get("name") or ident),
        zone=zone,
        kind=kind,
        codes=codes,
        errors=_codes(entry.get("errors"), ident, "errors", False),
        bitmask=bitmask,
        ipv6=_flag(entry, "ipv6", False),
        removal=str(entry.get("removal") or ""),
        source=str(entry.get("source") or ""),
        checked=str(entry.get("checked") or ""),
        test_listed=str(entry.get("test_listed") or defaults[0]).lower(),
        test_unlisted=str(entry.get("test_unlisted") or defaults[1]).lower(),
        enabled=_flag(entry, "enabled", True),
    )


_FIELDS = {
    "id", "name", "zone", "kind", "codes", "errors", "bitmask", "ipv6", "removal", "source", "checked",
    "test_listed", "test_unlisted", "enabled",
}  # fmt: skip


def _text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} is required (text)")
    return value.strip()


def _flag(entry: dict[str, Any], key: str, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _codes(table: object, ident: str, key: str, bitmask: bool) -> tuple[tuple[Network, str], ...]:
    if table is None:
        return ()
    if not isinstance(table, dict):
        raise ValueError(f"{ident}: {key} must map return codes to their meaning")
    out: list[tuple[Network, str]] = []
    for code, meaning in table.items():
        if bitmask:
            if not isinstance(code, int) or not 0 < code < 256 or code & (code - 1):
                raise ValueError(f"{ident}: bitmask code {code!r} must be a power of two below 256")
            out.append((ipaddress.ip_network(f"0.0.0.{code}/32"), str(meaning)))
            continue
        try:
            network = ipaddress.ip_network(str(code), strict=True)
        except ValueError:
            raise ValueError(f"{ident}: {key}: {code!r} is not an IPv4 address or network") from None
        if network.version != 4:
            raise ValueError(f"{ident}: {key}: {code!r}: DNSBL answers are IPv4 addresses (A records)")
        out.append((network, str(meaning)))
    return tuple(out)
