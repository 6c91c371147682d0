"""State shared by every command: global options, the resolver, the console, output mode."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
from rich.console import Console

from inboxready.dns.cache import CachingResolver
from inboxready.dns.factory import DEFAULT_TIMEOUT, build_resolver
from inboxready.findings.model import Severity

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    zone_files: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT
    json_output: bool = False
    no_color: bool = False
    db: str | None = None
    debug: bool = False
    fail_on: Severity | None = Severity.ERROR
    _resolver: CachingResolver | None = None

    def resolver(self) -> CachingResolver:
        if self._resolver is None:
            self._resolver = build_resolver(self.zone_files, self.nameservers, timeout=self.timeout)
        return self._resolver

    @property
    def color(self) -> bool:
        return not self.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()

    def console(self, stderr: bool = False) -> Console:
        return Console(
            stderr=stderr,
            no_color=not self.color,
            color_system="auto" if self.color else None,
            highlight=False,
            soft_wrap=not sys.stdout.isatty(),
            # Piped output keeps whole lines and wide tables (rich would assume 80 columns).
            width=None if (sys.stderr if stderr else sys.stdout).isatty() else 200,
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a command's coroutine once; close network resources afterwards."""

        async def main() -> T:
            try:
                return await coro
            finally:
                if self._resolver is not None:
                    await self._resolver.aclose()
                    self._resolver = None

        return asyncio.run(main())

    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False))


def app(ctx: click.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:
        obj = ctx.ensure_object(AppContext)
    return obj


def _store(attr: str, append: bool = False) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is None or value == () or value is False:
            return
        obj = app(ctx)
        if append:
            getattr(obj, attr).extend(value)
        else:
            setattr(obj, attr, value)

    return callback


def global_options(f: F) -> F:
    """Accept the global options after the command name too (`inboxready spf analyze D --json`)."""
    decorators = [
        click.option("--zone", "zone_files", multiple=True, metavar="FILE", expose_value=False,
                     type=click.Path(dir_okay=False), callback=_store("zone_files", append=True),
                     help="Answer DNS from this master file (repeatable).", is_eager=True),
        click.option("--nameserver", "nameservers", multiple=True, metavar="HOST[:PORT]",
                     expose_value=False, callback=_store("nameservers", append=True), is_eager=True,
                     help="Ask this DNS server (repeatable)."),
        click.option("--timeout", type=click.FloatRange(min=0.01), expose_value=False,
                     callback=_store("timeout"), is_eager=True, help="Seconds to wait for a DNS answer."),
        click.option("--json", "json_output", is_flag=True, expose_value=False, callback=_store("json_output"),
                     is_eager=True, help="Print JSON instead of text."),
        click.option("--no-color", is_flag=True, expose_value=False, callback=_store("no_color"),
                     is_eager=True, help="No colours in text output."),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


def fail_on_option(f: F) -> F:
    def callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            app(ctx).fail_on = None if value == "never" else Severity.from_text(value)

    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info", "never"]),
        expose_value=False,
        callback=callback,
        help="Exit 1 when a finding is at least this severe (default: error).",
    )(f)


def write_output_file(path: str, text: str) -> None:
    """Write a report the user asked for (--html, --output); a bad path is one clear line."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        from inboxready.errors import InputError

        raise InputError(f"cannot write {path}: {exc.strerror}") from exc
