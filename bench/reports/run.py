"""Bench: ingesting generated DMARC aggregate reports into SQLite, beside parsedmarc parsing the same files.

    .venv/bin/python bench/reports/run.py [--reports 500] [--records 200] [--big 100000]

Prints reports/s and records/s for `inboxready` (extract + parse + store in SQLite, one transaction
per report) and for parsedmarc 11 (parse only, offline, no storage), their ratio, and the peak
memory of ingesting one report of --big records (tracemalloc peak, and the process's peak RSS
measured in a child process). parsedmarc is not a dependency: `pip install parsedmarc` into the
venv to compare; without it the bench says so and prints inboxready's figures alone.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.reports.factory import Rec, aggregate_xml, header_xml, random_records, record_xml, zipped  # noqa: E402

from inboxready.reports.ingest import ingest  # noqa: E402
from inboxready.reports.sources import path_items  # noqa: E402
from inboxready.reports.store import ReportStore  # noqa: E402


def generate(folder: Path, reports: int, records: int) -> int:
    """`reports` files (a third each .xml, .xml.gz, .zip); returns the number of records."""
    total = 0
    for i in range(reports):
        n = records // 2 + (i * 7919) % records  # 0.5x to 1.5x the mean
        xml = aggregate_xml(random_records(n, seed=i), org=f"reporter{i % 17}.example", report_id=f"bench-{i}",
                            begin=1767225600 + 86400 * (i % 30), end=1767311999 + 86400 * (i % 30))
        total += n
        kind = i % 3
        if kind == 0:
            (folder / f"r{i}.xml").write_bytes(xml)
        elif kind == 1:
            (folder / f"r{i}.xml.gz").write_bytes(gzip.compress(xml, mtime=0))
        else:
            (folder / f"r{i}.zip").write_bytes(zipped(xml, f"r{i}.xml"))
    return total


def bench_inboxready(folder: Path, db: Path) -> float:
    with ReportStore(f"sqlite:///{db}") as store:  # creating the schema is not timed
        start = time.perf_counter()
        stats = ingest(store, path_items([folder]))
        elapsed = time.perf_counter() - start
    assert stats.quarantined == 0 and stats.ingested == stats.files, stats
    return elapsed


def bench_parsedmarc(folder: Path) -> tuple[float, int] | str:
    try:
        import parsedmarc
    except ImportError:
        return "parsedmarc is not installed (pip install parsedmarc into the venv to compare)"
    files = sorted(folder.iterdir())
    records = 0
    start = time.perf_counter()
    for path in files:
        report = parsedmarc.parse_report_file(str(path), offline=True, always_use_local_files=True)
        records += len(report["report"]["records"])
    return time.perf_counter() - start, records


def big_report(path: Path, records: int) -> None:
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header_xml("big.example", "big-1", "example.com", 1767225600, 1767311999).encode())
        for batch in _batched(random_records(records, seed=99), 1000):
            out.write("".join(record_xml(r) for r in batch).encode())
        out.write(b"</feedback>\n")


def _batched(iterable: Iterable[Rec], n: int) -> Iterator[list[Rec]]:
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, n)):
        yield batch


CHILD = """
import json, resource, sys, time, tracemalloc
from inboxready.reports.ingest import ingest
from inboxready.reports.sources import path_items
from inboxready.reports.store import ReportStore
path, db, traced = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with ReportStore("sqlite:///" + db) as store:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    stats = ingest(store, path_items([path]))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
print(json.dumps({"ingested": stats.ingested, "seconds": elapsed, "tracemalloc_peak": peak,
                  "rss_before_kib": base, "rss_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def bench_big(folder: Path, records: int) -> dict[str, float]:
    path = folder / "big.xml.gz"
    big_report(path, records)
    out: dict[str, float] = {"compressed_mib": path.stat().st_size / 2**20}
    with gzip.open(path, "rb") as handle:
        out["xml_mib"] = sum(len(c) for c in iter(lambda: handle.read(1 << 20), b"")) / 2**20
    for traced in (False, True):
        db = folder / f"big-{int(traced)}.sqlite3"
        result = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db), "1" if traced else "0"],
                                capture_output=True, text=True, check=True, cwd=REPO)
        data = json.loads(result.stdout)
        assert data["ingested"] == 1, data
        if traced:
            out["tracemalloc_peak_mib"] = data["tracemalloc_peak"] / 2**20
        else:
            out["seconds"] = data["seconds"]
            out["rss_before_mib"] = data["rss_before_kib"] / 1024
            out["rss_peak_mib"] = data["rss_peak_kib"] / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--records", type=int, default=200, help="mean records per report")
    parser.add_argument("--big", type=int, default=100_000, help="records in the single big report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inboxready-bench-") as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        records = generate(folder, args.reports, args.records)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        print(f"generated {args.reports} aggregate reports (.xml, .xml.gz, .zip), {records} records, {size:.1f} MiB")
        ours = bench_inboxready(folder, Path(tmp) / "bench.sqlite3")
        print(f"inboxready ingest into SQLite: {ours:.2f} s  {args.reports / ours:.1f} reports/s  "
              f"{records / ours:.0f} records/s")
        theirs = bench_parsedmarc(folder)
        if isinstance(theirs, str):
            print(theirs)
        else:
            seconds, parsed = theirs
            assert parsed == records, (parsed, records)
            print(f"parsedmarc parse (offline, no storage): {seconds:.2f} s  {args.reports / seconds:.1f} reports/s  "
                  f"{records / seconds:.0f} records/s")
            print(f"ratio inboxready/parsedmarc, records/s: {seconds / ours:.1f}x")
        big = bench_big(Path(tmp), args.big)
        print(f"one report of {args.big} records ({big['xml_mib']:.0f} MiB XML, {big['compressed_mib']:.1f} MiB gzip): "
              f"ingested in {big['seconds']:.1f} s ({args.big / big['seconds']:.0f} records/s); "
              f"peak RSS {big['rss_peak_mib']:.0f} MiB (process at start {big['rss_before_mib']:.0f} MiB); "
              f"tracemalloc peak {big['tracemalloc_peak_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
