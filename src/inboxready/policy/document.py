"""The email policy document (EP1, an experimental proposal): one JSON file describing how a domain
sends mail, found through one DNS pointer record that pins its digest.

    _emailpolicy.example.com. TXT "v=EP1; u=https://example.com/.well-known/emailpolicy.json; h=sha256:<hex>"

`build_document(policy, plan)` describes the senders and their DMARC paths, the SPF record with
its networks and includes (RFC 7208 5), the DKIM selectors with the SHA-256 fingerprint of each
published key (the bytes of p=, RFC 6376 3.6.1: DER SubjectPublicKeyInfo for RSA, the raw key for
Ed25519 per RFC 8463), the DMARC policy and report addresses (RFC 7489 6.3), MTA-STS (RFC 8461) and
TLS-RPT (RFC 8460), and the DNS records all of this is published as. `document_bytes` serializes it
deterministically (the digest covers exactly these bytes); the schema is
docs/schemas/email-policy.schema.json and the proposal with its threat model
docs/email-policy-document.md. Verification lives in `policy.docverify`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from inboxready.dkim.record import parse_key_record
from inboxready.policy.model import Policy, PolicyFile
from inboxready.policy.plan import dmarc_record_text
from inboxready.policy.records import Plan, PlannedRecord
from inboxready.spf.record import Mechanism, SpfSyntaxError, parse_record

VERSION = "EP1"
POINTER_LABEL = "_emailpolicy"
WELL_KNOWN_PATH = "/.well-known/emailpolicy.json"
MEDIA_TYPE = "application/json"
#: Record purposes the document describes (site verification tokens and addresses are not policy).
DESCRIBED = ("spf", "spf-type99", "dmarc", "dkim", "mail-from", "helo-spf", "tls-rpt", "mta-sts")
_HEX_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_STEP_RE = re.compile(r" once manual steps? [\d, ]+ (?:is|are) done| \(manual step \d+\)")
_B64_RE = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


class PointerError(ValueError):
    """A `_emailpolicy` TXT value that is not a usable EP1 pointer; the message says why."""


@dataclass(frozen=True, slots=True)
class Pointer:
    url: str
    digest: bytes  # the 32 bytes of the SHA-256 digest

    def to_text(self) -> str:
        return f"v={VERSION}; u={self.url}; h=sha256:{self.digest.hex()}"

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "digest": "sha256:" + self.digest.hex(), "record": self.to_text()}


def document_url(policy: Policy) -> str:
    settings = policy.policy_document
    if settings is not None and settings.url:
        return settings.url
    return f"https://{policy.domain}{WELL_KNOWN_PATH}"


def pointer_name(domain: str) -> str:
    return f"{POINTER_LABEL}.{domain}"


def is_pointer(text: str) -> bool:
    low = text.strip().lower()
    return low == "v=ep1" or low.startswith(("v=ep1;", "v=ep1 "))


def parse_pointer(text: str) -> Pointer:
    """Parse `v=EP1; u=https://...; h=sha256:<64 hex digits or base64>` (tags in any order after v)."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts or parts[0].replace(" ", "").lower() != "v=ep1":
        raise PointerError("the record does not start with v=EP1")
    tags: dict[str, str] = {}
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        key = name.strip().lower()
        if not sep or not key:
            raise PointerError(f"{part!r} is not a tag=value pair")
        if key in tags:
            raise PointerError(f"tag {key} appears twice")
        tags[key] = value.strip()
    url, digest_text = tags.get("u"), tags.get("h")
    if not url or not url.lower().startswith("https://") or " " in url:
        raise PointerError("u= must be an https:// URL")
    if not digest_text:
        raise PointerError("h= (the document's digest, sha256:...) is missing")
    algorithm, sep, value = digest_text.partition(":")
    if not sep or algorithm.lower() != "sha256":
        raise PointerError(f"h={digest_text}: only sha256:<digest> is defined")
    return Pointer(url, _digest_bytes(value.strip()))


def _digest_bytes(value: str) -> bytes:
    if _HEX_RE.match(value):
        return bytes.fromhex(value)
    padded = value + "=" * (-len(value) % 4)
    raw = b""
    if _B64_RE.match(padded):
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except binascii.Error:
            raw = b""
    if len(raw) != 32:
        raise PointerError("h=sha256: needs 64 hex digits or the base64 form of 32 bytes")
    return raw


def key_fingerprint(record_text: str) -> tuple[str | None, int | None, str | None]:
    """(sha256:<hex> of the p= bytes, key bits, key type) of a DKIM key record; Nones when unusable."""
    key = parse_key_record(record_text)
    if not key.public_key:
        return None, key.key_bits, None
    key_type = key.key_type.to_text() if key.key_type else key.key_type_text or None
    return "sha256:" + hashlib.sha256(key.public_key).hexdigest(), key.key_bits, key_type


def _spf_section(plan: Plan) -> dict[str, Any] | None:
    if plan.spf is None:
        return None
    out: dict[str, Any] = {"record": plan.spf.record, "dns_lookups": plan.spf.dns_lookups, "all": None,
                           "ip4": [], "ip6": [], "include": [], "a": [], "mx": [], "other": []}
    try:
        record = parse_record(plan.spf.record)
    except SpfSyntaxError:
        return out
    for mechanism in record.mechanisms:
        _spf_term(out, mechanism, plan.domain)
    return out


def _spf_term(out: dict[str, Any], mechanism: Mechanism, domain: str) -> None:
    kind = mechanism.kind.to_text()
    text = mechanism.text.lstrip("+-~?")
    if kind == "all":
        out["all"] = mechanism.text if mechanism.explicit_qualifier else "+all"
    elif kind in ("ip4", "ip6") and mechanism.network is not None:
        out[kind].append(str(mechanism.network))
    elif kind in ("include", "a", "mx"):
        target = text.partition(":")[2] or domain
        out[kind].append(target)
    else:
        out["other"].append(mechanism.text)


def _dkim_section(plan: Plan) -> list[dict[str, Any]]:
    entries = []
    for r in plan.own_records:
        if r.purpose != "dkim" or "._domainkey." not in r.name:
            continue
        entry: dict[str, Any] = {"selector": r.name.split("._domainkey.")[0], "name": r.name,
                                 "senders": list(r.providers), "type": r.type}
        if r.type == "CNAME":
            entry["delegated_to"] = r.value.rstrip(".")
        else:
            fingerprint, bits, key_type = key_fingerprint(r.value)
            entry.update({"key_type": key_type, "key_bits": bits, "fingerprint": fingerprint})
        entries.append(entry)
    return entries


def _no_steps(text: str | None) -> str | None:
    """A sender path without references to the plan's numbered manual steps (not in the document)."""
    return None if text is None else _STEP_RE.sub("", text)


def build_document(policy: Policy | PolicyFile, plan: Plan) -> dict[str, Any]:
    """The EP1 document for the policy and its plan (plain JSON data)."""
    pol = policy.policy if isinstance(policy, PolicyFile) else policy
    goal, options = pol.dmarc, pol.options
    sts = options.mta_sts
    sts_record = next((r.value for r in plan.own_records if r.purpose == "mta-sts"), None)
    return {
        "version": VERSION,
        "domain": pol.domain,
        "senders": [{"sender": p.sender, "service": p.provider, "dmarc": p.status, "dkim": _no_steps(p.dkim),
                     "spf": _no_steps(p.spf)} for p in plan.paths],
        "spf": _spf_section(plan),
        "dkim": _dkim_section(plan),
        "dmarc": {"record": dmarc_record_text(pol), "policy": goal.policy,
                  "subdomain_policy": goal.subdomain_policy or goal.policy, "adkim": goal.adkim,
                  "aspf": goal.aspf, "rua": list(goal.rua), "ruf": list(goal.ruf)},
        "mta_sts": None if sts is None else {
            "mode": sts.mode, "mx": list(sts.mx), "max_age": sts.max_age,
            "id": sts_record.partition("id=")[2].strip() if sts_record else None,
        },
        "tls_rpt": {"rua": list(options.tls_rpt)} if options.tls_rpt else None,
        "records": [{"name": r.name, "type": r.type, "value": r.value}
                    for r in plan.own_records if r.purpose in DESCRIBED],
    }


def document_bytes(document: dict[str, Any]) -> bytes:
    """The served form: UTF-8 JSON, two-space indent, keys in document order, final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def make_pointer(policy: Policy | PolicyFile, body: bytes) -> Pointer:
    pol = policy.policy if isinstance(policy, PolicyFile) else policy
    return Pointer(document_url(pol), hashlib.sha256(body).digest())


def pointer_record(policy: Policy | PolicyFile, body: bytes) -> PlannedRecord:
    """The `_emailpolicy` TXT record to publish with the plan (what `apply` adds)."""
    pol = policy.policy if isinstance(policy, PolicyFile) else policy
    return PlannedRecord(
        pointer_name(pol.domain), "TXT", make_pointer(pol, body).to_text(),
        "email policy document pointer: where the document is and its SHA-256 digest (EP1, experimental)",
        ("policy-document",), "verification", pol.options.ttl, pol.domain,
    )
