"""Helpers for testing code that resolves names: a real DNS server over master files.

`inboxready.testing.dnsserver` runs in-process (`await start_server(zones)`) or as its own
process (`python -m inboxready.testing.dnsserver --zones DIR --port 0`). Nothing here is
imported by the library itself.
"""
