"""Asking DNS blocklists about IPs and domains, and reading their answers (RFC 5782).

Query names (RFC 5782 sections 2.1-2.4): an IPv4 address's octets reversed, an IPv6 address's
32 nibbles reversed, or a domain name as it is, each followed by the list's zone. An A record in
127.0.0.0/8 means "listed", with a meaning the list documents (see `lists.py`); no record means
"not listed". Three answers are *not* listings and are kept apart:

- a documented error code (Spamhaus 127.255.255.x, URIBL 127.0.0.1): "could not check";
- an answer outside 127.0.0.0/8: the list or the resolver on the way rewrites answers; "could
  not check" — never a listing;
- a DNS failure (timeout, SERVFAIL): "could not check".

Before trusting a list, its RFC 5782 section 5 test entries are asked once: the entry that must
never be listed (127.0.0.1, INVALID) catches a dead list that was turned into a wildcard answering
everything, and the entry that must always be listed (127.0.0.2, TEST) catches a list that no
longer answers. Such a list is ignored (its results are "skipped") and reported as broken.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from dns.exception import DNSException

from inboxready.blocklists.lists import Blocklist, ListKind
from inboxready.dns.answer import to_name
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding

#: Queries in flight at once for one `check_blocklists` call.
CONCURRENCY = 16
_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class Status(enum.Enum):
    LISTED = "listed"
    NOT_LISTED = "not_listed"
    UNCHECKED = "unchecked"  # the list did not say (DNS failure, error code, odd answer)
    SKIPPED = "skipped"  # not asked: the list is broken, or does not cover this kind of target

    def to_text(self) -> str:
        return self.value


class ListState(enum.Enum):
    OK = "ok"
    BROKEN = "broken"  # failed its RFC 5782 section 5 self-test: answers ignored
    UNCHECKED = "unchecked"  # the self-test itself could not be run (failure or error code)

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    kind: ListKind

    @property
    def is_ipv6(self) -> bool:
        return self.kind is ListKind.IP and ":" in self.text


@dataclass(frozen=True, slots=True)
class ListHealth:
    blocklist: Blocklist
    state: ListState
    reason: str = ""
    #: For a broken list: "wildcard", "silent" (test entry not listed) or "odd-answer".
    problem: str = ""


@dataclass(frozen=True, slots=True)
class BlocklistResult:
    target: str
    blocklist: Blocklist
    status: Status
    #: The A records the list answered.
    answers: tuple[str, ...] = ()
    #: What the answers mean (listing reasons, or error meanings for an unchecked result).
    meanings: tuple[str, ...] = ()
    #: Why the result is unchecked or skipped.
    reason: str = ""
    #: The TXT record at the listing, usually a link explaining it.
    txt: tuple[str, ...] = ()
    list_state: ListState = ListState.OK
    #: The self-test problem of a broken list (see ListHealth.problem).
    list_problem: str = ""

    @property
    def listed(self) -> bool:
        return self.status is Status.LISTED

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "list": self.blocklist.id,
            "name": self.blocklist.name,
            "zone": self.blocklist.zone,
            "status": self.status.to_text(),
            "answers": list(self.answers),
            "meanings": list(self.meanings),
            "reason": self.reason,
            "txt": list(self.txt),
            "removal": self.blocklist.removal,
            "list_state": self.list_state.to_text(),
            "list_problem": self.list_problem,
        }


_NONE = ListHealth(Blocklist("", "", "", ListKind.IP, ()), ListState.UNCHECKED)


def parse_target(text: str) -> Target:
    """An IP address or a domain name to look up; InputError for anything else."""
    raw = text.strip().strip("[]")
    try:
        return Target(str(ipaddress.ip_address(raw)), ListKind.IP)
    except ValueError:
        pass
    name = raw.lower().rstrip(".")
    if not name or "." not in name or any(c in name for c in " /@:;,") or name.startswith("."):
        raise InputError(f"{text!r} is neither an IP address nor a domain name")
    try:
        absolute = to_name(name)
    except (DNSException, UnicodeError, ValueError) as exc:
        raise InputError(f"{text!r} is not a valid domain name: {exc}") from None
    return Target(absolute.to_text(omit_final_dot=True), ListKind.DOMAIN)


def query_name(target: str, blocklist: Blocklist) -> str:
    """The name to ask: reversed octets / nibbles for an IP (RFC 5782 2.1, 2.4), else the domain."""
    try:
        address = ipaddress.ip_address(target)
    except ValueError:
        return f"{target.rstrip('.')}.{blocklist.zone}"
    reversed_ptr = address.reverse_pointer  # "4.3.2.1.in-addr.arpa" / nibbles + ".ip6.arpa"
    return f"{reversed_ptr.rsplit('.', 2)[0]}.{blocklist.zone}"


@dataclass(frozen=True, slots=True)
class _Reading:
    status: Status
    meanings: tuple[str, ...] = ()
    reason: str = ""


def interpret(blocklist: Blocklist, answers: Sequence[str]) -> _Reading:
    """What the A records a list returned mean (there was at least one)."""
    addresses = [ipaddress.ip_address(a) for a in answers]
    outside = [str(a) for a in addresses if a.version != 4 or a not in _LOOPBACK]
    if outside:
        return _Reading(
            Status.UNCHECKED,
            reason=f"answer {', '.join(outside)} is outside 127.0.0.0/8: the list or the resolver "
            "on the way is misconfigured (RFC 5782 2.1); not a listing",
        )
    errors = [m for a in addresses if (m := blocklist.error_meaning(a))]
    listings = [m for a in addresses if not blocklist.error_meaning(a) for m in _listing(blocklist, a)]
    if listings:
        return _Reading(Status.LISTED, tuple(dict.fromkeys(listings)))
    if errors:
        return _Reading(Status.UNCHECKED, tuple(dict.fromkeys(errors)), "; ".join(dict.fromkeys(errors)))
    return _Reading(
        Status.UNCHECKED,
        reason=f"answer {', '.join(answers)} carries no documented meaning for this list; not a listing",
    )


def _listing(blocklist: Blocklist, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[str]:
    meanings = blocklist.listing_meanings(address)
    if meanings or blocklist.bitmask:
        return meanings
    return [f"listed (return code {address} is not documented)"]  # RFC 5782 2.1: any 127/8 answer


async def _ask(resolver: Resolver, name: str) -> tuple[list[str], DnsError | None]:
    """A records at `name`, in address order: ([], None) when there are none; ([], error) on a failure."""
    try:
        answer = await resolver.query(name, "A")
    except DnsError as exc:
        return [], exc if exc.is_failure else None
    return sorted(answer.addresses(), key=ipaddress.ip_address), None


async def probe_list(resolver: Resolver, blocklist: Blocklist) -> ListHealth:
    """The RFC 5782 section 5 self-test: test_unlisted must not be listed, test_listed must be."""
    (bad, bad_err), (good, good_err) = await asyncio.gather(
        _ask(resolver, query_name(blocklist.test_unlisted, blocklist)),
        _ask(resolver, query_name(blocklist.test_listed, blocklist)),
    )
    for err in (bad_err, good_err):
        if err is not None:
            return ListHealth(blocklist, ListState.UNCHECKED, f"self-test lookup failed: {err.describe()}")
    if bad:
        reading = interpret(blocklist, bad)
        if reading.status is Status.LISTED:
            return ListHealth(
                blocklist,
                ListState.BROKEN,
                f"it lists {blocklist.test_unlisted}, which RFC 5782 section 5 says must never be listed: "
                "the list answers every query (wildcard), so its answers mean nothing",
                "wildcard",
            )
        return _probe_problem(blocklist, reading)
    if not good:
        return ListHealth(
            blocklist,
            ListState.BROKEN,
            f"it does not list its test entry {blocklist.test_listed} (RFC 5782 section 5): the list is "
            "dead or not reachable through this resolver",
            "silent",
        )
    reading = interpret(blocklist, good)
    if reading.status is Status.LISTED:
        return ListHealth(blocklist, ListState.OK)
    return _probe_problem(blocklist, reading)


def _probe_problem(blocklist: Blocklist, reading: _Reading) -> ListHealth:
    if reading.meanings:  # a documented error code: the list refuses us
        return ListHealth(blocklist, ListState.UNCHECKED, reading.reason)
    return ListHealth(blocklist, ListState.BROKEN, f"self-test: {reading.reason}", "odd-answer")


async def lookup(resolver: Resolver, target: str, blocklist: Blocklist) -> BlocklistResult:
    """One target on one list (no self-test)."""
    name = query_name(target, blocklist)
    answers, failure = await _ask(resolver, name)
    if failure is not None:
        return BlocklistResult(target, blocklist, Status.UNCHECKED, reason=failure.describe())
    if not answers:
        return BlocklistResult(target, blocklist, Status.NOT_LISTED)
    reading = interpret(blocklist, answers)
    txt: tuple[str, ...] = ()
    if reading.status is Status.LISTED:
        try:
            txt = tuple((await resolver.query(name, "TXT")).texts())
        except DnsError:
            txt = ()  # the TXT record is an optional explanation
    return BlocklistResult(
        target, blocklist, reading.status, tuple(answers), reading.meanings, reading.reason, txt
    )


def _applies(target: Target, blocklist: Blocklist) -> bool:
    return target.kind is blocklist.kind


async def check_blocklists(
    resolver: Resolver,
    targets: Iterable[str | Target],
    lists: Iterable[Blocklist],
    *,
    concurrency: int = CONCURRENCY,
    self_test: bool = True,
    health_cache: MutableMapping[str, ListHealth] | None = None,
) -> list[BlocklistResult]:
    """Every target on every list of its kind: IPs on IP lists, domains on domain lists.

    Results come in (target, list) order. Lists are self-tested once first (unless `self_test` is
    False); a broken list's results are SKIPPED, an untestable list's UNCHECKED. `health_cache`
    (by list id) keeps self-test verdicts across calls of one run; "could not test" is not kept.
    """
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    parsed = list(dict.fromkeys(parsed))
    active = [b for b in lists if b.enabled and any(_applies(t, b) for t in parsed)]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def gated_probe(blocklist: Blocklist) -> ListHealth:
        async with gate:
            return await probe_list(resolver, blocklist)

    cache = health_cache if health_cache is not None else {}
    to_probe = [b for b in active if cache.get(b.id, _NONE).blocklist is not b] if self_test else []
    health = {b.id: cache[b.id] for b in active if b not in to_probe and b.id in cache}
    for h in await asyncio.gather(*(gated_probe(b) for b in to_probe)):
        health[h.blocklist.id] = h
        if h.state is not ListState.UNCHECKED:
            cache[h.blocklist.id] = h

    async def one(target: Target, blocklist: Blocklist) -> BlocklistResult:
        state = health.get(blocklist.id, ListHealth(blocklist, ListState.OK))
        if target.is_ipv6 and not blocklist.ipv6:
            return BlocklistResult(target.text, blocklist, Status.SKIPPED, reason="the list does not cover IPv6")
        if state.state is ListState.BROKEN:
            return BlocklistResult(
                target.text, blocklist, Status.SKIPPED, reason=state.reason, list_state=state.state,
                list_problem=state.problem,
            )
        if state.state is ListState.UNCHECKED:
            return BlocklistResult(
                target.text, blocklist, Status.UNCHECKED, reason=state.reason, list_state=state.state
            )
        async with gate:
            return await lookup(resolver, target.text, blocklist)

    pairs = [(t, b) for t in parsed for b in active if _applies(t, b)]
    return list(await asyncio.gather(*(one(t, b) for t, b in pairs)))


def blocklist_findings(results: Sequence[BlocklistResult]) -> tuple[list[Finding], list[str]]:
    """Findings for results, and the "could not check" lines (for exit code 3).

    One blocklist-listed per listing; one blocklist-unchecked per list and reason (naming the
    targets); one blocklist-list-broken per broken list.
    """
    findings: list[Finding] = []
    grouped: dict[tuple[str, str], list[BlocklistResult]] = {}
    broken: dict[str, BlocklistResult] = {}
    for r in results:
        if r.status is Status.LISTED:
            findings.append(_listed_finding(r))
        elif r.status is Status.UNCHECKED:
            grouped.setdefault((r.blocklist.id, r.reason), []).append(r)
        elif r.list_state is ListState.BROKEN:
            broken.setdefault(r.blocklist.id, r)
    unchecked: list[str] = []
    for group in grouped.values():
        first = group[0]
        names = ", ".join(r.target for r in group)
        bl = first.blocklist
        message = f"Could not check {names} on {bl.name} ({bl.zone}): {first.reason}."
        subject = first.target if len(group) == 1 else bl.zone
        targets = [r.target for r in group]
        findings.append(make_finding("blocklist-unchecked", subject, message, data={"list": bl.id, "targets": targets}))
        unchecked.append(f"{bl.zone}: {first.reason} ({names})")
    silent = [r.blocklist for r in broken.values() if r.list_problem == "silent"]
    if len(silent) > 1:  # one finding: usually no list is reachable (offline, or a filtering resolver)
        zones = ", ".join(b.zone for b in silent)
        message = (f"{len(silent)} blocklists are ignored: none lists its RFC 5782 test entry ({zones}); they are "
                   "dead or not reachable through this resolver (offline zone files?).")
        data = {"lists": [b.id for b in silent]}
        findings.append(make_finding("blocklist-list-broken", "blocklists", message, data=data))
    for r in broken.values():
        if len(silent) > 1 and r.list_problem == "silent":
            continue
        bl = r.blocklist
        findings.append(
            make_finding(
                "blocklist-list-broken", bl.zone, f"{bl.name} ({bl.zone}) is ignored: {r.reason}.", data={"list": bl.id}
            )
        )
    return findings, unchecked


def _listed_finding(r: BlocklistResult) -> Finding:
    bl = r.blocklist
    why = "; ".join(r.meanings)
    message = f"{r.target} is listed on {bl.name} ({bl.zone}): {why} [{', '.join(r.answers)}]."
    fix = f"Stop the cause, then request removal at {bl.removal}." if bl.removal else None
    return make_finding(
        "blocklist-listed",
        r.target,
        message,
        fix,
        data={"list": bl.id, "zone": bl.zone, "answers": list(r.answers), "removal": bl.removal, "txt": list(r.txt)},
    )
