"""Bounded byte streams: counting, sniffing and decompressing without trusting the input.

Every reader charges a shared `Budget` (one per top-level input) for the bytes it produces, so a
gzip or zip bomb, or an endless stream, is refused after bounded work and memory, wherever in the
nesting it sits. gzip (RFC 1952) members may be concatenated; a few bytes of white space after the
last member (seen from Mimecast) are tolerated, anything else is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.limits import Limits
from inboxready.reports.parse.xmlsafe import Readable

CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class Budget:
    """Decompressed bytes produced so far for one input, against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.produced = 0

    def charge(self, produced: int) -> None:
        self.produced += produced
        if self.produced > self.limits.max_decompressed_bytes:
            raise ReportRejected(
                QuarantineReason.TOO_LARGE,
                f"decompresses to more than {self.limits.max_decompressed_bytes} bytes",
            )

    def check_ratio(self, produced: int, consumed: int) -> None:
        if produced > self.limits.ratio_grace_bytes and produced > self.limits.max_ratio * max(consumed, 1):
            raise ReportRejected(
                QuarantineReason.RATIO_EXCEEDED,
                f"compression ratio above {self.limits.max_ratio:g}:1 (a decompression bomb)",
            )


class CappedReader:
    """Counts bytes read from `source` and refuses more than `cap`; keeps the first bytes as evidence."""

    def __init__(self, source: Readable, cap: int, keep: int = 0) -> None:
        self._source = source
        self._cap = cap
        self._keep = keep
        self.head = bytearray()
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        want = CHUNK if size is None or size < 0 else size
        chunk = self._source.read(min(want, self._cap + 1 - self.count) or 1)
        self.count += len(chunk)
        if self.count > self._cap:
            raise ReportRejected(QuarantineReason.TOO_LARGE, f"input is larger than {self._cap} bytes")
        if len(self.head) < self._keep:
            self.head += chunk[: self._keep - len(self.head)]
        return chunk

    def read_all(self) -> bytes:
        parts = []
        while chunk := self.read(CHUNK):
            parts.append(chunk)
        return b"".join(parts)


class PeekReader:
    """A reader whose first bytes can be looked at before parsing starts."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._buffer = b""

    def peek(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self._source.read(size - len(self._buffer))
            if not chunk:
                break
            self._buffer += chunk
        return self._buffer[:size]

    def read(self, size: int = -1, /) -> bytes:
        if self._buffer:
            if size is None or size < 0 or size >= len(self._buffer):
                out, self._buffer = self._buffer, b""
                return out
            out, self._buffer = self._buffer[:size], self._buffer[size:]
            return out
        return self._source.read(size)


class GzipReader:
    """Streams the decompressed content of gzip data, member after member, within the budget."""

    def __init__(self, source: Readable, budget: Budget) -> None:
        self._source = source
        self._budget = budget
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._consumed = 0
        self._produced = 0
        self._done = False

    def _fill(self) -> bool:
        if not self._pending:
            self._pending = self._source.read(CHUNK)
            self._consumed += len(self._pending)
        return bool(self._pending)

    def read(self, size: int = -1, /) -> bytes:
        want = CHUNK if size is None or size < 0 else max(size, 1)
        while not self._done:
            if self._inflater.eof:
                self._next_member()
                continue
            if not self._inflater.unconsumed_tail and not self._fill():
                raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, "truncated gzip stream")
            data = self._inflater.unconsumed_tail or self._pending
            if not self._inflater.unconsumed_tail:
                self._pending = b""
            out = self._inflate(data, want)
            if out:
                return out
        return b""

    def _inflate(self, data: bytes, want: int) -> bytes:
        try:
            out = self._inflater.decompress(data, want)
        except zlib.error as exc:
            raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, f"corrupt gzip stream: {exc}") from None
        if self._inflater.eof:
            self._pending = self._inflater.unused_data + self._pending
        self._produced += len(out)
        self._budget.charge(len(out))
        # At the end of a member zlib reports the rest in unused_data *and* unconsumed_tail: count it once.
        tail = 0 if self._inflater.eof else len(self._inflater.unconsumed_tail)
        inflated_from = self._consumed - len(self._pending) - tail
        self._budget.check_ratio(self._produced, inflated_from)
        return out

    def _next_member(self) -> None:
        while len(self._pending) < 2 and (more := self._source.read(CHUNK)):
            self._consumed += len(more)
            self._pending += more
        if self._pending.startswith(GZIP_MAGIC):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return
        tail = self._pending + self._source.read(64)
        if tail.strip(b" \t\r\n\x00"):
            raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, "unexpected data after the gzip stream")
        self._done = True


class TranslatingReader:
    """Turns a third-party reader's errors into a quarantine reason (one boundary, typed)."""

    def __init__(
        self, source: Readable, errors: tuple[type[BaseException], ...], describe: Callable[[BaseException], str]
    ) -> None:
        self._source = source
        self._errors = errors
        self._describe = describe

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._source.read(size)
        except self._errors as exc:
            raise ReportRejected(QuarantineReason.CORRUPT_ARCHIVE, self._describe(exc)) from None


class BudgetReader:
    """Charges the budget for bytes that come out of a decompressor we do not drive ourselves."""

    def __init__(self, source: Readable, budget: Budget, compressed_size: int) -> None:
        self._source = source
        self._budget = budget
        self._compressed = compressed_size
        self._produced = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(CHUNK if size is None or size < 0 else size)
        self._produced += len(chunk)
        self._budget.charge(len(chunk))
        self._budget.check_ratio(self._produced, self._compressed)
        return chunk
