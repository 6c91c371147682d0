from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC5782 = "https://www.rfc-editor.org/rfc/rfc5782"
SPAMHAUS_CODES = "https://www.spamhaus.org/news/article/788/"

CODES = (
    CodeInfo(
        "blocklist-listed",
        Severity.ERROR,
        "Listed on a DNS blocklist",
        "The IP or domain is listed on a DNS blocklist (RFC 5782). Receivers that consult the list "
        "reject or junk mail from it; the return code says why it was listed.",
        "Find and stop the cause (compromised account, open relay, unwanted bulk mail), then ask "
        "for removal at the list's removal page.",
        (RFC5782,),
    ),
    CodeInfo(
        "blocklist-unchecked",
        Severity.WARNING,
        "Blocklist could not be checked",
        "The list did not answer the query with a listing status: it timed out, failed, or returned "
        "an error code (e.g. Spamhaus 127.255.255.254: query through a public resolver refused; "
        "127.255.255.255: too many queries; URIBL 127.0.0.1: query refused). Nothing is known; it "
        "is not reported as listed.",
        "Query from your own recursive resolver (not a public one such as 8.8.8.8 or 1.1.1.1), "
        "or check the list's website by hand.",
        (SPAMHAUS_CODES, "https://uribl.com/refused.shtml"),
    ),
    CodeInfo(
        "blocklist-list-broken",
        Severity.INFO,
        "Blocklist answers are not trustworthy",
        "The list failed its RFC 5782 section 5 self-test: it lists the test entry that must never "
        "be listed (127.0.0.1 or INVALID: a dead list turned wildcard answers everything), does "
        "not list the entry that must always be listed (127.0.0.2 or TEST), or answers outside "
        "127.0.0.0/8. Its answers are ignored.",
        "Remove the list from your lists file, or check that your resolver reaches it unaltered.",
        (f"{RFC5782}#section-5",),
    ),
)
