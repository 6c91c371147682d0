"""DMARC finding codes: the record (RFC 7489 section 6, RFC 9989 section 4.7), its discovery
(RFC 7489 section 6.6.3, RFC 9989 section 4.10) and report destinations (RFC 7489 section 7.1,
RFC 9990 section 4)."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC7489_FORMAT = "https://www.rfc-editor.org/rfc/rfc7489#section-6.3"
RFC7489_ABNF = "https://www.rfc-editor.org/rfc/rfc7489#section-6.4"
RFC7489_DISCOVERY = "https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3"
RFC7489_EXTERNAL = "https://www.rfc-editor.org/rfc/rfc7489#section-7.1"
RFC9989 = "https://www.rfc-editor.org/rfc/rfc9989"
RFC9989_FORMAT = "https://www.rfc-editor.org/rfc/rfc9989#section-4.7"
RFC9990_EXTERNAL = "https://www.rfc-editor.org/rfc/rfc9990#section-4"
RFC6376_TAGS = "https://www.rfc-editor.org/rfc/rfc6376#section-3.2"

CODES = (
    CodeInfo(
        "dmarc-missing",
        Severity.ERROR,
        "No DMARC record",
        "No DMARC record applies to the domain: receivers apply no DMARC policy to mail that claims "
        "to come from it, send no reports, and Gmail and Yahoo reject bulk mail from domains without "
        "one.",
        'Publish a TXT record at _dmarc.DOMAIN, to start: "v=DMARC1; p=none; rua=mailto:dmarc@DOMAIN".',
        (RFC7489_DISCOVERY, RFC9989),
    ),
    CodeInfo(
        "dmarc-syntax",
        Severity.ERROR,
        "DMARC record has a syntax error",
        "Part of the DMARC record does not follow the record grammar. Depending on the part, receivers "
        "ignore the whole record (v not first, v not exactly DMARC1), fall back to a default value, or "
        "ignore the tag.",
        "Publish the corrected record given with the finding.",
        (RFC7489_ABNF, RFC9989_FORMAT),
    ),
    CodeInfo(
        "dmarc-tag-order",
        Severity.WARNING,
        "DMARC p tag is not the second tag",
        "RFC 7489's grammar requires p immediately after v; RFC 9989 only requires v first. Receivers "
        "that follow RFC 7489 strictly may ignore the record.",
        "Put p right after v (the corrected record given with the finding).",
        (RFC7489_ABNF, RFC9989_FORMAT),
    ),
    CodeInfo(
        "dmarc-duplicate-tag",
        Severity.ERROR,
        "DMARC tag appears twice",
        "A tag appears more than once. DMARC uses the DKIM tag-list syntax, in which a repeated tag "
        "makes the whole tag-list invalid (RFC 6376 section 3.2); receivers disagree on which value "
        "wins or drop the record.",
        "Keep one occurrence of each tag (the corrected record keeps the first).",
        (RFC6376_TAGS, RFC7489_FORMAT),
    ),
    CodeInfo(
        "dmarc-unknown-tag",
        Severity.WARNING,
        "Unknown DMARC tag",
        "The record contains a tag that DMARC does not define; receivers ignore it, so whatever it was "
        "meant to say (often a misspelt rua, sp or pct) has no effect.",
        "Remove the tag, or spell the intended tag correctly.",
        (RFC7489_FORMAT, RFC9989_FORMAT),
    ),
    CodeInfo(
        "dmarc-removed-tag",
        Severity.WARNING,
        "DMARC tag removed by RFC 9989",
        "pct, rf and ri are historic in RFC 9989 (DMARCbis): receivers that follow it ignore them. "
        "In particular pct below 100 no longer softens the policy: the full policy applies to all "
        "failing mail. The t=y flag replaces pct=0.",
        "Drop the tag; to test a stricter policy use t=y instead of a pct below 100.",
        (RFC9989,),
    ),
    CodeInfo(
        "dmarc-multiple-records",
        Severity.ERROR,
        "Several DMARC records",
        "More than one TXT record starting with v=DMARC1 is published at the same name. Receivers "
        "discard them all (RFC 7489 section 6.6.3 step 5, RFC 9989 section 4.10): the domain has no "
        "usable DMARC record at that name.",
        "Delete all but one DMARC record at the name.",
        (RFC7489_DISCOVERY, RFC9989),
    ),
    CodeInfo(
        "dmarc-wrong-name",
        Severity.WARNING,
        "DMARC record published at the wrong name",
        "A TXT record starting with v=DMARC1 is published at a name receivers never query (e.g. the "
        "domain's apex or dmarc.DOMAIN without the underscore). Receivers only look at _dmarc.DOMAIN.",
        "Publish the record at _dmarc.DOMAIN and delete it from the wrong name.",
        (RFC7489_DISCOVERY,),
    ),
    CodeInfo(
        "dmarc-policy-none",
        Severity.WARNING,
        "DMARC policy is none (monitoring only)",
        "p=none asks receivers to do nothing with mail that fails DMARC: anyone can still send mail "
        "as the domain. It is the right first step, not a place to stay.",
        "Read the aggregate reports until every legitimate source passes DMARC, then move to "
        "p=quarantine (optionally with t=y first) and then to p=reject.",
        (RFC7489_FORMAT, RFC9989),
    ),
    CodeInfo(
        "dmarc-none-without-rua",
        Severity.WARNING,
        "DMARC p=none without aggregate reports",
        "With p=none and no rua the record neither protects the domain nor gives any visibility: no "
        "receiver acts on failures and none sends reports.",
        "Add rua=mailto:ADDRESS with a mailbox (or a report-processing service) that reads the aggregate reports.",
        (RFC7489_FORMAT, RFC9989),
    ),
    CodeInfo(
        "dmarc-no-reporting",
        Severity.WARNING,
        "DMARC record requests no aggregate reports",
        "The record has no rua tag, so receivers send no aggregate reports: failures of legitimate "
        "senders and spoofing attempts go unseen.",
        "Add rua=mailto:ADDRESS with a mailbox (or a report-processing service) that reads the aggregate reports.",
        (RFC7489_FORMAT, RFC9989),
    ),
    CodeInfo(
        "dmarc-weak-subdomain-policy",
        Severity.WARNING,
        "Subdomain policy weaker than the domain policy",
        "sp (or np for non-existent subdomains) asks for a weaker policy than p, so attackers can "
        "spoof any subdomain (e.g. login.DOMAIN) while the domain itself is protected.",
        "Remove sp/np (they default to p) or set them at least as strict as p.",
        (RFC7489_FORMAT, RFC9989),
    ),
    CodeInfo(
        "dmarc-pct-partial",
        Severity.WARNING,
        "DMARC policy applies to only part of the failing mail",
        "pct below 100 asks RFC 7489 receivers to apply the policy to only that share of failing "
        "mail (the rest gets the next weaker policy). Receivers applied it unevenly, and RFC 9989 "
        "removed pct: its receivers apply the full policy.",
        "Remove pct (the default is 100) once the reports show legitimate mail passes; to test, use t=y instead.",
        (RFC7489_FORMAT, RFC9989),
    ),
    CodeInfo(
        "dmarc-ruf-without-fo",
        Severity.INFO,
        "Failure reports requested without fo",
        "ruf is set but fo is not, so failure reports are only requested when both SPF and DKIM fail "
        "to give an aligned pass (fo=0). Failures of just one mechanism go unreported.",
        "Add fo=1 to be told about any authentication failure (few receivers send failure reports).",
        (RFC7489_FORMAT, RFC9989_FORMAT),
    ),
    CodeInfo(
        "dmarc-fo-without-ruf",
        Severity.INFO,
        "fo without ruf has no effect",
        "fo selects when failure reports are sent, but without ruf no failure reports are requested, "
        "so receivers ignore fo.",
        "Add ruf=mailto:ADDRESS, or remove fo.",
        (RFC7489_FORMAT, RFC9989_FORMAT),
    ),
    CodeInfo(
        "dmarc-test-mode",
        Severity.INFO,
        "DMARC policy in test mode (t=y)",
        "t=y asks RFC 9989 receivers to apply one policy level below the published one (reject is "
        "treated as quarantine, quarantine as none). RFC 7489 receivers ignore t.",
        "Remove t=y once the reports show that legitimate mail passes DMARC.",
        (RFC9989_FORMAT,),
    ),
    CodeInfo(
        "dmarc-report-auth-missing",
        Severity.WARNING,
        "External report destination has not authorized the reports",
        "A rua/ruf address lies outside the domain's Organizational Domain and the destination does "
        "not publish the authorization record DOMAIN._report._dmarc.DESTINATION. Receivers must then "
        "ignore the address: no reports arrive there.",
        "Ask the destination's owner to publish the TXT record given with the finding (report "
        "services usually publish a wildcard *._report._dmarc record), or use an address in your "
        "own domain.",
        (RFC7489_EXTERNAL, RFC9990_EXTERNAL),
    ),
    CodeInfo(
        "dmarc-unsupported-uri",
        Severity.WARNING,
        "Report URI scheme receivers do not support",
        "Receivers only have to support mailto: report URIs and ignore others (RFC 9989 section "
        "4.7), so reports to this URI are unlikely to be sent.",
        "Use a mailto: address for rua/ruf.",
        (RFC7489_FORMAT, RFC9989_FORMAT),
    ),
)
