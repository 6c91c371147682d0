"""check_host() as sans-I/O steps (RFC 7208 sections 4, 5, 6 and 11).

`check_host_steps(request, options)` is a generator (see `inboxready.spf.steps`): it yields the DNS
questions it needs and is sent the replies. It counts the limits itself (4.6.4): at most 10 terms
that query DNS (include, a, mx, ptr, exists, redirect), at most 2 void lookups (NXDOMAIN or no
answer), at most 10 MX names per mx (more is a permerror) and 10 PTR names per ptr or %{p} (the rest
are ignored). DNS failures (timeout, SERVFAIL, REFUSED, malformed reply) give temperror (section 5)
except where the RFC says a failure only makes the term not match (ptr, 5.5; the exp text, 6.2).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

import dns.name
import dns.reversename

from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.spf.macro import MacroString, MacroSyntaxError, MacroValues, expand, parse_macro_string
from inboxready.spf.names import is_valid_domain, name_to_text, same_or_subdomain, target_name
from inboxready.spf.record import (
    MAX_MX_NAMES,
    MAX_NESTING,
    MAX_PTR_NAMES,
    Mechanism,
    MechanismKind,
    Modifier,
    ResultCode,
    SelectedRecord,
    SpfRecord,
    SpfSyntaxError,
    parse_record_cached,
    select_record,
)
from inboxready.spf.result import MatchedTerm, SpfOptions, SpfRequest, SpfResult, TraceStep
from inboxready.spf.steps import Question, Reply, Steps

_new_step = tuple.__new__
_NO_MATCH_RESULTS = (ResultCode.FAIL, ResultCode.SOFTFAIL, ResultCode.NEUTRAL)


class _PermError(Exception):
    pass


class _TempError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: ResultCode
    matched: tuple[MatchedTerm, ...] = ()
    explanation: str | None = None
    reason: str | None = None


class _State:
    __slots__ = ("request", "options", "lookups", "voids", "trace", "validated")

    def __init__(self, request: SpfRequest, options: SpfOptions) -> None:
        self.request = request
        self.options = options
        self.lookups = 0
        self.voids = 0
        self.trace: list[TraceStep] = []
        self.validated: list[str] | None = None

    def note(self, depth: int, domain: str, term: str | None, outcome: str, detail: str = "") -> None:
        # tuple.__new__ directly: the NamedTuple's own __new__ is a Python-level call (a check notes ~30 steps)
        self.trace.append(_new_step(TraceStep, (depth, domain, term, outcome, detail)))

    def count_lookup(self, depth: int, domain: str, term: str) -> None:
        self.lookups += 1
        if self.lookups > self.options.max_dns_terms:
            self.note(depth, domain, term, "limit", f"more than {self.options.max_dns_terms} DNS-querying terms")
            raise _PermError(f"more than {self.options.max_dns_terms} DNS-querying terms (RFC 7208 4.6.4); "
                             f"'{term}' in {domain} is one too many")

    def count_void(self, what: str) -> None:
        self.voids += 1
        if self.voids > self.options.max_void_lookups:
            raise _PermError(f"more than {self.options.max_void_lookups} void lookups (RFC 7208 4.6.4); "
                             f"the last was {what}")

    def values(self, domain: str, validated_name: str = "unknown") -> MacroValues:
        r = self.request
        return MacroValues(sender=r.sender, local_part=r.local_part, sender_domain=r.sender_domain,
                           domain=domain, ip=r.ip, helo=r.helo, receiver=self.options.receiver,
                           timestamp=r.timestamp, validated_name=validated_name)


def check_host_steps(request: SpfRequest, options: SpfOptions | None = None) -> Steps[SpfResult]:
    """The whole check for one request; the value returned when the generator stops is the SpfResult."""
    state = _State(request, options or SpfOptions())
    try:
        if not is_valid_domain(request.domain):
            outcome = _Outcome(ResultCode.NONE, reason=f"{request.domain!r} is not a valid domain name (RFC 7208 4.3)")
        else:
            outcome = yield from _check_host(state, request.domain, 0, top=True)
    except _PermError as exc:
        outcome = _Outcome(ResultCode.PERMERROR, reason=str(exc))
    except _TempError as exc:
        outcome = _Outcome(ResultCode.TEMPERROR, reason=str(exc))
    state.note(0, request.domain, None, outcome.result.value, outcome.reason or "")
    return SpfResult(outcome.result, outcome.explanation, outcome.matched, state.lookups, state.voids,
                     tuple(state.trace), request.domain, outcome.reason)


def _ask(*questions: Question) -> Steps[tuple[Reply, ...]]:
    replies = yield questions
    return replies


def _answer_or_void(state: _State, reply: Reply, count_void: bool) -> Answer | None:
    """Answer → itself; NXDOMAIN/NODATA → None (a void lookup); a failure → temperror (section 5)."""
    if isinstance(reply, Answer):
        return reply
    if reply.is_failure:
        raise _TempError(f"DNS failure: {reply.describe()}")
    if count_void:
        state.count_void(f"{reply.name} {reply.rdtype}")
    return None


def _fetch_record(state: _State, domain: str, depth: int) -> Steps[SpfRecord | None]:
    """4.4 and 4.5: the one v=spf1 TXT record of `domain`, or None ('none')."""
    name = target_name(domain)
    if name is None:
        state.note(depth, domain, None, "none", "not a valid domain name")
        return None
    (reply,) = yield from _ask((name, "TXT"))
    answer = _answer_or_void(state, reply, count_void=depth > 0)
    if answer is None:
        state.note(depth, domain, None, "none", f"no TXT record ({reply.kind})")  # type: ignore[union-attr]
        return None
    selected = _select(tuple(answer.strings()))
    if selected.multiple:
        raise _PermError(f"{domain} has {selected.candidates} SPF records; exactly one is allowed (RFC 7208 4.5)")
    if selected.text is None:
        state.note(depth, domain, None, "none", "no v=spf1 record among the TXT records")
        return None
    if selected.non_ascii:
        raise _PermError(f"the SPF record of {domain} contains non-ASCII characters (RFC 7208 3.1)")
    parsed = parse_record_cached(selected.text)
    if isinstance(parsed, SpfSyntaxError):
        state.note(depth, domain, None, "permerror", str(parsed))
        raise _PermError(f"syntax error in the SPF record of {domain}: {parsed}")
    state.note(depth, domain, None, "record", parsed.text)
    return parsed


@lru_cache(maxsize=4096)
def _select(strings: tuple[tuple[bytes, ...], ...]) -> SelectedRecord:
    """`select_record` memoised: a cached answer gives the same string objects every time, so the
    key hashes cheaply and the selected text (the key of `parse_record_cached`) is the same object."""
    return select_record(strings)


def _check_host(state: _State, domain: str, depth: int, top: bool) -> Steps[_Outcome]:
    if depth > MAX_NESTING:
        raise _PermError(f"includes and redirects nested more than {MAX_NESTING} deep at {domain} (a loop)")
    record = yield from _fetch_record(state, domain, depth)
    if record is None:
        return _Outcome(ResultCode.NONE, reason=f"{domain} publishes no SPF record")
    ip = state.request.ip
    for mechanism in record.mechanisms:
        kind = mechanism.kind
        if kind is MechanismKind.IP4 or kind is MechanismKind.IP6:  # the common case, without a generator
            network = mechanism.network
            assert network is not None
            inner: tuple[MatchedTerm, ...] | None = () if ip.version == network.version and ip in network else None
        else:
            inner = yield from _mechanism(state, mechanism, domain, depth)
        if inner is None:
            state.note(depth, domain, mechanism.text, "no match")
            continue
        result = mechanism.qualifier.result
        state.note(depth, domain, mechanism.text, "match", result.value)
        explanation = None
        if result is ResultCode.FAIL and top and state.options.explanation and record.explanation is not None:
            explanation = yield from _explanation(state, record.explanation, domain)
        return _Outcome(result, (MatchedTerm(domain, mechanism.text), *inner), explanation)
    if record.redirect is not None:
        return (yield from _redirect(state, record.redirect, domain, depth, top))
    state.note(depth, domain, None, "neutral", "no term matched and there is no redirect (RFC 7208 4.7)")
    return _Outcome(ResultCode.NEUTRAL)


def _redirect(state: _State, modifier: Modifier, domain: str, depth: int, top: bool) -> Steps[_Outcome]:
    """6.1: the result of the target's record replaces this one; a target with no record is a permerror."""
    state.count_lookup(depth, domain, modifier.text)
    target = yield from _expand_domain(state, modifier.value, domain)
    state.note(depth, domain, modifier.text, "redirect", target)
    outcome = yield from _check_host(state, target, depth + 1, top)
    if outcome.result is ResultCode.NONE:
        raise _PermError(f"redirect target {target} has no SPF record (RFC 7208 6.1)")
    return _Outcome(outcome.result, (MatchedTerm(domain, modifier.text), *outcome.matched),
                    outcome.explanation, outcome.reason)


def _mechanism(state: _State, m: Mechanism, domain: str, depth: int) -> Steps[tuple[MatchedTerm, ...] | None]:
    """Section 5: () when the mechanism matches (or the inner path of a matching include), else None."""
    ip = state.request.ip
    kind = m.kind
    if kind is MechanismKind.ALL:
        return ()
    if kind is MechanismKind.IP4 or kind is MechanismKind.IP6:
        assert m.network is not None
        return () if ip.version == m.network.version and ip in m.network else None
    state.count_lookup(depth, domain, m.text)
    target = domain if m.domain_spec is None else (yield from _expand_domain(state, m.domain_spec, domain))
    if kind is MechanismKind.INCLUDE:
        return (yield from _include(state, m, target, domain, depth))
    name = target_name(target)
    if name is None:  # a valid domain-spec that expands to an impossible name: treated as non-existent
        return None
    if kind is MechanismKind.A:
        return (yield from _match_a(state, m, name))
    if kind is MechanismKind.MX:
        return (yield from _match_mx(state, m, name))
    if kind is MechanismKind.EXISTS:
        (reply,) = yield from _ask((name, "A"))
        return () if _answer_or_void(state, reply, count_void=True) is not None else None
    names = yield from _validated_names(state)
    return () if any(same_or_subdomain(n, target) for n in names) else None


def _include(
    state: _State, m: Mechanism, target: str, domain: str, depth: int
) -> Steps[tuple[MatchedTerm, ...] | None]:
    """5.2: pass matches; fail, softfail and neutral do not; none is a permerror; errors propagate."""
    outcome = yield from _check_host(state, target, depth + 1, top=False)
    if outcome.result is ResultCode.PASS:
        return outcome.matched
    if outcome.result in _NO_MATCH_RESULTS:
        return None
    raise _PermError(f"include:{target} in {domain}: {target} has no SPF record (RFC 7208 5.2)")


def _address_type(state: _State) -> str:
    return "A" if state.request.ip.version == 4 else "AAAA"


def _in_addresses(state: _State, answer: Answer, m: Mechanism) -> bool:
    """Whether the IP is within /cidr of one of the addresses (5.3, 5.4; dual-cidr-length)."""
    ip = state.request.ip
    prefix = m.prefix4 if ip.version == 4 else m.prefix6
    shift = ip.max_prefixlen - prefix
    wanted = int(ip) >> shift
    for text in answer.addresses():
        address = ipaddress.ip_address(text)
        if address.version == ip.version and int(address) >> shift == wanted:
            return True
    return False


def _match_a(state: _State, m: Mechanism, name: dns.name.Name) -> Steps[tuple[MatchedTerm, ...] | None]:
    (reply,) = yield from _ask((name, _address_type(state)))
    answer = _answer_or_void(state, reply, count_void=True)
    return () if answer is not None and _in_addresses(state, answer, m) else None


def _match_mx(state: _State, m: Mechanism, name: dns.name.Name) -> Steps[tuple[MatchedTerm, ...] | None]:
    """5.4: the addresses of every MX host; more than 10 MX names is a permerror (4.6.4)."""
    (reply,) = yield from _ask((name, "MX"))
    answer = _answer_or_void(state, reply, count_void=True)
    if answer is None:
        return None
    if len(answer.records) > MAX_MX_NAMES:
        raise _PermError(f"{name_to_text(name)} has {len(answer.records)} MX records; "
                         f"the mx mechanism looks up at most {MAX_MX_NAMES} (RFC 7208 4.6.4)")
    hosts = [r.exchange for r in sorted(answer.records, key=lambda r: r.preference)  # type: ignore[attr-defined]
             if r.exchange != dns.name.root]  # type: ignore[attr-defined]
    if not hosts:
        return None
    rdtype = _address_type(state)
    replies = yield from _ask(*((host, rdtype) for host in hosts))
    # "performs an address lookup on each MX name returned" and then compares (5.4): every host's
    # lookup counts, in preference order, before the addresses are compared.
    answers = [_answer_or_void(state, host_reply, count_void=True) for host_reply in replies]
    return () if any(a is not None and _in_addresses(state, a, m) for a in answers) else None


def _validated_names(state: _State) -> Steps[list[str]]:
    """5.5 / 7.3: PTR names of the IP whose own addresses include the IP (first 10 names only).
    A failed PTR lookup means no names; a failed address lookup skips that name. Every ptr term
    does its own lookups (and so counts its own void lookups)."""
    ip = state.request.ip
    reverse = dns.reversename.from_address(str(ip))
    (reply,) = yield from _ask((reverse, "PTR"))
    if not isinstance(reply, Answer):
        if not reply.is_failure:
            state.count_void(f"{name_to_text(reverse)} PTR")
        return []
    names = [r.target for r in reply.records[:MAX_PTR_NAMES]]  # type: ignore[attr-defined]
    replies = yield from _ask(*((n, _address_type(state)) for n in names))
    validated = []
    for name, host_reply in zip(names, replies, strict=True):
        if isinstance(host_reply, DnsError):
            if not host_reply.is_failure:
                state.count_void(f"{name_to_text(name)} {_address_type(state)}")
            continue
        if any(ipaddress.ip_address(a) == ip for a in host_reply.addresses()):
            validated.append(name_to_text(name))
    return validated


def _validated_name(state: _State, domain: str) -> Steps[str]:
    """The `p` macro: the validated name equal to or under <domain> if any, else any, else 'unknown'.
    Computed once per check."""
    if state.validated is None:
        state.validated = yield from _validated_names(state)
    names = state.validated
    for candidate in names:
        if candidate.lower() == domain.rstrip(".").lower():
            return candidate
    for candidate in names:
        if same_or_subdomain(candidate, domain):
            return candidate
    return names[0] if names else "unknown"


def _expand_domain(state: _State, macro: MacroString, domain: str) -> Steps[str]:
    if not macro.has_macros:
        return macro.literal_value()
    p = (yield from _validated_name(state, domain)) if "p" in macro.letters else "unknown"
    return expand(macro, state.values(domain, p))


def _explanation(state: _State, modifier: Modifier, domain: str) -> Steps[str | None]:
    """6.2: the TXT at the exp= target, expanded; any problem means no explanation (not an error)."""
    target = yield from _expand_domain(state, modifier.value, domain)
    name = target_name(target)
    if name is None:
        return None
    (reply,) = yield from _ask((name, "TXT"))
    if not isinstance(reply, Answer) or len(reply.records) != 1:
        return None
    try:
        text = b"".join(reply.strings()[0]).decode("ascii")
        macro = parse_macro_string(text, explain=True)
    except (UnicodeDecodeError, MacroSyntaxError):
        return None
    p = (yield from _validated_name(state, domain)) if "p" in macro.letters else "unknown"
    explanation = expand(macro, state.values(domain, p))
    state.note(0, domain, modifier.text, "explanation", explanation)
    return explanation
