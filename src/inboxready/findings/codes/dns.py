from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

CODES = (
    CodeInfo(
        "dns-lookup-failed",
        Severity.ERROR,
        "DNS lookup failed",
        "A lookup needed by a check timed out, was refused or returned SERVFAIL, so the check could "
        "not be completed. Nothing is known about the record; it is not reported as missing.",
        "Check that the domain's authoritative servers answer (dig +trace); retry, or raise --timeout.",
    ),
)
