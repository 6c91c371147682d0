"""Fixtures of the message tests: the demo zones, a signing key and its zone, spamd, an SMTP sink."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from inboxready.demo import demo_dir, demo_zone_files
from inboxready.dkim.keys import KeyAlgorithm, SigningKey, generate_key, load_signing_key
from inboxready.dns import ZoneResolver, parse_zone_text
from inboxready.testing.spamd import SpamdProcess, spamd_available
from tests.services import require

DEMO_MESSAGES = demo_dir() / "messages"
SHOP = "shop.example"
SELECTOR = "gw2026"
SHOP_SERVER_IP = "192.0.2.10"


def demo_message(name: str) -> bytes:
    return (DEMO_MESSAGES / f"{name}.eml").read_bytes()


@pytest.fixture(scope="session")
def demo_resolver() -> ZoneResolver:
    return ZoneResolver.from_files(demo_zone_files())


@dataclass(frozen=True)
class ShopDomain:
    """A test sending domain: its signing key, and a zone that publishes (or omits) the key."""

    key: SigningKey
    pem: bytes
    zone_text: str

    def resolver(self, publish_key: bool = True) -> ZoneResolver:
        text = self.zone_text if publish_key else "\n".join(
            line for line in self.zone_text.splitlines() if "_domainkey" not in line
        )
        return ZoneResolver([parse_zone_text(text)])


@pytest.fixture(scope="session")
def shop() -> ShopDomain:
    pair = generate_key(KeyAlgorithm.RSA_2048)
    record = pair.record(SHOP, SELECTOR)
    strings = " ".join(f'"{s}"' for s in record.strings)
    zone = f"""$ORIGIN {SHOP}.
$TTL 300
@ IN SOA ns1.{SHOP}. hostmaster.{SHOP}. 1 3600 600 86400 60
@ IN NS ns1.{SHOP}.
@ IN MX 10 mail.{SHOP}.
@ IN TXT "v=spf1 ip4:{SHOP_SERVER_IP} -all"
mail IN A {SHOP_SERVER_IP}
_dmarc IN TXT "v=DMARC1; p=reject"
{SELECTOR}._domainkey IN TXT ( {strings} )
"""
    return ShopDomain(load_signing_key(pair.private_pem), pair.private_pem, zone)


def shop_message(subject: str = "Your order 1", body: str = "Thank you for your order.\r\n",
                 sender: str = f"orders@{SHOP}", extra: str = "") -> bytes:
    return (
        f"From: Shop <{sender}>\r\nTo: Pat <pat@example.org>\r\nSubject: {subject}\r\n"
        f"Date: Tue, 25 Nov 2025 09:30:00 +0000\r\nMessage-ID: <{abs(hash(subject))}@{SHOP}>\r\n"
        f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


@pytest.fixture(scope="session")
def spamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpamdProcess]:
    require(spamd_available(), "spamd is not installed (Debian: apt-get install spamassassin spamd)")
    try:
        process = SpamdProcess.start(tmp_path_factory.mktemp("spamd"))
    except RuntimeError as exc:
        require(False, str(exc))
        raise
    with process:
        yield process


@dataclass
class Sink:
    """An upstream SMTP server that keeps what it receives."""

    host: str
    port: int
    messages: list[Envelope] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 2.0.0 Queued"


@pytest.fixture
async def sink() -> AsyncIterator[Sink]:
    loop = asyncio.get_running_loop()
    holder = Sink("127.0.0.1", 0)
    server = await loop.create_server(lambda: SMTP(holder, hostname="sink.test", loop=loop), "127.0.0.1", 0)
    holder.port = server.sockets[0].getsockname()[1]
    try:
        yield holder
    finally:
        server.close()
        await server.wait_closed()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
