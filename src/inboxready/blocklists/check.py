"""The audit check: the domain on the domain lists, the own sending IPs on the IP lists.

Options (`CheckContext.options`):
- `blocklists`: False to skip the check; a path to a lists file (see `lists.py`); or a sequence
  of `Blocklist`. Default: the bundled lists.
- `servers`: the own sending servers, [{"ip": ..., "helo": ...}] (or plain IP strings).
- `sending_ips`: further IPs to check (e.g. learned from DMARC reports).
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from inboxready.blocklists.dnsbl import ListHealth, Status, blocklist_findings, check_blocklists
from inboxready.blocklists.lists import Blocklist, load_lists
from inboxready.errors import InputError
from inboxready.findings.check import CheckContext, CheckResult


@functools.lru_cache(maxsize=8)
def _load(path: str | None, mtime: float) -> tuple[Blocklist, ...]:
    return load_lists(path)


def _lists(option: object) -> tuple[Blocklist, ...]:
    """The lists an audit uses; files are read once per run (a bulk run audits many domains)."""
    if option is None or option is True:
        return _load(None, 0.0)
    if isinstance(option, str | os.PathLike):
        try:
            mtime = os.stat(option).st_mtime
        except OSError:
            mtime = 0.0  # load_lists reports the unreadable file
        return _load(os.fspath(option), mtime)
    if isinstance(option, Sequence) and all(isinstance(b, Blocklist) for b in option):
        return tuple(option)
    raise InputError("blocklists: give false, a lists file path, or Blocklist objects")


#: Self-test verdicts per run: keyed by the run's shared resolver (under the per-audit wrappers).
_HEALTH: weakref.WeakKeyDictionary[object, dict[str, ListHealth]] = weakref.WeakKeyDictionary()


def _health_cache(resolver: object) -> dict[str, ListHealth]:
    base = resolver
    while getattr(base, "inner", None) is not None:  # CountingResolver and other views
        base = base.inner  # type: ignore[attr-defined]
    try:
        return _HEALTH.setdefault(base, {})
    except TypeError:  # not weak-referenceable: no sharing
        return {}


def sending_ips(options: Mapping[str, Any]) -> list[str]:
    """The IPs the options declare as sending for the domain (own servers, then others)."""
    ips: list[str] = []
    for entry in options.get("servers") or ():
        ip = entry.get("ip") if isinstance(entry, Mapping) else entry
        if ip:
            ips.append(str(ip))
    ips.extend(str(ip) for ip in options.get("sending_ips") or ())
    return list(dict.fromkeys(ips))


async def check_domain_blocklists(ctx: CheckContext) -> CheckResult:
    option = ctx.options.get("blocklists")
    if option is False:
        return CheckResult("blocklists", (), {"enabled": False})
    lists = _lists(option)
    targets = [ctx.domain, *sending_ips(ctx.options)]
    results = await check_blocklists(ctx.resolver, targets, lists, health_cache=_health_cache(ctx.resolver))
    findings, unchecked = blocklist_findings(results)
    data = {
        "enabled": True,
        "lists": [b.id for b in lists],
        "listed": [r.to_dict() for r in results if r.status is Status.LISTED],
        "results": [r.to_dict() for r in results],
    }
    return CheckResult("blocklists", tuple(findings), data, tuple(unchecked))
