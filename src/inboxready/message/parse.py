"""A message as bytes, split the way receivers see it (RFC 5322 sections 2.1-2.2, RFC 2045).

`parse_message` keeps the raw header fields in order (name and unfolded value, undecoded) for the
header checks, and the standard library's MIME tree for the structure checks. It raises InputError
only when the bytes are not a message at all (no header field before the body).
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage

from inboxready.errors import InputError

_FIELD_NAME = re.compile(rb"^[\x21-\x39\x3b-\x7e]+$")  # RFC 5322 2.2: printable ASCII but ':'


@dataclass(frozen=True, slots=True)
class HeaderField:
    """One header field as sent: its name, its unfolded value (bytes, undecoded), its position."""

    name: str
    value: bytes
    line: int

    @property
    def lower(self) -> str:
        return self.name.lower()

    def text(self) -> str:
        """The value as text (UTF-8 per RFC 6532; other bytes escaped), without leading blanks."""
        return self.value.decode("utf-8", "backslashreplace").strip()


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    raw: bytes
    fields: tuple[HeaderField, ...]
    #: Lines of the header section that are neither fields nor continuations (RFC 5322 2.2 defects).
    bad_header_lines: tuple[int, ...]
    mime: EmailMessage

    def all(self, name: str) -> list[HeaderField]:
        lower = name.lower()
        return [f for f in self.fields if f.lower == lower]

    def first_text(self, name: str) -> str | None:
        found = self.all(name)
        return found[0].text() if found else None

    def count(self, name: str) -> int:
        return len(self.all(name))


def split_header_section(raw: bytes) -> tuple[bytes, bytes]:
    """(header section, body) split at the first empty line; no empty line: all header."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if raw.startswith((b"\r\n", b"\n")):
        return b"", raw.split(b"\n", 1)[1]
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end():]


def parse_message(raw: bytes) -> ParsedMessage:
    """Split `raw` into header fields and a MIME tree. InputError when it holds no header field."""
    header, _body = split_header_section(raw)
    fields, bad = _header_fields(header)
    if not fields:
        raise InputError("not an RFC 5322 message: no header field at the top")
    mime = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mime, EmailMessage)
    return ParsedMessage(raw, tuple(fields), tuple(bad), mime)


def _header_fields(header: bytes) -> tuple[list[HeaderField], list[int]]:
    """Fields with unfolded values (RFC 5322 2.2.3), and the numbers of lines that are not fields."""
    fields: list[HeaderField] = []
    bad: list[int] = []
    for number, line in enumerate(re.split(rb"\r?\n", header) if header else [], start=1):
        if line[:1] in (b" ", b"\t"):
            if fields:
                last = fields[-1]
                fields[-1] = HeaderField(last.name, last.value + b" " + line.strip(b" \t"), last.line)
            else:
                bad.append(number)
            continue
        name, colon, value = line.partition(b":")
        stripped = name.rstrip(b" \t")  # RFC 5322 4.5.2 (obsolete WSP before the colon) is tolerated
        if colon and stripped and _FIELD_NAME.match(stripped):
            fields.append(HeaderField(stripped.decode("ascii"), value.strip(b" \t"), number))
        else:
            bad.append(number)
    return fields, bad
