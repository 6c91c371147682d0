"""The DNS layer: the only code in inboxready that resolves names.

Public API::

    resolver = build_resolver(zone_files=["acme.zone"], nameservers=["127.0.0.1:5353"])
    answer = await resolver.query("example.com", "TXT")   # Answer, or raises a DnsError
"""

from inboxready.dns.answer import Answer, name_text, to_name, to_rdtype
from inboxready.dns.cache import CachingResolver, CountingResolver, QueryLog, QueryRecord
from inboxready.dns.errors import BadResponse, DnsError, NoData, NXDomain, Refused, ServFail, Timeout
from inboxready.dns.factory import build_resolver, parse_nameserver
from inboxready.dns.layered import LayeredResolver
from inboxready.dns.resolver import Resolver
from inboxready.dns.zones import ZoneResolver, load_zone_file, load_zone_files, parse_zone_text, parse_zone_texts

__all__ = [
    "Answer",
    "BadResponse",
    "CachingResolver",
    "CountingResolver",
    "DnsError",
    "LayeredResolver",
    "NXDomain",
    "NoData",
    "QueryLog",
    "QueryRecord",
    "Refused",
    "Resolver",
    "ServFail",
    "Timeout",
    "ZoneResolver",
    "build_resolver",
    "load_zone_file",
    "load_zone_files",
    "name_text",
    "parse_nameserver",
    "parse_zone_text",
    "parse_zone_texts",
    "to_name",
    "to_rdtype",
]
