"""Finding codes of one message: authentication results, header hygiene, content score (issue 8)."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC5322 = "https://www.rfc-editor.org/rfc/rfc5322"
RFC5322_36 = "https://www.rfc-editor.org/rfc/rfc5322#section-3.6"
RFC2045 = "https://www.rfc-editor.org/rfc/rfc2045"
RFC2046 = "https://www.rfc-editor.org/rfc/rfc2046#section-5.1"
RFC2369 = "https://www.rfc-editor.org/rfc/rfc2369"
RFC2919 = "https://www.rfc-editor.org/rfc/rfc2919"
RFC7208 = "https://www.rfc-editor.org/rfc/rfc7208#section-2.6"
RFC6376 = "https://www.rfc-editor.org/rfc/rfc6376#section-6"
RFC7489 = "https://www.rfc-editor.org/rfc/rfc7489#section-6.6"
RFC8058 = "https://www.rfc-editor.org/rfc/rfc8058"
RFC8601 = "https://www.rfc-editor.org/rfc/rfc8601"
RFC8617 = "https://www.rfc-editor.org/rfc/rfc8617#section-5.2"
SENDER_GUIDELINES = "https://support.google.com/a/answer/81126"

CODES = (
    # --- authentication --------------------------------------------------------------------------
    CodeInfo(
        "msg-spf-fail",
        Severity.ERROR,
        "SPF fails for the sending IP",
        "The envelope sender's domain (MAIL FROM, or HELO for bounces) publishes an SPF record that does "
        "not authorize the connecting IP ('-all' matched). Receivers may reject the message outright.",
        "Send through a server the SPF record authorizes, or add the server to the record.",
        (RFC7208,),
    ),
    CodeInfo(
        "msg-spf-softfail",
        Severity.WARNING,
        "SPF softfails for the sending IP",
        "The envelope sender's SPF record does not authorize the connecting IP but asks for leniency "
        "('~all'); the message is likely to be treated as suspicious.",
        "Authorize the sending server in the SPF record of the MAIL FROM domain.",
        (RFC7208,),
    ),
    CodeInfo(
        "msg-spf-none",
        Severity.WARNING,
        "No SPF record for the envelope sender",
        "The MAIL FROM (or HELO) domain publishes no SPF record, so SPF cannot pass and DMARC must rely "
        "on DKIM alone.",
        "Publish an SPF record for the envelope sender domain that lists its sending servers.",
        (RFC7208,),
    ),
    CodeInfo(
        "msg-spf-error",
        Severity.WARNING,
        "SPF evaluation ended in an error",
        "SPF returned permerror (a broken record, too many lookups) or temperror (DNS failure); "
        "receivers treat permerror like a failure for DMARC.",
        "Fix the SPF record of the envelope sender domain (see `inboxready spf analyze`).",
        (RFC7208,),
    ),
    CodeInfo(
        "msg-dkim-none",
        Severity.WARNING,
        "Message not DKIM-signed",
        "The message carries no DKIM-Signature. Without one, DMARC depends on SPF alone, which breaks on "
        "every forward, and the major mailbox providers require DKIM of bulk senders.",
        "Sign outgoing mail with DKIM with a key of the From domain (e.g. through `inboxready gateway`).",
        (RFC6376, SENDER_GUIDELINES),
    ),
    CodeInfo(
        "msg-dkim-fail",
        Severity.ERROR,
        "DKIM signature does not verify",
        "A DKIM-Signature failed verification: the body or signed headers changed after signing, the "
        "key is missing, revoked or does not match. A receiver treats the signature as absent.",
        "Check the key published at SELECTOR._domainkey.DOMAIN and that nothing rewrites mail after signing.",
        (RFC6376,),
    ),
    CodeInfo(
        "msg-dkim-testing",
        Severity.INFO,
        "DKIM key in testing mode",
        "The signing key's record carries t=y: receivers must not treat the message differently from an "
        "unsigned one (RFC 6376 3.6.1).",
        "Remove t=y from the key record once signing works.",
        ("https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1",),
    ),
    CodeInfo(
        "msg-arc-fail",
        Severity.WARNING,
        "ARC chain fails",
        "The message carries an ARC chain (RFC 8617) that does not validate (cv=fail): an intermediary's "
        "seal or message signature is broken, so receivers will not trust its earlier authentication results.",
        "If you forward or process mail, re-seal it correctly; otherwise find the hop that broke the chain.",
        (RFC8617,),
    ),
    CodeInfo(
        "msg-dmarc-fail",
        Severity.ERROR,
        "DMARC fails",
        "Neither SPF nor DKIM passed with a domain aligned with the From domain; receivers apply the "
        "From domain's DMARC policy (quarantine or reject) to this message.",
        "Sign with a DKIM key of the From domain (aligned d=) and/or send with an aligned MAIL FROM that SPF "
        "authorizes.",
        (RFC7489,),
    ),
    CodeInfo(
        "msg-dmarc-none",
        Severity.WARNING,
        "No DMARC policy for the From domain",
        "Neither the From domain nor its organizational domain publishes a DMARC record; the major mailbox "
        "providers require one of bulk senders.",
        "Publish at least 'v=DMARC1; p=none; rua=mailto:...' at _dmarc of the From domain.",
        (RFC7489, SENDER_GUIDELINES),
    ),
    CodeInfo(
        "msg-auth-unchecked",
        Severity.INFO,
        "Part of authentication could not be checked",
        "A check needs information that was not given (the connecting IP for SPF) or a DNS lookup failed; "
        "its result is unknown, not a pass.",
        "Give --ip (and --mail-from/--helo) or a policy declaring the sending servers; retry DNS failures.",
        (RFC8601,),
    ),
    # --- headers ----------------------------------------------------------------------------------
    CodeInfo(
        "msg-no-from",
        Severity.ERROR,
        "No From header",
        "RFC 5322 3.6 requires exactly one From header; without it DMARC cannot be evaluated and most "
        "receivers reject the message.",
        "Add a From header with the sender's address.",
        (RFC5322_36,),
    ),
    CodeInfo(
        "msg-multiple-from",
        Severity.ERROR,
        "More than one From header, or more than one author",
        "The message has several From headers (or one naming several mailboxes); RFC 7489 6.6.1 lets "
        "receivers reject it, and most do.",
        "Send with exactly one From header naming one mailbox.",
        (RFC5322_36, "https://www.rfc-editor.org/rfc/rfc7489#section-6.6.1"),
    ),
    CodeInfo(
        "msg-bad-from",
        Severity.ERROR,
        "From address is not valid",
        "The From header does not hold a syntactically valid address with a domain (RFC 5322 3.4).",
        "Use an address of the form local@domain.example in the From header.",
        ("https://www.rfc-editor.org/rfc/rfc5322#section-3.4",),
    ),
    CodeInfo(
        "msg-no-date",
        Severity.ERROR,
        "No Date header, or an invalid one",
        "RFC 5322 3.6 requires an origination date in RFC 5322 3.3 syntax; messages without one score "
        "as spam (SpamAssassin MISSING_DATE) or are rejected.",
        "Add a Date header such as 'Date: Tue, 01 Jul 2025 10:00:00 +0000'.",
        (RFC5322_36,),
    ),
    CodeInfo(
        "msg-no-message-id",
        Severity.WARNING,
        "No Message-ID header, or an invalid one",
        "RFC 5322 3.6.4 says every message SHOULD carry a unique Message-ID '<left@right>'; Gmail rejects "
        "or spam-folders messages without one.",
        "Generate a Message-ID '<unique@your-domain>' for every message.",
        ("https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4",),
    ),
    CodeInfo(
        "msg-no-subject",
        Severity.WARNING,
        "No Subject header, or an empty one",
        "A message without a subject looks like spam to filters and people alike.",
        "Give every message a meaningful Subject.",
        (RFC5322_36,),
    ),
    CodeInfo(
        "msg-duplicate-header",
        Severity.ERROR,
        "A header that must occur once occurs more than once",
        "RFC 5322 3.6 allows at most one Date, Sender, Reply-To, To, Cc, Message-ID, In-Reply-To, "
        "References and Subject; duplicates are a classic way to fool DKIM and are rejected by Gmail.",
        "Emit each of these header fields at most once.",
        (RFC5322_36,),
    ),
    CodeInfo(
        "msg-mime-malformed",
        Severity.ERROR,
        "MIME structure is malformed",
        "The message's MIME structure has defects: a multipart without its boundary, a missing "
        "MIME-Version, an undecodable transfer encoding or non-ASCII bytes in headers.",
        "Build messages with a MIME library rather than by hand.",
        (RFC2045, RFC2046),
    ),
    CodeInfo(
        "msg-missing-text-part",
        Severity.WARNING,
        "HTML without a plain-text alternative",
        "The message has an HTML body but no text/plain alternative (multipart/alternative); spam filters "
        "score HTML-only mail (SpamAssassin MIME_HTML_ONLY) and some readers show nothing.",
        "Send multipart/alternative with a text/plain part beside the HTML.",
        (RFC2046,),
    ),
    CodeInfo(
        "msg-reply-to-mismatch",
        Severity.INFO,
        "Reply-To domain differs from the From domain",
        "Replies go to a different organization than the one the message claims to come from; filters "
        "weigh this as a phishing signal (FREEMAIL_FORGED_REPLYTO and the like).",
        "Use a Reply-To address of the From domain's organization, or drop Reply-To.",
        (RFC5322_36,),
    ),
    CodeInfo(
        "msg-long-line",
        Severity.ERROR,
        "Line longer than 998 characters",
        "RFC 5322 2.1.1 limits every line to 998 characters; servers wrap or reject longer lines, which "
        "breaks DKIM signatures and HTML.",
        "Use quoted-printable or base64 transfer encoding for long lines.",
        ("https://www.rfc-editor.org/rfc/rfc5322#section-2.1.1",),
    ),
    CodeInfo(
        "msg-no-unsubscribe",
        Severity.ERROR,
        "Bulk mail without List-Unsubscribe",
        "The message is bulk or list mail (Precedence bulk/list, List-Id) but has no List-Unsubscribe "
        "header (RFC 2369); Gmail and Yahoo require one-click unsubscription of bulk senders.",
        "Add List-Unsubscribe with an https URI and 'List-Unsubscribe-Post: List-Unsubscribe=One-Click' (RFC 8058).",
        (RFC2369, RFC8058, SENDER_GUIDELINES),
    ),
    CodeInfo(
        "msg-no-one-click",
        Severity.WARNING,
        "List-Unsubscribe without one-click (RFC 8058)",
        "List-Unsubscribe is present but one-click unsubscription is not: RFC 8058 needs an https URI in "
        "List-Unsubscribe, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', and a DKIM signature "
        "covering both headers.",
        "Add an https URI and 'List-Unsubscribe-Post: List-Unsubscribe=One-Click', and sign both with DKIM.",
        (RFC8058,),
    ),
    CodeInfo(
        "msg-bulk-no-list-id",
        Severity.INFO,
        "Bulk mail without List-Id or Precedence",
        "Bulk mail that names its list (List-Id, RFC 2919) and says it is bulk (Precedence: bulk) lets "
        "receivers and auto-responders handle it properly.",
        "Add 'List-Id: <newsletter.your-domain>' and 'Precedence: bulk' to bulk mail.",
        (RFC2919,),
    ),
    # --- content ----------------------------------------------------------------------------------
    CodeInfo(
        "msg-spam-score",
        Severity.ERROR,
        "SpamAssassin scores the message as spam",
        "SpamAssassin's standard rules give the message a score at or above the threshold (or close to "
        "it: warning); the rule hits say why.",
        "Address the rules with the highest scores listed in the report.",
        ("https://spamassassin.apache.org/",),
    ),
    CodeInfo(
        "msg-spamd-unavailable",
        Severity.INFO,
        "Content not scored: spamd unreachable",
        "SpamAssassin's spamd did not answer, so the message content was not scored; the rest of the "
        "report stands.",
        "Start spamd (Debian: apt-get install spamassassin spamd) and give --spamd HOST:PORT.",
        ("https://spamassassin.apache.org/full/4.0.x/doc/spamd.html",),
    ),
)
