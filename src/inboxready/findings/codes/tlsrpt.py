from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC8460 = "https://www.rfc-editor.org/rfc/rfc8460#section-3"

CODES = (
    CodeInfo(
        "tlsrpt-missing",
        Severity.INFO,
        "No TLS-RPT record",
        "The domain publishes no _smtp._tls TXT record, so senders cannot report TLS delivery "
        "failures (e.g. with MTA-STS or DANE) to it (RFC 8460).",
        "Publish _smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN\".",
        (RFC8460,),
    ),
    CodeInfo(
        "tlsrpt-invalid",
        Severity.ERROR,
        "TLS-RPT record is invalid",
        "The _smtp._tls TXT record does not follow RFC 8460 section 3 (it must start with "
        "\"v=TLSRPTv1;\" and have a rua= of mailto: or https: URIs), or there is more than one; "
        "senders then send no reports.",
        "Publish exactly one record: v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN.",
        (RFC8460,),
    ),
)
