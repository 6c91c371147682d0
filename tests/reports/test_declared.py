"""Sources the policy declares are declared senders; a service's signature relayed elsewhere is a forwarder."""

import json
import subprocess
import sys

from inboxready.dns import ZoneResolver
from inboxready.policy.model import parse_policy
from inboxready.reports.declared import hosted_sender_signatures, own_server_signatures

POLICY = """domain: example.com
senders:
  - service: web-host
    parameters: {host: web.host.test}
servers:
  - ip: [192.0.2.25, 2001:db8::25]
    helo: mail.example.com
    dkim: {selector: s2026}
"""


def test_own_servers_and_hosts_become_signatures() -> None:
    policy = parse_policy(POLICY).policy
    [own] = own_server_signatures(policy)
    assert [str(n) for n in own.networks] == ["192.0.2.25/32", "2001:db8::25/128"]
    assert own.dkim_selectors == ("s2026",)


async def test_hosted_senders_resolve_their_host() -> None:
    policy = parse_policy(POLICY).policy
    zones = ZoneResolver.from_text("$ORIGIN host.test.\n@ 60 SOA ns h 1 2 3 4 5\nweb 60 A 198.51.100.7\n")
    [web] = await hosted_sender_signatures(policy, zones)
    assert [str(n) for n in web.networks] == ["198.51.100.7/32"]
    assert await hosted_sender_signatures(policy, ZoneResolver()) == []  # unresolvable: no guess


def test_demo_shows_the_reports_summary_with_groups_and_fixes() -> None:
    run = subprocess.run([sys.executable, "-m", "inboxready", "demo", "--json"], capture_output=True, text=True,
                         timeout=180)
    report = json.loads(run.stdout)
    summary = report["reports"]
    assert summary["messages"] == sum(s["messages"] for s in summary["sources"]) > 0
    groups = {s["ip"]: s.get("group") for s in summary["sources"]}
    assert groups["203.0.113.25"] == "declared-passing"  # the policy's own server
    assert groups["17.58.63.10"] == "forwarder"  # M365-signed mail relayed, SPF failing
    assert groups["185.220.101.7"] == "unauthorized"
    codes = {f["code"] for f in report["findings"]}
    assert {"report-sender-failing-dkim", "report-source-unauthorized"} <= codes
