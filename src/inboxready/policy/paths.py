"""Each sender's DMARC path: which aligned identifier will carry its mail (RFC 7489 section 3.1).

DKIM aligns when the service signs with d= the domain (strict and relaxed) or a subdomain of it
(relaxed only); SPF aligns when the envelope sender (RFC 5321 MAIL FROM) is the domain and the
domain's SPF record authorizes the service, or through a custom MAIL FROM subdomain (relaxed only).
"""

from __future__ import annotations

from collections.abc import Sequence

from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.model import Policy
from inboxready.policy.records import ManualStep, SenderPath
from inboxready.providers.setup import SenderSetup


def _step_refs(setup: SenderSetup, steps: Sequence[ManualStep]) -> str:
    numbers = [str(i) for i, s in enumerate(steps, 1) if s.provider == setup.label]
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f" once manual step {numbers[0]} is done"
    return f" once manual steps {', '.join(numbers)} are done"


def _dkim_way(setup: SenderSetup, policy: Policy, waiting: list[str], reasons: list[str]) -> str | None:
    provider = setup.provider
    if provider.dkim is None or "dkim" not in provider.dmarc.via:
        reasons.append(f"{provider.name} has no DKIM setup for the domain in the catalog")
        return None
    records = setup.dkim_records
    if not records:
        reasons.append(f"no DKIM selector is configured for {setup.label}")
        return None
    strict_ok = setup.dkim_domain == policy.domain
    if policy.dmarc.adkim == "s" and not strict_ok:
        reasons.append(f"DKIM signs as {setup.dkim_domain}, which does not align under adkim=s")
        return None
    missing = sorted({m for r in records for m in r.missing})
    if missing:
        where = [setup.provider.parameters[m].where for m in missing if m in setup.provider.parameters]
        waiting.append(f"copy {', '.join(missing)} from the service into the policy"
                       + (f" ({'; '.join(w for w in where if w)})" if any(where) else ""))
    selectors = "/".join(r.selector or r.name.split("._domainkey.")[0] for r in records)
    return f"aligned DKIM selector {selectors} (d={setup.dkim_domain})"


def _spf_way(
    setup: SenderSetup, policy: Policy, authorized: Sequence[str], waiting: list[str], reasons: list[str]
) -> str | None:
    provider = setup.provider
    if "spf" not in provider.dmarc.via:
        reasons.append(f"{provider.name}'s envelope sender is {provider.envelope.provider_domain or 'its own domain'}, "
                       "so SPF cannot align")
        return None
    if setup.mail_from_domain is not None:
        if policy.dmarc.aspf == "s" and setup.mail_from_domain != policy.domain:
            reasons.append(f"custom MAIL FROM {setup.mail_from_domain} does not align under aspf=s")
            return None
        missing = sorted({m for r in setup.mail_from_records for m in r.missing})
        if missing:
            waiting.append(f"copy {', '.join(missing)} into the policy")
        return f"aligned SPF via custom MAIL FROM {setup.mail_from_domain}"
    if provider.envelope.default == "own-domain":
        if setup.label not in authorized:
            if setup.spf_missing:
                waiting.append(f"copy {', '.join(setup.spf_missing)} into the policy (SPF include)")
                return f"aligned SPF (envelope sender {policy.domain})"
            reasons.append("the domain's SPF record does not authorize it")
            return None
        return f"aligned SPF (envelope sender {policy.domain}, authorized by the domain's SPF record)"
    where = provider.envelope.provider_domain or "the service's own domain"
    if provider.mail_from is not None:
        reasons.append(f"its envelope sender is {where} until a custom MAIL FROM is set")
    else:
        reasons.append(f"its envelope sender is {where}, so SPF cannot align")
    return None


def sender_path(
    setup: SenderSetup, policy: Policy, authorized: Sequence[str], steps: Sequence[ManualStep]
) -> tuple[SenderPath, list[Finding]]:
    waiting: list[str] = []
    reasons: list[str] = []
    dkim = _dkim_way(setup, policy, waiting, reasons)
    spf = _spf_way(setup, policy, authorized, waiting, reasons)
    numbers = [i for i, s in enumerate(steps, 1) if s.provider == setup.label]
    if waiting and numbers:
        waiting[-1] += f" (manual step {numbers[0]})"
    elif dkim:
        dkim += _step_refs(setup, steps)
    unconfirmed = tuple(f.note or "unconfirmed fact" for f in (setup.provider.envelope, setup.provider.dmarc)
                        if f.unconfirmed)
    findings: list[Finding] = []
    if not dkim and not spf:
        status = "fails"
        findings.append(make_finding(
            "sender-not-aligned", setup.label,
            f"{setup.label}: mail cannot pass DMARC: {'; '.join(reasons)}.",
            data={"sender": setup.label, "reasons": reasons},
        ))
    elif waiting:
        status = "pending"
        findings.append(make_finding(
            "sender-pending", setup.label, f"{setup.label}: will fail DMARC until you {'; '.join(waiting)}.",
            data={"sender": setup.label, "waiting_for": waiting},
        ))
    else:
        status = "aligned"
    if unconfirmed:
        findings.append(make_finding(
            "sender-unconfirmed", setup.label,
            f"{setup.label}: the catalog's claim is unconfirmed: {' '.join(unconfirmed)}",
            data={"sender": setup.label, "facts": list(unconfirmed)},
        ))
    path = SenderPath(setup.label, setup.provider.slug, status, dkim, spf, tuple(waiting), unconfirmed)  # type: ignore[arg-type]
    return path, findings
