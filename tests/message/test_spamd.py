"""The SPAMC client: protocol parsing, failures as SpamdError, and a real spamd with its shipped rules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from inboxready.errors import InputError
from inboxready.message.spamd import SpamdClient, SpamdError, parse_report_rules, parse_response, parse_spamd_address
from inboxready.testing.spamd import SpamdProcess, free_port
from tests.message.conftest import demo_message

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

REPORT = """Spam detection software, running on the system "vm",
has identified this incoming email as possible spam.

Content preview:  Hi Bob, FREE MONEY

Content analysis details:   (5.1 points, 5.0 required)

 pts rule name              description
---- ---------------------- --------------------------------------------------
-0.0 NO_RECEIVED            Informational: message has no Received headers
 2.7 MISSING_DATE           Missing Date: header
 0.0 URIBL_BLOCKED          ADMINISTRATOR NOTICE: The query to URIBL was
                            blocked.  See
                            http://wiki.apache.org/spamassassin/DnsBlocklists#dnsbl-block
                            for more information.
                            [URIs: example.com]
 1.8 DRUGS_ERECTILE         Refers to an erectile drug
-1.9 BAYES_00               BODY: Bayes spam probability is 0 to 1%
                            [score: 0.0000]

"""


def test_report_table_with_continuations() -> None:
    rules = parse_report_rules(REPORT)
    assert [r.name for r in rules] == ["NO_RECEIVED", "MISSING_DATE", "URIBL_BLOCKED", "DRUGS_ERECTILE", "BAYES_00"]
    assert rules[0].score == 0.0 and str(rules[0].score) == "0.0"
    assert rules[2].description.endswith("for more information. [URIs: example.com]")
    assert rules[4].score == -1.9
    assert rules[4].description == "BODY: Bayes spam probability is 0 to 1% [score: 0.0000]"


def test_no_table_no_rules() -> None:
    assert parse_report_rules("nothing here") == ()


def test_response_parsing() -> None:
    response = parse_response(b"SPAMD/1.1 0 EX_OK\r\nContent-length: 2\r\nSpam: True ; 6.5 / 5.0\r\n\r\nhi")
    assert response.headers["spam"] == "True ; 6.5 / 5.0"
    assert response.body == b"hi"


@pytest.mark.parametrize("data", [
    b"HTTP/1.1 200 OK\r\n\r\n",
    b"SPAMD/1.0 76 Bad header line: (Content-Length mismatch: Expected 10 bytes, got 5 bytes)\r\n\r\n",
    b"SPAMD/1.1 0 EX_OK\r\nContent-length: 50\r\n\r\ntruncated",
    b"",
])
def test_bad_responses(data: bytes) -> None:
    with pytest.raises(SpamdError):
        parse_response(data)


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:783", ("127.0.0.1", 783)), ("spam.example", ("spam.example", 783)),
    ("[::1]:1783", ("::1", 1783)),
])
def test_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_spamd_address(text) == expected


@pytest.mark.parametrize("text", ["", "host:99999", "a b:1", "host:port"])
def test_bad_address(text: str) -> None:
    with pytest.raises(InputError):
        parse_spamd_address(text)


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, SpamdClient]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, SpamdClient("127.0.0.1", server.sockets[0].getsockname()[1], timeout=1.0)


async def test_request_framing_against_a_fake_spamd() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.read())  # the client half-closes after its request
        body = b"SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.2 / 5.0\r\n\r\n"
        writer.write(body + b"\n---- ----\n 1.2 SOME_RULE  Some description\n\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server, client = await serve(handler)
    async with server:
        report = await client.report(b"Subject: x\r\n\r\nhello\r\n")
    assert seen[0] == b"REPORT SPAMC/1.5\r\nContent-length: 21\r\n\r\nSubject: x\r\n\r\nhello\r\n"
    assert (report.score, report.threshold, report.is_spam) == (1.2, 5.0, False)
    assert [(r.name, r.score, r.description) for r in report.rules] == [("SOME_RULE", 1.2, "Some description")]


async def test_silent_server_times_out() -> None:
    done = asyncio.Event()
    handlers: list[asyncio.Task[None]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()
            await done.wait()
        finally:
            writer.close()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(handler(reader, writer))
        handlers.append(task)
        await task

    server, client = await serve(tracked)
    client.timeout = 0.2
    async with server:
        with pytest.raises(SpamdError, match="did not answer"):
            await client.report(b"Subject: x\r\n\r\n")
        assert await client.ping() is False
        done.set()
        await asyncio.gather(*handlers)


async def test_unreachable_spamd() -> None:
    client = SpamdClient("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(SpamdError, match="cannot reach spamd"):
        await client.report(b"Subject: x\r\n\r\n")
    assert await client.ping() is False


async def test_missing_spam_header() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.write(b"SPAMD/1.1 0 EX_OK\r\n\r\n")
        writer.close()
        await writer.wait_closed()

    server, client = await serve(handler)
    async with server:
        with pytest.raises(SpamdError, match="Spam: header"):
            await client.report(b"Subject: x\r\n\r\n")


# --- the real spamd, Debian's package with its shipped rules --------------------------------------


async def test_real_spamd_pings(spamd: SpamdProcess) -> None:
    assert await SpamdClient(spamd.host, spamd.port).ping()


async def test_real_spamd_scores_gtube_as_spam(spamd: SpamdProcess) -> None:
    raw = f"From: a@example.com\r\nSubject: test\r\n\r\n{GTUBE}\r\n".encode()
    report = await SpamdClient(spamd.host, spamd.port).report(raw)
    assert report.is_spam
    assert report.score >= 999
    assert report.threshold == 5.0  # the shipped required_score
    gtube = next(r for r in report.rules if r.name == "GTUBE")
    assert gtube.score == 1000.0
    assert "GTUBE" in gtube.description or "test" in gtube.description.lower()


async def test_real_spamd_report_and_symbols_agree(spamd: SpamdProcess) -> None:
    client = SpamdClient(spamd.host, spamd.port)
    raw = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nFREE viagra now\r\n"
    report = await client.report(raw)
    score, threshold, is_spam, names = await client.symbols(raw)
    assert {r.name for r in report.rules} == set(names)
    assert (report.score, report.threshold, report.is_spam) == (score, threshold, is_spam)
    assert {"MISSING_DATE", "MISSING_MID"} <= set(names)
    assert all(r.description for r in report.rules)


async def test_real_spamd_demo_good_message_is_not_spam(spamd: SpamdProcess) -> None:
    report = await SpamdClient(spamd.host, spamd.port).report(demo_message("good"))
    assert not report.is_spam
    assert report.score < 2.5
