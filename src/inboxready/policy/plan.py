"""The plan: every record the policy's senders need, merged into one correct set for the domain.

`make_plan(policy, catalog, resolver)` returns a `Plan`: one SPF record authorizing every sender
whose envelope sender is the domain (RFC 7208; kept within 10 lookups, section 4.6.4), the DKIM keys
(RFC 6376 3.6.2.1), the DMARC record built from the goal (RFC 7489 6.3) with the external report
authorizations its addresses need (7.1), custom MAIL FROM records, verification records, HELO
address and PTR records for own servers (RFC 7208 2.3, RFC 1912 2.1), TLS-RPT (RFC 8460 3) and
MTA-STS (RFC 8461 3.1); then manual steps, each sender's DMARC path, and conflicts as findings.
"""

from __future__ import annotations

import hashlib
import ipaddress

import dns.reversename

from inboxready.dns.resolver import Resolver
from inboxready.findings.model import Finding
from inboxready.findings.registry import make_finding
from inboxready.policy.model import Policy, PolicyFile
from inboxready.policy.paths import sender_path
from inboxready.policy.records import ManualStep, PendingRecord, Plan, PlannedRecord, RecordPurpose
from inboxready.policy.senders import resolve_senders
from inboxready.policy.spfplan import plan_spf
from inboxready.providers.catalog import Catalog
from inboxready.providers.setup import RecordSpec, SenderSetup


def dmarc_record_text(policy: Policy) -> str:
    goal = policy.dmarc
    tags = [f"v=DMARC1; p={goal.policy}"]
    if goal.subdomain_policy is not None:
        tags.append(f"sp={goal.subdomain_policy}")
    if goal.adkim == "s":
        tags.append("adkim=s")
    if goal.aspf == "s":
        tags.append("aspf=s")
    if goal.rua:
        tags.append("rua=" + ",".join(goal.rua))
    if goal.ruf:
        tags.append("ruf=" + ",".join(goal.ruf))
        tags.append(f"fo={goal.failure_options or '1'}")
    elif goal.failure_options:
        tags.append(f"fo={goal.failure_options}")
    return "; ".join(tags)


def _absolute_target(kind: str, value: str) -> str:
    if kind in ("CNAME", "NS", "PTR"):
        return value.rstrip(".").lower() + "."
    return value


def _in_domain(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)


class _Builder:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.domain = policy.domain
        self.ttl = policy.options.ttl
        self.records: dict[tuple[str, str, str], PlannedRecord] = {}
        self.pending: list[PendingRecord] = []
        self.findings: list[Finding] = []

    def add(
        self, name: str, kind: str, value: str, why: str, who: str, purpose: RecordPurpose,
        *, zone: str | None = None, caveats: tuple[str, ...] = (),
    ) -> None:
        name = name.rstrip(".").lower()
        value = _absolute_target(kind, value)
        zone = zone or (self.domain if _in_domain(name, self.domain) else name)
        key = (name, kind, value.lower() if kind != "TXT" else value)
        old = self.records.get(key)
        if old is not None:
            self.records[key] = PlannedRecord(
                old.name, old.type, old.value, old.why, tuple(dict.fromkeys((*old.providers, who))),
                old.purpose, old.ttl, old.zone, old.external, tuple(dict.fromkeys((*old.caveats, *caveats))),
            )
            return
        external = not _in_domain(name, self.domain)
        self.records[key] = PlannedRecord(name, kind, value, why, (who,), purpose, self.ttl, zone, external, caveats)

    def add_spec(self, setup: SenderSetup, spec: RecordSpec) -> None:
        purpose: RecordPurpose = spec.kind
        if spec.value is None:
            where = "; ".join(
                setup.provider.parameters[n].where for n in spec.missing
                if n in setup.provider.parameters and setup.provider.parameters[n].where
            )
            self.pending.append(
                PendingRecord(spec.name, spec.type, spec.why, (setup.label,), purpose, spec.missing, where)
            )
            return
        caveats = tuple(
            f"{n}: derived from the catalog's pattern ({setup.provider.parameters[n].description})"
            for n in spec.derived
        )
        section = {"dkim": setup.provider.dkim, "mail-from": setup.provider.mail_from,
                   "verification": setup.provider.verification}.get(spec.kind)
        if section is not None and section.unconfirmed:
            what = section.note or getattr(section, "method", "") or "no source confirms this record"
            caveats += (f"unconfirmed: {what}",)
        self.add(spec.name, spec.type, spec.value, spec.why, setup.label, purpose, caveats=caveats)

    def planned(self) -> tuple[PlannedRecord, ...]:
        order = ("spf", "spf-type99", "dmarc", "dkim", "mail-from", "verification", "helo-address",
                 "helo-spf", "tls-rpt", "mta-sts", "report-authorization", "ptr")
        return tuple(sorted(self.records.values(), key=lambda r: (order.index(r.purpose), r.name, r.type)))


def _check_names(builder: _Builder) -> None:
    """Selector conflicts and names where a CNAME would share the owner with other data."""
    by_name: dict[str, list[tuple[str, str, str, str]]] = {}
    for r in builder.records.values():
        by_name.setdefault(r.name, []).append((r.type, r.value, ",".join(r.providers), r.purpose))
    for p in builder.pending:
        by_name.setdefault(p.name, []).append((p.type, "<pending>", ",".join(p.providers), p.purpose))
    for name, entries in sorted(by_name.items()):
        owners = sorted({e[2] for e in entries})
        dkim = [e for e in entries if e[3] == "dkim"]
        differ = len({(e[0], e[1]) for e in dkim}) > 1 or "<pending>" in {e[1] for e in dkim}
        if len({e[2] for e in dkim}) > 1 and differ:
            selector = name.split("._domainkey.")[0]
            builder.findings.append(make_finding(
                "selector-conflict", name,
                f"{' and '.join(sorted({e[2] for e in dkim}))} both need DKIM selector {selector!r} at {name}.",
                data={"name": name, "selector": selector, "senders": sorted({e[2] for e in dkim})},
            ))
        elif any(e[0] == "CNAME" for e in entries) and len({(e[0], e[1]) for e in entries}) > 1:
            builder.findings.append(make_finding(
                "selector-conflict" if dkim else "plan-name-conflict", name,
                f"{name} would need a CNAME and other data at once ({', '.join(owners)}); "
                "a CNAME cannot share its name (RFC 1034 3.6.2).",
                data={"name": name, "senders": owners},
            ))


def _servers(builder: _Builder) -> None:
    for server in builder.policy.servers:
        who = f"own-server {', '.join(server.ip)}"
        if server.helo is None:
            continue
        for ip in server.ip:
            version = ipaddress.ip_address(ip).version
            builder.add(
                dns.reversename.from_address(ip).to_text(omit_final_dot=True), "PTR", server.helo,
                f"forward-confirmed reverse DNS for {ip}: ask the owner of the address block to set it",
                who, "ptr", zone=f"reverse zone of {ip}",
            )
            builder.add(server.helo, "AAAA" if version == 6 else "A", ip,
                        f"address of HELO name {server.helo} (must match the PTR of {ip})", who, "helo-address")
        if server.helo != builder.domain and _in_domain(server.helo, builder.domain):
            networks = " ".join(("ip6:" if ":" in ip else "ip4:") + ip for ip in server.ip)
            builder.add(server.helo, "TXT", f"v=spf1 {networks} -all",
                        "SPF for the HELO identity (RFC 7208 2.3)", who, "helo-spf")


def _dmarc(builder: _Builder) -> None:
    from inboxready.dmarc.orgdomain import organizational_domain_or_self
    from inboxready.dmarc.record import parse_dmarc_record

    text = dmarc_record_text(builder.policy)
    parsed = parse_dmarc_record(text)
    for problem in parsed.errors:
        builder.findings.append(make_finding("plan-dmarc-invalid", f"_dmarc.{builder.domain}", problem.message))
    builder.add(f"_dmarc.{builder.domain}", "TXT", text, "DMARC policy built from the policy's dmarc goal",
                "dmarc", "dmarc")
    own_org = organizational_domain_or_self(builder.domain)
    goal = builder.policy.dmarc
    for uri in (*goal.rua, *goal.ruf):
        dest = uri.rpartition("@")[2]
        if organizational_domain_or_self(dest) != own_org:
            builder.add(
                f"{builder.domain}._report._dmarc.{dest}", "TXT", "v=DMARC1",
                f"{dest} must authorize reports about {builder.domain} (RFC 7489 7.1)", "dmarc",
                "report-authorization", zone=dest,
            )


def _transport(builder: _Builder) -> list[ManualStep]:
    options, domain = builder.policy.options, builder.domain
    steps: list[ManualStep] = []
    if options.tls_rpt:
        builder.add(f"_smtp._tls.{domain}", "TXT", "v=TLSRPTv1; rua=" + ",".join(options.tls_rpt),
                    "SMTP TLS reporting address (RFC 8460 3)", "tls-rpt", "tls-rpt")
    sts = options.mta_sts
    if sts is not None and sts.mode != "none":
        body = "\n".join(
            ["version: STSv1", f"mode: {sts.mode}", *(f"mx: {m}" for m in sts.mx), f"max_age: {sts.max_age}"]
        )
        policy_id = hashlib.sha256(body.encode()).hexdigest()[:20]
        builder.add(f"_mta-sts.{domain}", "TXT", f"v=STSv1; id={policy_id}",
                    "MTA-STS policy indicator; id changes whenever the policy file changes (RFC 8461 3.1)",
                    "mta-sts", "mta-sts")
        steps.append(ManualStep("mta-sts", f"Serve this file at https://mta-sts.{domain}/.well-known/mta-sts.txt "
                                f"(valid certificate for mta-sts.{domain}):\n{body}",
                                "https://www.rfc-editor.org/rfc/rfc8461#section-3.2"))
    return steps


async def make_plan(policy: Policy | PolicyFile, catalog: Catalog, resolver: Resolver) -> Plan:
    """The complete record set, manual steps, sender paths and conflicts for the policy."""
    pol = policy.policy if isinstance(policy, PolicyFile) else policy
    resolved = resolve_senders(policy, catalog)
    builder = _Builder(pol)
    builder.findings.extend(resolved.findings)
    steps: list[ManualStep] = []
    for setup in resolved.setups:
        for spec in setup.records():
            builder.add_spec(setup, spec)
        steps.extend(ManualStep(setup.label, text, url) for text, url in setup.steps)
    for setup in resolved.setups:
        if setup.spf_missing and setup.provider.spf.root != "not-needed":
            builder.pending.append(PendingRecord(
                pol.domain, "TXT", f"SPF include for {setup.label} (not in the SPF record until given)",
                (setup.label,), "spf", setup.spf_missing,
                "; ".join(setup.provider.parameters[n].where for n in setup.spf_missing),
            ))
    spf = await plan_spf(pol, resolved.setups, resolver)
    builder.findings.extend(spf.findings)
    whos = spf.senders or ("spf",)
    for name, text in spf.extra_records:
        builder.add(name, "TXT", text, "SPF sub-record the optimizer moved address ranges to", "spf", "spf")
    for who in whos:
        builder.add(pol.domain, "TXT", spf.summary.record,
                    "the one SPF record authorizing every sender whose envelope sender is the domain", who, "spf")
        if pol.options.legacy_spf_type99:
            builder.add(pol.domain, "SPF", spf.summary.record,
                        "legacy type-99 copy requested by the policy (RFC 7208 3.1 deprecates it)", who, "spf-type99")
    _dmarc(builder)
    _servers(builder)
    steps.extend(_transport(builder))
    _check_names(builder)
    paths = []
    for setup in resolved.setups:
        path, findings = sender_path(setup, pol, spf.senders, steps)
        paths.append(path)
        builder.findings.extend(findings)
    silenced = [f for f in builder.findings if f.code not in pol.silence]
    return Plan(
        domain=pol.domain, records=builder.planned(), pending=tuple(builder.pending), steps=tuple(steps),
        conflicts=tuple(silenced), paths=tuple(paths), spf=spf.summary, unchecked=spf.unchecked,
        spf_senders=spf.coverage,
    )
