"""The outgoing pre-flight gateway: an SMTP submission relay (aiosmtpd) that checks before it sends.

For each message a client submits (RFC 6409):
1. access: the client is in an allowed network or has authenticated (SMTP AUTH, RFC 4954) — never
   an open relay; STARTTLS (RFC 3207) is offered, and required, when a certificate is given; the
   size limit is announced (RFC 1870) and enforced;
2. the MAIL FROM and From domains must be the policy's domain or its subdomains, else 553/550;
3. a missing Date or Message-ID is added (RFC 6409 8.2, 8.3), then the message is DKIM-signed
   (RFC 6376) with the key the policy declares for the From domain (or its closest parent);
4. the signed message goes through `check_message` (SPF for the policy's servers, DKIM, DMARC,
   headers, SpamAssassin when configured);
5. when DMARC would fail (or cannot be confirmed: no aligned DKIM pass, no declared server for SPF,
   a DNS failure) or the spam score reaches the threshold, the configured action applies:
   hold (spooled on disk, 250 with the spool id), reject (550 with the reason) or relay anyway;
   otherwise the message is relayed to the upstream server and the client gets the upstream's verdict.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import logging
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from inboxready.dkim.keys import SigningKey, load_signing_key
from inboxready.dkim.record import parse_key_record
from inboxready.dkim.signing import SigningError, sign_message
from inboxready.dns.resolver import Resolver
from inboxready.errors import InputError
from inboxready.message.access import AccessPolicy
from inboxready.message.check import DeclaredServer, MessageCheckOptions, MessageReport, check_message
from inboxready.message.headers import parse_addresses
from inboxready.message.parse import parse_message, split_header_section
from inboxready.message.relay import RelayOutcome, Upstream, relay
from inboxready.message.spamd import SpamdClient
from inboxready.message.spool import Spool
from inboxready.policy.model import PolicyFile

log = logging.getLogger("inboxready.gateway")

DEFAULT_MAX_SIZE = 25 * 1024 * 1024
#: Header fields signed when present (RFC 6376 5.4.1), List-Unsubscribe-Post for RFC 8058 3.1.
SIGNED_FIELDS = (
    "from", "sender", "reply-to", "subject", "date", "message-id", "to", "cc", "mime-version", "content-type",
    "content-transfer-encoding", "content-id", "content-description", "in-reply-to", "references", "list-id",
    "list-help", "list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-post", "list-owner",
    "list-archive", "feedback-id",
)


class OnFail(enum.Enum):
    HOLD = "hold"
    REJECT = "reject"
    RELAY = "relay"

    @classmethod
    def from_text(cls, text: str) -> OnFail:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError(f"--on-fail {text!r}: choose hold, reject or relay") from None

    def to_text(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Signer:
    domain: str
    selector: str
    key: SigningKey


@dataclass(frozen=True)
class GatewayConfig:
    upstream: Upstream
    #: Sender domains the policy covers (each with its subdomains).
    domains: tuple[str, ...]
    spool: Spool
    resolver: Resolver
    signers: tuple[Signer, ...] = ()
    access: AccessPolicy = field(default_factory=AccessPolicy)
    on_fail: OnFail = OnFail.HOLD
    #: Fail a message DMARC would fail.
    check_dmarc: bool = True
    #: Fail a message scoring at least this (None: spamd's own threshold).
    spam_threshold: float | None = None
    spamd: SpamdClient | None = None
    servers: tuple[DeclaredServer, ...] = ()
    max_size: int = DEFAULT_MAX_SIZE
    hostname: str = field(default_factory=socket.getfqdn)
    tls_context: ssl.SSLContext | None = None


@dataclass
class GatewayStats:
    relayed: int = 0
    held: int = 0
    rejected: int = 0
    refused: int = 0


def domain_allowed(domain: str, domains: tuple[str, ...]) -> bool:
    name = domain.lower().rstrip(".")
    return any(name == d or name.endswith("." + d) for d in domains)


def signer_for(domain: str, signers: tuple[Signer, ...]) -> Signer | None:
    """The signer of `domain` itself, else of its closest parent (relaxed alignment, RFC 7489 3.1.1)."""
    name = domain.lower().rstrip(".")
    candidates = [s for s in signers if name == s.domain or name.endswith("." + s.domain)]
    return max(candidates, key=lambda s: len(s.domain), default=None)


class GatewayHandler:
    """aiosmtpd handler: the access rules in MAIL/RCPT, the pre-flight in DATA."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.stats = GatewayStats()

    # --- access -----------------------------------------------------------------------------

    def authenticator(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.config.access.check_login(auth_data.login,
                                                                                   auth_data.password):
            return AuthResult(success=True, auth_data=auth_data.login.decode("utf-8", "replace"))
        log.warning("failed AUTH %s from %s", mechanism, _peer(session))
        return AuthResult(success=False, handled=False)

    def _may_relay(self, session: Session) -> bool:
        return bool(session.authenticated) or self.config.access.network_allowed(_peer(session))

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if not self._may_relay(session):
            self.stats.refused += 1
            log.warning("refused MAIL FROM %s: %s is not allowed to relay without AUTH", address, _peer(session))
            return "530 5.7.0 Authentication required: this server relays only for its own users"
        sender = "" if address == "<>" else address
        domain = sender.rpartition("@")[2]
        if sender and not domain_allowed(domain, self.config.domains):
            self.stats.refused += 1
            return f"553 5.7.1 Sender domain {domain} is not covered by this gateway's policy"
        envelope.mail_from = sender
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if not self._may_relay(session):
            return "530 5.7.0 Authentication required"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    # --- pre-flight -------------------------------------------------------------------------

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self._may_relay(session):
            return "530 5.7.0 Authentication required"
        content = envelope.original_content or b""
        mail_from = envelope.mail_from or ""
        try:
            prepared, from_domain = self._prepare(content)
        except InputError as exc:
            self.stats.rejected += 1
            return f"550 5.6.0 {_one_line(str(exc))}"
        if not domain_allowed(from_domain, self.config.domains):
            self.stats.rejected += 1
            return f"550 5.7.1 From domain {from_domain} is not covered by this gateway's policy"
        report = await check_message(prepared, self.config.resolver, self._options(mail_from))
        reasons = failure_reasons(report, self.config)
        if reasons and self.config.on_fail is OnFail.REJECT:
            self.stats.rejected += 1
            log.info("rejected message from %s: %s", mail_from, "; ".join(reasons))
            return f"550 5.7.1 Refused by pre-flight checks: {_one_line('; '.join(reasons))}"
        if reasons and self.config.on_fail is OnFail.HOLD:
            entry = self.config.spool.hold(prepared, mail_from=mail_from, rcpt_tos=envelope.rcpt_tos,
                                           reasons=reasons, peer=_peer(session))
            self.stats.held += 1
            log.info("held %s from %s: %s", entry.id, mail_from, "; ".join(reasons))
            return f"250 2.0.0 Held for review as {entry.id}: {_one_line('; '.join(reasons))}"
        if reasons:
            log.warning("relaying despite failed checks (on-fail relay): %s", "; ".join(reasons))
        return await self._relay(prepared, mail_from, envelope.rcpt_tos, session)

    def _prepare(self, content: bytes) -> tuple[bytes, str]:
        """Add Date/Message-ID when missing, DKIM-sign; returns the message and its From domain."""
        parsed = parse_message(content)
        from_fields = parsed.all("From")
        addresses = parse_addresses(from_fields[0].text())[0] if len(from_fields) == 1 else []
        if len(addresses) != 1 or not addresses[0].domain:
            raise InputError("the message needs exactly one From header with one address (RFC 5322 3.6.2)")
        from_domain = addresses[0].domain.lower().rstrip(".")
        content = _complete_headers(content, parsed.count("Date") == 0, parsed.count("Message-ID") == 0,
                                    from_domain)
        signer = signer_for(from_domain, self.config.signers)
        if signer is None:
            return content, from_domain
        present = {f.lower for f in parse_message(content).fields}
        headers = [name for name in SIGNED_FIELDS if name in present] + ["from"]
        try:
            signed = sign_message(content, domain=signer.domain, selector=signer.selector, key=signer.key,
                                  headers=headers)
        except SigningError as exc:
            raise InputError(f"cannot DKIM-sign the message: {exc}") from exc
        return signed, from_domain

    def _options(self, mail_from: str) -> MessageCheckOptions:
        return MessageCheckOptions(
            mail_from=mail_from,
            servers=self.config.servers,
            spamd=self.config.spamd,
            authserv_id=self.config.hostname,
        )

    async def _relay(self, content: bytes, mail_from: str, rcpt_tos: list[str], session: Session) -> str:
        outcome = await relay(self.config.upstream, mail_from, rcpt_tos, content)
        if not outcome.accepted:
            log.warning("upstream %s answered %d %s", self.config.upstream.address, outcome.code, outcome.text)
            self.stats.rejected += 0 if outcome.temporary else 1
            code = "451 4.4.1" if outcome.temporary else "554 5.0.0"
            return f"{code} Upstream {self.config.upstream.address} answered: {outcome.code} {_one_line(outcome.text)}"
        self.stats.relayed += 1
        if outcome.refused:
            return self._hold_refused(content, mail_from, outcome, session)
        log.info("relayed message from %s to %d recipient(s)", mail_from, len(rcpt_tos))
        return "250 2.0.0 Checked, signed and relayed"

    def _hold_refused(self, content: bytes, mail_from: str, outcome: RelayOutcome, session: Session) -> str:
        """Recipients the upstream refused while taking the others: held, so none is lost."""
        reasons = [f"upstream refused {rcpt}: {code} {text}" for rcpt, (code, text) in outcome.refused.items()]
        entry = self.config.spool.hold(content, mail_from=mail_from, rcpt_tos=list(outcome.refused),
                                       reasons=reasons, peer=_peer(session))
        self.stats.held += 1
        return f"250 2.0.0 Relayed; {len(outcome.refused)} recipient(s) refused upstream, held as {entry.id}"


def policy_signers(policy_file: PolicyFile, key_files: Mapping[str, str] | None = None) -> tuple[Signer, ...]:
    """Signers for the selectors the policy declares for its servers (servers[].dkim.selector).

    The policy holds public keys only; the private key of selector S comes from `key_files[S]`
    (`--dkim-key S=FILE`), else from S.pem beside the policy file. A key given for a selector the
    policy does not declare, or one whose public half differs from the policy's key, is an InputError.
    """
    key_files = dict(key_files or {})
    declared = {s.dkim.selector: s.dkim for s in policy_file.policy.servers if s.dkim is not None}
    unknown = sorted(set(key_files) - set(declared))
    if unknown:
        raise InputError(f"DKIM selector {unknown[0]} is not declared in {policy_file.path} (servers[].dkim)")
    signers = []
    for selector, dkim in declared.items():
        path = Path(key_files[selector]) if selector in key_files else policy_file.base / f"{selector}.pem"
        if selector not in key_files and not path.exists():
            continue
        try:
            key = load_signing_key(path.read_bytes())
        except OSError as exc:
            reason = exc.strerror or exc
            raise InputError(f"cannot read the DKIM key of selector {selector} ({path}): {reason}") from exc
        if dkim.key and _published_key(dkim.key) not in (None, key.pair.public_key):
            raise InputError(f"{path} is not the private half of the key {policy_file.path} declares for {selector}")
        signers.append(Signer(policy_file.policy.domain, selector, key))
    return tuple(signers)


def _published_key(record_text: str) -> bytes | None:
    record = parse_key_record(record_text)
    return record.public_key if not record.has_errors else None


def failure_reasons(report: MessageReport, config: GatewayConfig) -> list[str]:
    """Why the gateway would not send this message as it is (empty: send it)."""
    reasons = []
    domain = report.headers.from_domain or "the From domain"
    if config.check_dmarc and report.auth.dmarc_result == "fail":
        reason = report.auth.dmarc.reason if report.auth.dmarc else ""
        reasons.append(f"DMARC would fail for {domain}" + (f" ({reason})" if reason else ""))
    elif config.check_dmarc and report.auth.dmarc_result == "unknown":
        why = "; ".join(report.auth.unchecked) or "no DKIM pass and no declared sending server"
        reasons.append(f"DMARC cannot be confirmed for {domain} ({why})")
    spam = report.spam
    if spam is not None:
        threshold = config.spam_threshold if config.spam_threshold is not None else spam.threshold
        if spam.score >= threshold:
            top = ", ".join(r.name for r in sorted(spam.rules, key=lambda r: -r.score)[:3] if r.score > 0)
            reasons.append(f"SpamAssassin score {spam.score:.1f} >= {threshold:.1f}" + (f" ({top})" if top else ""))
    return reasons


def _complete_headers(content: bytes, add_date: bool, add_message_id: bool, domain: str) -> bytes:
    if not add_date and not add_message_id:
        return content
    header, _ = split_header_section(content)
    linesep = b"\r\n" if b"\r\n" in header or not header else b"\n"
    added = b""
    if add_date:
        added += b"Date: " + email.utils.formatdate(usegmt=True).encode("ascii") + linesep
    if add_message_id:
        added += b"Message-ID: " + email.utils.make_msgid(domain=domain).encode("ascii") + linesep
    return added + content


def _peer(session: Session) -> str | None:
    peer = session.peer
    if isinstance(peer, tuple | list) and peer:
        return str(peer[0])
    return str(peer) if peer else None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


async def start_gateway(config: GatewayConfig, host: str, port: int) -> tuple[asyncio.Server, GatewayHandler]:
    """Listen on host:port; returns the server (close it to stop) and the handler (its stats)."""
    handler = GatewayHandler(config)
    loop = asyncio.get_running_loop()
    authenticate = handler.authenticator if config.access.accounts else None

    def factory() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=config.max_size,
            hostname=config.hostname,
            ident="inboxready gateway",
            tls_context=config.tls_context,
            require_starttls=config.tls_context is not None,
            auth_require_tls=config.tls_context is not None,
            authenticator=authenticate,
            loop=loop,
        )

    try:
        server = await loop.create_server(factory, host=host, port=port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return server, handler


async def release_held(spool: Spool, upstream: Upstream, message_id: str) -> RelayOutcome:
    """Relay a held message as it was held; it leaves the spool only once the upstream accepted it."""
    entry, content = spool.get(message_id)
    if not entry.rcpt_tos:
        raise InputError(f"held message {message_id} has no recipients recorded; it cannot be released")
    outcome = await relay(upstream, entry.mail_from, list(entry.rcpt_tos), content)
    if outcome.accepted and not outcome.refused:
        spool.remove(message_id)
    return outcome
