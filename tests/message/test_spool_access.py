"""The held-message spool (durable, crash-safe) and the gateway's access rules."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from inboxready.errors import InputError
from inboxready.message.access import (
    LOOPBACK,
    AccessPolicy,
    hash_password,
    load_auth_file,
    parse_networks,
    password_matches,
)
from inboxready.message.spool import Spool


def test_hold_list_get_remove(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    first = spool.hold(b"Subject: one\r\n\r\nbody\r\n", mail_from="a@example.com", rcpt_tos=["b@example.org"],
                       reasons=["DMARC would fail"], peer="127.0.0.1")
    second = spool.hold(b"Subject: two\r\n\r\n", mail_from="", rcpt_tos=["c@example.org", "d@example.org"],
                        reasons=["spam"])
    assert first.id != second.id
    assert {h.id for h in Spool(tmp_path / "spool").held()} == {first.id, second.id}
    entry, content = spool.get(first.id)
    assert entry == first and content == b"Subject: one\r\n\r\nbody\r\n"
    spool.remove(first.id)
    assert [h.id for h in spool.held()] == [second.id]
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []


def test_unknown_or_bad_ids(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with pytest.raises(InputError, match="no held message"):
        spool.get("20260101-000000-abcdef")
    for bad in ("../etc/passwd", "", "A B"):
        with pytest.raises(InputError):
            spool.get(bad)


def test_recover_after_a_crash_between_content_and_envelope(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    (tmp_path / "held" / "20260101-000000-0123456789.eml").write_bytes(b"Subject: orphan\r\n\r\n")
    (tmp_path / "tmp" / "half-written.eml.1234").write_bytes(b"partial")
    recovered = spool.recover()
    assert [r.id for r in recovered] == ["20260101-000000-0123456789"]
    assert [h.reasons for h in spool.held()] == [("interrupted while being held",)]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_corrupt_envelope_is_skipped_not_fatal(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    good = spool.hold(b"Subject: x\r\n\r\n", mail_from="a@example.com", rcpt_tos=["b@example.org"], reasons=[])
    (tmp_path / "held" / "broken.json").write_text("{not json")
    assert [h.id for h in spool.held()] == [good.id]


def test_unusable_spool_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="spool directory"):
        Spool(blocker / "spool")


def test_password_hashing() -> None:
    secret = hash_password("correct horse")
    assert secret.startswith("{SCRYPT}") and "correct" not in secret
    assert password_matches(b"correct horse", secret)
    assert not password_matches(b"wrong", secret)
    assert hash_password("a") != hash_password("a")  # salted
    assert password_matches(b"pw", "{PLAIN}pw") and not password_matches(b"pw", "pw")
    assert not password_matches(b"pw", "{SCRYPT}garbage")


def test_auth_file(tmp_path: Path) -> None:
    path = tmp_path / "users"
    path.write_text(f"# accounts\napp:{hash_password('x')}\n\nlegacy:{{PLAIN}}pw\n")
    accounts = load_auth_file(path)
    assert set(accounts) == {"app", "legacy"}
    path.write_text("app:plaintext-without-scheme\n")
    with pytest.raises(InputError, match=r"users:1"):
        load_auth_file(path)
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="no account"):
        load_auth_file(path)
    with pytest.raises(InputError):
        load_auth_file(tmp_path / "missing")


def test_networks_and_peers() -> None:
    assert parse_networks(["192.0.2.0/24", "2001:db8::/32", "10.1.2.3"])[2] == ipaddress.ip_network("10.1.2.3/32")
    with pytest.raises(InputError):
        parse_networks(["not-a-network"])
    policy = AccessPolicy(networks=parse_networks(["192.0.2.0/24"]))
    assert policy.network_allowed("192.0.2.7")
    assert policy.network_allowed("::ffff:192.0.2.7")  # IPv4-mapped
    assert not policy.network_allowed("127.0.0.1")
    assert not policy.network_allowed(None) and not policy.network_allowed("garbage")
    assert AccessPolicy(networks=LOOPBACK).network_allowed("::1")


def test_login_checks() -> None:
    policy = AccessPolicy(accounts={"app": hash_password("s3cret")})
    assert policy.check_login(b"app", b"s3cret")
    assert not policy.check_login(b"app", b"S3cret")
    assert not policy.check_login(b"ghost", b"s3cret")
