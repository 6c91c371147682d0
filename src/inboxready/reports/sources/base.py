"""What every source hands to ingestion: items that open as byte streams, with an after-commit hook."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from inboxready.reports.parse.xmlsafe import Readable


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class SourceItem:
    #: Where the input came from, as stored with its reports ("/path/file.xml.gz", "imap://host/INBOX;UID=7").
    label: str
    #: A file or attachment name (only used in messages; content decides the format).
    name: str
    open: Callable[[], AbstractContextManager[Readable]]
    #: "message" when the input is known to be an e-mail message (mailboxes, IMAP).
    hint: str = ""
    #: Called once every report of the item is committed (IMAP: move the message to the done folder).
    done: Callable[[], None] = _nothing
