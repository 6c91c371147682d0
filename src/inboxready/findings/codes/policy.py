"""Codes of the declared policy: plan conflicts (policy.plan) and live-DNS differences (policy.diff)."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC7489_31 = "https://www.rfc-editor.org/rfc/rfc7489#section-3.1"
RFC7208_464 = "https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4"
RFC6376_3621 = "https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2.1"

CODES = (
    CodeInfo(
        "selector-conflict",
        Severity.ERROR,
        "Two senders need the same DKIM selector",
        "Two senders in the policy publish different DKIM key records under the same selector name "
        "(for example both use 'default'), so only one of them can sign successfully.",
        "Give one sender another selector (most services let you choose it when creating the key).",
        (RFC6376_3621,),
    ),
    CodeInfo(
        "sender-not-aligned",
        Severity.ERROR,
        "A sender's mail cannot pass DMARC",
        "Neither DKIM nor SPF can be aligned with the From domain for this sender as configured, so "
        "its mail fails DMARC and is rejected or quarantined once the policy is enforced.",
        "Turn on DKIM signing with the domain at the service, or set a custom MAIL FROM domain.",
        (RFC7489_31,),
    ),
    CodeInfo(
        "sender-unknown",
        Severity.ERROR,
        "Sender not in the catalog",
        "The policy names a sending service that is neither in the bundled catalog nor in any "
        "catalog_dirs directory, so its records cannot be planned.",
        "Use a slug from `inboxready providers list`, or add an entry for the service to a catalog directory.",
    ),
    CodeInfo(
        "sender-pending",
        Severity.WARNING,
        "A sender's records need values from the service",
        "Some of the sender's records can only be written once a value shown by the service (a DKIM "
        "token, a verification code) is copied into the policy; until then they are pending.",
        "Copy the named values from the service's console into the sender's parameters.",
    ),
    CodeInfo(
        "sender-unconfirmed",
        Severity.INFO,
        "Catalog facts not confirmed",
        "Part of what the catalog says about this sender is not confirmed by any source; the plan uses "
        "it but says so.",
        "Check the service's current documentation and correct the catalog entry if needed.",
    ),
    CodeInfo(
        "sender-too-broad",
        Severity.ERROR,
        "A sender can only be authorized with +all-like breadth",
        "Authorizing this sender in SPF would authorize a very large share of the address space (an "
        "'all' pass or huge networks), which lets practically anyone pass SPF as the domain.",
        "Authorize the sender's real addresses only, or rely on aligned DKIM for it.",
        ("https://www.rfc-editor.org/rfc/rfc7208#section-5.1",),
    ),
    CodeInfo(
        "plan-spf-over-limit",
        Severity.ERROR,
        "SPF needs more than 10 lookups even after optimization",
        "The combined SPF record needs more DNS lookups than RFC 7208 allows (10) even after the "
        "optimizer flattened what it could, so receivers return permerror.",
        "Move some senders to a subdomain (their own envelope domain) or drop includes that are not needed.",
        (RFC7208_464,),
    ),
    CodeInfo(
        "plan-spf-unchecked",
        Severity.WARNING,
        "SPF lookup count could not be checked",
        "Resolving the includes of the planned SPF record failed, so its lookup count is unknown.",
        "Retry when DNS answers (or give --zone files holding the providers' SPF records).",
        (RFC7208_464,),
    ),
    CodeInfo(
        "plan-dmarc-invalid",
        Severity.ERROR,
        "The planned DMARC record is not valid",
        "The DMARC record built from the policy's goal does not pass the DMARC record checks.",
        "Correct the dmarc: section of the policy file.",
        ("https://www.rfc-editor.org/rfc/rfc7489#section-6.3",),
    ),
    CodeInfo(
        "plan-record-missing",
        Severity.ERROR,
        "Planned record missing from DNS",
        "A record the plan needs is not published.",
        "Publish the record exactly as shown.",
    ),
    CodeInfo(
        "plan-record-wrong",
        Severity.ERROR,
        "Published record differs from the plan",
        "A record is published at the planned name but with a different value.",
        "Replace the published value with the planned one.",
    ),
    CodeInfo(
        "plan-record-extra",
        Severity.WARNING,
        "Published record the plan does not contain",
        "DNS holds a record of a kind the plan manages (an SPF or DMARC record, a DKIM key at a planned "
        "selector) that the plan does not contain, such as a second SPF record.",
        "Remove the record, or declare the sender that needs it in the policy file.",
    ),
    CodeInfo(
        "plan-name-conflict",
        Severity.ERROR,
        "Two senders need the same DNS name",
        "Two senders need different data at the same name, one of them a CNAME, which cannot share its "
        "name with any other record (RFC 1034 3.6.2), for example two services' bounce domains.",
        "Choose another label for one sender's custom MAIL FROM / bounce domain.",
        ("https://www.rfc-editor.org/rfc/rfc1034#section-3.6.2",),
    ),
)
