"""A small HTTPS server for the email policy document (asyncio streams + `ssl`, no framework).

It serves one body at `/.well-known/emailpolicy.json` (RFC 8615 well-known URI) over TLS, answers
GET and HEAD (RFC 9110 9.3.1-9.3.2), 404 for other paths and 405 for other methods, and closes each
connection after one response. Meant for tests and small deployments; a production site serves the
file from its web server. `body` may be replaced while running (a new document).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from inboxready.errors import InputError
from inboxready.policy.document import MEDIA_TYPE, WELL_KNOWN_PATH

_MAX_REQUEST_LINE = 8192
_MAX_HEADERS = 100
_READ_TIMEOUT = 10.0


def server_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot load the certificate {cert_file} and key {key_file}: {exc}") from exc
    return context


class DocumentServer:
    def __init__(self, body: bytes, ssl_context: ssl.SSLContext, path: str = WELL_KNOWN_PATH) -> None:
        self.body = body
        self.ssl_context = ssl_context
        self.path = path
        self.requests = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the bound (host, port) (port 0 picks a free one)."""
        try:
            self._server = await asyncio.start_server(self._handle, host, port, ssl=self.ssl_context)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def serve_forever(self) -> None:
        assert self._server is not None, "start() first"
        await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, body, head_only = await asyncio.wait_for(self._respond(reader), _READ_TIMEOUT)
            reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}[status]
            content_type = MEDIA_TYPE if status == 200 else "text/plain; charset=utf-8"
            head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nCache-Control: max-age=300\r\nConnection: close\r\n")
            if status == 405:
                head += "Allow: GET, HEAD\r\n"
            writer.write(head.encode("ascii") + b"\r\n" + (b"" if head_only else body))
            await writer.drain()
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 2.0)

    async def _respond(self, reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        line = await reader.readline()
        parts = line.decode("latin-1").split()
        for _ in range(_MAX_HEADERS):
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
        if len(line) > _MAX_REQUEST_LINE or len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return 400, b"bad request\n", False
        method, target = parts[0], parts[1].split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return 405, b"method not allowed\n", False
        self.requests += 1
        if target != self.path:
            return 404, b"not found\n", method == "HEAD"
        return 200, self.body, method == "HEAD"
