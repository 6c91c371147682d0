"""Build the resolver the global options ask for (--zone, --nameserver, --timeout)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from inboxready.dns.cache import CachingResolver
from inboxready.dns.layered import LayeredResolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver
from inboxready.errors import InputError

DEFAULT_TIMEOUT = 3.0


def parse_nameserver(text: str) -> tuple[str, int]:
    """'192.0.2.1', '192.0.2.1:5353', '[2001:db8::1]:53' or '2001:db8::1' → (host, port)."""
    host, port = text.strip(), 53
    if host.startswith("["):
        inner, _, rest = host[1:].partition("]")
        host = inner
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif host.count(":") == 1:
        host, _, port_text = host.partition(":")
        port = _port(port_text, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise InputError(f"nameserver {text!r}: give an IP address, optionally with :PORT") from None
    return host, port


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InputError(f"nameserver {whole!r}: port must be a number from 1 to 65535")
    return int(text)


def system_nameservers(resolv_conf: str = "/etc/resolv.conf") -> list[tuple[str, int]]:
    servers = []
    try:
        lines = Path(resolv_conf).read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                servers.append(parse_nameserver(parts[1].split("%")[0]))
            except InputError:
                continue
    return servers or [("127.0.0.1", 53)]


def build_resolver(
    zone_files: Sequence[str | os.PathLike[str]] = (),
    nameservers: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 2,
) -> CachingResolver:
    """Zones only: offline. Nameservers only (or nothing): live. Both: zones over live."""
    from inboxready.dns.live import LiveResolver  # the socket code loads only when needed

    if timeout <= 0:
        raise InputError("--timeout must be a positive number of seconds")
    zones = ZoneResolver.from_files(zone_files) if zone_files else None
    backend: Resolver
    if zones is not None and not nameservers:
        backend = zones
    else:
        servers = [parse_nameserver(n) for n in nameservers] or system_nameservers()
        live = LiveResolver(servers, timeout=timeout, retries=retries)
        backend = LayeredResolver(zones, live) if zones is not None else live
    return CachingResolver(backend)
