"""Key record parsing (RFC 6376 3.2 and 3.6.1, RFC 8463 4.2, RFC 8301): syntax, then corpus vectors."""

from __future__ import annotations

import base64
import json
import re

import pytest

from inboxready.dkim.record import KeyType, looks_like_key_record, parse_key_record
from inboxready.dkim.taglist import TagListError, parse_tag_list
from inboxready.findings.model import Severity
from tests.services import corpus_path

ED = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="  # RFC 8463 A.2 "brisbane" public key


def codes(text: str) -> list[tuple[str, Severity]]:
    return [(p.code, p.severity) for p in parse_key_record(text).problems]


def test_tag_list_keeps_order_and_unfolds_values() -> None:
    text = " v = DKIM1 ;\r\n\tk=rsa; n=two  words;"
    tags = parse_tag_list(text)
    assert [(t.name, t.value) for t in tags] == [("v", "DKIM1"), ("k", "rsa"), ("n", "two words")]
    assert tags[1].position == text.index("k=")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("v=DKIM1; v=DKIM1", "appears twice"),
        ("v=DKIM1;; p=", "empty tag-spec"),
        ("v=DKIM1; novalue", "no '='"),
        ("1v=x", "not a valid tag name"),
        ("n=caf\u00e9", "not allowed"),
    ],
)
def test_tag_list_errors(text: str, match: str) -> None:
    with pytest.raises(TagListError, match=match):
        parse_tag_list(text)


def test_ed25519_record_of_rfc8463() -> None:
    record = parse_key_record(f"v=DKIM1; k=ed25519; p={ED}")
    assert (record.key_type, record.key_bits, record.key_format) == (KeyType.ED25519, 256, "raw")
    assert record.public_key == base64.b64decode(ED)
    assert record.usable and not record.problems


def test_ed25519_key_wrapped_in_spki_is_invalid_with_the_hint() -> None:
    spki = base64.b64encode(bytes.fromhex("302a300506032b6570032100") + base64.b64decode(ED)).decode()
    record = parse_key_record(f"v=DKIM1; k=ed25519; p={spki}")
    assert record.has_errors and "first 12 bytes" in record.errors[0].message
    assert not record.usable


def test_revoked_key_and_flags() -> None:
    record = parse_key_record("v=DKIM1; k=rsa; t=y:s; s=email:tlsrpt; p=")
    assert record.revoked and not record.usable
    assert record.testing and record.strict_identity and record.for_email
    assert codes(record.text) == [("dkim-testing-mode", Severity.WARNING)]


def test_defaults_when_tags_are_absent() -> None:
    record = parse_key_record(f"k=ed25519; p={ED}")
    assert record.version is None and record.service_types == ("*",) and record.hash_algorithms is None
    assert record.allows_hash("sha256") and record.notes is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=DKIM2; p=", [("dkim-invalid", Severity.ERROR)]),
        (f"k=ed25519; v=DKIM1; p={ED}", [("dkim-record-syntax", Severity.WARNING)]),
        ("v=DKIM1; k=rsa", [("dkim-invalid", Severity.ERROR)]),  # p= is required
        ("v=DKIM1; p=not*base64", [("dkim-invalid", Severity.ERROR)]),
        (f"v=DKIM1; k=ed25519; h=sha1; p={ED}", [("dkim-sha1", Severity.ERROR)]),
        (f"v=DKIM1; k=ed25519; h=md5; p={ED}", [("dkim-invalid", Severity.ERROR)]),
        (f"v=DKIM1; k=ed25519; h=sha1:sha256; p={ED}", []),
        (f"v=DKIM1; k=ed25519; s=tlsrpt; p={ED}", [("dkim-not-for-email", Severity.WARNING)]),
        (f"v=DKIM1; k=ed25519; x=unknown-tags-are-ignored; p={ED}", []),
        (f"v=DKIM1; k=rsa; p={ED}", [("dkim-invalid", Severity.ERROR)]),  # 32 bytes are not an RSA key
        ("google-site-verification=abc", [("dkim-invalid", Severity.ERROR)]),
        ("just text", [("dkim-invalid", Severity.ERROR)]),
    ],
)
def test_validation(text: str, expected: list[tuple[str, Severity]]) -> None:
    assert codes(text) == expected


def test_a_record_split_over_strings_is_joined_without_spaces() -> None:
    whole = f"v=DKIM1; k=ed25519; p={ED}"
    record = parse_key_record([whole[:20].encode(), whole[20:].encode()])
    assert record.text == whole and len(record.strings) == 2 and record.key_bits == 256


def test_looks_like_key_record() -> None:
    assert looks_like_key_record("v=DKIM1; p=")
    assert looks_like_key_record(f"k=ed25519; p={ED}")
    assert not looks_like_key_record("google-site-verification=abc")
    assert not looks_like_key_record("v=spf1 -all")


# --- corpus vectors -------------------------------------------------------------------------------

DKIMPY = {
    # file: (key type, bits, key format, problem codes)
    "test.txt": (KeyType.RSA, 1024, "spki", ["dkim-weak-key"]),
    "test2.txt": (KeyType.RSA, 1024, "spki", ["dkim-weak-key"]),  # no k=: rsa by default
    "1024_testkey_wo_markers.pub.txt": (KeyType.RSA, 1024, "spki", ["dkim-weak-key"]),
    "1024_testkey_wo_markers.pub.rsa.txt": (KeyType.RSA, 1024, "pkcs1", ["dkim-weak-key"]),
    "2048_testkey_wo_markers.pub.txt": (KeyType.RSA, 2048, "spki", []),
    "2048_testkey_wo_markers.pub.rsa.txt": (KeyType.RSA, 2048, "pkcs1", []),
    "ed25519test.dns": (KeyType.ED25519, 256, "raw", []),
    "eximtest.dns": (KeyType.ED25519, 256, "raw", []),
    "test_tlsrpt.txt": (KeyType.RSA, 1024, "spki", ["dkim-weak-key", "dkim-not-for-email"]),
    "test_bad.txt": (KeyType.RSA, None, None, ["dkim-invalid"]),  # corrupted key
    "badk.txt": (None, None, None, ["dkim-invalid"]),  # k=ed25519-sha256 is no key type
    "badversion.txt": (KeyType.RSA, 1024, "spki", ["dkim-invalid", "dkim-weak-key"]),  # "v=DKIM1:"
}


@pytest.mark.parametrize("name", sorted(DKIMPY))
def test_dkimpy_key_records(name: str) -> None:
    record = parse_key_record(corpus_path("dkim", "dkimpy", name).read_text().strip())
    key_type, bits, key_format, expected = DKIMPY[name]
    assert (record.key_type, record.key_bits, record.key_format) == (key_type, bits, key_format)
    assert [p.code for p in record.problems] == expected
    assert record.usable == (not record.has_errors and record.for_email)


def test_weak_key_severity_at_1024_bits_is_a_warning() -> None:
    record = parse_key_record(corpus_path("dkim", "dkimpy", "test.txt").read_text())
    assert [p.severity for p in record.problems] == [Severity.WARNING]


def test_mailauth_rfc8463_records_split_across_strings() -> None:
    dns = json.loads(corpus_path("dkim", "mailauth", "rfc8463-ec", "dns.json").read_text())
    rsa = parse_key_record(dns["test._domainkey.football.example.com"]["TXT"][0])
    assert len(rsa.strings) == 4 and rsa.key_type is KeyType.RSA and rsa.key_bits == 1024
    ed = parse_key_record(dns["brisbane._domainkey.football.example.com"]["TXT"][0])
    assert ed.key_type is KeyType.ED25519 and ed.public_key == base64.b64decode(ED)


@pytest.mark.parametrize(
    ("pem", "key_type", "bits", "severity"),
    [
        ("public-rsa.pem", "rsa", 2048, None),
        ("public-small.pem", "rsa", 512, Severity.ERROR),  # mailauth refuses it as a weak key
        ("public-ed25519.pem", "ed25519", None, Severity.ERROR),  # PEM is SPKI: not what k=ed25519 wants
    ],
)
def test_mailauth_public_keys_as_p_values(pem: str, key_type: str, bits: int | None, severity: Severity | None) -> None:
    body = "".join(line for line in corpus_path("dkim", "mailauth", "keys", pem).read_text().splitlines()
                   if not line.startswith("-----"))
    record = parse_key_record(f"v=DKIM1; k={key_type}; p={body}")
    assert record.key_bits == bits
    assert [p.severity for p in record.problems] == ([severity] if severity else [])


def test_stalwart_key_records_all_parse() -> None:
    seen = 0
    for number in range(1, 7):
        head = corpus_path("dkim", "stalwart-mail-auth", f"{number:03}.txt").read_text().split("\n\n", 1)[0]
        for line in head.splitlines():
            name, text = line.split(" ", 1)
            assert re.match(r"^[\w.-]+\._domainkey\.", name), name
            record = parse_key_record(text)
            assert not record.has_errors and record.usable, (name, record.problems)
            seen += 1
    assert seen >= 7
