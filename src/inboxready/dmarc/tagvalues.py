"""Values of each DMARC tag (RFC 7489 section 6.3, RFC 9989 section 4.7): one small handler per
tag validates the value, records what receivers will use and what the corrected record says.

Helpers of `inboxready.dmarc.record`; pure, no I/O.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inboxready.dmarc.tags import ALL_TAGS, AlignmentMode, DmarcMode, FailureOption, Policy, PsdFlag
from inboxready.dmarc.uris import ReportUri, parse_report_uri
from inboxready.findings.model import Severity

VERSION = "DMARC1"
_WSP = " \t"
_MAX_RI = 2**32 - 1


@dataclass(frozen=True, slots=True)
class DmarcTag:
    name: str  # lower case
    value: str  # as written, without surrounding whitespace
    position: int  # offset of the tag in the record text


@dataclass(slots=True)
class TagProblem:
    code: str
    severity: Severity
    message: str
    tag: str | None = None


@dataclass(slots=True)
class ParseState:
    mode: DmarcMode
    entries: list[list[str]] = field(default_factory=list)  # [name, value] of the corrected record
    problems: list[TagProblem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    #: RFC 9989: a partial pct becomes t=y in the corrected record (unless t is published).
    pct_to_test_mode: bool = False

    def problem(self, code: str, severity: Severity, message: str, tag: str | None = None) -> None:
        self.problems.append(TagProblem(code, severity, message, tag))

    def keep(self, name: str, value: str) -> None:
        self.entries.append([name, value])


def take_tag(tag: DmarcTag, state: ParseState) -> None:
    name = tag.name
    if name in state.seen:
        state.problem(
            "dmarc-duplicate-tag",
            Severity.ERROR,
            f"tag {name} appears more than once (a repeated tag invalidates the record)",
            name,
        )
        return
    if name not in _HANDLERS:
        _unknown(tag, state)
        return
    state.seen.add(name)
    if not tag.value:
        if name == "v":
            state.keep("v", VERSION)
        return
    _HANDLERS[name](tag, state)


def _unknown(tag: DmarcTag, state: ParseState) -> None:
    guess = _guess_tag(tag.name)
    guess = guess if guess not in state.seen else None
    if guess is not None and _valid_for(guess, tag.value, state.mode):
        state.problem(
            "dmarc-unknown-tag",
            Severity.WARNING,
            f"unknown tag {tag.name} is ignored by receivers; it looks like a misspelt {guess}",
            tag.name,
        )
        take_tag(DmarcTag(guess, tag.value, tag.position), state)
        return
    state.problem("dmarc-unknown-tag", Severity.WARNING, f"unknown tag {tag.name} is ignored by receivers", tag.name)


def _guess_tag(name: str) -> str | None:
    """The known tag a misspelt name most likely meant: swapped letters first ('rau' → 'rua')."""
    candidates = [t for t in ALL_TAGS if len(t) > 1]
    if len(name) < 2:
        return None
    for known in candidates:
        if len(known) == len(name) and sorted(known) == sorted(name):
            return known
    guesses = difflib.get_close_matches(name, candidates, n=1, cutoff=0.66)
    return guesses[0] if guesses else None


def _valid_for(name: str, value: str, mode: DmarcMode) -> bool:
    probe = ParseState(mode)
    _HANDLERS[name](DmarcTag(name, value, 0), probe)
    return not any(p.severity is Severity.ERROR for p in probe.problems)


def _version(tag: DmarcTag, state: ParseState) -> None:
    state.keep("v", VERSION)


def _closest(value: str, choices: dict[str, str]) -> str | None:
    """The choice a mistyped value most likely meant ('rejct' → 'reject', 'strict' → 's')."""
    lowered = value.strip().lower()
    if lowered in choices:
        return choices[lowered]
    match = difflib.get_close_matches(lowered, list(choices), n=1, cutoff=0.6)
    return choices[match[0]] if match else None


_POLICIES = {p.value: p.value for p in Policy}
_POLICY_ALIASES = {**_POLICIES, "n": "none", "q": "quarantine", "r": "reject", "quarantaine": "quarantine"}


def _policy(tag: DmarcTag, state: ParseState) -> None:
    try:
        policy = Policy.from_text(tag.value)
    except ValueError:
        guess = _closest(tag.value, _POLICY_ALIASES)
        what = {"p": "policy", "sp": "subdomain policy", "np": "non-existent subdomain policy"}[tag.name]
        counts = tag.name != "np" or state.mode is DmarcMode.DMARCBIS
        consequence = ": receivers act as if p=none when rua is valid, else apply no DMARC" if counts else ""
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"{tag.name}={tag.value} is not a {what} (none, quarantine or reject){consequence}",
            tag.name,
        )
        state.values["policy_invalid"] = state.values.get("policy_invalid", False) or counts
        if guess is not None or tag.name == "p":
            state.keep(tag.name, guess or "none")
        return
    state.values[tag.name] = policy
    state.keep(tag.name, policy.to_text())


def _choice(
    parse: Callable[[str], Any], aliases: dict[str, str], describe: str
) -> Callable[[DmarcTag, ParseState], None]:
    def handler(tag: DmarcTag, state: ParseState) -> None:
        try:
            value = parse(tag.value)
        except ValueError:
            guess = _closest(tag.value, aliases)
            state.problem("dmarc-syntax", Severity.ERROR, f"{tag.name}={tag.value}: {describe}", tag.name)
            if guess is not None:
                state.values[tag.name] = parse(guess)
                state.keep(tag.name, guess)
            return
        state.values[tag.name] = value
        state.keep(tag.name, value.to_text() if hasattr(value, "to_text") else tag.value.lower())

    return handler


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("y", "n"):
        raise ValueError(text)
    return value == "y"


_ALIGN = {"r": "r", "s": "s", "relaxed": "r", "strict": "s"}
_YORN = {"y": "y", "n": "n", "yes": "y", "no": "n", "true": "y", "false": "n"}
_PSD = {"y": "y", "n": "n", "u": "u", "yes": "y", "no": "n"}


def _pct(tag: DmarcTag, state: ParseState) -> None:
    value = tag.value
    valid = value.isascii() and value.isdigit() and len(value) <= 3 and int(value) <= 100
    if state.mode is DmarcMode.DMARCBIS:
        _removed_pct(tag, state, int(value) if valid else None)
        return
    _removed_note(tag, state)
    if not valid:
        digits = re.sub(r"\D", "", value)
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"pct={value} is not a whole number from 0 to 100 (receivers use the default 100)",
            "pct",
        )
        if digits and len(digits) <= 3 and int(digits) <= 100:
            state.values["pct"] = int(digits)
            state.keep("pct", str(int(digits)))
        return
    state.values["pct"] = int(value)
    state.keep("pct", str(int(value)))


def _removed_pct(tag: DmarcTag, state: ParseState, pct: int | None) -> None:
    message = "pct is historic in RFC 9989: its receivers ignore it"
    if pct is not None and pct < 100:
        message += f" and apply the policy to all failing mail, not {pct}%; t=y replaces a partial pct"
        state.pct_to_test_mode = True
    state.problem("dmarc-removed-tag", Severity.WARNING, message, "pct")


def _removed_note(tag: DmarcTag, state: ParseState) -> None:
    state.problem(
        "dmarc-removed-tag",
        Severity.INFO,
        f"{tag.name} is valid in RFC 7489 but historic in RFC 9989: receivers that follow RFC 9989 ignore it",
        tag.name,
    )


def _rf(tag: DmarcTag, state: ParseState) -> None:
    if state.mode is DmarcMode.DMARCBIS:
        state.problem("dmarc-removed-tag", Severity.WARNING, "rf is historic in RFC 9989: receivers ignore it", "rf")
        return
    _removed_note(tag, state)
    formats = [f.strip(_WSP).lower() for f in tag.value.split(":")]
    known = [f for f in formats if f == "afrf"]
    if len(known) != len(formats):
        state.problem(
            "dmarc-syntax",
            Severity.WARNING,
            f"rf={tag.value}: afrf is the only failure report format (RFC 7489 6.3)",
            "rf",
        )
    if known:
        state.values["rf"] = ("afrf",)
        state.keep("rf", "afrf")


def _ri(tag: DmarcTag, state: ParseState) -> None:
    if state.mode is DmarcMode.DMARCBIS:
        state.problem("dmarc-removed-tag", Severity.WARNING, "ri is historic in RFC 9989: receivers ignore it", "ri")
        return
    _removed_note(tag, state)
    value = tag.value
    if not (value.isascii() and value.isdigit()) or int(value) > _MAX_RI:
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"ri={value} is not a number of seconds (receivers use the default 86400)",
            "ri",
        )
        return
    state.values["ri"] = int(value)
    state.keep("ri", str(int(value)))


def _fo(tag: DmarcTag, state: ParseState) -> None:
    options: list[FailureOption] = []
    bad: list[str] = []
    for part in tag.value.split(":"):
        try:
            option = FailureOption.from_text(part.strip(_WSP))
        except ValueError:
            bad.append(part.strip(_WSP))
            continue
        if option not in options:
            options.append(option)
    if bad:
        state.problem(
            "dmarc-syntax",
            Severity.ERROR,
            f"fo={tag.value}: {', '.join(repr(b) for b in bad)} not among 0, 1, d, s (colon-separated)",
            "fo",
        )
    if options:
        state.values["fo"] = tuple(options)
        state.keep("fo", ":".join(o.to_text() for o in options))


def _uris(tag: DmarcTag, state: ParseState) -> None:
    """rua/ruf: the record keeps the URIs receivers can use as published; the corrected record also
    keeps the ones that could be repaired (a missing mailto:, spaces)."""
    usable: list[ReportUri] = []
    texts: list[str] = []
    for part in _uri_parts(tag, state):
        uri, problems = parse_report_uri(part, state.mode)
        for p in problems:
            severity = Severity.ERROR if p.severity == "error" else Severity.WARNING
            state.problem(p.code, severity, f"{tag.name}: {p.message}", tag.name)
        if uri is None:
            continue
        texts.append(uri.to_text())
        if not any(p.severity == "error" for p in problems):
            usable.append(uri)
    if not texts:
        state.problem("dmarc-syntax", Severity.ERROR, f"{tag.name} has no usable report URI", tag.name)
        return
    if usable:
        state.values[tag.name] = tuple(usable)
    state.keep(tag.name, ",".join(texts))


_SCHEME_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _uri_parts(tag: DmarcTag, state: ParseState) -> list[str]:
    """The comma-separated URIs; URIs separated by spaces only are split too (and reported)."""
    parts: list[str] = []
    for part in tag.value.split(","):
        words = part.split()
        if len(words) > 1 and all(_SCHEME_START.match(w) for w in words):
            message = f"{tag.name}: URIs must be separated by commas, not spaces"
            state.problem("dmarc-syntax", Severity.ERROR, message, tag.name)
            parts.extend(words)
        else:
            parts.append(part)
    return parts


_HANDLERS: dict[str, Callable[[DmarcTag, ParseState], None]] = {
    "v": _version,
    "p": _policy,
    "sp": _policy,
    "np": _policy,
    "adkim": _choice(AlignmentMode.from_text, _ALIGN, "adkim must be r (relaxed) or s (strict)"),
    "aspf": _choice(AlignmentMode.from_text, _ALIGN, "aspf must be r (relaxed) or s (strict)"),
    "psd": _choice(PsdFlag.from_text, _PSD, "psd must be y, n or u"),
    "t": _choice(_yes_no, _YORN, "t must be y or n (receivers apply the default n)"),
    "pct": _pct,
    "rf": _rf,
    "ri": _ri,
    "fo": _fo,
    "rua": _uris,
    "ruf": _uris,
}


def finish(state: ParseState) -> None:
    """Changes to the corrected record that depend on the whole tag list."""
    if state.pct_to_test_mode and "t" not in state.seen:
        state.keep("t", "y")
