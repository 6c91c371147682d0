"""DKIM key records: parse and validate the TXT at SELECTOR._domainkey.DOMAIN.

Implements RFC 6376 section 3.6.1 (tags v, h, k, n, p, s, t), section 3.6.2.2 (a record may be split
over several character-strings, which are joined), RFC 8463 section 4.2 (k=ed25519: p= is the raw
32-byte public key) and RFC 8301 (SHA-1 must not be used; RSA keys of at least 1024 bits, 2048
recommended). An empty p= means the key was revoked (RFC 6376 section 3.6.1).

Pure: `parse_key_record` never raises for bad data; problems are listed on the returned record, each
with the finding code that reports it.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from inboxready.dkim.taglist import Tag, TagListError, parse_tag_list, strip_whitespace
from inboxready.findings.model import Severity

#: RSA keys below this size are refused by verifiers (RFC 8301 section 3.2).
MIN_RSA_BITS = 1024
#: RSA size signers SHOULD use (RFC 8301 section 3.2); smaller keys get a warning.
RECOMMENDED_RSA_BITS = 2048
ED25519_KEY_BYTES = 32
#: DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); a common mistake in k=ed25519 records.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


class KeyType(enum.Enum):
    RSA = "rsa"
    ED25519 = "ed25519"

    @classmethod
    def from_text(cls, text: str) -> KeyType:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown key type k={text} (RFC 6376 and RFC 8463 define rsa and ed25519)") from None

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class RecordProblem:
    code: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity.value, "message": self.message}


@dataclass(frozen=True, slots=True)
class DkimKeyRecord:
    """One DKIM key record as published; `problems` says what is wrong with it."""

    text: str
    #: The character-strings of the TXT record as published (joined to form `text`).
    strings: tuple[str, ...]
    tags: tuple[Tag, ...]
    version: str | None
    key_type: KeyType | None
    #: Raw text of k= (kept when the type is unknown).
    key_type_text: str
    public_key: bytes | None
    #: "spki" (SubjectPublicKeyInfo), "pkcs1" (bare RSAPublicKey) or "raw" (Ed25519 32 bytes).
    key_format: str | None
    key_bits: int | None
    hash_algorithms: tuple[str, ...] | None  # None: h= absent, every algorithm allowed
    service_types: tuple[str, ...]
    flags: tuple[str, ...]
    notes: str | None
    problems: tuple[RecordProblem, ...]

    @property
    def revoked(self) -> bool:
        return self.public_key == b"" and not self.has_errors

    @property
    def testing(self) -> bool:
        return "y" in self.flags

    @property
    def strict_identity(self) -> bool:
        return "s" in self.flags

    @property
    def for_email(self) -> bool:
        return "*" in self.service_types or "email" in self.service_types

    @property
    def errors(self) -> tuple[RecordProblem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[RecordProblem, ...]:
        return tuple(p for p in self.problems if p.severity is not Severity.ERROR)

    @property
    def has_errors(self) -> bool:
        return any(p.code == "dkim-invalid" for p in self.problems)

    @property
    def usable(self) -> bool:
        """Could a verifier check a signature with this key (parsed, not revoked, for email)?"""
        return not self.has_errors and bool(self.public_key) and self.for_email

    def allows_hash(self, hash_name: str) -> bool:
        return self.hash_algorithms is None or hash_name in self.hash_algorithms

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "strings": list(self.strings),
            "valid": not self.has_errors,
            "version": self.version,
            "key_type": self.key_type.to_text() if self.key_type else self.key_type_text or None,
            "key_bits": self.key_bits,
            "key_format": self.key_format,
            "revoked": self.revoked,
            "hash_algorithms": list(self.hash_algorithms) if self.hash_algorithms is not None else None,
            "service_types": list(self.service_types),
            "flags": list(self.flags),
            "testing": self.testing,
            "strict_identity": self.strict_identity,
            "notes": self.notes,
            "problems": [p.to_dict() for p in self.problems],
        }


def looks_like_key_record(text: str) -> bool:
    """True for TXT data that is meant as a DKIM key (v=DKIM1 first, or a p= tag)."""
    if strip_whitespace(text).startswith("v=DKIM1"):
        return True
    try:
        return any(tag.name == "p" for tag in parse_tag_list(text))
    except TagListError:
        return False


def parse_key_record(strings: str | Sequence[str] | Sequence[bytes]) -> DkimKeyRecord:
    """Parse one TXT record given as its text or as its separate character-strings."""
    parts = _as_strings(strings)
    text = "".join(parts)
    builder = _Builder(text, parts)
    try:
        tags = parse_tag_list(text)
    except TagListError as exc:
        builder.error(f"not a valid tag list at character {exc.position + 1}: {exc}")
        return builder.build(())
    return builder.build(tags)


def _as_strings(strings: str | Sequence[str] | Sequence[bytes]) -> tuple[str, ...]:
    if isinstance(strings, str):
        return (strings,)
    return tuple(s.decode("utf-8", "backslashreplace") if isinstance(s, bytes) else s for s in strings)


class _Builder:
    def __init__(self, text: str, strings: tuple[str, ...]) -> None:
        self.text = text
        self.strings = strings
        self.problems: list[RecordProblem] = []

    def error(self, message: str) -> None:
        self.problems.append(RecordProblem("dkim-invalid", Severity.ERROR, message))

    def add(self, code: str, severity: Severity, message: str) -> None:
        self.problems.append(RecordProblem(code, severity, message))

    def build(self, tags: tuple[Tag, ...]) -> DkimKeyRecord:
        by_name = {t.name: t for t in tags}
        version = self._version(tags, by_name)
        key_type, key_type_text = self._key_type(by_name)
        public_key, key_format, key_bits = self._public_key(by_name, key_type, parsed=bool(tags))
        hashes = self._hashes(by_name)
        services = _colon_list(by_name["s"].value) if "s" in by_name else ("*",)
        if "s" in by_name and not ({"*", "email"} & set(services)):
            self.add("dkim-not-for-email", Severity.WARNING,
                     f"s={by_name['s'].value} does not include 'email' or '*': verifiers ignore this key "
                     "for email signatures (RFC 6376 3.6.1).")
        flags = _colon_list(by_name["t"].value) if "t" in by_name else ()
        if "y" in flags:
            self.add("dkim-testing-mode", Severity.WARNING,
                     "t=y: the domain says it is testing DKIM, and verifiers must treat its mail like "
                     "unsigned mail (RFC 6376 3.6.1).")
        return DkimKeyRecord(
            text=self.text,
            strings=self.strings,
            tags=tags,
            version=version,
            key_type=key_type,
            key_type_text=key_type_text,
            public_key=public_key,
            key_format=key_format,
            key_bits=key_bits,
            hash_algorithms=hashes,
            service_types=services,
            flags=flags,
            notes=by_name["n"].value if "n" in by_name else None,
            problems=tuple(self.problems),
        )

    def _version(self, tags: tuple[Tag, ...], by_name: dict[str, Tag]) -> str | None:
        tag = by_name.get("v")
        if tag is None:
            return None
        if tag.value != "DKIM1":
            self.error(f"v={tag.value} is not v=DKIM1; verifiers discard the record (RFC 6376 3.6.1).")
        elif tags[0].name != "v":
            self.add("dkim-record-syntax", Severity.WARNING,
                     "v=DKIM1 must be the first tag of the record (RFC 6376 3.6.1); strict verifiers "
                     "discard the record.")
        return tag.value

    def _key_type(self, by_name: dict[str, Tag]) -> tuple[KeyType | None, str]:
        tag = by_name.get("k")
        if tag is None:
            return KeyType.RSA, "rsa"
        try:
            return KeyType.from_text(tag.value), tag.value
        except ValueError as exc:
            self.error(f"{exc}; verifiers cannot use this key.")
            return None, tag.value

    def _public_key(
        self, by_name: dict[str, Tag], key_type: KeyType | None, parsed: bool
    ) -> tuple[bytes | None, str | None, int | None]:
        tag = by_name.get("p")
        if tag is None:
            if parsed:
                self.error("the record has no p= tag (the public key is required, RFC 6376 3.6.1).")
            return None, None, None
        encoded = strip_whitespace(tag.value)
        if not encoded:
            return b"", None, None
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            self.error("p= is not valid base64.")
            return None, None, None
        if key_type is KeyType.ED25519:
            return key, *self._ed25519(key)
        if key_type is KeyType.RSA:
            return key, *self._rsa(key)
        return key, None, None

    def _ed25519(self, key: bytes) -> tuple[str | None, int | None]:
        if len(key) == ED25519_KEY_BYTES:
            return "raw", 8 * ED25519_KEY_BYTES
        if len(key) == len(_ED25519_SPKI_PREFIX) + ED25519_KEY_BYTES and key.startswith(_ED25519_SPKI_PREFIX):
            self.error("p= holds an Ed25519 key wrapped in SubjectPublicKeyInfo; RFC 8463 4.2 requires "
                       "the bare 32-byte key (drop the first 12 bytes).")
        else:
            self.error(f"p= decodes to {len(key)} bytes; an Ed25519 key is exactly 32 bytes (RFC 8463 4.2).")
        return None, None

    def _rsa(self, key: bytes) -> tuple[str | None, int | None]:
        try:
            public = load_der_public_key(key)
        except (ValueError, TypeError):
            self.error("p= is not a readable RSA public key (corrupted or truncated).")
            return None, None
        if not isinstance(public, rsa.RSAPublicKey):
            self.error(f"p= holds a {type(public).__name__}, not the RSA key k=rsa announces.")
            return None, None
        bits = public.key_size
        if bits < MIN_RSA_BITS:
            self.add("dkim-weak-key", Severity.ERROR,
                     f"RSA key of {bits} bits: verifiers refuse keys under {MIN_RSA_BITS} bits (RFC 8301 3.2).")
        elif bits < RECOMMENDED_RSA_BITS:
            self.add("dkim-weak-key", Severity.WARNING,
                     f"RSA key of {bits} bits: {RECOMMENDED_RSA_BITS} bits are recommended (RFC 8301 3.2).")
        # SubjectPublicKeyInfo starts SEQUENCE { SEQUENCE { OID ...; a bare RSAPublicKey SEQUENCE { INTEGER.
        key_format = "pkcs1" if _first_inner_tag(key) == 0x02 else "spki"
        return key_format, bits

    def _hashes(self, by_name: dict[str, Tag]) -> tuple[str, ...] | None:
        tag = by_name.get("h")
        if tag is None:
            return None
        hashes = tuple(h.lower() for h in _colon_list(tag.value))
        known = [h for h in hashes if h in ("sha1", "sha256")]
        if not known:
            self.error(f"h={tag.value} names no known hash algorithm (sha256): no signature can verify.")
        elif "sha256" not in known:
            self.add("dkim-sha1", Severity.ERROR,
                     "h=sha1 only: verifiers must not accept rsa-sha1 signatures any more (RFC 8301 3.1).")
        return hashes


def _colon_list(value: str) -> tuple[str, ...]:
    return tuple(v for v in strip_whitespace(value).split(":") if v)


def _first_inner_tag(der: bytes) -> int | None:
    """The tag byte of the first element inside an outer DER SEQUENCE."""
    if len(der) < 2 or der[0] != 0x30:
        return None
    length = der[1]
    offset = 2 + (length & 0x7F if length & 0x80 else 0)
    return der[offset] if offset < len(der) else None
