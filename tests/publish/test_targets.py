"""The targets: and policy_document: sections of the policy file, and how a target becomes a provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.errors import InputError
from inboxready.policy.model import PolicyError, parse_policy
from inboxready.policy.targets import open_target, provider_settings, read_secret, target_nameserver

BASE = "domain: example.com\n"


def targets(text: str):  # type: ignore[no-untyped-def]
    return parse_policy(BASE + "targets:\n" + text, "p.yaml").policy.targets


def problems(text: str) -> str:
    with pytest.raises(PolicyError) as raised:
        parse_policy(BASE + text, "p.yaml")
    return str(raised.value)


def test_powerdns_target_settings_come_from_the_url() -> None:
    t = targets("  pdns:\n    provider: PowerDNS\n    zone: Example.COM.\n    api_url: https://ns.example.net:8443/\n"
                "    credentials: {env: PDNS_KEY}\n")["pdns"]
    assert (t.provider, t.zone, t.api_url) == ("powerdns", "example.com", "https://ns.example.net:8443")
    settings = provider_settings(t, "k3y")
    assert settings == {"host": "ns.example.net", "port": 8443, "scheme": "https", "enable_dynamic": False,
                        "api_key": "k3y"}
    assert target_nameserver(t) is None  # the API host is a name, not an address: no DNS server to ask
    local = targets("  p:\n    provider: powerdns\n    zone: example.com\n    api_url: http://127.0.0.1:8081\n"
                    "    credentials: {env: K}\n")["p"]
    assert target_nameserver(local) == ("127.0.0.1", 53)


def test_rfc2136_tsig_forms() -> None:
    t = targets("  ns:\n    provider: rfc2136\n    zone: example.com\n    nameserver: 192.0.2.53:5353\n")["ns"]
    assert provider_settings(t, None) == {"host": "192.0.2.53", "port": 5353}
    assert provider_settings(t, "hmac-sha512:k1:c2VjcmV0")["key_algorithm"] == "hmac-sha512"
    assert provider_settings(t, "k1:c2VjcmV0")["key_algorithm"] == "hmac-sha256"
    with pytest.raises(InputError, match=r"\[algorithm:\]name:secret"):
        provider_settings(t, "justasecret")


def test_generic_provider_needs_the_option_name_and_the_package(tmp_path: Path) -> None:
    t = targets("  r53:\n    provider: octodns_route53.Route53Provider\n    zone: example.com\n"
                "    credentials: {env: AWS_SECRET, option: secret_access_key}\n"
                "    settings: {access_key_id: AKIAEXAMPLE}\n")["r53"]
    assert provider_settings(t, "x") == {"secret_access_key": "x", "access_key_id": "AKIAEXAMPLE"}
    with pytest.raises(InputError, match="needs the Python package octodns-route53"):
        open_target("r53", t, tmp_path, {"AWS_SECRET": "x"})


def test_policy_errors_name_file_and_line() -> None:
    text = problems("targets:\n  pdns:\n    provider: powerdns\n    zone: example.com\n")
    assert text.startswith("p.yaml:3:") and "needs api_url" in text
    assert "p.yaml:7: credentials: give exactly one" in problems(
        "targets:\n  x:\n    provider: rfc2136\n    zone: example.com\n"
        "    nameserver: 192.0.2.1\n    credentials: {env: A, file: b}\n")
    assert "holds none of example.com" in problems("targets:\n  x:\n    provider: rfc2136\n"
                                                   "    zone: example.org\n    nameserver: 192.0.2.1\n")
    assert "not-a-provider" in problems("targets:\n  x:\n    provider: not-a-provider\n    zone: example.com\n")
    assert "Bad" in problems("targets:\n  Bad:\n    provider: rfc2136\n    zone: example.com\n"
                             "    nameserver: 192.0.2.1\n")
    assert "p.yaml:3:" in problems("policy_document:\n  url: http://example.com/x.json\n")
    assert "p.yaml:7: unknown key 'typo'" in problems("targets:\n  x:\n    provider: rfc2136\n    zone: example.com\n"
                                                     "    nameserver: 192.0.2.1\n    typo: 1\n")
    assert "p.yaml:6: settings.key_secret: secrets belong" in problems(
        "targets:\n  x:\n    provider: rfc2136\n    zone: example.com\n    settings: {key_secret: s}\n")


def test_secrets_from_env_or_file(tmp_path: Path) -> None:
    t = targets("  ns:\n    provider: rfc2136\n    zone: example.com\n    nameserver: 192.0.2.1\n"
                "    credentials: {file: secret.key}\n")["ns"]
    assert t.credentials is not None
    with pytest.raises(InputError, match="cannot read"):
        read_secret(t.credentials, tmp_path)
    (tmp_path / "secret.key").write_text("\n")
    with pytest.raises(InputError, match="is empty"):
        read_secret(t.credentials, tmp_path)
    (tmp_path / "secret.key").write_text("hmac-sha256:k:c2VjcmV0\n")
    assert read_secret(t.credentials, tmp_path) == "hmac-sha256:k:c2VjcmV0"
    env = targets("  ns:\n    provider: rfc2136\n    zone: example.com\n    nameserver: 192.0.2.1\n"
                  "    credentials: {env: TSIG}\n")["ns"].credentials
    assert env is not None and read_secret(env, tmp_path, {"TSIG": " k:s "}) == "k:s"
    with pytest.raises(InputError, match="TSIG .* is not set"):
        read_secret(env, tmp_path, {})
