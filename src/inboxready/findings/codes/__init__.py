"""One module per area, each with a `CODES` tuple; see inboxready.findings.registry."""
