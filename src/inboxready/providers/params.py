"""Typed parameter values: check what the user supplied against the catalog's parameter types.

`coerce_value(parameter, raw)` returns the normalised text or raises ValueError with one clear line.
DNS names follow RFC 1035 section 2.3.4 limits (labels of 1-63 octets, 253 in all); DKIM keys are
the RFC 6376 section 3.6.1 tag list, or just its base64 p= value.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from inboxready.providers.model import Parameter, ParameterType

_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._:=+/-]{1,255}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$|^[a-z0-9-]{2,32}$")


def _dns_name(text: str, what: str) -> str:
    name = text.strip().rstrip(".").lower()
    if not name or len(name) > 253 or not all(_LABEL_RE.match(label) for label in name.split(".")):
        raise ValueError(f"{text!r} is not a valid {what}")
    return name


def _label(text: str) -> str:
    return "@" if text.strip() == "@" else _dns_name(text, "DNS label (like bounce or mg)")


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False)).removesuffix("/32").removesuffix("/128")
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or network") from None


def dkim_key_record(text: str) -> str:
    """A DKIM key record from a full tag list or from the bare base64 public key."""
    value = " ".join(text.split())
    if "=" in value and ("p=" in value.replace(" ", "") or value.lower().startswith("v=dkim1")):
        return value
    compact = value.replace(" ", "")
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a DKIM key is a record like 'v=DKIM1; k=rsa; p=MIIB...' or its base64 p= value") from None
    return f"v=DKIM1; k=rsa; p={compact}"


def coerce_value(parameter: Parameter, raw: str) -> str:
    text = str(raw).strip()
    if not text:
        raise ValueError("value is empty")
    kind = parameter.type
    if parameter.choices and text.lower() not in parameter.choices:
        raise ValueError(f"{text!r} is not one of {', '.join(parameter.choices)}")
    if kind is ParameterType.LABEL:
        return _label(text)
    if kind is ParameterType.HOSTNAME:
        return _dns_name(text, "host name")
    if kind is ParameterType.REGION:
        if not _REGION_RE.match(text.lower()):
            raise ValueError(f"{text!r} is not a region name (like eu-west-1)")
        return text.lower()
    if kind is ParameterType.TOKEN:
        if not _TOKEN_RE.match(text):
            raise ValueError(f"{text!r} is not a token (letters, digits and ._:=+/- only)")
        return text
    if kind is ParameterType.NUMBER:
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a number")
        return text
    if kind is ParameterType.IP:
        return _ip(text)
    if kind is ParameterType.DKIM_KEY:
        return dkim_key_record(text)
    if "\n" in text:
        raise ValueError("value must be one line")
    return text
