"""The policy file: validation with file:line errors, defaults and normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from inboxready.policy.model import PolicyError, load_policy, parse_policy
from tests.policy.conftest import DEMO_POLICY


def problems(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yaml")
    return str(caught.value)


def test_demo_policy_loads() -> None:
    loaded = load_policy(DEMO_POLICY)
    pol = loaded.policy
    assert pol.domain == "acme.example"
    assert [s.service for s in pol.senders] == ["microsoft365", "amazon-ses", "mailchimp", "web-host"]
    assert pol.servers[0].ip == ("203.0.113.25",) and pol.servers[0].helo == "mail.acme.example"
    assert pol.dmarc.rua == ("mailto:dmarc-reports@acme.example",)
    assert loaded.where("senders", 1, "parameters", "region") == f"{DEMO_POLICY}:13"


def test_minimal_policy_has_defaults() -> None:
    pol = parse_policy("domain: Example.COM.\n").policy
    assert pol.domain == "example.com" and pol.senders == () and pol.dmarc.policy == "none"
    assert pol.options.spf_all == "~all" and pol.options.legacy_spf_type99 is False


def test_report_addresses_are_normalised() -> None:
    pol = parse_policy("domain: example.com\ndmarc:\n  rua: [a@Example.COM, 'mailto:b@example.net']\n"
                       "  ruf: c@example.com\noptions:\n  tls_rpt: t@example.com\n").policy
    assert pol.dmarc.rua == ("mailto:a@example.com", "mailto:b@example.net")
    assert pol.dmarc.ruf == ("mailto:c@example.com",)
    assert pol.options.tls_rpt == ("mailto:t@example.com",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domain: example\n", "p.yaml:1: 'example' is not a domain name"),
        ("domain: example.com\nsenders:\n  - service: mailchimp\n    params: {}\n", "p.yaml:4: unknown key 'params'"),
        ("domain: example.com\nservers:\n  - ip: 999.1.1.1\n", "p.yaml:3: '999.1.1.1' is not an IP address"),
        ("domain: example.com\ndmarc:\n  policy: rejct\n", "p.yaml:3: Input should be 'none', 'quarantine'"),
        ("domain: example.com\ndmarc:\n  rua: [nobody]\n", "p.yaml:3: 'nobody' is not a report address"),
        ("domain: example.com\noptions:\n  mta_sts: {mode: enforce}\n", "p.yaml:3: mta_sts needs the mx"),
        ("domain: example.com\ndomain: example.org\n", "p.yaml:2: duplicate key 'domain'"),
        ("senders: []\n", "p.yaml:1: Field required (at domain)"),
        ("- just a list\n", "p.yaml:1: a policy file is a mapping"),
        ("domain: [unclosed\n", "p.yaml:2:"),
        ("domain: example.com\nsenders:\n  - service: x\n    parameters: {a: {b: c}}\n",
         "p.yaml:4: parameter a: give text"),
    ],
)
def test_errors_name_file_and_line(text: str, expected: str) -> None:
    assert expected in problems(text)


def test_every_problem_is_reported() -> None:
    text = "domain: example.com\ndmarc:\n  policy: x\n  adkim: y\n"
    found = problems(text).splitlines()
    assert len(found) == 2 and found[0].startswith("p.yaml:3:") and found[1].startswith("p.yaml:4:")


def test_missing_file_and_catalog_dirs_relative_to_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="inboxready init"):
        load_policy(tmp_path / "nope.yaml")
    path = tmp_path / "sub" / "inboxready.yaml"
    path.parent.mkdir()
    path.write_text("domain: example.com\ncatalog_dirs: [mine, /abs/dir]\n")
    loaded = load_policy(path)
    assert loaded.catalog_dirs() == [path.parent / "mine", Path("/abs/dir")]
