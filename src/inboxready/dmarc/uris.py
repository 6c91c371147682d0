"""DMARC reporting URIs in rua and ruf (RFC 7489 sections 6.2 and 6.4, RFC 9989 section 4.6).

RFC 7489: `dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]`, the suffix a size limit in
powers of two. RFC 9989 removed the size limit (commas and "!" in a URI must be percent-encoded).
Receivers must support mailto: and ignore schemes they do not support. Pure: no I/O.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from inboxready.dmarc.tags import DmarcMode

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)
_SIZE_RE = re.compile(r"^(.*)!(\d+)([kmgtKMGT]?)$", re.DOTALL)
_ADDRESS_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


@dataclass(frozen=True, slots=True)
class ReportUri:
    """One destination. `host` is the domain that receives the reports (A-label, lower case)."""

    uri: str
    scheme: str
    address: str | None = None
    host: str | None = None
    size_limit: str | None = None

    @property
    def max_bytes(self) -> int | None:
        """The RFC 7489 size limit in bytes (k, m, g, t are powers of two), if one is given."""
        if self.size_limit is None:
            return None
        match = re.fullmatch(r"(\d+)([kmgt]?)", self.size_limit)
        assert match is not None
        return int(match.group(1)) * _UNITS[match.group(2)]

    def to_text(self) -> str:
        return f"{self.uri}!{self.size_limit}" if self.size_limit else self.uri


@dataclass(frozen=True, slots=True)
class UriProblem:
    """What is wrong with one URI; `replacement` is the corrected URI text, None to drop it."""

    code: str
    severity: str  # "error" | "warning"
    message: str
    replacement: str | None


def host_to_ascii(host: str, min_labels: int = 2) -> str | None:
    """A lower-case A-label form of a host name, or None when it is not a valid host name."""
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if len(labels) < min_labels or not all(_LABEL_RE.match(label) for label in labels):
        return None
    if labels[-1].isdigit():
        return None
    return ascii_host


def parse_report_uri(text: str, mode: DmarcMode) -> tuple[ReportUri | None, list[UriProblem]]:
    """Parse one URI of a rua/ruf list; the URI is None when it cannot be used at all."""
    problems: list[UriProblem] = []
    raw = text.strip()
    if not raw:
        problems.append(UriProblem("dmarc-syntax", "error", "an empty report URI", None))
        return None, problems
    if any(ch.isspace() for ch in raw):
        squeezed = "".join(raw.split())
        problems.append(UriProblem("dmarc-syntax", "error", f"report URI {raw!r} contains spaces", squeezed))
        uri, more = parse_report_uri(squeezed, mode)
        return uri, problems + more
    match = _SCHEME_RE.match(raw)
    if match is None:
        if _ADDRESS_RE.match(raw):
            fixed = f"mailto:{raw}"
            problems.append(UriProblem("dmarc-syntax", "error", f"report URI {raw!r} lacks the mailto: scheme", fixed))
            uri, more = parse_report_uri(fixed, mode)
            return uri, problems + more
        problems.append(UriProblem("dmarc-syntax", "error", f"{raw!r} is not a URI (no scheme)", None))
        return None, problems
    scheme, rest = match.group(1).lower(), match.group(2)
    size_limit: str | None = None
    size = _SIZE_RE.match(rest)
    if size is not None:
        rest, size_limit = size.group(1), size.group(2) + size.group(3).lower()
        if mode is DmarcMode.DMARCBIS:
            problems.append(
                UriProblem(
                    "dmarc-syntax",
                    "warning",
                    f"size limit !{size_limit} on {scheme}:{rest}: RFC 9989 removed report size limits "
                    "(an unencoded '!' is not allowed in its URIs)",
                    f"{scheme}:{rest}",
                )
            )
            size_limit = None
    if scheme == "mailto":
        return _mailto(rest, size_limit, problems)
    return _other_uri(scheme, rest, size_limit, problems)


def _mailto(rest: str, size_limit: str | None, problems: list[UriProblem]) -> tuple[ReportUri | None, list[UriProblem]]:
    address_part, _, headers = rest.partition("?")
    address = urllib.parse.unquote(address_part)
    written = f"mailto:{address_part}"
    if not _ADDRESS_RE.match(address):
        problems.append(UriProblem("dmarc-syntax", "error", f"{written!r} has no valid e-mail address", None))
        return None, problems
    local, _, domain = address.rpartition("@")
    host = host_to_ascii(domain)
    if host is None:
        problems.append(
            UriProblem("dmarc-syntax", "error", f"{written!r}: {domain!r} is not a valid domain name", None)
        )
        return None, problems
    if headers:
        problems.append(
            UriProblem(
                "dmarc-syntax",
                "warning",
                f"{written}?{headers}: receivers ignore mailto: header fields",
                _with_size(written, size_limit),
            )
        )
    uri = ReportUri(uri=written, scheme="mailto", address=f"{local}@{host}", host=host, size_limit=size_limit)
    return uri, problems


def _other_uri(
    scheme: str, rest: str, size_limit: str | None, problems: list[UriProblem]
) -> tuple[ReportUri | None, list[UriProblem]]:
    written = f"{scheme}:{rest}"
    host: str | None = None
    if scheme in ("http", "https"):
        parts = urllib.parse.urlsplit(written)
        host = host_to_ascii(parts.hostname or "")
        if host is None:
            problems.append(UriProblem("dmarc-syntax", "error", f"{written!r} has no valid host", None))
            return None, problems
    problems.append(
        UriProblem(
            "dmarc-unsupported-uri",
            "warning",
            f"{written}: receivers only have to support mailto: report URIs",
            _with_size(written, size_limit),
        )
    )
    return ReportUri(uri=written, scheme=scheme, host=host, size_limit=size_limit), problems


def _with_size(uri: str, size_limit: str | None) -> str:
    return f"{uri}!{size_limit}" if size_limit else uri
