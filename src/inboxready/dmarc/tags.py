"""The fixed value sets of DMARC tags (RFC 7489 section 6.3, RFC 9989 section 4.7).

Each is an enum with `from_text` (ABNF literals are case-insensitive, RFC 5234 section 2.3) and
`to_text`. `DmarcMode` chooses which specification records and discovery follow.
"""

from __future__ import annotations

import enum


class DmarcMode(enum.Enum):
    """Which specification to follow: RFC 7489 (PSL, p second, pct/rf/ri) or RFC 9989 (DMARCbis)."""

    RFC7489 = "rfc7489"
    DMARCBIS = "dmarcbis"

    @classmethod
    def from_text(cls, text: str) -> DmarcMode:
        value = text.strip().lower()
        if value in ("rfc9989", "9989", "bis"):
            return cls.DMARCBIS
        if value == "7489":
            return cls.RFC7489
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"DMARC mode must be rfc7489 or dmarcbis, not {text!r}") from None

    def to_text(self) -> str:
        return self.value

    @property
    def rfc(self) -> str:
        return "RFC 7489" if self is DmarcMode.RFC7489 else "RFC 9989"


class Policy(enum.Enum):
    """A Domain Owner Assessment Policy (p, sp, np)."""

    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    @classmethod
    def from_text(cls, text: str) -> Policy:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"policy must be none, quarantine or reject, not {text!r}") from None

    def to_text(self) -> str:
        return self.value

    @property
    def strength(self) -> int:
        """0 none, 1 quarantine, 2 reject."""
        return _STRENGTH[self]

    def weakened(self) -> Policy:
        """One level below (RFC 9989 t=y; RFC 7489 mail not selected by pct): reject → quarantine."""
        if self is Policy.REJECT:
            return Policy.QUARANTINE
        return Policy.NONE


_STRENGTH = {Policy.NONE: 0, Policy.QUARANTINE: 1, Policy.REJECT: 2}


class AlignmentMode(enum.Enum):
    """adkim / aspf: relaxed (same Organizational Domain) or strict (identical domains)."""

    RELAXED = "r"
    STRICT = "s"

    @classmethod
    def from_text(cls, text: str) -> AlignmentMode:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"alignment mode must be r or s, not {text!r}") from None

    def to_text(self) -> str:
        return self.value


class PsdFlag(enum.Enum):
    """psd (RFC 9989): y the domain is a Public Suffix Domain, n it is an Organizational Domain,
    u unknown (the default: the tree walk decides)."""

    YES = "y"
    NO = "n"
    UNKNOWN = "u"

    @classmethod
    def from_text(cls, text: str) -> PsdFlag:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"psd must be y, n or u, not {text!r}") from None

    def to_text(self) -> str:
        return self.value


class FailureOption(enum.Enum):
    """One fo value: 0 all mechanisms failed, 1 any failed, d DKIM failed, s SPF failed."""

    ALL_FAIL = "0"
    ANY_FAIL = "1"
    DKIM = "d"
    SPF = "s"

    @classmethod
    def from_text(cls, text: str) -> FailureOption:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"fo values are 0, 1, d and s, not {text!r}") from None

    def to_text(self) -> str:
        return self.value


#: Tags each specification defines, in the order the corrected record writes them.
RFC7489_TAGS = ("v", "p", "sp", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf", "ri")
#: RFC 9989 adds np, psd and t (np comes from RFC 9091) and makes pct, rf and ri historic.
DMARCBIS_TAGS = ("v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "rua", "ruf", "fo")
REMOVED_IN_DMARCBIS = ("pct", "rf", "ri")
ALL_TAGS = ("v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf", "ri")
