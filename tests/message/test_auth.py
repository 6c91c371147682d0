"""Authentication of one message (SPF, DKIM, ARC, DMARC) and its Authentication-Results header."""

from __future__ import annotations

import re

import dns.name
import dns.rdatatype
import pytest
import yaml

from inboxready.dns import Answer, DnsError, Resolver, Timeout, ZoneResolver, parse_zone_text
from inboxready.errors import InputError
from inboxready.message.arc import verify_arc
from inboxready.message.auth import AuthReport, Envelope, authenticate
from inboxready.message.parse import parse_message
from tests.message.conftest import demo_message
from tests.services import CORPUS, corpus_path

NEWS = "news.acme.example"
OWN_SERVER = "203.0.113.25"
STRANGER = "198.51.100.7"


class FailingResolver:
    """Answers from `inner`, but times out for names containing `fragment` (a DNS failure)."""

    def __init__(self, inner: Resolver, fragment: str) -> None:
        self.inner = inner
        self.fragment = fragment

    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        if self.fragment in str(name):
            raise Timeout(str(name), str(rdtype))
        return await self.inner.query(name, rdtype)


async def run(name: str, resolver: Resolver, ip: str | None = OWN_SERVER, mail_from: str | None = None,
              helo: str | None = None) -> AuthReport:
    message = parse_message(demo_message(name))
    sender = mail_from if mail_from is not None else f"bounce@{NEWS}"
    return await authenticate(message, resolver, Envelope(ip=ip, helo=helo, mail_from=sender), from_domain=NEWS,
                              authserv_id="mx.example.org")


async def test_good_message_passes_everything(demo_resolver: ZoneResolver) -> None:
    auth = await run("good", demo_resolver)
    assert [c.result.result.value for c in auth.spf] == ["pass"]
    assert [r.result.value for r in auth.dkim] == ["pass"]
    assert auth.arc.result == "none"
    assert auth.dmarc_result == "pass"
    assert auth.dmarc is not None and auth.dmarc.requested_policy is not None
    assert auth.dmarc.requested_policy.to_text() == "quarantine"
    assert auth.discovery is not None and auth.discovery.policy_domain == NEWS
    assert auth.unchecked == ()


async def test_authentication_results_header(demo_resolver: ZoneResolver) -> None:
    auth = await run("good", demo_resolver, helo="mail.acme.example")
    header = auth.authentication_results
    assert header.startswith("Authentication-Results: mx.example.org;\r\n\t")
    lines = header.split(";\r\n\t")[1:]
    assert lines[0] == f"spf=pass smtp.mailfrom=bounce@{NEWS}"
    assert lines[1].startswith("spf=") and "smtp.helo=mail.acme.example" in lines[1]
    assert re.fullmatch(
        rf'dkim=pass \(2048-bit key\) header\.d={NEWS} header\.i=@{NEWS} header\.s=news2026 '
        r'header\.a=rsa-sha256 header\.b=("[^"]{8}"|[A-Za-z0-9+]{8})', lines[2]
    )
    assert lines[3] == "arc=none"
    assert lines[4] == f"dmarc=pass (p=quarantine dis=none) header.from={NEWS}"
    # RFC 8601 2.2: it unfolds to one valid header line
    assert "\n" not in header.replace("\r\n\t", " ").rstrip()


async def test_unauthorized_ip_unsigned_fails_dmarc(demo_resolver: ZoneResolver) -> None:
    auth = await run("unsigned", demo_resolver, ip=STRANGER)
    assert auth.spf[0].result.result.value == "fail"
    assert auth.dkim == ()
    assert auth.dmarc_result == "fail"
    assert auth.dmarc is not None and auth.dmarc.applied_policy.to_text() == "quarantine"
    assert "dkim=none" in auth.authentication_results
    assert "dmarc=fail (p=quarantine dis=quarantine)" in auth.authentication_results


async def test_broken_signature_passes_dmarc_through_spf(demo_resolver: ZoneResolver) -> None:
    auth = await run("broken-signature", demo_resolver)
    assert auth.dkim[0].result.value == "fail"
    assert auth.dkim[0].body_hash_ok is False
    assert auth.dmarc_result == "pass"


async def test_without_ip_spf_is_unchecked_and_dmarc_may_be_unknown(demo_resolver: ZoneResolver) -> None:
    good = await run("good", demo_resolver, ip=None)
    assert good.spf == ()
    assert good.dmarc_result == "pass"  # DKIM alone decides
    assert any("no connecting IP" in line for line in good.unchecked)
    assert "spf=" not in good.authentication_results
    broken = await run("broken-signature", demo_resolver, ip=None)
    assert broken.dmarc_result == "unknown"  # an aligned SPF pass could still rescue it
    assert "dmarc=" not in broken.authentication_results


async def test_unaligned_mail_from_makes_dmarc_fail_without_ip(demo_resolver: ZoneResolver) -> None:
    auth = await run("broken-signature", demo_resolver, ip=None, mail_from="bounces@esp.example.net")
    assert auth.dmarc_result == "fail"  # SPF of another organization cannot align


async def test_dns_failure_on_the_key_is_temperror(demo_resolver: ZoneResolver) -> None:
    auth = await run("broken-signature", FailingResolver(demo_resolver, "_domainkey"), ip=STRANGER)
    assert auth.dkim[0].result.value == "temperror"
    assert auth.dmarc_result == "unknown"
    assert any("DKIM" in line for line in auth.unchecked)


async def test_bad_ip_is_input_error(demo_resolver: ZoneResolver) -> None:
    with pytest.raises(InputError):
        await run("good", demo_resolver, ip="999.1.1.1")


async def test_null_sender_uses_helo(demo_resolver: ZoneResolver) -> None:
    auth = await run("good", demo_resolver, mail_from="", helo=NEWS)
    assert [(c.identity, c.sender) for c in auth.spf] == [("helo", f"postmaster@{NEWS}")]
    assert auth.spf[0].result.result.value == "pass"
    assert f"smtp.helo={NEWS}" in auth.authentication_results


async def test_live_dns_path(dns_server) -> None:  # type: ignore[no-untyped-def]
    resolver = dns_server.resolver()
    auth = await run("good", resolver)
    assert auth.dmarc_result == "pass"
    assert [r.result.value for r in auth.dkim] == ["pass"]


# --- ARC: the ValiMail validation suite (corpus) ----------------------------------------------------


def _suite() -> list[tuple[str, str, dict[str, str], str, str]]:
    cases = []
    suite = CORPUS / "arc" / "arc-test-suite" / "arc-draft-validation-tests.yml"
    if not suite.exists():
        return [("missing", "corpus", {}, "", "")]
    for scenario in yaml.safe_load_all(suite.read_text()):
        for name, test in scenario["tests"].items():
            cases.append((scenario["description"], name, scenario.get("txt-records") or {}, test["message"],
                          test["cv"] or ""))
    return cases


def _zones(records: dict[str, str]) -> ZoneResolver:
    lines = ["$ORIGIN .", "@ 300 IN SOA ns. hostmaster. 1 3600 600 86400 60"]
    for name, value in records.items():
        chunks = " ".join('"' + value[i:i + 200].replace('"', '\\"') + '"' for i in range(0, len(value), 200))
        lines.append(f"{name}. 300 IN TXT {chunks}")
    return ZoneResolver([parse_zone_text("\n".join(lines))])


@pytest.mark.parametrize(("scenario", "name", "records", "message", "cv"), _suite(),
                         ids=lambda v: v if isinstance(v, str) and len(v) < 40 and " " not in v else "")
async def test_arc_validation_suite(scenario: str, name: str, records: dict[str, str], message: str,
                                    cv: str) -> None:
    corpus_path("arc", "arc-test-suite", "arc-draft-validation-tests.yml")
    expected = cv.lower() or "fail"  # '' = an earlier sealer said cv=fail: RFC 8617 5.2 step 2, fail
    try:
        parsed = parse_message(message.encode())
    except InputError:  # an empty message is not a message: there is no chain to validate
        assert expected == "none"
        return
    result = await verify_arc(parsed, _zones(records))
    assert result.result == expected, result.reason


async def test_arc_key_lookup_failure_is_temperror() -> None:
    corpus = corpus_path("arc", "mailauth", "arc-pass.eml")
    parsed = parse_message(corpus.read_bytes())

    class Down:
        async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
            raise Timeout(str(name), str(rdtype))

    result = await verify_arc(parsed, Down())
    assert result.result == "temperror"


def test_failing_resolver_is_a_resolver() -> None:
    assert isinstance(FailingResolver(ZoneResolver(), "x"), Resolver)
    assert issubclass(Timeout, DnsError)
