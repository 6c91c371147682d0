"""make_plan: the combined record set, sender paths and conflicts (RFC 7208, 6376, 7489)."""

from __future__ import annotations

import asyncio

import pytest

from inboxready.dmarc.record import parse_dmarc_record
from inboxready.dns.errors import ServFail
from inboxready.dns.zones import ZoneResolver
from inboxready.policy.model import PolicyError
from inboxready.policy.plan import make_plan
from inboxready.policy.records import Plan
from inboxready.providers.catalog import Catalog
from tests.policy.conftest import EXTRA_ZONE, plan_for, policy, zones_with


def records(plan: Plan, rtype: str, name: str) -> list[str]:
    return [r.value for r in plan.records if r.type == rtype and r.name == name]


def codes(plan: Plan) -> list[str]:
    return sorted(f.code for f in plan.conflicts)


def test_demo_plan_has_one_spf_record_for_every_envelope_sender(demo_plan: Plan) -> None:
    (spf,) = [v for v in records(demo_plan, "TXT", "acme.example") if v.startswith("v=spf1")]
    assert spf == "v=spf1 ip4:203.0.113.25 a:web.hostinglane.example include:spf.protection.outlook.com ~all"
    assert demo_plan.spf is not None and demo_plan.spf.dns_lookups == 3  # outlook 2 + a:web 1
    record = next(r for r in demo_plan.records if r.purpose == "spf")
    assert record.providers == ("microsoft365", "web-host", "own-server 203.0.113.25")
    # Mailchimp and SES use their own envelope domains: their includes would only spend lookups.
    assert "mcsv" not in spf and "amazonses" not in spf


def test_demo_plan_dkim_mail_from_and_dmarc(demo_plan: Plan) -> None:
    assert records(demo_plan, "CNAME", "selector2._domainkey.acme.example") == [
        "selector2-acme-example._domainkey.acmecorp.onmicrosoft.com."
    ]
    assert records(demo_plan, "CNAME", "k3._domainkey.acme.example") == ["dkim3.mcsv.net."]
    assert sorted(records(demo_plan, "MX", "bounce.acme.example")) == ["10 feedback-smtp.eu-west-1.amazonses.com."]
    (dmarc,) = records(demo_plan, "TXT", "_dmarc.acme.example")
    parsed = parse_dmarc_record(dmarc)
    assert parsed.valid and parsed.policy is not None and parsed.policy.value == "reject"
    assert "MS=ms48213977" in records(demo_plan, "TXT", "acme.example")
    assert records(demo_plan, "A", "mail.acme.example") == ["203.0.113.25"]
    assert records(demo_plan, "TXT", "mail.acme.example") == ["v=spf1 ip4:203.0.113.25 -all"]
    (ptr,) = [r for r in demo_plan.records if r.type == "PTR"]
    assert ptr.name == "25.113.0.203.in-addr.arpa" and ptr.value == "mail.acme.example." and ptr.external


def test_demo_paths_and_conflicts(demo_plan: Plan) -> None:
    paths = {p.sender: p for p in demo_plan.paths}
    assert all(p.status == "aligned" for p in paths.values())
    assert paths["amazon-ses"].spf == "aligned SPF via custom MAIL FROM bounce.acme.example"
    assert paths["mailchimp"].spf is None and paths["mailchimp"].dkim is not None
    assert paths["mailchimp"].dkim.startswith("aligned DKIM selector k2/k3 (d=acme.example)")
    assert "passes via aligned DKIM selector selector1/selector2" in paths["microsoft365"].text
    assert not [f for f in demo_plan.conflicts if f.severity.value == "error"]
    assert any("Set-DkimSigningConfig -Identity acme.example -Enabled $true" in s.text for s in demo_plan.steps)
    derived = next(r for r in demo_plan.records if r.name.startswith("selector1._domainkey"))
    assert derived.caveats and "Selector1CNAME" in derived.caveats[0]


def test_selector_conflict_between_two_senders(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nsenders:\n  - service: web-host\n    parameters: {ip: 192.0.2.1, dkim_key: AAAA}\n"
        "servers:\n  - ip: 192.0.2.9\n    dkim: {selector: default, key: BBBB}\n",
        catalog,
    )
    (conflict,) = [f for f in plan.conflicts if f.code == "selector-conflict"]
    assert conflict.subject == "default._domainkey.example.com"
    assert "own-server 192.0.2.9 and web-host both need DKIM selector 'default'" in conflict.message


def test_same_selector_and_key_is_not_a_conflict(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nservers:\n  - ip: 192.0.2.8\n    dkim: {selector: s1, key: AAAA}\n"
        "  - ip: 192.0.2.9\n    dkim: {selector: s1, key: AAAA}\n",
        catalog,
    )
    assert "selector-conflict" not in codes(plan)
    (record,) = [r for r in plan.records if r.purpose == "dkim"]
    assert record.providers == ("own-server 192.0.2.8", "own-server 192.0.2.9")


def test_bounce_label_clash_is_a_name_conflict(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nsenders:\n  - service: amazon-ses\n"
        "    parameters: {region: us-east-1, mail_from: bounce}\n"
        "  - service: postmark\n    parameters: {return_path: bounce}\n",
        catalog,
    )
    assert "plan-name-conflict" in codes(plan)


def test_sender_that_cannot_align_says_why(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nsenders:\n  - service: klaviyo\n    parameters: {routing_host: 1.klaviyodns.com}\n"
        "dmarc: {adkim: s, aspf: s}\n",
        catalog,
    )
    (finding,) = [f for f in plan.conflicts if f.code == "sender-not-aligned"]
    assert "send.example.com" in finding.message and "adkim=s" in finding.message and "aspf=s" in finding.message
    assert plan.paths[0].status == "fails"


def test_sender_waiting_for_service_values_is_pending(catalog: Catalog) -> None:
    plan = plan_for("domain: example.com\nsenders:\n  - service: amazon-ses\n    parameters: {region: us-east-1}\n",
                    catalog)
    assert plan.paths[0].status == "pending"
    assert "dkim_tokens" in plan.paths[0].text and plan.paths[0].text.startswith("will fail until")
    (pending,) = plan.pending
    assert pending.needs == ("dkim_tokens",) and "SES console" in pending.where
    assert "sender-pending" in codes(plan)


def test_unknown_sender_is_a_finding_not_a_crash(catalog: Catalog) -> None:
    plan = plan_for("domain: example.com\nsenders:\n  - service: mailchimpp\n  - service: mailchimp\n", catalog)
    (finding,) = [f for f in plan.conflicts if f.code == "sender-unknown"]
    assert "inboxready.yaml:3" in finding.message and "did you mean mailchimp" in finding.message
    assert [p.sender for p in plan.paths] == ["mailchimp"]


def test_bad_parameters_raise_with_file_and_line(catalog: Catalog) -> None:
    with pytest.raises(PolicyError) as caught:
        plan_for("domain: example.com\nsenders:\n  - service: amazon-ses\n    parameters:\n      region: eu west\n",
                 catalog)
    assert str(caught.value).startswith("inboxready.yaml:5: amazon-ses parameter region:")


def test_too_broad_sender_is_left_out_of_spf(catalog: Catalog) -> None:
    plan = plan_for("domain: example.com\nsenders:\n  - service: web-host\n    parameters: {ip: 10.0.0.0/7}\n", catalog)
    assert "sender-too-broad" in codes(plan)
    assert plan.spf is not None and plan.spf.record == "v=spf1 ~all"


def test_include_that_passes_all_is_too_broad(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nsenders:\n  - service: zoho-mail\n    parameters: {spf_include: wide.example.net,"
        " dkim_selector: z}\n",
        catalog, zones_with(EXTRA_ZONE),
    )
    finding = next(f for f in plan.conflicts if f.code == "sender-too-broad")
    assert "'all'" in finding.message


def test_options_type99_tls_rpt_mta_sts_and_external_reports(catalog: Catalog) -> None:
    plan = plan_for(
        "domain: example.com\nsenders:\n  - service: fastmail\ndmarc:\n  policy: quarantine\n"
        "  rua: [d@example.com, agg@reports.example.org]\n  ruf: [f@example.com]\n"
        "options:\n  legacy_spf_type99: true\n  tls_rpt: [tls@example.com]\n"
        "  mta_sts: {mode: testing, mx: [mx1.example.net]}\n",
        catalog, zones_with(EXTRA_ZONE.replace("_spf.fastmail", "_spf.fastmail.com.")),
    )
    spf = [r for r in plan.records if r.name == "example.com" and r.type in ("TXT", "SPF")]
    assert {r.type for r in spf} == {"TXT", "SPF"} and len({r.value for r in spf}) == 1
    (dmarc,) = records(plan, "TXT", "_dmarc.example.com")
    assert dmarc == ("v=DMARC1; p=quarantine; rua=mailto:d@example.com,mailto:agg@reports.example.org; "
                     "ruf=mailto:f@example.com; fo=1")
    (auth,) = [r for r in plan.records if r.purpose == "report-authorization"]
    assert auth.name == "example.com._report._dmarc.reports.example.org"
    assert (auth.value, auth.external) == ("v=DMARC1", True)
    assert records(plan, "TXT", "_smtp._tls.example.com") == ["v=TLSRPTv1; rua=mailto:tls@example.com"]
    (sts,) = records(plan, "TXT", "_mta-sts.example.com")
    assert sts.startswith("v=STSv1; id=") and any("mode: testing" in s.text for s in plan.steps)


def test_silenced_codes_are_dropped(catalog: Catalog) -> None:
    plan = plan_for("domain: example.com\nsenders:\n  - service: zendesk\nsilence: [sender-unconfirmed]\n", catalog)
    assert "sender-unconfirmed" not in codes(plan)


class FailingResolver:
    """Answers from zones, but SERVFAIL for one name (a dead provider nameserver)."""

    def __init__(self, zones: ZoneResolver, dead: str) -> None:
        self.zones, self.dead = zones, dead

    async def query(self, name: object, rdtype: object):  # type: ignore[no-untyped-def]
        if str(name).rstrip(".") == self.dead:
            raise ServFail(self.dead, str(rdtype))
        return await self.zones.query(name, rdtype)  # type: ignore[arg-type]


def test_spf_lookup_failure_is_reported_not_guessed(catalog: Catalog) -> None:
    resolver = FailingResolver(zones_with(), "spf.protection.outlook.com")
    plan = asyncio.run(make_plan(policy("domain: example.com\nsenders:\n  - service: microsoft365\n"
                                        "    parameters: {tenant: contoso}\n"), catalog, resolver))
    assert plan.unchecked and plan.spf is not None and plan.spf.dns_lookups is None
    assert "plan-spf-unchecked" in codes(plan)


HEAVY_ENTRY = """\
slug: heavy
name: Heavy Sender
kind: esp
summary: a sender whose SPF include needs many lookups
checked: 2026-01-02
sources:
  S1: {url: "https://heavy.example.net/docs"}
spf: {root: needed, mechanisms: ["include:{spf_host}"], basis: [official], sources: [S1]}
parameters:
  spf_host: {type: hostname, required: true, description: include host}
envelope: {default: own-domain, basis: [official], sources: [S1]}
dmarc: {via: [spf], basis: [official], sources: [S1]}
"""


def heavy_zone(terms: str) -> str:
    from inboxready.policy.records import quote_txt

    head = "$ORIGIN heavy.example.net.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n"
    return head + f"@ TXT {quote_txt(f'v=spf1 {terms} -all')}\n"


def test_lookups_over_the_limit_that_cannot_be_flattened(tmp_path, catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    from inboxready.providers.catalog import load_catalog

    (tmp_path / "heavy.yaml").write_text(HEAVY_ENTRY)
    mine = load_catalog([tmp_path])
    dynamic = " ".join(f"exists:%{{i}}.l{n}.heavy.example.net" for n in range(11))
    text = "domain: example.com\nsenders:\n  - service: heavy\n    parameters: {spf_host: heavy.example.net}\n"
    plan = plan_for(text, mine, zones_with(heavy_zone(dynamic)))
    finding = next(f for f in plan.conflicts if f.code == "plan-spf-over-limit")
    assert "12 DNS lookups" in finding.message
    assert plan.spf is not None and plan.spf.dns_lookups == 12 and not plan.spf.optimized


def test_over_limit_is_flattened_by_the_optimizer_and_still_covers_the_sender(
    tmp_path, catalog: Catalog  # type: ignore[no-untyped-def]
) -> None:
    from inboxready.audit.engine import audit_domain
    from inboxready.dns.zones import parse_zone_text
    from inboxready.policy.export import to_zone
    from inboxready.providers.catalog import load_catalog
    from inboxready.spf.check import check_spf

    (tmp_path / "heavy.yaml").write_text(HEAVY_ENTRY)
    mine = load_catalog([tmp_path])
    nested = " ".join(f"include:n{n}.heavy.example.net" for n in range(11))
    zone = heavy_zone(nested) + "".join(f'n{n} TXT "v=spf1 ip4:198.51.{n}.0/24 -all"\n' for n in range(11))
    resolver = zones_with(zone)
    text = "domain: example.com\nsenders:\n  - service: heavy\n    parameters: {spf_host: heavy.example.net}\n"
    plan = plan_for(text, mine, resolver)
    assert plan.spf is not None and plan.spf.optimized and plan.spf.original is not None
    assert plan.spf.dns_lookups is not None and plan.spf.dns_lookups <= 10
    assert "plan-spf-over-limit" not in codes(plan)
    published = zones_with(zone, to_zone(plan))
    report = asyncio.run(audit_domain("example.com", published, checks=(check_spf,), options=plan.check_options()))
    assert [f.code for f in report.findings if f.severity.value == "error"] == []
    assert all(c["covered"] for c in report.sections["spf"]["coverage"])
    assert parse_zone_text(to_zone(plan), origin="example.com") is not None
