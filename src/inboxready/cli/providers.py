"""`inboxready providers list` · `providers show NAME`: the catalog of sending services."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from rich.text import Text

from inboxready.cli.context import app, global_options
from inboxready.errors import InputError
from inboxready.providers.catalog import Catalog, load_catalog
from inboxready.providers.model import Provider, Sourced


def _catalog(dirs: tuple[str, ...]) -> Catalog:
    return load_catalog(dirs)


catalog_dir_option = click.option(
    "--catalog-dir", "catalog_dirs", multiple=True, metavar="DIR",
    help="Also read catalog entries from this directory (repeatable).",
)


@click.group("providers", help="""The catalog of sending services inboxready knows.

\b
Examples:
  inboxready providers list
  inboxready providers show amazon-ses
  inboxready providers show microsoft365 --json""")
def command() -> None:
    pass


def _summary(p: Provider) -> dict[str, Any]:
    return {
        "slug": p.slug, "name": p.name, "kind": p.kind, "summary": p.summary,
        "dmarc_via": list(p.dmarc.via), "dkim_form": p.dkim.form if p.dkim else None,
        "envelope": p.envelope.default, "checked": p.checked.isoformat(),
        "unconfirmed_facts": len(p.unconfirmed_facts),
    }


@command.command("list", help="""List every service in the catalog.

\b
Examples:
  inboxready providers list
  inboxready providers list --json""")
@catalog_dir_option
@global_options
@click.pass_context
def list_command(ctx: click.Context, catalog_dirs: tuple[str, ...]) -> None:
    obj = app(ctx)
    catalog = _catalog(catalog_dirs)
    if obj.json_output:
        obj.emit_json({"providers": [_summary(catalog[s]) for s in catalog]})
        return
    table = Table(box=None)
    for header in ("name", "service", "DMARC via", "DKIM", "envelope sender", "unconfirmed"):
        table.add_column(header, no_wrap=header != "service")
    for slug in catalog:
        p = catalog[slug]
        table.add_row(slug, p.name, "+".join(p.dmarc.via), p.dkim.form if p.dkim else "-", p.envelope.default,
                      str(len(p.unconfirmed_facts)) if p.unconfirmed_facts else "")
    obj.console().print(table)


def _fact(fact: Sourced, sources: dict[str, str]) -> dict[str, Any]:
    return {
        "note": fact.note, "basis": [b.value for b in fact.basis], "unconfirmed": fact.unconfirmed,
        "checked": fact.checked.isoformat() if fact.checked else None,
        "sources": [sources[s] for s in fact.sources],
    }


def provider_json(p: Provider) -> dict[str, Any]:
    urls = {k: s.url for k, s in p.sources.items()}
    data = p.model_dump(mode="json")
    data["facts"] = {
        name: _fact(f, urls)
        for name, f in (("spf", p.spf), ("envelope", p.envelope), ("mail_from", p.mail_from), ("dkim", p.dkim),
                        ("verification", p.verification), ("dmarc", p.dmarc))
        if f is not None
    }
    return data


@command.command("show", help="""Show one service: records, parameters, steps, sources.

\b
Examples:
  inboxready providers show amazon-ses
  inboxready providers show google-workspace --json""")
@click.argument("name")
@catalog_dir_option
@global_options
@click.pass_context
def show_command(ctx: click.Context, name: str, catalog_dirs: tuple[str, ...]) -> None:
    obj = app(ctx)
    catalog = _catalog(catalog_dirs)
    provider = catalog.get(name.lower())
    if provider is None:
        hint = catalog.suggest(name)
        raise InputError(f"no service {name!r} in the catalog" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                         + "; see `inboxready providers list`")
    if obj.json_output:
        obj.emit_json(provider_json(provider))
        return
    _print_provider(obj.console(), provider)


def _line(console: Any, label: str, fact: Sourced | None, body: str) -> None:
    if fact is None:
        return
    srcs = ", ".join(fact.sources) or "no source"
    line = Text(label, style="bold")
    if fact.unconfirmed:
        line.append(" (unconfirmed)", style="bold yellow")
    line.append(f": {body}")
    console.print(line)
    if fact.note:
        console.print(Text(f"    {fact.note}"))
    basis = "/".join(b.value for b in fact.basis)
    console.print(Text(f"    basis {basis}; sources {srcs}; checked {fact.checked}", style="dim"))


def _print_provider(console: Any, p: Provider) -> None:
    console.print(Text(f"{p.name} ({p.slug}, {p.kind}) - {p.summary}", style="bold"))
    if p.parameters:
        console.print(Text("parameters:", style="bold"))
        for n, param in p.parameters.items():
            flags = ", ".join(x for x in ("required" if param.required else "", param.origin,
                                          "list" if param.multiple else "") if x)
            console.print(f"    {n} ({param.type.value}; {flags}): {param.description}", markup=False)
    _line(console, "SPF", p.spf, f"{p.spf.root}; " + (" ".join(p.spf.mechanisms) or "no include"))
    _line(console, "envelope sender", p.envelope, p.envelope.default
          + (f" ({p.envelope.provider_domain})" if p.envelope.provider_domain else ""))
    if p.mail_from:
        recs = "; ".join(f"{r.name} {r.type} {r.value}" for r in p.mail_from.records)
        _line(console, "custom MAIL FROM", p.mail_from, f"{p.mail_from.domain}: {recs}")
    if p.dkim:
        recs = "; ".join(f"{r.selector}._domainkey {r.value}" for r in p.dkim.records)
        _line(console, "DKIM", p.dkim, f"{p.dkim.form.upper()} {recs}")
    if p.verification:
        _line(console, "verification", p.verification, p.verification.method)
    _line(console, "DMARC", p.dmarc, "via " + " and ".join(p.dmarc.via))
    for i, step in enumerate(p.steps, 1):
        _line(console, f"step {i}", step, step.text + (f" <{step.url}>" if step.url else ""))
    for note in p.notes:
        _line(console, "note", note, note.text)
    console.print(Text("sources:", style="bold"))
    for key, src in p.sources.items():
        date = f" ({src.date})" if src.date else ""
        console.print(f"    {key} {src.url}{date}" + (f" - {src.note}" if src.note else ""), markup=False)
