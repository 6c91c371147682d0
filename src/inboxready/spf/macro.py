"""SPF macros (RFC 7208 section 7): parse macro-strings, expand them against one check's values.

Grammar (section 7.1)::

    macro-string  = *( macro-expand / macro-literal )
    macro-expand  = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
    macro-literal = %x21-24 / %x26-7E          ; visible characters except "%"
    macro-letter  = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
    transformers  = *DIGIT [ "r" ]
    delimiter     = "." / "-" / "+" / "," / "/" / "_" / "="

The letters c, r and t are allowed only in explanation text (7.1/8); an explain-string may also
contain spaces (7.1). An upper-case letter expands like the lower-case one and is then URL-escaped
(7.3). Parsing is pure; the `p` macro needs DNS, so the evaluator resolves it and passes the value in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from inboxready.errors import InboxreadyError

DOMAIN_LETTERS = frozenset("slodiphv")
EXPLAIN_ONLY_LETTERS = frozenset("crt")
DELIMITERS = ".-+,/_="
#: Letters whose value depends on the connecting IP address.
IP_LETTERS = frozenset("ipcv")

_EXPAND_RE = re.compile(r"%\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}")


class MacroSyntaxError(InboxreadyError, ValueError):
    """A macro-string that does not follow RFC 7208 section 7.1; `offset` is 0-based in the string."""

    def __init__(self, reason: str, offset: int) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class MacroLiteral:
    text: str


@dataclass(frozen=True, slots=True)
class MacroExpand:
    """One `%{...}` expansion: letter (lower case), URL escaping, digits, reversal, delimiters."""

    letter: str
    url_escape: bool = False
    digits: int | None = None
    reverse: bool = False
    delimiters: str = ""
    text: str = ""


MacroPart = MacroLiteral | MacroExpand


@dataclass(frozen=True, slots=True)
class MacroString:
    text: str
    parts: tuple[MacroPart, ...]

    @property
    def letters(self) -> frozenset[str]:
        return frozenset(p.letter for p in self.parts if isinstance(p, MacroExpand))

    @property
    def has_macros(self) -> bool:
        """True when expansion depends on the check (a `%{x}` is present; %%, %_ and %- are fixed)."""
        return bool(self.letters)

    def literal_value(self) -> str:
        """The expansion when no `%{x}` is present (only literals and %%, %_, %-)."""
        return "".join(p.text for p in self.parts if isinstance(p, MacroLiteral))

    def __str__(self) -> str:
        return self.text


_ESCAPES = {"%": "%", "_": " ", "-": "%20"}


def parse_macro_string(text: str, *, explain: bool = False, letters: frozenset[str] = DOMAIN_LETTERS) -> MacroString:
    """Parse a macro-string; `explain=True` for explanation text (spaces, and c/r/t allowed)."""
    allowed = letters | EXPLAIN_ONLY_LETTERS if explain else letters
    parts: list[MacroPart] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            if not ("\x21" <= ch <= "\x7e" or (explain and ch == " ")):
                raise MacroSyntaxError(f"character {ch!r} is not allowed here (only visible ASCII)", i)
            literal.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            literal.append(_ESCAPES[nxt])
            i += 2
            continue
        if nxt != "{":
            raise MacroSyntaxError("'%' must be followed by '{', '%', '_' or '-' (write %% for a percent sign)", i)
        match = _EXPAND_RE.match(text, i)
        if match is None:
            raise MacroSyntaxError("malformed macro: expected %{letter[digits][r][delimiters]}", i)
        letter, digits, reverse, delimiters = match.groups()
        if letter.lower() not in allowed:
            where = "in explanation text only" if letter.lower() in EXPLAIN_ONLY_LETTERS else "anywhere"
            raise MacroSyntaxError(f"macro letter {letter!r} is not allowed {where}", i)
        if digits and int(digits) == 0:
            raise MacroSyntaxError("the digit transformer must be at least 1", i)
        if literal:
            parts.append(MacroLiteral("".join(literal)))
            literal = []
        parts.append(
            MacroExpand(
                letter=letter.lower(),
                url_escape=letter.isupper(),
                digits=int(digits) if digits else None,
                reverse=bool(reverse),
                delimiters=delimiters,
                text=match.group(0),
            )
        )
        i = match.end()
    if literal:
        parts.append(MacroLiteral("".join(literal)))
    return MacroString(text, tuple(parts))


@dataclass(frozen=True, slots=True)
class MacroValues:
    """The values macros expand to during one check (RFC 7208 section 7.3)."""

    sender: str
    local_part: str
    sender_domain: str
    domain: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    helo: str
    receiver: str = "unknown"
    timestamp: int = 0
    validated_name: str = "unknown"

    def value(self, letter: str) -> str:
        if letter == "s":
            return self.sender
        if letter == "l":
            return self.local_part
        if letter == "o":
            return self.sender_domain
        if letter == "d":
            return self.domain
        if letter == "i":
            return ip_dotted(self.ip)
        if letter == "c":
            return str(self.ip)
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "p":
            return self.validated_name
        if letter == "r":
            return self.receiver
        if letter == "t":
            return str(self.timestamp)
        raise ValueError(f"unknown macro letter {letter!r}")


def ip_dotted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The `i` macro: dotted quad, or IPv6 as 32 dot-separated nibbles (upper case, as pyspf and the
    openspf suite write them; DNS compares names case-insensitively)."""
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", "").upper())


def transform(value: str, part: MacroExpand) -> str:
    """Split on the delimiters (default '.'), optionally reverse, keep the right-most N, join with '.'."""
    if part.digits is None and not part.reverse and part.delimiters in ("", "."):
        out = value
    else:
        pieces = re.split("[" + re.escape(part.delimiters or ".") + "]", value)
        if part.reverse:
            pieces.reverse()
        if part.digits is not None and part.digits < len(pieces):
            pieces = pieces[-part.digits :]
        out = ".".join(pieces)
    return quote(out, safe="") if part.url_escape else out


def expand(macro: MacroString, values: MacroValues) -> str:
    out = []
    for part in macro.parts:
        if isinstance(part, MacroLiteral):
            out.append(part.text)
        else:
            out.append(transform(values.value(part.letter), part))
    return "".join(out)
