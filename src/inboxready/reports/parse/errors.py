"""Why a report was refused. Every refusal quarantines the input with one of these reasons.

    InboxreadyError
    └── ReportRejected     reason (QuarantineReason) + one line of detail
"""

from __future__ import annotations

import enum

from inboxready.errors import InboxreadyError


class QuarantineReason(enum.Enum):
    EMPTY = "empty"
    MALFORMED_XML = "malformed-xml"
    DTD_FORBIDDEN = "dtd-forbidden"
    MALFORMED_JSON = "malformed-json"
    WRONG_SCHEMA = "wrong-schema"
    TOO_LARGE = "too-large"
    RATIO_EXCEEDED = "ratio-exceeded"
    TOO_MANY_RECORDS = "too-many-records"
    FIELD_TOO_LONG = "field-too-long"
    CORRUPT_ARCHIVE = "corrupt-archive"
    NESTING_TOO_DEEP = "nesting-too-deep"
    NOT_A_REPORT = "not-a-report"
    NOT_AUTH_FAILURE = "not-auth-failure"
    MALFORMED_MESSAGE = "malformed-message"

    @classmethod
    def from_text(cls, text: str) -> QuarantineReason:
        return cls(text.strip().lower())

    def to_text(self) -> str:
        return self.value


class ReportRejected(InboxreadyError):
    """An input that is not a usable report; it goes to the quarantine, the run goes on."""

    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}")
