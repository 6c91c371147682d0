"""Reverse-DNS names: the PTR owner of an IP, and whether a PTR name looks generic (pure, no I/O).

A "generic" name is the one an ISP or cloud assigns to every address of a pool
(`host-203-0-113-5.dynamic.isp.example`), as opposed to a name an operator chose for a mail server
(`mail.example.com`). There is no standard; the heuristics follow the conventions described in the
IETF draft on generic DNS naming schemes (draft-msullivan-dnsop-generic-naming-schemes) and the
advice of Spamhaus (PBL) and the mailbox providers that a mail server's PTR name identify the server:

- the IP address embedded in the name (its octets in either order, zero-padded, in hex or as one
  integer; for IPv6 its hex digits or groups);
- tokens that name address pools or access technologies: dynamic, dyn, pool, dhcp, dsl, cable,
  ppp, client, broadband, dialup, customer, residential...;
- weaker tokens (static, ip, host, user, rev...) only together with two or more numbers;
- a PTR name that is itself an IP literal or an in-addr.arpa / ip6.arpa name.
"""

from __future__ import annotations

import ipaddress
import re

#: Tokens that mark an address-pool name on their own.
STRONG_WORDS = frozenset(
    {
        "adsl", "bb", "broadband", "cable", "catv", "client", "clients", "cpe", "cust", "customer",
        "customers", "dhcp", "dial", "dialin", "dialup", "dip", "dsl", "dyn", "dynamic", "dynamicip",
        "dynip", "fttb", "fttc", "ftth", "fttx", "generic", "gprs", "hsd", "lte", "modem", "pool",
        "ppp", "pppoe", "resnet", "residential", "sdsl", "unassigned", "unknown", "vdsl", "xdsl",
    }
)  # fmt: skip
#: Tokens that mark a pool name only next to numbers (mail servers use them too).
WEAK_WORDS = frozenset(
    {"addr", "host", "home", "ip", "ips", "mobile", "nat", "ptr", "res", "rev", "reverse", "static",
     "user", "users", "wireless"}
)  # fmt: skip

_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def reverse_name(ip: str) -> str:
    """The PTR owner name: 1.2.0.192.in-addr.arpa for 192.0.2.1, nibbles under ip6.arpa for IPv6."""
    return ipaddress.ip_address(ip).reverse_pointer


def _host_labels(name: str) -> list[str]:
    labels = name.lower().rstrip(".").split(".")
    # The last two labels are (about) the registered domain: an ISP called "dynamic-net" is fine.
    return labels[:-2]


def _numbers(name: str) -> list[int]:
    return [int(t) for t in _TOKEN.findall(name.lower()) if t.isdigit() and len(t) <= 3]


def _contains_run(seq: list[int], run: list[int]) -> bool:
    n = len(run)
    return any(seq[i : i + n] == run for i in range(len(seq) - n + 1))


def _embeds_ipv4(name: str, ip: ipaddress.IPv4Address) -> str | None:
    octets = [int(o) for o in str(ip).split(".")]
    flat = re.sub(r"[^0-9a-f]", "", name.lower())
    numbers = _numbers(name)
    runs = (octets, octets[::-1], octets[1:], octets[1:][::-1])
    if any(_contains_run(numbers, run) for run in runs):
        return f"embeds the address {ip}"
    padded = "".join(f"{o:03d}" for o in octets)
    if padded in flat or f"{int(ip):08x}" in flat or re.search(rf"(?<![0-9]){int(ip)}(?![0-9])", name):
        return f"embeds the address {ip} (padded, hex or integer form)"
    return None


def _embeds_ipv6(name: str, ip: ipaddress.IPv6Address) -> str | None:
    text = name.lower()
    flat = re.sub(r"[^0-9a-f]", "", text)
    exploded = ip.exploded.replace(":", "")
    interface_id = exploded[16:]
    if exploded in flat or ip.compressed.replace(":", "-") in text or ip.exploded.replace(":", "-") in text:
        return f"embeds the address {ip}"
    if interface_id.strip("0") and len(interface_id.lstrip("0")) >= 8 and interface_id.lstrip("0") in flat:
        return f"embeds the interface identifier of {ip}"
    return None


def generic_reasons(name: str, ip: str) -> tuple[str, ...]:
    """Why `name` looks like a generic pool name for `ip` (empty when it does not)."""
    text = name.lower().rstrip(".")
    address = ipaddress.ip_address(ip)
    reasons: list[str] = []
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return ("is an IP address, not a host name",)
    if text.endswith((".in-addr.arpa", ".ip6.arpa")):
        return ("is a reverse-lookup name, not a host name",)
    embedded = (
        _embeds_ipv4(text, address) if isinstance(address, ipaddress.IPv4Address) else _embeds_ipv6(text, address)
    )
    if embedded:
        reasons.append(embedded)
    host_part = ".".join(_host_labels(text))
    tokens = _TOKEN.findall(host_part)
    strong = sorted({t for t in tokens if t in STRONG_WORDS})
    if strong:
        reasons.append("contains " + ", ".join(repr(w) for w in strong))
    weak = sorted({t for t in tokens if t in WEAK_WORDS})
    if weak and sum(1 for t in tokens if t.isdigit()) >= 2 and not embedded:
        reasons.append("contains " + ", ".join(repr(w) for w in weak) + " with numbers")
    return tuple(reasons)
