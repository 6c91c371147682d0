"""Hostile inputs end quarantined after bounded work and memory, and the run goes on.

Memory is measured with tracemalloc (Python allocations; libxml2 keeps its own limits, huge_tree
off). Large inputs are generated lazily: nothing here holds a large document in memory.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from inboxready.reports.parse import DEFAULT_LIMITS, AggregateItem, Limits, Rejected, ReportRejected, extract
from tests.reports.factory import (
    Rec,
    aggregate_xml,
    gzipped,
    header_xml,
    random_records,
    record_xml,
    report_email,
    zipped,
)

MiB = 1024 * 1024
MEMORY_BOUND = 50 * MiB


class LazyStream:
    """A read()-able stream over generated chunks; counts what was pulled."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self.pulled = 0

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        size = len(self._buffer) if size < 0 else size
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.pulled += len(out)
        return out


def outcome(source: Any, limits: Limits = DEFAULT_LIMITS, name: str = "input") -> list[tuple[str, str]]:
    """[(kind, detail)] for every item: ("quarantined:<reason>", detail) or ("aggregate", messages)."""
    out = []
    for item in extract(name, source, limits):
        if isinstance(item, Rejected):
            out.append((f"quarantined:{item.reason.value}", item.detail))
        elif isinstance(item, AggregateItem):
            try:
                out.append(("aggregate", str(sum(r.count for r in item.stream.records()))))
            except ReportRejected as exc:
                out.append((f"quarantined:{exc.reason.value}", exc.detail))
        else:
            out.append((type(item).__name__, ""))
    return out


def bounded(run: Callable[[], list[tuple[str, str]]]) -> tuple[list[tuple[str, str]], int]:
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


GOOD = aggregate_xml([Rec("192.0.2.1", 3)])

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE feedback SYSTEM "http://127.0.0.1:9/evil.dtd"><feedback/>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">""" + b"".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
) + b"""]><feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>"""

PARAMETER_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % a "AAAAAAAAAA"><!ENTITY % b "%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;">
<!ENTITY % c "%b;%b;%b;%b;%b;%b;%b;%b;%b;%b;"><!ENTITY big "%c;%c;%c;%c;%c;%c;%c;%c;%c;%c;">]>
<feedback>&big;</feedback>"""


@pytest.mark.parametrize(
    ("document", "why"),
    [
        (XXE, "external entity (XXE)"),
        (EXTERNAL_DTD, "external DTD fetch"),
        (LAUGHS, "billion laughs"),
        (PARAMETER_LAUGHS, "parameter-entity expansion"),
        (XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"), "XXE in UTF-16"),
        (b"\n" * 70000 + XXE.split(b"?>", 1)[1], "DTD after 70 KB of white space"),
    ],
)
def test_dtd_refused(document: bytes, why: str) -> None:
    result, peak = bounded(lambda: outcome(io.BytesIO(document)))
    assert result == [("quarantined:dtd-forbidden", "document type declaration (DTD) refused")], why
    assert peak < MEMORY_BOUND


def test_gzip_bomb_refused_by_ratio() -> None:
    # 1 GiB of "A" inside an element: one gzip member of 1 MiB repeated 1024 times, about 1 MB in all.
    member = gzip.compress(b"A" * MiB, mtime=0)
    head = gzip.compress(b"<feedback><report_metadata><org_name>", mtime=0)
    stream = LazyStream(iter([head, *([member] * 1024)]))
    result, peak = bounded(lambda: outcome(stream))
    assert result[0][0] == "quarantined:ratio-exceeded"
    assert stream.pulled < 4 * MiB and peak < MEMORY_BOUND


def test_zip_bomb_refused_before_inflating() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("report.xml", "w") as member:
        for _ in range(64):
            member.write(b"\0" * MiB)
    assert len(data.getvalue()) < 200_000
    result, peak = bounded(lambda: outcome(io.BytesIO(data.getvalue())))
    assert result[0][0] == "quarantined:ratio-exceeded"
    assert peak < MEMORY_BOUND


def test_zip_declaring_more_than_the_cap_is_refused() -> None:
    limits = Limits(max_decompressed_bytes=10 * MiB)
    data = zipped(GOOD + b" " * (11 * MiB))
    declared = len(GOOD) + 11 * MiB
    assert outcome(io.BytesIO(data), limits)[0] == ("quarantined:too-large", f"zip archive declares {declared} bytes")


def test_zip_lying_about_its_size_is_refused() -> None:
    # The header says 100 bytes; inflating more is stopped at 100 and the CRC check fails.
    data = bytearray(zipped(GOOD))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size in the central directory
    result = outcome(io.BytesIO(bytes(data)))
    assert result[0][0] in ("quarantined:corrupt-archive", "quarantined:malformed-xml"), result


def test_one_gigabyte_gzip_stream_is_refused_after_the_cap() -> None:
    # Realistic records (ratio ~100:1, as real large reports) as 1 MiB gzip members, repeated to 1 GiB;
    # generated lazily.
    block = b"".join(record_xml(r).encode() for r in random_records(3000))  # about 1 MiB of whole records
    member = gzip.compress(block, mtime=0)
    head = gzip.compress(header_xml("big.example", "gig", "example.com", 0, 86399).encode(), mtime=0)
    stream = LazyStream(iter([head, *([member] * 1024)]))
    limits = Limits(max_decompressed_bytes=8 * MiB)
    result, peak = bounded(lambda: outcome(stream, limits))
    assert result == [("quarantined:too-large", f"decompresses to more than {8 * MiB} bytes")]
    assert stream.pulled < 2 * MiB and peak < MEMORY_BOUND


def test_one_gigabyte_text_node_is_refused_with_default_limits() -> None:
    head = b"<?xml version='1.0'?><feedback><report_metadata><org_name>"
    chunk = b"x" * MiB
    stream = LazyStream(iter([head, *([chunk] * 1024)]))
    result, peak = bounded(lambda: outcome(stream))
    assert result == [("quarantined:too-large", f"more than {MiB} bytes of XML without a complete record")]
    assert stream.pulled < 4 * MiB and peak < MEMORY_BOUND


@pytest.mark.parametrize("where", ["after the header", "after a record", "inside a record"])
def test_a_flood_of_small_elements_is_refused(where: str) -> None:
    # 10 million <x/> elements would be a parse tree of gigabytes; the window between records bounds it.
    head = header_xml("flood.example", "flood", "example.com", 0, 1).encode()
    if where == "after a record":
        head += record_xml(Rec("192.0.2.1")).encode()
    elif where == "inside a record":
        head += b"<record><row>"
    stream = LazyStream(itertools.chain([head], itertools.repeat(b"<x/>" * 1024, 10_000)))
    result, peak = bounded(lambda: outcome(stream))
    assert result[-1] == ("quarantined:too-large", f"more than {MiB} bytes of XML without a complete record")
    assert stream.pulled < 4 * MiB and peak < MEMORY_BOUND


def test_endless_uncompressed_stream_is_refused_at_the_input_cap() -> None:
    records = (record_xml(r).encode() for r in _records(10**9))
    stream = LazyStream(itertools.chain([header_xml("x.example", "endless", "example.com", 0, 1).encode()], records))
    limits = Limits(max_input_bytes=4 * MiB)
    result, peak = bounded(lambda: outcome(stream, limits))
    assert result == [("quarantined:too-large", f"input is larger than {4 * MiB} bytes")]
    assert peak < MEMORY_BOUND


def _records(n: int) -> Iterator[Rec]:
    for i in range(n):
        yield Rec(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", count=i % 97 + 1,
                  dkim_auth=(("example.com", f"s{i % 7}", "pass"),), spf_auth=(("example.com", "pass"),))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzipped(GOOD)[:-20], "corrupt-archive"),  # truncated gzip (no CRC trailer)
        (gzipped(GOOD)[: len(gzipped(GOOD)) // 2], "corrupt-archive"),
        (gzipped(GOOD) + b"garbage", "corrupt-archive"),
        (zipped(GOOD)[:-30], "corrupt-archive"),  # truncated zip (no central directory)
        (zipped(GOOD)[:40], "corrupt-archive"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 20, "corrupt-archive"),
    ],
    ids=["gzip-no-trailer", "gzip-half", "gzip-trailing-garbage", "zip-no-directory", "zip-40-bytes",
         "gzip-bad-deflate"],
)
def test_truncated_and_corrupt_archives(data: bytes, reason: str) -> None:
    result, peak = bounded(lambda: outcome(io.BytesIO(data)))
    assert result[0][0] == f"quarantined:{reason}", result
    assert peak < MEMORY_BOUND


def test_zip_with_bad_crc() -> None:
    data = bytearray(zipped(GOOD))
    local = data.find(b"PK\x03\x04")
    data[local + 14] ^= 0xFF  # CRC-32 in the local header
    central = data.rfind(b"PK\x01\x02")
    data[central + 16] ^= 0xFF  # and in the central directory
    assert outcome(io.BytesIO(bytes(data)))[0][0] in ("quarantined:corrupt-archive", "quarantined:malformed-xml")


def test_nesting_is_capped() -> None:
    data = GOOD
    for _ in range(5):
        data = gzipped(data)
    assert outcome(io.BytesIO(data))[0][0] == "quarantined:nesting-too-deep"


def test_record_count_is_capped() -> None:
    data = aggregate_xml(_records(20))
    expected = [("quarantined:too-many-records", "more than 10 records")]
    assert outcome(io.BytesIO(data), Limits(max_records=10)) == expected


def test_field_length_is_capped() -> None:
    data = aggregate_xml([Rec("192.0.2.1")], org="o" * 5000)
    assert outcome(io.BytesIO(data))[0][0] == "quarantined:field-too-long"


def test_non_report_attachment_is_quarantined_and_the_report_beside_it_is_read() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "a@reporter.example"
    message["Subject"] = "report"
    message.set_content("hello")
    message.add_attachment(b"%PDF-1.4 not a report", maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(gzipped(GOOD), maintype="application", subtype="gzip", filename="r.xml.gz")
    result = outcome(io.BytesIO(message.as_bytes()))
    assert result == [("quarantined:not-a-report", "attachment of type application/pdf is not a report"),
                      ("aggregate", "3")]


def test_message_without_reports() -> None:
    data = b"From: someone@example.com\nSubject: hi\n\njust text\n"
    assert outcome(io.BytesIO(data))[0][0] == "quarantined:not-a-report"


def test_deeply_nested_mime_is_refused() -> None:
    depth = 400
    parts = [f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)]
    data = ("From: x@example.com\n" + "".join(parts) + "Content-Type: text/plain\n\nx\n").encode()
    result, peak = bounded(lambda: outcome(io.BytesIO(data)))
    assert result[0][0] == "quarantined:malformed-message"
    assert peak < MEMORY_BOUND


def test_deeply_nested_json_is_refused() -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    assert outcome(io.BytesIO(data))[0][0] == "quarantined:malformed-json"


def test_json_that_is_not_a_tls_report() -> None:
    assert outcome(io.BytesIO(json.dumps({"hello": 1}).encode()))[0][0] == "quarantined:wrong-schema"


def test_garbage_bytes() -> None:
    assert outcome(io.BytesIO(bytes(range(256)) * 4))[0][0] == "quarantined:not-a-report"


def test_memory_is_flat_in_the_number_of_records() -> None:
    def peak_for(n: int) -> int:
        chunks = itertools.chain([header_xml("r.example", f"n{n}", "example.com", 0, 1).encode()],
                                 (record_xml(r).encode() for r in _records(n)), [b"</feedback>"])
        stream = LazyStream(chunks)
        result, peak = bounded(lambda: outcome(stream))
        assert result[0][0] == "aggregate"
        return peak

    small, large = peak_for(500), peak_for(5_000)
    assert large < small * 1.5 + MiB, (small, large)


def test_email_with_gzip_bomb_attachment_keeps_going() -> None:
    bomb = gzip.compress(b"<feedback>" + b" " * (64 * MiB), mtime=0)
    message = report_email(bomb, "bomb.xml.gz")
    result, peak = bounded(lambda: outcome(io.BytesIO(message)))
    assert result[0][0] == "quarantined:ratio-exceeded"
    assert peak < MEMORY_BOUND
