"""A small HTTPS GET for policy files (RFC 8461 section 3.3), on asyncio streams and `ssl`.

The host name is resolved by the caller through inboxready's `Resolver` (so --zone and
--nameserver apply, and nothing here asks the system resolver); `HttpsClient` connects to those
addresses, sends SNI and checks the certificate for the host name (RFC 6125), and returns the
status, headers and at most `max_bytes` of body. Redirects are not followed: RFC 8461 forbids it
for MTA-STS policies.

Tests inject a client with their own CA and port, or any object with the `HttpsFetcher` shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from inboxready.errors import InboxreadyError

#: RFC 8461 section 3.3 suggests senders cap policy bodies at 64 KiB.
MAX_BODY = 64 * 1024
_MAX_HEADERS = 100


class HttpsFetchError(InboxreadyError):
    """No usable HTTPS response: connection, TLS, timeout or protocol failure (`reason` says which)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True, slots=True)
class HttpsResponse:
    url: str
    status: int
    #: Header names lower-cased; a repeated header keeps its last value.
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The address the response came from.
    address: str = ""

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class HttpsFetcher(Protocol):
    async def get(self, host: str, path: str, addresses: Sequence[str]) -> HttpsResponse:
        """GET https://host/path from the first of `addresses` that answers; HttpsFetchError if none."""
        ...


class HttpsClient:
    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        cafile: str | None = None,
        port: int = 443,
        timeout: float = 10.0,
        max_bytes: int = MAX_BODY,
    ) -> None:
        if ssl_context is None:
            ssl_context = ssl.create_default_context(cafile=cafile)
        self.ssl_context = ssl_context
        self.port = port
        self.timeout = timeout
        self.max_bytes = max_bytes

    async def get(self, host: str, path: str, addresses: Sequence[str]) -> HttpsResponse:
        url = f"https://{host}{path}" if self.port == 443 else f"https://{host}:{self.port}{path}"
        if not addresses:
            raise HttpsFetchError(url, f"{host} has no address")
        reasons: list[str] = []
        for address in addresses:
            try:
                return await asyncio.wait_for(self._get_from(url, host, path, address), self.timeout)
            except HttpsFetchError as exc:
                reasons.append(f"{address}: {exc.reason}")
            except TimeoutError:
                reasons.append(f"{address}: no answer within {self.timeout:g} s")
        raise HttpsFetchError(url, "; ".join(reasons))

    async def _get_from(self, url: str, host: str, path: str, address: str) -> HttpsResponse:
        try:
            reader, writer = await asyncio.open_connection(
                address, self.port, ssl=self.ssl_context, server_hostname=host
            )
        except ssl.SSLCertVerificationError as exc:
            raise HttpsFetchError(url, f"certificate not valid for {host}: {exc.verify_message}") from exc
        except ssl.SSLError as exc:
            raise HttpsFetchError(url, f"TLS handshake failed: {exc.reason or exc}") from exc
        except OSError as exc:
            raise HttpsFetchError(url, f"cannot connect to port {self.port}: {exc.strerror or exc}") from exc
        try:
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: inboxready\r\n"
                "Accept: text/plain\r\nConnection: close\r\n\r\n"
            )
            writer.write(request.encode("ascii"))
            await writer.drain()
            status, headers = await _read_head(reader, url)
            body = await self._read_body(reader, headers, url)
            return HttpsResponse(url, status, headers, body, address)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError) as exc:
            raise HttpsFetchError(url, f"connection broken while reading the response: {exc}") from exc
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 2.0)

    async def _read_body(self, reader: asyncio.StreamReader, headers: Mapping[str, str], url: str) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return await _read_chunked(reader, self.max_bytes, url)
        length_text = headers.get("content-length")
        if length_text is not None:
            if not length_text.strip().isdigit():
                raise HttpsFetchError(url, f"bad Content-Length {length_text!r}")
            length = int(length_text)
            if length > self.max_bytes:
                raise HttpsFetchError(url, f"body of {length} bytes is larger than {self.max_bytes}")
            return await reader.readexactly(length)
        body = await reader.read(self.max_bytes + 1)
        while body and len(body) <= self.max_bytes:
            more = await reader.read(self.max_bytes + 1 - len(body))
            if not more:
                break
            body += more
        if len(body) > self.max_bytes:
            raise HttpsFetchError(url, f"body is larger than {self.max_bytes} bytes")
        return body


async def _read_head(reader: asyncio.StreamReader, url: str) -> tuple[int, dict[str, str]]:
    status_line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise HttpsFetchError(url, f"not an HTTP/1.x response: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
        if not line:
            return int(parts[1]), headers
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    raise HttpsFetchError(url, f"more than {_MAX_HEADERS} header lines")


async def _read_chunked(reader: asyncio.StreamReader, limit: int, url: str) -> bytes:
    body = b""
    while True:
        size_line = (await reader.readline()).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise HttpsFetchError(url, f"bad chunk size {size_line[:20]!r}") from None
        if size == 0:
            return body
        if len(body) + size > limit:
            raise HttpsFetchError(url, f"body is larger than {limit} bytes")
        body += await reader.readexactly(size)
        await reader.readexactly(2)  # CRLF after each chunk
