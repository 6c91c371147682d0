"""SPF finding codes (RFC 7208)."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC = "https://www.rfc-editor.org/rfc/rfc7208"


def _ref(section: str) -> tuple[str, ...]:
    return (f"{RFC}#section-{section}",)


CODES = (
    CodeInfo(
        "spf-missing",
        Severity.ERROR,
        "No SPF record",
        "The domain publishes no TXT record starting with v=spf1, so receivers get the SPF result "
        "'none' and cannot tell your servers from forgeries; many treat such mail as suspicious.",
        "Publish one TXT record 'v=spf1 include:<each sender> -all' (or 'v=spf1 -all' if the domain "
        "sends no mail).",
        _ref("4.5"),
    ),
    CodeInfo(
        "spf-multiple-records",
        Severity.ERROR,
        "More than one SPF record",
        "The name has several TXT records starting with v=spf1. RFC 7208 4.5 makes that a permerror: "
        "receivers ignore all of them.",
        "Merge them into a single v=spf1 record.",
        _ref("4.5"),
    ),
    CodeInfo(
        "spf-syntax",
        Severity.ERROR,
        "SPF record syntax error",
        "A term of the record does not follow the RFC 7208 grammar; any syntax error anywhere makes "
        "the whole record a permerror (4.6).",
        "Correct the term named in the message.",
        _ref("4.6"),
    ),
    CodeInfo(
        "spf-too-many-lookups",
        Severity.ERROR,
        "More than 10 DNS lookups",
        "Evaluating the record needs more than 10 terms that query DNS (include, a, mx, ptr, exists, "
        "redirect, counted through every include). Past the tenth, receivers stop with permerror, so "
        "senders late in the record fail.",
        "Remove unused includes, replace a/mx with ip4/ip6, or flatten includes ('inboxready spf "
        "optimize DOMAIN').",
        _ref("4.6.4"),
    ),
    CodeInfo(
        "spf-void-lookups",
        Severity.ERROR,
        "More than 2 void lookups",
        "More than two of the record's lookups return no data or a non-existent name; RFC 7208 4.6.4 "
        "makes the third one a permerror.",
        "Remove the terms that point at names without records (stale includes, a/mx of hosts that "
        "no longer exist).",
        _ref("4.6.4"),
    ),
    CodeInfo(
        "spf-permissive-all",
        Severity.ERROR,
        "SPF record authorizes everyone",
        "The policy ends in +all (anyone passes) or ?all (anyone is neutral), or an include grants "
        "the whole address space, so SPF protects nothing.",
        "End the record with -all (or ~all while testing).",
        _ref("5.1"),
    ),
    CodeInfo(
        "spf-ptr-mechanism",
        Severity.WARNING,
        "ptr mechanism used",
        "RFC 7208 5.5 says ptr SHOULD NOT be published: it is slow, unreliable when reverse DNS "
        "fails, and some receivers skip it.",
        "Replace ptr with ip4/ip6 ranges or a/mx of the sending hosts.",
        _ref("5.5"),
    ),
    CodeInfo(
        "spf-type99-mismatch",
        Severity.WARNING,
        "Type-99 SPF record differs from the TXT record",
        "The domain still publishes the deprecated SPF resource record (type 99) and it says something "
        "else than the TXT record; RFC 7208 removed type 99, so old tools may act on the stale one.",
        "Delete the type-99 SPF record.",
        _ref("14.1"),
    ),
    CodeInfo(
        "spf-type99-present",
        Severity.INFO,
        "Deprecated type-99 SPF record",
        "The domain publishes the SPF resource record type 99, which RFC 7208 deprecated; receivers "
        "only read the TXT record.",
        "Delete the type-99 record.",
        _ref("14.1"),
    ),
    CodeInfo(
        "spf-record-too-long",
        Severity.WARNING,
        "SPF answer over 512 bytes",
        "The TXT answer for the name is larger than 512 bytes, so it does not fit a plain UDP reply; "
        "receivers must retry over TCP or EDNS and some fail with temperror (RFC 7208 3.4).",
        "Shorten the record (flatten or split it into included sub-records) or remove other TXT "
        "records at the name.",
        _ref("3.4"),
    ),
    CodeInfo(
        "spf-string-too-long",
        Severity.ERROR,
        "TXT string over 255 characters",
        "A single character-string of the TXT record is longer than 255 octets, which DNS cannot carry "
        "(RFC 1035 3.3); the record must be split into several quoted strings.",
        "Split the record into strings of at most 255 characters: \"v=spf1 ...\" \"...\".",
        _ref("3.3"),
    ),
    CodeInfo(
        "spf-include-no-record",
        Severity.ERROR,
        "Included domain has no SPF record",
        "An include (or redirect) names a domain without an SPF record; RFC 7208 5.2 makes that a "
        "permerror for every address that reaches it.",
        "Remove the include or correct its domain.",
        _ref("5.2"),
    ),
    CodeInfo(
        "spf-too-many-mx",
        Severity.ERROR,
        "mx mechanism with more than 10 MX records",
        "An mx mechanism names a domain with more than 10 MX records; RFC 7208 4.6.4 makes that a "
        "permerror.",
        "Use ip4/ip6 for the sending servers instead of mx.",
        _ref("4.6.4"),
    ),
    CodeInfo(
        "spf-wide-range",
        Severity.WARNING,
        "Very wide address range",
        "The domain's own record authorizes a very large range (an IPv4 block wider than /16 or an "
        "IPv6 block wider than /32); anyone else sending from that range passes SPF as you.",
        "Authorize only the addresses your servers use.",
        _ref("5.6"),
    ),
    CodeInfo(
        "spf-duplicate-include",
        Severity.WARNING,
        "Domain included more than once",
        "The same domain is included more than once in the tree; each copy spends DNS lookups and the "
        "second never changes the result.",
        "Keep one include of it.",
        _ref("4.6.4"),
    ),
    CodeInfo(
        "spf-overlapping-ranges",
        Severity.INFO,
        "Overlapping ranges",
        "Two terms authorize overlapping address ranges; the later one is partly redundant.",
        "Remove the narrower range if it is covered by the wider one.",
        _ref("5.6"),
    ),
    CodeInfo(
        "spf-terms-after-all",
        Severity.WARNING,
        "Terms after 'all' are never used",
        "'all' always matches, so the terms after it (and any redirect=) are never evaluated.",
        "Move 'all' to the end of the record.",
        _ref("5.1"),
    ),
    CodeInfo(
        "spf-no-all",
        Severity.INFO,
        "Record ends without 'all'",
        "The record has neither 'all' nor redirect=, so unlisted senders get 'neutral' (RFC 7208 4.7): "
        "the record says nothing about them.",
        "End the record with -all (or ~all).",
        _ref("4.7"),
    ),
    CodeInfo(
        "spf-sender-not-authorized",
        Severity.ERROR,
        "Sender not authorized by SPF",
        "A sending service the domain uses is not (or not entirely) authorized by the domain's SPF "
        "policy: mail it sends from some of its addresses fails SPF.",
        "Add the service's include (or its ranges) to the record before the final 'all'.",
        _ref("5.2"),
    ),
)
