"""Shared fixtures. The loopback DNS server fixture lives here (see inboxready.testing.dnsserver)."""

# --- Loopback DNS server (issue 2) ------------------------------------------------------------
# `dns_server`: one real DNS server process for the whole session, on 127.0.0.1 and a free port,
# serving every tests/fixtures/zones/*.zone over UDP and TCP (first label x-timeout / x-servfail /
# x-refused injects that fault). `dns_server.resolver()` is a CachingResolver over LiveResolver.

import selectors  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from inboxready.dns import CachingResolver  # noqa: E402
from inboxready.dns.live import LiveResolver  # noqa: E402
from tests.services import require  # noqa: E402

ZONE_DIR = Path(__file__).resolve().parent / "fixtures" / "zones"


@dataclass
class LoopbackDns:
    host: str
    port: int
    zone_files: tuple[Path, ...]
    _resolvers: list[LiveResolver] = field(default_factory=list, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def nameserver(self) -> tuple[str, int]:
        return (self.host, self.port)

    def live(self, timeout: float = 1.0, retries: int = 1, edns_payload: int = 1232) -> LiveResolver:
        """A bare LiveResolver (no cache) for this server."""
        resolver = LiveResolver([self.nameserver], timeout=timeout, retries=retries, edns_payload=edns_payload)
        self._resolvers.append(resolver)
        return resolver

    def resolver(self, timeout: float = 1.0, retries: int = 1) -> CachingResolver:
        """A fresh CachingResolver over LiveResolver; a timeout costs timeout * (retries + 1)."""
        return CachingResolver(self.live(timeout=timeout, retries=retries))


@pytest.fixture(scope="session")
def zone_dir() -> Path:
    return ZONE_DIR


@pytest.fixture(scope="session")
def dns_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackDns]:
    zone_files = tuple(sorted(ZONE_DIR.glob("*.zone")))
    log = tmp_path_factory.mktemp("dns-server") / "stderr.log"
    cmd = [sys.executable, "-m", "inboxready.testing.dnsserver", "--zones", *map(str, zone_files)]
    with log.open("w") as err:
        proc = subprocess.Popen([*cmd, "--port", "0"], stdout=subprocess.PIPE, stderr=err, text=True)
    assert proc.stdout is not None
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            first = proc.stdout.readline().strip() if sel.select(timeout=30) else ""
        if not first.isdigit():
            proc.kill()
            proc.wait()
            require(False, f"loopback DNS server did not start: {log.read_text()[-2000:]}")
        server = LoopbackDns("127.0.0.1", int(first), zone_files)
        yield server
        for resolver in server._resolvers:
            resolver.close()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
