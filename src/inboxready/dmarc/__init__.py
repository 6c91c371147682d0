"""DMARC: records (RFC 7489, RFC 9989), discovery, Organizational Domains, report destinations and
identifier alignment.

Public API::

    record = parse_dmarc_record("v=DMARC1; p=reject; rua=mailto:d@example.com", DmarcMode.DMARCBIS)
    analysis = await analyze_dmarc(resolver, "example.com", DmarcMode.RFC7489)
    verdict = evaluate_dmarc(header_from=..., mail_from=..., helo=..., spf_result="pass", dkim=[...],
                             record=record, policy_domain="example.com")
"""

from inboxready.dmarc.alignment import (
    DkimSignatureResult,
    DmarcEvaluation,
    IdentifierAlignment,
    align,
    domain_of,
    evaluate_dmarc,
    spf_identity,
)
from inboxready.dmarc.analyze import DmarcAnalysis, analyze_dmarc, check_dmarc
from inboxready.dmarc.destinations import DestinationCheck, DestinationsResult, authorization_name, check_destinations
from inboxready.dmarc.discovery import Discovery, discover_dmarc
from inboxready.dmarc.lookup import DmarcLookup, lookup_dmarc
from inboxready.dmarc.orgdomain import (
    TreeWalk,
    WalkStep,
    bundled_psl,
    load_psl,
    org_domain_finder,
    organizational_domain_or_self,
    psl_organizational_domain,
    tree_walk,
    walk_organizational_domain,
    walk_targets,
)
from inboxready.dmarc.record import DmarcRecord, is_dmarc_record, looks_like_dmarc, parse_dmarc_record
from inboxready.dmarc.semantics import policy_findings
from inboxready.dmarc.tags import AlignmentMode, DmarcMode, FailureOption, Policy, PsdFlag
from inboxready.dmarc.tagvalues import DmarcTag
from inboxready.dmarc.uris import ReportUri, parse_report_uri

__all__ = [
    "AlignmentMode",
    "DestinationCheck",
    "DestinationsResult",
    "Discovery",
    "DkimSignatureResult",
    "DmarcAnalysis",
    "DmarcEvaluation",
    "DmarcLookup",
    "DmarcMode",
    "DmarcRecord",
    "DmarcTag",
    "FailureOption",
    "IdentifierAlignment",
    "Policy",
    "PsdFlag",
    "ReportUri",
    "TreeWalk",
    "WalkStep",
    "align",
    "analyze_dmarc",
    "authorization_name",
    "bundled_psl",
    "check_destinations",
    "check_dmarc",
    "discover_dmarc",
    "domain_of",
    "evaluate_dmarc",
    "is_dmarc_record",
    "load_psl",
    "looks_like_dmarc",
    "lookup_dmarc",
    "org_domain_finder",
    "organizational_domain_or_self",
    "parse_dmarc_record",
    "parse_report_uri",
    "policy_findings",
    "psl_organizational_domain",
    "spf_identity",
    "tree_walk",
    "walk_organizational_domain",
    "walk_targets",
]
