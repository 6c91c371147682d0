"""One sender's records for one domain: a catalog entry with the user's parameter values filled in.

`check_values` validates the values against the entry's typed parameters; `sender_setup` renders the
entry's templates into concrete records. A record whose template needs a value the service shows
(origin "service") that the user has not supplied is kept as *pending*, naming what is missing; a
record that needs an optional user choice (such as a custom MAIL FROM label) is left out.
DKIM key names are `<selector>._domainkey.<domain>` (RFC 6376 section 3.6.2.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from inboxready.providers.model import Parameter, Provider, RecordTemplate, template_fields
from inboxready.providers.params import coerce_value

Value = str | tuple[str, ...]
RecordKind = Literal["mail-from", "dkim", "verification"]


@dataclass(frozen=True, slots=True)
class RecordSpec:
    name: str  # absolute, no trailing dot
    type: str
    value: str | None  # None while pending
    kind: RecordKind
    why: str
    #: Service-supplied parameters still missing (the record is pending until they are given).
    missing: tuple[str, ...] = ()
    #: Parameters whose value was derived from the catalog's default pattern, not given by the user.
    derived: tuple[str, ...] = ()
    selector: str | None = None


@dataclass(frozen=True, slots=True)
class SenderSetup:
    provider: Provider
    label: str
    domain: str
    values: Mapping[str, Value]
    derived: frozenset[str]
    spf_mechanisms: tuple[str, ...] = ()
    spf_missing: tuple[str, ...] = ()
    mail_from_domain: str | None = None
    mail_from_records: tuple[RecordSpec, ...] = ()
    dkim_domain: str = ""
    dkim_records: tuple[RecordSpec, ...] = ()
    verification_records: tuple[RecordSpec, ...] = ()
    steps: tuple[tuple[str, str | None], ...] = field(default=())

    @property
    def slug(self) -> str:
        return self.provider.slug

    def records(self) -> tuple[RecordSpec, ...]:
        return self.mail_from_records + self.dkim_records + self.verification_records


def check_values(provider: Provider, given: Mapping[str, object]) -> tuple[dict[str, Value], list[tuple[str, str]]]:
    """(normalised values, [(parameter, problem)]) for the values a policy gives one sender."""
    values: dict[str, Value] = {}
    problems: list[tuple[str, str]] = []
    for name, raw in given.items():
        parameter = provider.parameters.get(name)
        if parameter is None:
            known = ", ".join(sorted(provider.parameters)) or "none"
            problems.append((name, f"{provider.slug} has no parameter {name!r} (known: {known})"))
            continue
        try:
            values[name] = _coerce(parameter, raw)
        except ValueError as exc:
            problems.append((name, f"{provider.slug} parameter {name}: {exc}"))
    for name, parameter in provider.parameters.items():
        if parameter.required and name not in given:
            problems.append(("", f"{provider.slug} needs parameter {name!r}: {parameter.description}"))
    for group in provider.require_one_of:
        if not any(name in given for name in group):
            problems.append(("", f"{provider.slug} needs one of the parameters {', '.join(group)}"))
    return values, problems


def _coerce(parameter: Parameter, raw: object) -> Value:
    items = list(raw) if isinstance(raw, list | tuple) else None
    if parameter.multiple:
        texts = items if items is not None else [v for v in str(raw).split() if v]
        if not texts:
            raise ValueError("give at least one value")
        return tuple(dict.fromkeys(coerce_value(parameter, str(t)) for t in texts))
    if items is not None:
        raise ValueError("takes one value, not a list")
    return coerce_value(parameter, str(raw))


class _Renderer:
    def __init__(self, domain: str, values: Mapping[str, Value], provider: Provider) -> None:
        self.domain = domain
        self.values = values
        self.provider = provider

    def fields(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        out = {"domain": self.domain, "domain_dashed": self.domain.replace(".", "-")}
        out.update({k: v for k, v in self.values.items() if isinstance(v, str)})
        out.update(extra or {})
        return out

    def missing(self, templates: Sequence[str], extra: Mapping[str, str] | None = None) -> list[str]:
        have = self.fields(extra)
        return sorted({f for t in templates for f in template_fields(t) if f not in have})

    def render(self, template: str, extra: Mapping[str, str] | None = None) -> str:
        return template.format_map(self.fields(extra))

    def loose(self, template: str) -> str:
        """Render for display: missing fields stay as <name>."""
        have = self.fields()
        return template.format_map({f: have.get(f, f"<{f}>") for f in template_fields(template)})

    def absolute(self, name: str) -> str:
        name = name.strip()
        if name in ("@", ""):
            return self.domain
        if name.endswith("."):
            return name.rstrip(".").lower()
        if name.endswith(".@"):
            name = name[:-2]
        return f"{name}.{self.domain}".lower()

    def iterations(self, for_each: str | None) -> list[dict[str, str]] | None:
        """One field set per value of a multiple parameter; None when that parameter is missing."""
        if for_each is None:
            return [{}]
        values = self.values.get(for_each)
        if values is None:
            return None
        return [{"value": v} for v in (values if isinstance(values, tuple) else (values,))]


def _fill_defaults(provider: Provider, domain: str, values: dict[str, Value]) -> set[str]:
    derived = set()
    for _ in range(len(provider.parameters)):
        changed = False
        for name, parameter in provider.parameters.items():
            if name in values or parameter.default is None:
                continue
            renderer = _Renderer(domain, values, provider)
            if renderer.missing([parameter.default]):
                continue
            values[name] = coerce_value(parameter, renderer.render(parameter.default))
            if parameter.origin == "service":
                derived.add(name)
            changed = True
        if not changed:
            break
    return derived


def sender_setup(provider: Provider, domain: str, values: Mapping[str, Value], label: str = "") -> SenderSetup:
    """Render the entry for `domain`; `values` must already be checked with `check_values`."""
    filled = dict(values)
    derived = _fill_defaults(provider, domain, filled)
    r = _Renderer(domain, filled, provider)
    spf, spf_missing = _spf(provider, r)
    mail_from_domain: str | None = None
    mail_from: tuple[RecordSpec, ...] = ()
    if provider.mail_from is not None and not _user_missing(provider, r, [provider.mail_from.domain]):
        mail_from_domain = r.absolute(r.render(provider.mail_from.domain))
        mail_from = _records(provider, r, provider.mail_from.records, "mail-from", derived)
    dkim_domain = domain
    dkim: tuple[RecordSpec, ...] = ()
    if provider.dkim is not None and not _user_missing(provider, r, [provider.dkim.domain]):
        dkim_domain = r.absolute(r.render(provider.dkim.domain))
        dkim = _dkim(provider, r, dkim_domain, derived)
    verification: tuple[RecordSpec, ...] = ()
    if provider.verification is not None:
        verification = _records(provider, r, provider.verification.records, "verification", derived)
    steps = tuple((r.loose(s.text), s.url) for s in provider.steps)
    if provider.mail_from is not None and mail_from_domain and provider.mail_from.step:
        steps += ((r.loose(provider.mail_from.step), provider.mail_from.url),)
    return SenderSetup(
        provider=provider, label=label or provider.slug, domain=domain, values=filled,
        derived=frozenset(derived), spf_mechanisms=spf, spf_missing=spf_missing,
        mail_from_domain=mail_from_domain, mail_from_records=mail_from, dkim_domain=dkim_domain,
        dkim_records=dkim, verification_records=verification, steps=steps,
    )


def _user_missing(provider: Provider, r: _Renderer, templates: Sequence[str]) -> list[str]:
    """Missing fields that are optional user choices (their absence switches the feature off)."""
    return [f for f in r.missing(templates) if f in provider.parameters and provider.parameters[f].origin == "user"]


def _spf(provider: Provider, r: _Renderer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    mechanisms: list[str] = []
    missing: list[str] = []
    for template in provider.spf.mechanisms:
        absent = r.missing([template])
        if not absent:
            mechanisms.append(r.render(template))
        elif not _user_missing(provider, r, [template]):
            missing.extend(absent)
    if provider.spf.networks_from:
        networks = r.values.get(provider.spf.networks_from, ())
        for network in networks if isinstance(networks, tuple) else (networks,):
            mechanisms.append(("ip6:" if ":" in network else "ip4:") + network)
    return tuple(mechanisms), tuple(sorted(set(missing)))


def _records(
    provider: Provider, r: _Renderer, templates: Sequence[RecordTemplate], kind: RecordKind, derived: set[str]
) -> tuple[RecordSpec, ...]:
    out: list[RecordSpec] = []
    for t in templates:
        if _user_missing(provider, r, [t.name, t.value]):
            continue
        iterations = r.iterations(t.for_each)
        if iterations is None:
            out.append(RecordSpec(r.absolute(r.loose(t.name)), t.type, None, kind, t.why, (t.for_each or "",)))
            continue
        for extra in iterations:
            absent = tuple(r.missing([t.name, t.value], extra))
            used = template_fields(t.name) | template_fields(t.value)
            value = None if absent else r.render(t.value, extra)
            out.append(
                RecordSpec(
                    name=r.absolute(r.render(t.name, extra) if not absent else r.loose(t.name)),
                    type=t.type, value=value, kind=kind, why=t.why, missing=absent,
                    derived=tuple(sorted(used & derived)),
                )
            )
    return tuple(out)


def _dkim(provider: Provider, r: _Renderer, dkim_domain: str, derived: set[str]) -> tuple[RecordSpec, ...]:
    assert provider.dkim is not None
    kind = "CNAME" if provider.dkim.form == "cname" else "TXT"
    why = f"{provider.name} DKIM key ({provider.dkim.form.upper()})"
    out: list[RecordSpec] = []
    for rec in provider.dkim.records:
        if _user_missing(provider, r, [rec.selector]):
            continue
        iterations = r.iterations(rec.for_each)
        if iterations is None:
            name = f"<{rec.for_each}>._domainkey.{dkim_domain}"
            out.append(RecordSpec(name, kind, None, "dkim", why, (rec.for_each or "",)))
            continue
        for extra in iterations:
            absent = tuple(r.missing([rec.selector, rec.value], extra))
            selector = r.render(rec.selector, extra) if not r.missing([rec.selector], extra) else r.loose(rec.selector)
            used = template_fields(rec.selector) | template_fields(rec.value)
            out.append(
                RecordSpec(
                    name=f"{selector}._domainkey.{dkim_domain}".lower(), type=kind,
                    value=None if absent else r.render(rec.value, extra), kind="dkim", why=why,
                    missing=absent, derived=tuple(sorted(used & derived)), selector=selector.lower(),
                )
            )
    return tuple(out)
