"""Who may relay through the gateway: client networks and SMTP AUTH accounts (RFC 4954).

The auth file has one account per line, `user:secret`, '#' comments allowed. The secret is either
an scrypt hash made by `hash_password` (`{SCRYPT}n$r$p$salt$hash`, base64) or, discouraged, the
plain password as `{PLAIN}password`. Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from inboxready.errors import InputError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'{SCRYPT}16384$8$1$<salt>$<hash>' for the auth file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    encode = base64.b64encode
    return f"{{SCRYPT}}{_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${encode(salt).decode()}${encode(digest).decode()}"


def password_matches(password: bytes, secret: str) -> bool:
    if secret.startswith("{PLAIN}"):
        return hmac.compare_digest(password, secret[len("{PLAIN}"):].encode("utf-8"))
    if not secret.startswith("{SCRYPT}"):
        return False
    try:
        n, r, p, salt, expected = secret[len("{SCRYPT}"):].split("$")
        digest = hashlib.scrypt(password, salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=128 * int(r) * int(n) * 2 + 2**20)
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


@cache
def _dummy_secret() -> str:
    return hash_password(secrets.token_hex(8))


def load_auth_file(path: str | Path) -> dict[str, str]:
    """user → secret; InputError naming file:line for anything unusable."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read auth file {p}: {exc}") from exc
    accounts: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        user, colon, secret = text.partition(":")
        if not colon or not user or not secret.startswith(("{SCRYPT}", "{PLAIN}")):
            raise InputError(f"{p}:{number}: expected user:{{SCRYPT}}... or user:{{PLAIN}}password")
        accounts[user] = secret
    if not accounts:
        raise InputError(f"{p}: no account in the auth file")
    return accounts


def parse_networks(texts: Iterable[str]) -> tuple[IPNetwork, ...]:
    networks = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise InputError(f"--allow {text!r}: not a network such as 192.0.2.0/24 or 2001:db8::/32") from None
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Clients from `networks` may relay without AUTH; everyone else must authenticate."""

    networks: tuple[IPNetwork, ...] = LOOPBACK
    accounts: Mapping[str, str] = field(default_factory=dict)

    def network_allowed(self, peer: str | None) -> bool:
        if not peer:
            return False
        try:
            ip = ipaddress.ip_address(peer.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def check_login(self, user: bytes, password: bytes) -> bool:
        secret = self.accounts.get(user.decode("utf-8", "replace"))
        if secret is None:
            password_matches(password, _dummy_secret())  # the same work for unknown users
            return False
        return password_matches(password, secret)
