"""The JSON shape of `reports summary --json` (a documented contract; keys are snake_case).

    {"reports", "messages", "dmarc_pass", "dmarc_fail", "quarantined",
     "sources": [{"ip", "messages", "dmarc_pass", "spf_aligned", "dkim_aligned", "sender", "ptr", ...}],
     "findings": [...], ...}

Counts are messages (the sum of aggregate record counts); "reports" counts aggregate reports, TLS
and failure reports have their own counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inboxready.reports.model import SourceGroup, SourceStats, Summary


def _when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def source_to_dict(s: SourceStats) -> dict[str, Any]:
    return {
        "ip": s.ip,
        "messages": s.messages,
        "dmarc_pass": s.dmarc_pass,
        "spf_aligned": s.spf_aligned,
        "dkim_aligned": s.dkim_aligned,
        "sender": s.sender,
        "ptr": s.ptr,
        "group": s.group.value if s.group else None,
        "sender_match": s.match_evidence,
        "header_from": list(s.header_from),
        "envelope_domains": list(s.envelope_domains),
        "dkim_signatures": [{"domain": d, "selector": sel} for d, sel in s.dkim_signatures],
        "policy_applied": dict(s.dispositions),
    }


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    groups = {
        g.value.replace("-", "_"): {
            "sources": len(members := summary.group(g)),
            "messages": sum(s.messages for s in members),
            "dmarc_pass": sum(s.dmarc_pass for s in members),
        }
        for g in SourceGroup
    }
    return {
        "domain": summary.domain,
        "since": _when(summary.since),
        "until": _when(summary.until),
        "reports": summary.reports,
        "messages": summary.messages,
        "dmarc_pass": summary.dmarc_pass,
        "dmarc_fail": summary.dmarc_fail,
        "quarantined": summary.quarantined,
        "sources": [source_to_dict(s) for s in summary.sources],
        "findings": [f.to_dict() for f in summary.findings],
        "tls_reports": summary.tls_reports,
        "failure_reports": summary.failure_reports,
        "dmarc_pass_rate": round(summary.dmarc_pass / summary.messages, 4) if summary.messages else None,
        "policy_applied": dict(summary.policy_applied),
        "quarantine_reasons": dict(summary.quarantine_reasons),
        "groups": groups,
        "readiness": [
            {
                "domain": r.domain, "policy": r.policy, "pct": r.pct, "next_policy": r.next_policy, "ready": r.ready,
                "legitimate_messages": r.legitimate_messages, "legitimate_pass": r.legitimate_pass,
                "unauthorized_messages": r.unauthorized_messages, "hurt_messages": r.hurt_messages,
                "would_hurt": [{"sender": name, "messages": n} for name, n in r.would_hurt],
            }
            for r in summary.readiness
        ],
        "timeline": [{"day": d.day.isoformat(), "messages": d.messages, "dmarc_pass": d.dmarc_pass}
                     for d in summary.timeline],
        "tls": {
            "policies": [{"policy_domain": p.policy_domain, "policy_type": p.policy_type,
                          "successful_sessions": p.successful_sessions, "failed_sessions": p.failed_sessions}
                         for p in summary.tls_policies],
            "failures": [{"policy_domain": f.policy_domain, "policy_type": f.policy_type,
                          "mx_host": f.receiving_mx_hostname, "result_type": f.result_type,
                          "failed_sessions": f.failed_sessions} for f in summary.tls_failures],
        },
        "failure_samples": [{"domain": f.domain, "source_ip": f.source_ip, "arrival_date": _when(f.arrival_date),
                             "auth_failure": f.auth_failure, "original_from": f.original_from, "subject": f.subject}
                            for f in summary.failure_samples],
        "unchecked": list(summary.unchecked),
    }
