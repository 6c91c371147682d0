"""Sign and verify through dkimpy with keys resolved by our Resolver (RFC 6376 5 and 6, RFC 8463)."""

from __future__ import annotations

import json

import pytest

import dkim
from inboxready.dkim.keys import SigningKey, load_signing_key
from inboxready.dkim.signing import SigningError, VerifyResult, sign_message, verify_message
from inboxready.dns import ZoneResolver
from inboxready.dns.errors import ServFail
from inboxready.errors import InputError
from tests.dkim.conftest import MESSAGE, zone_from_txt
from tests.services import corpus_path

DOMAIN = "dkim-acme.example"


def signed(key: SigningKey, selector: str, message: bytes = MESSAGE, **kwargs: object) -> bytes:
    return sign_message(message, domain=DOMAIN, selector=selector, key=key, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("key_name", "selector", "algorithm"), [
    ("rsa_key", "rsa2048", "rsa-sha256"), ("ed_key", "ed", "ed25519-sha256"),
])
async def test_sign_then_verify_passes_and_body_change_fails(
    request: pytest.FixtureRequest, zones: ZoneResolver, key_name: str, selector: str, algorithm: str
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    message = signed(key, selector)
    assert message.startswith(b"DKIM-Signature: ") and message.endswith(MESSAGE)
    [result] = await verify_message(message, zones)
    assert (result.result, result.body_hash_ok, result.algorithm) == (VerifyResult.PASS, True, algorithm)
    assert (result.domain, result.selector, result.key_name) == (DOMAIN, selector, f"{selector}._domainkey.{DOMAIN}")
    assert result.signed_headers[0] == "from" and result.key_bits == key.pair.key_bits

    [changed] = await verify_message(message.replace(b"attached", b"ATTACHED"), zones)
    assert (changed.result, changed.body_hash_ok) == (VerifyResult.FAIL, False)
    assert "body hash" in changed.reason


async def test_a_changed_signed_header_fails_with_an_intact_body(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    message = signed(rsa_key, "rsa2048").replace(b"Quarterly", b"Monthly")
    [result] = await verify_message(message, zones)
    assert (result.result, result.body_hash_ok) == (VerifyResult.FAIL, True)
    assert "header" in result.reason


async def test_unsigned_header_may_change(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    message = signed(rsa_key, "rsa2048", headers=["from", "subject"])
    [result] = await verify_message(message.replace(b"Bob <bob", b"Robert <bob"), zones)
    assert result.passed and result.signed_headers == ("from", "subject")


async def test_selector_delegated_by_cname_is_followed(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    [result] = await verify_message(signed(rsa_key, "provider"), zones)
    assert result.passed and result.cname_chain == ("acme.dkim.dkim-provider.example",)


async def test_two_signatures_are_reported_top_first(
    rsa_key: SigningKey, ed_key: SigningKey, zones: ZoneResolver
) -> None:
    message = signed(rsa_key, "rsa2048", signed(ed_key, "ed"))
    results = await verify_message(message, zones)
    assert [(r.index, r.selector, r.result) for r in results] == [
        (0, "rsa2048", VerifyResult.PASS), (1, "ed", VerifyResult.PASS)]


@pytest.mark.parametrize(
    ("selector", "key_name", "result", "reason"),
    [
        ("nope", "rsa_key", VerifyResult.PERMERROR, "no key record"),
        ("gone", "rsa_key", VerifyResult.PERMERROR, "no key record"),  # dangling CNAME
        ("revoked", "rsa_key", VerifyResult.PERMERROR, "revoked"),
        ("tlsrpt", "rsa_key", VerifyResult.PERMERROR, "not for email"),
        ("sha1", "rsa_key", VerifyResult.PERMERROR, "h= does not allow sha256"),
        ("truncated", "rsa_key", VerifyResult.PERMERROR, "key record invalid"),
        ("notdkim", "rsa_key", VerifyResult.PERMERROR, "no DKIM key record"),
        ("rsa2048", "ed_key", VerifyResult.PERMERROR, "does not match the key type"),
        ("other", "rsa_key", VerifyResult.FAIL, "does not match"),  # another key at that selector
        ("weak512", "rsa_key", VerifyResult.FAIL, "does not match"),
    ],
)
async def test_key_problems_have_results_and_reasons(
    request: pytest.FixtureRequest, zones: ZoneResolver, selector: str, key_name: str,
    result: VerifyResult, reason: str,
) -> None:
    [outcome] = await verify_message(signed(request.getfixturevalue(key_name), selector), zones)
    assert outcome.result is result and reason in outcome.reason
    assert outcome.body_hash_ok is True


async def test_testing_flag_is_reported(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    [result] = await verify_message(signed(rsa_key, "testing"), zones)
    assert result.passed and result.testing


async def test_dns_failure_is_temperror_not_fail(rsa_key: SigningKey) -> None:
    class FailingResolver:
        async def query(self, name: object, rdtype: object) -> object:
            raise ServFail(str(name), str(rdtype))

    [result] = await verify_message(signed(rsa_key, "rsa2048"), FailingResolver())  # type: ignore[arg-type]
    assert result.result is VerifyResult.TEMPERROR and "SERVFAIL" in result.reason


async def test_key_under_1024_bits_is_refused(zones: ZoneResolver) -> None:
    small = load_signing_key(corpus_path("dkim", "mailauth", "keys", "private-small.pem").read_bytes())
    public = "".join(corpus_path("dkim", "mailauth", "keys", "public-small.pem").read_text().splitlines()[1:-1])
    resolver = zone_from_txt([("small._domainkey.example.com", [f"v=DKIM1; k=rsa; p={public}"])])
    message = sign_message(MESSAGE, domain="example.com", selector="small", key=small)
    [result] = await verify_message(message, resolver)
    assert result.result is VerifyResult.PERMERROR and "too small" in result.reason and result.key_bits == 512


async def test_malformed_and_missing_signatures(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    assert await verify_message(MESSAGE, zones) == []
    no_b = b"DKIM-Signature: v=1; a=rsa-sha256; d=dkim-acme.example; s=rsa2048; h=from; bh=AAAA\r\n" + MESSAGE
    [result] = await verify_message(no_b, zones)
    assert result.result is VerifyResult.NEUTRAL and "b=" in result.reason
    unknown = no_b.replace(b"bh=AAAA", b"bh=AAAA; b=AAAA").replace(b"rsa-sha256", b"rsa-sha512")
    [result] = await verify_message(unknown, zones)
    assert result.result is VerifyResult.NEUTRAL and "unknown signature algorithm" in result.reason
    unsigned_from = no_b.replace(b"bh=AAAA", b"bh=AAAA; b=AAAA").replace(b"h=from", b"h=subject")
    [result] = await verify_message(unsigned_from, zones)
    assert result.result is VerifyResult.NEUTRAL and "From header field is not signed" in result.reason
    duplicate = b"DKIM-Signature: v=1; v=1; a=rsa-sha256\r\n" + MESSAGE
    [result] = await verify_message(duplicate, zones)
    assert result.result is VerifyResult.NEUTRAL and "twice" in result.reason


async def test_strict_key_refuses_a_subdomain_identity(ed_key: SigningKey) -> None:
    public = ed_key.pair.record("example.com", "s").value.replace("k=ed25519;", "k=ed25519; t=s;")
    zone = zone_from_txt([("s._domainkey.example.com", [public])])
    same = sign_message(MESSAGE, domain="example.com", selector="s", key=ed_key)
    [result] = await verify_message(same, zone)
    assert result.passed
    header = dkim.sign(MESSAGE, b"s", b"example.com", ed_key.dkimpy_key, identity=b"@sub.example.com",
                       signature_algorithm=b"ed25519-sha256")
    [result] = await verify_message(header + MESSAGE, zone)
    assert result.result is VerifyResult.PERMERROR and "t=s" in result.reason


async def test_rsa_sha1_signatures_are_not_valid_any_more(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    header = dkim.sign(MESSAGE, b"rsa2048", DOMAIN.encode(), rsa_key.dkimpy_key, signature_algorithm=b"rsa-sha1")
    [result] = await verify_message(header + MESSAGE, zones)
    assert result.result is VerifyResult.PERMERROR and "RFC 8301" in result.reason


async def test_body_length_limit_lets_appended_text_pass(rsa_key: SigningKey, zones: ZoneResolver) -> None:
    header = dkim.sign(MESSAGE, b"rsa2048", DOMAIN.encode(), rsa_key.dkimpy_key, length=True)
    [result] = await verify_message(header + MESSAGE + b"-- \r\nlist footer\r\n", zones)
    assert result.passed and result.body_hash_ok


async def test_not_a_message_is_an_input_error(zones: ZoneResolver) -> None:
    with pytest.raises(InputError, match="RFC 5322"):
        await verify_message(b"\x00\x01 binary\r\nno header here\r\n", zones)


def test_signing_refusals(rsa_key: SigningKey) -> None:
    with pytest.raises(SigningError, match="From"):
        sign_message(corpus_path("dkim", "dkimpy", "test_nofrom.message").read_bytes(),
                     domain=DOMAIN, selector="s", key=rsa_key)
    with pytest.raises(SigningError, match="SHOULD NOT"):
        signed(rsa_key, "rsa2048", headers=["from", "received"])
    with pytest.raises(InputError, match="header field name"):
        signed(rsa_key, "rsa2048", headers=["from", "sübject"])
    with pytest.raises(InputError, match="selector"):
        signed(rsa_key, "bad selector")
    with pytest.raises(InputError, match="canonicalization"):
        signed(rsa_key, "rsa2048", canonicalization="loose/simple")


async def test_lf_messages_keep_lf_line_endings(ed_key: SigningKey, zones: ZoneResolver) -> None:
    lf = MESSAGE.replace(b"\r\n", b"\n")
    message = signed(ed_key, "ed", lf)
    assert b"\r" not in message
    [result] = await verify_message(message, zones)
    assert result.passed
    [crlf] = await verify_message(message.replace(b"\n", b"\r\n"), zones)  # as sent over SMTP
    assert crlf.passed


# --- corpus vectors -------------------------------------------------------------------------------


def rfc8463_zone() -> ZoneResolver:
    data = json.loads(corpus_path("dkim", "mailauth", "rfc8463-ec", "dns.json").read_text())
    return zone_from_txt((name, strings) for name, types in data.items() for strings in types["TXT"])


@pytest.mark.parametrize(("parts", "algorithms"), [
    (("mailauth", "rfc8463-ec", "signed.eml"), ["ed25519-sha256", "rsa-sha256"]),
    (("dkimpy", "rfc6376.signed.msg"), ["ed25519-sha256", "rsa-sha256"]),
    (("dkimpy", "rfc6376.signed.rsa.msg"), ["rsa-sha256"]),
])
async def test_rfc8463_appendix_a_messages_verify(parts: tuple[str, ...], algorithms: list[str]) -> None:
    results = await verify_message(corpus_path("dkim", *parts).read_bytes(), rfc8463_zone())
    assert [(r.algorithm, r.result, r.body_hash_ok) for r in results] == [
        (a, VerifyResult.PASS, True) for a in algorithms]
    assert {r.domain for r in results} == {"football.example.com"}


async def test_rfc8463_private_keys_sign_like_the_appendix() -> None:
    unsigned = corpus_path("dkim", "dkimpy", "rfc6376.msg").read_bytes()
    for key_file, selector in (("private-ec.key", "brisbane"), ("private-rsa.key", "test")):
        key = load_signing_key(corpus_path("dkim", "mailauth", "rfc8463-ec", key_file).read_bytes())
        message = sign_message(unsigned, domain="football.example.com", selector=selector, key=key)
        [result] = await verify_message(message, rfc8463_zone())
        assert result.passed, result.reason


def stalwart_case(number: int) -> tuple[bytes, ZoneResolver]:
    head, message = corpus_path("dkim", "stalwart-mail-auth", f"{number:03}.txt").read_text().split("\n\n", 1)
    records = [line.split(" ", 1) for line in head.splitlines()]
    zone = zone_from_txt((name, [text]) for name, text in records)
    return message.replace("\n", "\r\n").encode(), zone


@pytest.mark.parametrize("number", [1, 2, 3, 4, 6])
async def test_stalwart_messages_pass(number: int) -> None:
    message, zone = stalwart_case(number)
    results = await verify_message(message, zone)
    assert results and all(r.result is VerifyResult.PASS for r in results), [r.reason for r in results]


async def test_stalwart_expired_signature_is_neutral_with_its_reason() -> None:
    # 005 carries x=1667930064: it passed at Stalwart's test time, and is expired now (RFC 6376 3.5 x=).
    message, zone = stalwart_case(5)
    [result] = await verify_message(message, zone)
    assert result.result is VerifyResult.NEUTRAL and "x=" in result.reason and result.body_hash_ok is True


DKIMPY_KEYS = {
    "test.txt": VerifyResult.PASS,
    "test2.txt": VerifyResult.PASS,  # no k= tag: rsa by default
    "badk.txt": VerifyResult.PERMERROR,
    "badversion.txt": VerifyResult.PERMERROR,
    "test_bad.txt": VerifyResult.PERMERROR,
    "test_tlsrpt.txt": VerifyResult.PERMERROR,  # s=tlsrpt: not for email
}


@pytest.mark.parametrize("record_file", sorted(DKIMPY_KEYS))
async def test_dkimpy_message_against_each_key_record(record_file: str) -> None:
    key = load_signing_key(corpus_path("dkim", "dkimpy", "test.private").read_bytes())
    message = sign_message(corpus_path("dkim", "dkimpy", "test.message").read_bytes(),
                           domain="example.com", selector="test", key=key)
    record = corpus_path("dkim", "dkimpy", record_file).read_text().strip()
    [result] = await verify_message(message, zone_from_txt([("test._domainkey.example.com", [record])]))
    assert result.result is DKIMPY_KEYS[record_file], result.reason


async def test_dkimpy_ed25519_and_mbox_messages() -> None:
    key = load_signing_key(corpus_path("dkim", "dkimpy", "ed25519test.key").read_bytes())
    record = corpus_path("dkim", "dkimpy", "ed25519test.dns").read_text().strip()
    zone = zone_from_txt([("test._domainkey.example.net", [record])])
    message = sign_message(corpus_path("dkim", "dkimpy", "ed25519test.msg").read_bytes(),
                           domain="example.net", selector="test", key=key)
    [result] = await verify_message(message, zone)
    assert result.passed and result.algorithm == "ed25519-sha256", result.reason
    mbox = corpus_path("dkim", "dkimpy", "message.mbox").read_bytes()  # "From " line, many Received:
    rsa = load_signing_key(corpus_path("dkim", "dkimpy", "test.private").read_bytes())
    message = sign_message(mbox, domain="example.com", selector="test", key=rsa)
    rsa_zone = zone_from_txt([("test._domainkey.example.com",
                               [corpus_path("dkim", "dkimpy", "test.txt").read_text().strip()])])
    ours, theirs = await verify_message(message, rsa_zone)  # the mbox arrived signed already
    assert ours.passed and ours.selector == "test", ours.reason
    assert theirs.result is VerifyResult.PERMERROR and theirs.body_hash_ok is True


async def test_exim_signed_ed25519_message_verifies() -> None:
    # ed25519test2.msg was signed by Exim (d=test.ex, s=sed, odd folding); eximtest.dns is its key.
    record = corpus_path("dkim", "dkimpy", "eximtest.dns").read_text().strip()
    zone = zone_from_txt([("sed._domainkey.test.ex", [record])])
    [result] = await verify_message(corpus_path("dkim", "dkimpy", "ed25519test2.msg").read_bytes(), zone)
    assert (result.domain, result.selector, result.result) == ("test.ex", "sed", VerifyResult.PASS), result.reason
    assert result.signed_headers == ("from", "to", "subject")


@pytest.mark.parametrize("name", ["authtest.eml", "bimi.eml", "message2.eml", "message3.eml", "message4.eml",
                                  "zbimi.eml", "zproov.eml"])
async def test_real_world_messages_without_keys(name: str, zones: ZoneResolver) -> None:
    # Their keys were live DNS and are not in the corpus: each signature is read, its body hash
    # recomputed (the bodies are intact), and the missing key is a permerror, never a pass.
    results = await verify_message(corpus_path("dkim", "mailauth", "messages", name).read_bytes(), zones)
    assert results
    for r in results:
        assert r.domain and r.selector and r.algorithm == "rsa-sha256"
        assert r.body_hash_ok is True and r.result is VerifyResult.PERMERROR
