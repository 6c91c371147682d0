"""Publish targets: a zone at a DNS provider, reached through an octoDNS provider.

`open_target(name, target, base)` builds the provider from the policy file's `targets:` entry:
`powerdns` (octodns-powerdns, the PowerDNS Authoritative HTTP API), `rfc2136` (octodns-bind: RFC 5936
zone transfer to read, RFC 2136 dynamic update to write, optional RFC 8945 TSIG) or any octoDNS
provider class by its dotted path. Secrets come from an environment variable or a file named in
the policy, never from the command line, and never appear in messages.

`OctodnsZone` reads the zone as `RecordSet`s and writes `RecordChange`s: it copies the provider's
own view of the zone, changes only the changed RRsets, lets octoDNS compute its plan and refuses
to apply when that plan touches anything else. Provider errors become `TargetError` here, at the
one boundary.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from inboxready.dns.factory import parse_nameserver
from inboxready.errors import InboxreadyError, InputError
from inboxready.policy.changes import RecordChange, RecordSet, normal_value
from inboxready.policy.model import PROVIDER_ALIASES, Credentials, Target

#: Record types inboxready plans; the rest of a zone is read only to see what shares a name.
_TXT_TYPES = ("TXT", "SPF")


class TargetError(InboxreadyError):
    """The provider refused or failed (HTTP error, update refused, zone not found, unreachable)."""


class ZoneTarget(Protocol):
    """A zone inboxready can read and change (a provider zone, or an in-memory one in tests)."""

    zone: str
    supports: frozenset[str]

    def read(self) -> dict[tuple[str, str], RecordSet]: ...

    def write(self, changes: Sequence[RecordChange]) -> None: ...


def read_secret(credentials: Credentials, base: Path, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if credentials.env is not None:
        value = env.get(credentials.env, "").strip()
        if not value:
            raise InputError(f"the environment variable {credentials.env} (target credentials) is not set")
        return value
    assert credentials.file is not None
    path = Path(credentials.file).expanduser()
    path = path if path.is_absolute() else base / path
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the target credentials file {path}: {getattr(exc, 'strerror', exc)}") from exc
    if not value:
        raise InputError(f"the target credentials file {path} is empty")
    return value


def _tsig(secret: str) -> dict[str, Any]:
    """'[algorithm:]name:secret' (the form of knsupdate/nsupdate -y) → octodns-bind key settings."""
    parts = secret.split(":")
    if len(parts) == 2:
        return {"key_name": parts[0], "key_secret": parts[1], "key_algorithm": "hmac-sha256"}
    if len(parts) == 3:
        return {"key_name": parts[1], "key_secret": parts[2], "key_algorithm": parts[0]}
    raise InputError("an rfc2136 TSIG credential is [algorithm:]name:secret (as for knsupdate -y)")


def provider_settings(target: Target, secret: str | None) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if target.provider == "powerdns":
        assert target.api_url is not None
        url = urlsplit(target.api_url)
        default_port = 443 if url.scheme == "https" else 80
        # enable_dynamic False: inboxready plans no dynamic (Lua) records, so skip octoDNS's probe for them.
        settings = {"host": url.hostname, "port": url.port or default_port, "scheme": url.scheme,
                    "enable_dynamic": False}
        if secret is not None:
            option = target.credentials.option if target.credentials else None
            settings[option or "api_key"] = secret
    elif target.provider == "rfc2136":
        assert target.nameserver is not None
        host, port = parse_nameserver(target.nameserver)
        settings = {"host": host, "port": port}
        if secret is not None:
            settings.update(_tsig(secret))
    elif secret is not None:
        if target.credentials is None or target.credentials.option is None:
            raise InputError("credentials.option: name the provider setting the secret fills (e.g. token)")
        settings[target.credentials.option] = secret
    settings.update(target.settings)
    return settings


def target_nameserver(target: Target) -> tuple[str, int] | None:
    """The DNS server whose answers show the target's changes (nameserver:, or the API host on 53)."""
    if target.nameserver is not None:
        return parse_nameserver(target.nameserver)
    if target.provider == "powerdns" and target.api_url is not None:
        host = urlsplit(target.api_url).hostname
        if host is not None:
            try:
                return parse_nameserver(host)
            except InputError:
                return None
    return None


def _provider_class(path: str) -> Any:
    module_name, _, class_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        package = module_name.split(".")[0].replace("_", "-")
        raise InputError(f"provider {path} needs the Python package {package} (pip install {package})") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise InputError(f"provider {path}: {module_name} has no {class_name}")
    return cls


def open_target(name: str, target: Target, base: Path, environ: Mapping[str, str] | None = None) -> OctodnsZone:
    secret = read_secret(target.credentials, base, environ) if target.credentials else None
    settings = provider_settings(target, secret)
    cls = _provider_class(PROVIDER_ALIASES.get(target.provider, target.provider))
    try:
        provider = cls(name, **settings)
    except (TypeError, ValueError) as exc:
        # The message names settings, never their values.
        raise InputError(f"target {name}: provider {target.provider} does not accept these settings "
                         f"({', '.join(sorted(settings))}): {type(exc).__name__}") from exc
    return OctodnsZone(provider, target.zone, f"{name} ({target.provider}, zone {target.zone})")


def _quiet_octodns() -> None:
    """octoDNS warns once that no validators are configured; choose its default set explicitly."""
    from octodns.record import Record

    Record.enable_validators({"legacy"})
    logging.getLogger("ValidatorRegistry").addHandler(logging.NullHandler())


def _record_values(record: Any) -> tuple[str, ...]:
    rtype = record._type
    values = list(getattr(record, "values", None) or [record.value])
    if rtype in _TXT_TYPES:
        return tuple(str(v).replace("\\;", ";") for v in values)
    if rtype == "MX":
        return tuple(normal_value("MX", f"{v.preference} {v.exchange}") for v in values)
    return tuple(normal_value(rtype, str(v)) for v in values)


def _record_data(rs: RecordSet) -> dict[str, Any]:
    if rs.type in _TXT_TYPES:
        return {"type": rs.type, "ttl": rs.ttl, "values": [v.replace(";", "\\;") for v in rs.values]}
    if rs.type == "MX":
        pairs = [v.split(None, 1) for v in rs.values]
        return {"type": "MX", "ttl": rs.ttl, "values": [{"preference": int(p), "exchange": e} for p, e in pairs]}
    if rs.type == "CNAME":
        return {"type": "CNAME", "ttl": rs.ttl, "value": rs.values[0]}
    return {"type": rs.type, "ttl": rs.ttl, "values": list(rs.values)}


class OctodnsZone:
    """One zone at an octoDNS provider."""

    def __init__(self, provider: Any, zone: str, description: str) -> None:
        _quiet_octodns()
        self.provider = provider
        self.zone = zone
        self.description = description
        self.supports = frozenset(str(t) for t in provider.SUPPORTS)

    def __repr__(self) -> str:
        return f"OctodnsZone({self.description})"

    def _populate(self) -> Any:
        from octodns.zone import Zone

        zone = Zone(self.zone + ".", [])
        try:
            exists = self.provider.populate(zone, target=True, lenient=True)
        except Exception as exc:  # noqa: BLE001 - providers are plug-ins raising anything (PowerDNS: bare Exception on 401)
            raise TargetError(f"{self.description}: cannot read the zone: {_reason(exc)}") from exc
        if exists is False:
            raise TargetError(f"{self.description}: the provider has no zone {self.zone} (create it first)")
        return zone

    def read(self) -> dict[tuple[str, str], RecordSet]:
        state: dict[tuple[str, str], RecordSet] = {}
        for record in self._populate().records:
            name = record.fqdn.rstrip(".").lower()
            rs = RecordSet(name, record._type, int(record.ttl), _record_values(record))
            state[rs.key] = rs
        return state

    def write(self, changes: Sequence[RecordChange]) -> None:
        from octodns.record import Record

        desired = self._populate().copy()
        wanted = {(c.name, c.type) for c in changes}
        for change in changes:
            existing = next((r for r in desired.records
                             if r.fqdn.rstrip(".").lower() == change.name and r._type == change.type), None)
            if existing is not None:
                desired.remove_record(existing)
            if change.after is not None:
                relative = "" if change.name == self.zone else change.name.removesuffix("." + self.zone)
                try:
                    record = Record.new(desired, relative, _record_data(change.after), source=None)
                    desired.add_record(record)
                except Exception as exc:  # noqa: BLE001 - octoDNS validation raises several unrelated types
                    raise TargetError(f"{self.description}: octoDNS rejects {change.name} {change.type}: "
                                      f"{_reason(exc)}") from exc
        try:
            plan = self.provider.plan(desired)
        except Exception as exc:  # noqa: BLE001 - provider plug-in boundary
            raise TargetError(f"{self.description}: cannot plan the changes: {_reason(exc)}") from exc
        if plan is None:
            return
        touched = {((c.new or c.existing).fqdn.rstrip(".").lower(), (c.new or c.existing)._type) for c in plan.changes}
        if not touched <= wanted:
            extra = ", ".join(f"{n} {t}" for n, t in sorted(touched - wanted))
            raise TargetError(f"{self.description}: octoDNS would also change {extra}; nothing applied")
        try:
            self.provider.apply(plan)
        except Exception as exc:  # noqa: BLE001 - provider plug-in boundary
            raise TargetError(f"{self.description}: the provider refused the changes: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    """A one-line reason without request headers (where API keys travel)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        try:
            data = response.json()  # type: ignore[union-attr]
        except ValueError:
            data = None
        detail = str(data.get("error", "")) if isinstance(data, dict) else ""
        return f"HTTP {status}" + (f": {detail}" if detail else "")
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
