"""`inboxready bimi DOMAIN` (the command lives with MTA-STS in cli/mtasts.py)."""

from inboxready.cli.mtasts import bimi_command as command

__all__ = ["command"]
