"""Private PostgreSQL and Dovecot servers on loopback for the reports tests.

Each runs from a temporary directory as a non-root user (the package's `postgres` / `dovecot`
system user when the tests run as root, else the current user), on a free port of 127.0.0.1, and
is stopped (by its own pid) at the end of the session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
        time.sleep(0.1)
    return False


def _service_user(preferred: str) -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(preferred)
    except KeyError:
        return None


def _as_user(user: pwd.struct_passwd, cmd: list[str]) -> list[str]:
    if os.geteuid() == 0 and user.pw_uid != 0:
        return ["runuser", "-u", user.pw_name, "--", *cmd]
    return cmd


def _private_dir(prefix: str, user: pwd.struct_passwd) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chown(path, user.pw_uid, user.pw_gid)
    return path


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class PostgresServer:
    port: int
    directory: Path
    user: str = "inboxready"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer | str]:
    """A running server, or a string saying why there is none."""
    bindir = postgres_bindir()
    user = _service_user("postgres")
    if bindir is None or user is None:
        yield "PostgreSQL server not installed (apt-get install postgresql)"
        return
    directory = _private_dir("inboxready-pg-", user)
    data, log = directory / "data", directory / "server.log"
    port = free_port()
    try:
        created = subprocess.run(_as_user(user, [str(bindir / "initdb"), "-D", str(data), "-U", "inboxready",
                                                 "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"]),
                                 capture_output=True, timeout=120, cwd=directory)
        if created.returncode != 0:
            yield f"PostgreSQL initdb failed: {created.stderr.decode()[-800:]}"
            return
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        started = subprocess.run(_as_user(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                                 "-l", str(log), "-w", "-t", "60", "start"]),
                                 capture_output=True, timeout=90, cwd=directory)
        if started.returncode != 0:
            yield f"PostgreSQL did not start: {started.stderr.decode()[-500:]} {log.read_text()[-1000:]}"
            return
        yield PostgresServer(port, directory)
    finally:
        subprocess.run(_as_user(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60, cwd=directory)
        shutil.rmtree(directory, ignore_errors=True)


# --- TLS test certificates --------------------------------------------------------------------


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) for 127.0.0.1 / localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inboxready test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


# --- Dovecot ----------------------------------------------------------------------------------


@dataclass
class DovecotServer:
    imap_port: int
    imaps_port: int
    ca_file: Path
    directory: Path
    users: dict[str, str]


DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = inboxready-test-{imaps}
log_path = {d}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = yes
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_failure_delay = 0
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  chroot =
  user = {user}
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  user = {user}
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  user = {user}
}}
service imap {{
  user = {user}
}}
"""


@contextlib.contextmanager
def dovecot_server(users: dict[str, str]) -> Iterator[DovecotServer | str]:
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    user = _service_user("dovecot")
    if binary is None or user is None:
        yield "Dovecot not installed (apt-get install dovecot-imapd)"
        return
    directory = _private_dir("inboxready-dovecot-", user)
    proc: subprocess.Popen[bytes] | None = None
    try:
        ca, _, _ = make_certificates(directory)
        imap, imaps = free_port(), free_port()
        for sub in ("run", "state", "mail"):
            (directory / sub).mkdir()
        (directory / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
        group = directory.group() if os.geteuid() != 0 else _group_name(user.pw_gid)
        (directory / "dovecot.conf").write_text(DOVECOT_CONF.format(
            d=directory, user=user.pw_name, group=group, uid=user.pw_uid, gid=user.pw_gid, imap=imap, imaps=imaps))
        for path in directory.rglob("*"):
            os.chown(path, user.pw_uid, user.pw_gid)
        with (directory / "stderr.log").open("wb") as err:
            proc = subprocess.Popen(_as_user(user, [binary, "-F", "-c", str(directory / "dovecot.conf")]),
                                    stdout=subprocess.DEVNULL, stderr=err, start_new_session=True, cwd=directory)
        if not (_wait_port(imaps) and _wait_port(imap)):
            logs = [directory / "stderr.log", directory / "dovecot.log"]
            text = " ".join(p.read_text()[-800:] for p in logs if p.exists())
            yield f"Dovecot did not start: {text}"
            return
        yield DovecotServer(imap, imaps, ca, directory, dict(users))
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
