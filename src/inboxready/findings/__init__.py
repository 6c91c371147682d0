"""Findings: what every check returns.

A `Finding` is one coded observation about a subject (a domain, a record, an IP). Codes are
`area-slug` strings registered once, with their severity, title and fix, in `inboxready.findings.codes`
(one module per area); docs/findings.md is generated from that registry.
"""

from inboxready.findings.model import Finding, Severity, worst_severity
from inboxready.findings.registry import CodeInfo, all_codes, code_info, make_finding

__all__ = ["CodeInfo", "Finding", "Severity", "all_codes", "code_info", "make_finding", "worst_severity"]
