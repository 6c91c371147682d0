"""SPF records: selection (RFC 7208 section 4.5) and the record grammar (sections 4.6.1, 5, 6, 12).

    record    = version terms *SP              version = "v=spf1"
    terms     = *( 1*SP ( directive / modifier ) )
    directive = [ qualifier ] mechanism         qualifier = "+" / "-" / "?" / "~"
    modifier  = redirect / explanation / unknown-modifier

Parsing is pure and strict: any syntax error anywhere makes the whole record a permerror (4.6), so
`parse_record` raises `SpfSyntaxError` naming the term, its 1-based column and a fix.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from inboxready.errors import InboxreadyError
from inboxready.spf.macro import MacroExpand, MacroLiteral, MacroString, MacroSyntaxError, parse_macro_string

MAX_DNS_TERMS = 10
MAX_VOID_LOOKUPS = 2
MAX_MX_NAMES = 10
MAX_PTR_NAMES = 10
#: Include/redirect nesting beyond which evaluation stops with permerror whatever the lookup limit
#: (with the limit of 10 it is never reached; it keeps "unlimited" comparisons of loops finite).
MAX_NESTING = 24

_VERSION = "v=spf1"
_MODIFIER_RE = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)\Z", re.DOTALL)
_MECH_NAME_RE = re.compile(r"[A-Za-z0-9]*")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4_RE = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}\Z")
_CIDR_RE = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_TOPLABEL = r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN_END_RE = re.compile(rf"\.{_TOPLABEL}\.?\Z")


class ResultCode(enum.Enum):
    """The results of check_host() (RFC 7208 section 2.6)."""

    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"

    @classmethod
    def from_text(cls, text: str) -> ResultCode:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"not an SPF result: {text!r}") from None

    def to_text(self) -> str:
        return self.value


class Qualifier(enum.Enum):
    PASS = "+"
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"

    @classmethod
    def from_text(cls, text: str) -> Qualifier:
        return cls(text)

    def to_text(self) -> str:
        return self.value

    @property
    def result(self) -> ResultCode:
        return _QUALIFIER_RESULTS[self]


_QUALIFIER_RESULTS = {
    Qualifier.PASS: ResultCode.PASS,
    Qualifier.FAIL: ResultCode.FAIL,
    Qualifier.SOFTFAIL: ResultCode.SOFTFAIL,
    Qualifier.NEUTRAL: ResultCode.NEUTRAL,
}


class MechanismKind(enum.Enum):
    ALL = "all"
    INCLUDE = "include"
    A = "a"
    MX = "mx"
    PTR = "ptr"
    IP4 = "ip4"
    IP6 = "ip6"
    EXISTS = "exists"

    @classmethod
    def from_text(cls, text: str) -> MechanismKind:
        return cls(text.lower())

    def to_text(self) -> str:
        return self.value

    @property
    def causes_lookup(self) -> bool:
        """Counts toward the limit of 10 DNS-querying terms (4.6.4)."""
        return self in _LOOKUP_KINDS


_LOOKUP_KINDS = frozenset({MechanismKind.INCLUDE, MechanismKind.A, MechanismKind.MX, MechanismKind.PTR,
                           MechanismKind.EXISTS})


class SpfSyntaxError(InboxreadyError, ValueError):
    """A record that does not follow the grammar; names the term, its 1-based column and a fix."""

    def __init__(self, reason: str, *, term: str | None = None, column: int | None = None, fix: str = "") -> None:
        self.reason = reason
        self.term = term
        self.column = column
        self.fix = fix
        where = f"term {term!r} at column {column}: " if term is not None else ""
        super().__init__(f"{where}{reason}" + (f" ({fix})" if fix else ""))


@dataclass(frozen=True, slots=True)
class Mechanism:
    qualifier: Qualifier
    kind: MechanismKind
    text: str
    column: int = 0
    domain_spec: MacroString | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    cidr4: int | None = None
    cidr6: int | None = None

    @property
    def explicit_qualifier(self) -> bool:
        return self.text[:1] in "+-~?"

    @property
    def prefix4(self) -> int:
        return 32 if self.cidr4 is None else self.cidr4

    @property
    def prefix6(self) -> int:
        return 128 if self.cidr6 is None else self.cidr6

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Modifier:
    name: str  # lower case
    value: MacroString
    text: str
    column: int = 0

    def __str__(self) -> str:
        return self.text


Term = Mechanism | Modifier


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]
    mechanisms: tuple[Mechanism, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mechanisms", tuple(t for t in self.terms if isinstance(t, Mechanism)))

    @property
    def redirect(self) -> Modifier | None:
        return self._modifier("redirect")

    @property
    def explanation(self) -> Modifier | None:
        return self._modifier("exp")

    @property
    def unknown_modifiers(self) -> tuple[Modifier, ...]:
        return tuple(t for t in self.terms if isinstance(t, Modifier) and t.name not in ("redirect", "exp"))

    @property
    def lookup_terms(self) -> int:
        """DNS-querying terms in this record alone (not counting what includes add)."""
        count = sum(1 for m in self.mechanisms if m.kind.causes_lookup)
        return count + (1 if self.redirect is not None else 0)

    def _modifier(self, name: str) -> Modifier | None:
        for term in self.terms:
            if isinstance(term, Modifier) and term.name == name:
                return term
        return None

    def __str__(self) -> str:
        return self.text


def is_spf_record(text: bytes | str) -> bool:
    """True for a TXT string that selects as an SPF record: 'v=spf1' alone or followed by a space."""
    raw = text.encode("latin-1", "replace") if isinstance(text, str) else text
    return raw[:6].lower() == b"v=spf1" and (len(raw) == 6 or raw[6:7] == b" ")


def parse_record(text: str) -> SpfRecord:
    """Parse a whole SPF record; raises SpfSyntaxError for any error anywhere (4.6)."""
    if not is_spf_record(text):
        raise SpfSyntaxError("an SPF record starts with 'v=spf1' followed by a space or the end",
                             fix="begin the record with 'v=spf1 '")
    try:
        text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise SpfSyntaxError(f"non-ASCII character {text[exc.start]!r} at column {exc.start + 1}",
                             fix="SPF records are 7-bit ASCII (RFC 7208 3.1)") from None
    terms: list[Term] = []
    seen: set[str] = set()
    column = len(_VERSION) + 1
    for chunk in text[len(_VERSION):].split(" "):
        if chunk:
            term = _parse_term(chunk, column)
            if isinstance(term, Modifier) and term.name in ("redirect", "exp"):
                if term.name in seen:
                    raise SpfSyntaxError(f"the {term.name} modifier appears more than once", term=chunk,
                                         column=column, fix=f"keep a single {term.name}= (RFC 7208 6)")
                seen.add(term.name)
            terms.append(term)
        column += len(chunk) + 1
    return SpfRecord(text, tuple(terms))


@lru_cache(maxsize=4096)
def parse_record_cached(text: str) -> SpfRecord | SpfSyntaxError:
    """`parse_record` memoised for evaluation; returns the error instead of raising it."""
    try:
        return parse_record(text)
    except SpfSyntaxError as exc:
        return exc


def _parse_term(chunk: str, column: int) -> Term:
    control = _CONTROL_RE.search(chunk)
    if control is not None:
        raise SpfSyntaxError(f"control character {control.group(0)!r} inside a term", term=chunk,
                             column=column + control.start(),
                             fix="terms are separated by single spaces only; remove tabs and line breaks")
    modifier = _MODIFIER_RE.match(chunk)
    if modifier is not None:
        return _parse_modifier(chunk, modifier.group(1).lower(), modifier.group(2), column)
    qualifier = Qualifier.PASS
    body = chunk
    if body[:1] in "+-~?":
        qualifier = Qualifier.from_text(body[0])
        body = body[1:]
    name = _MECH_NAME_RE.match(body).group(0)  # type: ignore[union-attr]
    try:
        kind = MechanismKind.from_text(name)
    except ValueError:
        hint = _hint_for_unknown(chunk, name)
        raise SpfSyntaxError(f"unknown mechanism {name or body[:1]!r}", term=chunk, column=column, fix=hint) from None
    rest = body[len(name):]
    start = column + (len(chunk) - len(rest))
    return _MECHANISM_PARSERS[kind](chunk, qualifier, kind, rest, column, start)


def _hint_for_unknown(chunk: str, name: str) -> str:
    lowered = name.lower()
    common = {"ip": "ip4", "ipv4": "ip4", "ipv6": "ip6", "prt": "ptr", "redirect": "redirect=DOMAIN",
              "exp": "exp=DOMAIN", "include": "include:DOMAIN"}
    if lowered in common:
        return f"did you mean {common[lowered]!r}?"
    return "mechanisms are all, include, a, mx, ptr, ip4, ip6 and exists; modifiers are name=value"


def _fail(chunk: str, column: int, reason: str, fix: str) -> SpfSyntaxError:
    return SpfSyntaxError(reason, term=chunk, column=column, fix=fix)


def _parse_modifier(chunk: str, name: str, value: str, column: int) -> Modifier:
    value_column = column + len(chunk) - len(value)
    if name in ("redirect", "exp"):
        spec = _domain_spec(chunk, value, value_column, f"{name}=")
        return Modifier(name, spec, chunk, column)
    try:
        macro = parse_macro_string(value, letters=frozenset("slodiphvcrt"))
    except MacroSyntaxError as exc:
        raise _fail(chunk, value_column + exc.offset, f"modifier value: {exc.reason}",
                    "unknown modifiers need a valid macro-string value") from None
    return Modifier(name, macro, chunk, column)


def _domain_spec(chunk: str, text: str, column: int, what: str) -> MacroString:
    """domain-spec = macro-string domain-end (7.1): must end in '.toplabel' or a macro."""
    if not text:
        raise _fail(chunk, column, f"{what} needs a domain", f"write {what}example.com")
    try:
        macro = parse_macro_string(text)
    except MacroSyntaxError as exc:
        raise _fail(chunk, column + exc.offset, exc.reason, "fix the macro (RFC 7208 7.1)") from None
    last = macro.parts[-1]
    if isinstance(last, MacroExpand) or text.endswith(("%%", "%_", "%-")):
        return macro
    assert isinstance(last, MacroLiteral)
    if not _DOMAIN_END_RE.search(last.text):
        raise _fail(chunk, column, f"{text!r} does not end in a valid top-level label",
                    "use a fully qualified name such as mail.example.com (the last label is not all digits)")
    return macro


def _cidr(chunk: str, column: int, text: str, maximum: int) -> int:
    if not _CIDR_RE.match(text) or int(text) > maximum:
        raise _fail(chunk, column, f"invalid prefix length /{text}",
                    f"use a number from 0 to {maximum}, no leading zero")
    return int(text)


def _split_cidrs(chunk: str, rest: str, start: int) -> tuple[str, int | None, int | None]:
    """Strip [ "/" ip4-cidr ] [ "//" ip6-cidr ] from the end of a/mx arguments."""
    cidr4 = cidr6 = None
    m6 = re.search(r"//([0-9]+)\Z", rest)
    if m6:
        cidr6 = _cidr(chunk, start + m6.start(), m6.group(1), 128)
        rest = rest[: m6.start()]
    m4 = re.search(r"(?<!/)/([0-9]+)\Z", rest)
    if m4:
        cidr4 = _cidr(chunk, start + m4.start(), m4.group(1), 32)
        rest = rest[: m4.start()]
    return rest, cidr4, cidr6


def _parse_all(chunk: str, q: Qualifier, kind: MechanismKind, rest: str, column: int, start: int) -> Mechanism:
    if rest:
        raise _fail(chunk, start, "'all' takes no argument", "write just 'all' (e.g. -all)")
    return Mechanism(q, kind, chunk, column)


def _parse_target(chunk: str, q: Qualifier, kind: MechanismKind, rest: str, column: int, start: int) -> Mechanism:
    """include, exists (domain required) and ptr (domain optional); no prefix lengths."""
    if not rest and kind is MechanismKind.PTR:
        return Mechanism(q, kind, chunk, column)
    if not rest.startswith(":"):
        raise _fail(chunk, start, f"'{kind.value}' takes ':domain' and no prefix length",
                    f"write {kind.value}:example.com")
    spec = _domain_spec(chunk, rest[1:], start + 1, f"{kind.value}:")
    return Mechanism(q, kind, chunk, column, domain_spec=spec)


def _parse_host(chunk: str, q: Qualifier, kind: MechanismKind, rest: str, column: int, start: int) -> Mechanism:
    """a and mx: [ ":" domain-spec ] [ dual-cidr-length ]."""
    rest, cidr4, cidr6 = _split_cidrs(chunk, rest, start)
    spec = None
    if rest:
        if not rest.startswith(":"):
            raise _fail(chunk, start, f"unexpected {rest!r} after '{kind.value}'",
                        f"write {kind.value}, {kind.value}:example.com or {kind.value}/24")
        spec = _domain_spec(chunk, rest[1:], start + 1, f"{kind.value}:")
    return Mechanism(q, kind, chunk, column, domain_spec=spec, cidr4=cidr4, cidr6=cidr6)


def _parse_ip(chunk: str, q: Qualifier, kind: MechanismKind, rest: str, column: int, start: int) -> Mechanism:
    maximum = 32 if kind is MechanismKind.IP4 else 128
    if not rest.startswith(":"):
        raise _fail(chunk, start, f"'{kind.value}' needs an address", f"write {kind.value}:ADDRESS[/PREFIX]")
    address, slash, prefix = rest[1:].partition("/")
    length = _cidr(chunk, start + 2 + len(address), prefix, maximum) if slash else maximum
    try:
        if kind is MechanismKind.IP4:
            if not _IP4_RE.match(address):
                raise ValueError
            network: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.IPv4Network(
                f"{address}/{length}", strict=False)
        else:
            if "%" in address:
                raise ValueError
            network = ipaddress.IPv6Network(f"{address}/{length}", strict=False)
    except ValueError:
        example = "192.0.2.0/24" if kind is MechanismKind.IP4 else "2001:db8::/32"
        raise _fail(chunk, start + 1, f"invalid {kind.value} address {address!r}",
                    f"write a complete address, e.g. {kind.value}:{example}") from None
    return Mechanism(q, kind, chunk, column, network=network)


_MECHANISM_PARSERS = {
    MechanismKind.ALL: _parse_all,
    MechanismKind.INCLUDE: _parse_target,
    MechanismKind.EXISTS: _parse_target,
    MechanismKind.PTR: _parse_target,
    MechanismKind.A: _parse_host,
    MechanismKind.MX: _parse_host,
    MechanismKind.IP4: _parse_ip,
    MechanismKind.IP6: _parse_ip,
}


@dataclass(frozen=True, slots=True)
class SelectedRecord:
    """The outcome of record selection (4.5) among the TXT records at one name."""

    text: str | None  # the record, when exactly one
    candidates: int  # how many TXT records start with v=spf1
    non_ascii: bool = False

    @property
    def multiple(self) -> bool:
        return self.candidates > 1


def select_record(txt_records: Iterable[Iterable[bytes]]) -> SelectedRecord:
    """Pick the v=spf1 record among TXT records given as their character-strings (joined without
    spaces, 3.3). More than one is a permerror; non-ASCII content in it is a permerror too (3.1)."""
    found = [b"".join(strings) for strings in txt_records]
    spf = [raw for raw in found if is_spf_record(raw)]
    if len(spf) != 1:
        return SelectedRecord(None, len(spf))
    try:
        return SelectedRecord(spf[0].decode("ascii"), 1)
    except UnicodeDecodeError:
        return SelectedRecord(spf[0].decode("utf-8", "backslashreplace"), 1, non_ascii=True)
