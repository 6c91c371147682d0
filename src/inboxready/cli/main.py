"""`inboxready`: the entry point, global options, and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from inboxready import __version__
from inboxready.cli.context import AppContext
from inboxready.dns.errors import DnsError
from inboxready.errors import InboxreadyError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_DNS = 0, 1, 2, 3

#: Command modules, each exposing `command` (a click command or group). Add new groups here.
COMMAND_MODULES = (
    "inboxready.cli.demo",
    "inboxready.cli.check",
    "inboxready.cli.dkim",
    "inboxready.cli.dmarc",
    "inboxready.cli.ptr",
    "inboxready.cli.blocklists",
    "inboxready.cli.mtasts",
    "inboxready.cli.bimi",
    "inboxready.cli.providers",
    "inboxready.cli.init",
    "inboxready.cli.plan",
    "inboxready.cli.diff",
    "inboxready.cli.reports",
    "inboxready.cli.message",
    "inboxready.cli.gateway",
    "inboxready.cli.spf",
)

HELP = """Get a domain's email sending settings right.

Declare your senders, get the exact DNS records and steps, verify live DNS against them.

\b
Examples:
  inboxready demo                                  audit the bundled demo organisation (offline)
  inboxready --zone acme.zone demo                 same, with your own zone files layered in
  inboxready demo --json                          the same report as JSON

\b
Exit codes: 0 ok · 1 findings at or above --fail-on · 2 bad usage or input · 3 DNS failure
"""


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--zone", "zone_files", multiple=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="Answer DNS from this RFC 1035 master file (repeatable). Alone: offline.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="HOST[:PORT]",
              help="Ask this DNS server (repeatable). With --zone: zones first, then this server.")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=3.0, show_default=True,
              help="Seconds to wait for each DNS answer.")
@click.option("--json", "json_output", is_flag=True, help="Print JSON (the documented contract) instead of text.")
@click.option("--no-color", is_flag=True, help="No colours (also NO_COLOR=1; colour is only used on a terminal).")
@click.option("--db", metavar="URL", help="Reports store (default: SQLite in the user's data directory).")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.version_option(__version__, prog_name="inboxready")
@click.pass_context
def main(
    ctx: click.Context,
    zone_files: tuple[str, ...],
    nameservers: tuple[str, ...],
    timeout: float,
    json_output: bool,
    no_color: bool,
    db: str | None,
    debug: bool,
) -> None:
    ctx.obj = AppContext(
        zone_files=list(zone_files),
        nameservers=list(nameservers),
        timeout=timeout,
        json_output=json_output,
        no_color=no_color,
        db=db,
        debug=debug,
    )


for _module in COMMAND_MODULES:
    main.add_command(importlib.import_module(_module).command)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: turns every error into one line and an exit code, never a traceback."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = main.main(args=args, prog_name="inboxready", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 130
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except DnsError as exc:
        click.echo(f"inboxready: DNS failure: {exc}", err=True)
        code = EXIT_DNS
    except InboxreadyError as exc:
        click.echo(f"inboxready: {exc}", err=True)
        code = EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: one line unless --debug
        if debug:
            traceback.print_exc()
        click.echo(f"inboxready: internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
        code = EXIT_USAGE
    sys.exit(code if isinstance(code, int) else 0)
