"""Checks of the hosts a domain's mail flows through: MX, PTR, MTA-STS, TLS-RPT, BIMI."""
