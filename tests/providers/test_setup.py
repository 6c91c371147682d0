"""Catalog entries rendered for a domain: typed parameters, templates, pending and derived values."""

from __future__ import annotations

import pytest

from inboxready.providers.catalog import Catalog, load_catalog
from inboxready.providers.model import Parameter, ParameterType
from inboxready.providers.params import coerce_value, dkim_key_record
from inboxready.providers.setup import check_values, sender_setup


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def setup_for(catalog: Catalog, slug: str, **given: object):  # type: ignore[no-untyped-def]
    values, problems = check_values(catalog[slug], given)
    assert problems == []
    return sender_setup(catalog[slug], "example.com", values)


def test_ses_tokens_become_three_cnames_and_mail_from_records(catalog: Catalog) -> None:
    setup = setup_for(catalog, "amazon-ses", region="eu-west-1", mail_from="bounce", dkim_tokens=["t1", "t2", "t3"])
    assert [(r.name, r.value) for r in setup.dkim_records] == [
        (f"t{i}._domainkey.example.com", f"t{i}.dkim.amazonses.com") for i in (1, 2, 3)
    ]
    assert setup.mail_from_domain == "bounce.example.com"
    assert {(r.type, r.value) for r in setup.mail_from_records} == {
        ("MX", "10 feedback-smtp.eu-west-1.amazonses.com."), ("TXT", "v=spf1 include:amazonses.com ~all"),
    }
    assert setup.spf_mechanisms == ()  # SES's envelope sender is amazonses.com: nothing on the root


def test_missing_service_values_leave_records_pending(catalog: Catalog) -> None:
    setup = setup_for(catalog, "amazon-ses", region="us-east-1")
    assert setup.mail_from_domain is None and setup.mail_from_records == ()
    (pending,) = setup.dkim_records
    assert pending.value is None and pending.missing == ("dkim_tokens",)


def test_microsoft_targets_are_derived_from_tenant_and_marked(catalog: Catalog) -> None:
    setup = setup_for(catalog, "microsoft365", tenant="contoso")
    first = setup.dkim_records[0]
    assert first.name == "selector1._domainkey.example.com"
    assert first.value == "selector1-example-com._domainkey.contoso.onmicrosoft.com"
    assert first.derived == ("selector1_target",)
    given = setup_for(catalog, "microsoft365", tenant="contoso",
                      selector1_target="selector1-example-com._domainkey.contoso.n-v1.dkim.mail.microsoft")
    assert given.dkim_records[0].derived == () and "n-v1" in (given.dkim_records[0].value or "")
    assert setup.spf_mechanisms == ("include:spf.protection.outlook.com",)


def test_web_host_needs_host_or_ip_and_turns_ips_into_mechanisms(catalog: Catalog) -> None:
    _, problems = check_values(catalog["web-host"], {})
    assert problems == [("", "web-host needs one of the parameters host, ip")]
    setup = setup_for(catalog, "web-host", ip=["192.0.2.7", "2001:db8::7"])
    assert setup.spf_mechanisms == ("ip4:192.0.2.7", "ip6:2001:db8::7")
    assert setup_for(catalog, "web-host", host="web.example.net").spf_mechanisms == ("a:web.example.net",)


def test_brevo_and_fastmail_targets_use_the_domain(catalog: Catalog) -> None:
    brevo = setup_for(catalog, "brevo")
    assert brevo.dkim_records[0].value == "b1.example-com.dkim.brevo.com"
    fastmail = setup_for(catalog, "fastmail")
    assert [r.value for r in fastmail.dkim_records][2] == "fm3.example.com.dkim.fmhosted.com"


def test_klaviyo_keys_live_on_the_sending_subdomain(catalog: Catalog) -> None:
    setup = setup_for(catalog, "klaviyo", routing_host="1234.klaviyodns.com")
    assert setup.dkim_domain == "send.example.com"
    assert setup.dkim_records[0].name == "kl._domainkey.send.example.com"
    assert setup.mail_from_domain == "send.example.com"


@pytest.mark.parametrize(
    ("slug", "given", "problem"),
    [
        ("amazon-ses", {"region": "eu west"}, "not a region name"),
        ("amazon-ses", {"region": "eu-west-1", "colour": "red"}, "has no parameter 'colour'"),
        ("amazon-ses", {}, "needs parameter 'region'"),
        ("web-host", {"ip": "300.1.2.3"}, "not an IP address"),
        ("mailgun", {"sending_domain": "mg", "region": "asia"}, "not one of us, eu"),
        ("hubspot", {"hub_id": "12ab"}, "not a number"),
        ("microsoft365", {"tenant": "bad name"}, "not a valid DNS label"),
        ("microsoft365", {"tenant": ["a", "b"]}, "takes one value"),
    ],
)
def test_parameter_values_are_typed(catalog: Catalog, slug: str, given: dict[str, object], problem: str) -> None:
    _, problems = check_values(catalog[slug], given)
    assert any(problem in message for _, message in problems), problems


def test_dkim_key_values_are_normalised() -> None:
    assert dkim_key_record("MIIBIjAA AA==") == "v=DKIM1; k=rsa; p=MIIBIjAAAA=="
    assert dkim_key_record("v=DKIM1;  k=rsa;\n p=abc") == "v=DKIM1; k=rsa; p=abc"
    with pytest.raises(ValueError, match="DKIM key"):
        dkim_key_record("not base64 !!")
    param = Parameter(type=ParameterType.HOSTNAME, description="x")
    assert coerce_value(param, "Web.Example.NET.") == "web.example.net"
