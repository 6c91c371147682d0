"""inboxready: get a domain's email sending settings right.

The package is a library first; the `inboxready` command is a thin shell over it.
"""

__version__ = "0.1.0"
