from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC8461 = "https://www.rfc-editor.org/rfc/rfc8461"

CODES = (
    CodeInfo(
        "mtasts-missing",
        Severity.INFO,
        "No MTA-STS policy",
        "The domain publishes no _mta-sts TXT record, so senders deliver to it with opportunistic "
        "TLS that an attacker on the path can strip (RFC 8461 section 1).",
        "Publish a policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (mode: testing first) "
        "and a TXT record _mta-sts.DOMAIN \"v=STSv1; id=20240101000000\".",
        (f"{RFC8461}#section-3",),
    ),
    CodeInfo(
        "mtasts-record-invalid",
        Severity.ERROR,
        "MTA-STS TXT record is invalid",
        "The _mta-sts TXT record does not follow RFC 8461 section 3.1 (it must start with "
        "\"v=STSv1;\" and carry an id of 1 to 32 letters or digits), or there is more than one; "
        "senders then act as if the domain had no policy.",
        "Publish exactly one record: v=STSv1; id=<new value each time the policy changes>.",
        (f"{RFC8461}#section-3.1",),
    ),
    CodeInfo(
        "mtasts-policy-unreachable",
        Severity.ERROR,
        "MTA-STS policy cannot be fetched",
        "The policy file at https://mta-sts.DOMAIN/.well-known/mta-sts.txt could not be fetched "
        "over HTTPS with a valid certificate and a 200 answer (RFC 8461 section 3.3): senders "
        "ignore the policy, or keep using a stale one.",
        "Serve the policy over HTTPS at mta-sts.DOMAIN with a certificate valid for that name "
        "from a public CA, answering 200 without redirects.",
        (f"{RFC8461}#section-3.3",),
    ),
    CodeInfo(
        "mtasts-policy-invalid",
        Severity.ERROR,
        "MTA-STS policy is invalid",
        "The policy file does not follow RFC 8461 section 3.2 (version: STSv1, mode: enforce, "
        "testing or none, max_age in seconds up to 31557600, at least one mx: line unless mode "
        "is none); senders treat the domain as having no usable policy.",
        "Correct the policy file, then change the id= in the _mta-sts TXT record.",
        (f"{RFC8461}#section-3.2",),
    ),
    CodeInfo(
        "mtasts-policy-content-type",
        Severity.WARNING,
        "MTA-STS policy is not served as text/plain",
        "RFC 8461 section 3.3 says senders should check that the policy's media type is "
        "text/plain; some refuse other types.",
        "Serve /.well-known/mta-sts.txt with Content-Type: text/plain.",
        (f"{RFC8461}#section-3.3",),
    ),
    CodeInfo(
        "mtasts-mode-testing",
        Severity.INFO,
        "MTA-STS policy is in testing mode",
        "With mode: testing, senders report TLS failures (with TLS-RPT) but still deliver without "
        "TLS; the policy does not yet protect mail (RFC 8461 section 5).",
        "Once TLS reports show no failures, switch to mode: enforce and change the id=.",
        (f"{RFC8461}#section-5",),
    ),
    CodeInfo(
        "mtasts-mode-none",
        Severity.INFO,
        "MTA-STS policy is withdrawn (mode none)",
        "mode: none tells senders to stop applying MTA-STS to the domain (RFC 8461 section 8.3).",
        "If this is not a planned withdrawal, publish mode: testing or enforce.",
        (f"{RFC8461}#section-8.3",),
    ),
    CodeInfo(
        "mtasts-max-age-short",
        Severity.INFO,
        "MTA-STS max_age is short",
        "The policy's max_age is under a week; RFC 8461 section 3.2 expects weeks or more, since "
        "a short lifetime leaves senders without a cached policy when an attacker blocks the "
        "refresh.",
        "Raise max_age to at least 604800 (one week); 31557600 (one year) is the maximum.",
        (f"{RFC8461}#section-3.2",),
    ),
    CodeInfo(
        "mtasts-mx-mismatch",
        Severity.ERROR,
        "MX host not covered by the MTA-STS policy",
        "An MX host of the domain matches no mx: pattern of the policy (RFC 8461 section 4.1). "
        "In enforce mode senders will not deliver to that host.",
        "Add an mx: line for the host (or a *.parent wildcard), then change the id= in the "
        "_mta-sts TXT record.",
        (f"{RFC8461}#section-4.1",),
    ),
    CodeInfo(
        "mtasts-mx-unused",
        Severity.INFO,
        "MTA-STS mx pattern matches no MX host",
        "An mx: line of the policy matches none of the domain's MX records; it may be left over "
        "from an old mail provider.",
        "Remove mx: lines for hosts that no longer receive mail for the domain.",
        (f"{RFC8461}#section-3.2",),
    ),
)
