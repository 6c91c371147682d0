"""`inboxready dkim`: key records of a domain, key generation, signing and verifying messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.text import Text

from inboxready.cli.context import AppContext, app, fail_on_option, global_options
from inboxready.dkim.analyze import UNNAMED_SENDER, DkimAnalysis, analyze_dkim, declared_by_selector
from inboxready.dkim.keys import (
    KeyAlgorithm,
    check_key_destination,
    generate_key,
    load_signing_key,
    selector_name,
    write_private_key,
)
from inboxready.dkim.selectors import DISCOVERY_NOTE, SelectorLookup, SelectorStatus, normalize_selector
from inboxready.dkim.signing import SignatureResult, VerifyResult, sign_message, verify_message
from inboxready.errors import InputError
from inboxready.render.text import render_findings

_RESULT_STYLE = {VerifyResult.PASS: "green", VerifyResult.TEMPERROR: "yellow"}


@click.group("dkim", help="""DKIM keys and signatures: check a domain's selectors, make keys, sign, verify.

\b
Examples:
  inboxready dkim analyze example.com --selector selector1 --selector google
  inboxready dkim keygen --domain example.com --selector s2026 --output s2026.pem
  inboxready dkim sign msg.eml --domain example.com --selector s2026 --key s2026.pem > signed.eml
  inboxready --zone example.com.zone dkim verify signed.eml""")
def command() -> None:
    pass


def _read_bytes(path: str, what: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None


def _name(text: str, what: str) -> str:
    try:
        return normalize_selector(text)
    except ValueError:
        raise InputError(f"{text!r} is not a valid {what}") from None


@command.command("analyze", help="""Each selector's key record, key type and size, flags and findings.

Selectors given with --selector are checked (missing ones are errors); with none, common selector
names are tried, which can find keys but never prove that a selector is absent.

\b
Examples:
  inboxready dkim analyze example.com
  inboxready dkim analyze example.com --selector selector1 --selector selector2 --json""")
@click.argument("domain")
@click.option("--selector", "selectors", multiple=True, metavar="S", help="Selector to check (repeatable).")
@global_options
@fail_on_option
@click.pass_context
def analyze(ctx: click.Context, domain: str, selectors: tuple[str, ...]) -> None:
    obj = app(ctx)
    domain = _name(domain, "domain name")
    try:
        declared_by_selector(list(selectors))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    analysis = obj.run(analyze_dkim(obj.resolver(), domain, list(selectors) or None))
    if obj.json_output:
        obj.emit_json(analysis.to_dict())
    else:
        _print_analysis(obj, analysis)
    ctx.exit(_analysis_exit(obj, analysis))


def _analysis_exit(obj: AppContext, analysis: DkimAnalysis) -> int:
    if analysis.unchecked:
        return 3
    if obj.fail_on is not None and any(f.severity.rank >= obj.fail_on.rank for f in analysis.findings):
        return 1
    return 0


def _print_analysis(obj: AppContext, analysis: DkimAnalysis) -> None:
    console = obj.console()
    how = "declared selectors" if analysis.mode == "declared" else "discovery over common selectors"
    console.print(Text(f"DKIM for {analysis.domain} ({how})", style="bold"))
    for lookup in analysis.selectors:
        console.print(_selector_line(lookup))
        for record in lookup.records:
            kind = record.key_type.to_text() if record.key_type else (record.key_type_text or "?")
            size = f"{record.key_bits} bits" if record.key_bits else ("revoked" if record.revoked else "invalid")
            flags = f"  t={':'.join(record.flags)}" if record.flags else ""
            console.print(Text(f"      {kind} {size}{flags}  ({len(record.strings)} string(s))"))
    if analysis.discovery is not None:
        tried = len(analysis.discovery.tried)
        console.print(Text(f"  tried {tried} common selectors; found {len(analysis.discovery.found)}", style="dim"))
        console.print(Text(f"  {DISCOVERY_NOTE}", style="dim"))
        if analysis.discovery.wildcard:
            console.print(Text("  A wildcard TXT answers every selector name; names that only matched it "
                               "were left out.", style="yellow"))
    if analysis.findings:
        render_findings(console, analysis.findings)
    else:
        console.print(Text("  No findings.", style="green"))


def _selector_line(lookup: SelectorLookup) -> Text:
    line = Text(f"  {lookup.name}  ")
    style = {SelectorStatus.FOUND: "green", SelectorStatus.MISSING: "red"}.get(lookup.status, "yellow")
    line.append(lookup.status.to_text(), style=style)
    if lookup.delegated_to:
        line.append(f"  CNAME → {lookup.delegated_to} (delegated to the provider)", style="cyan")
    senders = [s for s in lookup.declared_by if s != UNNAMED_SENDER]
    if senders:
        line.append(f"  declared for {', '.join(senders)}", style="dim")
    return line


@command.command("keygen", help="""Make a DKIM key pair: the private key goes to a file, the record to DNS.

The private key is written with mode 0600 and never printed. The TXT record to publish is printed
as its name and its strings of at most 255 characters (zone-file line included).

\b
Examples:
  inboxready dkim keygen --domain example.com --selector s2026
  inboxready dkim keygen --domain example.com --selector ed1 --algorithm ed25519 --output ed1.pem""")
@click.option("--domain", required=True, help="Signing domain (d=).")
@click.option("--selector", required=True, help="Selector (s=) the key is published under.")
@click.option("--algorithm", type=click.Choice([a.value for a in KeyAlgorithm]), default="rsa-2048",
              show_default=True, help="Key type and size.")
@click.option("--output", metavar="FILE", help="Private key file (default: SELECTOR._domainkey.DOMAIN.pem).")
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@global_options
@click.pass_context
def keygen(ctx: click.Context, domain: str, selector: str, algorithm: str, output: str | None, force: bool) -> None:
    obj = app(ctx)
    domain, selector = _name(domain, "domain name"), _name(selector, "selector")
    path = check_key_destination(output or f"{selector_name(domain, selector).rstrip('.')}.pem", overwrite=force)
    pair = generate_key(KeyAlgorithm.from_text(algorithm))
    write_private_key(path, pair.private_pem, overwrite=force)
    record = pair.record(domain, selector)
    if obj.json_output:
        obj.emit_json({"domain": domain, "selector": selector, "algorithm": algorithm,
                       "key_type": pair.key_type.to_text(), "key_bits": pair.key_bits,
                       "private_key_file": str(path), "record": record.to_dict()})
        return
    console = obj.console()
    console.print(f"Private key ({algorithm}, {pair.key_bits} bits) written to {path} (mode 0600).")
    console.print("Publish this TXT record:")
    console.print(Text(f"  name:  {record.name}", style="bold"))
    for string in record.strings:
        console.print(Text(f'  "{string}"'))
    console.print("Zone file line:")
    console.print(Text(record.zone_line()), soft_wrap=True)


@command.command("sign", help="""Add a DKIM-Signature to MESSAGE ('-' reads stdin) with a private key.

Ed25519 keys sign with ed25519-sha256, RSA keys with rsa-sha256. The signed message goes to
stdout or --output.

\b
Examples:
  inboxready dkim sign msg.eml --domain example.com --selector s2026 --key s2026.pem --output signed.eml
  inboxready dkim sign msg.eml --domain example.com --selector s2026 --key k.pem --headers from:to:subject""")
@click.argument("message")
@click.option("--domain", required=True, help="Signing domain (d=).")
@click.option("--selector", required=True, help="Selector (s=) whose public key is published.")
@click.option("--key", "key_file", required=True, metavar="FILE", help="Private key (PEM, or base64 Ed25519 seed).")
@click.option("--output", metavar="FILE", help="Write the signed message here instead of stdout.")
@click.option("--headers", metavar="H1:H2:...", help="Header fields to sign (default: the RFC 6376 5.4.1 set).")
@click.option("--canonicalization", default="relaxed/relaxed", show_default=True, help="c= header/body.")
@global_options
@click.pass_context
def sign(ctx: click.Context, message: str, domain: str, selector: str, key_file: str, output: str | None,
         headers: str | None, canonicalization: str) -> None:
    obj = app(ctx)
    key = load_signing_key(_read_bytes(key_file, "key file"))
    header_list = [h for h in (headers or "").replace(",", ":").split(":") if h.strip()] or None
    signed = sign_message(_read_bytes(message, "message"), domain=domain, selector=selector, key=key,
                          headers=header_list, canonicalization=canonicalization)
    if output:
        try:
            Path(output).write_bytes(signed)
        except OSError as exc:
            raise InputError(f"cannot write {output}: {exc.strerror}") from None
    if obj.json_output:
        obj.emit_json({"domain": domain, "selector": selector, "algorithm": key.algorithm, "output": output,
                       "signed_message": None if output else signed.decode("utf-8", "backslashreplace")})
    elif not output:
        sys.stdout.buffer.write(signed)
        sys.stdout.buffer.flush()


@command.command("verify", help="""Verify every DKIM-Signature of MESSAGE ('-' reads stdin).

Keys are looked up through the global DNS options (--zone, --nameserver). Exit 1 when a signature
does not pass or the message has none, 3 when only a DNS failure kept a signature from being checked.

\b
Examples:
  inboxready dkim verify signed.eml
  inboxready --zone example.com.zone dkim verify signed.eml --json""")
@click.argument("message")
@global_options
@click.pass_context
def verify(ctx: click.Context, message: str) -> None:
    obj = app(ctx)
    data = _read_bytes(message, "message")
    results = obj.run(verify_message(data, obj.resolver()))
    if obj.json_output:
        obj.emit_json({"signatures": [r.to_dict() for r in results], "result": _overall(results)})
    else:
        _print_results(obj, results)
    ctx.exit(_verify_exit(results))


def _overall(results: list[SignatureResult]) -> str:
    if not results:
        return "none"
    return "pass" if all(r.passed for r in results) else "fail"


def _verify_exit(results: list[SignatureResult]) -> int:
    if not results or any(r.result not in (VerifyResult.PASS, VerifyResult.TEMPERROR) for r in results):
        return 1
    return 3 if any(r.result is VerifyResult.TEMPERROR for r in results) else 0


def _print_results(obj: AppContext, results: list[SignatureResult]) -> None:
    console = obj.console()
    if not results:
        console.print(Text("No DKIM-Signature in the message.", style="red"))
        return
    for r in results:
        line = Text(f"#{r.index + 1} d={r.domain} s={r.selector} a={r.algorithm}  ")
        line.append(r.result.to_text().upper(), style=_RESULT_STYLE.get(r.result, "bold red"))
        line.append(f"  {r.reason}")
        console.print(line)
        body = {True: "ok", False: "MISMATCH", None: "not computed"}[r.body_hash_ok]
        key = f"{r.key_type} {r.key_bits} bits" if r.key_bits else "-"
        extra = "  testing (t=y)" if r.testing else ""
        via = f"  via CNAME {' → '.join(r.cname_chain)}" if r.cname_chain else ""
        console.print(Text(f"    body hash: {body}  key: {key}{extra}{via}", style="dim"))
