"""The published requirements of the large mailbox providers, as a checklist per domain.

Gmail and Yahoo (since February 2024) and Outlook.com (since May 2025) require of bulk senders
(5,000+ messages a day): SPF and DKIM, a DMARC policy of at least p=none, the From: domain aligned
with SPF or DKIM, valid forward and reverse DNS for sending IPs, TLS. Some lines need a message
(TLS, one-click unsubscribe) or the provider's own dashboards (spam rate): they say so and are
checked by `inboxready message check` where a message can tell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from inboxready.findings.model import Finding, Severity

GMAIL = "https://support.google.com/a/answer/81126"
YAHOO = "https://senders.yahooinc.com/best-practices/"
OUTLOOK = (
    "https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/"
    "strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730"
)
PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    requirement: str
    providers: tuple[str, ...]
    sources: tuple[str, ...]


REQUIREMENTS = (
    Requirement("spf", "SPF record published and valid", ("gmail", "yahoo", "outlook"), (GMAIL, YAHOO, OUTLOOK)),
    Requirement("dkim", "DKIM key published for the domain (1024 bits or more)", ("gmail", "yahoo", "outlook"),
                (GMAIL, YAHOO, OUTLOOK)),
    Requirement("dmarc", "DMARC policy published (at least p=none)", ("gmail", "yahoo", "outlook"),
                (GMAIL, YAHOO, OUTLOOK)),
    Requirement("alignment", "From: domain can align with SPF or DKIM", ("gmail", "yahoo", "outlook"),
                (GMAIL, YAHOO, OUTLOOK)),
    Requirement("rdns", "Sending IPs have valid forward and reverse DNS (PTR)", ("gmail", "yahoo"), (GMAIL, YAHOO)),
    Requirement("tls", "TLS connection for transmitting mail", ("gmail",), (GMAIL,)),
    Requirement("unsubscribe", "One-click unsubscribe (RFC 8058) in marketing mail", ("gmail", "yahoo"),
                (GMAIL, YAHOO)),
    Requirement("spam-rate", "Spam complaint rate below 0.3%", ("gmail", "yahoo"), (GMAIL, YAHOO)),
)

_AREA_OF = {"spf": "spf", "dkim": "dkim", "dmarc": "dmarc", "rdns": "ptr"}


def _errors(findings: Iterable[Finding], area: str) -> list[Finding]:
    return [f for f in findings if f.area == area and f.severity is Severity.ERROR and f.code != "dns-lookup-failed"]


def _dkim_keys(section: Mapping[str, Any]) -> int:
    return sum(1 for s in section.get("selectors", []) if s.get("status") == "found")


def _evaluate(key: str, sections: Mapping[str, Mapping[str, Any]], findings: list[Finding]) -> tuple[str, str]:
    spf, dkim, dmarc = sections.get("spf", {}), sections.get("dkim", {}), sections.get("dmarc", {})
    if key == "spf":
        if not spf.get("record"):
            return FAIL, "no SPF record"
        bad = _errors(findings, "spf")
        return (FAIL, ", ".join(sorted({f.code for f in bad}))) if bad else (PASS, spf["record"])
    if key == "dkim":
        keys = _dkim_keys(dkim)
        bad = [f for f in _errors(findings, "dkim") if f.code != "dkim-missing-selector"]
        if not keys:
            return FAIL, "no DKIM key found at the declared or common selectors"
        return (FAIL, ", ".join(sorted({f.code for f in bad}))) if bad else (PASS, f"{keys} selector(s) with a key")
    if key == "dmarc":
        if not dmarc.get("record"):
            return FAIL, "no DMARC record"
        return (PASS, str(dmarc["record"])) if dmarc.get("valid") else (FAIL, "the DMARC record is not valid")
    if key == "alignment":
        spf_ok = _evaluate("spf", sections, findings)[0] == PASS
        dkim_ok = _dkim_keys(dkim) > 0
        if not (spf_ok or dkim_ok):
            return FAIL, "neither a valid SPF record nor a DKIM key for the domain"
        via = " and ".join(name for name, ok in (("SPF", spf_ok), ("DKIM", dkim_ok)) if ok)
        return PASS, f"possible via {via}; each sender's path: inboxready plan, each message: inboxready message check"
    if key == "rdns":
        servers = sections.get("ptr", {}).get("servers", [])
        if not servers:
            return UNKNOWN, "no own sending IPs declared (providers keep their own PTRs)"
        failing = [s["ip"] for s in servers if not s.get("fcrdns")]
        return (FAIL, "no forward-confirmed PTR: " + ", ".join(failing)) if failing else (PASS, f"{len(servers)} IPs")
    if key == "tls":
        return UNKNOWN, "needs a message: inboxready message check reads the Received: chain"
    if key == "unsubscribe":
        return UNKNOWN, "needs a message: inboxready message check"
    return UNKNOWN, "only the provider's dashboards show it (e.g. Google Postmaster Tools)"


def requirements_section(sections: Mapping[str, Mapping[str, Any]], findings: Iterable[Finding]) -> dict[str, Any]:
    found = list(findings)
    items = []
    for req in REQUIREMENTS:
        status, detail = _evaluate(req.key, sections, found)
        items.append({
            "key": req.key, "requirement": req.requirement, "status": status, "detail": detail,
            "providers": list(req.providers), "sources": list(req.sources),
        })
    return {"items": items, "passed": sum(1 for i in items if i["status"] == PASS),
            "failed": sum(1 for i in items if i["status"] == FAIL)}
