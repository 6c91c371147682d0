"""From one input (a file, an attachment, a message) to the reports it carries.

Containers are recognised by their content, not their name: gzip (RFC 1952), zip, XML (aggregate
report), JSON (RFC 8460 TLS report), and Internet messages (RFC 5322/2045) whose attachments are
extracted in turn (RFC 7489 section 7.2.1.1 media types, RFC 8460 section 5.3 application/tlsrpt+gzip)
or whose message/feedback-report part is a failure report (RFC 6591). Every refusal becomes a
`Rejected` item with its reason and the first bytes of the input as evidence; the caller goes on.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO

from inboxready.reports.parse.aggregate import AggregateStream
from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.items import AggregateItem, Attachment, Extracted, Rejected, TlsItem
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.parse.message import extract_message
from inboxready.reports.parse.streams import (
    GZIP_MAGIC,
    Budget,
    BudgetReader,
    CappedReader,
    GzipReader,
    PeekReader,
    TranslatingReader,
)
from inboxready.reports.parse.tls import parse_tls_report
from inboxready.reports.parse.xmlsafe import Readable

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_JSON_CAP = 32 * 1024 * 1024


class _Context:
    def __init__(self, limits: Limits, evidence: Callable[[], bytes]) -> None:
        self.limits = limits
        self.budget = Budget(limits)
        self.evidence = evidence


def _kind(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            return "xml" if bom != _BOMS[0] or text[3:].lstrip().startswith(b"<") else "json"
    text = text.lstrip()
    if not text:
        return "empty"
    if text.startswith(b"<"):
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json"
    first_line = text.split(b"\n", 1)[0]
    if first_line.startswith(b"From ") or _looks_like_header(first_line):
        return "message"
    return "unknown"


def _sniff(reader: PeekReader) -> str:
    """The content kind from the first bytes, looking past up to 1 MiB of leading white space."""
    for size in (512, 65536, 1024 * 1024):
        head = reader.peek(size)
        kind = _kind(head)
        if kind != "empty" or len(head) < size:
            return kind
    return "unknown"


def _looks_like_header(line: bytes) -> bool:
    name, colon, _ = line.partition(b":")
    return bool(colon) and 0 < len(name) < 80 and all(33 <= c <= 126 for c in name)


def extract(
    name: str, source: Readable, limits: Limits = DEFAULT_LIMITS, *, hint: str = ""
) -> Iterator[Extracted]:
    """The reports in one input, lazily; an AggregateItem must be consumed before the next item.

    `hint` "message" forces message parsing (for mailbox and IMAP sources).
    """
    raw = CappedReader(source, limits.max_input_bytes, keep=limits.max_quarantine_bytes)
    context = _Context(limits, lambda: bytes(raw.head))
    try:
        yield from _extract(name, PeekReader(raw), context, depth=0, hint=hint)
    except ReportRejected as exc:
        yield Rejected(name, exc.reason, exc.detail, bytes(raw.head))


def _extract(name: str, reader: PeekReader, context: _Context, depth: int, hint: str = "") -> Iterator[Extracted]:
    if depth > context.limits.max_nesting:
        raise ReportRejected(QuarantineReason.NESTING_TOO_DEEP, f"more than {context.limits.max_nesting} "
                             "nested containers")
    kind = hint or _sniff(reader)
    if kind == "empty":
        raise ReportRejected(QuarantineReason.EMPTY, "no content")
    if kind == "gzip":
        yield from _extract(_inner_name(name), PeekReader(GzipReader(reader, context.budget)), context, depth + 1)
    elif kind == "zip":
        yield from _extract_zip(name, reader, context, depth)
    elif kind == "xml":
        yield AggregateItem(name, AggregateStream(reader, context.limits), context.evidence)
    elif kind == "json":
        data = CappedReader(reader, min(_JSON_CAP, context.limits.max_decompressed_bytes)).read_all()
        yield TlsItem(name, parse_tls_report(data, context.limits))
    elif kind == "message":
        yield from _extract_message(name, reader, context, depth)
    else:
        raise ReportRejected(QuarantineReason.NOT_A_REPORT, "content is not XML, JSON, gzip, zip or a message")


def _inner_name(name: str) -> str:
    for suffix in (".gz", ".gzip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _extract_zip(name: str, reader: PeekReader, context: _Context, depth: int) -> Iterator[Extracted]:
    limits = context.limits
    data = CappedReader(reader, limits.max_input_bytes).read_all()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.filename.endswith("/")]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, f"truncated or corrupt zip archive: {exc}") from None
    if not members:
        raise ReportRejected(QuarantineReason.EMPTY, "zip archive without files")
    if len(members) > limits.max_archive_members:
        raise ReportRejected(
            QuarantineReason.TOO_LARGE, f"zip archive with more than {limits.max_archive_members} files"
        )
    declared = sum(m.file_size for m in members)
    if declared > limits.max_decompressed_bytes:
        raise ReportRejected(QuarantineReason.TOO_LARGE, f"zip archive declares {declared} bytes")
    for member in members:
        if member.flag_bits & 0x1:
            raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, f"zip member {member.filename!r} is encrypted")
        if member.file_size > limits.ratio_grace_bytes and member.file_size > limits.max_ratio * max(
            member.compress_size, 1
        ):
            raise ReportRejected(QuarantineReason.RATIO_EXCEEDED, f"zip member {member.filename!r} has a compression "
                                 f"ratio above {limits.max_ratio:g}:1 (a decompression bomb)")
    for member in members:
        yield from _extract_member(archive, member, context, depth)


def _extract_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, context: _Context, depth: int
) -> Iterator[Extracted]:
    try:
        handle: IO[bytes] = archive.open(member)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, zlib.error) as exc:
        raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, f"zip member {member.filename!r}: {exc}") from None
    with handle:
        reader = TranslatingReader(
            BudgetReader(handle, context.budget, member.compress_size),
            (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError),
            lambda exc: f"corrupt zip member {member.filename!r}: {exc}",
        )
        yield from _extract(member.filename, PeekReader(reader), context, depth + 1)


def _extract_message(name: str, reader: PeekReader, context: _Context, depth: int) -> Iterator[Extracted]:
    data = CappedReader(reader, context.limits.max_input_bytes).read_all()
    for part in extract_message(name, data, context.limits):
        if not isinstance(part, Attachment):
            yield part
            continue
        cap = context.limits.max_quarantine_bytes
        evidence = part.payload[:cap]
        inner = _Context(context.limits, partial(bytes, evidence))
        inner.budget = context.budget
        try:
            yield from _extract(part.name, PeekReader(io.BytesIO(part.payload)), inner, depth + 1)
        except ReportRejected as exc:
            yield Rejected(part.name, exc.reason, exc.detail, evidence)
