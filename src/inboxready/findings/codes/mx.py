from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC5321 = "https://www.rfc-editor.org/rfc/rfc5321#section-5.1"
RFC7505 = "https://www.rfc-editor.org/rfc/rfc7505"

CODES = (
    CodeInfo(
        "mx-missing",
        Severity.WARNING,
        "No MX record",
        "The domain has no MX record. Bounces and replies to its senders fall back to the A record "
        "(RFC 5321 5.1) or are lost, and some receivers reject mail from domains that cannot receive.",
        "Publish MX records for the servers that receive mail for the domain.",
        (RFC5321,),
    ),
    CodeInfo(
        "mx-null",
        Severity.ERROR,
        "Null MX on a domain that sends mail",
        "The domain publishes the null MX of RFC 7505 ('0 .'), declaring that it accepts no mail; "
        "receivers may reject mail whose envelope or From domain cannot receive replies or bounces.",
        "Remove the null MX and publish the real mail servers, or stop sending as this domain.",
        (RFC7505,),
    ),
    CodeInfo(
        "mx-points-to-ip",
        Severity.ERROR,
        "MX target is an IP address",
        "An MX record names an IP address instead of a host name; RFC 5321 requires a name, and "
        "many senders will not deliver to it.",
        "Point the MX at a host name that has A/AAAA records.",
        (RFC5321,),
    ),
    CodeInfo(
        "mx-cname",
        Severity.WARNING,
        "MX target is a CNAME",
        "An MX record points at a name that is an alias (CNAME); RFC 2181 10.3 forbids it and some "
        "senders refuse to follow it.",
        "Point the MX at the canonical host name.",
        ("https://www.rfc-editor.org/rfc/rfc2181#section-10.3",),
    ),
    CodeInfo(
        "mx-target-missing",
        Severity.ERROR,
        "MX target has no address",
        "An MX record names a host that has no A or AAAA record, so no mail can be delivered to it.",
        "Publish A/AAAA records for the MX host, or correct the MX target.",
        (RFC5321,),
    ),
)
