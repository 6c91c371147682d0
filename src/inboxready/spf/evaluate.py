"""Evaluate SPF (RFC 7208 check_host()) against any Resolver.

    result = await evaluate_spf(resolver, "192.0.2.10", "alice@example.com", helo="mail.example.com")
    result.result        # ResultCode.PASS
    result.path          # 'include:_spf.example.net → ip4:192.0.2.0/24'

The logic lives in the sans-I/O steps of `inboxready.spf.checkhost`; these functions only drive
them. Share one `CachingResolver` across many checks to share answers and in-flight queries.
"""

from __future__ import annotations

from collections.abc import Callable

import dns.name

from inboxready.dns.answer import Answer
from inboxready.dns.resolver import Resolver
from inboxready.spf.checkhost import check_host_steps
from inboxready.spf.result import IPAddress, SpfOptions, SpfRequest, SpfResult
from inboxready.spf.steps import drive, drive_sync


async def evaluate_spf(
    resolver: Resolver,
    ip: str | IPAddress,
    sender: str,
    *,
    helo: str = "",
    options: SpfOptions | None = None,
) -> SpfResult:
    """The SPF result for mail from `sender` (MAIL FROM; "" for a bounce, then postmaster@helo)
    sent by `ip`. Raises InputError for an invalid IP or an empty sender without HELO."""
    request = SpfRequest.build(ip, sender, helo, timestamp=options.timestamp if options else None)
    return await drive(check_host_steps(request, options), resolver)


async def check_host(
    resolver: Resolver,
    ip: str | IPAddress,
    domain: str,
    sender: str,
    *,
    helo: str = "",
    options: SpfOptions | None = None,
) -> SpfResult:
    """check_host(<ip>, <domain>, <sender>) exactly as RFC 7208 section 4 names its arguments."""
    request = SpfRequest.build(ip, sender, helo, domain=domain, timestamp=options.timestamp if options else None)
    return await drive(check_host_steps(request, options), resolver)


def evaluate_spf_sync(
    lookup: Callable[[dns.name.Name, str], Answer],
    ip: str | IPAddress,
    sender: str,
    *,
    helo: str = "",
    options: SpfOptions | None = None,
) -> SpfResult:
    """The same check over a synchronous lookup function (e.g. `ZoneResolver.lookup`)."""
    request = SpfRequest.build(ip, sender, helo, timestamp=options.timestamp if options else None)
    return drive_sync(check_host_steps(request, options), lookup)
