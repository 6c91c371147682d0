"""Local inputs: report files, folders of them, mbox files and Maildir folders.

A folder with cur/, new/ and tmp/ is a Maildir; a file whose first line starts with "From " is an
mbox (RFC 4155); any other file is one input whose format is recognised from its content. Folders
are walked recursively in name order, hidden entries skipped.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, closing
from functools import partial
from pathlib import Path
from typing import BinaryIO, cast

from inboxready.errors import InputError
from inboxready.reports.parse.xmlsafe import Readable
from inboxready.reports.sources.base import SourceItem


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _file_opener(path: Path) -> AbstractContextManager[Readable]:
    return cast(AbstractContextManager[Readable], path.open("rb"))


def file_item(path: Path) -> SourceItem:
    return SourceItem(str(path), path.name, partial(_file_opener, path))


def mbox_items(path: Path) -> Iterator[SourceItem]:
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
    finally:
        box.close()
    for key in keys:
        yield SourceItem(f"{path}#{key}", f"{path.name}#{key}", partial(_mailbox_message, path, key, "mbox"),
                         hint="message")


def maildir_items(path: Path) -> Iterator[SourceItem]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.keys()):
        yield SourceItem(f"{path}/{key}", key, partial(_mailbox_message, path, key, "maildir"), hint="message")


def _mailbox_message(path: Path, key: str, kind: str) -> AbstractContextManager[Readable]:
    box: mailbox.Mailbox[mailbox.Message] = (
        mailbox.mbox(path, create=False) if kind == "mbox" else mailbox.Maildir(path, factory=None, create=False)
    )
    handle = cast(BinaryIO, box.get_file(key))
    return closing(_BoxFile(handle, box))


class _BoxFile:
    def __init__(self, handle: BinaryIO, box: mailbox.Mailbox[mailbox.Message]) -> None:
        self._handle = handle
        self._box = box

    def read(self, size: int = -1, /) -> bytes:
        return self._handle.read(size)

    def close(self) -> None:
        self._handle.close()
        self._box.close()


def _walk(folder: Path) -> Iterator[SourceItem]:
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for sub in list(dirs):
            if is_maildir(here / sub):
                dirs.remove(sub)
                yield from maildir_items(here / sub)
        for name in sorted(files):
            if not name.startswith("."):
                yield from _path_items(here / name)


def _path_items(path: Path) -> Iterator[SourceItem]:
    if is_maildir(path):
        yield from maildir_items(path)
    elif path.is_dir():
        yield from _walk(path)
    elif is_mbox(path):
        yield from mbox_items(path)
    else:
        yield file_item(path)


def path_items(paths: Sequence[str | Path]) -> Iterator[SourceItem]:
    """Every input under the given paths; a path that does not exist is a usage error, up front."""
    resolved = [Path(p).expanduser() for p in paths]
    for path in resolved:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
    for path in resolved:
        yield from _path_items(path)
