"""A generated world of sending domains for bench/check: zone files, one per zone, in a directory.

`write_world(directory, count, seed)` writes COUNT customer domains `<word><n>.test` (each its own
zone, so SOA and NS queries behave as for real domains) and the zones they lean on:

- providers shaped like their published records: outlook.com (spf.protection with a nested
  include, per-tenant MX hosts), onmicrosoft.com (selector1/2 keys behind CNAMEs), google.com
  (_spf with three nested _netblocks includes, aspmx hosts, a `google._domainkey` TXT key on the
  customer side), 1e100.net (PTR names of Google's MX), amazonses.com (SPF, Easy DKIM tokens),
  mcsv.net (servers.mcsv.net, k2/k3 keys), sendgrid.net (s1/s2 keys);
- DMARC report vendors: one authorizing each customer explicitly (and forgetting some), one with
  a wildcard `*._report._dmarc` authorization;
- reverse zones for every MX address (some PTRs missing, mismatched or generic pool names);
- the DNS blocklist zones inboxready asks by default, with their RFC 5782 test entries and a few
  listed customer domains, so no list is "broken".

About one domain in six carries a mistake (SPF over the lookup limit, two SPF records, +all,
a syntax error, a void include; DMARC missing, misspelt, doubled or with an unauthorized external
rua; a revoked, 1024-bit, test-mode or garbled DKIM key; no MX, a null MX, an MX that is a CNAME
or an IP). Some domains publish MTA-STS (its policy host is 127.0.0.1, where nothing listens),
TLS-RPT and BIMI records. Every address a tool could connect to is on 127.0.0.0/8 or in ranges
that only these zones mention; only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import base64
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

WORDS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne",
         "soylent", "vandelay", "wonka", "duff", "oscorp", "aperture", "gringotts", "monarch", "pied")
SOA = "@ SOA ns1 hostmaster 1 7200 3600 1209600 300"
BLOCKLISTS = {  # the bundled lists' zones → their RFC 5782 test entry (owner, A)
    "zen.spamhaus.org": ("2.0.0.127", "127.0.0.2"),
    "bl.spamcop.net": ("2.0.0.127", "127.0.0.2"),
    "b.barracudacentral.org": ("2.0.0.127", "127.0.0.2"),
    "dnsbl-1.uceprotect.net": ("2.0.0.127", "127.0.0.2"),
    "psbl.surriel.com": ("2.0.0.127", "127.0.0.2"),
    "dbl.spamhaus.org": ("dbltest.com", "127.0.1.2"),
    "multi.surbl.org": ("test.surbl.org", "127.0.0.4"),
    "multi.uribl.com": ("test.uribl.com", "127.0.0.2"),
}
GOOGLE_MX = ("aspmx.l", "alt1.aspmx.l", "alt2.aspmx.l", "alt3.aspmx.l", "alt4.aspmx.l")


@dataclass
class Zones:
    """Zone name → record lines (owner relative to the zone or absolute)."""

    lines: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, zone: str, owner: str, rtype: str, data: str) -> None:
        self.lines[zone].append(f"{owner} {rtype} {data}")

    def write(self, directory: Path) -> list[str]:
        directory.mkdir(parents=True, exist_ok=True)
        for zone, lines in self.lines.items():
            origin = "." if zone == "." else f"{zone}."
            header = [f"$ORIGIN {origin}", "$TTL 3600", SOA.format(ns=origin), "@ NS ns1", "ns1 A 127.0.0.1"]
            (directory / zone_file(zone)).write_text("\n".join(header + lines) + "\n")
        return sorted(self.lines)


def zone_file(zone: str) -> str:
    return "root.zone" if zone == "." else f"{zone}.zone"


def txt(text: str) -> str:
    """TXT rdata: the text split into quoted character-strings of at most 255 octets."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255)) or '""'


def rsa_key(bits: int) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


class World:
    def __init__(self, count: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = count
        self.zones = Zones()
        self.key2048 = rsa_key(2048)
        self.key1024 = rsa_key(1024)
        self.next_ip = 0
        self.domains: list[str] = []
        self.providers()

    # ---- shared infrastructure -------------------------------------------------------------
    def providers(self) -> None:
        z = self.zones
        z.add("outlook.com", "spf.protection", "TXT", txt(
            "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 "
            "ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 "
            "include:spfd.protection.outlook.com -all"))
        z.add("outlook.com", "spfd.protection", "TXT", txt("v=spf1 ip4:51.4.72.0/24 ip4:51.5.72.0/24 -all"))
        z.add("google.com", "_spf", "TXT", txt("v=spf1 include:_netblocks.google.com "
                                               "include:_netblocks2.google.com include:_netblocks3.google.com ~all"))
        z.add("google.com", "_netblocks", "TXT", txt(
            "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 "
            "ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 "
            "ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"))
        z.add("google.com", "_netblocks2", "TXT", txt(
            "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 "
            "ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"))
        z.add("google.com", "_netblocks3", "TXT", txt(
            "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.253.56.0/21 "
            "ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"))
        for i, host in enumerate(GOOGLE_MX):
            ip = f"142.250.{i + 1}.27"
            z.add("google.com", host, "A", ip)
            name = f"x{i}-in-f27.1e100.net."
            z.add("250.142.in-addr.arpa", f"27.{i + 1}", "PTR", name)
            z.add("1e100.net", f"x{i}-in-f27", "A", ip)
        z.add("amazonses.com", "@", "TXT", txt(
            "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 "
            "ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 -all"))
        z.add("mcsv.net", "servers", "TXT", txt(
            "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 -all"))
        for sel in ("dkim", "dkim2", "dkim3"):
            z.add("mcsv.net", sel, "TXT", txt(f"v=DKIM1; k=rsa; p={self.key2048}"))
        z.add("sendgrid.net", "@", "TXT", txt("v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 "
                                              "ip4:50.31.32.0/19 ip4:198.37.144.0/20 ~all"))
        z.add("dmarcvendor.test", "@", "TXT", txt("v=spf1 -all"))
        z.add("wildvendor.test", "*._report._dmarc", "TXT", txt("v=DMARC1"))
        for zone, (owner, address) in BLOCKLISTS.items():
            z.add(zone, owner, "A", address)
            z.add(zone, owner, "TXT", txt("RFC 5782 test entry"))
        # The root and .test zones: every other name (a void include's target, an MX that names
        # an IP address, an unserved reverse name) is NXDOMAIN, as on the Internet, not REFUSED.
        z.add(".", "_root", "TXT", txt("catch-all"))
        z.add("test", "_parent", "TXT", txt("parent of the customer zones; generic pool hosts"))

    def mx_ip(self) -> str:
        self.next_ip += 1
        n = self.next_ip
        return f"198.{18 + (n >> 16)}.{n >> 8 & 255}.{n & 255}"

    def ptr(self, ip: str, name: str | None) -> None:
        a, b, c, d = ip.split(".")
        if name is not None:
            self.zones.add(f"{b}.{a}.in-addr.arpa", f"{d}.{c}", "PTR", name)

    # ---- one customer domain -----------------------------------------------------------------
    def domain(self, n: int) -> str:
        rng = self.rng
        domain = f"{rng.choice(WORDS)}{n}.test"
        self.domains.append(domain)
        z, dash = domain, domain.replace(".", "-")
        add = self.zones.add
        add(z, "@", "A", "127.0.0.1")
        providers = self.pick_providers()
        broken = rng.random() < 0.18
        mail = self.mx(domain, dash, providers, broken and rng.random() < 0.3)
        self.spf(domain, providers, mail, broken and rng.random() < 0.4)
        self.dkim(domain, dash, providers, broken and rng.random() < 0.35)
        self.dmarc(domain, broken and rng.random() < 0.4)
        self.extras(domain)
        if rng.random() < 0.03:
            add(z, "@", "TXT", txt(f"google-site-verification={rng.getrandbits(128):032x}"))
        return domain

    def pick_providers(self) -> list[str]:
        rng = self.rng
        first = rng.choices(["outlook", "google", "own"], weights=[45, 35, 20])[0]
        extra = [p for p in ("amazonses", "mailchimp", "sendgrid") if rng.random() < 0.25]
        return [first, *extra]

    def mx(self, domain: str, dash: str, providers: list[str], broken: bool) -> list[str]:
        """The MX records; returns the own server IPs (for SPF ip4: terms)."""
        rng, add = self.rng, self.zones.add
        if broken:
            kind = rng.choice(["none", "null", "cname", "ip", "nxdomain"])
            if kind == "null":
                add(domain, "@", "MX", "0 .")
            elif kind == "cname":
                ip = self.mx_ip()
                add(domain, "@", "MX", "10 mx")
                add(domain, "mx", "CNAME", "mail")
                add(domain, "mail", "A", ip)
                self.ptr(ip, f"mail.{domain}.")
                return [ip]
            elif kind == "ip":
                add(domain, "@", "MX", f"10 {self.mx_ip()}.")
            elif kind == "nxdomain":
                add(domain, "@", "MX", f"10 mx-gone.{domain}.")
            return []
        if providers[0] == "outlook":
            host = f"{dash}.mail.protection.outlook.com."
            add(domain, "@", "MX", f"0 {host}")
            ip = f"52.101.{self.next_ip >> 8 & 255}.{self.next_ip & 255}"
            self.next_ip += 1
            add("outlook.com", host[: -len(".outlook.com.")], "A", ip)
            out = f"mail-{dash}.outbound.protection.outlook.com."
            self.ptr(ip, out)
            add("outlook.com", out[: -len(".outlook.com.")], "A", ip)
            return []
        if providers[0] == "google":
            for prio, host in zip((1, 5, 5, 10, 10), GOOGLE_MX, strict=True):
                add(domain, "@", "MX", f"{prio} {host}.google.com.")
            return []
        ips = []
        for i in range(rng.choice([1, 1, 2])):
            ip = self.mx_ip()
            ips.append(ip)
            add(domain, f"mx{i + 1}", "A", ip)
            add(domain, "@", "MX", f"{10 * (i + 1)} mx{i + 1}")
            roll = rng.random()
            if roll < 0.75:
                self.ptr(ip, f"mx{i + 1}.{domain}.")
            elif roll < 0.85:
                pool = "{}.dyn.isp-pool".format(ip.replace(".", "-"))
                self.ptr(ip, f"{pool}.test.")
                add("test", pool, "A", ip)  # forward-confirmed, but a generic pool name
            elif roll < 0.92:
                self.ptr(ip, f"other-host.{domain}.")  # no A record: forward confirmation fails
            # else: no PTR at all
        return ips

    def spf(self, domain: str, providers: list[str], ips: list[str], broken: bool) -> None:
        rng, add = self.rng, self.zones.add
        includes = {"outlook": "include:spf.protection.outlook.com", "google": "include:_spf.google.com",
                    "amazonses": "include:amazonses.com", "mailchimp": "include:servers.mcsv.net",
                    "sendgrid": "include:sendgrid.net"}
        terms = [includes[p] for p in providers if p in includes]
        terms += [f"ip4:{ip}" for ip in ips]
        if providers[0] == "own":
            terms.insert(0, "mx")
        terms.append(rng.choice(["-all", "~all", "~all"]))
        if broken:
            kind = rng.choice(["missing", "two", "plusall", "syntax", "void", "limit", "ptr"])
            if kind == "missing":
                return
            if kind == "two":
                add(domain, "@", "TXT", txt("v=spf1 include:sendgrid.net ~all"))
            elif kind == "plusall":
                terms[-1] = "+all"
            elif kind == "syntax":
                terms.insert(0, "ip4:198.51.100.300")
            elif kind == "void":
                terms.insert(0, f"include:spf{rng.randrange(999)}.old-provider.test")
            elif kind == "limit":
                terms[:0] = ["a", "mx", "include:spf.protection.outlook.com", "include:_spf.google.com",
                             "include:amazonses.com", "include:servers.mcsv.net", "include:sendgrid.net"]
            elif kind == "ptr":
                terms.insert(0, "ptr")
        add(domain, "@", "TXT", txt("v=spf1 " + " ".join(dict.fromkeys(terms))))

    def dkim(self, domain: str, dash: str, providers: list[str], broken: bool) -> None:
        rng, add = self.rng, self.zones.add
        key = self.key2048
        if broken:
            kind = rng.choice(["revoked", "weak", "testing", "garbled", "none"])
            if kind == "none":
                return
            record = {"revoked": "v=DKIM1; k=rsa; p=", "weak": f"v=DKIM1; k=rsa; p={self.key1024}",
                      "testing": f"v=DKIM1; k=rsa; t=y; p={key}",
                      "garbled": f"v=DKIM1; k=rsa; p={key[:60]}!!{key[60:200]}"}[kind]
            add(domain, rng.choice(["dkim", "s1024", "sig1"]) + "._domainkey", "TXT", txt(record))
        for provider in providers:
            if provider == "outlook":
                tenant = domain.split(".")[0]
                for sel in ("selector1", "selector2"):
                    target = f"{sel}-{dash}._domainkey.{tenant}.onmicrosoft.com."
                    add(domain, f"{sel}._domainkey", "CNAME", target)
                    if sel == "selector1" or rng.random() < 0.7:  # selector2 often never published
                        add("onmicrosoft.com", target[: -len(".onmicrosoft.com.")], "TXT",
                            txt(f"v=DKIM1; k=rsa; p={key}"))
            elif provider == "google":
                add(domain, "google._domainkey", "TXT", txt(f"v=DKIM1; k=rsa; p={key}"))
            elif provider == "own":
                add(domain, rng.choice(["default", "mail"]) + "._domainkey", "TXT", txt(f"v=DKIM1; k=rsa; p={key}"))
            elif provider == "amazonses":
                for _ in range(3):
                    token = f"{rng.getrandbits(160):032x}"[:32]
                    add(domain, f"{token}._domainkey", "CNAME", f"{token}.dkim.amazonses.com.")
                    add("amazonses.com", f"{token}.dkim", "TXT", txt(f"v=DKIM1; k=rsa; p={key}"))
                add(domain, "bounce", "MX", "10 feedback-smtp.eu-west-1.amazonses.com.")
                add(domain, "bounce", "TXT", txt("v=spf1 include:amazonses.com ~all"))
            elif provider == "mailchimp":
                add(domain, "k2._domainkey", "CNAME", "dkim2.mcsv.net.")
                add(domain, "k3._domainkey", "CNAME", "dkim3.mcsv.net.")
            elif provider == "sendgrid":
                user = rng.randrange(10**6)
                for sel in ("s1", "s2"):
                    add(domain, f"{sel}._domainkey", "CNAME", f"{sel}.domainkey.u{user}.wl.sendgrid.net.")
                    add("sendgrid.net", f"{sel}.domainkey.u{user}.wl", "TXT", txt(f"v=DKIM1; k=rsa; p={key}"))

    def dmarc(self, domain: str, broken: bool) -> None:
        rng, add = self.rng, self.zones.add
        if broken:
            kind = rng.choice(["missing", "misspelt", "two", "unauthorized", "badtag"])
            if kind == "missing":
                return
            record = {"misspelt": "v=DMARC1; p=rejectt; rua=mailto:dmarc@{d}",
                      "two": "v=DMARC1; p=none",
                      "unauthorized": "v=DMARC1; p=quarantine; rua=mailto:{d}@dmarcvendor.test",
                      "badtag": "v=DMARC1; p=none; pct=150; rua=dmarc@{d}"}[kind].format(d=domain)
            if kind == "two":
                add(domain, "_dmarc", "TXT", txt("v=DMARC1; p=reject"))
            add(domain, "_dmarc", "TXT", txt(record))
            return
        policy = rng.choices(["none", "quarantine", "reject"], weights=[50, 25, 25])[0]
        tags = [f"v=DMARC1; p={policy}"]
        if policy != "none" and rng.random() < 0.2:
            tags.append("pct=100")
        if rng.random() < 0.15:
            tags.append(f"sp={rng.choice(['none', 'quarantine', 'reject'])}")
        where = rng.choices(["none", "inside", "vendor", "wild"], weights=[25, 35, 25, 15])[0]
        if where == "inside":
            tags.append(f"rua=mailto:dmarc-reports@{domain}")
        elif where == "vendor":
            tags.append(f"rua=mailto:{domain.split('.')[0]}@dmarcvendor.test")
            add("dmarcvendor.test", f"{domain}._report._dmarc", "TXT", txt("v=DMARC1"))
        elif where == "wild":
            tags.append("rua=mailto:agg@wildvendor.test")
        if rng.random() < 0.1:
            tags.append(f"ruf=mailto:forensic@{domain}; fo=1")
        if rng.random() < 0.1:
            tags.append("adkim=s; aspf=s")
        add(domain, "_dmarc", "TXT", txt("; ".join(tags)))

    def extras(self, domain: str) -> None:
        rng, add = self.rng, self.zones.add
        if rng.random() < 0.12:
            good = rng.random() < 0.85
            add(domain, "_mta-sts", "TXT", txt(f"v=STSv1; id=2026{rng.randrange(10**8)}" if good else "v=STSv1 id=x"))
            add(domain, "mta-sts", "A", "127.0.0.1")
        if rng.random() < 0.15:
            ok = rng.random() < 0.85
            add(domain, "_smtp._tls", "TXT",
                txt(f"v=TLSRPTv1; rua=mailto:tls-reports@{domain}" if ok else "v=TLSRPTv1; rua=http://x"))
        if rng.random() < 0.05:
            add(domain, "bimi", "A", "127.0.0.1")
            logo = f"https://bimi.{domain}/logo.svg" if rng.random() < 0.8 else f"http://{domain}/logo.png"
            add(domain, "default._bimi", "TXT", txt(f"v=BIMI1; l={logo}; a="))


def listed(world: World, domains: Iterable[str]) -> None:
    """List a few customer domains on the domain blocklists."""
    for i, domain in enumerate(domains):
        if i % 97 == 5:
            world.zones.add("dbl.spamhaus.org", domain, "A", "127.0.1.2")
        if i % 131 == 7:
            world.zones.add("multi.uribl.com", domain, "A", "127.0.0.4")


def write_world(directory: Path, count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Write the zones; return (customer domains in generation order, every zone name)."""
    world = World(count, seed)
    for n in range(count):
        world.domain(n)
    listed(world, world.domains)
    return world.domains, world.zones.write(directory)
