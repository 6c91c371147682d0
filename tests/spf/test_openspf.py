"""The openspf conformance suites, every case, through the same evaluator the CLI uses.

RFC 7208 suite: all 203 cases must pass (a list of results means any of them is acceptable; an
`explanation` must match exactly, 'DEFAULT' standing for "no exp= text").
RFC 4408 suite: all 191 cases pass under the same rule; where the 4408 suite prefers another result,
the RFC 7208 result we give is listed in RFC7208_CHANGES with the section that changed it.
"""

from __future__ import annotations

import pytest

from inboxready.spf.evaluate import check_host, evaluate_spf
from inboxready.spf.result import SpfRequest
from tests.services import CORPUS, corpus_path
from tests.spf.suite import SuiteCase, SuiteResolver, load_cases


def _cases(name: str) -> list[SuiteCase]:
    path = CORPUS / "spf" / name
    return list(load_cases(path)) if path.exists() else []


RFC7208 = _cases("rfc7208-tests.yml")
RFC4408 = _cases("rfc4408-tests.yml")

#: RFC 4408 cases where RFC 7208 changed the preferred answer on purpose (case → (ours, why)).
RFC7208_CHANGES = {
    "spfonly": ("none", "RFC 7208 3.1/4.4: the SPF RR type (99) is no longer consulted, only TXT"),
    "txttimeout": ("temperror", "RFC 7208 4.4: only TXT is queried, so its timeout is a temperror"),
    "spfoverride": ("fail", "RFC 7208 4.5: type-99 records are ignored; the TXT record decides"),
    "multitxt1": ("permerror", "RFC 7208 4.5: two v=spf1 TXT records are a permerror, type 99 cannot override"),
    "multispf2": ("pass", "RFC 7208 4.5: duplicate type-99 records are ignored; the single TXT record decides"),
    "invalid-domain-empty-label": ("fail", "RFC 7208 4.3/4.8: an impossible target name is treated as non-existent"),
    "invalid-domain-long": ("fail", "RFC 7208 4.3/4.8: an impossible target name is treated as non-existent"),
    "invalid-domain-long-via-macro": ("fail", "RFC 7208 4.3/4.8: an impossible target name is treated as non-existent"),
    "exists-dnserr": ("temperror", "RFC 7208 5: a DNS error during a mechanism is a temperror"),
    "mx-limit": ("permerror", "RFC 7208 4.6.4: more than 10 MX names is a permerror, no longer ignored"),
}


async def _run(case: SuiteCase) -> tuple[str, str]:
    resolver = SuiteResolver(case.zonedata)
    result = await evaluate_spf(resolver, case.host, case.mailfrom, helo=case.helo)
    return result.result.value, result.explanation if result.explanation is not None else "DEFAULT"


def _check(case: SuiteCase, result: str, explanation: str) -> None:
    assert result in case.results, f"{case.name} ({case.spec}): got {result}, want one of {case.results}"
    if case.explanation is not None:
        assert explanation == case.explanation, f"{case.name} ({case.spec}): explanation"


def test_suites_are_complete() -> None:
    corpus_path("spf", "rfc7208-tests.yml")
    assert len(RFC7208) == 203
    assert len(RFC4408) == 191


@pytest.mark.parametrize("case", RFC7208, ids=[f"{c.scenario}:{c.name}" for c in RFC7208])
async def test_rfc7208(case: SuiteCase) -> None:
    result, explanation = await _run(case)
    _check(case, result, explanation)


@pytest.mark.parametrize("case", RFC4408, ids=[f"{c.scenario}:{c.name}" for c in RFC4408])
async def test_rfc4408(case: SuiteCase) -> None:
    result, explanation = await _run(case)
    _check(case, result, explanation)
    if case.name in RFC7208_CHANGES:
        expected, why = RFC7208_CHANGES[case.name]
        assert result == expected != case.results[0], why
    else:
        assert result == case.results[0] or len(case.results) > 1


def test_rfc4408_differences_are_exactly_the_listed_ones() -> None:
    names = {c.name for c in RFC4408}
    assert set(RFC7208_CHANGES) <= names


async def test_check_host_takes_the_domain_apart_from_the_sender() -> None:
    """check_host(<ip>, <domain>, <sender>): the HELO identity checks the HELO domain."""
    case = next(c for c in RFC7208 if c.name == "nolocalpart")
    resolver = SuiteResolver(case.zonedata)
    result = await check_host(resolver, case.host, "example.net", "@example.net", helo=case.helo)
    assert result.result.value == "fail" and result.explanation == "postmaster"
    request = SpfRequest.build(case.host, "", helo="mail.example.net")
    assert (request.sender, request.domain, request.identity) == ("postmaster@mail.example.net",
                                                                  "mail.example.net", "helo")
