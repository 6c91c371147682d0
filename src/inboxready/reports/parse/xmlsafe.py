"""A hardened, streaming XML reader for reports from strangers.

libxml2 (through lxml) with: no DTD loading, no entity resolution, no network, no huge-tree mode
(text nodes and depth stay within libxml2's default limits). On top of that any document type
declaration is refused outright: the prolog is checked before parsing, and the parser's own view of
it at the first element (for encodings the prolog check cannot read). That refuses XXE (external
entities), "billion laughs" (entity expansion) and DTD fetching alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from lxml import etree

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class _PrologGuard:
    """Passes bytes through, refusing a DTD declared before the root element."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._head = b""
        self._checked = False
        self.content_seen = False

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(size)
        if not self.content_seen and chunk.strip(b" \t\r\n\x00\xef\xbb\xbf"):
            self.content_seen = True
        if not self._checked:
            self._head = (self._head + chunk)[-65536:] if chunk else self._head
            root = _ROOT_START.search(self._head)
            end = root.start() if root else len(self._head)
            if _DECLARATION.search(self._head, 0, end):
                raise ReportRejected(QuarantineReason.DTD_FORBIDDEN, "document type declaration (DTD) refused")
            if root or not chunk:
                self._checked = True
        return chunk


def local_name(tag: object) -> str:
    """'record' for '{urn:ietf:params:xml:ns:dmarc-2.0}record' (and for 'record')."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def iterparse_safe(source: Readable) -> Iterator[tuple[str, etree._Element]]:
    """(event, element) pairs, "start" and "end", from a hardened streaming parse.

    Raises ReportRejected for a DTD or a document that is not well-formed; exceptions raised by
    the source (size caps of a decompressing reader) pass through unchanged.
    """
    guard = _PrologGuard(source)
    events = etree.iterparse(
        guard,
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        dtd_validation=False,
        recover=False,
    )
    first = True
    try:
        for event, element in events:
            if first:
                first = False
                docinfo = element.getroottree().docinfo
                if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
                    raise ReportRejected(QuarantineReason.DTD_FORBIDDEN, "document type declaration (DTD) refused")
            yield event, element
    except etree.XMLSyntaxError as exc:
        if not guard.content_seen:
            raise ReportRejected(QuarantineReason.EMPTY, "no XML content") from None
        raise ReportRejected(QuarantineReason.MALFORMED_XML, f"not well-formed XML: {exc}") from None
