"""The policy files the test HTTPS server serves for the zone tests/fixtures/zones/hosts-sts.test.zone."""

from __future__ import annotations

from tests.hosts.tls_server import CHUNKED, Route

PATH = "/.well-known/mta-sts.txt"
TEXT = {"Content-Type": "text/plain"}


def policy(*lines: str, crlf: bool = False) -> bytes:
    return ("\r\n" if crlf else "\n").join(lines).encode() + (b"\r\n" if crlf else b"\n")


ROUTES: dict[tuple[str, str], Route] = {
    ("mta-sts.good.sts.test", PATH): (
        200,
        {"Content-Type": "text/plain; charset=utf-8"},
        policy("version: STSv1", "mode: enforce", "mx: mx1.good.sts.test", "mx: *.good.sts.test",
               "max_age: 604800", crlf=True),
    ),
    ("mta-sts.testing.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: testing", "mx: mx.testing.sts.test", "max_age: 86400")
    ),
    ("mta-sts.mismatch.sts.test", PATH): (
        200,
        TEXT,
        policy("version: STSv1", "mode: enforce", "mx: mx.mismatch.sts.test", "mx: old.provider.test",
               "max_age: 1209600"),
    ),
    ("mta-sts.invalid.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: enforcing", "mx: mx.invalid.sts.test", "max_age: 99999999999")
    ),
    ("mta-sts.none.sts.test", PATH): (200, TEXT, policy("version: STSv1", "mode: none", "max_age: 86400")),
    ("mta-sts.chunked.sts.test", PATH): (
        200,
        {**TEXT, CHUNKED: "1"},
        policy("version: STSv1", "mode: enforce", "mx: *.chunked.sts.test", "max_age: 2592000"),
    ),
    ("mta-sts.html.sts.test", PATH): (
        200,
        {"Content-Type": "text/html"},
        policy("version: STSv1", "mode: enforce", "mx: mx.html.sts.test", "max_age: 2592000"),
    ),
    ("mta-sts.redirect.sts.test", PATH): (301, {"Location": "https://www.redirect.sts.test/policy.txt"}, b""),
    ("mta-sts.badcert.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: enforce", "mx: mx.badcert.sts.test", "max_age: 2592000")
    ),
    ("mta-sts.badrecord.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: enforce", "mx: mx.badrecord.sts.test", "max_age: 2592000")
    ),
    ("mta-sts.two.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: enforce", "mx: mx.two.sts.test", "max_age: 2592000")
    ),
    ("mta-sts.big.sts.test", PATH): (
        200, TEXT, policy("version: STSv1", "mode: enforce", "max_age: 2592000", *["mx: mx.big.sts.test"] * 4000)
    ),
}

#: Names on the server certificate: every policy host but mta-sts.badcert.sts.test.
CERT_NAMES = sorted({host for host, _ in ROUTES} - {"mta-sts.badcert.sts.test"} | {"mta-sts.notfound.sts.test"})
