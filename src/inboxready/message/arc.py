"""The ARC chain of one message (RFC 8617 section 5.2, validation), through dkimpy.

dkimpy does the cryptography and the chain rules (most recent AMS must validate, every AS must
validate, cv=none only at i=1). Its `dnsfunc` is synchronous, so every key the ARC-Seal and
ARC-Message-Signature fields name (s=, d=) is fetched first through this project's `Resolver`,
concurrently, and dkimpy answers from that map. A DNS failure on a key makes the result
"temperror" (could not check), never a fail.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import dkim
from inboxready.dkim.record import looks_like_key_record
from inboxready.dkim.selectors import key_name, normalize_selector
from inboxready.dkim.taglist import TagListError, parse_tag_list
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.message.parse import ParsedMessage

ARC_FIELDS = ("arc-seal", "arc-message-signature", "arc-authentication-results")
_DKIMPY_ERRORS = (dkim.DKIMException, ValueError, TypeError, IndexError, KeyError)


@dataclass(frozen=True, slots=True)
class ArcHop:
    """One ARC set as validated: instance i=, its sealer's domain and the cv= it recorded."""

    instance: int
    domain: str | None
    selector: str | None
    cv: str | None
    seal_valid: bool | None
    signature_valid: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "domain": self.domain,
            "selector": self.selector,
            "cv": self.cv,
            "seal_valid": self.seal_valid,
            "signature_valid": self.signature_valid,
        }


@dataclass(frozen=True, slots=True)
class ArcResult:
    #: none (no ARC sets) | pass | fail | temperror (a key lookup failed)
    result: str
    reason: str
    hops: tuple[ArcHop, ...] = ()

    @property
    def sets(self) -> int:
        return len(self.hops)

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result, "reason": self.reason, "sets": self.sets,
                "hops": [h.to_dict() for h in self.hops]}


async def verify_arc(message: ParsedMessage, resolver: Resolver) -> ArcResult:
    """Validate the ARC chain of `message` (result none when it carries no ARC field)."""
    arc_fields = [f for f in message.fields if f.lower in ARC_FIELDS]
    if not arc_fields:
        return ArcResult("none", "the message carries no ARC set")
    names = sorted({n for f in arc_fields if f.lower != "arc-authentication-results" for n in _key_names(f.text())})
    answers = await asyncio.gather(*(_fetch(resolver, n) for n in names))
    keys: dict[str, bytes | None] = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, DnsError):
            return ArcResult("temperror", f"key lookup failed: {answer.describe()}")
        keys[name] = answer
    return _run_dkimpy(message.raw, keys)


def _key_names(value: str) -> list[str]:
    try:
        tags = {t.name: t.value for t in parse_tag_list(value)}
        return [key_name(normalize_selector(tags["d"]), normalize_selector(tags["s"]))]
    except (TagListError, KeyError, ValueError):
        return []


async def _fetch(resolver: Resolver, name: str) -> bytes | None | DnsError:
    """The key record's text; None when there is none; the error when the lookup failed."""
    try:
        answer = await resolver.query(name, "TXT")
    except DnsError as exc:
        return exc if exc.is_failure else None
    texts = answer.texts()
    chosen = next((t for t in texts if looks_like_key_record(t)), texts[0] if texts else None)
    return chosen.encode("utf-8") if chosen is not None else None


def _run_dkimpy(raw: bytes, keys: dict[str, bytes | None]) -> ArcResult:
    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        return keys.get(text.rstrip(".").lower())

    logger = logging.Logger("inboxready.message.arc", level=logging.CRITICAL)
    logger.propagate = False
    try:
        cv, results, reason = dkim.arc_verify(raw, logger=logger, dnsfunc=dnsfunc)
    except _DKIMPY_ERRORS as exc:
        return ArcResult("fail", f"ARC chain not usable: {exc}")
    hops = tuple(sorted((_hop(r) for r in results), key=lambda h: h.instance))
    verdict = _cv_text(cv)
    if verdict == "none" and hops:
        verdict = "fail"  # dkimpy returns None for a chain an earlier sealer marked cv=fail
    return ArcResult(verdict, _text(reason), hops)


def _hop(result: dict[Any, Any]) -> ArcHop:
    return ArcHop(
        instance=int(result.get("instance", 0)),
        domain=_text(result.get("as-domain") or result.get("ams-domain")) or None,
        selector=_text(result.get("as-selector") or result.get("ams-selector")) or None,
        cv=_text(result.get("cv")).lower() or None,
        seal_valid=result.get("as-valid"),
        signature_valid=result.get("ams-valid"),
    )


def _cv_text(cv: object) -> str:
    text = _text(cv).lower()
    return text if text in ("pass", "fail") else "none"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
