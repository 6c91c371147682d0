"""The bundled catalog: every entry validates, every fact has a source (or says it is unconfirmed),
facts come from the reference file, and schema errors name file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from inboxready.providers.catalog import CatalogError, load_catalog, parse_provider
from inboxready.providers.model import Basis, Provider, template_fields
from tests.services import REPO, require

SLUGS = {
    "microsoft365", "google-workspace", "amazon-ses", "mailchimp", "mandrill", "sendgrid", "mailgun",
    "postmark", "sparkpost", "brevo", "zoho-mail", "zendesk", "hubspot", "salesforce", "klaviyo",
    "constant-contact", "freshdesk", "fastmail", "proton-mail", "web-host", "own-server",
}
DATA = REPO / "src" / "inboxready" / "providers" / "data"
REFERENCE = REPO.parent / "shared" / "reference" / "providers.md"

MINIMAL = """\
slug: tiny
name: Tiny Mail
kind: esp
summary: test entry
checked: 2026-01-02
sources:
  S1: {url: "https://tiny.example/docs"}
spf: {root: not-needed, basis: [official], sources: [S1]}
envelope: {default: provider, basis: [official], sources: [S1]}
dmarc: {via: [dkim], basis: [official], sources: [S1]}
"""


@pytest.fixture(scope="module")
def catalog() -> dict[str, Provider]:
    return dict(load_catalog())


def test_every_required_service_is_in_the_catalog(catalog: dict[str, Provider]) -> None:
    assert set(catalog) == SLUGS
    assert {p.stem for p in DATA.glob("*.yaml")} == SLUGS


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_file_validates_and_every_fact_is_sourced(path: Path) -> None:
    provider = parse_provider(path.read_text(), str(path))
    assert provider.slug == path.stem
    for fact in provider.facts():
        assert fact.checked is not None, f"{path.name}: a fact has no checked date"
        assert fact.basis, f"{path.name}: a fact has no basis"
        if not fact.unconfirmed:
            assert fact.sources, f"{path.name}: confirmed fact without a source: {fact}"
        for key in fact.sources:
            assert provider.sources[key].url.startswith(("https://", "http://"))
        if Basis.UNCONFIRMED in fact.basis:
            assert fact.unconfirmed
    assert provider.dmarc.via, f"{path.name}: says nothing about how its mail passes DMARC"


def test_facts_come_from_the_reference_file(catalog: dict[str, Provider]) -> None:
    require(REFERENCE.exists(), f"reference file {REFERENCE} not found")
    reference = REFERENCE.read_text()
    numbered = re.sub(r"\d", "#", reference)  # fm1/fm2/fm3-style series are written once in full
    for provider in catalog.values():
        if provider.slug == "own-server":
            assert all("rfc-editor.org" in s.url for s in provider.sources.values())
            continue
        for key, source in provider.sources.items():
            bare = source.url.split("://", 1)[1]
            assert bare in reference, f"{provider.slug} {key}: {source.url} is not in the reference"
        literals = list(provider.spf.mechanisms)
        if provider.dkim is not None:
            literals += [r.value for r in provider.dkim.records]
        for literal in literals:
            for host in re.findall(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+", re.sub(r"\{[a-z_]+\}", " ", literal)):
                if "." in host and not host.startswith("."):
                    found = host in reference or re.sub(r"\d", "#", host) in numbered
                    assert found, f"{provider.slug}: {host} is not in the reference"


def test_unconfirmed_facts_are_marked(catalog: dict[str, Provider]) -> None:
    google = catalog["google-workspace"]
    assert google.envelope.unconfirmed  # "UNCONFIRMED wording" in the reference
    zendesk = catalog["zendesk"]
    assert zendesk.envelope.unconfirmed
    assert catalog["mandrill"].verification is not None and catalog["mandrill"].verification.unconfirmed
    assert not catalog["amazon-ses"].dkim.unconfirmed  # type: ignore[union-attr]


def test_providers_are_immutable(catalog: dict[str, Provider]) -> None:
    provider = catalog["amazon-ses"]
    with pytest.raises(ValidationError):
        provider.name = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        provider.spf.root = "needed"  # type: ignore[misc]


def test_templates_use_only_declared_parameters(catalog: dict[str, Provider]) -> None:
    for provider in catalog.values():
        for template in provider.templates():
            assert template_fields(template) <= set(provider.parameters) | {"domain", "domain_dashed", "value"}


def _problems(text: str, name: str = "tiny.yaml") -> str:
    with pytest.raises(CatalogError) as caught:
        parse_provider(text, name)
    return str(caught.value)


def test_minimal_entry_parses() -> None:
    provider = parse_provider(MINIMAL, "tiny.yaml")
    assert provider.spf.checked is not None and provider.spf.checked.isoformat() == "2026-01-02"


def test_schema_errors_name_file_and_line() -> None:
    assert _problems(MINIMAL.replace("kind: esp", "kind: bank")).startswith("tiny.yaml:3:")
    bad_root = _problems(MINIMAL.replace("root: not-needed", "root: maybe"))
    assert bad_root.startswith("tiny.yaml:8:") and "spf.root" in bad_root
    assert "tiny.yaml:1: unknown key 'colour'" in _problems("colour: red\n" + MINIMAL)


def test_fact_without_source_must_say_unconfirmed() -> None:
    text = MINIMAL.replace("dmarc: {via: [dkim], basis: [official], sources: [S1]}",
                           "dmarc: {via: [dkim], basis: [official]}")
    assert "tiny.yaml:10:" in _problems(text) and "unconfirmed" in _problems(text)
    ok = MINIMAL.replace("dmarc: {via: [dkim], basis: [official], sources: [S1]}",
                         "dmarc: {via: [dkim], basis: [unconfirmed], unconfirmed: true}")
    assert parse_provider(ok, "tiny.yaml").dmarc.unconfirmed


def test_unknown_source_and_undefined_template_are_errors() -> None:
    assert "unknown source S9" in _problems(MINIMAL.replace("sources: [S1]}\nenvelope", "sources: [S9]}\nenvelope"))
    text = MINIMAL + (
        "dkim:\n  form: cname\n  basis: [official]\n  sources: [S1]\n  records:\n"
        "    - {selector: s1, value: \"{nope}.tiny.example\"}\n"
    )
    assert "undefined parameter nope" in _problems(text)


def test_yaml_errors_and_duplicate_keys_name_the_line() -> None:
    duplicate = _problems(MINIMAL + "spf: {root: needed}\n")
    assert duplicate.startswith("tiny.yaml:11: duplicate key 'spf' (first on line 8)")
    assert _problems("slug: [unclosed\n").startswith("tiny.yaml:2:")


def test_user_directory_adds_and_replaces_entries(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(MINIMAL)
    mine = MINIMAL.replace("slug: tiny", "slug: mailchimp").replace("Tiny Mail", "Mine")
    (tmp_path / "mailchimp.yaml").write_text(mine)
    catalog = load_catalog([tmp_path])
    assert catalog["tiny"].name == "Tiny Mail" and catalog["mailchimp"].name == "Mine"
    assert catalog.origin("tiny") == str(tmp_path / "tiny.yaml")
    assert len(catalog) == len(SLUGS) + 1


def test_user_entry_must_be_named_after_its_slug(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(MINIMAL)
    with pytest.raises(CatalogError, match=r"other.yaml:1: file name must be the slug: tiny.yaml"):
        load_catalog([tmp_path])
    with pytest.raises(Exception, match="does not exist"):
        load_catalog([tmp_path / "missing"])
