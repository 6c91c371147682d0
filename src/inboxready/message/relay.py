"""Hand a message to the upstream SMTP server (RFC 5321) and report its answer in SMTP terms.

The standard library's smtplib does the talking, in a worker thread so the gateway's event loop
keeps serving. STARTTLS is used when the upstream offers it and `starttls` is not False; with
`starttls=True` it is required. Outcomes map onto what the gateway tells its own client:
accepted (250), temporary (4xx: the client keeps the message and retries), permanent (5xx).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Upstream:
    host: str
    port: int = 25
    timeout: float = 60.0
    #: None: use STARTTLS when offered; True: require it; False: never.
    starttls: bool | None = None
    tls_context: ssl.SSLContext | None = None
    #: The name the relay gives in EHLO.
    local_hostname: str | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class RelayOutcome:
    code: int
    text: str
    #: Recipients the upstream refused while accepting the others: {address: (code, text)}.
    refused: dict[str, tuple[int, str]]

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500


async def relay(upstream: Upstream, mail_from: str, rcpt_tos: list[str], content: bytes) -> RelayOutcome:
    """Send `content` to every recipient through `upstream`; never raises for SMTP or network trouble."""
    return await asyncio.to_thread(_send, upstream, mail_from, list(rcpt_tos), content)


def _send(upstream: Upstream, mail_from: str, rcpt_tos: list[str], content: bytes) -> RelayOutcome:
    try:
        with smtplib.SMTP(upstream.host, upstream.port, timeout=upstream.timeout,
                          local_hostname=upstream.local_hostname) as client:
            client.ehlo()
            if upstream.starttls is not False and client.has_extn("starttls"):
                client.starttls(context=upstream.tls_context or ssl.create_default_context())
                client.ehlo()
            elif upstream.starttls:
                return RelayOutcome(451, f"upstream {upstream.address} does not offer STARTTLS", {})
            refused = client.sendmail(mail_from, rcpt_tos, content)
    except smtplib.SMTPRecipientsRefused as exc:
        first = next(iter(exc.recipients.values()), (550, b"recipients refused"))
        return RelayOutcome(first[0], _text(first[1]), {r: (c, _text(t)) for r, (c, t) in exc.recipients.items()})
    except smtplib.SMTPResponseException as exc:
        return RelayOutcome(exc.smtp_code, _text(exc.smtp_error), {})
    except (smtplib.SMTPException, OSError) as exc:
        return RelayOutcome(451, f"upstream {upstream.address} unavailable: {exc}", {})
    return RelayOutcome(250, f"accepted by {upstream.address}",
                        {r: (c, _text(t)) for r, (c, t) in refused.items()})


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
