"""pyspf as an oracle over the same zone data our evaluator sees.

pyspf resolves through its module-level `DNSLookup(name, qtype, strict, timeout)` hook (the one its
own test driver replaces); `pyspf_over(resolver)` points it at a test resolver for the duration of a
block and restores it afterwards. Nothing of ours is patched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dns.name

import spf
from inboxready.dns.errors import DnsError
from tests.spf.suite import SuiteResolver, literal_name


def _values(answer: Any, qtype: str) -> list[Any]:
    out: list[Any] = []
    for r in answer.records:
        if qtype in ("A", "AAAA"):
            out.append(r.address)
        elif qtype == "MX":
            out.append((r.preference, r.exchange.to_text(omit_final_dot=True)))
        elif qtype == "PTR":
            out.append(r.target.to_text(omit_final_dot=True))
        else:
            out.append(tuple(r.strings))
    return out


def _lookup_for(resolver: SuiteResolver) -> Any:
    def lookup(name: str, qtype: str, strict: Any = True, timeout: Any = None) -> list[Any]:
        try:
            answer = resolver.lookup(literal_name(name) if name else dns.name.root, qtype)
        except DnsError as exc:
            if exc.is_failure:
                raise spf.TempError(f"DNS {exc.kind}") from None
            return []
        return [((name, qtype), v) for v in _values(answer, qtype)]

    return lookup


@contextmanager
def pyspf_over(resolver: SuiteResolver) -> Iterator[None]:
    saved = spf.DNSLookup
    spf.DNSLookup = _lookup_for(resolver)
    try:
        yield
    finally:
        spf.DNSLookup = saved


def pyspf_check(resolver: SuiteResolver, ip: str, sender: str, helo: str) -> tuple[str, str]:
    """(result, pyspf's reason text) for one check."""
    with pyspf_over(resolver):
        query = spf.query(i=ip, s=sender, h=helo)
        result, _code, explanation = query.check()
    return {"error": "temperror", "unknown": "permerror"}.get(result, result), str(explanation)
