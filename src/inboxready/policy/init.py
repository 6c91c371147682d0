"""Build a new policy file from `inboxready init` answers and write it as commented YAML.

Sender options look like `microsoft365:tenant=contoso` or `amazon-ses:region=eu-west-1,mail_from=bounce`
(a key given twice makes a list, e.g. `dkim_tokens=a,dkim_tokens=b`); servers like
`203.0.113.25=mail.example.com`. The YAML written is read back with `parse_policy` and its senders
checked against the catalog before anything is saved, so `init` never writes an unusable file.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from inboxready.errors import InputError
from inboxready.policy.model import PolicyFile, normalise_domain, parse_policy, report_uri
from inboxready.policy.senders import resolve_senders
from inboxready.providers.catalog import Catalog


@dataclass(slots=True)
class InitAnswers:
    domain: str
    senders: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    servers: list[tuple[str, str | None]] = field(default_factory=list)
    rua: list[str] = field(default_factory=list)
    ruf: list[str] = field(default_factory=list)
    dmarc_policy: str = "none"


def parse_sender_option(text: str) -> tuple[str, dict[str, Any]]:
    """'NAME[:KEY=VALUE,...]' → (slug, parameters); a repeated key collects a list."""
    name, _, rest = text.partition(":")
    slug = name.strip().lower()
    if not slug:
        raise InputError(f"--sender {text!r}: give a catalog name, e.g. microsoft365:tenant=contoso")
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"--sender {text!r}: {item!r} is not KEY=VALUE")
        key, value = key.strip(), value.strip()
        if key in params:
            old = params[key]
            params[key] = [*(old if isinstance(old, list) else [old]), value]
        else:
            params[key] = value
    return slug, params


def parse_server_option(text: str) -> tuple[str, str | None]:
    """'IP[=HELO-NAME]' → (ip, helo)."""
    ip_text, _, helo = text.partition("=")
    try:
        ip = str(ipaddress.ip_address(ip_text.strip()))
    except ValueError:
        raise InputError(f"--server {text!r}: {ip_text.strip()!r} is not an IP address") from None
    try:
        return ip, normalise_domain(helo) if helo.strip() else None
    except ValueError as exc:
        raise InputError(f"--server {text!r}: {exc}") from None


def _check_answers(answers: InitAnswers) -> None:
    try:
        normalise_domain(answers.domain)
        for address in (*answers.rua, *answers.ruf):
            report_uri(address)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if answers.dmarc_policy not in ("none", "quarantine", "reject"):
        raise InputError("--dmarc-policy must be none, quarantine or reject")


def _dump(data: Any) -> str:
    return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100))


def policy_yaml(answers: InitAnswers) -> str:
    """The policy file text, with comments pointing at the documentation."""
    _check_answers(answers)
    parts = [
        "# inboxready policy file: what sends mail as this domain (docs/policy-file.md).",
        "# Next: `inboxready plan` for the records and steps, `inboxready diff` to compare with DNS.",
        _dump({"domain": normalise_domain(answers.domain)}).rstrip(),
        "",
        "# Services that send as the domain: catalog names from `inboxready providers list`,",
        "# parameters from `inboxready providers show NAME`.",
    ]
    senders = [{"service": s, **({"parameters": p} if p else {})} for s, p in answers.senders]
    parts.append(_dump({"senders": senders}).rstrip() if senders else "senders: []")
    if answers.servers:
        parts += ["", "# Your own sending servers (IP and the name they give in HELO)."]
        servers = [{"ip": ip, **({"helo": h} if h else {})} for ip, h in answers.servers]
        parts.append(_dump({"servers": servers}).rstrip())
    dmarc: dict[str, Any] = {"policy": answers.dmarc_policy}
    if answers.rua:
        dmarc["rua"] = list(answers.rua)
    if answers.ruf:
        dmarc["ruf"] = list(answers.ruf)
    parts += ["", "# The DMARC goal (p, sp, adkim, aspf, rua, ruf). Reach reject through none and quarantine."]
    parts.append(_dump({"dmarc": dmarc}).rstrip())
    parts += [
        "",
        "# options:",
        "#   spf_all: \"~all\"            # or \"-all\"",
        "#   legacy_spf_type99: false   # also publish the obsolete type-99 SPF record",
        "#   mta_sts: {mode: testing, mx: [mx1.example.net]}",
        "#   tls_rpt: [tls-reports@example.com]",
        "# silence: []                 # finding codes to hide",
        "# catalog_dirs: []            # directories with your own catalog entries",
        "",
    ]
    return "\n".join(parts)


def build_policy_file(answers: InitAnswers, catalog: Catalog, filename: str) -> tuple[str, PolicyFile]:
    """(YAML text, parsed policy); raises InputError when the result would not plan."""
    text = policy_yaml(answers)
    parsed = parse_policy(text, filename)
    resolved = resolve_senders(parsed, catalog)
    unknown = [f.message for f in resolved.findings if f.code == "sender-unknown"]
    if unknown:
        raise InputError("; ".join(unknown))
    return text, parsed


def required_parameters(catalog: Catalog, slug: str) -> Sequence[tuple[str, str]]:
    """(name, description) of the parameters a sender must be given."""
    provider = catalog[slug]
    return [(n, p.description) for n, p in provider.parameters.items() if p.required]
