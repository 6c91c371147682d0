"""Reports from an IMAP mailbox (RFC 9051 / RFC 3501), over TLS only.

`imaps://host[:993]/` uses implicit TLS (RFC 8314); `imap://host[:143]/` requires STARTTLS (RFC 2595)
and refuses to log in if the server does not offer it. The certificate is always verified
(system store, or a CA file given for a private server). The password comes from an environment
variable or a file, never from the command line or the URL. A message is moved to the done folder
(UID MOVE, RFC 6851; else COPY + \\Deleted + EXPUNGE) only after every report it carried is
committed to the store: a crash before that leaves it in place for the next run, where its
reports are found as duplicates.
"""

from __future__ import annotations

import imaplib
import io
import os
import re
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import unquote, urlsplit

from inboxready.errors import InboxreadyError, InputError
from inboxready.reports.parse.errors import QuarantineReason, ReportRejected
from inboxready.reports.parse.limits import DEFAULT_LIMITS, Limits
from inboxready.reports.parse.xmlsafe import Readable
from inboxready.reports.sources.base import SourceItem

T = TypeVar("T")


class ImapError(InboxreadyError):
    """The IMAP server refused or failed an operation (login, select, fetch, move)."""


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    starttls: bool
    user: str
    password: str
    folder: str = "INBOX"
    done_folder: str = "Processed"
    ca_file: str | None = None
    timeout: float = 30.0

    @property
    def label(self) -> str:
        scheme = "imap" if self.starttls else "imaps"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def read_password(env_var: str | None, password_file: str | None) -> str:
    """The IMAP password from an environment variable or a file (first line)."""
    if env_var and password_file:
        raise InputError("give --imap-password-env or --imap-password-file, not both")
    if env_var:
        value = os.environ.get(env_var)
        if not value:
            raise InputError(f"environment variable {env_var} is not set or empty")
        return value
    if password_file:
        try:
            text = Path(password_file).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{password_file}: {exc.strerror or exc}") from None
        password = text.splitlines()[0] if text else ""
        if not password:
            raise InputError(f"{password_file}: empty password file")
        return password
    raise InputError("the IMAP password must come from --imap-password-env VAR or --imap-password-file FILE")


def parse_imap_url(
    url: str,
    user: str | None,
    password: str,
    *,
    folder: str | None = None,
    done_folder: str = "Processed",
    ca_file: str | None = None,
    timeout: float = 30.0,
) -> ImapSettings:
    """Settings from `imaps://[user@]host[:port][/folder]` or `imap://...` (STARTTLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise InputError(f"--imap {url!r}: use imaps://host (TLS) or imap://host (STARTTLS)")
    if parts.password is not None:
        raise InputError("--imap: do not put the password in the URL; use --imap-password-env or --imap-password-file")
    if not parts.hostname:
        raise InputError(f"--imap {url!r}: no host name")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise InputError(f"--imap {url!r}: bad port") from None
    login = user or (unquote(parts.username) if parts.username else "")
    if not login:
        raise InputError("--imap: give the login with --imap-user or as user@ in the URL")
    return ImapSettings(
        host=parts.hostname,
        port=port,
        starttls=parts.scheme == "imap",
        user=login,
        password=password,
        folder=folder or unquote(parts.path.lstrip("/")) or "INBOX",
        done_folder=done_folder,
        ca_file=ca_file,
        timeout=timeout,
    )


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(exc: BaseException) -> str:
    detail = exc.args[0] if exc.args else exc
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


def _check(result: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
    status, data = result
    if status != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise ImapError(f"IMAP {what} failed: {detail or status}")
    return data


class ImapMailbox:
    """A logged-in IMAP session over one folder. Use as a context manager."""

    def __init__(self, settings: ImapSettings, limits: Limits = DEFAULT_LIMITS) -> None:
        self.settings = settings
        self.limits = limits
        self._client: imaplib.IMAP4 | None = None
        self._can_move = False
        self._uidplus = False
        self._done_folder = settings.done_folder

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def connect(self) -> None:
        s = self.settings
        try:
            if s.starttls:
                client: imaplib.IMAP4 = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if "STARTTLS" not in client.capabilities:
                    client.shutdown()
                    raise ImapError(f"{s.host}:{s.port} does not offer STARTTLS; refusing to log in in clear text")
                client.starttls(ssl_context=self._context())
            else:
                client = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=self._context(), timeout=s.timeout)
            self._client = client
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise ImapError(f"IMAP {s.host}:{s.port}: {exc}") from None
        try:
            _check(client.login(s.user, s.password), "LOGIN")
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapError(f"IMAP LOGIN as {s.user} at {s.host}:{s.port} failed: {_text(exc)}") from None
        try:
            _check(client.select(_quote(s.folder)), f"SELECT {s.folder}")
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise ImapError(f"IMAP SELECT {s.folder}: {_text(exc)}") from None
        # Servers announce more after login (RFC 9051 6.2.3): ask again.
        data = _check(self.client.capability(), "CAPABILITY")
        announced = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace").upper().split()
        capabilities = set(announced) | set(self.client.capabilities)
        self._can_move = "MOVE" in capabilities
        self._uidplus = "UIDPLUS" in capabilities

    @property
    def client(self) -> imaplib.IMAP4:
        if self._client is None:
            raise ImapError("not connected")
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.state == "SELECTED":
                client.close()
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            client.shutdown()

    def uids(self) -> list[bytes]:
        data = _check(self.client.uid("SEARCH", "ALL"), "SEARCH")
        first = data[0] if data else b""
        return first.split() if isinstance(first, bytes) else []

    def fetch(self, uid: bytes) -> bytes:
        data = _check(self.client.uid("FETCH", uid.decode(), "(RFC822.SIZE)"), "FETCH size")
        size = re.search(rb"RFC822\.SIZE (\d+)", b" ".join(d for d in data if isinstance(d, bytes)))
        if size and int(size.group(1)) > self.limits.max_input_bytes:
            raise ReportRejected(QuarantineReason.TOO_LARGE, f"message of {int(size.group(1))} bytes is larger "
                                 f"than {self.limits.max_input_bytes}")
        data = _check(self.client.uid("FETCH", uid.decode(), "(BODY.PEEK[])"), "FETCH")
        for part in data:
            if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
                return part[1]
        raise ImapError(f"IMAP FETCH of UID {uid.decode()} returned no message")

    def delimiter(self) -> str:
        """The server's hierarchy delimiter (LIST "" "", RFC 9051 6.3.9); "/" when it has none."""
        data = _check(self.client.list('""', '""'), "LIST")
        for line in data:
            found = re.match(rb'\([^)]*\) "(.)"', line) if isinstance(line, bytes) else None
            if found:
                return found.group(1).decode()
        return "/"

    def folder_name(self, name: str) -> str:
        """A folder path written with "/" (as mail clients show it) in the server's own delimiter."""
        delimiter = self.delimiter()
        return name.replace("/", delimiter) if delimiter != "/" else name

    def ensure_folder(self, name: str) -> None:
        status, _ = self.client.create(_quote(name))
        if status != "OK":
            _check(self.client.select(_quote(self.settings.folder)), f"SELECT {self.settings.folder}")
            found = _check(self.client.list('""', _quote(name)), "LIST")
            if not any(isinstance(f, bytes) for f in found):
                raise ImapError(f"IMAP cannot create folder {name!r}")

    def move(self, uid: bytes) -> None:
        target = _quote(self._done_folder)
        if self._can_move:
            _check(self.client.uid("MOVE", uid.decode(), target), "MOVE")
            return
        _check(self.client.uid("COPY", uid.decode(), target), "COPY")
        _check(self.client.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        if self._uidplus:
            _check(self.client.uid("EXPUNGE", uid.decode()), "UID EXPUNGE")
        else:
            _check(self.client.expunge(), "EXPUNGE")

    def items(self) -> Iterator[SourceItem]:
        """One item per message; its done() moves the message after its reports are committed."""
        try:
            self._done_folder = self.folder_name(self.settings.done_folder)
            self.ensure_folder(self._done_folder)
            uids = self.uids()
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ImapError(f"IMAP {self.settings.host}:{self.settings.port}: {_text(exc)}") from None
        for uid in uids:
            label = f"{self.settings.label};UID={uid.decode()}"
            yield SourceItem(label, f"UID {uid.decode()}", partial(self._open, uid), hint="message",
                             done=partial(self._guarded, self.move, uid))

    def _guarded(self, action: Callable[[bytes], T], uid: bytes) -> T:
        """One boundary for imaplib's own exceptions (protocol errors, dropped connections)."""
        try:
            return action(uid)
        except (OSError, imaplib.IMAP4.error) as exc:
            where = f"{self.settings.host}:{self.settings.port}, UID {uid.decode()}"
            raise ImapError(f"IMAP {where}: {_text(exc)}") from None

    def _open(self, uid: bytes) -> AbstractContextManager[Readable]:
        try:
            data = self._guarded(self.fetch, uid)
        except ReportRejected as exc:
            return nullcontext(cast(Readable, _Refused(exc)))
        return nullcontext(cast(Readable, io.BytesIO(data)))


class _Refused:
    """A message refused before download: reading it raises the refusal, which is quarantined."""

    def __init__(self, error: ReportRejected) -> None:
        self._error = error

    def read(self, size: int = -1, /) -> bytes:
        raise self._error
