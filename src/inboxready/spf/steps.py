"""The sans-I/O protocol between SPF logic and a DNS backend.

SPF logic is written as generators that *yield* the DNS questions they need (a tuple of
`(name, rdtype)`, asked together) and are *sent* the replies in the same order: an `Answer`, or the
`DnsError` the lookup raised. They never touch a resolver, so one logic serves every backend: the
async driver below runs it over any `Resolver` (zone files, live servers, test resolvers), asking the
questions of one step concurrently; `drive_sync` runs it over a synchronous lookup function.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import TypeVar

import dns.name

from inboxready.dns.answer import Answer
from inboxready.dns.errors import DnsError
from inboxready.dns.resolver import Resolver

T = TypeVar("T")

Question = tuple[dns.name.Name, str]
Reply = Answer | DnsError
Steps = Generator[tuple[Question, ...], tuple[Reply, ...], T]


async def _ask(resolver: Resolver, question: Question) -> Reply:
    try:
        return await resolver.query(*question)
    except DnsError as exc:
        return exc


async def drive(steps: Steps[T], resolver: Resolver) -> T:
    """Run SPF steps to completion against a resolver."""
    try:
        questions = next(steps)
        while True:
            if len(questions) == 1:  # the usual step, asked without a coroutine of its own
                try:
                    replies: tuple[Reply, ...] = (await resolver.query(*questions[0]),)
                except DnsError as exc:
                    replies = (exc,)
            else:
                replies = tuple(await asyncio.gather(*(_ask(resolver, q) for q in questions)))
            questions = steps.send(replies)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def drive_sync(steps: Steps[T], lookup: Callable[[dns.name.Name, str], Answer]) -> T:
    """Run SPF steps with a synchronous lookup (e.g. `ZoneResolver.lookup`) that raises DnsError."""

    def ask(question: Question) -> Reply:
        try:
            return lookup(*question)
        except DnsError as exc:
            return exc

    try:
        questions = next(steps)
        while True:
            questions = steps.send(tuple(ask(q) for q in questions))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
