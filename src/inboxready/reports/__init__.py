"""DMARC aggregate/failure and SMTP TLS reports: parse, store, analyse."""
