"""The email policy document: build → schema, pointer syntax, and generate → serve (HTTPS, loopback,
test CA) → verify clean; tamper → digest mismatch; DNS changed → record mismatch; server down →
unreachable."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import dns.name
import dns.rdatatype
import jsonschema
import pytest

from inboxready.dns.answer import Answer
from inboxready.dns.errors import ServFail
from inboxready.dns.zones import ZoneResolver, parse_zone_text
from inboxready.policy.docserver import DocumentServer, server_ssl_context
from inboxready.policy.document import (
    PointerError,
    build_document,
    document_bytes,
    key_fingerprint,
    make_pointer,
    parse_pointer,
)
from inboxready.policy.docverify import default_fetcher_factory, verify_document
from inboxready.policy.export import to_zone
from inboxready.policy.model import PolicyFile, parse_policy
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.providers.catalog import load_catalog
from tests.hosts.tls_server import make_pki
from tests.publish.conftest import DEMO_POLICY, PROVIDER_ZONES

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "email-policy.schema.json").read_text())
HEAD = "$ORIGIN acme.example.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ NS ns1\n"


def policy_with_url(url: str) -> PolicyFile:
    return parse_policy(DEMO_POLICY.read_text() + f"\npolicy_document:\n  url: {url}\n", "inboxready.yaml")


async def demo_plan() -> Plan:
    return await make_plan(policy_with_url("https://acme.example/x.json"), load_catalog(),
                           ZoneResolver.from_files(PROVIDER_ZONES))


def published_zone(plan: Plan, pointer_text: str, *, dmarc: str | None = None) -> str:
    """Acme's zone after publishing: the plan's records, the pointer, and the web server on loopback."""
    body = to_zone(plan).split("$TTL 3600\n", 1)[1]
    if dmarc is not None:
        body = "\n".join(f'_dmarc 3600 IN TXT "{dmarc}"' if line.startswith("_dmarc ") else line
                         for line in body.splitlines()) + "\n"
    return HEAD + body + f'_emailpolicy 3600 IN TXT "{pointer_text}"\n@ 300 IN A 127.0.0.1\n'


def resolver_for(zone_text: str) -> ZoneResolver:
    zones = ZoneResolver.from_files(PROVIDER_ZONES)
    zones.add_zone(parse_zone_text(zone_text, "acme.example"))
    return zones


@dataclass
class Served:
    server: DocumentServer
    port: int
    ca: Path
    plan: Plan
    body: bytes

    def pointer(self) -> str:
        policy = policy_with_url(f"https://acme.example:{self.port}/.well-known/emailpolicy.json")
        return make_pointer(policy, self.body).to_text()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    ca, cert, key = make_pki(tmp_path, ["acme.example"])
    plan = await demo_plan()
    body = document_bytes(build_document(policy_with_url("https://acme.example/x.json"), plan))
    server = DocumentServer(body, server_ssl_context(str(cert), str(key)))
    _, port = await server.start("127.0.0.1", 0)
    yield Served(server, port, ca, plan, body)
    await server.close()


async def verify(s: Served, zone_text: str):  # type: ignore[no-untyped-def]
    return await verify_document("acme.example", resolver_for(zone_text), default_fetcher_factory(str(s.ca), 5))


async def test_document_matches_schema_and_is_deterministic() -> None:
    plan = await demo_plan()
    policy = policy_with_url("https://acme.example/x.json")
    document = build_document(policy, plan)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document_bytes(build_document(policy, plan)) == document_bytes(document)
    assert document["dmarc"]["policy"] == "reject" and document["dmarc"]["rua"] == ["mailto:dmarc-reports@acme.example"]
    assert "203.0.113.25/32" in document["spf"]["ip4"]
    assert "spf.protection.outlook.com" in document["spf"]["include"]
    assert all("manual step" not in (s["dkim"] or "") for s in document["senders"])
    mail2026 = next(d for d in document["dkim"] if d["selector"] == "mail2026")
    key = next(r["value"] for r in document["records"] if r["name"] == "mail2026._domainkey.acme.example")
    der = base64.b64decode(key.split("p=")[1])
    assert mail2026["fingerprint"] == "sha256:" + hashlib.sha256(der).hexdigest()
    assert (mail2026["key_type"], mail2026["key_bits"]) == ("rsa", 2048)
    assert next(d for d in document["dkim"] if d["selector"] == "k3")["delegated_to"] == "dkim3.mcsv.net"
    assert not any(r["value"].startswith("MS=") for r in document["records"])  # tokens are not policy


def test_pointer_syntax() -> None:
    digest = hashlib.sha256(b"doc").digest()
    hex_form = parse_pointer(f"v=EP1; u=https://a.example/p.json; h=sha256:{digest.hex()}")
    b64_form = parse_pointer(f"v=EP1;h=sha256:{base64.b64encode(digest).decode()};u=https://a.example/p.json")
    assert hex_form == b64_form and hex_form.to_text().startswith("v=EP1; u=https://a.example/p.json; h=sha256:")
    bad = ["v=EP2; u=https://a/p; h=sha256:" + digest.hex(), "v=EP1; u=http://a/p; h=sha256:" + digest.hex(),
           "v=EP1; u=https://a/p; h=md5:" + digest.hex(), "v=EP1; u=https://a/p; h=sha256:abcd",
           "v=EP1; u=https://a/p", "v=EP1; u=https://a/p; u=https://b/p; h=sha256:" + digest.hex()]
    for text in bad:
        with pytest.raises(PointerError):
            parse_pointer(text)


def test_fingerprint_of_unusable_key_is_none() -> None:
    assert key_fingerprint("v=DKIM1; k=rsa; p=")[0] is None


async def test_round_trip_verifies_clean(served: Served) -> None:
    result = await verify(served, published_zone(served.plan, served.pointer()))
    assert result.ok, [f.message for f in result.findings]
    assert result.digest_ok and result.records_checked == len(json.loads(served.body)["records"]) > 10
    assert result.exit_code() == 0 and served.server.requests == 1


async def test_tampered_document_is_a_digest_mismatch(served: Served) -> None:
    zone = published_zone(served.plan, served.pointer())
    document = json.loads(served.body)
    document["dmarc"]["policy"] = "none"  # an attacker on the web server relaxes the policy
    served.server.body = document_bytes(document)
    result = await verify(served, zone)
    assert [f.code for f in result.findings] == ["policy-doc-digest-mismatch"]
    assert result.digest_ok is False and result.exit_code() == 1


async def test_changed_dns_record_is_a_record_mismatch(served: Served) -> None:
    result = await verify(served, published_zone(served.plan, served.pointer(), dmarc="v=DMARC1; p=none"))
    found = [(f.code, f.data["name"]) for f in result.findings]
    assert found == [("policy-doc-record-mismatch", "_dmarc.acme.example")]
    assert "p=none" in result.findings[0].message


async def test_server_down_is_unreachable(served: Served) -> None:
    zone = published_zone(served.plan, served.pointer())
    await served.server.close()
    result = await verify(served, zone)
    assert [f.code for f in result.findings] == ["policy-doc-unreachable"]


async def test_untrusted_certificate_is_unreachable(served: Served, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    other_ca, _, _ = make_pki(tmp_path / "other", ["acme.example"])  # a CA the client does not trust
    zone = published_zone(served.plan, served.pointer())
    result = await verify_document("acme.example", resolver_for(zone), default_fetcher_factory(str(other_ca), 5))
    assert [f.code for f in result.findings] == ["policy-doc-unreachable"]


async def test_missing_and_duplicate_pointers(served: Served) -> None:
    zone = published_zone(served.plan, served.pointer())
    no_pointer = "\n".join(line for line in zone.splitlines() if not line.startswith("_emailpolicy"))
    assert [f.code for f in (await verify(served, no_pointer)).findings] == ["policy-doc-missing"]
    two = zone + f'_emailpolicy 3600 IN TXT "{served.pointer().replace("h=sha256:", "h=sha256:0")[:-1]}"\n'
    assert [f.code for f in (await verify(served, two)).findings] == ["policy-doc-pointer-invalid"]


async def test_document_for_another_domain_is_invalid(served: Served) -> None:
    document = json.loads(served.body)
    document["domain"] = "evil.example"
    served.server.body = document_bytes(document)
    policy = policy_with_url(f"https://acme.example:{served.port}/.well-known/emailpolicy.json")
    zone = published_zone(served.plan, make_pointer(policy, served.server.body).to_text())
    result = await verify(served, zone)
    assert [f.code for f in result.findings] == ["policy-doc-invalid"]


class FailingResolver:
    async def query(self, name: str | dns.name.Name, rdtype: str | dns.rdatatype.RdataType) -> Answer:
        raise ServFail(str(name), str(rdtype))


async def test_dns_failure_is_unchecked_not_a_pass() -> None:
    result = await verify_document("acme.example", FailingResolver())
    assert not result.ok and result.unchecked and result.exit_code() == 3
    assert [f.code for f in result.findings] == ["dns-lookup-failed"]
