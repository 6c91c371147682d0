"""The policy file `inboxready.yaml`: what a domain declares about its own mail.

It names the domain, every service that sends as it (catalog slug + parameters), its own servers,
the DMARC goal (RFC 7489 section 6.3 tags p, sp, adkim, aspf, rua, ruf, fo), options (legacy type-99
SPF record, RFC 8461 MTA-STS mode, RFC 8460 TLS-RPT addresses), finding codes to silence, the DNS
providers `apply` publishes to (`targets`, credentials only by reference: an environment variable or
a file) and where the email policy document is served (`policy_document`).
`load_policy` validates it and every error names `file:line` (see docs/policy-file.md).
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from inboxready.providers.yamlload import (
    Locations,
    YamlSourceError,
    describe_validation_error,
    load_located,
)

DEFAULT_POLICY_FILE = "inboxready.yaml"
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_ADDRESS_RE = re.compile(r"^[^@\s,;!]+@[^@\s,;!]+\.[^@\s,;!]+$")


class PolicyError(YamlSourceError):
    """A policy file that cannot be used; the message lists `file:line: problem` entries."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def normalise_domain(value: str) -> str:
    name = str(value).strip().rstrip(".").lower()
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise ValueError(f"{value!r} is not a domain name (like example.com)")
    return name


def report_uri(value: str) -> str:
    """'dmarc@example.com' or 'mailto:dmarc@example.com' → 'mailto:dmarc@example.com'."""
    text = str(value).strip()
    address = text[7:] if text.lower().startswith("mailto:") else text
    if not _ADDRESS_RE.match(address):
        raise ValueError(f"{value!r} is not a report address (like dmarc@example.com)")
    local, _, host = address.rpartition("@")
    return f"mailto:{local}@{host.lower()}"


class Sender(_Model):
    service: str
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("service")
    @classmethod
    def _slug(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("parameters")
    @classmethod
    def _scalars(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, item in value.items():
            items = item if isinstance(item, list) else [item]
            if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
                raise ValueError(f"parameter {name}: give text, a number or a list of them")
        return value


class ServerDkim(_Model):
    selector: str
    key: str | None = None


class Server(_Model):
    ip: tuple[str, ...]
    helo: str | None = None
    dkim: ServerDkim | None = None

    @field_validator("ip", mode="before")
    @classmethod
    def _ips(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        out = []
        for item in items:
            try:
                out.append(str(ipaddress.ip_address(str(item).strip())))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address") from None
        if not out:
            raise ValueError("give at least one IP address")
        return tuple(out)

    @field_validator("helo")
    @classmethod
    def _helo(cls, value: str | None) -> str | None:
        return None if value is None else normalise_domain(value)


class DmarcGoal(_Model):
    policy: Literal["none", "quarantine", "reject"] = "none"
    subdomain_policy: Literal["none", "quarantine", "reject"] | None = None
    adkim: Literal["r", "s"] = "r"
    aspf: Literal["r", "s"] = "r"
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    failure_options: str | None = None

    @field_validator("rua", "ruf", mode="before")
    @classmethod
    def _uris(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(dict.fromkeys(report_uri(str(i)) for i in items))

    @field_validator("failure_options")
    @classmethod
    def _fo(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[01ds](:[01ds])*", str(value)):
            raise ValueError("failure_options is a colon-separated list of 0, 1, d, s (RFC 7489 6.3 fo)")
        return value


class MtaSts(_Model):
    mode: Literal["none", "testing", "enforce"]
    mx: tuple[str, ...] = ()
    max_age: int = Field(default=604800, ge=86400, le=31557600)

    @model_validator(mode="after")
    def _mx_needed(self) -> MtaSts:
        if self.mode != "none" and not self.mx:
            raise ValueError("mta_sts needs the mx: host names (patterns like *.example.net allowed)")
        return self


class Options(_Model):
    spf_all: Literal["~all", "-all"] = "~all"
    legacy_spf_type99: bool = False
    mta_sts: MtaSts | None = None
    tls_rpt: tuple[str, ...] = ()
    ttl: int = Field(default=3600, ge=60, le=604800)

    @field_validator("tls_rpt", mode="before")
    @classmethod
    def _tlsrpt(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(dict.fromkeys(report_uri(str(i)) for i in items))


_TARGET_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PROVIDER_ALIASES = {"powerdns": "octodns_powerdns.PowerDnsProvider", "rfc2136": "octodns_bind.Rfc2136Provider"}


class Credentials(_Model):
    """Where a target's secret comes from: an environment variable or a file (never the policy itself)."""

    env: str | None = None
    file: str | None = None
    #: The provider setting the secret fills (default: api_key for powerdns, key_secret for rfc2136).
    option: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Credentials:
        if (self.env is None) == (self.file is None):
            raise ValueError("credentials: give exactly one of env: (variable name) or file: (path)")
        if self.env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.env):
            raise ValueError(f"credentials.env {self.env!r} is not an environment variable name")
        return self


class Target(_Model):
    """A DNS provider `inboxready apply` can publish to (an octoDNS provider, see docs/policy-file.md)."""

    provider: str
    zone: str
    #: HTTP API base URL (powerdns: http://127.0.0.1:8081).
    api_url: str | None = None
    #: The DNS server that answers for the zone (HOST[:PORT]): queried after applying; rfc2136 sends
    #: its updates and zone transfers there.
    nameserver: str | None = None
    credentials: Credentials | None = None
    #: Further provider settings (no secrets: use credentials).
    settings: dict[str, str | int | bool] = Field(default_factory=dict)

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str) -> str:
        name = value.strip()
        if name.lower() in PROVIDER_ALIASES:
            return name.lower()
        if not re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", name):
            raise ValueError(f"provider {value!r}: use powerdns, rfc2136 or an octoDNS provider class "
                             "(module.ClassName, e.g. octodns_route53.Route53Provider)")
        return name

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return normalise_domain(value)

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^/\s]+/?", value.strip()):
            raise ValueError(f"api_url {value!r}: give the scheme, host and port, like http://127.0.0.1:8081")
        return None if value is None else value.strip().rstrip("/")

    @field_validator("settings")
    @classmethod
    def _no_secrets(cls, value: dict[str, str | int | bool]) -> dict[str, str | int | bool]:
        for key in value:
            if re.search(r"secret|token|passw|credential|private|(^|_)key$", key, re.IGNORECASE):
                raise ValueError(f"settings.{key}: secrets belong in credentials: (env: or file:), "
                                 "not in the policy file")
        return value

    @model_validator(mode="after")
    def _needs(self) -> Target:
        if self.provider == "powerdns" and (self.api_url is None or self.credentials is None):
            raise ValueError("a powerdns target needs api_url: and credentials: (the API key)")
        if self.provider == "rfc2136" and self.nameserver is None:
            raise ValueError("an rfc2136 target needs nameserver: (the primary server taking updates)")
        return self


class PolicyDocumentSettings(_Model):
    """The email policy document (docs/email-policy-document.md): where it is served."""

    url: str | None = None

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[^/\s;]+/[^\s;]*", value.strip()):
            raise ValueError(f"url {value!r}: the document is served over HTTPS (https://host/path)")
        return None if value is None else value.strip()


class Policy(_Model):
    domain: str
    senders: tuple[Sender, ...] = ()
    servers: tuple[Server, ...] = ()
    dmarc: DmarcGoal = Field(default_factory=DmarcGoal)
    options: Options = Field(default_factory=Options)
    silence: frozenset[str] = frozenset()
    catalog_dirs: tuple[str, ...] = ()
    #: DNS providers `inboxready apply --target NAME` publishes to.
    targets: dict[str, Target] = Field(default_factory=dict)
    #: Publish the email policy document pointer (_emailpolicy) with the plan.
    policy_document: PolicyDocumentSettings | None = None

    @field_validator("targets")
    @classmethod
    def _target_names(cls, value: dict[str, Target]) -> dict[str, Target]:
        for name in value:
            if not _TARGET_NAME_RE.match(name):
                raise ValueError(f"target name {name!r}: use lower-case letters, digits, - and _")
        return value

    @model_validator(mode="after")
    def _target_zones(self) -> Policy:
        for name, target in self.targets.items():
            related = (self.domain == target.zone or self.domain.endswith("." + target.zone)
                       or target.zone.endswith("." + self.domain))
            if not related:
                raise ValueError(f"targets.{name}.zone {target.zone} holds none of {self.domain}'s records")
        return self

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return normalise_domain(value)

    @field_validator("silence", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        return frozenset(str(i).strip().lower() for i in items)


class PolicyFile:
    """A loaded policy with the file it came from, so later problems can name file:line."""

    __slots__ = ("base", "locations", "path", "policy")

    def __init__(self, policy: Policy, path: str, locations: Locations) -> None:
        self.policy = policy
        self.path = path
        self.locations = locations
        self.base = Path(path).parent

    def where(self, *path: str | int) -> str:
        return self.locations.where(tuple(path))

    def catalog_dirs(self) -> list[Path]:
        """catalog_dirs, relative to the policy file's directory."""
        return [p if p.is_absolute() else self.base / p for p in map(Path, self.policy.catalog_dirs)]


def parse_policy(text: str, filename: str = DEFAULT_POLICY_FILE) -> PolicyFile:
    try:
        data, locations = load_located(text, filename)
    except YamlSourceError as exc:
        raise PolicyError(exc.problems) from exc
    if not isinstance(data, dict):
        raise PolicyError([f"{filename}:1: a policy file is a mapping with at least 'domain:'"])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(describe_validation_error(exc, locations)) from exc
    return PolicyFile(policy, filename, locations)


def load_policy(path: str | os.PathLike[str] = DEFAULT_POLICY_FILE) -> PolicyFile:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([f"{p}: no policy file here (create one with `inboxready init`)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"{p}: cannot read the policy file: {exc}"]) from exc
    return parse_policy(text, str(p))
