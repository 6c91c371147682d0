"""Typed DNS outcomes that are not a set of records.

Two groups, kept apart all the way to the output:
- answers: NXDomain (the name does not exist) and NoData (the name exists, not this type). Checks
  treat them as facts ("no SPF record").
- failures: Timeout, ServFail, Refused. Nothing is known; checks report "could not check", never
  "missing".
"""

from __future__ import annotations

from typing import ClassVar

from inboxready.errors import InboxreadyError


class DnsError(InboxreadyError):
    """A lookup of (name, rdtype) that produced no records."""

    kind: ClassVar[str] = "error"
    #: True when the outcome says nothing about the data (retry may give another answer).
    is_failure: ClassVar[bool] = True

    def __init__(self, name: str, rdtype: str, detail: str = "") -> None:
        self.name = name
        self.rdtype = rdtype
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.name} {self.rdtype}: {self.label}"
        return f"{text} ({self.detail})" if self.detail else text

    label: ClassVar[str] = "DNS error"


class NXDomain(DnsError):
    kind = "nxdomain"
    is_failure = False
    label = "no such name (NXDOMAIN)"


class NoData(DnsError):
    kind = "nodata"
    is_failure = False
    label = "no record of this type (NODATA)"


class Timeout(DnsError):
    kind = "timeout"
    label = "timed out"


class ServFail(DnsError):
    kind = "servfail"
    label = "server failure (SERVFAIL)"


class Refused(DnsError):
    kind = "refused"
    label = "query refused (REFUSED)"


class BadResponse(DnsError):
    """A reply that could not be parsed or did not match the question (treated as a failure)."""

    kind = "badresponse"
    label = "malformed response"
