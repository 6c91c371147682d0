"""Finding codes of the DKIM checks (RFC 6376, RFC 8301, RFC 8463)."""

from inboxready.findings.model import Severity
from inboxready.findings.registry import CodeInfo

RFC6376_KEY = "https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1"
RFC6376_LOOKUP = "https://www.rfc-editor.org/rfc/rfc6376#section-3.6.2"
RFC6376_VERIFY = "https://www.rfc-editor.org/rfc/rfc6376#section-6.1"
RFC8301 = "https://www.rfc-editor.org/rfc/rfc8301#section-3"
RFC8463 = "https://www.rfc-editor.org/rfc/rfc8463#section-4.2"

CODES = (
    CodeInfo(
        "dkim-missing-selector",
        Severity.ERROR,
        "Declared DKIM selector has no key record",
        "A selector that a sender is declared to sign with has no TXT record at "
        "SELECTOR._domainkey.DOMAIN, so every signature it makes fails (no key).",
        "Publish the key record the sender gives you (often a CNAME to the provider) at "
        "SELECTOR._domainkey.DOMAIN, or correct the declared selector.",
        (RFC6376_LOOKUP,),
    ),
    CodeInfo(
        "dkim-invalid",
        Severity.ERROR,
        "DKIM key record is invalid",
        "The key record does not parse or cannot be used: a broken tag list, a duplicate tag, v= other "
        "than DKIM1, an unknown k= key type, a missing p=, or a p= that is not a readable key of the "
        "announced type. Verifiers ignore such a record and signatures fail.",
        "Publish the record exactly as the key generator or provider gives it: 'v=DKIM1; k=rsa; p=<base64>' "
        "(or k=ed25519 with the raw 32-byte key).",
        (RFC6376_KEY, RFC8463),
    ),
    CodeInfo(
        "dkim-record-syntax",
        Severity.WARNING,
        "DKIM key record deviates from the syntax",
        "The record is usable by most verifiers but breaks a rule of RFC 6376 3.6.1 (for example v=DKIM1 "
        "not being the first tag); strict verifiers discard it.",
        "Rewrite the record in the canonical order: 'v=DKIM1; k=...; p=...'.",
        (RFC6376_KEY,),
    ),
    CodeInfo(
        "dkim-weak-key",
        Severity.ERROR,
        "DKIM key is too short",
        "RSA keys under 1024 bits are refused by verifiers (error); keys under 2048 bits, 1024 included, "
        "are below the size RFC 8301 recommends and are increasingly distrusted (warning).",
        "Generate a 2048-bit RSA key (inboxready dkim keygen --algorithm rsa-2048), publish it under a new "
        "selector, switch the signer, then revoke the old selector.",
        (RFC8301,),
    ),
    CodeInfo(
        "dkim-sha1",
        Severity.ERROR,
        "DKIM key allows only SHA-1",
        "The key record's h= tag lists only sha1; RFC 8301 forbids verifiers from accepting rsa-sha1 "
        "signatures, so nothing signed with this key can pass.",
        "Remove h= (or set h=sha256) and sign with rsa-sha256.",
        (RFC8301,),
    ),
    CodeInfo(
        "dkim-testing-mode",
        Severity.WARNING,
        "DKIM key in testing mode (t=y)",
        "The t=y flag says the domain is testing DKIM; verifiers must treat its mail like unsigned mail "
        "even when the signature verifies, so DKIM gives no protection or reputation.",
        "Remove the y flag from t= once signatures verify.",
        (RFC6376_KEY,),
    ),
    CodeInfo(
        "dkim-revoked",
        Severity.WARNING,
        "DKIM key revoked (empty p=)",
        "The key record has an empty p=, which revokes the key: signatures made with this selector fail. "
        "That is the right state for a retired selector (info when found by discovery), and an error for "
        "a selector a sender is declared to sign with.",
        "If a sender still signs with this selector, publish its current key; otherwise nothing to do.",
        (RFC6376_KEY,),
    ),
    CodeInfo(
        "dkim-not-for-email",
        Severity.WARNING,
        "DKIM key not for email (s=)",
        "The key record's s= service types do not include 'email' or '*', so verifiers ignore the key for "
        "email signatures (s=tlsrpt keys of RFC 8460 are meant for TLS reports only).",
        "Remove s= or set s=email if the key signs email.",
        (RFC6376_KEY,),
    ),
    CodeInfo(
        "dkim-multiple-records",
        Severity.WARNING,
        "Several DKIM key records at one selector",
        "The selector name holds more than one DKIM key record; which one a verifier uses is undefined "
        "(RFC 6376 3.6.2.2), so signatures fail at random receivers.",
        "Keep exactly one key record per selector; use a new selector for a new key.",
        (RFC6376_LOOKUP,),
    ),
    CodeInfo(
        "dkim-ed25519-only",
        Severity.WARNING,
        "Only Ed25519 DKIM keys",
        "Every DKIM key found is Ed25519. Many receivers do not verify ed25519-sha256 yet; RFC 8463 expects "
        "signers to add an RSA signature alongside.",
        "Also sign with an RSA-2048 key under a second selector.",
        ("https://www.rfc-editor.org/rfc/rfc8463#section-1",),
    ),
    CodeInfo(
        "dkim-no-selectors-found",
        Severity.INFO,
        "No DKIM selector found by discovery",
        "No selector was declared and none of the commonly used selector names has a key record. Discovery "
        "only guesses names: it cannot prove that the domain has no DKIM key.",
        "Declare the selectors your senders use (--selector, or the policy file) so they are checked.",
        (RFC6376_LOOKUP,),
    ),
    CodeInfo(
        "dkim-signature-fail",
        Severity.ERROR,
        "DKIM signature does not verify",
        "A DKIM-Signature of the message did not verify: the body or signed headers changed, the key is "
        "missing, revoked or unusable, or the signature is malformed or expired.",
        "Check that the signer uses the private key matching the published selector, and that nothing "
        "rewrites the message after signing.",
        (RFC6376_VERIFY,),
    ),
)
