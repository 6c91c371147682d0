"""`inboxready policy`: the email policy document (EP1, experimental): generate, serve, verify."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
from pathlib import Path

import click
from rich.text import Text

from inboxready.cli.context import app, global_options
from inboxready.cli.plan import load_inputs, policy_option
from inboxready.errors import InputError
from inboxready.policy.docserver import DocumentServer, server_ssl_context
from inboxready.policy.document import WELL_KNOWN_PATH, build_document, document_bytes, make_pointer, pointer_name
from inboxready.policy.docverify import default_fetcher_factory, verify_document
from inboxready.policy.plan import make_plan
from inboxready.render.text import render_findings

GROUP_HELP = """The email policy document (EP1, an experimental proposal): one JSON file describing the
domain's sending policy, pinned by one DNS record _emailpolicy.DOMAIN TXT "v=EP1; u=...; h=sha256:...".
See docs/email-policy-document.md.

\b
Examples:
  inboxready policy document --output emailpolicy.json
  inboxready policy serve --document emailpolicy.json --listen 0.0.0.0:443 --cert c.pem --key k.pem
  inboxready policy verify example.com"""


@click.group("policy", help=GROUP_HELP)
def command() -> None:
    """The email policy document."""


DOCUMENT_HELP = """Write the domain's email policy document (senders, SPF networks and includes, DKIM
selectors with key fingerprints, DMARC, MTA-STS, TLS-RPT, and the records) and print the pointer
record that pins its digest. Without --output the document goes to standard output (exactly the
bytes the digest covers) and the pointer record to standard error.

\b
Examples:
  inboxready policy document --output emailpolicy.json
  inboxready policy document --policy acme.yaml --json"""


@command.command("document", help=DOCUMENT_HELP, short_help="Write the document and print its pointer record.")
@policy_option
@click.option("--output", metavar="FILE", help="Write the document to FILE.")
@global_options
@click.pass_context
def document_command(ctx: click.Context, policy_path: str, output: str | None) -> None:
    obj = app(ctx)
    policy, catalog = load_inputs(policy_path)
    plan = obj.run(make_plan(policy, catalog, obj.resolver()))
    document = build_document(policy, plan)
    body = document_bytes(document)
    pointer = make_pointer(policy, body)
    line = f'{pointer_name(policy.policy.domain)}. {policy.policy.options.ttl} IN TXT "{pointer.to_text()}"'
    if output:
        _write_bytes(output, body)
    if obj.json_output:
        obj.emit_json({"output": output, "pointer": {**pointer.to_dict(), "zone_line": line}, "document": document})
    elif output:
        obj.console().print(Text(f"Wrote {output} ({len(body)} bytes). Serve it at {pointer.url} and publish:"))
        click.echo(line)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        click.echo(f"; publish: {line}", err=True)
    ctx.exit(3 if plan.unchecked else 0)


def _write_bytes(path: str, body: bytes) -> None:
    try:
        Path(path).write_bytes(body)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


VERIFY_HELP = """Fetch DOMAIN's email policy document through its _emailpolicy pointer, check its SHA-256
digest against the pointer, and check that the DNS records match what the document says. Each
problem is a finding (policy-doc-missing, -unreachable, -digest-mismatch, -invalid, -record-mismatch).

\b
Examples:
  inboxready policy verify example.com
  inboxready --zone example.com.zone policy verify example.com --ca-file test-ca.pem --json

Exit codes: 0 verified · 1 a problem was found · 3 a DNS lookup failed"""


@command.command("verify", help=VERIFY_HELP, short_help="Fetch, check the digest, compare with DNS.")
@click.argument("domain")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), metavar="PEM",
              help="Trust these CA certificates instead of the system's.")
@global_options
@click.pass_context
def verify_command(ctx: click.Context, domain: str, ca_file: str | None) -> None:
    obj = app(ctx)
    fetchers = default_fetcher_factory(cafile=ca_file, timeout=max(obj.timeout * 3, 5.0))
    result = obj.run(verify_document(domain, obj.resolver(), fetchers))
    if obj.json_output:
        obj.emit_json(result.to_dict())
    else:
        console = obj.console()
        console.print(Text(f"Email policy document of {result.domain}", style="bold"))
        if result.pointer is not None:
            console.print(Text(f"  pointer: {result.pointer.to_text()}"))
        if result.ok:
            console.print(Text(f"  verified: digest matches and all {result.records_checked} records match DNS",
                               style="green"))
        render_findings(console, result.findings)
    ctx.exit(result.exit_code())


SERVE_HELP = """Serve the email policy document at https://HOST:PORT/.well-known/emailpolicy.json until
interrupted (for tests and small deployments). Give --document to serve a file written by
`policy document`, or the policy file to generate it now.

\b
Examples:
  inboxready policy serve --listen 127.0.0.1:8443 --cert server.pem --key server.key
  inboxready policy serve --document emailpolicy.json --listen 0.0.0.0:443 --cert c.pem --key k.pem"""


@command.command("serve", help=SERVE_HELP, short_help="Serve the document over HTTPS (tests, small sites).")
@policy_option
@click.option("--document", "document_path", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Serve this file instead of generating the document from the policy.")
@click.option("--listen", required=True, metavar="HOST:PORT", help="Address and port to listen on.")
@click.option("--cert", required=True, type=click.Path(exists=True, dir_okay=False), metavar="PEM",
              help="Certificate chain (PEM).")
@click.option("--key", required=True, type=click.Path(exists=True, dir_okay=False), metavar="PEM",
              help="Private key (PEM).")
@global_options
@click.pass_context
def serve_command(ctx: click.Context, policy_path: str, document_path: str | None, listen: str, cert: str,
                  key: str) -> None:
    obj = app(ctx)
    host, port = _listen(listen)
    context = server_ssl_context(cert, key)
    body = Path(document_path).read_bytes() if document_path is not None else None
    inputs = load_inputs(policy_path) if body is None else None

    async def serve() -> None:
        served = body
        if served is None:
            assert inputs is not None
            policy, catalog = inputs
            served = document_bytes(build_document(policy, await make_plan(policy, catalog, obj.resolver())))
        server = DocumentServer(served, context)
        bound_host, bound_port = await server.start(host, port)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        click.echo(f"Serving https://{shown}:{bound_port}{WELL_KNOWN_PATH} "
                   f"(sha256:{hashlib.sha256(served).hexdigest()}); Ctrl-C stops.")
        sys.stdout.flush()
        try:
            await server.serve_forever()
        finally:
            await server.close()

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        obj.run(serve())


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InputError(f"--listen {text!r}: give HOST:PORT, like 127.0.0.1:8443 or [::1]:8443")
    return host, int(port)
