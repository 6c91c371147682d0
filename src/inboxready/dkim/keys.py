"""DKIM key pairs: generate, store the private half safely, and give the record to publish.

RSA keys are published as SubjectPublicKeyInfo (RFC 6376 section 3.6.1, as every major signer does),
Ed25519 keys as the raw 32 bytes (RFC 8463 section 4.2). The TXT value is split into
character-strings of at most 255 octets (RFC 1035 section 3.3.14; RFC 6376 section 3.6.2.2 joins them
back). All cryptography comes from the `cryptography` package.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import enum
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from inboxready.dkim.record import KeyType
from inboxready.errors import InputError

MAX_STRING = 255
DEFAULT_TTL = 3600


class DkimKeyError(InputError):
    """A private key that cannot be read or used for DKIM."""


class KeyAlgorithm(enum.Enum):
    RSA_2048 = "rsa-2048"
    RSA_4096 = "rsa-4096"
    ED25519 = "ed25519"

    @classmethod
    def from_text(cls, text: str) -> KeyAlgorithm:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(a.value for a in cls)
            raise ValueError(f"unknown key algorithm {text!r} (choose {choices})") from None

    def to_text(self) -> str:
        return self.value

    @property
    def key_type(self) -> KeyType:
        return KeyType.ED25519 if self is KeyAlgorithm.ED25519 else KeyType.RSA


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """The TXT record to publish at `name` (absolute, with the final dot)."""

    name: str
    value: str
    strings: tuple[str, ...]

    def zone_line(self, ttl: int = DEFAULT_TTL) -> str:
        quoted = " ".join(f'"{s}"' for s in self.strings)
        return f"{self.name} {ttl} IN TXT {quoted}"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "type": "TXT", "value": self.value, "strings": list(self.strings),
                "zone_line": self.zone_line()}


@dataclass(frozen=True, slots=True)
class KeyPair:
    key_type: KeyType
    key_bits: int
    #: PKCS#8 PEM, unencrypted: write it with `write_private_key`, never print it.
    private_pem: bytes
    #: The bytes published base64-encoded in p=.
    public_key: bytes

    def record_value(self) -> str:
        p = base64.b64encode(self.public_key).decode("ascii")
        return f"v=DKIM1; k={self.key_type.to_text()}; p={p}"

    def record(self, domain: str, selector: str) -> PublishedRecord:
        value = self.record_value()
        return PublishedRecord(selector_name(domain, selector), value, split_txt(value))

    def __repr__(self) -> str:  # keep the private key out of logs and tracebacks
        return f"KeyPair({self.key_type.to_text()}, {self.key_bits} bits)"


def selector_name(domain: str, selector: str) -> str:
    return f"{selector.strip('.')}._domainkey.{domain.strip('.').lower()}."


def split_txt(value: str, limit: int = MAX_STRING) -> tuple[str, ...]:
    """`value` cut into character-strings of at most `limit` octets (the record value is ASCII)."""
    if not value:
        return ("",)
    return tuple(value[i : i + limit] for i in range(0, len(value), limit))


def generate_key(algorithm: KeyAlgorithm) -> KeyPair:
    private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    if algorithm is KeyAlgorithm.ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm.value.split("-")[1]))
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _pair(private, pem)


def _pair(private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, pem: bytes) -> KeyPair:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return KeyPair(KeyType.ED25519, 256, pem, raw)
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(KeyType.RSA, private.key_size, pem, spki)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key in the form dkimpy signs with."""

    pair: KeyPair
    #: dkimpy's input: a PKCS#1 PEM for RSA, the base64 32-byte seed for Ed25519.
    dkimpy_key: bytes

    @property
    def algorithm(self) -> str:
        return "ed25519-sha256" if self.pair.key_type is KeyType.ED25519 else "rsa-sha256"

    def __repr__(self) -> str:
        return f"SigningKey({self.algorithm}, {self.pair.key_bits} bits)"


def load_signing_key(data: bytes) -> SigningKey:
    """A private key from PEM (PKCS#8 or PKCS#1, unencrypted) or a base64 Ed25519 seed (RFC 8463 A.2)."""
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        return _from_pem(stripped)
    try:
        seed = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise DkimKeyError("not a private key: expected PEM, or a base64 Ed25519 seed of 32 bytes")
    private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(_pair(private, pem), base64.b64encode(seed))


def _from_pem(pem: bytes) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise DkimKeyError("the private key is encrypted; give an unencrypted key") from None
    except (ValueError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise DkimKeyError(f"cannot read the private key: {str(exc).split('.')[0]}") from None
    if isinstance(private, ed25519.Ed25519PrivateKey):
        seed = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return SigningKey(_pair(private, pem), base64.b64encode(seed))
    if isinstance(private, rsa.RSAPrivateKey):
        pkcs1 = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return SigningKey(_pair(private, pem), pkcs1)
    raise DkimKeyError(f"a {type(private).__name__} cannot sign DKIM (RSA or Ed25519 only)")


def check_key_destination(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """`path` if a key may be written there (checked before a slow key generation); InputError if not."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a directory")
    if target.exists() and not overwrite:
        raise InputError(f"{target} exists; refusing to overwrite a key (use --force)")
    return target


def write_private_key(path: str | os.PathLike[str], pem: bytes, *, overwrite: bool = False) -> Path:
    """Write `pem` to `path`, mode 0600 from creation on; refuse to replace a file unless `overwrite`.

    The key goes to a temporary file (created 0600) in the same directory, is flushed to disk, and is
    then linked (new file) or renamed (overwrite) into place, so no reader ever sees a partial key or
    a key with wider permissions.
    """
    target = check_key_destination(path, overwrite=overwrite)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp_name, target)
        else:
            os.link(tmp_name, target)  # fails if the name appeared meanwhile: never clobbers
    except FileExistsError:
        raise InputError(f"{target} exists; refusing to overwrite a key (use --force)") from None
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return target
