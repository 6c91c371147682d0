"""DNS blocklists (RFC 5782): which lists to ask, how to read their answers, and the audit check.

    lists = load_lists()                                   # the bundled data/lists.yaml
    results = await check_blocklists(resolver, ["192.0.2.1", "example.com"], lists)
"""

from inboxready.blocklists.dnsbl import (
    BlocklistResult,
    ListHealth,
    ListState,
    Status,
    blocklist_findings,
    check_blocklists,
    parse_target,
)
from inboxready.blocklists.lists import Blocklist, ListKind, load_lists

__all__ = [
    "Blocklist",
    "BlocklistResult",
    "ListHealth",
    "ListKind",
    "ListState",
    "Status",
    "blocklist_findings",
    "check_blocklists",
    "load_lists",
    "parse_target",
]
