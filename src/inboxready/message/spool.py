"""The gateway's spool: messages held for review, on disk, surviving restarts and crashes.

Layout under the spool directory::

    held/<id>.eml    the message exactly as it would have been relayed (DKIM signature included)
    held/<id>.json   its envelope (MAIL FROM, RCPT TO, client), when and why it was held
    tmp/             files being written

Each file is written to tmp/, flushed to disk (fsync) and renamed into held/ (atomic on POSIX), the
message before its envelope: an entry exists once its .json exists, and a crash between the two
leaves only a stray .eml that `recover` re-files as held with the reason "interrupted". Nothing the
gateway answered 250 for is ever only in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inboxready.errors import InputError

_ID_CHARS = set("0123456789abcdefghijklmnopqrstuvwxyz-")


@dataclass(frozen=True, slots=True)
class HeldMessage:
    id: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    reasons: tuple[str, ...]
    received_at: str
    peer: str | None
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos),
            "reasons": list(self.reasons),
            "received_at": self.received_at,
            "peer": self.peer,
            "size": self.size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldMessage:
        return cls(
            id=str(data["id"]),
            mail_from=str(data.get("mail_from", "")),
            rcpt_tos=tuple(str(r) for r in data.get("rcpt_tos", ())),
            reasons=tuple(str(r) for r in data.get("reasons", ())),
            received_at=str(data.get("received_at", "")),
            peer=data.get("peer"),
            size=int(data.get("size", 0)),
        )


class Spool:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.held_dir = self.directory / "held"
        self.tmp_dir = self.directory / "tmp"
        try:
            self.held_dir.mkdir(parents=True, exist_ok=True)
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot use spool directory {self.directory}: {exc.strerror or exc}") from exc

    def hold(self, content: bytes, *, mail_from: str, rcpt_tos: list[str] | tuple[str, ...],
             reasons: list[str] | tuple[str, ...], peer: str | None = None) -> HeldMessage:
        """File `content` as held; returns the entry (its id is what the client is told)."""
        entry = HeldMessage(
            id=_new_id(),
            mail_from=mail_from,
            rcpt_tos=tuple(rcpt_tos),
            reasons=tuple(reasons),
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            peer=peer,
            size=len(content),
        )
        self._write(self.held_dir / f"{entry.id}.eml", content)
        self._write(self.held_dir / f"{entry.id}.json", json.dumps(entry.to_dict(), indent=2).encode("utf-8"))
        return entry

    def held(self) -> list[HeldMessage]:
        """Every held message, oldest first."""
        entries = []
        for meta in self.held_dir.glob("*.json"):
            try:
                entries.append(HeldMessage.from_dict(json.loads(meta.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return sorted(entries, key=lambda e: (e.received_at, e.id))

    def get(self, message_id: str) -> tuple[HeldMessage, bytes]:
        """The entry and the message bytes; InputError when there is no such held message."""
        self._check_id(message_id)
        meta = self.held_dir / f"{message_id}.json"
        try:
            entry = HeldMessage.from_dict(json.loads(meta.read_text(encoding="utf-8")))
            return entry, (self.held_dir / f"{message_id}.eml").read_bytes()
        except FileNotFoundError:
            raise InputError(f"no held message {message_id} in {self.held_dir}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"held message {message_id} cannot be read: {exc}") from exc

    def remove(self, message_id: str) -> None:
        """Drop a held message (after it was released or discarded): envelope first, then content."""
        self._check_id(message_id)
        for suffix in (".json", ".eml"):
            with contextlib.suppress(FileNotFoundError):
                (self.held_dir / f"{message_id}{suffix}").unlink()

    def recover(self) -> list[HeldMessage]:
        """Re-file messages whose envelope was never written (a crash mid-hold); returns them."""
        recovered = []
        for content_path in self.held_dir.glob("*.eml"):
            if content_path.with_suffix(".json").exists():
                continue
            entry = HeldMessage(
                id=content_path.stem, mail_from="", rcpt_tos=(), reasons=("interrupted while being held",),
                received_at=datetime.fromtimestamp(content_path.stat().st_mtime, UTC).isoformat(timespec="seconds"),
                peer=None, size=content_path.stat().st_size,
            )
            self._write(content_path.with_suffix(".json"), json.dumps(entry.to_dict(), indent=2).encode("utf-8"))
            recovered.append(entry)
        for stale in self.tmp_dir.iterdir():
            with contextlib.suppress(OSError):
                stale.unlink()
        return recovered

    def _write(self, target: Path, data: bytes) -> None:
        tmp = self.tmp_dir / f"{target.name}.{secrets.token_hex(4)}"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    @staticmethod
    def _check_id(message_id: str) -> None:
        if not message_id or not set(message_id) <= _ID_CHARS:
            raise InputError(f"{message_id!r} is not a held message id")


def _new_id() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(5)}"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
