"""Domain names as SPF uses them: the initial <domain> check (RFC 7208 4.3) and target names built
from expanded domain-specs (4.8: trailing dot dropped, left side truncated to 253 characters).

Target names are built label by label, never parsed as zone-file text, so that characters such as
a backslash or a space coming from a macro reach the DNS as themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache

import dns.name

_LABEL_RE = re.compile(r"[A-Za-z0-9_-]{1,63}\Z")
MAX_NAME_LENGTH = 253


def ascii_domain(text: str) -> str | None:
    """The ASCII (A-label) form of a domain; None when it cannot be encoded."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def is_valid_domain(text: str) -> bool:
    """RFC 7208 4.3: a multi-label name, labels of 1-63 characters, not an address literal."""
    domain = ascii_domain(text)
    if domain is None:
        return False
    domain = domain[:-1] if domain.endswith(".") else domain
    if not domain or len(domain) > MAX_NAME_LENGTH:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return False
    return not labels[-1].isdigit()


@lru_cache(maxsize=65536)
def target_name(text: str) -> dns.name.Name | None:
    """The name to query for an expanded domain-spec; None when it cannot be a DNS name (an empty
    label, or a label over 63 octets), which evaluation treats as a name that does not exist."""
    if text.endswith("."):
        text = text[:-1]
    while len(text) > MAX_NAME_LENGTH and "." in text:
        text = text.split(".", 1)[1]
    labels = [label.encode("utf-8", "surrogateescape") for label in text.split(".")]
    if not text or any(not label or len(label) > 63 for label in labels):
        return None
    try:
        return dns.name.Name([*labels, b""])
    except dns.name.NameTooLong:
        return None


def name_to_text(name: dns.name.Name) -> str:
    """Readable text for a target name (no trailing dot; odd characters left as they are)."""
    return ".".join(label.decode("utf-8", "backslashreplace") for label in name.labels if label)


def same_or_subdomain(name: str, parent: str) -> bool:
    """Case-insensitive: `name` equals `parent` or ends with '.' + parent (ptr matching, 5.5)."""
    n, p = name.rstrip(".").lower(), parent.rstrip(".").lower()
    return n == p or n.endswith("." + p)
