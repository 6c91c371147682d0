"""Header hygiene of one message: what receivers and filters check before they read a word.

- RFC 5322 3.6: exactly one From (one mailbox, RFC 7489 6.6.1), one Date (3.3 syntax), Message-ID
  (3.6.4), at most one of the single-instance fields; 2.1.1: lines of at most 998 characters.
- RFC 2045/2046: MIME-Version, multipart boundaries, transfer encodings; a text/plain alternative
  beside HTML (5.1.4).
- RFC 2369 / RFC 8058: List-Unsubscribe with one-click List-Unsubscribe-Post for bulk mail;
  RFC 2919 List-Id and Precedence for lists.

`check_headers` is pure: bytes in, a `HeaderReport` (facts + findings) out.
"""

from __future__ import annotations

import email.errors
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage, Message
from typing import Any

from inboxready.dmarc.orgdomain import organizational_domain_or_self
from inboxready.findings.model import Finding, Severity
from inboxready.findings.registry import make_finding
from inboxready.message.parse import ParsedMessage, split_header_section

MAX_LINE = 998
SINGLE_FIELDS = ("date", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to", "references",
                 "subject")
BULK_PRECEDENCE = ("bulk", "list", "junk")
ONE_CLICK = "list-unsubscribe=one-click"
_MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_HEADER_PARSE_ERRORS = (email.errors.HeaderParseError, ValueError, IndexError, TypeError, AttributeError)


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """The List-Unsubscribe offer of a message (RFC 2369 3.2, RFC 8058 3.1)."""

    uris: tuple[str, ...] = ()
    post: str | None = None

    @property
    def present(self) -> bool:
        return bool(self.uris)

    @property
    def https_uri(self) -> str | None:
        return next((u for u in self.uris if u.lower().startswith("https://")), None)

    @property
    def one_click(self) -> bool:
        """An https URI and 'List-Unsubscribe-Post: List-Unsubscribe=One-Click' (DKIM coverage aside)."""
        return self.https_uri is not None and (self.post or "").replace(" ", "").lower() == ONE_CLICK

    def to_dict(self) -> dict[str, Any]:
        return {"uris": list(self.uris), "post": self.post, "one_click": self.one_click}


@dataclass(frozen=True, slots=True)
class HeaderReport:
    from_address: str | None
    from_domain: str | None
    subject: str | None
    message_id: str | None
    date: str | None
    bulk: bool
    unsubscribe: Unsubscribe
    list_id: str | None
    precedence: str | None
    #: Content types of the MIME leaves, in order (e.g. ["text/plain", "text/html"]).
    parts: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_address,
            "from_domain": self.from_domain,
            "subject": self.subject,
            "message_id": self.message_id,
            "date": self.date,
            "bulk": self.bulk,
            "list_unsubscribe": self.unsubscribe.to_dict(),
            "list_id": self.list_id,
            "precedence": self.precedence,
            "parts": list(self.parts),
        }


def check_headers(message: ParsedMessage, *, bulk: bool | None = None) -> HeaderReport:
    """Header and MIME findings for `message`; `bulk` overrides the guess from its headers."""
    findings: list[Finding] = []
    from_address = _check_from(message, findings)
    from_domain = from_address.domain.lower().rstrip(".") if from_address is not None else None
    date = _check_date(message, findings)
    message_id = _check_message_id(message, findings)
    subject = _check_subject(message, findings)
    _check_duplicates(message, findings)
    _check_reply_to(message, from_domain, findings)
    _check_line_lengths(message.raw, findings)
    parts = _check_mime(message, findings)
    unsubscribe = _unsubscribe(message)
    precedence = (message.first_text("Precedence") or "").lower() or None
    list_id = message.first_text("List-Id")
    is_bulk = bulk if bulk is not None else bool(
        precedence in BULK_PRECEDENCE or list_id or unsubscribe.present
    )
    if is_bulk:
        _check_bulk(unsubscribe, list_id, precedence, findings)
    return HeaderReport(
        from_address=from_address.addr_spec if from_address is not None else None,
        from_domain=from_domain,
        subject=subject,
        message_id=message_id,
        date=date,
        bulk=is_bulk,
        unsubscribe=unsubscribe,
        list_id=list_id,
        precedence=precedence,
        parts=tuple(parts),
        findings=tuple(findings),
    )


def parse_addresses(value: str) -> tuple[list[Address], bool]:
    """Mailboxes in an address header value, and whether the value parsed without defects."""
    try:
        header = email.policy.default.header_factory("From", value)
        addresses = list(header.addresses)
        return addresses, not header.defects
    except _HEADER_PARSE_ERRORS:
        return [], False


def valid_domain(domain: str) -> bool:
    """A host name with at least two LDH labels (IDNs are tried in their A-label form)."""
    try:
        ascii_name = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_name.split(".")
    return len(labels) >= 2 and all(_LABEL.match(label) for label in labels)


def _check_from(message: ParsedMessage, findings: list[Finding]) -> Address | None:
    from_fields = message.all("From")
    if not from_fields:
        findings.append(make_finding("msg-no-from", "From", "The message has no From header (RFC 5322 3.6)."))
        return None
    if len(from_fields) > 1:
        findings.append(make_finding(
            "msg-multiple-from", "From",
            f"The message has {len(from_fields)} From headers; receivers reject or cannot evaluate DMARC.",
            data={"count": len(from_fields)},
        ))
    addresses, clean = parse_addresses(from_fields[0].text())
    if len(addresses) > 1:
        findings.append(make_finding(
            "msg-multiple-from", "From",
            f"The From header names {len(addresses)} mailboxes; DMARC needs exactly one author (RFC 7489 6.6.1).",
            data={"count": len(addresses)},
        ))
    first = addresses[0] if addresses else None
    if first is None or not clean or not first.username or not valid_domain(first.domain):
        findings.append(make_finding(
            "msg-bad-from", "From", f"The From header {from_fields[0].text()!r} does not hold a valid address.",
        ))
        return first if first is not None and first.domain and valid_domain(first.domain) else None
    return first


def _check_date(message: ParsedMessage, findings: list[Finding]) -> str | None:
    text = message.first_text("Date")
    if text is None:
        findings.append(make_finding("msg-no-date", "Date", "The message has no Date header (RFC 5322 3.6.1)."))
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        findings.append(make_finding(
            "msg-no-date", "Date", f"The Date header {text!r} is not an RFC 5322 3.3 date-time.",
        ))
        return None
    return parsed.isoformat()


def _check_message_id(message: ParsedMessage, findings: list[Finding]) -> str | None:
    text = message.first_text("Message-ID")
    if text is None:
        findings.append(make_finding(
            "msg-no-message-id", "Message-ID", "The message has no Message-ID header (RFC 5322 3.6.4)."
        ))
        return None
    if not _MSG_ID.match(text):
        findings.append(make_finding(
            "msg-no-message-id", "Message-ID",
            f"The Message-ID {text!r} is not of the form <left@right> (RFC 5322 3.6.4).",
        ))
    return text


def _check_subject(message: ParsedMessage, findings: list[Finding]) -> str | None:
    subject_field = message.mime.get("Subject") if message.count("Subject") else None
    subject = str(subject_field).strip() if subject_field is not None else None
    if not subject:
        what = "an empty Subject header" if subject_field is not None else "no Subject header"
        findings.append(make_finding("msg-no-subject", "Subject", f"The message has {what}."))
    return subject


def _check_duplicates(message: ParsedMessage, findings: list[Finding]) -> None:
    for name in SINGLE_FIELDS:
        count = message.count(name)
        if count > 1:
            findings.append(make_finding(
                "msg-duplicate-header", name.title(),
                f"{name.title()} occurs {count} times; RFC 5322 3.6 allows it at most once.",
                data={"field": name, "count": count},
            ))


def _check_reply_to(message: ParsedMessage, from_domain: str | None, findings: list[Finding]) -> None:
    text = message.first_text("Reply-To")
    if text is None or from_domain is None:
        return
    addresses, _ = parse_addresses(text)
    from_org = organizational_domain_or_self(from_domain)
    for address in addresses:
        domain = address.domain.lower().rstrip(".")
        if domain and valid_domain(domain) and organizational_domain_or_self(domain) != from_org:
            findings.append(make_finding(
                "msg-reply-to-mismatch", "Reply-To",
                f"Replies go to {address.addr_spec}, outside the From domain's organization ({from_org}).",
                data={"reply_to": address.addr_spec, "from_domain": from_domain},
            ))
            return


def _check_line_lengths(raw: bytes, findings: list[Finding]) -> None:
    long_lines = [n for n, line in enumerate(raw.split(b"\n"), start=1) if len(line.rstrip(b"\r")) > MAX_LINE]
    if long_lines:
        header, _ = split_header_section(raw)
        where = "header" if long_lines[0] <= header.count(b"\n") + 1 else "body"
        findings.append(make_finding(
            "msg-long-line", f"line {long_lines[0]}",
            f"{len(long_lines)} line(s) exceed 998 characters (RFC 5322 2.1.1), the first in the {where} "
            f"at line {long_lines[0]}.",
            data={"lines": long_lines[:20], "count": len(long_lines)},
        ))


def _check_mime(message: ParsedMessage, findings: list[Finding]) -> list[str]:
    problems: list[str] = []
    if message.bad_header_lines:
        problems.append(f"header line {message.bad_header_lines[0]} is not a header field")
    if _uses_mime(message) and message.count("MIME-Version") == 0:
        problems.append("MIME content without a MIME-Version header (RFC 2045 4)")
    header, _ = split_header_section(message.raw)
    try:
        header.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("header bytes that are neither ASCII nor UTF-8 (RFC 6532)")
    leaves: list[str] = []
    for part in message.mime.walk():
        if part.is_multipart():
            problems.extend(_defects(part))
            continue
        try:
            part.get_payload(decode=True)  # records transfer-encoding defects on the part
        except _HEADER_PARSE_ERRORS as exc:
            problems.append(f"{part.get_content_type()} part cannot be decoded: {exc}")
        problems.extend(_defects(part))
        if not _is_attachment(part):
            leaves.append(part.get_content_type())
    if problems:
        findings.append(make_finding(
            "msg-mime-malformed", "MIME",
            problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "") + ".",
            data={"problems": sorted(set(problems))},
        ))
    if "text/html" in leaves and "text/plain" not in leaves:
        findings.append(make_finding(
            "msg-missing-text-part", "MIME",
            "The message has an HTML body but no text/plain alternative (RFC 2046 5.1.4).",
        ))
    return leaves


def _uses_mime(message: ParsedMessage) -> bool:
    return any(message.count(name) for name in ("Content-Type", "Content-Transfer-Encoding"))


def _defects(part: Message) -> list[str]:
    out = []
    for defect in part.defects:
        description = (defect.__doc__ or type(defect).__name__).strip().splitlines()[0].rstrip(".")
        out.append(f"{part.get_content_type()}: {description}")
    return out


def _is_attachment(part: Message) -> bool:
    if isinstance(part, EmailMessage):
        return part.is_attachment()
    return (part.get("Content-Disposition") or "").lower().startswith("attachment")


def _unsubscribe(message: ParsedMessage) -> Unsubscribe:
    text = message.first_text("List-Unsubscribe")
    if text is None:
        return Unsubscribe()
    uris = tuple(uri.strip() for uri in re.findall(r"<([^<>]*)>", text) if uri.strip())
    return Unsubscribe(uris=uris, post=message.first_text("List-Unsubscribe-Post"))


def _check_bulk(unsubscribe: Unsubscribe, list_id: str | None, precedence: str | None,
                findings: list[Finding]) -> None:
    if not unsubscribe.present:
        findings.append(make_finding(
            "msg-no-unsubscribe", "List-Unsubscribe",
            "This is bulk mail but it has no List-Unsubscribe header (RFC 2369, RFC 8058).",
        ))
    elif not unsubscribe.one_click:
        missing = []
        if unsubscribe.https_uri is None:
            missing.append("an https URI in List-Unsubscribe")
        if (unsubscribe.post or "").replace(" ", "").lower() != ONE_CLICK:
            missing.append("'List-Unsubscribe-Post: List-Unsubscribe=One-Click'")
        findings.append(make_finding(
            "msg-no-one-click", "List-Unsubscribe",
            "List-Unsubscribe does not offer one-click unsubscription: missing "
            f"{' and '.join(missing)} (RFC 8058 3.1).",
        ))
    if list_id is None and precedence is None:
        findings.append(make_finding(
            "msg-bulk-no-list-id", "List-Id",
            "Bulk mail without List-Id (RFC 2919) or 'Precedence: bulk'.",
            severity=Severity.INFO,
        ))
