"""DMARC record parser and validator (RFC 7489 sections 6.3-6.4, RFC 9989 sections 4.7-4.8).

Both specifications use the DKIM tag-list syntax (RFC 6376 section 3.2): `v=DMARC1` first and
exactly so (case-sensitive), then `tag=value` pairs separated by ";". They differ where this
module follows the mode it is given:

- RFC 7489: p is REQUIRED and its grammar puts p immediately after v; rua/ruf URIs may end in a
  size limit (`!10m`); pct, rf and ri are defined.
- RFC 9989 (DMARCbis): only v must come first; p is RECOMMENDED (a record without it is treated as
  p=none); np, psd and t are added; pct, rf and ri are historic; size limits are gone.

Unknown tags are ignored by receivers (both RFCs), a repeated tag makes the tag-list invalid
(RFC 6376 3.2). Every problem becomes a Finding whose `data["corrected"]` (and fix text) holds the
whole record with every problem fixed. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from inboxready.dmarc.tags import ALL_TAGS, AlignmentMode, DmarcMode, FailureOption, Policy, PsdFlag
from inboxready.dmarc.tagvalues import VERSION, DmarcTag, ParseState, TagProblem, finish, take_tag
from inboxready.dmarc.uris import ReportUri
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import code_info, make_finding

_WSP = " \t"
_NAME_RE = re.compile(r"^[A-Za-z]+$")
_VALUE_RE = re.compile(r"^[\x20-\x3a\x3c-\x7e]+$")
#: A tag glued to the previous one with whitespace or a comma instead of ";".
_GLUED_RE = re.compile(r"(?:[ \t]*,[ \t]*|[ \t]+)(?=(?:" + "|".join(ALL_TAGS) + r")[ \t]*=)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """A parsed DMARC record. Tag fields hold what is *published* (None when absent or invalid);
    the `effective_*` properties apply the defaults receivers use."""

    text: str
    mode: DmarcMode
    tags: tuple[DmarcTag, ...] = ()
    #: v=DMARC1 is the first tag, exactly: receivers accept the record at all.
    version_ok: bool = False
    policy: Policy | None = None
    #: False when p is missing or invalid, or sp/np is invalid: receivers then act as if the record
    #: said p=none when rua has a usable URI, and apply no DMARC at all otherwise.
    policy_valid: bool = True
    subdomain_policy: Policy | None = None
    nonexistent_policy: Policy | None = None
    psd: PsdFlag = PsdFlag.UNKNOWN
    testing: bool = False
    adkim: AlignmentMode = AlignmentMode.RELAXED
    aspf: AlignmentMode = AlignmentMode.RELAXED
    pct: int | None = None
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    fo: tuple[FailureOption, ...] = ()
    rf: tuple[str, ...] = ()
    ri: int | None = None
    problems: tuple[Finding, ...] = ()
    #: The record with every problem fixed (the text itself when there is nothing to fix).
    corrected: str = ""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.problems if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.problems if f.severity is not Severity.ERROR)

    @property
    def valid(self) -> bool:
        return self.version_ok and not self.errors

    def has_tag(self, name: str) -> bool:
        return any(t.name == name for t in self.tags)

    @property
    def effective_policy(self) -> Policy | None:
        """p; without a valid p, p=none when rua has a usable URI, else None: no DMARC processing
        (RFC 7489 6.6.3 step 6, RFC 9989 4.10.1)."""
        if not self.version_ok:
            return None
        if self.policy is not None and self.policy_valid:
            return self.policy
        return Policy.NONE if self.rua else None

    @property
    def effective_subdomain_policy(self) -> Policy | None:
        """sp, else p."""
        if not self.policy_valid:
            return self.effective_policy
        return self.subdomain_policy or self.effective_policy

    @property
    def effective_nonexistent_policy(self) -> Policy | None:
        """np, else sp, else p (RFC 9989 4.7). RFC 7489 has no np: sp, else p."""
        if self.mode is DmarcMode.DMARCBIS and self.nonexistent_policy is not None and self.policy_valid:
            return self.nonexistent_policy
        return self.effective_subdomain_policy

    def policy_for(self, *, is_policy_domain: bool, exists: bool = True) -> tuple[str, Policy | None]:
        """The tag that applies and its policy (RFC 9989 4.10.1): p at the domain that published the
        record; for its subdomains sp, or np for one that does not exist (RFC 9989 only), else p."""
        if is_policy_domain:
            return "p", self.effective_policy
        if not exists and self.mode is DmarcMode.DMARCBIS and self.nonexistent_policy and self.policy_valid:
            return "np", self.effective_nonexistent_policy
        if self.subdomain_policy and self.policy_valid:
            return "sp", self.effective_subdomain_policy
        return "p", self.effective_policy

    @property
    def percent(self) -> int:
        """The share of failing mail the policy applies to: pct (RFC 7489), always 100 in RFC 9989."""
        if self.mode is DmarcMode.DMARCBIS or self.pct is None:
            return 100
        return self.pct

    @property
    def failure_options(self) -> tuple[FailureOption, ...]:
        return self.fo or (FailureOption.ALL_FAIL,)

    def to_dict(self) -> dict[str, Any]:
        """The record's tags with defaults applied, JSON-ready (the "policy" object of the CLI)."""

        def policy_text(p: Policy | None) -> str | None:
            return p.to_text() if p is not None else None

        return {
            "v": VERSION if self.version_ok else None,
            "p": policy_text(self.effective_policy),
            "sp": policy_text(self.effective_subdomain_policy),
            "np": policy_text(self.effective_nonexistent_policy),
            "psd": self.psd.to_text(),
            "t": "y" if self.testing else "n",
            "adkim": self.adkim.to_text(),
            "aspf": self.aspf.to_text(),
            "pct": self.percent,
            "rua": [u.to_text() for u in self.rua],
            "ruf": [u.to_text() for u in self.ruf],
            "fo": [o.to_text() for o in self.failure_options],
            "rf": list(self.rf) or (["afrf"] if self.mode is DmarcMode.RFC7489 else []),
            "ri": (self.ri if self.ri is not None else 86400) if self.mode is DmarcMode.RFC7489 else None,
            "published": {t.name: t.value for t in self.tags},
        }


def is_dmarc_record(text: str) -> bool:
    """True when a TXT record starts with a v tag naming DMARC1, as receivers select records
    (RFC 7489 6.6.3 step 2, RFC 9989 4.10 step 2). The tag name is an ABNF literal, so "V" counts;
    the value DMARC1 is case-sensitive."""
    head = text.split(";", 1)[0]
    name, sep, value = head.partition("=")
    return bool(sep) and name.strip(_WSP).lower() == "v" and value.strip(_WSP) == VERSION and text[:1] in "vV"


def looks_like_dmarc(text: str) -> bool:
    """True for anything meant as a DMARC record, including ones receivers would discard
    ("V=dmarc1", " v=DMARC1", "p=reject; v=DMARC1")."""
    return re.search(r"(^|;)\s*v\s*=\s*dmarc1\s*(;|$)", text, re.IGNORECASE) is not None


def parse_dmarc_record(text: str, mode: DmarcMode = DmarcMode.RFC7489, subject: str = "DMARC record") -> DmarcRecord:
    """Parse and validate one record; never raises for bad input."""
    state = ParseState(mode)
    tags = _split_tags(text, state)
    for tag in tags:
        take_tag(tag, state)
    finish(state)
    version_ok = _check_version(tags, state) and is_dmarc_record(text)
    _check_policy_order(tags, state)
    corrected = _render(state) if state.problems else text.strip()
    changed = corrected != text.strip()
    findings = tuple(_finding(p, subject, corrected, changed) for p in state.problems)
    v = state.values
    return DmarcRecord(
        text=text,
        mode=mode,
        tags=tuple(tags),
        version_ok=version_ok,
        policy=v.get("p"),
        policy_valid=v.get("p") is not None and not v.get("policy_invalid", False),
        subdomain_policy=v.get("sp"),
        nonexistent_policy=v.get("np"),
        psd=v.get("psd", PsdFlag.UNKNOWN),
        testing=v.get("t", False),
        adkim=v.get("adkim", AlignmentMode.RELAXED),
        aspf=v.get("aspf", AlignmentMode.RELAXED),
        pct=v.get("pct"),
        rua=v.get("rua", ()),
        ruf=v.get("ruf", ()),
        fo=v.get("fo", ()),
        rf=v.get("rf", ()),
        ri=v.get("ri"),
        problems=findings,
        corrected=corrected,
    )


def _finding(problem: TagProblem, subject: str, corrected: str, changed: bool) -> Finding:
    data: dict[str, Any] = {"corrected": corrected}
    if problem.tag is not None:
        data["tag"] = problem.tag
    fix = f"Publish this record instead: {corrected}"
    if problem.severity is Severity.INFO:  # advice, not a defect: the record may stay as it is
        fix = code_info(problem.code).fix + (f" Corrected record: {corrected}" if changed else "")
    return make_finding(problem.code, subject, problem.message, fix, severity=problem.severity, data=data)


# -- splitting ------------------------------------------------------------------------------------


def _split_tags(text: str, state: ParseState) -> list[DmarcTag]:
    stripped = text.lstrip(_WSP + ";")
    if stripped != text and is_dmarc_record(stripped):
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            "the record must start with v=DMARC1 itself (no leading space or ';'): receivers discard it",
        )
    pieces: list[tuple[str, int]] = []
    offset = 0
    raw_pieces = text.split(";")
    for index, piece in enumerate(raw_pieces):
        stripped = piece.strip(_WSP)
        start = offset + (len(piece) - len(piece.lstrip(_WSP)))
        offset += len(piece) + 1
        if not stripped:
            if 0 < index < len(raw_pieces) - 1:
                state.problem("dmarc-syntax", Severity.WARNING, "empty tag between two ';' separators")
            continue
        pieces.extend(_unglue(stripped, start, state))
    tags: list[DmarcTag] = []
    for piece, position in pieces:
        tag = _tag(piece, position, state)
        if tag is not None:
            tags.append(tag)
    return tags


def _unglue(piece: str, start: int, state: ParseState) -> list[tuple[str, int]]:
    """'p=none rua=...' or 'p=none, rua=...': tags missing their ';' separator."""
    cuts = [m for m in _GLUED_RE.finditer(piece) if m.start() > 0 and "=" in piece[: m.start()]]
    if not cuts:
        return [(piece, start)]
    out: list[tuple[str, int]] = []
    begin = 0
    for m in cuts:
        out.append((piece[begin : m.start()], start + begin))
        begin = m.end()
    out.append((piece[begin:], start + begin))
    names = ", ".join(p.split("=", 1)[0].strip() for p, _ in out)
    state.problem("dmarc-syntax", Severity.ERROR, f"tags {names} are not separated by ';'")
    return out


def _tag(piece: str, position: int, state: ParseState) -> DmarcTag | None:
    name, sep, value = piece.partition("=")
    name, value = name.strip(_WSP), value.strip(_WSP)
    if not sep:
        state.problem("dmarc-syntax", Severity.ERROR, f"{piece!r} is not of the form tag=value")
        return None
    if not _NAME_RE.match(name):
        state.problem("dmarc-syntax", Severity.ERROR, f"{name!r} is not a tag name (letters only)")
        return None
    if name != name.lower():
        message = f"tag name {name!r} should be lower case: some receivers compare tag names case-sensitively"
        state.problem("dmarc-syntax", Severity.WARNING, message, name.lower())
    if not value:
        state.problem("dmarc-syntax", Severity.ERROR, f"tag {name.lower()} has no value", name.lower())
        return DmarcTag(name.lower(), value, position)
    if not _VALUE_RE.match(value):
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"tag {name.lower()} has characters outside printable ASCII",
            name.lower(),
        )
        value = "".join(ch for ch in value if _VALUE_RE.match(ch))
    return DmarcTag(name.lower(), value, position)


# -- structure ------------------------------------------------------------------------------------


def _check_version(tags: list[DmarcTag], state: ParseState) -> bool:
    first = tags[0] if tags else None
    if first is not None and first.name == "v" and first.value == VERSION:
        return True
    v_tag = next((t for t in tags if t.name == "v"), None)
    if v_tag is None:
        state.problem("dmarc-syntax", Severity.ERROR, "no v=DMARC1 tag: receivers do not treat this as a DMARC record")
        state.entries.insert(0, ["v", VERSION])
        return False
    if v_tag.value != VERSION:
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"v={v_tag.value}: the version must be exactly DMARC1 (case-sensitive); receivers ignore the record",
            "v",
        )
    if v_tag is not first:
        state.problem(
            "dmarc-syntax", Severity.ERROR, "v=DMARC1 must be the first tag; receivers ignore the record", "v"
        )
    state.entries.sort(key=lambda e: e[0] != "v")
    return False


def _check_policy_order(tags: list[DmarcTag], state: ParseState) -> None:
    strict = state.mode is DmarcMode.RFC7489
    if not any(e[0] == "p" for e in state.entries):
        if "p" not in state.seen:
            if strict:
                message = (
                    "no p tag: RFC 7489 requires it (receivers act as if p=none when rua is valid, "
                    "else ignore the record)"
                )
            else:
                message = "no p tag: RFC 9989 recommends it; receivers act as if p=none"
            state.problem("dmarc-syntax", Severity.ERROR if strict else Severity.WARNING, message, "p")
        state.entries.insert(1 if state.entries and state.entries[0][0] == "v" else 0, ["p", "none"])
        return
    names = [t.name for t in tags]
    if "p" in names and len(names) > 1 and names[0] == "v" and names[1] != "p":
        severity = Severity.WARNING if strict else Severity.INFO
        extra = "" if strict else " (RFC 9989 allows any order after v)"
        state.problem("dmarc-tag-order", severity, f"p should follow v immediately as RFC 7489 requires{extra}", "p")
    state.entries.sort(key=lambda e: (e[0] != "v", e[0] != "p"))


def _render(state: ParseState) -> str:
    return "; ".join(f"{name}={value}" for name, value in state.entries)
