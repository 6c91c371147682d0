from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

# Forward-confirmed reverse DNS: RFC 8601 section 3 ("iprev"), RFC 1912 section 2.1; the mailbox
# providers' bulk-sender rules (Gmail, Yahoo) require it for every sending IP.
IPREV = "https://www.rfc-editor.org/rfc/rfc8601#section-3"
RFC1912 = "https://www.rfc-editor.org/rfc/rfc1912#section-2.1"
GMAIL = "https://support.google.com/a/answer/81126"
#: Generic-name conventions: the (expired) IETF draft on generic DNS naming schemes.
GENERIC_NAMES = "https://datatracker.ietf.org/doc/html/draft-msullivan-dnsop-generic-naming-schemes-00"
SPAMHAUS_PBL = "https://www.spamhaus.org/faq/section/Spamhaus%20PBL"

CODES = (
    CodeInfo(
        "ptr-missing",
        Severity.ERROR,
        "Sending IP has no reverse DNS",
        "The IP has no PTR record. Gmail, Yahoo and Outlook.com reject or junk mail from IPs without "
        "reverse DNS, and many receivers refuse the connection outright.",
        "Ask whoever holds the IP's network (hosting provider or ISP) to publish a PTR record naming "
        "the server, e.g. mail.example.com, and publish that name's A/AAAA record pointing back.",
        (IPREV, GMAIL, RFC1912),
    ),
    CodeInfo(
        "ptr-mismatch",
        Severity.ERROR,
        "Reverse DNS is not forward-confirmed",
        "The IP's PTR name does not resolve back to the IP (no A/AAAA of that name holds it), so the "
        "iprev check of RFC 8601 section 3 fails and receivers treat the name as unverified.",
        "Publish an A (or AAAA) record for the PTR name that contains this IP, or change the PTR to "
        "a name that does.",
        (IPREV, GMAIL),
    ),
    CodeInfo(
        "ptr-generic",
        Severity.WARNING,
        "Reverse DNS looks like a generic or dynamic-pool name",
        "The PTR name embeds the IP address or words such as dynamic, pool, dhcp, dsl, cable or "
        "client. Receivers and blocklists (e.g. Spamhaus PBL) treat such names as end-user or "
        "unconfigured addresses, not as mail servers.",
        "Set a PTR that names the mail server itself (mail.example.com) under your own domain, with "
        "a matching A/AAAA record.",
        (GENERIC_NAMES, SPAMHAUS_PBL),
    ),
    CodeInfo(
        "ptr-helo-mismatch",
        Severity.WARNING,
        "HELO name does not match reverse DNS",
        "The name the server announces in HELO/EHLO is not the IP's PTR name, or does not resolve "
        "to the IP. Receivers compare the three; a mismatch costs reputation and some reject it.",
        "Make the server announce its PTR name in HELO/EHLO, and give that name an A/AAAA record "
        "for the IP.",
        (IPREV, "https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1"),
    ),
    CodeInfo(
        "ptr-multiple",
        Severity.INFO,
        "IP has several PTR records",
        "The IP has more than one PTR record. Receivers may pick any of them, so the name they "
        "check against HELO varies.",
        "Keep a single PTR record naming the mail server.",
        (RFC1912,),
    ),
)
