"""MX checks on zone data: each case a zone and the codes it must (and must not) produce."""

import pytest

from inboxready.dns import ZoneResolver
from inboxready.dns.errors import ServFail
from inboxready.findings.check import CheckContext
from inboxready.hosts.mx import check_mx

HEAD = "$ORIGIN mx.test.\n$TTL 300\n@ SOA ns h 1 2 3 4 5\n"

CASES = [
    ("good", "good MX 10 mail.good\nmail.good A 192.0.2.1\n", set()),
    ("nomx", "nomx A 192.0.2.1\n", {"mx-missing"}),
    ("nxd", "", {"domain-nonexistent"}),
    ("null", "null MX 0 .\n", {"mx-null"}),
    ("alias", "alias MX 10 a.alias\na.alias CNAME real.alias\nreal.alias A 192.0.2.2\n", {"mx-cname"}),
    ("dangling", "dangling MX 10 gone.dangling\n", {"mx-target-missing"}),
    ("ip", "ip MX 10 192.0.2.9.\n", {"mx-points-to-ip"}),
    ("v6only", "v6only MX 10 m.v6only\nm.v6only AAAA 2001:db8::25\n", set()),
]


@pytest.mark.parametrize(("label", "records", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_mx_cases(label: str, records: str, expected: set[str]) -> None:
    resolver = ZoneResolver.from_text(HEAD + records)
    result = await check_mx(CheckContext(f"{label}.mx.test", resolver))
    assert {f.code for f in result.findings} == expected
    assert not result.unchecked


class FailingResolver:
    async def query(self, name: object, rdtype: object) -> object:
        raise ServFail(str(name), str(rdtype))


async def test_a_dns_failure_is_could_not_check_never_missing() -> None:
    result = await check_mx(CheckContext("x.test", FailingResolver()))  # type: ignore[arg-type]
    assert [f.code for f in result.findings] == ["dns-lookup-failed"]
    assert result.unchecked and "SERVFAIL" in result.unchecked[0]
