"""The blocklists data: the bundled file, user files, and one-line errors with file:line."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from inboxready.blocklists.lists import ListKind, default_lists_path, load_lists
from inboxready.errors import InputError

TEST_LISTS = Path(__file__).with_name("lists.yaml")


def test_the_bundled_lists() -> None:
    lists = {b.id: b for b in load_lists()}
    assert set(lists) == {
        "spamhaus-zen", "spamhaus-dbl", "spamcop", "barracuda", "uceprotect-1", "psbl", "surbl-multi", "uribl-multi"
    }
    zones = {b.zone for b in lists.values()}
    assert {"zen.spamhaus.org", "dbl.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org",
            "dnsbl-1.uceprotect.net", "psbl.surriel.com", "multi.surbl.org", "multi.uribl.com"} == zones
    for b in lists.values():
        assert b.removal.startswith("https://") and b.source.startswith("https://") and b.checked
    assert lists["spamhaus-dbl"].kind is ListKind.DOMAIN and lists["spamhaus-zen"].ipv6
    zen = lists["spamhaus-zen"]
    for code in ("127.255.255.252", "127.255.255.254", "127.255.255.255", "127.255.255.1"):
        assert zen.error_meaning(ipaddress.ip_address(code)), code  # never a listing
    assert zen.listing_meanings(ipaddress.ip_address("127.0.0.10"))[0].startswith("PBL")
    assert lists["uribl-multi"].error_meaning(ipaddress.ip_address("127.0.0.1"))
    surbl = lists["surbl-multi"]
    assert surbl.bitmask and len(surbl.listing_meanings(ipaddress.ip_address("127.0.0.80"))) == 2  # MW + ABUSE


def test_a_user_file_replaces_the_defaults_or_extends_them(tmp_path: Path) -> None:
    assert {b.zone for b in load_lists(TEST_LISTS)} >= {"zen.dnsbl.test", "wild.dnsbl.test"}
    assert not any(b.zone.endswith("spamhaus.org") for b in load_lists(TEST_LISTS))
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "lists:\n"
        "  - {id: mine, zone: bl.example.net, kind: ip, codes: {127.0.0.2: listed}}\n"
        "  - {id: spamcop, zone: bl.spamcop.net, kind: ip, codes: {127.0.0.2: listed}, enabled: false}\n"
    )
    ids = {b.id for b in load_lists(extra)}
    assert "mine" in ids and "spamhaus-zen" in ids and "spamcop" not in ids


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("lists: [\n", ":2", "not valid YAML"),
        ("nothing: here\n", "", "'lists:' sequence"),
        ("lists:\n  - id: a\n    zone: bl.example\n    kind: ip\n", ":2", "codes must list"),
        ("lists:\n  - {id: a, zone: bl.example, kind: url, codes: {127.0.0.2: x}}\n", ":2", "must be ip or domain"),
        ("lists:\n  - {id: a, zone: bl.example, kind: ip, codes: {300.0.0.2: x}}\n", ":2", "not an IPv4 address"),
        ("lists:\n  - {id: a, zone: 'bad zone', kind: ip, codes: {127.0.0.2: x}}\n", ":2", "is not a DNS name"),
        ("lists:\n  - {id: a, zone: bl.example, kind: ip, codes: {127.0.0.2: x}, colour: red}\n", ":2", "unknown"),
        ("lists:\n  - {id: a, zone: bl.example, kind: domain, bitmask: true, codes: {3: x}}\n", ":2", "power of two"),
        ("lists:\n  - {zone: bl.example, kind: ip, codes: {127.0.0.2: x}}\n", ":2", "id is required"),
        (
            "lists:\n  - {id: a, zone: a.example, kind: ip, codes: {127.0.0.2: x}}\n"
            "  - {id: a, zone: b.example, kind: ip, codes: {127.0.0.2: x}}\n",
            ":3",
            "appears twice",
        ),
        ("include_defaults: maybe\nlists: []\n", "", "include_defaults must be true or false"),
    ],
)
def test_bad_files_are_one_line_input_errors(tmp_path: Path, text: str, where: str, problem: str) -> None:
    path = tmp_path / "lists.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_lists(path)
    message = str(info.value)
    assert message.startswith(f"{path}{where}:") and problem in message and "\n" not in message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read blocklists file"):
        load_lists(tmp_path / "missing.yaml")


def test_bundled_file_is_package_data() -> None:
    assert default_lists_path().is_file()
