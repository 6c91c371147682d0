"""JSON rendering. The shapes are the documented contract (docs/schemas/)."""

from __future__ import annotations

import json
from typing import Any

from inboxready.audit.report import DomainReport

SCHEMA_VERSION = 1


def report_to_json(report: DomainReport) -> dict[str, Any]:
    return report.to_dict()


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
