"""The Organizational Domain, two ways.

- RFC 7489 section 3.2: the Public Suffix List. Find the longest public suffix of the name and add
  one label: `a.b.example.co.uk` → `example.co.uk`. A name that is itself a public suffix has none.
  The list is the one bundled with the `publicsuffixlist` package (no network); tests pin a copy.
- RFC 9989 section 4.10 (the DNS Tree Walk): query _dmarc at the name, then at shorter names
  (a name of eight or more labels is first cut to seven), stopping at a record with psd=y or psd=n.
  The Organizational Domain is the name with psd=n, else the name one label below a psd=y record
  (other than at the start), else the name with the fewest labels that has a record, else the
  starting name itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

from inboxready.dmarc.lookup import DmarcLookup, lookup_dmarc, normalize_domain
from inboxready.dmarc.record import DmarcRecord, parse_dmarc_record
from inboxready.dmarc.tags import DmarcMode, PsdFlag
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver

#: Names with at least this many labels are shortened before the walk continues (RFC 9989 4.10).
WALK_SHORTCUT_LABELS = 8
WALK_SHORTENED_LABELS = 7

OrgDomainFinder = Callable[[str], Awaitable[str]]


@cache
def bundled_psl() -> PublicSuffixList:
    """The Public Suffix List shipped with the publicsuffixlist package (ICANN and private rules)."""
    return PublicSuffixList()


def load_psl(path: str) -> PublicSuffixList:
    """A Public Suffix List from a public_suffix_list.dat file (e.g. a pinned copy)."""
    with open(path, encoding="utf-8") as handle:
        return PublicSuffixList(handle)


def psl_organizational_domain(domain: str | None, psl: PublicSuffixList | None = None) -> str | None:
    """RFC 7489 3.2: the registered domain, or None for a public suffix or a malformed name.

    Case is folded; a trailing dot is ignored; a leading dot or an empty label makes the name
    malformed. IDNs are answered in the form they were given (U-labels or A-labels).
    """
    if not domain:
        return None
    name = domain.strip().lower()
    name = name[:-1] if name.endswith(".") else name
    if not name or any(not label for label in name.split(".")):
        return None
    result = (psl or bundled_psl()).privatesuffix(name)
    return str(result) if result is not None else None


def organizational_domain_or_self(domain: str, psl: PublicSuffixList | None = None) -> str:
    """The PSL Organizational Domain, or the name itself when it has none (a public suffix)."""
    name = normalize_domain(domain)
    return psl_organizational_domain(name, psl) or name


# -- RFC 9989 tree walk -----------------------------------------------------------------------------


def walk_targets(domain: str) -> list[str]:
    """The names a DNS Tree Walk queries, in order (RFC 9989 4.10 steps 1, 3, 4 and 7)."""
    labels = normalize_domain(domain).split(".")
    targets = [".".join(labels)]
    labels = labels[-WALK_SHORTENED_LABELS:] if len(labels) >= WALK_SHORTCUT_LABELS else labels[1:]
    while labels:
        targets.append(".".join(labels))
        labels = labels[1:]
    return targets


@dataclass(frozen=True, slots=True)
class WalkStep:
    """One query of the walk and the record receivers would use there (None: none, or several)."""

    lookup: DmarcLookup
    record: DmarcRecord | None

    @property
    def domain(self) -> str:
        return self.lookup.domain


@dataclass(frozen=True, slots=True)
class TreeWalk:
    start: str
    steps: tuple[WalkStep, ...]
    #: The failure that stopped the walk before it could finish (the result is then unknown).
    failure: DnsError | None = None

    @property
    def queried(self) -> list[str]:
        return [step.lookup.name for step in self.steps]

    @property
    def found(self) -> list[WalkStep]:
        """Steps with one valid record, longest name first."""
        return [s for s in self.steps if s.record is not None]

    def record_at(self, domain: str) -> DmarcRecord | None:
        return next((s.record for s in self.steps if s.domain == domain), None)

    @property
    def psd_domain(self) -> str | None:
        """Where a psd=y record stopped the walk (a Public Suffix Domain), if one did."""
        return next((s.domain for s in self.found if s.record and s.record.psd is PsdFlag.YES), None)

    @property
    def organizational_domain(self) -> str:
        """RFC 9989 4.10.2 selection, from the longest name to the shortest."""
        for step in self.found:
            assert step.record is not None
            if step.record.psd is PsdFlag.NO:
                return step.domain
            if step.record.psd is PsdFlag.YES and step.domain != self.start:
                return one_label_below(step.domain, self.start)
        found = self.found
        return found[-1].domain if found else self.start


def one_label_below(ancestor: str, descendant: str) -> str:
    """The name under `ancestor` on the way to `descendant`: ('example', 'a.b.example') → 'b.example'."""
    extra = descendant.split(".")[: -len(ancestor.split("."))]
    return f"{extra[-1]}.{ancestor}" if extra else descendant


async def tree_walk(
    resolver: Resolver, domain: str, mode: DmarcMode = DmarcMode.DMARCBIS, first: DmarcLookup | None = None
) -> TreeWalk:
    """Walk from `domain` up to its top-level domain; stops at psd=y/n or at a DNS failure.

    `first` is the lookup of _dmarc.DOMAIN when the caller has already made it.
    """
    start = normalize_domain(domain)
    steps: list[WalkStep] = []
    for target in walk_targets(start):
        if first is not None and first.domain == target:
            lookup = first
        else:
            lookup = await lookup_dmarc(resolver, target)
        if lookup.error is not None:
            steps.append(WalkStep(lookup, None))
            return TreeWalk(start, tuple(steps), lookup.error)
        single = lookup.single
        record = parse_dmarc_record(single, mode, subject=lookup.name) if single is not None else None
        steps.append(WalkStep(lookup, record))
        if record is not None and record.psd in (PsdFlag.YES, PsdFlag.NO):
            break
    return TreeWalk(start, tuple(steps))


async def walk_organizational_domain(resolver: Resolver, domain: str) -> str:
    """The RFC 9989 Organizational Domain of `domain`; raises the DnsError that stopped the walk."""
    walk = await tree_walk(resolver, domain)
    if walk.failure is not None:
        raise walk.failure
    return walk.organizational_domain


def org_domain_finder(mode: DmarcMode, resolver: Resolver, psl: PublicSuffixList | None = None) -> OrgDomainFinder:
    """An async `domain -> Organizational Domain` for `mode` (PSL for RFC 7489, tree walk for 9989)."""

    async def by_psl(domain: str) -> str:
        return organizational_domain_or_self(domain, psl)

    async def by_walk(domain: str) -> str:
        return await walk_organizational_domain(resolver, domain)

    return by_psl if mode is DmarcMode.RFC7489 else by_walk
