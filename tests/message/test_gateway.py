"""The gateway end to end on loopback: smtplib/swaks → gateway → an aiosmtpd sink upstream."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import shutil
import smtplib
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from inboxready.dkim.signing import verify_message
from inboxready.message.access import AccessPolicy, hash_password
from inboxready.message.check import DeclaredServer
from inboxready.message.gateway import GatewayConfig, GatewayHandler, OnFail, Signer, release_held, start_gateway
from inboxready.message.relay import Upstream
from inboxready.message.spamd import SpamdClient
from inboxready.message.spool import Spool
from inboxready.testing.spamd import SpamdProcess, free_port
from tests.message.conftest import SELECTOR, SHOP, SHOP_SERVER_IP, ShopDomain, Sink, shop_message
from tests.services import require

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
RCPT = "pat@example.org"


def make_config(shop: ShopDomain, sink: Sink, spool_dir: Path, **changes: Any) -> GatewayConfig:
    config = GatewayConfig(
        upstream=Upstream(sink.host, sink.port, timeout=10, starttls=False),
        domains=(SHOP,),
        spool=Spool(spool_dir),
        resolver=shop.resolver(),
        signers=(Signer(SHOP, SELECTOR, shop.key),),
        servers=(DeclaredServer(SHOP_SERVER_IP, f"mail.{SHOP}"),),
        hostname="gateway.test",
    )
    return replace(config, **changes)


@asynccontextmanager
async def running(config: GatewayConfig) -> AsyncIterator[tuple[int, GatewayHandler]]:
    server, handler = await start_gateway(config, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], handler
    finally:
        server.close()
        await server.wait_closed()


def submit(port: int, message: bytes, *, sender: str = f"orders@{SHOP}", rcpts: tuple[str, ...] = (RCPT,),
           login: tuple[str, str] | None = None, starttls: bool = False) -> dict[str, tuple[int, bytes]]:
    """Send through the gateway with smtplib; returns refused recipients, raises SMTP errors."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("app.test")
        if starttls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            client.starttls(context=context)
            client.ehlo("app.test")
        if login:
            client.login(*login)
        return client.sendmail(sender, list(rcpts), message)


async def send(port: int, message: bytes, **kwargs: Any) -> dict[str, tuple[int, bytes]]:
    return await asyncio.to_thread(submit, port, message, **kwargs)


def last_reply(port: int, message: bytes, **kwargs: Any) -> tuple[int, str]:
    """The code and text of the DATA reply (smtplib hides it on success)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("app.test")
        client.mail(kwargs.get("sender", f"orders@{SHOP}"))
        client.rcpt(RCPT)
        code, text = client.data(message)
        return code, text.decode()


async def test_relays_a_signed_message_that_dkim_verify_accepts(
    shop: ShopDomain, sink: Sink, tmp_path: Path
) -> None:
    config = make_config(shop, sink, tmp_path / "spool")
    async with running(config) as (port, handler):
        code, text = await asyncio.to_thread(last_reply, port, shop_message())
    assert code == 250 and "relayed" in text
    assert len(sink.messages) == 1 and handler.stats.relayed == 1
    received = sink.messages[0]
    assert received.mail_from == f"orders@{SHOP}" and received.rcpt_tos == [RCPT]
    content = received.original_content
    assert content is not None and content.startswith(b"DKIM-Signature:")
    results = await verify_message(content, shop.resolver())
    assert [(r.result.value, r.domain, r.selector) for r in results] == [("pass", SHOP, SELECTOR)]
    # ... and the project's command line says the same
    zone = tmp_path / "shop.zone"
    zone.write_text(shop.zone_text)
    eml = tmp_path / "received.eml"
    eml.write_bytes(content)
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "inboxready", "--zone", str(zone), "dkim", "verify", str(eml), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "pass"
    assert Spool(tmp_path / "spool").held() == []


async def test_missing_date_and_message_id_are_added_and_signed(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    bare = f"From: orders@{SHOP}\r\nTo: {RCPT}\r\nSubject: Bare\r\n\r\nHello\r\n".encode()
    async with running(make_config(shop, sink, tmp_path)) as (port, _):
        await send(port, bare)
    content = sink.messages[0].original_content or b""
    assert b"\r\nDate: " in content and f"@{SHOP}>".encode() in content
    signed = (await verify_message(content, shop.resolver()))[0]
    assert signed.passed and {"date", "message-id"} <= set(signed.signed_headers)


@pytest.mark.parametrize("on_fail", [OnFail.HOLD, OnFail.REJECT, OnFail.RELAY])
async def test_a_message_that_would_fail_dmarc(
    shop: ShopDomain, sink: Sink, tmp_path: Path, on_fail: OnFail
) -> None:
    # the key is not published and the declared server is not in SPF: DMARC (p=reject) fails
    config = make_config(shop, sink, tmp_path / "spool", resolver=shop.resolver(publish_key=False),
                         servers=(DeclaredServer("198.51.100.99"),), on_fail=on_fail)
    async with running(config) as (port, handler):
        code, text = await asyncio.to_thread(last_reply, port, shop_message())
    held = config.spool.held()
    if on_fail is OnFail.HOLD:
        assert code == 250 and "Held for review as" in text and "DMARC would fail" in text
        assert [h.rcpt_tos for h in held] == [(RCPT,)] and sink.messages == []
        assert held[0].id in text and any("DMARC" in r for r in held[0].reasons)
    elif on_fail is OnFail.REJECT:
        assert code == 550 and "DMARC would fail" in text
        assert held == [] and sink.messages == [] and handler.stats.rejected == 1
    else:
        assert code == 250 and len(sink.messages) == 1 and held == []


async def test_dmarc_that_cannot_be_confirmed_is_held(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    config = make_config(shop, sink, tmp_path, resolver=shop.resolver(publish_key=False), servers=())
    async with running(config) as (port, _):
        code, text = await asyncio.to_thread(last_reply, port, shop_message())
    assert code == 250 and "DMARC cannot be confirmed" in text and sink.messages == []


async def test_dmarc_check_can_be_turned_off(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    config = make_config(shop, sink, tmp_path, resolver=shop.resolver(publish_key=False), check_dmarc=False)
    async with running(config) as (port, _):
        await send(port, shop_message())
    assert len(sink.messages) == 1


class TestSpamScore:
    async def test_gtube_is_held_and_a_clean_message_relayed(
        self, shop: ShopDomain, sink: Sink, tmp_path: Path, spamd: SpamdProcess
    ) -> None:
        config = make_config(shop, sink, tmp_path, spamd=SpamdClient(spamd.host, spamd.port))
        async with running(config) as (port, _):
            code, text = await asyncio.to_thread(last_reply, port, shop_message(body=f"{GTUBE}\r\n"))
            await send(port, shop_message(subject="Your receipt", body="Thanks for your order, Pat.\r\n"))
        assert code == 250 and "SpamAssassin score" in text and "GTUBE" in text
        assert len(config.spool.held()) == 1
        assert len(sink.messages) == 1 and b"Your receipt" in (sink.messages[0].original_content or b"")

    async def test_threshold_is_configurable(
        self, shop: ShopDomain, sink: Sink, tmp_path: Path, spamd: SpamdProcess
    ) -> None:
        config = make_config(shop, sink, tmp_path, spamd=SpamdClient(spamd.host, spamd.port),
                             spam_threshold=-50.0, on_fail=OnFail.REJECT)
        async with running(config) as (port, _):
            code, text = await asyncio.to_thread(last_reply, port, shop_message())
        assert code == 550 and ">= -50.0" in text and sink.messages == []

    async def test_unreachable_spamd_does_not_block(self, shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
        config = make_config(shop, sink, tmp_path, spamd=SpamdClient("127.0.0.1", free_port(), timeout=2))
        async with running(config) as (port, _):
            await send(port, shop_message())
        assert len(sink.messages) == 1


class TestNeverAnOpenRelay:
    async def test_client_outside_allowed_networks_cannot_relay(
        self, shop: ShopDomain, sink: Sink, tmp_path: Path
    ) -> None:
        access = AccessPolicy(networks=(ipaddress.ip_network("192.0.2.0/24"),))
        async with running(make_config(shop, sink, tmp_path, access=access)) as (port, handler):
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                await send(port, shop_message())
        assert refused.value.smtp_code == 530
        assert sink.messages == [] and handler.stats.refused == 1

    async def test_authenticated_client_may_relay_and_a_wrong_password_may_not(
        self, shop: ShopDomain, sink: Sink, tmp_path: Path
    ) -> None:
        access = AccessPolicy(networks=(), accounts={"app": hash_password("s3cret"), "old": "{PLAIN}pw"})
        async with running(make_config(shop, sink, tmp_path, access=access)) as (port, _):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                await send(port, shop_message(), login=("app", "wrong"))
            with pytest.raises(smtplib.SMTPAuthenticationError):
                await send(port, shop_message(), login=("nobody", "s3cret"))
            with pytest.raises(smtplib.SMTPSenderRefused):
                await send(port, shop_message())
            await send(port, shop_message(), login=("app", "s3cret"))
            await send(port, shop_message(subject="two"), login=("old", "pw"))
        assert len(sink.messages) == 2

    async def test_sender_domain_outside_the_policy(self, shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
        async with running(make_config(shop, sink, tmp_path)) as (port, _):
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                await send(port, shop_message(), sender="someone@other.example")
            assert refused.value.smtp_code == 553
            code, text = await asyncio.to_thread(last_reply, port, shop_message(sender="ceo@other.example"))
            assert code == 550 and "other.example" in text
            # a subdomain of the policy's domain is the domain's own
            await send(port, shop_message(sender=f"news@mail.{SHOP}"), sender=f"bounce@mail.{SHOP}")
        assert len(sink.messages) == 1

    async def test_maximum_size(self, shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
        async with running(make_config(shop, sink, tmp_path, max_size=4096)) as (port, _):
            with pytest.raises(smtplib.SMTPException) as too_big:
                await send(port, shop_message(body="x" * 70 + "\r\n" * 100 + "y" * 5000))
        assert "552" in str(too_big.value) or getattr(too_big.value, "smtp_code", 0) == 552
        assert sink.messages == []

    async def test_starttls_is_required_when_a_certificate_is_given(
        self, shop: ShopDomain, sink: Sink, tmp_path: Path
    ) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert, key = self_signed(tmp_path)
        context.load_cert_chain(cert, key)
        access = AccessPolicy(networks=(), accounts={"app": hash_password("s3cret")})
        config = make_config(shop, sink, tmp_path / "spool", tls_context=context, access=access)
        async with running(config) as (port, _):
            with pytest.raises(smtplib.SMTPException):
                await send(port, shop_message())  # no STARTTLS: refused before MAIL
            await send(port, shop_message(), starttls=True, login=("app", "s3cret"))
        assert len(sink.messages) == 1


async def test_restart_with_held_messages_loses_none(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    spool_dir = tmp_path / "spool"
    failing = {"resolver": shop.resolver(publish_key=False), "servers": (DeclaredServer("198.51.100.99"),)}
    subjects = [f"Held {n}" for n in range(3)]
    async with running(make_config(shop, sink, spool_dir, **failing)) as (port, _):
        for subject in subjects:
            await send(port, shop_message(subject=subject))
    assert sink.messages == []
    # a new gateway process, a new Spool object over the same directory
    config = make_config(shop, sink, spool_dir)
    config.spool.recover()
    held = config.spool.held()
    assert len(held) == 3
    contents = [config.spool.get(h.id)[1] for h in held]
    assert sorted(s for c in contents for s in subjects if f"Subject: {s}".encode() in c) == subjects
    async with running(config) as (port, _):
        outcome = await release_held(config.spool, config.upstream, held[0].id)
        await send(port, shop_message(subject="After restart"))
    assert outcome.accepted
    assert len(config.spool.held()) == 2
    assert len(sink.messages) == 2
    released = sink.messages[0].original_content or b""
    assert released == contents[0]  # byte for byte what was held, signature included
    assert (await verify_message(released, shop.resolver()))[0].passed


async def test_upstream_down_is_a_temporary_failure(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    config = make_config(shop, sink, tmp_path, upstream=Upstream("127.0.0.1", free_port(), timeout=5))
    async with running(config) as (port, _):
        code, text = await asyncio.to_thread(last_reply, port, shop_message())
    assert code == 451 and "unavailable" in text
    assert config.spool.held() == []  # the client still has it and will retry


async def test_recipient_refused_upstream_is_held(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    sink.refuse.add("gone@example.org")
    config = make_config(shop, sink, tmp_path)
    async with running(config) as (port, _):
        await send(port, shop_message(), rcpts=(RCPT, "gone@example.org"))
    assert [m.rcpt_tos for m in sink.messages] == [[RCPT]]
    assert [h.rcpt_tos for h in config.spool.held()] == [("gone@example.org",)]


async def test_swaks_through_the_gateway(shop: ShopDomain, sink: Sink, tmp_path: Path) -> None:
    swaks = shutil.which("swaks")
    require(swaks is not None, "swaks is not installed (Debian: apt-get install swaks)")
    assert swaks is not None
    async with running(make_config(shop, sink, tmp_path)) as (port, _):
        done = await asyncio.to_thread(subprocess.run, [
            swaks, "--server", f"127.0.0.1:{port}", "--from", f"orders@{SHOP}", "--to", RCPT,
            "--header", "Subject: sent with swaks", "--body", "Hello from swaks", "--helo", "app.test",
        ], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Checked, signed and relayed" in done.stdout
    content = sink.messages[0].original_content or b""
    assert (await verify_message(content, shop.resolver()))[0].passed


def self_signed(directory: Path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gateway.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)
