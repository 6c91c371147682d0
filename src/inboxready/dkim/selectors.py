"""Finding a domain's DKIM key records: declared selectors, and discovery over common names.

A verifier finds a key at SELECTOR._domainkey.DOMAIN (RFC 6376 section 3.6.2.1); selectors are
chosen freely by each signer (section 3.1), so there is no way to list them. Declared selectors (one
list per sender) are checked as facts; when nothing is declared, `discover_selectors` tries the names
below, which come from providers' setup documentation and from the lists of public DKIM scanners
(see /work/shared/reference/providers.md of the project for the sourcing). Discovery can show that a
selector exists, never that one is absent: per-account selectors (Amazon SES tokens, Postmark
'<date>pm', HubSpot 'hs1-<id>', SparkPost 'scph<YYMM>') cannot be guessed.
"""

from __future__ import annotations

import asyncio
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inboxready.dkim.record import DkimKeyRecord, looks_like_key_record, parse_key_record
from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError, NXDomain
from inboxready.dns.resolver import Resolver

DISCOVERY_NOTE = (
    "Discovery only tries commonly used selector names; it cannot prove that a selector is absent. "
    "Declare the selectors your senders use to check them."
)
#: Queries in flight at once during discovery.
DISCOVERY_CONCURRENCY = 10
#: A label no signer uses: a TXT answer for it means a wildcard covers the _domainkey names.
WILDCARD_PROBE = "inboxready-wildcard-probe"

_MICROSOFT = "https://learn.microsoft.com/en-us/defender-office-365/email-authentication-dkim-configure"
_GOOGLE = "https://support.google.com/a/answer/174124"
_MAILCHIMP = "https://mailchimp.com/help/set-up-email-domain-authentication/"
_MANDRILL = "https://mailchimp.com/developer/release-notes/new-sending-domain-authentication-requirements"
_SENDGRID = "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication"
_ZENDESK = "https://support.zendesk.com/hc/pt-br/articles/4408822303386-Digitally-signing-your-email-with-DKIM"
_MAILGUN = "https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify.md"
_FASTMAIL = "https://www.fastmail.help/hc/en-us/articles/360060591153-Manual-DNS-configuration"
_PROTON = "https://domainsecurityscanner.com/guides/proton-mail"
_BREVO = "https://dmarc.wiki/brevo"
_CPANEL = "https://api.docs.cpanel.net/specifications/cpanel.openapi/email-dns-settings/emailauth-enable_dkim"
_GCA = "https://github.com/GlobalCyberAlliance/domain-security-scanner"
_DKIMSCAN = "https://github.com/ryancdotorg/dkimscan"
_ADHOC = "providers.md, 'DKIM selectors that generic scanners try' (lists in public code)"


@dataclass(frozen=True, slots=True)
class CommonSelector:
    selector: str
    used_by: str
    source: str


def _entries(names: str, used_by: str, source: str) -> tuple[CommonSelector, ...]:
    return tuple(CommonSelector(n, used_by, source) for n in names.split())


#: Selectors tried by discovery, with who uses them and where the name comes from.
COMMON_SELECTORS: tuple[CommonSelector, ...] = (
    *_entries("selector1 selector2", "Microsoft 365", _MICROSOFT),
    *_entries("google", "Google Workspace", _GOOGLE),
    *_entries("k1 k2 k3", "Mailchimp", _MAILCHIMP),
    *_entries("mte1 mte2", "Mandrill (Mailchimp Transactional)", _MANDRILL),
    *_entries("mandrill", "Mandrill (legacy TXT)", _GCA),
    *_entries("s1 s2", "SendGrid", _SENDGRID),
    *_entries("smtpapi", "SendGrid (legacy)", _DKIMSCAN),
    *_entries("zendesk1 zendesk2", "Zendesk", _ZENDESK),
    *_entries("pdk1 pdk2 krs mailo smtp", "Mailgun", _MAILGUN),
    *_entries("fm1 fm2 fm3", "Fastmail", _FASTMAIL),
    *_entries("protonmail protonmail2 protonmail3", "Proton Mail", _PROTON),
    *_entries("brevo1 brevo2", "Brevo", _BREVO),
    *_entries("mail", "Brevo (legacy) and generic", _BREVO),
    *_entries("default", "cPanel and other hosting panels", _CPANEL),
    *_entries("dkim email everlytickey1 everlytickey2 mxvault", "generic (GCA scanner list)", _GCA),
    *_entries("pm cm s1024 s2048", "generic (dkimscan list)", _DKIMSCAN),
    *_entries("sig1 zoho zmail ctct1 ctct2 mailjet amazonses litesrv", "generic (public scanner lists)", _ADHOC),
)

#: The short list for bulk runs: the selectors of the services that send most mail (Microsoft 365,
#: Google Workspace, Mailchimp, SendGrid, hosting panels) and the two generic names seen most.
BULK_SELECTORS: tuple[str, ...] = ("selector1", "selector2", "google", "k1", "k2", "k3", "s1", "s2", "default",
                                   "dkim", "mail")

_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z")


def normalize_selector(text: str) -> str:
    """A selector as a lower-case dotted name (RFC 6376 3.1); ValueError when it is not one."""
    selector = text.strip().rstrip(".").lower()
    labels = selector.split(".")
    if not selector or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{text!r} is not a valid DKIM selector (labels of letters, digits, '-', '_')")
    return selector


def key_name(domain: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain.strip('.').lower()}"


class SelectorStatus(enum.Enum):
    FOUND = "found"
    MISSING = "missing"
    LOOKUP_FAILED = "lookup-failed"

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class SelectorLookup:
    """What DNS holds at one SELECTOR._domainkey.DOMAIN."""

    selector: str
    name: str
    #: Senders that declared this selector; empty when it was found by discovery.
    declared_by: tuple[str, ...]
    status: SelectorStatus
    records: tuple[DkimKeyRecord, ...] = ()
    #: TXT records at the name that are not DKIM keys (ignored by verifiers).
    other_texts: tuple[str, ...] = ()
    #: CNAME targets followed, in order (a selector delegated to the provider's zone).
    cname_chain: tuple[str, ...] = ()
    ttl: int | None = None
    error: DnsError | None = None

    @property
    def declared(self) -> bool:
        return bool(self.declared_by)

    @property
    def delegated_to(self) -> str | None:
        return self.cname_chain[-1] if self.cname_chain else None

    def to_dict(self) -> dict[str, object]:
        return {
            "selector": self.selector,
            "name": self.name,
            "source": "declared" if self.declared else "discovered",
            "declared_by": list(self.declared_by),
            "status": self.status.to_text(),
            "cname_chain": list(self.cname_chain),
            "delegated_to": self.delegated_to,
            "ttl": self.ttl,
            "records": [r.to_dict() for r in self.records],
            "other_texts": list(self.other_texts),
            "lookup_error": self.error.describe() if self.error is not None else None,
        }


async def lookup_selector(
    resolver: Resolver, domain: str, selector: str, declared_by: Sequence[str] = ()
) -> SelectorLookup:
    """The key records at one selector. Declared selectors parse every TXT there as a key record;
    discovered ones keep only TXT that looks like a DKIM key (a wildcard TXT is not a selector)."""
    name = key_name(domain, selector)
    declared = tuple(declared_by)
    try:
        answer = await resolver.query(name, "TXT")
    except DnsError as exc:
        status = SelectorStatus.LOOKUP_FAILED if exc.is_failure else SelectorStatus.MISSING
        # A negative answer for another name means a CNAME led there (the delegation is dangling).
        chain = (exc.name,) if exc.name.rstrip(".").lower() != name else ()
        return SelectorLookup(selector, name, declared, status, cname_chain=chain, error=exc)
    return _from_answer(selector, name, declared, answer)


def _from_answer(selector: str, name: str, declared: tuple[str, ...], answer: Answer) -> SelectorLookup:
    records: list[DkimKeyRecord] = []
    others: list[str] = []
    for strings in sorted(answer.strings()):  # an RRset has no order: make the output stable
        text = b"".join(strings).decode("utf-8", "backslashreplace")
        if declared or looks_like_key_record(text):
            records.append(parse_key_record(strings))
        else:
            others.append(text)
    status = SelectorStatus.FOUND if records else SelectorStatus.MISSING
    return SelectorLookup(
        selector, name, declared, status, tuple(records), tuple(others), answer.cname_chain, answer.ttl
    )


@dataclass(frozen=True, slots=True)
class Discovery:
    """The outcome of trying common selector names."""

    tried: tuple[str, ...]
    found: tuple[SelectorLookup, ...]
    failed: tuple[SelectorLookup, ...]
    #: A wildcard answered for a name no signer uses; records equal to its answer were dropped.
    wildcard: bool
    #: _domainkey.DOMAIN does not exist (NXDOMAIN), so by RFC 8020 no name below it does: the
    #: common selectors were not asked one by one.
    pruned: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "pruned": self.pruned,
            "tried": list(self.tried),
            "found": [s.selector for s in self.found],
            "failed": [s.selector for s in self.failed],
            "wildcard": self.wildcard,
            "note": DISCOVERY_NOTE,
        }


async def discover_selectors(
    resolver: Resolver, domain: str, candidates: Iterable[str] | None = None
) -> Discovery:
    names = list(dict.fromkeys(candidates if candidates is not None else (c.selector for c in COMMON_SELECTORS)))
    limit = asyncio.Semaphore(DISCOVERY_CONCURRENCY)

    async def one(selector: str) -> SelectorLookup:
        async with limit:
            return await lookup_selector(resolver, domain, selector)

    try:
        await resolver.query(f"_domainkey.{domain}", "TXT")
    except NXDomain:
        # RFC 8020 section 2: NXDOMAIN means nothing exists below the name either. One query
        # instead of one per common selector (most domains in a bulk run have no DKIM at all).
        return Discovery(tuple(names), (), (), False, pruned=True)
    except DnsError:
        pass  # NODATA is the usual answer (an empty non-terminal); failures show per selector

    probe, *lookups = await asyncio.gather(one(WILDCARD_PROBE), *(one(n) for n in names))
    wildcard_texts = {r.text for r in probe.records}
    found = [
        lookup for lookup in lookups
        if lookup.status is SelectorStatus.FOUND and not {r.text for r in lookup.records} <= wildcard_texts
    ]
    failed = [lookup for lookup in lookups if lookup.status is SelectorStatus.LOOKUP_FAILED]
    return Discovery(tuple(names), tuple(found), tuple(failed), bool(wildcard_texts))
