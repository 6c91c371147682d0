from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

CODES = (
    CodeInfo(
        "domain-invalid",
        Severity.ERROR,
        "Not a valid domain name",
        "The name given to audit is not a valid DNS domain name (an empty or over-long label, "
        "a label over 63 octets, a name over 255 octets, or characters IDNA cannot encode).",
        "Give the domain as it appears after the @ in the From address, e.g. example.com.",
        ("https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4",),
    ),
    CodeInfo(
        "domain-nonexistent",
        Severity.ERROR,
        "The domain does not exist",
        "The domain has no records of any kind (NXDOMAIN): mail from it fails SPF and DMARC, and "
        "receivers reject mail from non-existent domains.",
        "Check the spelling, or register and publish the domain before sending as it.",
        ("https://www.rfc-editor.org/rfc/rfc8020",),
    ),
)
