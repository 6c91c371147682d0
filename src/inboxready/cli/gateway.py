"""`inboxready gateway`: the outgoing pre-flight SMTP relay, and its held-message spool."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import ssl
import sys
from pathlib import Path

import click
import platformdirs
from rich.table import Table

from inboxready.cli.context import AppContext, app, global_options
from inboxready.errors import InputError
from inboxready.message.access import LOOPBACK, AccessPolicy, load_auth_file, parse_networks
from inboxready.message.check import servers_from_policy
from inboxready.message.gateway import GatewayConfig, OnFail, policy_signers, release_held, start_gateway
from inboxready.message.relay import Upstream
from inboxready.message.spamd import SpamdClient, parse_spamd_address
from inboxready.message.spool import Spool
from inboxready.policy.model import DEFAULT_POLICY_FILE, load_policy

HELP = """Run an SMTP submission relay that checks every message before it leaves.

Applications send through the gateway as through any smarthost. Each message is DKIM-signed for the
policy's domain with the private key of a selector the policy declares (servers[].dkim; the key
from --dkim-key SELECTOR=FILE or SELECTOR.pem beside the policy, checked against the policy's public
key), checked (DMARC, headers, SpamAssassin with --spamd),
then relayed to --upstream — or, when DMARC would fail or the spam score reaches the threshold,
held in the spool (--on-fail hold, the default), refused with a 550 (reject), or sent anyway (relay).

It is never an open relay: only clients in --allow networks (default: loopback, unless --auth-file
is given) or authenticated with an account of --auth-file may send, and only as the policy's
domain. With --tls-cert/--tls-key STARTTLS is offered and required.

\b
Examples:
  inboxready gateway --listen 127.0.0.1:2525 --upstream smtp.example.net:25 --policy inboxready.yaml \\
      --dkim-key mail2026=/etc/inboxready/mail2026.pem
  inboxready gateway --listen 0.0.0.0:587 --upstream 10.0.0.5:25 --auth-file users.txt \\
      --tls-cert cert.pem --tls-key key.pem --spamd 127.0.0.1:783 --on-fail reject
  inboxready gateway --spool /var/spool/inboxready --list-held
  inboxready gateway --spool /var/spool/inboxready --upstream 10.0.0.5:25 --release 20261128-101500-3fa9c1d2e4

\b
Auth file lines are user:{SCRYPT}... (make one with: inboxready gateway --hash-password) or
user:{PLAIN}password.
"""

log = logging.getLogger("inboxready.gateway")


def parse_host_port(text: str, option: str) -> tuple[str, int]:
    match = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\s\[\]]+):(\d+)", text.strip())
    if match is None:
        raise InputError(f"{option} {text!r}: use HOST:PORT (or [IPv6]:PORT)")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 0 <= port < 65536:
        raise InputError(f"{option} {text!r}: port out of range")
    return host, port


def default_spool() -> str:
    return str(Path(platformdirs.user_data_dir("inboxready")) / "gateway-spool")


@click.command("gateway", help=HELP)
@click.option("--listen", metavar="HOST:PORT", help="Address to accept submissions on.")
@click.option("--upstream", metavar="HOST:PORT", help="The SMTP server that sends the mail on.")
@click.option("--policy", "policy_path", default=DEFAULT_POLICY_FILE, show_default=True, metavar="F",
              help="Policy file: the sender domain, its servers and DKIM keys.")
@click.option("--dkim-key", "dkim_keys", multiple=True, metavar="SELECTOR=FILE",
              help="Private key of a selector the policy declares (default: SELECTOR.pem beside the policy).")
@click.option("--spool", "spool_dir", metavar="DIR", help="Where held messages are kept (default: user data dir).")
@click.option("--allow", "networks", multiple=True, metavar="NETWORK",
              help="Client network that may relay without AUTH (repeatable).")
@click.option("--auth-file", metavar="F", help="SMTP AUTH accounts, one user:secret per line.")
@click.option("--tls-cert", metavar="F", help="Certificate chain (PEM) for STARTTLS.")
@click.option("--tls-key", metavar="F", help="Private key (PEM) of --tls-cert.")
@click.option("--max-size", type=click.IntRange(min=1024), default=25 * 1024 * 1024, show_default=True,
              metavar="N", help="Largest message accepted, in bytes.")
@click.option("--on-fail", type=click.Choice(["hold", "reject", "relay"]), default="hold", show_default=True,
              help="What to do with a message that fails the checks.")
@click.option("--spam-threshold", type=float, metavar="X", help="Fail at this SpamAssassin score (default: spamd's).")
@click.option("--spamd", "spamd_address", metavar="HOST:PORT", help="Score messages with this spamd.")
@click.option("--dmarc/--no-dmarc", "check_dmarc", default=True, show_default=True,
              help="Fail a message that DMARC would fail.")
@click.option("--hostname", metavar="NAME", help="Name in the greeting and EHLO (default: this host's FQDN).")
@click.option("--list-held", is_flag=True, help="List the held messages and exit.")
@click.option("--release", "release_id", metavar="ID", help="Relay one held message to --upstream and exit.")
@click.option("--discard", "discard_id", metavar="ID", help="Delete one held message and exit.")
@click.option("--hash-password", is_flag=True, help="Read a password on stdin, print its auth-file secret, exit.")
@global_options
@click.pass_context
def command(ctx: click.Context, /, **opts: object) -> None:
    obj = app(ctx)
    if opts["hash_password"]:
        from inboxready.message.access import hash_password

        click.echo(hash_password(sys.stdin.readline().rstrip("\r\n")))
        return
    spool = Spool(str(opts["spool_dir"] or default_spool()))
    if opts["list_held"]:
        _list_held(obj, spool)
        return
    if opts["discard_id"]:
        spool.get(str(opts["discard_id"]))
        spool.remove(str(opts["discard_id"]))
        click.echo(f"discarded {opts['discard_id']}")
        return
    if not opts["upstream"]:
        raise click.UsageError("give --upstream HOST:PORT")
    upstream = Upstream(*parse_host_port(str(opts["upstream"]), "--upstream"))
    if opts["release_id"]:
        ctx.exit(_release(obj, spool, upstream, str(opts["release_id"])))
    if not opts["listen"]:
        raise click.UsageError("give --listen HOST:PORT")
    host, port = parse_host_port(str(opts["listen"]), "--listen")
    config = _config(obj, opts, spool, upstream)
    _logging()
    obj.run(_serve(config, host, port))


def _config(obj: AppContext, opts: dict[str, object], spool: Spool, upstream: Upstream) -> GatewayConfig:
    policy_file = load_policy(str(opts["policy_path"]))
    accounts = load_auth_file(str(opts["auth_file"])) if opts["auth_file"] else {}
    networks = tuple(opts["networks"]) if isinstance(opts["networks"], tuple) else ()
    allowed = parse_networks(str(n) for n in networks) if networks else (() if accounts else LOOPBACK)
    tls = _tls_context(opts["tls_cert"], opts["tls_key"])
    if accounts and tls is None:
        click.echo("inboxready: warning: SMTP AUTH without --tls-cert sends passwords in clear text", err=True)
    return GatewayConfig(
        upstream=upstream,
        domains=(policy_file.policy.domain,),
        spool=spool,
        resolver=obj.resolver(),
        signers=policy_signers(policy_file, _key_files(opts["dkim_keys"])),
        access=AccessPolicy(networks=allowed, accounts=accounts),
        on_fail=OnFail.from_text(str(opts["on_fail"])),
        check_dmarc=bool(opts["check_dmarc"]),
        spam_threshold=float(str(opts["spam_threshold"])) if opts["spam_threshold"] is not None else None,
        spamd=SpamdClient(*parse_spamd_address(str(opts["spamd_address"]))) if opts["spamd_address"] else None,
        servers=servers_from_policy(policy_file.policy),
        max_size=int(str(opts["max_size"])),
        tls_context=tls,
        hostname=str(opts["hostname"]) if opts["hostname"] else socket.getfqdn(),
    )


def _key_files(values: object) -> dict[str, str]:
    files = {}
    for value in values if isinstance(values, tuple) else ():
        selector, equals, path = str(value).partition("=")
        if not equals or not selector.strip() or not path.strip():
            raise InputError(f"--dkim-key {value!r}: use SELECTOR=FILE")
        files[selector.strip()] = path.strip()
    return files


def _tls_context(cert: object, key: object) -> ssl.SSLContext | None:
    if not cert and not key:
        return None
    if not cert or not key:
        raise InputError("give both --tls-cert and --tls-key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot load the TLS certificate/key: {exc}") from exc
    return context


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("inboxready.gateway", "mail.log"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO if name == "inboxready.gateway" else logging.ERROR)


async def _serve(config: GatewayConfig, host: str, port: int) -> None:
    recovered = config.spool.recover()
    server, handler = await start_gateway(config, host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    held = len(config.spool.held())
    log.info("listening on %s:%d, relaying to %s; %d held message(s) in %s%s", host, port, config.upstream.address,
             held, config.spool.directory, f" ({len(recovered)} recovered)" if recovered else "")
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        stats = handler.stats
        log.info("stopped: %d relayed, %d held, %d rejected, %d refused", stats.relayed, stats.held,
                 stats.rejected, stats.refused)


def _list_held(obj: AppContext, spool: Spool) -> None:
    held = spool.held()
    if obj.json_output:
        obj.emit_json({"spool": str(spool.directory), "held": [h.to_dict() for h in held]})
        return
    if not held:
        click.echo(f"no held messages in {spool.directory}")
        return
    table = Table(title=f"{len(held)} held in {spool.directory}")
    for column in ("id", "received", "from", "to", "why"):
        table.add_column(column)
    for h in held:
        table.add_row(h.id, h.received_at, h.mail_from, ", ".join(h.rcpt_tos), "; ".join(h.reasons))
    obj.console().print(table)


def _release(obj: AppContext, spool: Spool, upstream: Upstream, message_id: str) -> int:
    outcome = obj.run(release_held(spool, upstream, message_id))
    if obj.json_output:
        obj.emit_json({"id": message_id, "code": outcome.code, "text": outcome.text, "released": outcome.accepted,
                       "refused": {k: list(v) for k, v in outcome.refused.items()}})
    else:
        click.echo(f"{message_id}: {outcome.code} {outcome.text}")
    return 0 if outcome.accepted and not outcome.refused else 1
