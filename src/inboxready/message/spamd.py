"""A small asyncio client of SpamAssassin's spamd, over the SPAMC protocol (version 1.5).

The protocol (spamd's PROTOCOL document): one request per connection,

    REPORT SPAMC/1.5\\r\\n            SPAMD/1.1 0 EX_OK\\r\\n
    Content-length: N\\r\\n     →     Content-length: M\\r\\n
    [User: NAME\\r\\n]                Spam: True ; 15.0 / 5.0\\r\\n
    \\r\\n                            \\r\\n
    <N bytes of message>            <report text>

REPORT's body is SpamAssassin's report table ("pts rule name description"), from which every rule
hit is read with its score and description; SYMBOLS's body is the comma-separated rule names; PING
answers "SPAMD/1.5 0 PONG". Any connection or protocol problem raises `SpamdError` so callers can
say "not scored" and go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import Any

from inboxready.errors import InboxreadyError, InputError

PROTOCOL = "SPAMC/1.5"
DEFAULT_PORT = 783
_STATUS = re.compile(r"^SPAMD/(\d+\.\d+)\s+(\d+)\s+(.*)$")
_SPAM = re.compile(r"^(True|False|Yes|No)\s*;\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)$", re.IGNORECASE)
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Za-z0-9_]+)\s*(.*)$")


class SpamdError(InboxreadyError):
    """spamd could not be reached or did not answer as the protocol says."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    name: str
    score: float
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "description": self.description}


@dataclass(frozen=True, slots=True)
class SpamReport:
    """SpamAssassin's verdict: total score, the threshold it is compared with, and each rule hit."""

    score: float
    threshold: float
    is_spam: bool
    rules: tuple[RuleHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "is_spam": self.is_spam,
            "rules": [r.to_dict() for r in self.rules],
        }


@dataclass(frozen=True, slots=True)
class SpamdResponse:
    code: int
    message: str
    headers: dict[str, str]
    body: bytes


def parse_spamd_address(text: str) -> tuple[str, int]:
    """'HOST[:PORT]' or '[IPv6]:PORT' → (host, port); InputError for anything else."""
    text = text.strip()
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", text) or re.fullmatch(r"([^:\s]+)(?::(\d+))?", text)
    if match is None:
        raise InputError(f"spamd address {text!r}: use HOST:PORT")
    port = int(match.group(2)) if match.group(2) else DEFAULT_PORT
    if not 0 < port < 65536:
        raise InputError(f"spamd address {text!r}: port out of range")
    return match.group(1), port


class SpamdClient:
    """`await SpamdClient("127.0.0.1", 783).report(message_bytes)` → SpamReport."""

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, timeout: float = 30.0,
                 user: str | None = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.user = user

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def ping(self) -> bool:
        """True when spamd answers PONG; False when it cannot be reached or answers otherwise."""
        try:
            response = await self.request("PING", None)
        except SpamdError:
            return False
        return response.message.upper() == "PONG"

    async def report(self, message: bytes) -> SpamReport:
        """Score `message` and read every rule hit with its score and description (REPORT)."""
        response = await self.request("REPORT", message)
        score, threshold, is_spam = _spam_header(response)
        return SpamReport(score, threshold, is_spam, parse_report_rules(response.body.decode("utf-8", "replace")))

    async def symbols(self, message: bytes) -> tuple[float, float, bool, tuple[str, ...]]:
        """Score `message` and name the rules that hit (SYMBOLS): (score, threshold, is_spam, names)."""
        response = await self.request("SYMBOLS", message)
        score, threshold, is_spam = _spam_header(response)
        names = tuple(n.strip() for n in response.body.decode("ascii", "replace").split(",") if n.strip())
        return score, threshold, is_spam, names

    async def request(self, command: str, message: bytes | None) -> SpamdResponse:
        try:
            return await asyncio.wait_for(self._exchange(command, message), self.timeout)
        except TimeoutError:
            raise SpamdError(f"spamd at {self.address} did not answer within {self.timeout:g}s") from None
        except OSError as exc:
            raise SpamdError(f"cannot reach spamd at {self.address}: {exc.strerror or exc}") from None

    async def _exchange(self, command: str, message: bytes | None) -> SpamdResponse:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            head = [f"{command} {PROTOCOL}"]
            if message is not None:
                head.append(f"Content-length: {len(message)}")
            if self.user:
                head.append(f"User: {self.user}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + (message or b""))
            await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
            data = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        return parse_response(data, self.address)


def parse_response(data: bytes, source: str = "spamd") -> SpamdResponse:
    """Status line, headers and body of one spamd response; SpamdError when it is not one."""
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("ascii", "replace").split("\r\n")
    match = _STATUS.match(lines[0].strip()) if lines else None
    if match is None:
        raise SpamdError(f"{source} answered something that is not SPAMD: {lines[0][:80]!r}")
    code, message = int(match.group(2)), match.group(3).strip()
    if code != 0:
        raise SpamdError(f"{source} refused the request: {code} {message}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    if length is not None and length.isdigit() and sep and len(body) < int(length):
        raise SpamdError(f"{source} closed the connection before the end of its answer")
    return SpamdResponse(code, message, headers, body)


def _spam_header(response: SpamdResponse) -> tuple[float, float, bool]:
    match = _SPAM.match(response.headers.get("spam", ""))
    if match is None:
        raise SpamdError(f"spamd answered without a usable Spam: header ({response.headers.get('spam')!r})")
    score, threshold = float(match.group(2)) + 0.0, float(match.group(3)) + 0.0  # + 0.0: no "-0.0"
    return score, threshold, match.group(1).lower() in ("true", "yes")


def parse_report_rules(report: str) -> tuple[RuleHit, ...]:
    """Rule hits from SpamAssassin's report table (the lines after '---- ----...')."""
    rules: list[RuleHit] = []
    in_table = False
    for line in report.splitlines():
        if not in_table:
            in_table = line.startswith("----")
            continue
        if not line.strip():
            if rules:
                break
            continue
        match = _RULE.match(line)
        indent = len(line) - len(line.lstrip())
        if match is not None and indent < 5:  # the "pts" column is 4 wide; deeper lines continue a description
            rules.append(RuleHit(match.group(2), float(match.group(1)) + 0.0, match.group(3).strip()))
        elif rules:
            last = rules[-1]
            rules[-1] = RuleHit(last.name, last.score, f"{last.description} {line.strip()}".strip())
    return tuple(rules)
