"""SPF (RFC 7208): parse, evaluate, analyze, check sender coverage, optimize.

    result = await evaluate_spf(resolver, "192.0.2.10", "alice@example.com", helo="mx.example.com")
    analysis = await analyze_spf(resolver, "example.com")
    coverage = await sender_coverage(resolver, "example.com", "_spf.provider.example")
    optimized = await optimize_record(resolver, "v=spf1 include:… -all", "example.com")

The evaluator is sans-I/O (`check_host_steps`, driven by `inboxready.spf.steps.drive`); everything
else reads a record graph fetched once (`fetch_graph`) and evaluates it over address ranges
(`policy_partition`).
"""

from inboxready.spf.analyze import AuthorizedNetwork, SpfAnalysis, analyze_graph, analyze_spf
from inboxready.spf.check import check_spf
from inboxready.spf.checkhost import check_host_steps
from inboxready.spf.coverage import Coverage, NetworkCoverage, sender_coverage
from inboxready.spf.drift import Drift, RangeChange, check_drift
from inboxready.spf.evaluate import check_host, evaluate_spf, evaluate_spf_sync
from inboxready.spf.graph import SpfGraph, fetch_graph
from inboxready.spf.optimize import OptimizedSpf, PublishedRecord, optimize_domain, optimize_record
from inboxready.spf.partition import Partition, PolicyRegion, node_partition, policy_partition
from inboxready.spf.proof import EquivalenceProof, prove_equivalence
from inboxready.spf.ranges import IPRangeSet
from inboxready.spf.record import (
    Mechanism,
    MechanismKind,
    Modifier,
    Qualifier,
    ResultCode,
    SpfRecord,
    SpfSyntaxError,
    parse_record,
    select_record,
)
from inboxready.spf.result import MatchedTerm, SpfOptions, SpfRequest, SpfResult, TraceStep, parse_ip

__all__ = [
    "AuthorizedNetwork",
    "Coverage",
    "Drift",
    "EquivalenceProof",
    "IPRangeSet",
    "MatchedTerm",
    "Mechanism",
    "MechanismKind",
    "Modifier",
    "NetworkCoverage",
    "OptimizedSpf",
    "Partition",
    "PolicyRegion",
    "PublishedRecord",
    "Qualifier",
    "RangeChange",
    "ResultCode",
    "SpfAnalysis",
    "SpfGraph",
    "SpfOptions",
    "SpfRecord",
    "SpfRequest",
    "SpfResult",
    "SpfSyntaxError",
    "TraceStep",
    "analyze_graph",
    "analyze_spf",
    "check_drift",
    "check_host",
    "check_host_steps",
    "check_spf",
    "evaluate_spf",
    "evaluate_spf_sync",
    "fetch_graph",
    "node_partition",
    "optimize_domain",
    "optimize_record",
    "parse_ip",
    "parse_record",
    "policy_partition",
    "prove_equivalence",
    "select_record",
    "sender_coverage",
]
