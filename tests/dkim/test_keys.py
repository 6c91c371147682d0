"""Key generation, the record to publish (strings of at most 255 octets), and the private key file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from inboxready.dkim.keys import (
    DkimKeyError,
    KeyAlgorithm,
    KeyPair,
    generate_key,
    load_signing_key,
    split_txt,
    write_private_key,
)
from inboxready.dkim.record import KeyType, parse_key_record
from inboxready.dns import ZoneResolver
from inboxready.errors import InputError
from tests.services import corpus_path


@pytest.fixture(scope="module")
def rsa4096() -> KeyPair:
    return generate_key(KeyAlgorithm.RSA_4096)


@pytest.mark.parametrize(
    ("algorithm", "key_type", "bits", "strings"),
    [(KeyAlgorithm.RSA_2048, KeyType.RSA, 2048, 2), (KeyAlgorithm.ED25519, KeyType.ED25519, 256, 1)],
)
def test_generated_record_parses_back_to_the_same_key(
    algorithm: KeyAlgorithm, key_type: KeyType, bits: int, strings: int
) -> None:
    pair = generate_key(algorithm)
    published = pair.record("Example.COM.", "s2026")
    assert published.name == "s2026._domainkey.example.com."
    assert len(published.strings) == strings and all(len(s) <= 255 for s in published.strings)
    record = parse_key_record(published.strings)
    assert (record.key_type, record.key_bits, record.public_key) == (key_type, bits, pair.public_key)
    assert not record.problems and record.usable
    assert "PRIVATE" not in repr(pair) and pair.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")


def test_rsa_4096_record_is_split_in_255_octet_strings(rsa4096: KeyPair) -> None:
    published = rsa4096.record("example.com", "big")
    assert [len(s) for s in published.strings][:-1] == [255] * (len(published.strings) - 1)
    assert "".join(published.strings) == published.value
    assert parse_key_record(published.strings).key_bits == 4096


def test_zone_line_loads_and_resolves_to_the_record() -> None:
    pair = generate_key(KeyAlgorithm.RSA_2048)
    published = pair.record("example.com", "s1")
    zone = ZoneResolver.from_text("$ORIGIN example.com.\n@ SOA ns h 1 2 3 4 5\n" + published.zone_line() + "\n")
    answer = zone.lookup("s1._domainkey.example.com", "TXT")
    assert answer.texts() == [published.value]
    assert answer.strings()[0] == tuple(s.encode() for s in published.strings)


def test_split_txt() -> None:
    assert split_txt("") == ("",)
    assert split_txt("a" * 255) == ("a" * 255,)
    assert split_txt("a" * 256) == ("a" * 255, "a")
    assert split_txt("abcdef", limit=4) == ("abcd", "ef")


def test_algorithm_text_round_trip() -> None:
    for algorithm in KeyAlgorithm:
        assert KeyAlgorithm.from_text(algorithm.to_text().upper()) is algorithm
    with pytest.raises(ValueError, match="rsa-2048"):
        KeyAlgorithm.from_text("dsa")


def test_private_key_file_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not widen the mode
    try:
        path = write_private_key(tmp_path / "k.pem", b"first")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(InputError, match="refusing to overwrite"):
        write_private_key(path, b"second")
    assert path.read_bytes() == b"first"
    write_private_key(path, b"third", overwrite=True)
    assert path.read_bytes() == b"third" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.pem"]  # no temporary left behind


def test_private_key_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        write_private_key(tmp_path, b"x")
    with pytest.raises(InputError, match="cannot write"):
        write_private_key(tmp_path / "missing" / "k.pem", b"x")


def test_load_signing_key_formats() -> None:
    pair = generate_key(KeyAlgorithm.RSA_2048)
    key = load_signing_key(pair.private_pem)
    assert key.algorithm == "rsa-sha256" and key.dkimpy_key.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert key.pair.public_key == pair.public_key
    ed = generate_key(KeyAlgorithm.ED25519)
    assert load_signing_key(ed.private_pem).pair.public_key == ed.public_key
    assert load_signing_key(ed.private_pem).algorithm == "ed25519-sha256"


def test_corpus_private_keys_load() -> None:
    # dkimpy's PKCS#1 RSA key, mailauth's PKCS#8 keys, and the RFC 8463 base64 Ed25519 seed.
    assert load_signing_key(corpus_path("dkim", "dkimpy", "test.private").read_bytes()).pair.key_bits == 1024
    mailauth_rsa = corpus_path("dkim", "mailauth", "keys", "private-rsa.pem").read_bytes()
    assert load_signing_key(mailauth_rsa).pair.key_bits == 2048
    ed = load_signing_key(corpus_path("dkim", "mailauth", "keys", "private-ed25519.pem").read_bytes())
    assert ed.pair.key_type is KeyType.ED25519
    seed = load_signing_key(corpus_path("dkim", "mailauth", "rfc8463-ec", "private-ec.key").read_bytes())
    published = parse_key_record("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    assert seed.pair.public_key == published.public_key  # RFC 8463 A.2: the brisbane key pair


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "not a private key"),
        (b"garbage", "not a private key"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "cannot read"),
    ],
)
def test_unreadable_keys_are_input_errors(data: bytes, match: str) -> None:
    with pytest.raises(DkimKeyError, match=match):
        load_signing_key(data)


def test_encrypted_and_unsupported_keys_are_refused() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    encrypted = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(DkimKeyError, match="encrypted"):
        load_signing_key(encrypted)
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(DkimKeyError, match="RSA or Ed25519"):
        load_signing_key(ec_pem)
