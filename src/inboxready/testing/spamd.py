"""Run SpamAssassin's spamd on a loopback port for tests and benchmarks (Debian: spamassassin, spamd).

    with SpamdProcess.start(workdir) as spamd:      # waits until spamd answers PING
        client = SpamdClient(spamd.host, spamd.port)

spamd uses the rules shipped with the package (no sa-update, no network: -L turns network tests
off), listens only on 127.0.0.1, accepts only 127.0.0.1, keeps its own pid file, and drops to the
user `nobody` when started as root. Stopping sends SIGTERM to that one process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

READY_TIMEOUT = 90.0


def spamd_available() -> bool:
    return shutil.which("spamd") is not None or Path("/usr/sbin/spamd").exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING SPAMC/1.5\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            return b"PONG" in sock.recv(256)
    except OSError:
        return False


@dataclass
class SpamdProcess:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def start(cls, workdir: str | os.PathLike[str], port: int | None = None, children: int = 2) -> SpamdProcess:
        """Start spamd and wait until it answers PING; RuntimeError (with its log) if it does not."""
        spamd = shutil.which("spamd") or "/usr/sbin/spamd"
        directory = Path(workdir)
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o777)  # spamd writes its pid file after dropping to `nobody`
        port = port or free_port()
        command = [
            spamd, "--listen", f"127.0.0.1:{port}", "--allowed-ips", "127.0.0.1",
            "--pidfile", str(directory / "spamd.pid"), "--syslog", "stderr", "--local", "--nouser-config",
            "--max-children", str(children), "--min-children", "1", "--min-spare", "1", "--max-spare", str(children),
        ]
        if os.geteuid() == 0:
            command += ["--username", "nobody"]
        log_path = directory / "spamd.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        running = cls("127.0.0.1", port, process, log_path)
        running.wait_ready()
        return running

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if ping(self.host, self.port):
                return
            time.sleep(0.3)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"spamd did not answer PING on {self.address}:\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> SpamdProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
