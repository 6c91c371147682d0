"""The one exception family of inboxready.

    InboxreadyError
    ├── InputError            bad input from the user: unreadable file, broken zone, bad option value
    │   └── ZoneFileError     a master file that does not parse (carries file and line)
    └── dns.DnsError          a DNS lookup that did not produce records (see inboxready.dns.errors)

Checks never raise for bad *data* they examine; they return findings. These exceptions are for
input the user handed us and for DNS outcomes, which callers map to findings or states.
"""

from __future__ import annotations


class InboxreadyError(Exception):
    """Base of every error inboxready raises on purpose."""


class InputError(InboxreadyError):
    """Input from the user that cannot be used; the CLI prints it on one line and exits 2."""


class ZoneFileError(InputError):
    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
