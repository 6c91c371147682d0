"""Generate docs/findings.md from the code registry: `python -m inboxready.findings.docs`."""

from __future__ import annotations

from itertools import groupby

from inboxready.findings.registry import all_codes

HEADER = """# Finding codes

Generated from the registry in `src/inboxready/findings/codes/` by
`python -m inboxready.findings.docs > docs/findings.md`; a test fails when this file is stale.
Codes are stable: once released they are never renamed or reused. Silence a code with
`silence:` in the policy file.
"""


def render_markdown() -> str:
    lines = [HEADER]
    for area, group in groupby(all_codes(), key=lambda c: c.code.split("-", 1)[0]):
        lines.append(f"## {area}\n")
        for info in group:
            lines.append(f"### `{info.code}` — {info.title}\n")
            lines.append(f"Severity: **{info.severity.value}**\n")
            lines.append(f"{info.meaning}\n")
            lines.append(f"Fix: {info.fix}\n")
            if info.refs:
                lines.append("References: " + ", ".join(f"<{r}>" for r in info.refs) + "\n")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_markdown(), end="")
