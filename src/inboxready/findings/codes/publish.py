"""Codes of publishing: `apply` (plan → a DNS provider) and the email policy document (EP1).

The policy document is an experimental proposal of inboxready (docs/email-policy-document.md); its
pointer record lives at `_emailpolicy.<domain>` and pins the document's SHA-256 digest (RFC 6234);
the document is JSON (RFC 8259) served over HTTPS.
"""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC1034_362 = "https://www.rfc-editor.org/rfc/rfc1034#section-3.6.2"
RFC2136 = "https://www.rfc-editor.org/rfc/rfc2136"
RFC8615 = "https://www.rfc-editor.org/rfc/rfc8615"
RFC6234 = "https://www.rfc-editor.org/rfc/rfc6234"
RFC8259 = "https://www.rfc-editor.org/rfc/rfc8259"

CODES = (
    CodeInfo(
        "apply-conflict",
        Severity.ERROR,
        "A planned record cannot be published safely",
        "The target zone holds data that inboxready will not overwrite on its own: a CNAME at a name "
        "where the plan needs another type (a CNAME cannot share its name, RFC 1034 3.6.2), other data "
        "where the plan needs a CNAME, or a record that changed since the dry run was shown.",
        "Look at the named record; remove or change it by hand if the plan is right, then run apply again "
        "(a fresh dry run shows the current state).",
        (RFC1034_362,),
    ),
    CodeInfo(
        "apply-unsupported",
        Severity.WARNING,
        "The target's provider cannot publish this record type",
        "The DNS provider behind the target does not manage this record type through its API (for "
        "example the obsolete type-99 SPF record), so apply leaves it out.",
        "Publish the record in the provider's console, or drop it from the policy.",
    ),
    CodeInfo(
        "apply-not-visible",
        Severity.ERROR,
        "Applied changes not visible in DNS in time",
        "The provider accepted the changes, but the target's DNS server still did not answer with the "
        "planned records when the wait ended (replication to the provider's servers can take minutes).",
        "Run `inboxready diff` later against the provider's servers; raise --wait if it is only slow.",
        (RFC2136,),
    ),
    CodeInfo(
        "policy-doc-missing",
        Severity.ERROR,
        "No email policy document pointer",
        "The domain publishes no `_emailpolicy` TXT record starting with v=EP1, so there is no email "
        "policy document to verify.",
        "Generate the document with `inboxready policy document`, serve it over HTTPS and publish the "
        "pointer record it prints.",
    ),
    CodeInfo(
        "policy-doc-pointer-invalid",
        Severity.ERROR,
        "Email policy document pointer is malformed",
        "The `_emailpolicy` record is not of the form `v=EP1; u=https://...; h=sha256:<digest>`, or "
        "there is more than one, so no document can be trusted.",
        "Publish exactly one pointer record, as printed by `inboxready policy document`.",
    ),
    CodeInfo(
        "policy-doc-unreachable",
        Severity.ERROR,
        "Email policy document cannot be fetched",
        "The HTTPS URL of the pointer record did not give the document: the name does not resolve, "
        "the server does not answer, its certificate is not valid for the name, or the status is not 200.",
        "Serve the document at the URL (`inboxready policy serve` for small deployments) with a valid "
        "certificate.",
        (RFC8615,),
    ),
    CodeInfo(
        "policy-doc-digest-mismatch",
        Severity.ERROR,
        "Email policy document does not match the digest in DNS",
        "The document served at the URL is not the one whose SHA-256 digest the domain's DNS pins: it "
        "was changed on the web server (possibly by an attacker) or the pointer was not updated.",
        "If the document is the intended one, publish its new pointer record; otherwise restore the "
        "document and find out who changed it.",
        (RFC6234,),
    ),
    CodeInfo(
        "policy-doc-invalid",
        Severity.ERROR,
        "Email policy document is not a valid EP1 document",
        "The fetched document matches its digest but is not a JSON EP1 document for this domain (wrong "
        "version, wrong domain, missing fields, or DKIM fingerprints that do not match its keys).",
        "Generate the document again with `inboxready policy document`.",
        (RFC8259,),
    ),
    CodeInfo(
        "policy-doc-record-mismatch",
        Severity.ERROR,
        "DNS does not match the email policy document",
        "A record the document describes is missing or different in the domain's DNS, so what the "
        "domain says it does and what receivers see disagree.",
        "Publish the record as the document states (`inboxready apply`), or regenerate the document "
        "and its pointer if DNS is right.",
    ),
)
