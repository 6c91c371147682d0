"""The audit: runs every check for a domain and collects one report."""

from inboxready.audit.engine import DEFAULT_CHECKS, audit_domain
from inboxready.audit.report import DomainReport

__all__ = ["DEFAULT_CHECKS", "DomainReport", "audit_domain"]
