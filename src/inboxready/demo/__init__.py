"""The bundled demo organisation, Acme (acme.example): zone files and sample data, offline.

Acme sends through Microsoft 365, Amazon SES, Mailchimp, its web host's server and one own server.
Its zone holds realistic mistakes so that `inboxready demo` shows what the checks find.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

DEMO_DOMAIN = "acme.example"

#: What Acme declares about itself until the policy file takes over: the selectors its senders
#: sign with and its own sending server.
DEMO_OPTIONS: dict[str, Any] = {
    "dkim_selectors": [
        "selector1",
        "selector2",
        "4zl7dkxxvtd2gjqf2mqu7nxvtbgqdxxr",
        "ozsm3fspbfzufs6w5oyqxgo2sy5iffrd",
        "rdtjbfmhtdqhqbxsdd2bxjhdvwdprazh",
        "k2",
        "k3",
        "default",
        "mail2026",
    ],
    "servers": [{"ip": "203.0.113.25", "helo": "mail.acme.example"}],
}


def demo_dir() -> Path:
    return Path(str(resources.files(__name__)))


def demo_policy_file() -> Path:
    """Acme's policy file: its senders, own server and DMARC goal."""
    return demo_dir() / "inboxready.yaml"


def demo_reports_dir() -> Path:
    """Aggregate and SMTP TLS reports about Acme's mail, as receivers would send them."""
    return demo_dir() / "reports"


def demo_zone_files() -> list[Path]:
    return sorted((demo_dir() / "zones").glob("*.zone"))
