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

#: Every command: name → (module exposing `command`, one-line summary). Modules load only when
#: their command runs, so `inboxready --help` and each command start fast. Add new commands here.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("inboxready.cli.demo", "Audit the bundled demo organisation (Acme) offline."),
    "check": ("inboxready.cli.check", "Audit sending domains, with or without a policy file."),
    "spf": ("inboxready.cli.spf", "SPF: check an IP, analyze a record, optimize within 10 lookups."),
    "dkim": ("inboxready.cli.dkim", "DKIM: analyze selectors, generate keys, sign and verify messages."),
    "dmarc": ("inboxready.cli.dmarc", "DMARC: analyze a domain's policy, parse a record."),
    "ptr": ("inboxready.cli.ptr", "Forward-confirmed reverse DNS of sending IPs."),
    "blocklists": ("inboxready.cli.blocklists", "DNS blocklist status of IPs and domains."),
    "mtasts": ("inboxready.cli.mtasts", "MTA-STS policy and TLS-RPT record of a domain."),
    "bimi": ("inboxready.cli.bimi", "BIMI record of a domain."),
    "providers": ("inboxready.cli.providers", "The catalog of sending services."),
    "init": ("inboxready.cli.init", "Write a policy file (inboxready.yaml) from flags or questions."),
    "plan": ("inboxready.cli.plan", "The records, steps and conflicts the policy file implies."),
    "diff": ("inboxready.cli.diff", "Live DNS (or --zone) against the plan: what to add, change, remove."),
    "apply": ("inboxready.cli.apply", "Publish the plan to a DNS provider (dry run first); --rollback undoes it."),
    "policy": ("inboxready.cli.policy", "The email policy document (EP1): generate, serve, verify."),
    "reports": ("inboxready.cli.reports", "Ingest and summarize DMARC and SMTP TLS reports."),
    "message": ("inboxready.cli.message", "Check one message as a receiver would."),
    "gateway": ("inboxready.cli.gateway", "The outgoing pre-flight SMTP relay."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command: click.Command = importlib.import_module(entry[0]).command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])

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


@click.group(
    cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
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
