"""Where reports come from: files, folders, mbox, Maildir, IMAP."""

from inboxready.reports.sources.base import SourceItem
from inboxready.reports.sources.files import path_items
from inboxready.reports.sources.imap import ImapError, ImapMailbox, ImapSettings, parse_imap_url, read_password

__all__ = ["ImapError", "ImapMailbox", "ImapSettings", "SourceItem", "parse_imap_url", "path_items", "read_password"]
