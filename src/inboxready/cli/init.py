"""`inboxready init`: write a policy file from flags, or by asking questions on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from inboxready.cli.context import app, global_options, write_output_file
from inboxready.errors import InputError
from inboxready.policy.init import (
    InitAnswers,
    build_policy_file,
    parse_sender_option,
    parse_server_option,
    required_parameters,
)
from inboxready.policy.model import DEFAULT_POLICY_FILE
from inboxready.providers.catalog import Catalog, load_catalog

HELP = """Write a policy file (inboxready.yaml) declaring what sends mail as your domain.

Without --domain on a terminal, init asks its questions interactively.

\b
Examples:
  inboxready init --domain example.com --sender microsoft365:tenant=contoso \\
      --sender amazon-ses:region=eu-west-1 --server 203.0.113.25=mail.example.com \\
      --rua dmarc@example.com --dmarc-policy none
  inboxready init            (interactive)

Then: `inboxready plan` and `inboxready diff`."""


@click.command("init", help=HELP)
@click.option("--domain", metavar="D", help="The domain mail is sent as.")
@click.option("--sender", "senders", multiple=True, metavar="NAME[:KEY=VALUE,...]",
              help="A sending service from `providers list`, with its parameters (repeatable).")
@click.option("--server", "servers", multiple=True, metavar="IP[=HELO-NAME]",
              help="One of your own sending servers (repeatable).")
@click.option("--rua", multiple=True, metavar="ADDRESS", help="Address for DMARC aggregate reports (repeatable).")
@click.option("--ruf", multiple=True, metavar="ADDRESS", help="Address for DMARC failure reports (repeatable).")
@click.option("--dmarc-policy", type=click.Choice(["none", "quarantine", "reject"]), default=None,
              help="The DMARC policy to aim for (default none).")
@click.option("--output", default=DEFAULT_POLICY_FILE, show_default=True, metavar="FILE",
              help="Where to write the policy file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--interactive/--no-interactive", default=None,
              help="Ask questions (default: when no --domain is given and input is a terminal).")
@global_options
@click.pass_context
def command(ctx: click.Context, domain: str | None, senders: tuple[str, ...], servers: tuple[str, ...],
            rua: tuple[str, ...], ruf: tuple[str, ...], dmarc_policy: str | None, output: str, force: bool,
            interactive: bool | None) -> None:
    obj = app(ctx)
    if Path(output).exists() and not force:
        raise InputError(f"{output} already exists; use --force to overwrite it")
    catalog = load_catalog()
    answers = InitAnswers(
        domain=domain or "", senders=[parse_sender_option(s) for s in senders],
        servers=[parse_server_option(s) for s in servers], rua=list(rua), ruf=list(ruf),
        dmarc_policy=dmarc_policy or "none",
    )
    if interactive is None:
        interactive = domain is None and sys.stdin.isatty()
    if interactive:
        _ask(answers, catalog)
    elif not answers.domain:
        raise InputError("give --domain (or run init on a terminal to answer questions)")
    text, parsed = build_policy_file(answers, catalog, output)
    write_output_file(output, text)
    if obj.json_output:
        obj.emit_json({"written": output, "policy": parsed.policy.model_dump(mode="json")})
    else:
        click.echo(f"Wrote {output} for {parsed.policy.domain} ({len(parsed.policy.senders)} senders, "
                   f"{len(parsed.policy.servers)} servers). Next: inboxready plan --policy {output}")


def _ask(answers: InitAnswers, catalog: Catalog) -> None:
    answers.domain = click.prompt("Domain mail is sent as", default=answers.domain or None)
    if not answers.senders:
        click.echo("Services that send as the domain, separated by spaces. Known: " + ", ".join(catalog))
        for slug in click.prompt("Senders", default="", show_default=False).split():
            if slug.lower() not in catalog:
                raise InputError(f"{slug!r} is not in the catalog; see `inboxready providers list`")
            needed = required_parameters(catalog, slug.lower())
            params = {name: click.prompt(f"  {slug} {name} ({desc})") for name, desc in needed}
            answers.senders.append((slug.lower(), params))
    if not answers.servers:
        for item in click.prompt("Own servers as IP=HELO-NAME (space separated, empty for none)", default="",
                                 show_default=False).split():
            answers.servers.append(parse_server_option(item))
    if not answers.rua:
        answers.rua = click.prompt("Address for DMARC aggregate reports (empty for none)", default="",
                                   show_default=False).split()
    answers.dmarc_policy = click.prompt("DMARC policy to aim for", default=answers.dmarc_policy,
                                       type=click.Choice(["none", "quarantine", "reject"]))
