"""Caps applied to reports from strangers: every one bounds work or memory.

A report that exceeds a cap is refused (quarantined with the cap's name), never truncated silently.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    #: Bytes read from one input (a file, an attachment, a message) before decompression.
    max_input_bytes: int = 100 * MiB
    #: Bytes produced by decompressing one report (gzip or zip member), all layers together.
    max_decompressed_bytes: int = 256 * MiB
    #: Decompressed/compressed ratio refused once more than `ratio_grace_bytes` were produced. Real
    #: aggregate reports reach about 100:1 (verbose, repetitive XML); deflate tops out near 1032:1, and
    #: bombs built of repeated bytes sit there.
    max_ratio: float = 500.0
    ratio_grace_bytes: int = 1 * MiB
    #: Archive and container nesting (a .xml.gz.gz is depth 2).
    max_nesting: int = 3
    max_archive_members: int = 16
    #: MIME parts walked in one message.
    max_mime_parts: int = 200
    #: Aggregate <record> elements (or TLS failure-details) in one report.
    max_records: int = 1_000_000
    #: Bytes of XML read without completing a record (or the header): bounds the parse tree.
    max_record_bytes: int = 1 * MiB
    #: Characters in any one field; identity fields (org, report id, domain) are capped lower.
    max_field_length: int = 2048
    max_identity_length: int = 255
    #: Bytes of original headers kept from a failure report.
    max_original_headers: int = 64 * 1024
    #: Bytes of a refused input kept in the quarantine as evidence.
    max_quarantine_bytes: int = 1 * MiB


DEFAULT_LIMITS = Limits()
