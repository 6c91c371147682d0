"""Loopback DNS servers for the benches: knot (Debian `knot`), else inboxready's own test server.

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/
    from _knot import Zone, dns_server

    with dns_server(workdir, [Zone("example.", Path("example.zone"))], choice="auto") as (port, label):
        ...

`knot_server` writes a knot.conf with one zone entry per master file and starts `knotd` on
127.0.0.1 with one UDP worker (so that the client being measured keeps the other core); it yields
None when knotd is missing or does not answer. `python_server` runs
`python -m inboxready.testing.dnsserver` on the same files. `dns_server` picks one: knot unless
CHOICE is "python", falling back (with a printed note) to the Python server when CHOICE is "auto".
A server is ready once it answers the SOA question of every zone. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode

CHOICES = ("auto", "knot", "python")


@dataclass(frozen=True)
class Zone:
    origin: str  # e.g. "example." (absolute)
    path: Path  # master file


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        port: int = udp.getsockname()[1]
    return port


def answering(port: int, zones: Sequence[Zone], seconds: float = 60.0) -> bool:
    """Whether the server answers the SOA of every zone within SECONDS."""
    waiting = [zone.origin for zone in zones]
    deadline = time.monotonic() + seconds
    while waiting and time.monotonic() < deadline:
        try:
            reply = dns.query.udp(dns.message.make_query(waiting[0], "SOA"), "127.0.0.1", port=port, timeout=0.5)
            if reply.rcode() == dns.rcode.NOERROR and reply.answer:
                waiting.pop(0)
                continue
        except (dns.exception.DNSException, OSError):
            pass
        time.sleep(0.1)
    return not waiting


def knotd_path() -> str | None:
    return shutil.which("knotd") or ("/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists() else None)


def knot_conf(workdir: Path, port: int, zones: Sequence[Zone]) -> str:
    entries = "".join(f'  - domain: {zone.origin}\n    file: "{zone.path.resolve()}"\n' for zone in zones)
    return f"""server:
    rundir: "{workdir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: "{workdir / "db"}"
template:
  - id: default
    storage: "{workdir}"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
zone:
{entries}"""


@contextmanager
def knot_server(workdir: Path, zones: Sequence[Zone]) -> Iterator[int | None]:
    """knotd serving ZONES on 127.0.0.1 (port yielded), or None when it is missing or silent."""
    knotd = knotd_path()
    if knotd is None:
        yield None
        return
    port = free_port()
    (workdir / "db").mkdir(exist_ok=True)
    conf = workdir / "knot.conf"
    conf.write_text(knot_conf(workdir, port, zones))
    log_path = workdir / "knot.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([knotd, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=log)
        try:
            if answering(port, zones):
                yield port
            else:
                print(f"note: knotd did not answer ({log_path.read_text()[-300:].strip()})", file=sys.stderr)
                yield None
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


@contextmanager
def python_server(zones: Sequence[Zone]) -> Iterator[int]:
    """inboxready's test server (`python -m inboxready.testing.dnsserver`) on the same files."""
    cmd = [sys.executable, "-m", "inboxready.testing.dnsserver", "--port", "0",
           "--zones", *(str(zone.path) for zone in zones)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        if not first.isdigit() or not answering(int(first), zones):
            raise SystemExit(f"inboxready's test server did not start (got {first!r})")
        yield int(first)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def dns_server(workdir: Path, zones: Sequence[Zone], choice: str = "auto") -> Iterator[tuple[int, str]]:
    """(port, description) of a server for ZONES: knot, or the Python server (see module doc)."""
    if choice not in CHOICES:
        raise ValueError(f"server must be one of {', '.join(CHOICES)}")
    if choice != "python":
        with knot_server(workdir, zones) as port:
            if port is not None:
                yield port, f"knot (knotd, 1 UDP worker) on 127.0.0.1:{port}"
                return
        if choice == "knot":
            raise SystemExit("knotd is not available or did not answer (apt-get install -y knot)")
        print("note: knotd not available; using inboxready.testing.dnsserver (a slower server)")
    with python_server(zones) as port:
        yield port, f"inboxready.testing.dnsserver on 127.0.0.1:{port}"
