"""Audit many domains with bounded concurrency, one shared resolver, results as they finish.

Memory stays flat in the number of domains: the input is consumed lazily and at most
`concurrency` audits are in flight. A DNS failure on one domain is that domain's result.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from inboxready.audit.engine import DEFAULT_CHECKS, Check, audit_domain
from inboxready.audit.report import DomainReport
from inboxready.dns.resolver import Resolver


async def audit_many(
    domains: Iterable[str],
    resolver: Resolver,
    *,
    concurrency: int = 50,
    checks: tuple[Check, ...] = DEFAULT_CHECKS,
    options: Mapping[str, Any] | None = None,
    silence: frozenset[str] = frozenset(),
) -> AsyncIterator[DomainReport]:
    """Yield one report per domain, in completion order."""
    pending: set[asyncio.Task[DomainReport]] = set()
    source = iter(domains)
    exhausted = False
    while True:
        while not exhausted and len(pending) < concurrency:
            domain = next(source, None)
            if domain is None:
                exhausted = True
                break
            pending.add(
                asyncio.create_task(
                    audit_domain(domain, resolver, checks=checks, options=options, silence=silence)
                )
            )
        if not pending:
            return
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            yield task.result()
