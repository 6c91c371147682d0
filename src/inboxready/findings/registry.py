"""The single registry of finding codes.

Each area declares its codes in `inboxready/findings/codes/<area>.py` as a module-level tuple
`CODES` of `CodeInfo`. The registry collects every such module; a code declared twice is an error
at import time, so codes can never be reused by accident.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from inboxready.findings.model import Finding, Severity

_CODE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    meaning: str
    fix: str
    refs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _CODE_RE.match(self.code):
            raise ValueError(f"finding code {self.code!r} is not of the form area-slug")


@cache
def _registry() -> dict[str, CodeInfo]:
    from inboxready.findings import codes as codes_pkg

    registry: dict[str, CodeInfo] = {}
    for module_info in sorted(pkgutil.iter_modules(codes_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{codes_pkg.__name__}.{module_info.name}")
        for info in getattr(module, "CODES", ()):
            if info.code in registry:
                raise RuntimeError(f"finding code {info.code} is registered twice")
            registry[info.code] = info
    return registry


def all_codes() -> list[CodeInfo]:
    return sorted(_registry().values(), key=lambda c: c.code)


def code_info(code: str) -> CodeInfo:
    try:
        return _registry()[code]
    except KeyError:
        raise KeyError(f"unregistered finding code {code!r}: add it to inboxready/findings/codes/") from None


def make_finding(
    code: str,
    subject: str,
    message: str,
    fix: str | None = None,
    *,
    severity: Severity | None = None,
    refs: tuple[str, ...] = (),
    data: dict[str, Any] | None = None,
) -> Finding:
    """A finding with the registered severity, fix and references unless given here."""
    info = code_info(code)
    return Finding(
        code=code,
        severity=severity or info.severity,
        subject=subject,
        message=message,
        fix=info.fix if fix is None else fix,
        refs=refs or info.refs,
        data=data or {},
    )
