"""The Authentication-Results header field a receiver would add (RFC 8601).

    Authentication-Results: authserv-id;
        spf=pass smtp.mailfrom=bounce@news.example;
        dkim=pass header.d=news.example header.s=k1 header.a=rsa-sha256 header.b=AbCdEfGh;
        arc=none;
        dmarc=pass (p=none dis=none) header.from=news.example

Section 2.2 gives the syntax (method=result, comments in parentheses, ptype.property=value);
section 2.7 the results of each method; RFC 7489 11.2 and RFC 8617 the dmarc and arc methods;
RFC 6008 header.b (at least 8 characters of b= to tell several signatures apart). A method whose
inputs were missing (SPF without the connecting IP) is left out rather than given a guessed result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from inboxready.dkim.signing import SignatureResult
from inboxready.dmarc.alignment import DmarcEvaluation
from inboxready.message.arc import ArcResult
from inboxready.spf.result import SpfResult

HEADER_B_LENGTH = 8  # RFC 6008 section 4: at least 8 characters
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+$")
_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`{|}~/=?]*@[A-Za-z0-9.\-]+$")


class _SpfCheck(Protocol):
    """What this module reads from an SPF check (auth.SpfCheck; structural to avoid a cycle)."""

    @property
    def identity(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def result(self) -> SpfResult: ...


def authentication_results(
    authserv_id: str,
    *,
    spf: Sequence[_SpfCheck],
    dkim: Sequence[SignatureResult],
    dkim_b: Sequence[str],
    arc: ArcResult,
    dmarc: DmarcEvaluation | None,
    dmarc_result: str,
    from_domain: str | None,
) -> str:
    """The full header field ('Authentication-Results: ...'), folded one result per line."""
    results: list[str] = []
    for check in spf:
        results.append(_spf(check))
    for index, signature in enumerate(dkim):
        results.append(_dkim(signature, dkim_b[index] if index < len(dkim_b) else ""))
    if not dkim:
        results.append("dkim=none (message not signed)")
    if arc.result in ("none", "pass", "fail"):
        results.append(f"arc={arc.result}" + (f" (i={arc.sets})" if arc.sets else ""))
    if dmarc_result != "unknown" and from_domain:
        results.append(_dmarc(dmarc, dmarc_result, from_domain))
    body = ";\r\n\t".join([authserv_id, *results]) if results else f"{authserv_id}; none"
    return f"Authentication-Results: {body}"


def _spf(check: _SpfCheck) -> str:
    result = check.result.result.value
    comment = f" ({_comment(check.result.reason)})" if check.result.reason else ""
    if check.identity == "helo":
        helo = check.sender.rpartition("@")[2]
        return f"spf={result}{comment} smtp.helo={_value(helo)}"
    return f"spf={result}{comment} smtp.mailfrom={_value(check.sender)}"


def _dkim(signature: SignatureResult, b_value: str) -> str:
    parts = [f"dkim={signature.result.to_text()}"]
    if not signature.passed and signature.reason:
        parts.append(f"({_comment(signature.reason)})")
    elif signature.key_bits:
        parts.append(f"({signature.key_bits}-bit key)")
    if signature.domain:
        parts.append(f"header.d={_value(signature.domain)}")
    if signature.identity:
        parts.append(f"header.i={_value(signature.identity)}")
    if signature.selector:
        parts.append(f"header.s={_value(signature.selector)}")
    if signature.algorithm:
        parts.append(f"header.a={_value(signature.algorithm)}")
    if b_value:
        parts.append(f"header.b={_value(b_value[:HEADER_B_LENGTH])}")
    return " ".join(parts)


def _dmarc(dmarc: DmarcEvaluation | None, result: str, from_domain: str) -> str:
    comment = ""
    if dmarc is not None and dmarc.requested_policy is not None:
        disposition = dmarc.applied_policy.to_text()
        comment = f" (p={dmarc.requested_policy.to_text()} dis={disposition})"
    return f"dmarc={result}{comment} header.from={_value(from_domain)}"


def _value(text: str) -> str:
    """A pvalue: a token, an address, or a quoted-string (RFC 8601 2.2, RFC 2045 5.1)."""
    if _TOKEN.match(text) or _ADDRESS.match(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _comment(text: str) -> str:
    """Text safe inside a comment (RFC 5322 3.2.2): nested parentheses only when balanced."""
    text = re.sub(r"[\\\r\n]", " ", text).strip()
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    return text if depth == 0 else re.sub(r"[()]", " ", text)
