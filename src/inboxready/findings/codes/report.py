"""Finding codes of the DMARC/TLS report analysis (RFC 7489 sections 3.1 and 7.2, RFC 9990,
RFC 6591, RFC 8460). `dmarc-ready-for-enforcement` is decided from reports, so it lives here."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC7489_ALIGNMENT = "https://www.rfc-editor.org/rfc/rfc7489#section-3.1"
RFC7489_AGGREGATE = "https://www.rfc-editor.org/rfc/rfc7489#section-7.2"
RFC7489_POLICY = "https://www.rfc-editor.org/rfc/rfc7489#section-6.3"
RFC9990 = "https://www.rfc-editor.org/rfc/rfc9990"
RFC6376_SIGNING = "https://www.rfc-editor.org/rfc/rfc6376#section-3.5"
RFC7208_RECORD = "https://www.rfc-editor.org/rfc/rfc7208#section-3"

CODES = (
    CodeInfo(
        "report-source-unauthorized",
        Severity.WARNING,
        "Unknown source sends as the domain",
        "Aggregate reports show mail claiming the domain in From: from an IP address that passed "
        "neither aligned SPF nor aligned DKIM and matches no known sending service: a forgotten sender "
        "or someone spoofing the domain. Once the policy is enforced, its mail is quarantined or "
        "rejected.",
        "If this source sends for you, authorize it: sign its mail with DKIM for your domain, or add it "
        "to SPF with an envelope sender under your domain. Otherwise nothing to do: enforcement "
        "(p=quarantine, then p=reject) stops it.",
        (RFC7489_ALIGNMENT, RFC7489_AGGREGATE),
    ),
    CodeInfo(
        "report-sender-failing-dkim",
        Severity.ERROR,
        "A sending service's mail lacks aligned DKIM",
        "Mail from a sending service you use reaches receivers without a DKIM signature aligned with "
        "the From: domain (it signs with its own domain, or not at all), so it fails DMARC unless SPF "
        "aligns; with p=quarantine or p=reject it will be lost.",
        "Set up DKIM for your domain at the service: publish the DKIM records (CNAMEs or key) it gives "
        "you and switch signing on.",
        (RFC7489_ALIGNMENT, RFC6376_SIGNING),
    ),
    CodeInfo(
        "report-sender-failing-spf",
        Severity.WARNING,
        "A sending service's mail fails aligned SPF",
        "Mail from a sending service that uses your domain as envelope sender fails SPF at receivers: "
        "the service is missing from the domain's SPF record. Without aligned DKIM this mail fails "
        "DMARC.",
        "Add the service's include: (or its networks) to the SPF record of the envelope domain.",
        (RFC7489_ALIGNMENT, RFC7208_RECORD),
    ),
    CodeInfo(
        "report-quarantined",
        Severity.WARNING,
        "Reports were quarantined",
        "Some report files, attachments or messages could not be used: malformed or truncated, of the "
        "wrong schema, over a size or ratio limit (a decompression bomb), or not reports at all. They "
        "are kept in the store with the reason and their first bytes; their data is not in the summary.",
        "Look at the reasons; a reporter that keeps sending broken reports can be told at the address "
        "in its reports. Nothing to do for spam or bombs.",
        (RFC7489_AGGREGATE, RFC9990),
    ),
    CodeInfo(
        "dmarc-ready-for-enforcement",
        Severity.INFO,
        "Ready to enforce DMARC",
        "Aggregate reports show that practically all legitimate mail from the domain passes DMARC: "
        "moving to the next policy step (p=quarantine, then p=reject) would hurt almost no wanted mail "
        "and stop what is unauthorized.",
        "Raise the policy one step in the _dmarc TXT record (p=none → p=quarantine → p=reject) and keep "
        "reading the reports.",
        (RFC7489_POLICY, RFC9990),
    ),
)
