"""Sign and verify messages with DKIM (RFC 6376 sections 5 and 6, RFC 8463 ed25519-sha256).

The cryptography and canonicalization are dkimpy's; nothing here signs or checks a signature by
hand. Verification resolves keys through this project's `Resolver` (zone files, the loopback server,
live DNS): the DKIM-Signature fields are read first, every SELECTOR._domainkey.DOMAIN TXT is fetched
concurrently, and dkimpy gets a `dnsfunc` that answers from that map. Before dkimpy runs, the key
record is checked with `inboxready.dkim.record` (revoked, k= against a=, h=, s=), so each result has
a reason a person can act on. Results follow RFC 8601 section 2.7.1: pass, fail, neutral (the
signature itself is malformed or expired), permerror (no usable key), temperror (DNS failure).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.crypto import HASH_ALGORITHMS

import dkim
from inboxready.dkim.keys import DkimKeyError, SigningKey
from inboxready.dkim.record import DkimKeyRecord, looks_like_key_record, parse_key_record
from inboxready.dkim.selectors import key_name, normalize_selector
from inboxready.dkim.taglist import TagListError, parse_tag_list, strip_whitespace
from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError

ALGORITHMS = ("rsa-sha256", "rsa-sha1", "ed25519-sha256")
#: Tags a DKIM-Signature must have (RFC 6376 section 3.5).
REQUIRED_TAGS = ("v", "a", "b", "bh", "d", "h", "s")
_DKIMPY_ERRORS = (dkim.DKIMException, ValueError, TypeError, IndexError, KeyError, binascii.Error)


class SigningError(InputError):
    """A message that cannot be signed as asked (no From header, a header that must not be signed)."""


class VerifyResult(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NEUTRAL = "neutral"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class SignatureResult:
    """The verdict on one DKIM-Signature (index 0 is the topmost)."""

    index: int
    domain: str | None
    selector: str | None
    algorithm: str | None
    result: VerifyResult
    reason: str
    #: Does the body hash bh= match the body as canonicalized (None: could not be computed)?
    body_hash_ok: bool | None = None
    identity: str | None = None
    canonicalization: str | None = None
    signed_headers: tuple[str, ...] = ()
    key_name: str | None = None
    key_type: str | None = None
    key_bits: int | None = None
    #: The key record says t=y: treat the message as unsigned whatever the result (RFC 6376 3.6.1).
    testing: bool = False
    cname_chain: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.result is VerifyResult.PASS

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "domain": self.domain,
            "selector": self.selector,
            "algorithm": self.algorithm,
            "result": self.result.to_text(),
            "reason": self.reason,
            "body_hash_ok": self.body_hash_ok,
            "identity": self.identity,
            "canonicalization": self.canonicalization,
            "signed_headers": list(self.signed_headers),
            "key_name": self.key_name,
            "key_type": self.key_type,
            "key_bits": self.key_bits,
            "testing": self.testing,
            "cname_chain": list(self.cname_chain),
        }


# --- signing -------------------------------------------------------------------------------------


def sign_message(
    message: bytes,
    *,
    domain: str,
    selector: str,
    key: SigningKey,
    headers: Sequence[str] | None = None,
    canonicalization: str = "relaxed/relaxed",
) -> bytes:
    """`message` with a DKIM-Signature header added on top (rsa-sha256 or ed25519-sha256 by key type).

    `headers` are the header fields to sign (default: dkimpy's RFC 6376 5.4.1 list, From over-signed).
    Raises SigningError for a message that cannot be signed, InputError for bad arguments.
    """
    domain_b = _valid_name(domain, "domain").encode("ascii")
    selector_b = _valid_name(selector, "selector").encode("ascii")
    canon = _canonicalization(canonicalization)
    linesep = b"\r\n" if b"\r\n" in message else b"\n"
    try:
        signer = dkim.DKIM(message, signature_algorithm=key.algorithm.encode("ascii"), linesep=linesep,
                           logger=_quiet_logger())
    except dkim.MessageFormatError as exc:
        raise InputError(f"not an RFC 5322 message: {exc}") from None
    include = [_field_name(h) for h in headers if h.strip()] if headers else None
    try:
        header = signer.sign(selector_b, domain_b, key.dkimpy_key, canonicalize=canon, include_headers=include)
    except dkim.KeyFormatError as exc:
        raise DkimKeyError(f"cannot sign with this key: {exc}") from None
    except (dkim.ParameterError, dkim.MessageFormatError) as exc:
        raise SigningError(f"cannot sign: {exc}") from None
    return bytes(header) + message


def _field_name(text: str) -> bytes:
    """A header field name to sign (RFC 5322 3.6.8: printable ASCII except ':')."""
    name = text.strip()
    if not re.fullmatch(r"[\x21-\x39\x3b-\x7e]+", name):
        raise InputError(f"{text!r} is not a header field name")
    return name.encode("ascii")


def _valid_name(text: str, what: str) -> str:
    try:
        return normalize_selector(text)
    except ValueError:
        raise InputError(f"{text!r} is not a valid {what} name") from None


def _canonicalization(text: str) -> tuple[bytes, bytes]:
    header, _, body = text.strip().lower().partition("/")
    body = body or "simple"
    if header not in ("simple", "relaxed") or body not in ("simple", "relaxed"):
        raise InputError(f"canonicalization {text!r}: use header/body with simple or relaxed (RFC 6376 3.4)")
    return header.encode(), body.encode()


def _quiet_logger() -> logging.Logger:
    logger = logging.Logger("inboxready.dkim.dkimpy", level=logging.CRITICAL)
    logger.propagate = False
    return logger


# --- verification ---------------------------------------------------------------------------------


class _ReasonLog(logging.Handler):
    """Collects dkimpy's error log lines: they carry its reasons for a False verdict."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass(frozen=True, slots=True)
class _Signature:
    index: int
    tags: dict[str, str]
    error: str | None

    def get(self, name: str) -> str | None:
        return self.tags.get(name)


@dataclass(frozen=True, slots=True)
class _Key:
    name: str
    answer: Answer | None
    error: DnsError | None


async def verify_message(message: bytes, resolver: Resolver) -> list[SignatureResult]:
    """Verify every DKIM-Signature of `message`, topmost first. InputError if it is not a message."""
    headers, body = _split(message)
    signatures = [_read_signature(i, value) for i, value in enumerate(
        value for name, value in headers if name.lower() == b"dkim-signature"
    )]
    names = sorted({key_name(s.tags["d"], s.tags["s"]) for s in signatures if s.error is None})
    keys = dict(zip(names, await asyncio.gather(*(_fetch(resolver, n) for n in names)), strict=True))
    return [_verify_one(message, body, signature, keys) for signature in signatures]


def _split(message: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    try:
        headers, body = dkim.rfc822_parse(message)
    except dkim.MessageFormatError as exc:
        raise InputError(f"not an RFC 5322 message: {exc}") from None
    return [(bytes(n), bytes(v)) for n, v in headers], bytes(body)


def _read_signature(index: int, value: bytes) -> _Signature:
    try:
        tags = {t.name: t.value for t in parse_tag_list(value.decode("utf-8", "backslashreplace"))}
    except TagListError as exc:
        return _Signature(index, {}, f"malformed DKIM-Signature: {exc}")
    missing = [t for t in REQUIRED_TAGS if t not in tags]
    if missing:
        return _Signature(index, tags, f"DKIM-Signature lacks required tag(s) {', '.join(missing)}= (RFC 6376 3.5)")
    try:
        normalize_selector(tags["s"])
        normalize_selector(tags["d"])
    except ValueError as exc:
        return _Signature(index, tags, f"bad s= or d=: {exc}")
    if tags["a"].lower() not in ALGORITHMS:
        return _Signature(index, tags, f"unknown signature algorithm a={tags['a']} (RFC 6376 3.3, RFC 8463)")
    if "from" not in (h.strip().lower() for h in tags["h"].split(":")):
        return _Signature(index, tags, "the From header field is not signed (RFC 6376 6.1.1)")
    return _Signature(index, tags, None)


async def _fetch(resolver: Resolver, name: str) -> _Key:
    try:
        return _Key(name, await resolver.query(name, "TXT"), None)
    except DnsError as exc:
        return _Key(name, None, exc)


def _verify_one(message: bytes, body: bytes, sig: _Signature, keys: dict[str, _Key]) -> SignatureResult:
    base = _Base.of(sig, body)
    if sig.error is not None:
        return base.result(VerifyResult.NEUTRAL, sig.error)
    key = keys[key_name(sig.tags["d"], sig.tags["s"])]
    if key.error is not None:
        if key.error.is_failure:
            return base.result(VerifyResult.TEMPERROR, f"key lookup failed: {key.error.describe()}", key)
        return base.result(VerifyResult.PERMERROR, f"no key record at {key.name} ({key.error.label})", key)
    record = _choose_record(key)
    if record is None:
        texts = key.answer.texts() if key.answer is not None else []
        seen = f" (its TXT is not a key: {texts[0][:60]!r})" if texts else ""
        return base.result(VerifyResult.PERMERROR, f"no DKIM key record at {key.name}{seen}", key)
    refusal = _key_refusal(record, sig.tags["a"].lower()) or _strict_identity_refusal(record, sig.tags)
    if refusal is not None:
        return base.result(VerifyResult.PERMERROR, refusal, key, record)
    return _run_dkimpy(message, sig, base, key, record)


def _choose_record(key: _Key) -> DkimKeyRecord | None:
    assert key.answer is not None
    records = [parse_key_record(s) for s in sorted(key.answer.strings())]
    dkim_like = [r for r in records if looks_like_key_record(r.text)]
    usable = [r for r in dkim_like if r.usable]
    candidates = usable or dkim_like
    return candidates[0] if candidates else None


def _key_refusal(record: DkimKeyRecord, algorithm: str) -> str | None:
    """Why this key cannot verify a signature with `algorithm` (RFC 6376 6.1.2), or None."""
    if record.has_errors:
        return f"key record invalid: {record.errors[0].message}"
    if record.revoked:
        return "key revoked (empty p=)"
    if not record.for_email:
        return f"key is not for email (s={':'.join(record.service_types)})"
    key_type, _, hash_name = algorithm.partition("-")
    if record.key_type is None or key_type != record.key_type.to_text():
        return f"a={algorithm} does not match the key type k={record.key_type_text}"
    if not record.allows_hash(hash_name):
        return f"the key's h= does not allow {hash_name}"
    if algorithm == "rsa-sha1":
        return "rsa-sha1 signatures are no longer valid (RFC 8301 3.1)"
    return None


def _strict_identity_refusal(record: DkimKeyRecord, tags: dict[str, str]) -> str | None:
    """t=s in the key: the i= domain must be d= itself, not a subdomain (RFC 6376 3.6.1)."""
    identity_domain = tags.get("i", "@" + tags["d"]).rpartition("@")[2].lower()
    if record.strict_identity and identity_domain != tags["d"].lower():
        return f"the key has t=s but i= is in {identity_domain}, not {tags['d']}"
    return None


@dataclass(frozen=True, slots=True)
class _Base:
    sig: _Signature
    body_hash_ok: bool | None

    @classmethod
    def of(cls, sig: _Signature, body: bytes) -> _Base:
        return cls(sig, _body_hash_matches(sig.tags, body))

    def result(
        self, result: VerifyResult, reason: str, key: _Key | None = None, record: DkimKeyRecord | None = None
    ) -> SignatureResult:
        tags = self.sig.tags
        h = tags.get("h")
        return SignatureResult(
            index=self.sig.index,
            domain=tags.get("d"),
            selector=tags.get("s"),
            algorithm=tags.get("a"),
            result=result,
            reason=reason,
            body_hash_ok=self.body_hash_ok,
            identity=tags.get("i"),
            canonicalization=tags.get("c", "simple/simple"),
            signed_headers=tuple(x.strip().lower() for x in h.split(":")) if h else (),
            key_name=key.name if key else None,
            key_type=record.key_type.to_text() if record and record.key_type else None,
            key_bits=record.key_bits if record else None,
            testing=record.testing if record else False,
            cname_chain=key.answer.cname_chain if key and key.answer else (),
        )


def _body_hash_matches(tags: dict[str, str], body: bytes) -> bool | None:
    """Recompute bh= with dkimpy's canonicalization and the signature's hash (RFC 6376 3.7)."""
    hasher = HASH_ALGORITHMS.get(tags.get("a", "").lower().encode("ascii", "replace"))
    if hasher is None or "bh" not in tags:
        return None
    try:
        policy = CanonicalizationPolicy.from_c_value(tags.get("c", "simple/simple").encode("ascii"))
        expected = base64.b64decode(strip_whitespace(tags["bh"]), validate=True)
    except (InvalidCanonicalizationPolicyError, binascii.Error, ValueError):
        return None
    canonical = policy.canonicalize_body(body)
    if "l" in tags:
        if not tags["l"].isdigit():
            return None
        canonical = canonical[: int(tags["l"])]
    return bool(hasher(canonical).digest() == expected)


def _run_dkimpy(message: bytes, sig: _Signature, base: _Base, key: _Key, record: DkimKeyRecord) -> SignatureResult:
    log = _ReasonLog()
    logger = logging.Logger("inboxready.dkim.verify", level=logging.ERROR)
    logger.propagate = False
    logger.addHandler(log)

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes:
        return record.text.encode("utf-8")

    verifier = dkim.DKIM(message, logger=logger, minkey=1024)
    try:
        ok = bool(verifier.verify(idx=sig.index, dnsfunc=dnsfunc))
    except dkim.KeyFormatError as exc:
        return base.result(VerifyResult.PERMERROR, f"unusable key: {exc}", key, record)
    except _DKIMPY_ERRORS as exc:
        if base.body_hash_ok is False:
            return base.result(VerifyResult.FAIL, "body hash mismatch: the body changed after signing", key, record)
        return base.result(VerifyResult.NEUTRAL, f"signature not usable: {exc}", key, record)
    if ok:
        return base.result(VerifyResult.PASS, "signature verified", key, record)
    if log.lines:
        return base.result(VerifyResult.PERMERROR, f"key refused: {log.lines[-1]}", key, record)
    return base.result(
        VerifyResult.FAIL, "signature does not match the signed header fields (changed after signing?)", key, record
    )
