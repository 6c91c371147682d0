from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

BIMI_DRAFT = "https://datatracker.ietf.org/doc/draft-brand-indicators-for-message-identification/"
DMARC_POLICY = "https://www.rfc-editor.org/rfc/rfc7489#section-6.3"

CODES = (
    CodeInfo(
        "bimi-invalid",
        Severity.ERROR,
        "BIMI record is invalid",
        "The default._bimi TXT record does not follow the BIMI specification: it must start with "
        "v=BIMI1, l= must be an https URL of an SVG logo and a= an https URL of a PEM evidence "
        "document (or empty); mailbox providers ignore an invalid record.",
        "Publish one record: v=BIMI1; l=https://DOMAIN/logo.svg; a=https://DOMAIN/vmc.pem",
        (BIMI_DRAFT,),
    ),
    CodeInfo(
        "bimi-dmarc-not-enforced",
        Severity.WARNING,
        "BIMI needs DMARC at enforcement",
        "BIMI logos are shown only for domains whose DMARC policy is quarantine or reject (with "
        "pct=100 and a subdomain policy that is not none); this domain's DMARC does not qualify.",
        "Move DMARC to p=quarantine or p=reject for all mail before relying on BIMI.",
        (BIMI_DRAFT, DMARC_POLICY),
    ),
    CodeInfo(
        "bimi-no-authority",
        Severity.INFO,
        "BIMI record has no evidence document",
        "The record has no a= (Verified Mark Certificate or Common Mark Certificate). Gmail and "
        "Apple Mail show BIMI logos only with one; other providers may show the logo without.",
        "Obtain a VMC or CMC for the logo and publish its PEM URL in a=.",
        (BIMI_DRAFT,),
    ),
)
