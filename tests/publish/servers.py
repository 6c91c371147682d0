"""Real DNS servers with an update API on loopback, for the apply tests.

`PowerDns`: pdns_server (Debian pdns-server + pdns-backend-sqlite3) with the gsqlite3 backend in a
temporary directory, its HTTP API on one free port and DNS on another; no daemon, no guardian.
`Knot`: knotd serving one zone that accepts RFC 2136 updates and zone transfers signed with a TSIG
key. Both are started by fixtures in conftest.py; a missing binary skips (fails under CI) via
tests.services.require.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dns.zone

PDNS_SERVER = shutil.which("pdns_server") or "/usr/sbin/pdns_server"
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
PDNS_SCHEMAS = (
    Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"),
    Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"),
)
API_KEY = "test"
TSIG_NAME = "inboxready-test"
TSIG_SECRET = base64.b64encode(b"inboxready test tsig secret, 32b").decode()


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (DNS needs both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rrsets_from_zone(text: str, origin: str) -> list[dict[str, Any]]:
    """PowerDNS API rrsets (changetype REPLACE) for every RRset of a master file."""
    zone = dns.zone.from_text(text, origin=origin, relativize=False)
    out = []
    for name, rdataset in zone.iterate_rdatasets():
        out.append({
            "name": name.to_text(), "type": dns.rdatatype.to_text(rdataset.rdtype), "ttl": rdataset.ttl,
            "changetype": "REPLACE", "records": [{"content": r.to_text(), "disabled": False} for r in rdataset],
        })
    return out


def _txt_text(content: str) -> str:
    """The joined text of TXT content as PowerDNS stores it (its strings may exceed 255 octets)."""
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', content)
    return "".join(re.sub(r"\\(.)", r"\1", s) for s in strings)


class PowerDns:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.dns_port = free_port()
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.log = directory / "pdns.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.dns_port}"

    def start(self) -> None:
        database = self.directory / "pdns.sqlite3"
        schema = next(p for p in PDNS_SCHEMAS if p.exists())
        with sqlite3.connect(database) as db:
            db.executescript(schema.read_text())
        (self.directory / "pdns.conf").write_text("")
        args = [
            PDNS_SERVER, f"--config-dir={self.directory}", "--launch=gsqlite3",
            f"--gsqlite3-database={database}", "--local-address=127.0.0.1", f"--local-port={self.dns_port}",
            "--api=yes", f"--api-key={API_KEY}", "--webserver=yes", "--webserver-address=127.0.0.1",
            f"--webserver-port={self.api_port}", "--webserver-allow-from=127.0.0.0/8", "--daemon=no",
            "--guardian=no", f"--socket-dir={self.directory}", "--disable-syslog=yes", "--security-poll-suffix=",
            "--loglevel=4", "--write-pid=no",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pdns_server exited: {self.log.read_text()[-2000:]}")
            try:
                self.api("GET", "")
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError(f"pdns_server API did not come up: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.api_url}/api/v1/servers/localhost/{path}".rstrip("/")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def load_zone(self, origin: str, text: str) -> None:
        """(Re)create zone `origin` holding exactly the master file `text`."""
        try:
            self.api("DELETE", f"zones/{origin}.")
        except urllib.error.HTTPError as exc:
            if exc.code not in (404, 422):
                raise
        self.api("POST", "zones", {"name": origin + ".", "kind": "Native", "nameservers": [],
                                   "rrsets": rrsets_from_zone(text, origin)})

    def set_rrset(self, zone: str, name: str, rtype: str, contents: Iterable[str], ttl: int = 3600) -> None:
        """Change one RRset behind inboxready's back (contents in PowerDNS presentation form)."""
        records = [{"content": c, "disabled": False} for c in contents]
        change = {"name": name + ".", "type": rtype, "ttl": ttl, "changetype": "REPLACE" if records else "DELETE",
                  "records": records}
        self.api("PATCH", f"zones/{zone}.", {"rrsets": [change]})

    def rrsets(self, origin: str) -> dict[tuple[str, str], list[str]]:
        """Every RRset by (name, type); TXT as the joined text (where strings split is not data)."""
        data = self.api("GET", f"zones/{origin}.")
        out = {}
        for r in data["rrsets"]:
            values = [x["content"] for x in r["records"]]
            if r["type"] == "TXT":
                values = [_txt_text(v) for v in values]
            out[(r["name"].rstrip("."), r["type"])] = sorted(values)
        return out


class Knot:
    def __init__(self, directory: Path, origin: str, zone_text: str) -> None:
        self.directory = directory
        self.origin = origin
        self.zone_text = zone_text
        self.port = free_port()
        self.log = directory / "knot.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tsig(self) -> str:
        return f"hmac-sha256:{TSIG_NAME}:{TSIG_SECRET}"

    def start(self) -> None:
        d = self.directory
        (d / f"{self.origin}.zone").write_text(self.zone_text)
        (d / "knot.conf").write_text(f"""\
server:
    rundir: "{d}"
    listen: 127.0.0.1@{self.port}
    pidfile: "{d}/knot.pid"
log:
  - target: stderr
    any: info
database:
    storage: "{d}"
key:
  - id: {TSIG_NAME}
    algorithm: hmac-sha256
    secret: {TSIG_SECRET}
acl:
  - id: publish
    address: 127.0.0.0/8
    key: {TSIG_NAME}
    action: [transfer, update]
template:
  - id: default
    storage: "{d}"
    zonefile-sync: -1
    zonefile-load: difference-no-serial
    journal-content: all
zone:
  - domain: {self.origin}
    file: "{self.origin}.zone"
    acl: publish
""")
        env = {**os.environ, "LC_ALL": "C"}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([KNOTD, "-c", str(d / "knot.conf")], stdout=log,
                                            stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"knotd exited: {self.log.read_text()[-2000:]}")
            if "loaded" in self.log.read_text() and self._answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"knotd did not load the zone: {self.log.read_text()[-2000:]}")

    def _answers(self) -> bool:
        import dns.message
        import dns.query

        try:
            reply = dns.query.udp(dns.message.make_query(self.origin, "SOA"), "127.0.0.1", port=self.port, timeout=1)
        except (OSError, dns.exception.Timeout):
            return False
        return bool(reply.answer)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
