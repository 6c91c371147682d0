"""A hardened, streaming XML reader for reports from strangers.

libxml2 (through lxml) with: no DTD loading, no entity resolution, no network, no huge-tree mode
(text nodes and depth stay within libxml2's default limits). On top of that any document type
declaration is refused outright: the prolog is checked before parsing, and the parser's own view of
it at the first element (for encodings the prolog check cannot read). That refuses XXE (external
entities), "billion laughs" (entity expansion) and DTD fetching alike.

Memory: the caller marks progress (`SafeEvents.mark()`, e.g. after each complete record and once
it has cleared it); more than `window` bytes of input without a mark is refused, so the part of the
tree that exists at any time is bounded whatever the document holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from lxml import etree

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_DTD_REFUSED = "document type declaration (DTD) refused"


class _Guard:
    """Passes bytes through: refuses a DTD before the root element, and too much input between marks."""

    def __init__(self, source: Readable, window: int) -> None:
        self._source = source
        self._head = b""
        self._checked = False
        self._window = window
        self.content_seen = False
        self.count = 0
        self.marked = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(size)
        self.count += len(chunk)
        if self.count - self.marked > self._window:
            raise ReportRejected(
                QuarantineReason.TOO_LARGE, f"more than {self._window} bytes of XML without a complete record"
            )
        if not self.content_seen and chunk.strip(b" \t\r\n\x00\xef\xbb\xbf"):
            self.content_seen = True
        if not self._checked:
            self._head = (self._head + chunk)[-65536:] if chunk else self._head
            root = _ROOT_START.search(self._head)
            end = root.start() if root else len(self._head)
            if _DECLARATION.search(self._head, 0, end):
                raise ReportRejected(QuarantineReason.DTD_FORBIDDEN, _DTD_REFUSED)
            if root or not chunk:
                self._checked = True
        return chunk


def local_name(tag: object) -> str:
    """'record' for '{urn:ietf:params:xml:ns:dmarc-2.0}record' (and for 'record')."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _check_dtd(element: etree._Element) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise ReportRejected(QuarantineReason.DTD_FORBIDDEN, _DTD_REFUSED)


class SafeEvents:
    """("start"|"end", element) for the elements named in `tags` (any namespace), hardened and bounded.

    Raises ReportRejected for a DTD or a document that is not well-formed; exceptions raised by the
    source (size caps of a decompressing reader) pass through unchanged.
    """

    def __init__(self, source: Readable, tags: Sequence[str], window: int) -> None:
        self._guard = _Guard(source, window)
        self._parser = etree.iterparse(
            self._guard,
            events=("start", "end"),
            tag=[f"{{*}}{t}" for t in tags],
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            dtd_validation=False,
            recover=False,
        )
        self.root: etree._Element | None = None

    def mark(self) -> None:
        self._guard.marked = self._guard.count

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        try:
            for event, element in self._parser:
                if self.root is None:
                    _check_dtd(element)
                    self.root = element.getroottree().getroot()
                yield event, element
            if self.root is None:
                self.root = self._parser.root
                if self.root is not None:
                    _check_dtd(self.root)
        except etree.XMLSyntaxError as exc:
            if not self._guard.content_seen:
                raise ReportRejected(QuarantineReason.EMPTY, "no XML content") from None
            raise ReportRejected(QuarantineReason.MALFORMED_XML, f"not well-formed XML: {exc}") from None
