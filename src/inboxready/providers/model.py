"""The schema of a catalog entry: one sending service and what the sender's DNS needs for it.

Every section that states a fact about the service is `Sourced`: it names its sources (keys into the
entry's `sources`), the basis of the claim (official, secondary, observed) and the date the fact was
checked. A fact no source confirms carries `unconfirmed: true` and is shown as such, never guessed.
Record templates use `{parameter}` fields filled from the policy file; built-ins are `{domain}` and
`{domain_dashed}` (dots replaced by dashes, as several services name their DKIM targets).
RFC 7208 (SPF), RFC 6376 (DKIM) and RFC 7489 section 3.1 (identifier alignment) give the terms.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BUILTIN_FIELDS = frozenset({"domain", "domain_dashed", "value"})
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PARAM_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def template_fields(template: str) -> set[str]:
    """The `{field}` names a template uses (format specs and conversions are not allowed)."""
    names = set()
    for _text, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conversion or not _PARAM_RE.match(name):
            raise ValueError(f"template field {{{name}}} in {template!r} must be a plain parameter name")
        names.add(name)
    return names


class Basis(enum.Enum):
    OFFICIAL = "official"
    SECONDARY = "secondary"
    OBSERVED = "observed"
    INFERRED = "inferred"
    UNCONFIRMED = "unconfirmed"
    STANDARD = "standard"  # an RFC

    @classmethod
    def from_text(cls, text: str) -> Basis:
        return cls(text.strip().lower())

    def to_text(self) -> str:
        return self.value


class Source(Frozen):
    url: str
    #: The date printed on the source (page date, ms.date, "updated"); None when it shows none.
    date: dt.date | None = None
    note: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"source url must start with https:// or http://, not {value!r}")
        return value


class Sourced(Frozen):
    """A fact with its provenance."""

    note: str = ""
    basis: tuple[Basis, ...] = ()
    sources: tuple[str, ...] = ()
    #: The date the fact was checked against its sources (defaults to the entry's `checked`).
    checked: dt.date | None = None
    #: No source confirms this fact; output says so.
    unconfirmed: bool = False

    @model_validator(mode="after")
    def _provenance(self) -> Sourced:
        if Basis.UNCONFIRMED in self.basis and not self.unconfirmed:
            raise ValueError("basis 'unconfirmed' needs 'unconfirmed: true'")
        if not self.sources and not self.unconfirmed:
            raise ValueError("a confirmed fact needs at least one source (or 'unconfirmed: true')")
        if not self.basis:
            raise ValueError("every fact needs a 'basis' (official, secondary, observed, inferred, standard)")
        return self


class ParameterType(enum.Enum):
    LABEL = "label"  # one or more DNS labels relative to the domain ("bounce", "mg")
    HOSTNAME = "hostname"
    REGION = "region"
    TOKEN = "token"  # an opaque value the service shows ([A-Za-z0-9._:-])
    NUMBER = "number"
    IP = "ip"  # an IPv4/IPv6 address or network
    DKIM_KEY = "dkim-key"  # a DKIM public key record or its p= value
    TEXT = "text"


class Parameter(Frozen):
    type: ParameterType
    description: str
    required: bool = False
    #: "user": chosen by the user (optional ones switch a feature on); "service": shown by the
    #: service's console, so a missing one leaves its records pending with a manual step.
    origin: Literal["user", "service"] = "user"
    multiple: bool = False
    default: str | None = None  # a template (may use other parameters)
    choices: tuple[str, ...] = ()
    example: str = ""
    where: str = ""  # where in the service's console the value is found
    unconfirmed: bool = False


class RecordTemplate(Frozen):
    name: str  # relative to the domain; "@" is the domain itself
    type: Literal["TXT", "CNAME", "MX", "A", "AAAA", "NS"]
    value: str
    #: A multiple-valued parameter: one record per value, the value available as {value}.
    for_each: str | None = None
    why: str = ""

    def fields(self) -> set[str]:
        return template_fields(self.name) | template_fields(self.value)


class SpfSpec(Sourced):
    #: needed: the service's envelope sender is the domain itself, so the domain's SPF must list it;
    #: recommended: the service asks for it though alignment does not depend on it;
    #: not-needed: the envelope sender is the service's own domain; an include only spends lookups.
    root: Literal["needed", "recommended", "not-needed"]
    mechanisms: tuple[str, ...] = ()
    #: A parameter of type ip whose values become ip4:/ip6: mechanisms.
    networks_from: str | None = None


class EnvelopeSpec(Sourced):
    #: own-domain: MAIL FROM is the sender's domain (SPF can align); provider: the service's domain
    #: (SPF cannot align); sending-subdomain: a subdomain the service hosts (relaxed alignment).
    default: Literal["own-domain", "provider", "sending-subdomain"]
    provider_domain: str | None = None


class MailFromSpec(Sourced):
    """A custom MAIL FROM (bounce / Return-Path) domain under the sender's domain."""

    #: The domain it makes the envelope sender, as a template ("{mail_from}" is a label).
    domain: str
    records: tuple[RecordTemplate, ...] = ()
    #: Manual step to switch it on at the service.
    step: str = ""
    url: str | None = None


class DkimRecord(Frozen):
    selector: str  # template
    value: str  # template: CNAME target, or TXT key record
    for_each: str | None = None


class DkimSpec(Sourced):
    form: Literal["cname", "txt"]
    #: Where the keys live (and the d= of the signatures), relative to the domain.
    domain: str = "@"
    records: tuple[DkimRecord, ...]


class VerificationSpec(Sourced):
    method: str
    records: tuple[RecordTemplate, ...] = ()


class Step(Sourced):
    text: str
    url: str | None = None


class DmarcSpec(Sourced):
    """How the service's mail passes DMARC once set up (RFC 7489 section 3.1)."""

    via: tuple[Literal["dkim", "spf"], ...]
    #: Default From domain alignment is relaxed-only when the service signs/bounces on a subdomain.
    strict_possible: bool = True


class Provider(Frozen):
    slug: str
    name: str
    kind: Literal["mailbox", "esp", "helpdesk", "crm", "server"]
    summary: str
    checked: dt.date
    sources: dict[str, Source] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    #: Groups of parameters of which at least one must be given (e.g. a web host's name or IP).
    require_one_of: tuple[tuple[str, ...], ...] = ()
    spf: SpfSpec
    envelope: EnvelopeSpec
    mail_from: MailFromSpec | None = None
    dkim: DkimSpec | None = None
    verification: VerificationSpec | None = None
    steps: tuple[Step, ...] = ()
    dmarc: DmarcSpec
    notes: tuple[Step, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_checked(cls, data: Any) -> Any:
        """Sections without their own `checked` date take the entry's."""
        if not isinstance(data, dict) or "checked" not in data:
            return data
        data = dict(data)
        for key in ("spf", "envelope", "mail_from", "dkim", "verification", "dmarc"):
            section = data.get(key)
            if isinstance(section, dict) and "checked" not in section:
                data[key] = {**section, "checked": data["checked"]}
        for key in ("steps", "notes"):
            items = data.get(key)
            if isinstance(items, list):
                data[key] = [
                    {**i, "checked": data["checked"]} if isinstance(i, dict) and "checked" not in i else i
                    for i in items
                ]
        return data

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG_RE.match(value):
            raise ValueError(f"slug {value!r} must be lower-case words joined by '-'")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, value: dict[str, Parameter]) -> dict[str, Parameter]:
        for name in value:
            if not _PARAM_RE.match(name) or name in BUILTIN_FIELDS:
                raise ValueError(f"parameter name {name!r} must be lower_case and not a built-in")
        return value

    @model_validator(mode="after")
    def _references(self) -> Provider:
        for fact in self.facts():
            missing = [s for s in fact.sources if s not in self.sources]
            if missing:
                raise ValueError(f"unknown source {', '.join(missing)} (define it under 'sources')")
        known = set(self.parameters) | BUILTIN_FIELDS
        for template in self.templates():
            unknown = template_fields(template) - known
            if unknown:
                raise ValueError(f"template {template!r} uses undefined parameter {', '.join(sorted(unknown))}")
        for group in self.require_one_of:
            for name in group:
                if name not in self.parameters:
                    raise ValueError(f"require_one_of names undefined parameter {name!r}")
        return self

    def facts(self) -> list[Sourced]:
        sections: list[Sourced | None] = [self.spf, self.envelope, self.mail_from, self.dkim, self.verification,
                                          self.dmarc, *self.steps, *self.notes]
        return [s for s in sections if s is not None]

    def templates(self) -> list[str]:
        out = list(self.spf.mechanisms)
        out += [p.default for p in self.parameters.values() if p.default]
        if self.mail_from is not None:
            out.append(self.mail_from.domain)
            out += [t for r in self.mail_from.records for t in (r.name, r.value)]
        if self.dkim is not None:
            out.append(self.dkim.domain)
            out += [t for r in self.dkim.records for t in (r.selector, r.value)]
        if self.verification is not None:
            out += [t for r in self.verification.records for t in (r.name, r.value)]
        out += [s.text for s in self.steps]
        return out

    @property
    def unconfirmed_facts(self) -> list[Sourced]:
        return [f for f in self.facts() if f.unconfirmed]
